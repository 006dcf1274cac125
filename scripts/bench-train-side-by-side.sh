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

# The plot: median tokens/s per engine and thread count, whiskers from the slowest to the fastest round.
W, H, M = 640, 360, 60
top = max(max(c for c, _, _ in r + [(0, 0, 0)]) for r in rows.values()) * 1.1
group = (W - 2 * M) / max(1, len(rows))
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       '<rect width="100%" height="100%" fill="white"/>',
       f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">training tokens/s, 12.6M llama, batch 8 x 256</text>']
y = lambda v: H - M - v / top * (H - 2 * M)
for i, (t, r) in enumerate(sorted(rows.items())):
    for j, (label, color, values) in enumerate((("cktrain", "#1f77b4", [c for c, _, _ in r]),
                                                ("PyTorch", "#d62728", [p for _, p, _ in r]))):
        x = M + i * group + group * (0.2 + 0.32 * j)
        w = group * 0.28
        med = statistics.median(values)
        svg.append(f'<rect x="{x:.1f}" y="{y(med):.1f}" width="{w:.1f}" height="{H - M - y(med):.1f}" fill="{color}"/>')
        svg.append(f'<line x1="{x + w / 2:.1f}" x2="{x + w / 2:.1f}" y1="{y(min(values)):.1f}" y2="{y(max(values)):.1f}" stroke="black"/>')
        svg.append(f'<text x="{x + w / 2:.1f}" y="{y(max(values)) - 6:.1f}" text-anchor="middle">{med:.0f}</text>')
        svg.append(f'<text x="{x + w / 2:.1f}" y="{H - M + 16}" text-anchor="middle">{label}</text>')
    svg.append(f'<text x="{M + (i + 0.5) * group:.1f}" y="{H - M + 34}" text-anchor="middle">{t} thread{"s" if t > 1 else ""}</text>')
svg.append("</svg>")
with open(os.path.join(out, "tokens-per-second.svg"), "w") as f:
    f.write("\n".join(svg) + "\n")
PY
