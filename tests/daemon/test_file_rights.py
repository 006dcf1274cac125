"""Root parses nothing it was handed: ckd opens a model file with the rights of the member of group
ckernel who asked, so its errors reveal nothing about files that member could not read, and restores
open it as that member again. The workers run as a user of their own and read the huge page copies
through the hugetlbfs mount's group."""

import os
import pathlib
import pwd
import shutil
import time

import harness
from harness import EXIT_SERVER

MEMBER = "ckctl-e2e-member"
WORKER = "ckctl-e2e-worker"
PROMPT = "Once upon a time"


class WithTwoCopies(harness.WithThrowawayUsers):
    """Two copies of the test model beside the daemon's files: `secret` (0600, root's) and `shared`
    (0644), and an empty tenant TENANT on CPU 0."""

    TENANT = ""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.secret = cls.directory / "secret.gguf"
            shutil.copyfile(harness.TOOLS["model"], cls.secret)
            os.chmod(cls.secret, 0o600)
            cls.shared = cls.directory / "shared.gguf"
            shutil.copyfile(harness.TOOLS["model"], cls.shared)
            os.chmod(cls.shared, 0o644)
            created = harness.ckctl(cls.bus, "tenant", "create", cls.TENANT, "--cpus", "0", "--memory", "256M")
            assert created.code == 0, created
        except BaseException:
            cls.tearDownClass()
            raise


class FileRights(WithTwoCopies):
    USERS = {MEMBER: ["ckernel"], WORKER: []}
    EXTRA_ARGS = ("--worker-user", WORKER)
    TENANT = "iota"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference = harness.ckrun("-m", harness.TOOLS["model"], "-p", PROMPT, "-n", "6", "--temp", "0", "-t", "1")

    def member(self, *args):
        return self.ckctl(*args, user=MEMBER, user_groups=True)

    def refused_as_unreadable(self, path):
        result = self.member("load", "iota", str(path), "--name", "probe")
        self.assertEqual(result.code, EXIT_SERVER, result)
        self.assertIn("org.ckernel.Error.BadModel", result.err)
        self.assertIn("Permission denied", result.err)
        for leak in ("No such file", "bad magic", "needs", "bytes"):
            self.assertNotIn(leak, result.err, f"{path}: the error tells what only root may know")

    def test_1_files_the_member_cannot_read_all_look_alike(self):
        for path in ("/root/nonexistent.gguf", "/root/.bashrc", self.secret):
            self.refused_as_unreadable(path)
        self.assertEqual(self.status()["tenants"][0]["models"], [])

    def test_2_a_readable_file_loads_and_the_worker_reads_the_copy(self):
        result = self.member("load", "iota", str(self.shared), "--name", "m")
        self.assertEqual(result.code, 0, f"{result}\n{self.daemon.log_text()[-3000:]}")
        model = self.model_status("iota", "m")
        self.assertIn("hugetlbfs", model["placement"])
        with open(f"/proc/{model['worker_pid']}/status") as status:
            uid_line = next(line for line in status if line.startswith("Uid:"))
        self.assertEqual(int(uid_line.split()[1]), pwd.getpwnam(WORKER).pw_uid)
        generated = self.member("generate", "iota", "m", PROMPT, "-n", "6", "--temp", "0")
        self.assertEqual(generated.out, self.reference.out)

    def test_3_a_restore_opens_the_file_as_the_member_again(self):
        self.assertEqual(self.daemon.stop(), 0)
        os.chmod(self.shared, 0o600)  # now only root could read it
        self.daemon.start()
        deadline = time.monotonic() + 30
        while self.model_status("iota", "m")["state"] != "failed" and time.monotonic() < deadline:
            time.sleep(0.1)
        model = self.model_status("iota", "m")
        self.assertEqual(model["state"], "failed")
        self.assertIn("Permission denied", model["error"])
        os.chmod(self.shared, 0o644)
        deadline = time.monotonic() + 60
        while self.model_status("iota", "m")["state"] != "ready" and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.model_status("iota", "m")["state"], "ready")


class SwappedFile(WithTwoCopies):
    """Without huge pages a worker maps the model file itself, by name and with its own rights (root on a
    host without user ckernel): it must check that it found the file ckd opened with the member's rights,
    so a symlink swapped in later cannot hand it a file the member could not read."""

    USERS = {MEMBER: ["ckernel"]}
    HUGEPAGES = 0
    TENANT = "kappa"

    def test_a_restarted_worker_refuses_a_swapped_file(self):
        result = self.ckctl("load", "kappa", str(self.shared), "--name", "m", user=MEMBER, user_groups=True)
        self.assertEqual(result.code, 0, f"{result}\n{self.daemon.log_text()[-3000:]}")
        model = self.model_status("kappa", "m")
        self.assertIn("page cache", model["placement"])
        # Swap the path for a link to the file only root may read, then make the worker start again.
        self.shared.unlink()
        self.shared.symlink_to(self.secret)
        os.kill(model["worker_pid"], 9)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.model_status("kappa", "m")["state"] != "failed":
            time.sleep(0.1)
        model = self.model_status("kappa", "m")
        self.assertEqual(model["state"], "failed", self.daemon.log_text()[-3000:])
        # Reopened with the member's rights on the retry: the secret stays unread.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "Permission denied" not in self.model_status("kappa", "m").get("error", ""):
            time.sleep(0.2)
        self.assertIn("Permission denied", self.model_status("kappa", "m")["error"])
        self.assertIn("not the file ckd opened", self.daemon.log_text())


if __name__ == "__main__":
    harness.main()
