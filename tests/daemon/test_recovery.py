"""ckd keeps its promises across failures: a killed worker is restarted and counted, and a restarted
daemon brings back its tenants and models."""

import os
import pathlib
import signal
import time

import harness
from harness import DaemonTestCase

PROMPT = "The capital of France is"


class Recovery(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference = harness.ckrun("-m", harness.TOOLS["model"], "-p", PROMPT, "-n", "8", "--temp", "0", "-t", "1")
        assert cls.reference.code == 0, cls.reference

    def generate(self):
        return self.ok("generate", "gamma", harness.model_name(), PROMPT, "-n", "8", "--temp", "0")

    def wait_until_ready(self, predicate, what):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            model = self.model_status("gamma", harness.model_name())
            if model["state"] == "ready" and predicate(model):
                return model
            time.sleep(0.1)
        self.fail(f"{what}: model status {self.model_status('gamma', harness.model_name())}\n{self.daemon.log_text()[-3000:]}")

    def test_1_setup(self):
        self.ok("tenant", "create", "gamma", "--cpus", "0-1", "--memory", "512M")
        self.ok("load", "gamma", harness.TOOLS["model"], "--threads", "2")
        self.assertEqual(self.generate().out, self.reference.out)

    def test_2_killed_worker_is_restarted(self):
        before = self.model_status("gamma", harness.model_name())
        os.kill(before["worker_pid"], signal.SIGKILL)
        after = self.wait_until_ready(lambda m: m["worker_pid"] not in (0, before["worker_pid"]), "no restart")
        self.assertEqual(after["restarts"], before["restarts"] + 1)
        self.assertIn("1 restarts", self.ok("status").out)
        self.assertEqual(self.generate().out, self.reference.out)

    def test_3_restarted_daemon_brings_state_back(self):
        self.assertEqual(self.daemon.stop(), 0, self.daemon.log_text()[-3000:])
        self.assertEqual(harness.cgroups_named(self.cgroup_parent), [], "ckd left its cgroups at exit")
        self.assertEqual(self.ckctl("status").code, harness.EXIT_NOT_RUNNING)
        self.daemon.start()
        tenant = next(t for t in self.status()["tenants"] if t["name"] == "gamma")
        self.assertEqual(tenant["cpus"], "0-1")
        self.assertEqual(tenant["memory_limit"], 512 << 20)
        model = self.wait_until_ready(lambda m: m["worker_pid"] > 0, "model not back after restart")
        self.assertEqual(model["threads"], 2)
        self.assertEqual(self.generate().out, self.reference.out)

    def test_4_two_models_in_one_tenant_get_different_cpus(self):
        self.ok("load", "gamma", harness.TOOLS["model"], "--name", "left", "--threads", "1")
        self.ok("load", "gamma", harness.TOOLS["model"], "--name", "right", "--threads", "1")
        try:
            allowed = []
            for name in ("left", "right"):
                pid = self.model_status("gamma", name)["worker_pid"]
                status = pathlib.Path(f"/proc/{pid}/status").read_text()
                allowed.append(next(line.split()[1] for line in status.splitlines()
                                    if line.startswith("Cpus_allowed_list:")))
            self.assertEqual(sorted(allowed), ["0", "1"], "both single-thread models on one CPU")
        finally:
            self.ok("unload", "gamma", "left")
            self.ok("unload", "gamma", "right")


if __name__ == "__main__":
    harness.main()
