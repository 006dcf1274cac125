"""Runs the real programs for the end-to-end tests: a private dbus-daemon whose policy is the one the
package installs (units/org.ckernel.Manager1.conf), ckd in the foreground on it, and ckctl against it.
Everything a test starts is stopped again, and the host is checked for leftovers (cgroups, mounts,
hugepage reservations)."""

import grp
import json
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

TOOLS = {}  # ckd, ckctl, ckrun, policy, model: filled in by main() from the command line


def model_name():
    """The name the test model gets in a tenant when loaded without --name: its file name without .gguf."""
    return pathlib.Path(TOOLS["model"]).stem

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <!-- The default policy of Debian's system bus: method calls need a hole punched by a service. -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>{policy}</include>
  {extra}
</busconfig>
"""

EXIT_OK, EXIT_SERVER, EXIT_USAGE, EXIT_NOT_RUNNING, EXIT_DENIED = 0, 1, 2, 3, 4


def meminfo(key):
    for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
        name, value = line.split(":", 1)
        if name == key:
            return int(value.split()[0])
    raise KeyError(key)


def hugepage_counts():
    return {k: meminfo(k) for k in ("HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp")}


def cgroups_named(name):
    """Every cgroup directory called `name` in any mounted hierarchy (v1 controllers and v2)."""
    found = []
    for line in pathlib.Path("/proc/mounts").read_text().splitlines():
        _, mount_point, fs_type = line.split()[:3]
        if fs_type in ("cgroup", "cgroup2"):
            found += [str(p) for p in pathlib.Path(mount_point).rglob(name) if p.is_dir()]
    return found


def mounts_under(directory):
    return [line.split()[1] for line in pathlib.Path("/proc/mounts").read_text().splitlines()
            if line.split()[1].startswith(str(directory))]


class Result:
    def __init__(self, completed):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"exit {self.code}\nstdout: {self.out}\nstderr: {self.err}"


class PrivateBus:
    """A dbus-daemon with the system bus's policy on a socket in `directory`."""

    def __init__(self, directory, extra_policy=""):
        self.socket = directory / "bus"
        self.address = f"unix:path={self.socket}"
        config = directory / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=self.socket, policy=TOOLS["policy"], extra=extra_policy))
        self.process = subprocess.Popen(["dbus-daemon", "--nofork", "--nopidfile", f"--config-file={config}"],
                                        stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dbus-daemon did not start: {self.process.stderr.read()}")
            time.sleep(0.02)
        os.chmod(self.socket, 0o666)  # other users connect too (the permission tests)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Daemon:
    """ckd in the foreground on `bus`, its state and runtime files in `directory`."""

    def __init__(self, bus, directory, cgroup_parent, hugepages, extra_args=()):
        self.bus, self.directory, self.cgroup_parent, self.hugepages = bus, directory, cgroup_parent, hugepages
        self.extra_args = list(extra_args)
        self.log_path = directory / "ckd.log"
        self.process = None

    def start(self, inherited_fds=()):
        """inherited_fds: descriptors ckd inherits without close-on-exec, as a careless parent may leave."""
        empty_config = self.directory / "ckd.conf"
        empty_config.write_text("")
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [TOOLS["ckd"], "--config", str(empty_config), "--bus", self.bus.address,
             "--state-dir", str(self.directory / "state"), "--runtime-dir", str(self.directory / "run"),
             "--hugetlbfs-mount", str(self.directory / "run" / "hugepages"), "--cgroup-parent",
             self.cgroup_parent, "--hugepages", str(self.hugepages), "--log-level", "debug", *self.extra_args],
            stdout=self.log, stderr=subprocess.STDOUT, pass_fds=inherited_fds)
        deadline = time.monotonic() + 30
        while ckctl(self.bus, "status").code == EXIT_NOT_RUNNING:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ckd did not take its bus name:\n{self.log_text()}")
            time.sleep(0.05)

    def stop(self):
        """SIGTERM; returns ckd's exit status."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        finally:
            self.log.close()
        return code

    def alive(self):
        return self.process.poll() is None

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def ckctl(bus, *args, user=None, user_groups=False, timeout=120):
    """ckctl on `bus`, as root or as `user`: with no supplementary groups, or with those of its entry
    (user_groups), as its login would have them."""
    command = [TOOLS["ckctl"], "--bus", bus.address, *args]
    if user:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}",
                   "--init-groups" if user_groups else "--clear-groups", *command]
    # Invalid UTF-8 in the output shows as U+FFFD rather than failing the harness.
    return Result(subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout))


def ckrun(*args):
    return Result(subprocess.run([TOOLS["ckrun"], *args], capture_output=True, text=True, errors="replace",
                                  timeout=120))


def lasting_state(bus):
    status = ckctl(bus, "status", "--json").json()
    return [(t["name"], t["cpus"], t["mems"], t["memory_limit"],
             [(m["name"], m["path"], m["state"], m["worker_pid"], m["restarts"]) for m in t["models"]])
            for t in status["tenants"]]


class DaemonTestCase(unittest.TestCase):
    """One private bus and one ckd for the whole class; after it, nothing of them is left on the host."""

    HUGEPAGES = 16
    EXTRA_POLICY = ""
    EXTRA_ARGS = ()  # more ckd options

    @classmethod
    def setUpClass(cls):
        cls.directory = pathlib.Path(tempfile.mkdtemp(prefix="ckd-e2e-"))
        os.chmod(cls.directory, 0o755)
        cls.cgroup_parent = f"ckernel-test-{os.getpid()}"
        cls.hugepages_before = hugepage_counts()
        cls.bus = PrivateBus(cls.directory, cls.EXTRA_POLICY)
        cls.daemon = Daemon(cls.bus, cls.directory, cls.cgroup_parent, cls.HUGEPAGES, cls.EXTRA_ARGS)
        try:
            cls.daemon.start()
        except Exception:
            cls.bus.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        problems = []
        if cls.daemon.alive():
            code = cls.daemon.stop()
            if code != 0:
                problems.append(f"ckd exited with {code} on SIGTERM")
        cls.bus.stop()
        if cgroups_named(cls.cgroup_parent):
            problems.append(f"cgroups left behind: {cgroups_named(cls.cgroup_parent)}")
        if mounts_under(cls.directory):
            problems.append(f"mounts left behind: {mounts_under(cls.directory)}")
        if hugepage_counts() != cls.hugepages_before:
            problems.append(f"huge pages {hugepage_counts()}, before the tests {cls.hugepages_before}")
        log = cls.daemon.log_text()
        shutil.rmtree(cls.directory, ignore_errors=True)
        if problems:
            raise AssertionError("; ".join(problems) + "\nckd's log:\n" + log[-4000:])

    def ckctl(self, *args, **kwargs):
        return ckctl(self.bus, *args, **kwargs)

    def ok(self, *args, **kwargs):
        """ckctl that must succeed."""
        result = self.ckctl(*args, **kwargs)
        self.assertEqual(result.code, EXIT_OK, f"ckctl {' '.join(args)}: {result}\nckd's log:\n"
                         f"{self.daemon.log_text()[-3000:]}")
        return result

    def status(self):
        return self.ok("status", "--json").json()

    def lasting_state(self):
        """What a refused request must not change: tenants and models, without the live memory usage."""
        return lasting_state(self.bus)

    def model_status(self, tenant, model):
        for t in self.status()["tenants"]:
            if t["name"] == tenant:
                for m in t["models"]:
                    if m["name"] == model:
                        return m
        self.fail(f"no model {tenant}/{model} in status")


def group_exists(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


class WithThrowawayUsers(DaemonTestCase):
    """A DaemonTestCase with system users of its own: made before the bus starts (its policy names them),
    in group ckernel where asked (the group is made for the test when the host has none), and removed with
    the group afterwards, also when a subclass's setup fails."""

    USERS = {}  # user name -> supplementary groups

    @classmethod
    def setUpClass(cls):
        cls.made_group = any("ckernel" in groups for groups in cls.USERS.values()) and not group_exists("ckernel")
        if cls.made_group:
            subprocess.run(["groupadd", "--system", "ckernel"], check=True)
        for name, groups in cls.USERS.items():
            subprocess.run(["userdel", name], capture_output=True)  # left over from an interrupted run
            subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", *(["--groups", ",".join(groups)] if groups else []), name],
                           check=True)
        try:
            super().setUpClass()
        except BaseException:
            cls.remove_users()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if hasattr(cls, "daemon"):
                super().tearDownClass()
        finally:
            cls.remove_users()

    @classmethod
    def remove_users(cls):
        for name in cls.USERS:
            subprocess.run(["userdel", name], capture_output=True)
        if cls.made_group:
            subprocess.run(["groupdel", "ckernel"], capture_output=True)


def main():
    import argparse
    parser = argparse.ArgumentParser()
    for tool in ("ckd", "ckctl", "ckrun", "policy", "model"):
        parser.add_argument(f"--{tool}", required=True)
    known, rest = parser.parse_known_args()
    if os.geteuid() != 0:
        print("skipped: needs root (ckd makes cgroups, mounts hugetlbfs and reserves huge pages)")
        os.sys.exit(77)
    TOOLS.update(vars(known))
    unittest.main(module="__main__", argv=[os.sys.argv[0], "-v", *rest])
