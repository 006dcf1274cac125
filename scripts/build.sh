#!/usr/bin/env bash
# Configures and builds ckernel into BUILD_DIR (default build/), warnings as errors.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCKERNEL_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
