#!/usr/bin/env bash
# ctest's entry to the booted-system test: builds the .deb from the checkout's HEAD into WORK_DIR, then
# boots it (boot_test.sh). Skips (exit 77, with the reason) where it cannot run: not root, or not a git
# checkout (build-deb.sh exports a commit).
#
#   tests/package/run_in_ctest.sh SOURCE_DIR WORK_DIR
set -euo pipefail
source_dir=$1
work_dir=$2

skip() {
  echo "package test skipped: $*"
  exit 77
}
[[ $(id -u) -eq 0 ]] || skip "needs root (debootstrap, systemd-nspawn)"
git -C "$source_dir" rev-parse --verify -q HEAD >/dev/null || skip "$source_dir is not a git checkout"

OUT_DIR=$work_dir "$source_dir/scripts/build-deb.sh"
deb=$(ls "$work_dir"/ckernel_*_amd64.deb)
"$source_dir/tests/package/boot_test.sh" "$deb" "$source_dir/tests/data/models/tiny-llama-Q4_K_M.gguf"
