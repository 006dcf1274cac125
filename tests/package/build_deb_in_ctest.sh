#!/usr/bin/env bash
# ctest's package.deb: builds the .deb from the checkout's HEAD into DEB_DIR for the tests that boot it
# (package.boot, vm.boot). Skips (exit 77, with the reason) where they could not run anyway: not root, or
# not a git checkout (build-deb.sh exports a commit).
#
#   tests/package/build_deb_in_ctest.sh SOURCE_DIR DEB_DIR
set -euo pipefail
source_dir=$1
deb_dir=$2

skip() {
  echo "package build skipped: $*"
  exit 77
}
[[ $(id -u) -eq 0 ]] || skip "the tests that boot the package need root"
git -C "$source_dir" rev-parse --verify -q HEAD >/dev/null || skip "$source_dir is not a git checkout"
OUT_DIR=$deb_dir "$source_dir/scripts/build-deb.sh"
