#!/usr/bin/env bash
# The main job end to end: install dependencies, build, and generate text with the default model.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
export BUILD_DIR=${BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
model=${CKERNEL_MODEL:-$root/tests/data/models/tiny-llama-Q4_K_M.gguf}
prompt=${CKERNEL_PROMPT:-Once upon a time}
echo "== ckrun -m $(basename "$model") -p \"$prompt\" -n 48 --temp 0"
"$BUILD_DIR/engine/tools/ckrun/ckrun" -m "$model" -p "$prompt" -n 48 --temp 0
