#!/usr/bin/env python3
"""Prints a markdown table from the rounds scripts/bench-side-by-side.sh wrote into a directory: per model,
thread count and test, ckernel's and llama.cpp's tok/s in every round, their ratio per round and its median,
and ckernel's share of the limits ckbench measured (read bandwidth for tg, fp32 FMA peak for pp).

    scripts/compare-bench.py DIR
"""
import glob
import json
import os
import re
import statistics
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    rows = {}
    for path in sorted(glob.glob(os.path.join(directory, "*-ckbench-*.json"))):
        match = re.fullmatch(r"(\d+)-ckbench-(.+)\.json", os.path.basename(path))
        if not match:
            continue
        round_number, model = match.groups()
        with open(path) as f:
            ours = json.load(f)
        with open(os.path.join(directory, f"{round_number}-llama-bench-{model}.json")) as f:
            theirs = json.load(f)
        for result in ours["results"]:
            threads = result["threads"]
            for test, rate, share in (("pp", "pp_tok_s", "pp_share_of_fp32_peak"),
                                      ("tg", "tg_tok_s", "tg_share_of_read_bw")):
                llama = [t["avg_ts"] for t in theirs if t["n_threads"] == threads
                         and (t["n_gen"] == 0 if test == "pp" else t["n_prompt"] == 0)]
                if not llama:
                    sys.exit(f"{model} round {round_number}: llama-bench has no {test} at {threads} threads")
                key = (model, threads, f"{test}{ours['n_prompt'] if test == 'pp' else ours['n_gen']}")
                rows.setdefault(key, []).append((result[rate], llama[0], result[share]))
    if not rows:
        sys.exit(f"{directory}: no N-ckbench-MODEL.json files")
    print("| model | threads | test | ckernel tok/s | llama.cpp tok/s | ratio | median ratio | share of limit |")
    print("|---|---:|---|---|---|---|---:|---|")
    for (model, threads, test), runs in sorted(rows.items()):
        ratios = [ours / theirs for ours, theirs, _ in runs]
        print(f"| {model} | {threads} | {test} | {' / '.join(f'{o:.1f}' for o, _, _ in runs)} | "
              f"{' / '.join(f'{t:.1f}' for _, t, _ in runs)} | {' / '.join(f'{r:.2f}' for r in ratios)} | "
              f"**{statistics.median(ratios):.2f}** | {' / '.join(f'{s:.0%}' for *_, s in runs)} |")


if __name__ == "__main__":
    main()
