#!/usr/bin/env bash
# Makes (once) and caches the base tree of the VM test: Debian 12 minbase with the stock kernel, systemd
# as init (so the unified cgroup v2 hierarchy, as a stock Debian 12 boots) and what the checks use. Prints
# the path of the cached tarball. Later runs reuse it; the name carries a hash of everything that goes into
# the tree, so changing the package list below makes a new one.
#
#   tests/vm/build_image.sh            # -> /var/cache/ckernel-test/bookworm-vm-<hash>.tar
#
# Needs root, debootstrap and the host's Debian mirror (tests/common/debian_mirror.sh). ~6-10 minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../common/debian_mirror.sh"
cache=${CACHE_DIR:-/var/cache/ckernel-test}
suite=bookworm

fail() {
  echo "vm build_image: FAIL: $*" >&2
  exit 1
}

# systemd-sysv/dbus/udev: a booted system as a server has it; linux-image-amd64: the stock kernel and its
# initramfs (virtio drivers included); numactl, procps: what the checks read placements and processes
# with. The rest are ckernel's run-time libraries, so that installing the .deb later needs no download.
packages=(
  systemd-sysv dbus udev linux-image-amd64 initramfs-tools kmod
  numactl procps
  libnuma1 libcgroup2 libaccel-config1 libboost-program-options1.74.0 libsystemd0
)
key=$(printf '%s\n' "$suite" "${packages[@]}" "$(sha256sum "$0" | cut -d' ' -f1)" | sha256sum | cut -c1-12)
image=$cache/$suite-vm-$key.tar
if [[ -f $image ]]; then
  echo "$image"
  exit 0
fi

[[ $(id -u) -eq 0 ]] || fail "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || fail "debootstrap is missing (apt install debootstrap)"
mirror=$(debian_mirror) || fail "no Debian mirror to debootstrap from (see the message above)"

mkdir -p "$cache"
# Built under a temporary name and renamed at the end: an interrupted run leaves nothing later runs trust.
staging=$(mktemp -d "$cache/staging-vm.XXXXXX")
trap 'umount -R "$staging/root/proc" 2>/dev/null || true; rm -rf "$staging"' EXIT
root=$staging/root
log=$staging/debootstrap.log
echo "vm build_image: debootstrap $suite from $mirror (once; log $log)" >&2
include=$(IFS=,; echo "${packages[*]}")
if ! debootstrap --variant=minbase --include="$include" "$suite" "$root" "$mirror" >"$log" 2>&1; then
  tail -30 "$log" >&2
  fail "debootstrap failed (last lines above)"
fi
[[ -n $(ls "$root"/boot/vmlinuz-* 2>/dev/null) ]] || fail "no kernel in $root/boot after debootstrap"
[[ -n $(ls "$root"/boot/initrd.img-* 2>/dev/null) ]] || fail "no initramfs in $root/boot after debootstrap"

# The guest's apt sees the same mirror and has its package lists, so `apt-get install ./ckernel.deb` in a
# copy of the tree resolves dependencies (and normally finds them all installed already).
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
mount -t proc proc "$root/proc"
chroot "$root" apt-get update -qq >>"$log" 2>&1 || fail "apt-get update in the tree failed; see the log"
chroot "$root" apt-get clean
umount "$root/proc"

echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$root/etc/fstab"
echo ckernel-vm >"$root/etc/hostname"
# No network in the VM: nothing should wait for it.
systemctl --root="$root" mask systemd-networkd-wait-online.service >/dev/null 2>&1 || true

tar -C "$root" -cf "$staging/image.tar" .
mv "$staging/image.tar" "$image"
echo "$image"
