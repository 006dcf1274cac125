#!/usr/bin/env python3
"""Draws tok/s by thread count as an SVG: prompt processing (pp) on the left, generation (tg) on the right,
one line per input file, error bars of one standard deviation. Standard library only.

Inputs are `ckbench --json` outputs (one object with "results") or `llama-bench -o json` outputs (a list of
tests with n_threads, n_prompt, n_gen, avg_ts, stddev_ts); each may be given as LABEL=FILE.

    scripts/plot-performance.py -o docs/performance.svg ckernel=ck.json llama.cpp=llama.json
"""
import argparse
import json
import os
import sys

WIDTH, HEIGHT, MARGIN = 920, 380, 60
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def read_series(path):
    """{'pp': {threads: (mean, stddev)}, 'tg': {...}} from either tool's JSON."""
    with open(path) as f:
        data = json.load(f)
    series = {"pp": {}, "tg": {}}
    if isinstance(data, dict) and "results" in data:
        for r in data["results"]:
            if data.get("n_prompt", 0) > 0:
                series["pp"][r["threads"]] = (r["pp_tok_s"], r["pp_tok_s_stddev"])
            if data.get("n_gen", 0) > 0:
                series["tg"][r["threads"]] = (r["tg_tok_s"], r["tg_tok_s_stddev"])
    elif isinstance(data, list):
        for t in data:
            test = "pp" if t.get("n_prompt", 0) > 0 and t.get("n_gen", 0) == 0 else "tg"
            series[test][t["n_threads"]] = (t["avg_ts"], t.get("stddev_ts", 0.0))
    else:
        sys.exit(f"{path}: neither ckbench --json nor llama-bench -o json output")
    return series


def panel(x0, title, lines):
    """SVG elements of one panel: axes, ticks, and one polyline with error bars per labelled series."""
    w, h = WIDTH / 2 - MARGIN * 1.5, HEIGHT - 2 * MARGIN
    threads = sorted({t for _, points, _ in lines for t in points}) or [1]
    y_max = max([m + s for _, points, _ in lines for m, s in points.values()] or [1.0]) * 1.1
    t_min, t_max = threads[0], max(threads[-1], threads[0] + 1)

    def x(t):
        return x0 + (t - t_min) / (t_max - t_min) * w

    def y(v):
        return MARGIN + h - v / y_max * h

    out = [f'<text x="{x0 + w / 2}" y="{MARGIN - 20}" text-anchor="middle" font-weight="bold">{title}</text>',
           f'<line x1="{x0}" y1="{MARGIN + h}" x2="{x0 + w}" y2="{MARGIN + h}" stroke="black"/>',
           f'<line x1="{x0}" y1="{MARGIN}" x2="{x0}" y2="{MARGIN + h}" stroke="black"/>',
           f'<text x="{x0 + w / 2}" y="{HEIGHT - 15}" text-anchor="middle">threads</text>',
           f'<text x="{x0 - 45}" y="{MARGIN + h / 2}" transform="rotate(-90 {x0 - 45} {MARGIN + h / 2})" '
           f'text-anchor="middle">tok/s</text>']
    for t in threads:
        out.append(f'<text x="{x(t)}" y="{MARGIN + h + 18}" text-anchor="middle">{t}</text>')
    for i in range(5):
        v = y_max * i / 4
        out.append(f'<text x="{x0 - 6}" y="{y(v) + 4}" text-anchor="end" font-size="11">{v:.0f}</text>')
        out.append(f'<line x1="{x0}" y1="{y(v)}" x2="{x0 + w}" y2="{y(v)}" stroke="#ddd"/>')
    for label, points, color in lines:
        ordered = sorted(points.items())
        if not ordered:
            continue
        path = " ".join(f"{x(t):.1f},{y(m):.1f}" for t, (m, _) in ordered)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for t, (m, s) in ordered:
            out.append(f'<circle cx="{x(t):.1f}" cy="{y(m):.1f}" r="4" fill="{color}"><title>{label}: '
                       f'{m:.2f} ± {s:.2f} tok/s at {t} threads</title></circle>')
            if s > 0:
                out.append(f'<line x1="{x(t):.1f}" y1="{y(m - s):.1f}" x2="{x(t):.1f}" y2="{y(m + s):.1f}" '
                           f'stroke="{color}"/>')
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", help="[LABEL=]FILE, ckbench --json or llama-bench -o json")
    parser.add_argument("-o", "--output", required=True, help="SVG file to write")
    parser.add_argument("--title", default="tokens per second by thread count")
    args = parser.parse_args()

    named = []
    for i, item in enumerate(args.inputs):
        label, _, path = item.rpartition("=")
        path = path or item
        named.append((label or os.path.basename(path), read_series(path), COLORS[i % len(COLORS)]))

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT + 30 * len(named)}" '
           f'font-family="sans-serif" font-size="13">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="15">{args.title}</text>']
    for test, x0 in (("pp", MARGIN * 1.2), ("tg", WIDTH / 2 + MARGIN * 0.8)):
        title = "prompt processing (pp)" if test == "pp" else "generation (tg)"
        svg += panel(x0, title, [(label, series[test], color) for label, series, color in named])
    for i, (label, _, color) in enumerate(named):
        ly = HEIGHT + 10 + 25 * i
        svg.append(f'<rect x="{MARGIN}" y="{ly - 10}" width="14" height="14" fill="{color}"/>')
        svg.append(f'<text x="{MARGIN + 22}" y="{ly + 2}">{label}</text>')
    svg.append("</svg>")
    with open(args.output, "w") as f:
        f.write("\n".join(svg) + "\n")


main()
