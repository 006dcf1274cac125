"""Every bad request gets its named error and exit status, and leaves ckd up with its state intact."""

import subprocess

import harness
from harness import EXIT_SERVER, EXIT_USAGE, DaemonTestCase



class BadRequests(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for args in (("tenant", "create", "delta", "--cpus", "0", "--memory", "256M"),
                     ("load", "delta", harness.TOOLS["model"])):
            result = harness.ckctl(cls.bus, *args)
            if result.code != 0:
                cls.tearDownClass()
                raise AssertionError(f"setup: ckctl {' '.join(args)}: {result}")
        cls.corrupt = cls.directory / "corrupt.gguf"
        cls.corrupt.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\xff" * 64)
        cls.truncated = cls.directory / "truncated.gguf"
        with open(harness.TOOLS["model"], "rb") as model:
            cls.truncated.write_bytes(model.read(1 << 20))
        cls.state = harness.lasting_state(cls.bus)

    def refused(self, error, *args, code=EXIT_SERVER):
        result = self.ckctl(*args)
        self.assertEqual(result.code, code, f"ckctl {' '.join(args)}: {result}")
        self.assertIn(error, result.err)
        self.assertTrue(self.daemon.alive(), self.daemon.log_text()[-3000:])
        self.assertEqual(self.lasting_state(), self.state)
        return result

    def busctl(self, error, method, signature, *args):
        # "--" so that negative numbers are arguments, not busctl options.
        result = subprocess.run(["busctl", f"--address={self.bus.address}", "call", "--", "org.ckernel.Manager1",
                                 "/org/ckernel/Manager1", "org.ckernel.Manager1", method, signature, *args],
                                capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertTrue(self.daemon.alive(), self.daemon.log_text()[-3000:])
        self.assertEqual(self.lasting_state(), self.state)
        # busctl prints the error's message, not its name: the message must name the bad option.
        self.assertIn(error, result.stderr)

    def test_unknown_names(self):
        self.refused("org.ckernel.Error.UnknownTenant", "load", "nobody", harness.TOOLS["model"])
        self.refused("org.ckernel.Error.UnknownTenant", "tenant", "remove", "nobody")
        self.refused("org.ckernel.Error.UnknownModel", "generate", "delta", "nothing", "hello", "-n", "1")
        self.refused("org.ckernel.Error.UnknownModel", "unload", "delta", "nothing")

    def test_taken_names(self):
        self.refused("org.ckernel.Error.TenantExists", "tenant", "create", "delta", "--cpus", "1", "--memory", "1G")
        self.refused("org.ckernel.Error.ModelExists", "load", "delta", harness.TOOLS["model"])

    def test_malformed_names_and_lists(self):
        self.refused("org.ckernel.Error.InvalidArgument", "tenant", "create", "no/slash", "--cpus", "1",
                     "--memory", "1G")
        self.refused("org.ckernel.Error.InvalidArgument", "tenant", "create", ".dot", "--cpus", "1", "--memory", "1G")
        self.refused("org.ckernel.Error.InvalidArgument", "tenant", "create", "x", "--cpus", "one", "--memory", "1G")
        # Tenant cgroups live beside the cgroup interface files: their names are not "already exists".
        for name in ("tasks", "cgroup.procs", "memory.max", "notify_on_release"):
            self.refused("org.ckernel.Error.InvalidArgument", "tenant", "create", name, "--cpus", "1", "--memory", "1G")
        # Cpulists are the kernel's format exactly: no blanks, no empty items.
        for cpus in (" 1", "1,", "1 ", ",1", "1-"):
            self.refused("org.ckernel.Error.InvalidArgument", "tenant", "create", "x", "--cpus", cpus, "--memory", "1G")
        self.refused("org.ckernel.Error.InvalidArgument", "load", "delta", harness.TOOLS["model"], "--name", "a b")

    def test_unavailable_resources(self):
        self.refused("org.ckernel.Error.CpusUnavailable", "tenant", "create", "x", "--cpus", "4095", "--memory", "1G")
        self.refused("org.ckernel.Error.CpusUnavailable", "tenant", "create", "x", "--cpus", "0", "--memory", "1G")
        self.refused("org.ckernel.Error.NodesUnavailable", "tenant", "create", "x", "--cpus", "1", "--mems", "7",
                     "--memory", "1G")
        self.refused("org.ckernel.Error.LimitTooLarge", "tenant", "create", "x", "--cpus", "1", "--memory", "64T")

    def test_model_too_large_for_limit(self):
        self.ok("tenant", "create", "small", "--cpus", "1", "--memory", "4M")
        try:
            self.state = self.lasting_state()
            self.refused("org.ckernel.Error.ModelTooLarge", "load", "small", harness.TOOLS["model"])
        finally:
            self.ok("tenant", "remove", "small")
            self.state = self.lasting_state()

    def test_bad_model_files(self):
        for path in ("/nonexistent/model.gguf", str(self.corrupt), str(self.truncated), "/etc/hostname"):
            self.refused("org.ckernel.Error.BadModel", "load", "delta", path, "--name", "broken")

    def test_bad_option_types_over_the_bus(self):
        model = harness.TOOLS["model"]
        self.busctl("threads", "LoadModel", "ssa{sv}", "delta", model, "2", "name", "s", "m2", "threads", "s", "two")
        self.busctl("colour", "LoadModel", "ssa{sv}", "delta", model, "1", "colour", "s", "blue")
        self.busctl("max_tokens", "Generate", "sssa{sv}", "delta", harness.model_name(), "hi", "1", "max_tokens", "s", "many")
        self.busctl("colour", "CreateTenant", "sssta{sv}", "x", "1", "", "1073741824", "1", "colour", "s", "blue")

    def test_sampling_values_out_of_range_over_the_bus(self):
        """ckctl refuses these before sending; ckd must refuse them too, naming the option and its range."""
        for key, value, allowed in (("temperature", "nan", "from 0 to 100"), ("temperature", "inf", "from 0 to 100"),
                                    ("temperature", "-1", "from 0 to 100"), ("top_p", "nan", "from 0 to 1"),
                                    ("top_p", "-3", "from 0 to 1"), ("top_p", "5", "from 0 to 1")):
            self.busctl(f"option '{key}' must be a finite number {allowed}", "Generate", "sssa{sv}", "delta", harness.model_name(),
                        "hi", "1", key, "d", value)
        self.busctl("option 'top_k' must be a number from 0 to", "Generate", "sssa{sv}", "delta", harness.model_name(), "hi", "1",
                    "top_k", "i", "-5")
        # The engine counts tokens in an int32: 2^31 would wrap negative and generate nothing, silently.
        self.busctl("option 'max_tokens' must be a number from 0 to 2147483647, not 2147483648", "Generate", "sssa{sv}",
                    "delta", harness.model_name(), "hi", "1", "max_tokens", "u", "2147483648")
        # The edges of the ranges are accepted.
        for key, kind, value in (("temperature", "d", "0"), ("temperature", "d", "100"), ("top_p", "d", "0"),
                                 ("top_p", "d", "1"), ("top_k", "i", "0")):
            result = subprocess.run(["busctl", f"--address={self.bus.address}", "call", "--", "org.ckernel.Manager1",
                                     "/org/ckernel/Manager1", "org.ckernel.Manager1", "Generate", "sssa{sv}", "delta",
                                     harness.model_name(), "hi", "2", "max_tokens", "u", "2", key, kind, value],
                                    capture_output=True, text=True, timeout=60)
            self.assertEqual(result.returncode, 0, f"{key}={value}: {result.stderr}")

    def test_bad_arguments_never_reach_ckd(self):
        self.refused("bad memory size", "tenant", "create", "x", "--cpus", "1", "--memory", "lots", code=EXIT_USAGE)
        self.refused("--n-predict", "generate", "delta", harness.model_name(), "hi", "-n", "-3", code=EXIT_USAGE)
        self.refused("--n-predict", "generate", "delta", harness.model_name(), "hi", "-n", "2147483648", code=EXIT_USAGE)
        self.refused("--temp", "generate", "delta", harness.model_name(), "hi", "--temp", "warm", code=EXIT_USAGE)
        self.refused("--threads", "load", "delta", harness.TOOLS["model"], "--threads", "0", code=EXIT_USAGE)
        self.refused("missing PROMPT", "generate", "delta", harness.model_name(), code=EXIT_USAGE)
        self.refused("unknown command", "frobnicate", code=EXIT_USAGE)


if __name__ == "__main__":
    harness.main()
