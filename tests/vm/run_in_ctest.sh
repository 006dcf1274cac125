#!/usr/bin/env bash
# ctest's entry to the VM test: boots the .deb that package.deb built into DEB_DIR in the two-node cgroup v2
# VM (run_vm_test.sh). Skips (exit 77, with the reason) where it cannot run: not root, no QEMU or
# debootstrap, or no package built.
#
#   tests/vm/run_in_ctest.sh SOURCE_DIR DEB_DIR
set -euo pipefail
source_dir=$1
deb_dir=$2

skip() {
  echo "vm test skipped: $*"
  exit 77
}
[[ $(id -u) -eq 0 ]] || skip "needs root (chroot, mkfs.ext4 -d, the cached image in /var/cache)"
for tool in qemu-system-x86_64 debootstrap mkfs.ext4; do
  command -v "$tool" >/dev/null || skip "$tool is missing (scripts/install-deps.sh installs it)"
done
deb=$(ls "$deb_dir"/ckernel_*_amd64.deb 2>/dev/null | head -1) || true
[[ -n $deb ]] || skip "no package in $deb_dir (package.deb builds it; it was skipped or failed)"
"$source_dir/tests/vm/run_vm_test.sh" "$deb" "$source_dir/tests/data/models/tiny-llama-Q4_K_M.gguf"
