#!/usr/bin/env bash
# Builds the Debian package from a commit (REF, default HEAD): exports it to OUT_DIR/work with
# packaging/debian at the root (Debian tools want debian/ there; the repository keeps it in packaging/),
# makes the orig tarball, runs dpkg-buildpackage and lintian, and leaves the .deb and the other build
# products in OUT_DIR (default build-deb/ in the repository). Needs packaging/debian/control's
# Build-Depends. The work path stays the same from build to build, so ccache (CMAKE_CXX_COMPILER_LAUNCHER)
# can reuse objects although dpkg-buildflags maps the source path into the debug information.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT_DIR:-$root/build-deb}
version=$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version)
upstream=${version%-*}
work=$out/work
source_dir=$work/ckernel-$upstream

rm -rf "$work" "$out"/ckernel_*
mkdir -p "$source_dir"
# The commit as a clean checkout has it: uncommitted edits, build directories and leftovers stay out.
git -C "$root" archive "${REF:-HEAD}" | tar -x -C "$source_dir"
mv "$source_dir/packaging/debian" "$source_dir/debian"
tar -C "$work" --exclude="ckernel-$upstream/debian" -cJf "$work/ckernel_$upstream.orig.tar.xz" "ckernel-$upstream"

# debhelper points HOME at a scratch directory; keep ccache's cache where the caller has it.
if command -v ccache >/dev/null; then
  export CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir)} CCACHE_BASEDIR=$work
fi
(cd "$source_dir" && dpkg-buildpackage -us -uc -j"$(nproc)")
lintian --fail-on error,warning --info "$work"/ckernel_"$version"_*.changes

mv "$work"/ckernel_* "$out"/
rm -rf "$work"
echo "build-deb: built $(ls "$out"/ckernel_"$version"_*.deb)"
