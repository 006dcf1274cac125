"""Who may do what: anyone may read the status; only root (and group ckernel) may change anything. Two
throwaway system users check both fences: the bus policy the package installs, which stops an outsider
before ckd sees the call, and ckd's own credential check, for a user the bus lets through. A third, in
group ckernel (made for the test when the host has none), may cancel its own requests but not root's."""

import subprocess
import time

import harness
from harness import EXIT_DENIED

OUTSIDER = "ckctl-e2e-outsider"
SLIPPED = "ckctl-e2e-slipped"  # let through by an extra bus policy, so that ckd itself must refuse
MEMBER = "ckctl-e2e-member"  # in group ckernel: may change things, and cancel its own requests


def busctl_as(user, address, *args):
    """busctl on the bus at `address` as `user` with the groups of its entry (root when user is None)."""
    command = ["busctl", f"--address={address}", "call", "--timeout=120", "--", "org.ckernel.Manager1",
               "/org/ckernel/Manager1", "org.ckernel.Manager1", *args]
    if user:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", *command]
    return command


class Permissions(harness.WithThrowawayUsers):
    USERS = {OUTSIDER: [], SLIPPED: [], MEMBER: ["ckernel"]}
    EXTRA_POLICY = (f'<policy user="{SLIPPED}"><allow send_destination="org.ckernel.Manager1" '
                    f'send_interface="org.ckernel.Manager1"/></policy>')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            for args in (("tenant", "create", "epsilon", "--cpus", "0", "--memory", "256M"),
                         ("load", "epsilon", harness.TOOLS["model"])):
                result = harness.ckctl(cls.bus, *args)
                assert result.code == 0, f"setup: ckctl {' '.join(args)}: {result}"
        except BaseException:
            cls.tearDownClass()
            raise
        cls.state = harness.lasting_state(cls.bus)

    def start_endless_generate(self, user, request):
        """A greedy Generate as `user` that runs until cancelled (4096 positions take seconds), once ckd
        knows it (Cancel by root answers UnknownRequest until then, and stops it after)."""
        command = busctl_as(user, self.bus.address, "Generate", "sssa{sv}", "epsilon", "long", "Once upon a time",
                            "3", "max_tokens", "u", "1000000", "temperature", "d", "0", "request", "s", request)
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def cancel(self, user, request):
        command = busctl_as(user, self.bus.address, "Cancel", "s", request)
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    def cancel_once_known(self, user, request):
        """Cancel, retried while ckd does not know the request yet; the last answer."""
        deadline = time.monotonic() + 30
        while True:
            result = self.cancel(user, request)
            if "no Generate call with request id" not in result.stderr or time.monotonic() > deadline:
                return result
            time.sleep(0.02)

    def test_a_member_cancels_its_own_requests_only(self):
        self.ok("load", "epsilon", harness.TOOLS["model"], "--name", "long", "--context", "4096")
        try:
            roots = self.start_endless_generate(None, "roots")
            refused = self.cancel_once_known(MEMBER, "roots")
            self.assertNotEqual(refused.returncode, 0, refused.stdout)
            self.assertIn("'roots' belongs to another user; only its caller or root may cancel it", refused.stderr)
            self.assertEqual(self.cancel(None, "roots").returncode, 0)  # root may cancel anyone's
            out, err = roots.communicate(timeout=30)
            self.assertIn('"stop" s "cancelled"', out, err)

            own = self.start_endless_generate(MEMBER, "members")
            cancelled = self.cancel_once_known(MEMBER, "members")  # from another connection of the same user
            self.assertEqual(cancelled.returncode, 0, cancelled.stderr)
            out, err = own.communicate(timeout=30)
            self.assertIn('"stop" s "cancelled"', out, err)
        finally:
            self.ok("unload", "epsilon", "long")

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
                   ("unload", "epsilon", harness.model_name()))
        for args in changes:
            self.denied(OUTSIDER, "org.freedesktop.DBus.Error.AccessDenied", *args)
            self.denied(SLIPPED, "org.ckernel.Error.PermissionDenied", *args)


if __name__ == "__main__":
    harness.main()
