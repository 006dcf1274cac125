#!/usr/bin/env bash
# ckbench and llama-bench side by side, in rounds: per round and model, ckbench then llama-bench on the same
# file, threads and sizes, one right after the other, so both see the same machine (a shared host's
# bandwidth drifts by 2x within minutes; only runs this close together compare). Then the table of
# ratios, their median over the rounds, and ckernel's shares of the measured limits.
#
#   LLAMA_BENCH=/path/to/llama-bench scripts/bench-side-by-side.sh OUT_DIR MODEL.gguf [MODEL.gguf ...]
# Environment: ROUNDS (3), THREADS (1,2), CKBENCH (build/tools/ckbench/ckbench).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: bench-side-by-side.sh OUT_DIR MODEL.gguf [MODEL.gguf ...]}
shift
[ $# -gt 0 ] || { echo "bench-side-by-side.sh: no model given" >&2; exit 2; }
ckbench=${CKBENCH:-$root/build/tools/ckbench/ckbench}
llama_bench=${LLAMA_BENCH:?set LLAMA_BENCH to a llama-bench binary built beside the project}
mkdir -p "$out"
for round in $(seq "${ROUNDS:-3}"); do
  for model in "$@"; do
    name=$(basename "$model" .gguf)
    echo "round $round: $name (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
    "$ckbench" -m "$model" -t "${THREADS:-1,2}" -p 128 -n 64 -r 3 --json > "$out/$round-ckbench-$name.json"
    "$llama_bench" -m "$model" -t "${THREADS:-1,2}" -p 128 -n 64 -r 3 -o json > "$out/$round-llama-bench-$name.json" 2>/dev/null
  done
done
"$root/scripts/compare-bench.py" "$out"
