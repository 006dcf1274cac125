"""ckd loses nothing and never hangs: a kill -9 and a restart bring back every tenant and model without
leaking cgroups, mounts or huge pages; an entry that cannot be restored is kept, marked failed and retried;
files that would block (a FIFO) are refused without stopping the daemon; a clean stop leaves no group."""

import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import harness
from harness import EXIT_SERVER, DaemonTestCase

PROMPT = "Once upon a time"


class CrashSafety(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference = harness.ckrun("-m", harness.TOOLS["model"], "-p", PROMPT, "-n", "6", "--temp", "0", "-t", "1")
        assert cls.reference.code == 0, cls.reference
        cls.copy = cls.directory / "copy.gguf"
        shutil.copyfile(harness.TOOLS["model"], cls.copy)
        os.chmod(cls.directory, 0o755)
        cls.fifo = cls.directory / "pipe.gguf"
        os.mkfifo(cls.fifo)

    def state_file(self):
        return json.loads((self.directory / "state" / "state.json").read_text())

    def wait_for(self, predicate, what, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status = self.status()
            if predicate(status):
                return status
            time.sleep(0.2)
        self.fail(f"{what}: {json.dumps(self.status(), indent=1)}\n{self.daemon.log_text()[-3000:]}")

    @staticmethod
    def model(status, tenant, name):
        for t in status["tenants"]:
            for m in t["models"] if t["name"] == tenant else []:
                if m["name"] == name:
                    return m
        return None

    def all_ready(self, status):
        return all(m["state"] == "ready" for t in status["tenants"] for m in t["models"]) and all(
            t["state"] == "active" for t in status["tenants"])

    def generate(self, tenant, model):
        return self.ok("generate", tenant, model, PROMPT, "-n", "6", "--temp", "0", "--json")

    def kill_daemon(self):
        self.daemon.process.send_signal(signal.SIGKILL)
        self.daemon.process.wait(timeout=30)
        self.daemon.log.close()

    def test_1_setup(self):
        self.ok("tenant", "create", "north", "--cpus", "0", "--memory", "512M")
        self.ok("tenant", "create", "south", "--cpus", "1", "--memory", "512M")
        self.ok("load", "north", harness.TOOLS["model"], "--name", "m")
        self.ok("load", "south", harness.TOOLS["model"], "--name", "m")
        self.ok("load", "south", str(self.copy), "--name", "spare")
        self.assertTrue(self.all_ready(self.status()))

    def test_2_kill_9_loses_nothing_and_leaks_nothing(self):
        state_before = self.state_file()
        pages_before = harness.hugepage_counts()["HugePages_Total"]
        workers = [m["worker_pid"] for t in self.status()["tenants"] for m in t["models"]]
        for _ in range(2):  # twice: the second restart must not add to what the first one cleared
            self.kill_daemon()
            self.daemon.start()
            status = self.wait_for(self.all_ready, "not every tenant and model came back after kill -9")
            self.assertEqual(self.state_file(), state_before)
            self.assertEqual(harness.mounts_under(self.directory), [str(self.directory / "run" / "hugepages")])
            self.assertEqual(harness.hugepage_counts()["HugePages_Total"], pages_before)
            for pid in workers:  # the killed ckd's workers are gone, not serving beside the new ones
                cmdline = pathlib.Path(f"/proc/{pid}/cmdline")
                self.assertFalse(cmdline.exists() and "ckd-worker" in cmdline.read_text(errors="replace"),
                                 f"old worker {pid} still runs")
            workers = [m["worker_pid"] for t in status["tenants"] for m in t["models"]]
        self.assertEqual(json.loads(self.generate("south", "m").out)["text"],
                         json.loads(self.generate("north", "m").out)["text"])

    def test_3_missing_file_is_kept_failed_and_retried(self):
        self.assertEqual(self.daemon.stop(), 0)
        moved = self.directory / "moved.gguf"
        os.rename(self.copy, moved)
        try:
            self.daemon.start()
            status = self.wait_for(lambda s: (self.model(s, "south", "spare") or {}).get("state") == "failed",
                                   "the model whose file is missing is not listed as failed")
            spare = self.model(status, "south", "spare")
            self.assertIn("No such file", spare["error"])
            self.assertIn("failed: ", self.ok("status").out)
            self.assertIn("spare", [m["name"] for m in self.state_file()["models"]], "dropped from the state")
        finally:
            os.rename(moved, self.copy)
        self.wait_for(lambda s: (self.model(s, "south", "spare") or {}).get("state") == "ready",
                      "the model did not come back once its file did", seconds=90)

    def test_4_fifo_is_refused_and_never_blocks(self):
        started = time.monotonic()
        result = self.ckctl("load", "north", str(self.fifo), "--name", "pipe", timeout=20)
        self.assertEqual(result.code, EXIT_SERVER, result)
        self.assertIn("org.ckernel.Error.BadModel", result.err)
        self.assertIn("FIFO", result.err)
        self.assertLess(time.monotonic() - started, 10)
        self.assertIsNone(self.model(self.status(), "north", "pipe"))

    def test_5_fifo_in_the_state_file_does_not_hang_the_start(self):
        self.assertEqual(self.daemon.stop(), 0)
        state = self.state_file()
        state["models"].append({"tenant": "north", "name": "pipe", "path": str(self.fifo), "threads": 1,
                                "context": 0, "owner_uid": 0})
        (self.directory / "state" / "state.json").write_text(json.dumps(state))
        self.daemon.start()  # fails the test if ckd does not answer within its deadline
        status = self.wait_for(lambda s: (self.model(s, "north", "pipe") or {}).get("state") == "failed",
                               "the FIFO model is not listed as failed")
        self.assertIn("FIFO", self.model(status, "north", "pipe")["error"])
        self.ok("unload", "north", "pipe")
        self.assertNotIn("pipe", [m["name"] for m in self.state_file()["models"]])

    def test_5b_threads_out_of_range_in_the_state_file_run_on_the_tenants_cpus(self):
        """load refuses them; a state file edited by hand must not leave a worker unpinned (0) or starting
        millions of threads: the model loads on the tenant's CPUs, and the state says so."""
        for threads in (0, 3000000):
            self.assertEqual(self.daemon.stop(), 0)
            state = self.state_file()
            for m in state["models"]:
                if (m["tenant"], m["name"]) == ("north", "m"):
                    m["threads"] = threads
            (self.directory / "state" / "state.json").write_text(json.dumps(state))
            self.daemon.start()
            status = self.wait_for(self.all_ready, f"threads {threads}: not every model came back")
            self.assertEqual(self.model(status, "north", "m")["threads"], 1, threads)
            self.assertIn(f"north/m: threads {threads} is not from 1 to the tenant's 1 CPUs", self.daemon.log_text())
            self.assertEqual([m["threads"] for m in self.state_file()["models"] if m["tenant"] == "north"], [1])

    def test_6_relative_paths_and_too_many_threads_are_refused(self):
        result = self.ckctl("load", "north", harness.TOOLS["model"], "--name", "wide", "--threads", "8")
        self.assertEqual(result.code, EXIT_SERVER, result)
        self.assertIn("org.ckernel.Error.InvalidArgument", result.err)
        self.assertIn("threads must be from 1 to 1", result.err)
        relative = subprocess.run(["busctl", f"--address={self.bus.address}", "call", "org.ckernel.Manager1",
                                   "/org/ckernel/Manager1", "org.ckernel.Manager1", "LoadModel", "ssa{sv}", "north",
                                   "model.gguf", "0"], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(relative.returncode, 0)
        self.assertIn("relative", relative.stderr)

    def test_7_clean_stop_after_a_removal_leaves_no_group(self):
        self.ok("tenant", "remove", "north")
        self.assertEqual(self.daemon.stop(), 0, self.daemon.log_text()[-3000:])
        self.assertEqual(harness.cgroups_named(self.cgroup_parent), [])
        self.daemon.start()
        self.wait_for(self.all_ready, "south did not come back")
        self.assertEqual([t["name"] for t in self.status()["tenants"]], ["south"])

    def test_8_an_unreadable_state_file_is_kept_aside_and_saving_goes_on(self):
        self.assertEqual(self.daemon.stop(), 0)
        state = self.directory / "state" / "state.json"
        state.write_text('{"version": 1, "tenants": [')  # cut off, as a full disk might leave it
        self.daemon.start()
        kept = list(state.parent.glob("state.json.unreadable-*"))
        self.assertEqual(len(kept), 1, list(state.parent.iterdir()))
        self.assertEqual(kept[0].read_text(), '{"version": 1, "tenants": [')
        self.assertIn("state not restored", self.daemon.log_text())
        # ckd goes on, and what is made now is saved again.
        self.ok("tenant", "create", "later", "--cpus", "0")
        self.assertEqual([t["name"] for t in self.state_file()["tenants"]], ["later"])
        self.ok("tenant", "remove", "later")


if __name__ == "__main__":
    harness.main()
