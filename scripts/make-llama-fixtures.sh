#!/usr/bin/env bash
# Greedy fixtures from llama.cpp for a model, with the prompts of the repository's other fixtures:
# builds tests/parity/llama_fixture/make_fixture.cpp against a llama.cpp checkout built beside the project
# (cmake -B build && cmake --build build --target llama), then writes OUT_DIR/<model>.p<N>.json.
#
#   scripts/make-llama-fixtures.sh LLAMA_CPP_DIR MODEL.gguf OUT_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
llama=${1:?usage: make-llama-fixtures.sh LLAMA_CPP_DIR MODEL.gguf OUT_DIR}
model=${2:?model}
out=${3:?out dir}
tool=$(mktemp -d)/make_fixture
g++ -std=c++17 -O2 -I "$llama/include" -I "$llama/ggml/include" "$root/tests/parity/llama_fixture/make_fixture.cpp" \
  -L "$llama/build/bin" -lllama -lggml -lggml-base -Wl,-rpath,"$llama/build/bin" -o "$tool"
git -C "$llama" rev-parse --short=12 HEAD > /dev/null && echo "llama.cpp $(git -C "$llama" rev-parse --short=12 HEAD)" >&2
name=$(basename "$model")
mkdir -p "$out"
for n in 1 2 3 4 5; do
  prompt=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["prompt"], end="")' \
    "$root/tests/data/fixtures/greedy/tiny-llama-Q4_K_M.p$n.json")
  "$tool" "$model" "$name" "$prompt" > "$out/${name%.gguf}.p$n.json" 2> "$out/.make_fixture.log" ||
    { cat "$out/.make_fixture.log" >&2; exit 1; }
  echo "wrote $out/${name%.gguf}.p$n.json" >&2
done
rm -f "$out/.make_fixture.log"
