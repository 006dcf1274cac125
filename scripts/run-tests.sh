#!/usr/bin/env bash
# Everything CI checks: dependencies, a warnings-as-errors build, the ctest suite (unit, fixture parity
# against llama.cpp, malformed files), then the fuzzers for a bounded time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
export BUILD_DIR=${BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
ctest --test-dir "$BUILD_DIR" -j "$(nproc)" --output-on-failure --timeout 900
"$root/scripts/fuzz.sh" "${FUZZ_SECONDS:-60}"
