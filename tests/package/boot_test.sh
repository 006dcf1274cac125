#!/usr/bin/env bash
# The booted-system test: installs the ckernel .deb into a minimal Debian 12 tree, boots it with systemd as
# PID 1 (systemd-nspawn --boot) and checks the package the way an admin meets it: the service comes up,
# ckctl works, root creates a tenant, loads a model and generates, a user outside group ckernel is refused,
# a restart restores the tenant, and apt remove / purge take the service and then its state away.
#
#   tests/package/boot_test.sh DEB MODEL.gguf
#
# Needs root, debootstrap, systemd-container and the host's Debian mirror (tests/common/debian_mirror.sh:
# the deb822 sources of a stock Debian 12, one-line lists, or CKERNEL_DEBIAN_MIRROR). The base tree
# (debootstrap minbase + systemd + dbus, ~7 minutes to make) is cached as a tarball in CACHE_DIR (default
# /var/cache/ckernel-test); each run unpacks a fresh copy and removes it afterwards.
set -euo pipefail
source "$(dirname "$0")/../common/debian_mirror.sh"
(($# == 2)) || { echo "usage: $0 DEB MODEL.gguf" >&2; exit 2; }
deb=$(realpath "$1")
model=$(realpath "$2")
cache=${CACHE_DIR:-/var/cache/ckernel-test}
suite=bookworm

fail() {
  echo "boot_test: FAIL: $*" >&2
  exit 1
}
step() { echo "boot_test: $*"; }
# Any command that stops the script under set -e says so: which line, which command, which status.
set -E
# (Only under set -e: a failure the script expects, between set +e and set -e, is no failure.)
trap '_err_status=$?; [[ $- != *e* ]] || echo "boot_test: FAIL: line $LINENO: \"$BASH_COMMAND\" exited with status $_err_status" >&2' ERR

[[ $(id -u) -eq 0 ]] || fail "needs root (debootstrap, systemd-nspawn)"
for tool in debootstrap systemd-nspawn nsenter; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt install debootstrap systemd-container)"
done

# A cached base tree, made once. Written to a temporary name and renamed, so an interrupted run never
# leaves a half tarball that later runs would trust.
base=$cache/$suite-systemd.tar
if [[ ! -f $base ]]; then
  url=$(debian_mirror) || fail "no Debian mirror to debootstrap from (see the message above)"
  step "debootstrap $suite from $url into $base (once)"
  mkdir -p "$cache"
  staging=$(mktemp -d "$cache/staging.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus "$suite" "$staging/root" "$url" \
    >"$staging/debootstrap.log" || fail "debootstrap failed; see $staging/debootstrap.log"
  tar -C "$staging/root" -cf "$staging/base.tar" .
  mv "$staging/base.tar" "$base"
  rm -rf "$staging"
  trap - EXIT
fi

# A fresh tree from the cache, with the package and the model in it.
tree=$(mktemp -d /var/tmp/ckernel-boot.XXXXXX)
machine=$(basename "$tree")
nspawn_pid=
# Without a systemd on the host, nspawn and the container's systemd make their cgroups (payload,
# supervisor, system.slice, init.scope, ...) right in the host's hierarchies. They are removed again once
# the machine is down, deepest first: a sibling cgroup left on all CPUs would stop later tenants from
# getting exclusive CPUs.
cgroups_before=$(find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort)
remove_new_cgroups() {
  local dir
  find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort | comm -13 <(echo "$cgroups_before") - |
    awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2- | while read -r dir; do
      rmdir "$dir" 2>/dev/null || echo "boot_test: could not remove cgroup $dir" >&2
    done
}
cleanup() {
  if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" # nspawn asks the container's systemd to halt
    for _ in $(seq 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
  fi
  remove_new_cgroups
  rm -rf "$tree" "$tree.console" "/run/systemd/nspawn/propagate/$machine"
}
trap cleanup EXIT
tar -C "$tree" -xf "$base"
install -D -m 0644 "$deb" "$tree/root/$(basename "$deb")"
install -D -m 0644 "$model" "$tree/srv/models/$(basename "$model")"
echo "$machine" >"$tree/etc/hostname"

# Boot. Without a systemd on the host there is no machined to register with and no scope to create;
# the API file systems are writable because ckd writes nr_hugepages under /sys.
step "booting $tree"
SYSTEMD_NSPAWN_API_VFS_WRITABLE=1 systemd-nspawn --quiet --directory="$tree" --machine="$machine" \
  --register=no --keep-unit --boot --console=pipe </dev/null >"$tree.console" 2>&1 &
nspawn_pid=$!
init_pid=
for _ in $(seq 60); do
  init_pid=$(pgrep -P "$nspawn_pid" -x systemd || true)
  [[ -n $init_pid ]] && break
  sleep 1
done
[[ -n $init_pid ]] || fail "systemd did not start in the container: $(cat "$tree.console")"

# Runs a command inside the container (all its namespaces), as root or, with `as USER`, as that user.
inside() { nsenter --target "$init_pid" --all env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
as() {
  local user=$1
  shift
  inside runuser -u "$user" -- "$@"
}

# systemctl answers once systemd has its private socket, a moment after it starts.
state=
for _ in $(seq 60); do
  state=$(inside systemctl is-system-running --wait 2>/dev/null || true)
  [[ -n $state ]] && break
  sleep 1
done
[[ $state == running || $state == degraded ]] || fail "container boot ended in state '$state'"

# On a host with cgroup v1 controllers (hybrid layout, as on this machine) nspawn mounts the controllers
# read-only, so the container's systemd could not delegate them to ckd. Make them writable and let systemd
# re-detect them, which is what a host booted in the hybrid layout has. A cgroup v2 host needs nothing.
if inside test -d /sys/fs/cgroup/memory; then
  for controller in memory cpu cpuacct cpuset pids; do
    inside mount -o remount,bind,rw "/sys/fs/cgroup/$controller"
  done
  inside systemctl daemon-reexec
fi

step "apt install ./$(basename "$deb")"
inside apt-get update -qq
inside env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "/root/$(basename "$deb")" >/dev/null

step "the service is up and open to everyone for status"
inside systemctl is-active --quiet ckd || fail "ckd is not active: $(inside journalctl -u ckd --no-pager | tail -20)"
inside ckctl status --json | grep -q '"version"' || fail "ckctl status --json printed no status document"
inside useradd --create-home outsider
as outsider ckctl status >/dev/null || fail "status was refused to a user outside group ckernel"

step "root creates a tenant, loads the package's default model by name and generates"
inside ckctl tenant create t1 --cpus 0 --memory 1G
inside ckctl load t1 default --name tiny
generated=$(inside ckctl --json generate t1 tiny "Once upon a time" -n 8 --temp 0)
grep -q '"generated_tokens": *8' <<<"$generated" || fail "generate did not produce 8 tokens: $generated"

step "a user outside group ckernel cannot change anything"
set +e
as outsider ckctl tenant create t2 --cpus 1 --memory 1G
refused=$?
set -e
((refused == 4)) || fail "tenant create by a non-member ended with status $refused, not 4 (permission denied)"

step "systemctl restart ckd restores the tenant and its model"
inside systemctl restart ckd
inside systemctl is-active --quiet ckd || fail "ckd did not come back after a restart"
# ckd restores the tenant at start and reloads the model in the background: wait until it answers.
restored=
for _ in $(seq 30); do
  restored=$(inside ckctl --json generate t1 tiny "Once upon a time" -n 8 --temp 0 2>/dev/null) && break
  sleep 1
done
# Greedy generation is deterministic: the same text (timings differ).
text_of() { grep -o '"text": "[^"]*"' <<<"$1"; }
[[ $(text_of "$restored") == "$(text_of "$generated")" ]] ||
  fail "after the restart the model generates differently: $restored vs $generated"

step "apt remove stops and removes the service; the state stays"
inside env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ckernel >/dev/null
inside systemctl is-active --quiet ckd && fail "ckd still runs after apt remove"
# minbase has no procps: look at the container's /proc directly.
left=$(inside sh -c 'cat /proc/[0-9]*/comm 2>/dev/null' | grep -x -e ckd -e ckd-worker || true)
[[ -z $left ]] || fail "processes left after apt remove: $left"
inside test -e /lib/systemd/system/ckd.service && fail "ckd.service is still installed after apt remove"
inside test -d /var/lib/ckernel || fail "apt remove took /var/lib/ckernel (only purge may)"

step "apt purge removes the state and the settings"
inside env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ckernel >/dev/null
inside test -e /var/lib/ckernel && fail "/var/lib/ckernel is left after apt purge"
inside test -e /etc/ckernel/ckd.conf && fail "/etc/ckernel/ckd.conf is left after apt purge"

step "PASS"
