#!/usr/bin/env python3
"""Prints what scripts/bench-side-by-side.sh measured in a directory of rounds: the host (from host.json,
when the directory has one), then a markdown table per model, thread count and test with ckernel's and
llama.cpp's tok/s in every round, their ratio per round, the median ratio and its spread (slowest to fastest
round), and ckernel's share of the limits ckbench measured just before each run (read bandwidth for tg,
fp32 FMA peak for pp); then, per model, how decode scales from the fewest threads to more, for both engines
(the median of the per-round ratios). A single round proves nothing on a shared host: read the medians.

    scripts/compare-bench.py DIR           # markdown
    scripts/compare-bench.py --json DIR    # the same as one JSON object, for tools
"""
import argparse
import glob
import json
import os
import re
import statistics
import sys

ROUND_FILE = re.compile(r"(\d+)-(ckbench|llama-bench)-(.+)\.json")


def fail(message):
    sys.exit(f"compare-bench.py: {message}")


def load_host(directory):
    """host.json as written by bench-side-by-side.sh, or None for directories from before it existed."""
    path = os.path.join(directory, "host.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def first_engine(host, round_number):
    # Without host.json the directory predates alternation: the old script always ran ckbench first.
    if host is None or "order" not in host:
        return "ckbench"
    return "ckbench" if round_number % 2 else "llama-bench"


def load_rounds(directory, host):
    """{(model, threads, test): [one dict per round]}, and the llama.cpp builds named in the files."""
    files = {}
    for path in glob.glob(os.path.join(directory, "*.json")):
        match = ROUND_FILE.fullmatch(os.path.basename(path))
        if match:
            round_text, engine, model = match.groups()
            files[(int(round_text), model, engine)] = path
    rows, builds = {}, set()
    pairs = sorted({(r, m) for r, m, _ in files})
    for round_number, model in pairs:
        if (round_number, model, "ckbench") not in files or (round_number, model, "llama-bench") not in files:
            # An interrupted run leaves half a round; a ratio needs both engines.
            have = "ckbench" if (round_number, model, "ckbench") in files else "llama-bench"
            print(f"compare-bench.py: round {round_number} of {model} has only {have}'s file; left out",
                  file=sys.stderr)
            continue
        with open(files[(round_number, model, "ckbench")]) as f:
            ours = json.load(f)
        with open(files[(round_number, model, "llama-bench")]) as f:
            theirs = json.load(f)
        builds.update(f"{t.get('build_commit', '?')} (build {t.get('build_number', '?')})" for t in theirs)
        for result in ours["results"]:
            threads = result["threads"]
            for test, size, rate, share in (("pp", ours["n_prompt"], "pp_tok_s", "pp_share_of_fp32_peak"),
                                            ("tg", ours["n_gen"], "tg_tok_s", "tg_share_of_read_bw")):
                if size == 0:
                    continue
                # The same test on llama.cpp's side: same thread count and size, the other size zero.
                llama = [t["avg_ts"] for t in theirs if t["n_threads"] == threads
                         and (t["n_prompt"], t["n_gen"]) == ((size, 0) if test == "pp" else (0, size))]
                if not llama:
                    fail(f"{model} round {round_number}: llama-bench has no {test}{size} at {threads} threads")
                rows.setdefault((model, threads, f"{test}{size}"), []).append({
                    "round": round_number, "first": first_engine(host, round_number),
                    "ckernel_tok_s": result[rate], "llama_tok_s": llama[0],
                    "ratio": result[rate] / llama[0], "share_of_limit": result[share],
                    "tg_gbs": result["tg_gbs"], "read_gbs": result["limits"]["read_gbs"]})
    return rows, sorted(builds)


def summarize(rows):
    table = []
    for (model, threads, test), runs in sorted(rows.items()):
        ratios = [r["ratio"] for r in runs]
        table.append({"model": model, "threads": threads, "test": test, "rounds": runs,
                      "median_ratio": statistics.median(ratios), "ratio_min": min(ratios),
                      "ratio_max": max(ratios),
                      "median_share_of_limit": statistics.median(r["share_of_limit"] for r in runs)})
    return table


def decode_scaling(rows):
    """Per model and thread count above the fewest: tg tok/s over the fewest threads' in the same round, for
    each engine, and the median of those per-round ratios (a ratio within one round cancels the drift that
    a ratio of medians would keep). With them the bound the memory sets in each round: the read bandwidth
    ckbench measured at the higher thread count (all threads reading at once) over the GB/s ckernel's decode
    streamed at the fewest. Decode streams every weight once per token, so no engine scales past it; where
    the bound is below a scaling target, the host, not the code, misses it."""
    out = []
    for model in sorted({m for m, _, _ in rows}):
        tg = {(t, test): runs for (m, t, test), runs in rows.items() if m == model and test.startswith("tg")}
        for test in sorted({test for _, test in tg}):
            counts = sorted(t for t, te in tg if te == test)
            base = counts[0]
            by_round = {r["round"]: r for r in tg[(base, test)]}
            for threads in counts[1:]:
                pairs = [(by_round[r["round"]], r) for r in tg[(threads, test)] if r["round"] in by_round]
                ours = [hi["ckernel_tok_s"] / lo["ckernel_tok_s"] for lo, hi in pairs]
                theirs = [hi["llama_tok_s"] / lo["llama_tok_s"] for lo, hi in pairs]
                bound = [hi["read_gbs"] / lo["tg_gbs"] for lo, hi in pairs]
                out.append({"model": model, "test": test, "threads": threads, "base_threads": base,
                            "rounds": [hi["round"] for _, hi in pairs],
                            "ckernel": ours, "llama": theirs, "bandwidth_bound": bound,
                            "ckernel_median": statistics.median(ours), "llama_median": statistics.median(theirs),
                            "bandwidth_bound_median": statistics.median(bound)})
    return out


def host_lines(host, builds):
    if host is None:
        lines = ["host: not recorded"]
    else:
        lines = [f"host: {host['cpu_model_name']} ({host['cpu_vendor']} family {host['cpu_family']} model "
                 f"{host['cpu_model']} stepping {host['cpu_stepping']}, microcode {host['microcode']}), "
                 f"{host['logical_cpus']} logical CPUs, kernel {host['kernel_release']}, {host['date_utc']}",
                 f"ckernel {host['ckernel_commit']}; {host['rounds']} rounds, {host['order']}"]
        peak = [line for line in host.get("peak_c", []) if line.strip()]
        if peak:
            lines.append("peak.c: " + "; ".join(peak))
    if builds:
        lines.append("llama.cpp: " + ", ".join(builds))
    return lines


def print_markdown(host, builds, table, scaling):
    print("\n".join(host_lines(host, builds)))
    print()
    print("| model | threads | test | ckernel tok/s | llama.cpp tok/s | ratio | median ratio | spread "
          "| share of limit | median share |")
    print("|---|---:|---|---|---|---|---:|---|---|---:|")
    for row in table:
        runs = row["rounds"]
        each = lambda key, form: " / ".join(format(r[key], form) for r in runs)
        print(f"| {row['model']} | {row['threads']} | {row['test']} | {each('ckernel_tok_s', '.1f')} | "
              f"{each('llama_tok_s', '.1f')} | {each('ratio', '.2f')} | **{row['median_ratio']:.2f}** | "
              f"{row['ratio_min']:.2f}-{row['ratio_max']:.2f} | {each('share_of_limit', '.0%')} | "
              f"{row['median_share_of_limit']:.0%} |")
    print()
    if not scaling:
        print("decode scaling: needs two thread counts")
        return
    print("Decode scaling (tg tok/s at more threads over the fewest, per round; median of the rounds). Bandwidth")
    print("bound: the read bandwidth measured at more threads over the GB/s ckernel streamed at the fewest, the")
    print("most any decode could scale in that round:")
    print()
    print("| model | test | threads | ckernel | llama.cpp | bandwidth bound | ckernel per round | llama.cpp per round "
          "| bound per round |")
    print("|---|---|---|---:|---:|---:|---|---|---|")
    per_round = lambda values: " / ".join(f"{x:.2f}" for x in values)
    for s in scaling:
        print(f"| {s['model']} | {s['test']} | {s['threads']}/{s['base_threads']} | "
              f"**{s['ckernel_median']:.2f}** | **{s['llama_median']:.2f}** | {s['bandwidth_bound_median']:.2f} | "
              f"{per_round(s['ckernel'])} | {per_round(s['llama'])} | {per_round(s['bandwidth_bound'])} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="OUT_DIR of scripts/bench-side-by-side.sh")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of markdown")
    args = parser.parse_args()
    if not os.path.isdir(args.directory):
        fail(f"{args.directory}: not a directory")
    host = load_host(args.directory)
    rows, builds = load_rounds(args.directory, host)
    if not rows:
        fail(f"{args.directory}: no pair of N-ckbench-MODEL.json and N-llama-bench-MODEL.json files")
    table, scaling = summarize(rows), decode_scaling(rows)
    if args.json:
        json.dump({"host": host, "host_summary": host_lines(host, builds), "llama_builds": builds,
                   "rows": table, "decode_scaling": scaling}, sys.stdout, indent=1)
        print()
    else:
        print_markdown(host, builds, table, scaling)


if __name__ == "__main__":
    main()
