#!/usr/bin/env bash
# cktrain bench and PyTorch side by side on the same model shape, batch, context, threads and optimizer,
# in alternating rounds (A B A B ...: a shared host's speed drifts within minutes, so only runs this close
# together compare), then the median ratio and its spread per thread count.
#
#   scripts/bench-train-side-by-side.sh OUT_DIR
# Environment: ROUNDS (5), THREADS ("1 2"), STEPS (6), CKTRAIN (build/tools/cktrain/cktrain),
# TORCH_PYTHON (/usr/bin/python3: Debian's python3-torch; give it OpenBLAS with libopenblas0-pthread).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: bench-train-side-by-side.sh OUT_DIR}
cktrain=${CKTRAIN:-$root/build/tools/cktrain/cktrain}
python=${TORCH_PYTHON:-/usr/bin/python3}
steps=${STEPS:-6}
mkdir -p "$out"
{
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
  echo "microcode: $(grep -m1 microcode /proc/cpuinfo | cut -d: -f2 | tr -d ' ')"
  echo "commit: $(git -C "$root" rev-parse --short HEAD)"
  echo "blas: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
} > "$out/machine.txt"
for round in $(seq "${ROUNDS:-5}"); do
  for t in ${THREADS:-1 2}; do
    echo "round $round, $t threads (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
    "$cktrain" bench -t "$t" --steps "$steps" --warmup 2 --json > "$out/$round-t$t-cktrain.json"
    "$python" "$root/scripts/bench-train-pytorch.py" --threads "$t" --steps "$steps" --warmup 2 --json \
      > "$out/$round-t$t-pytorch.json"
  done
done
"$python" - "$out" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
rows = {}
for path in sorted(glob.glob(os.path.join(out, "*-cktrain.json"))):
    base = os.path.basename(path)[: -len("-cktrain.json")]
    rnd, t = base.split("-t")
    ck = json.load(open(path))
    pt = json.load(open(os.path.join(out, f"{base}-pytorch.json")))
    rows.setdefault(int(t), []).append((ck["tokens_per_second"], pt["tokens_per_s"], ck["share_of_peak"]))
print(open(os.path.join(out, "machine.txt")).read().strip())
print("| threads | cktrain tok/s (median) | PyTorch tok/s (median) | ratio (median) | ratio range | cktrain share of fp32 peak |")
print("|---|---|---|---|---|---|")
for t, r in sorted(rows.items()):
    ratios = [c / p for c, p, _ in r]
    print(f"| {t} | {statistics.median(c for c, _, _ in r):.0f} | {statistics.median(p for _, p, _ in r):.0f} | "
          f"**{statistics.median(ratios):.2f}x** | {min(ratios):.2f}-{max(ratios):.2f} | "
          f"{100 * statistics.median(s for _, _, s in r):.0f}% |")
PY
