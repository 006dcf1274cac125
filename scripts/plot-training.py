#!/usr/bin/env python3
"""Draws the loss curves of `cktrain run --json-log` files as an SVG: training loss per step (thin) and
validation loss (dots and a thick line), one colour per log. Standard library only.

    scripts/plot-training.py -o docs/training/loss.svg [--title TEXT] [LABEL=]run.jsonl ...
"""
import argparse
import json
import math
import sys

WIDTH, HEIGHT, MARGIN = 860, 400, 64
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def read_log(path):
    train, val = [], []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            entry = json.loads(line)
            if "loss" in entry:
                train.append((entry["step"], entry["loss"]))
            elif "val_loss" in entry:
                val.append((entry["step"], entry["val_loss"]))
    return train, val


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--title", default="cktrain: loss by step")
    parser.add_argument("logs", nargs="+", help="[LABEL=]FILE")
    args = parser.parse_args()
    series = []
    for item in args.logs:
        label, _, path = item.rpartition("=") if "=" in item else (item, "", item)
        train, val = read_log(path)
        if not train:
            sys.exit(f"plot-training: {path} has no step lines")
        series.append((label, train, val))
    steps = [s for _, train, val in series for s, _ in train + val]
    losses = [l for _, train, val in series for _, l in train + val if math.isfinite(l)]
    x0, x1 = 0, max(steps)
    y0, y1 = math.floor(min(losses)), math.ceil(max(losses))
    sx = lambda s: MARGIN + (s - x0) / max(1, x1 - x0) * (WIDTH - 2 * MARGIN)
    sy = lambda l: HEIGHT - MARGIN - (l - y0) / max(1e-9, y1 - y0) * (HEIGHT - 2 * MARGIN)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" '
           f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15">{args.title}</text>']
    for i in range(y0, y1 + 1):
        out.append(f'<line x1="{MARGIN}" x2="{WIDTH - MARGIN}" y1="{sy(i):.1f}" y2="{sy(i):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{MARGIN - 8}" y="{sy(i) + 4:.1f}" text-anchor="end">{i}</text>')
    for k in range(6):
        s = x0 + (x1 - x0) * k / 5
        out.append(f'<text x="{sx(s):.1f}" y="{HEIGHT - MARGIN + 18}" text-anchor="middle">{int(s)}</text>')
    out.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 16}" text-anchor="middle">optimizer step</text>')
    out.append(f'<text x="18" y="{HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 18 {HEIGHT / 2})">'
               'cross-entropy (nats/token)</text>')
    for n, (label, train, val) in enumerate(series):
        color = COLORS[n % len(COLORS)]
        points = " ".join(f"{sx(s):.1f},{sy(l):.1f}" for s, l in train if math.isfinite(l))
        out.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-opacity="0.45"/>')
        if val:
            points = " ".join(f"{sx(s):.1f},{sy(l):.1f}" for s, l in val)
            out.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"/>')
            out += [f'<circle cx="{sx(s):.1f}" cy="{sy(l):.1f}" r="3.5" fill="{color}"/>' for s, l in val]
        y = MARGIN + 18 * n
        out.append(f'<line x1="{WIDTH - MARGIN - 230}" x2="{WIDTH - MARGIN - 205}" y1="{y}" y2="{y}" '
                   f'stroke="{color}" stroke-width="2.5"/>')
        out.append(f'<text x="{WIDTH - MARGIN - 198}" y="{y + 4}">{label}: training (thin), validation (dots)</text>')
    out.append("</svg>")
    with open(args.output, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
