#!/usr/bin/env bash
# The VM test: boots a stock Debian 12 (its kernel, its systemd, so the unified cgroup v2 hierarchy) with
# the ckernel package installed under QEMU with 2 vCPUs on two NUMA nodes, runs checks.sh inside, and
# reports each check. Fails, with the guest's console and ckd's journal, on any failed check or timeout.
#
#   tests/vm/run_vm_test.sh DEB MODEL.gguf
#
# Needs root (chroot, mkfs.ext4 -d of a root-owned tree), debootstrap, qemu-system-x86_64 and the host's
# Debian mirror for the base image, which build_image.sh makes once and caches. Environment:
#   CKERNEL_VM_TIMEOUT  seconds for boot + checks (default 900)
#   CKERNEL_VM_KEEP=1   keep the work directory (disk, console, results) for a look afterwards
#   CKERNEL_VM_WORKER_USER  another user for the workers than the package's ckernel
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
(($# == 2)) || { echo "usage: $0 DEB MODEL.gguf" >&2; exit 2; }
deb=$(realpath "$1")
model=$(realpath "$2")
timeout_seconds=${CKERNEL_VM_TIMEOUT:-900}

fail() {
  echo "vm_test: FAIL: $*" >&2
  exit 1
}
step() { echo "vm_test: $*"; }
set -E
# (Only under set -e: a failure the script expects, between set +e and set -e, is no failure.)
trap '_err_status=$?; [[ $- != *e* ]] || echo "vm_test: FAIL: line $LINENO: \"$BASH_COMMAND\" exited with status $_err_status" >&2' ERR

[[ $(id -u) -eq 0 ]] || fail "needs root (chroot, mkfs.ext4 -d of a root-owned tree)"
for tool in qemu-system-x86_64 mkfs.ext4 debootstrap; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done
[[ -f $deb ]] || fail "no package at $deb"
[[ -f $model ]] || fail "no model at $model"

started=$(date +%s)
image=$("$here/build_image.sh") || fail "could not make the base image (see above)"
image_done=$(date +%s)

work=$(mktemp -d /var/tmp/ckernel-vm.XXXXXX)
tree=$work/root
qemu_pid=
cleanup() {
  if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then kill -KILL "$qemu_pid" 2>/dev/null || true; fi
  for mount in "$tree/proc" "$tree/sys" "$tree/dev"; do mountpoint -q "$mount" && umount -l "$mount"; done
  if [[ ${CKERNEL_VM_KEEP:-0} == 1 ]]; then
    echo "vm_test: kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

step "tree from $image, installing $(basename "$deb")"
mkdir "$tree"
tar -C "$tree" -xf "$image"
install -m 0644 "$deb" "$tree/root/ckernel.deb"
mount -t proc proc "$tree/proc"
mount -t sysfs sysfs "$tree/sys"
mount --bind /dev "$tree/dev"
# The base image holds ckernel's run-time libraries: apt resolves the package's dependencies offline.
if ! chroot "$tree" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q /root/ckernel.deb \
  >"$work/apt.log" 2>&1; then
  tail -30 "$work/apt.log" >&2
  fail "apt-get install ./ckernel.deb in the guest tree failed (last lines above)"
fi
umount "$tree/proc" "$tree/sys" "$tree/dev"
rm "$tree/root/ckernel.deb"

# The test's own pieces: the model, settings with huge pages, the checks and the unit that runs them.
install -D -m 0644 "$model" "$tree/srv/models/test.gguf"
# ckd runs with the settings the package ships: huge pages on (reserved per model, up to half of the
# memory) and workers as the package's user ckernel. CKERNEL_VM_WORKER_USER picks another worker user.
if [[ -n ${CKERNEL_VM_WORKER_USER:-} ]]; then
  printf '\n# Added by tests/vm/run_vm_test.sh\nworker-user = %s\n' "$CKERNEL_VM_WORKER_USER" >>"$tree/etc/ckernel/ckd.conf"
fi
install -D -m 0755 "$here/guest/run-checks" "$tree/usr/local/lib/ckernel-vm/run-checks"
install -D -m 0644 "$here/checks.sh" "$tree/usr/local/lib/ckernel-vm/checks.sh"
install -D -m 0644 "$here/guest/ckernel-vm-checks.service" "$tree/etc/systemd/system/ckernel-vm-checks.service"
ln -s ../ckernel-vm-checks.service "$tree/etc/systemd/system/multi-user.target.wants/ckernel-vm-checks.service"
kernel=$(ls "$tree"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$tree"/boot/initrd.img-* | sort -V | tail -1)
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd.img"

# The disk: the tree as an ext4 file system, with room for the journal and the test's files.
tree_mib=$(du -sm "$tree" | cut -f1)
disk=$work/disk.img
truncate -s "$((tree_mib + 1024))M" "$disk"
mkfs.ext4 -q -F -L ckernel-vm -d "$tree" "$disk" || fail "mkfs.ext4 -d $tree failed"
rm -rf "$tree"
prepared=$(date +%s)

# Two NUMA nodes of 1 GiB, one vCPU each. TCG (emulation): nested KVM hangs on these hosts. The getty
# takes ttyS0 (console log), the checks write to ttyS1 (results); stdin closed, no monitor, no network.
step "booting under QEMU (TCG, 2 vCPUs, 2 NUMA nodes); console in $work/console.log"
# (In a subshell without the ERR trap: the kill on a timeout is no error of the script's.)
(trap - ERR; exec qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 2G \
  -object memory-backend-ram,id=mem0,size=1G -object memory-backend-ram,id=mem1,size=1G \
  -numa node,nodeid=0,cpus=0,memdev=mem0 -numa node,nodeid=1,cpus=1,memdev=mem1 \
  -kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=1" \
  -drive "file=$disk,format=raw,if=virtio" -nic none -nographic -monitor none -no-reboot \
  -serial "file:$work/console.log" -serial "file:$work/results.log" </dev/null >"$work/qemu.log" 2>&1) &
qemu_pid=$!
deadline=$((SECONDS + timeout_seconds))
while kill -0 "$qemu_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 2; done
timed_out=0
if kill -0 "$qemu_pid" 2>/dev/null; then
  timed_out=1
  kill -KILL "$qemu_pid"
fi
wait "$qemu_pid" 2>/dev/null || true
qemu_pid=
finished=$(date +%s)

# The results, one line per check (CKVM lines; \r from the serial line dropped).
results=$(tr -d '\r' <"$work/results.log" | grep '^CKVM ' || true)
sed -n 's/^CKVM \(PASS\|FAIL\|INFO\|LOG\) /  \1 /p' <<<"$results"
show_console() {
  echo "vm_test: last lines of the guest console ($work/console.log):" >&2
  tr -d '\r' <"$work/console.log" | tail -n 60 >&2
  [[ -s $work/qemu.log ]] && { echo "vm_test: qemu said:" >&2; cat "$work/qemu.log" >&2; }
  return 0
}
end=$(grep '^CKVM END ' <<<"$results" || true)
step "timing: base image $((image_done - started))s (cached after the first run), tree + disk $((prepared - image_done))s," \
  "boot + checks + poweroff $((finished - prepared))s"
if [[ -z $end ]]; then
  show_console
  if ((timed_out)); then
    fail "the guest did not finish its checks within ${timeout_seconds}s (CKERNEL_VM_TIMEOUT)"
  fi
  [[ -n $(grep '^CKVM BEGIN' <<<"$results" || true) ]] ||
    fail "the guest never started its checks (no result on ttyS1): see the console above"
  fail "the guest stopped in the middle of its checks: see the console above"
fi
read -r _ _ passed failed <<<"$end"
if ((failed > 0)); then
  show_console
  fail "$failed of $((passed + failed)) checks failed in the VM (details above)"
fi
((passed > 0)) || fail "the guest ran no check"
step "PASS: $passed checks in the VM"
