#!/usr/bin/env python3
"""Runs scripts/compare-bench.py on a fixture directory of rounds (tests/data/bench-rounds: host.json, two
complete rounds, a third interrupted) and on a directory of the old layout (no host.json), and checks the
header, the median and spread lines, the decode scaling with its bandwidth bound, and --json. The fixture's rates are chosen so every
number is exact (see its README.md).

    check_compare_bench.py COMPARE_BENCH_PY FIXTURE_DIR OLD_LAYOUT_DIR
"""
import json
import re
import subprocess
import sys


def run(*args):
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout, done.stderr


def expect(text, pattern, what):
    if not re.search(pattern, text, re.MULTILINE):
        sys.exit(f"{what}: no line matching {pattern!r} in:\n{text}")


def main():
    script, fixture, old = sys.argv[1:4]

    out, err = run(script, fixture)
    expect(out, r"^host: AMD EPYC \(AuthenticAMD family 25 model 17 stepping 1, microcode 0x1000065\)", "header")
    expect(out, r"^llama\.cpp: c392e5094 \(build 4748\)$", "llama.cpp build")
    # Per round ratio, median, spread, shares and their median.
    expect(out, r"^\| tiny \| 1 \| tg4 \| 120\.0 / 96\.0 \| 100\.0 / 60\.0 \| 1\.20 / 1\.60 \| \*\*1\.40\*\* \| "
                r"1\.20-1\.60 \| 50% / 70% \| 60% \|$", "1-thread decode row")
    expect(out, r"^\| tiny \| 2 \| pp8 \| .* \| 1\.80 / 2\.00 \| \*\*1\.90\*\* \| 1\.80-2\.00 \|", "2-thread prefill row")
    # ckernel's and llama.cpp's scaling, then the bound: 2-thread read bandwidth over 1-thread tg GB/s.
    expect(out, r"^\| tiny \| tg4 \| 2/1 \| \*\*1\.75\*\* \| \*\*1\.29\*\* \| 1\.60 \| 1\.50 / 2\.00 \| 1\.25 / 1\.33 \| "
                r"1\.50 / 1\.70 \|$", "decode scaling")
    expect(err, r"round 3 of tiny has only ckbench's file; left out", "the interrupted round's note")

    out, _ = run(script, "--json", fixture)
    data = json.loads(out)
    if data["host"]["microcode"] != "0x1000065":
        sys.exit(f"--json: host {data['host']}")
    rows = {(r["model"], r["threads"], r["test"]): r for r in data["rows"]}
    if sorted(rows) != [("tiny", 1, "pp8"), ("tiny", 1, "tg4"), ("tiny", 2, "pp8"), ("tiny", 2, "tg4")]:
        sys.exit(f"--json: rows {sorted(rows)}")
    tg = rows[("tiny", 1, "tg4")]
    got = (tg["median_ratio"], tg["ratio_min"], tg["ratio_max"], tg["median_share_of_limit"],
           [r["round"] for r in tg["rounds"]], [r["first"] for r in tg["rounds"]])
    want = (1.4, 1.2, 1.6, 0.6, [1, 2], ["ckbench", "llama-bench"])
    if not (all(abs(a - b) < 1e-9 for a, b in zip(got[:4], want[:4])) and got[4:] == want[4:]):
        sys.exit(f"--json: tiny/1/tg4 gives {got}, expected {want}")
    scaling = data["decode_scaling"]
    if len(scaling) != 1 or abs(scaling[0]["ckernel_median"] - 1.75) > 1e-9 or \
            abs(scaling[0]["llama_median"] - (1.25 + 80 / 60) / 2) > 1e-9 or \
            abs(scaling[0]["bandwidth_bound_median"] - 1.6) > 1e-9:
        sys.exit(f"--json: decode scaling {scaling}")

    # The old layout: no host.json, and the medians docs/performance.md quotes from it.
    out, _ = run(script, old)
    expect(out, r"^host: not recorded$", "old layout header")
    expect(out, r"^\| synth-llama-0\.34b-Q8_0 \| 1 \| tg64 \| .* \| \*\*1\.45\*\* \| 1\.09-1\.61 \|", "old layout row")
    out, _ = run(script, "--json", old)
    if json.loads(out)["host"] is not None:
        sys.exit("--json on the old layout: host should be null")
    print("compare-bench.py: fixture and old layout as expected")


if __name__ == "__main__":
    main()
