"""Who may do what: anyone may read the status; only root (and group ckernel) may change anything. Two
throwaway system users check both fences: the bus policy the package installs, which stops an outsider
before ckd sees the call, and ckd's own credential check, for a user the bus lets through."""

import subprocess

import harness
from harness import EXIT_DENIED, DaemonTestCase

OUTSIDER = "ckctl-e2e-outsider"
SLIPPED = "ckctl-e2e-slipped"  # let through by an extra bus policy, so that ckd itself must refuse
MODEL = "tiny-llama-Q4_K_M"


def add_user(name):
    subprocess.run(["userdel", name], capture_output=True)  # left over from an interrupted run
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                   check=True)


class Permissions(DaemonTestCase):
    EXTRA_POLICY = (f'<policy user="{SLIPPED}"><allow send_destination="org.ckernel.Manager1" '
                    f'send_interface="org.ckernel.Manager1"/></policy>')

    @classmethod
    def setUpClass(cls):
        for user in (OUTSIDER, SLIPPED):
            add_user(user)  # before the bus reads its policy
        try:
            super().setUpClass()
            for args in (("tenant", "create", "epsilon", "--cpus", "0", "--memory", "256M"),
                         ("load", "epsilon", harness.TOOLS["model"])):
                result = harness.ckctl(cls.bus, *args)
                assert result.code == 0, f"setup: ckctl {' '.join(args)}: {result}"
        except BaseException:
            cls.tearDownClass()
            raise
        cls.state = harness.lasting_state(cls.bus)

    @classmethod
    def tearDownClass(cls):
        try:
            if hasattr(cls, "daemon"):
                super().tearDownClass()
        finally:
            for user in (OUTSIDER, SLIPPED):
                subprocess.run(["userdel", user], capture_output=True)

    def test_everyone_reads_status(self):
        for user in (OUTSIDER, SLIPPED):
            self.assertEqual(self.ok("status", "--json", user=user).json()["tenants"][0]["name"], "epsilon")
            self.assertIn("tenant epsilon", self.ok("status", user=user).out)
            self.assertIn("epsilon", self.ok("tenant", "list", user=user).out)

    def denied(self, user, error, *args):
        result = self.ckctl(*args, user=user)
        self.assertEqual(result.code, EXIT_DENIED, f"{user}: ckctl {' '.join(args)}: {result}")
        self.assertIn(error, result.err)
        self.assertEqual(self.lasting_state(), self.state)

    def test_nobody_else_changes_anything(self):
        changes = (("tenant", "create", "zeta", "--cpus", "1", "--memory", "256M"),
                   ("tenant", "remove", "epsilon"),
                   ("load", "epsilon", harness.TOOLS["model"], "--name", "other"),
                   ("unload", "epsilon", MODEL))
        for args in changes:
            self.denied(OUTSIDER, "org.freedesktop.DBus.Error.AccessDenied", *args)
            self.denied(SLIPPED, "org.ckernel.Error.PermissionDenied", *args)


if __name__ == "__main__":
    harness.main()
