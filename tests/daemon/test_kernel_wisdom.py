"""ckd and the kernel wisdom (issue 16): without <state-dir>/kernel-wisdom.json the defaults, with the
reason, in GetStatus and `ckctl status`; with a file of this CPU its tuning, reported and handed to every
worker (--kernel-wisdom), and with hugepages = auto its weights_on_hugepages: false keeps weights in the
page cache."""

import json
import os
import pathlib
import subprocess
import sys

import harness
from harness import DaemonTestCase

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from host_cpu import host_cpu  # noqa: E402 (the path first)


WISDOM = {"format": 1, "cpu": host_cpu(), "ckernel_version": "0.1.0", "measured_at": "2026-12-03T12:00:00Z",
          "tuning": {"prefetch_distance": 4096, "prefetch_hint": "t0", "spin_us": 0, "decode_tile_rows": 2, "isa": None},
          "weights_on_hugepages": False,
          "measurements": {"rounds": 1, "threads": 1, "weight_mib": 192.0, "seconds": 1.0,
                           "hugepages_note": "written by the test", "note": "", "parameters": []}}


class KernelWisdom(DaemonTestCase):
    HUGEPAGES = "auto"  # the wisdom decides

    def wisdom_path(self):
        return self.directory / "state" / "kernel-wisdom.json"

    def test_a_defaults_without_a_file(self):
        tuning = self.status()["kernel_tuning"]
        self.assertEqual(tuning["source"], "defaults")
        self.assertEqual(tuning["reason"], f"no file at {self.wisdom_path()}; run 'cktune kernels'")
        self.assertEqual((tuning["prefetch_distance"], tuning["prefetch_hint"], tuning["spin_us"], tuning["isa"]),
                         (8192, "nta", 100, "best"))
        self.assertIsNone(tuning["weights_on_hugepages"])
        self.assertIn("kernel tuning: defaults (no file at", self.ok("status").out)

    def test_b_wisdom_is_reported_and_given_to_workers(self):
        self.assertEqual(self.daemon.stop(), 0)
        self.wisdom_path().write_text(json.dumps(WISDOM))
        self.daemon.start()
        status = self.status()
        tuning = status["kernel_tuning"]
        self.assertEqual(tuning["source"], "wisdom", tuning)
        self.assertEqual((tuning["prefetch_distance"], tuning["prefetch_hint"], tuning["spin_us"], tuning["decode_tile_rows"]),
                         (4096, "t0", 0, 2))
        self.assertEqual(tuning["cpu"], WISDOM["cpu"]["model_name"])
        self.assertFalse(tuning["weights_on_hugepages"])
        self.assertTrue(any("huge pages off: the kernel wisdom" in note for note in status["host"]["notes"]),
                        status["host"]["notes"])
        self.assertIn("kernel tuning: wisdom (", self.ok("status").out)

        self.ok("tenant", "create", "zeta", "--cpus", "0", "--memory", "256M")
        self.ok("load", "zeta", harness.TOOLS["model"], "--threads", "1")
        model = self.model_status("zeta", harness.model_name())
        self.assertTrue(model["placement"].startswith("page cache"), model["placement"])
        argv = pathlib.Path(f"/proc/{model['worker_pid']}/cmdline").read_text().split("\0")
        self.assertEqual(argv[argv.index("--kernel-wisdom") + 1], str(self.wisdom_path()))
        self.ok("generate", "zeta", harness.model_name(), "Once upon a time", "-n", "4", "--temp", "0")
        self.ok("tenant", "remove", "zeta")

    def test_c_ckrun_reports_the_tuning_it_ran_with(self):
        # ckrun --json: the same description as ckd's status, and the same tokens and logits with the
        # wisdom as with the defaults (the tuning changes scheduling and memory traffic, not arithmetic).
        self.wisdom_path().parent.mkdir(parents=True, exist_ok=True)
        self.wisdom_path().write_text(json.dumps(WISDOM))
        runs = {}
        for wisdom in (str(self.wisdom_path()), "none"):
            out = subprocess.run([harness.TOOLS["ckrun"], "-m", harness.TOOLS["model"], "-p", "Once upon a time",
                                  "-n", "6", "--temp", "0", "-t", "2", "--json"], check=True, capture_output=True,
                                 text=True, env=dict(os.environ, CK_KERNEL_WISDOM=wisdom)).stdout
            runs[wisdom] = json.loads(out)
        tuning = runs[str(self.wisdom_path())]["tuning"]
        self.assertEqual((tuning["source"], tuning["path"], tuning["prefetch_distance"], tuning["prefetch_hint"],
                          tuning["spin_us"], tuning["decode_tile_rows"], tuning["isa"], tuning["weights_on_hugepages"]),
                         ("wisdom", str(self.wisdom_path()), 4096, "t0", 0, 2, "best", False))
        status = dict(self.status()["kernel_tuning"])
        del status["cpu"]
        self.assertEqual(set(tuning), set(status))
        defaults = runs["none"]["tuning"]
        self.assertEqual((defaults["source"], defaults["reason"], defaults["weights_on_hugepages"]),
                         ("defaults", "disabled by CK_KERNEL_WISDOM=none", None))
        self.assertEqual(runs[str(self.wisdom_path())]["steps"], runs["none"]["steps"])


if __name__ == "__main__":
    harness.main()
