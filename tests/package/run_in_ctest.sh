#!/usr/bin/env bash
# ctest's entry to the booted-system test: boots the .deb that package.deb built into DEB_DIR
# (boot_test.sh). Skips (exit 77, with the reason) where it cannot run: not root, or no package built.
#
#   tests/package/run_in_ctest.sh SOURCE_DIR DEB_DIR
set -euo pipefail
source_dir=$1
deb_dir=$2

skip() {
  echo "package test skipped: $*"
  exit 77
}
[[ $(id -u) -eq 0 ]] || skip "needs root (debootstrap, systemd-nspawn)"
deb=$(ls "$deb_dir"/ckernel_*_amd64.deb 2>/dev/null | head -1) || true
[[ -n $deb ]] || skip "no package in $deb_dir (package.deb builds it; it was skipped or failed)"
"$source_dir/tests/package/boot_test.sh" "$deb" "$source_dir/tests/data/models/tiny-llama-Q4_K_M.gguf"
