#!/usr/bin/env python3
"""Runs ckbench on a small model with tiny sizes and checks the shape of its --json output: every key
scripts/plot-performance.py and the docs rely on, with the right types, one result per thread count.
Timing values are only checked to be positive numbers (performance lives in benchmarks, not tests)."""
import json
import os
import subprocess
import sys

TOP = {"model": str, "model_name": str, "weight_bytes_per_token": int, "matmul_parameters": int, "isa": str,
       "weight_placement": str, "session_memory": str, "limits_source": str, "n_prompt": int, "n_gen": int,
       "repetitions": int, "tuning": dict, "results": list}
TUNING = {"source": str, "reason": str, "path": str, "prefetch_distance": int, "prefetch_hint": str, "spin_us": int,
          "decode_tile_rows": int, "isa": str, "summary": str}
RESULT = {"threads": int, "pp_tok_s": float, "pp_tok_s_stddev": float, "pp_samples": list, "tg_tok_s": float,
          "tg_tok_s_stddev": float, "tg_samples": list, "pp_gflops": float, "pp_share_of_fp32_peak": float,
          "tg_gbs": float, "tg_share_of_read_bw": float, "limits": dict}


def check_keys(obj, schema, where):
    for key, kind in schema.items():
        if key not in obj:
            sys.exit(f"{where}: missing key {key!r}")
        value = obj[key]
        ok = isinstance(value, (int, float)) if kind is float else isinstance(value, kind)
        if not ok or (isinstance(value, bool) and kind is not bool):
            sys.exit(f"{where}: {key!r} is {value!r}, expected {kind.__name__}")


def main():
    ckbench, model = sys.argv[1], sys.argv[2]
    # The defaults, whatever wisdom this host has: CK_KERNEL_WISDOM=none.
    out = subprocess.run([ckbench, "-m", model, "-t", "1,2", "-p", "8", "-n", "4", "-r", "1", "--json",
                          "--peak-read-gbs", "10", "--peak-gflops", "100,200"],
                         check=True, capture_output=True, text=True,
                         env=dict(os.environ, CK_KERNEL_WISDOM="none")).stdout
    report = json.loads(out)
    check_keys(report, TOP, "ckbench --json")
    check_keys(report["tuning"], TUNING, "ckbench --json tuning")
    if (report["tuning"]["source"], report["tuning"]["reason"], report["tuning"]["prefetch_distance"],
            report["tuning"]["weights_on_hugepages"]) != ("defaults", "disabled by CK_KERNEL_WISDOM=none", 8192, None):
        sys.exit(f"tuning not reported: {report['tuning']}")
    if report["limits_source"] != "given" or (report["n_prompt"], report["n_gen"]) != (8, 4):
        sys.exit(f"options not reflected: {report}")
    if [r["threads"] for r in report["results"]] != [1, 2]:
        sys.exit(f"expected results for 1 and 2 threads, got {report['results']}")
    for r in report["results"]:
        check_keys(r, RESULT, f"result for {r.get('threads')} threads")
        if len(r["pp_samples"]) != 1 or len(r["tg_samples"]) != 1 or r["pp_tok_s"] <= 0 or r["tg_tok_s"] <= 0:
            sys.exit(f"one positive sample per test expected: {r}")
        if r["limits"]["read_gbs"] != 10 or r["limits"]["fp32_gflops"] != 100 * r["threads"]:
            sys.exit(f"given limits not used: {r['limits']}")
    print("ckbench --json: shape ok")


main()
