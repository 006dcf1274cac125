#!/usr/bin/env python3
"""Runs `cktune kernels --quick` into a temporary file and checks the wisdom it writes: it parses, has
every member the engine reads, names this host's CPU as /proc/cpuinfo does, is world-readable (the
workers' user reads it), equals what --json printed, and scores each parameter's default 1 (also with
--threads 1); then `--if-stale` returns at once without measuring; and with `--time-limit 1`
it stops early, the parameters it did not reach absent from the measurements and named in the note.
The chosen values are not checked: they are this host's measurements (performance lives in benchmarks)."""
import json
import os
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from host_cpu import host_cpu  # noqa: E402 (the path first)


def check_default_scores_one(wisdom, run):
    """Scores are relative to the default, round by round, over the rates measured: the default's own is
    exactly 1 in every parameter, also where only one thread was measured."""
    for parameter in wisdom["measurements"]["parameters"]:
        scores = [c["score"] for c in parameter["candidates"]]
        if 1.0 not in scores:
            sys.exit(f"{run}: no candidate of {parameter['parameter']} scores 1 (the default's): {scores}")


def main():
    cktune = sys.argv[1]
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "state", "kernel-wisdom.json")  # the directory is made too
        start = time.monotonic()
        run = subprocess.run([cktune, "kernels", "--quick", "--output", path, "--json"], capture_output=True,
                             text=True)
        seconds = time.monotonic() - start
        if run.returncode != 0:
            sys.exit(f"cktune kernels --quick failed ({run.returncode}):\n{run.stderr}")
        if seconds > 30:
            sys.exit(f"--quick took {seconds:.1f} s")
        text = open(path).read()
        if run.stdout != text:
            sys.exit("--json did not print the document written")
        wisdom = json.loads(text)
        if wisdom["format"] != 1:
            sys.exit(f"format {wisdom['format']}")
        for key, value in host_cpu().items():
            if wisdom["cpu"][key] != value:
                sys.exit(f"cpu.{key} is {wisdom['cpu'][key]!r}, /proc/cpuinfo says {value!r}")
        tuning = wisdom["tuning"]
        if tuning["prefetch_distance"] % 64 or tuning["prefetch_hint"] not in ("nta", "t0", "t1", "t2") \
                or not 0 <= tuning["spin_us"] <= 100000 or not isinstance(wisdom["weights_on_hugepages"], bool):
            sys.exit(f"tuning out of range: {tuning}")
        names = [p["parameter"] for p in wisdom["measurements"]["parameters"]]
        if "prefetch_distance" not in names:
            sys.exit(f"prefetch_distance not measured: {names}")
        if stat.S_IMODE(os.stat(path).st_mode) != 0o644:
            sys.exit(f"mode {oct(os.stat(path).st_mode)}, expected 0644")
        if "prefetch_distance:" not in run.stderr:
            sys.exit(f"no progress lines on stderr:\n{run.stderr}")
        check_default_scores_one(wisdom, "--quick")
        one_thread = os.path.join(directory, "one-thread.json")
        subprocess.run([cktune, "kernels", "--quick", "--threads", "1", "--output", one_thread],
                       capture_output=True, text=True, check=True)
        check_default_scores_one(json.load(open(one_thread)), "--quick --threads 1")

        start = time.monotonic()
        again = subprocess.run([cktune, "kernels", "--quick", "--if-stale", "--output", path], capture_output=True,
                               text=True, check=True)
        seconds = time.monotonic() - start
        if "is current" not in again.stdout or seconds > 2 or open(path).read() != text:
            sys.exit(f"--if-stale measured again ({seconds:.1f} s): {again.stdout}{again.stderr}")

        limited = os.path.join(directory, "limited.json")
        start = time.monotonic()
        subprocess.run([cktune, "kernels", "--quick", "--time-limit", "1", "--output", limited],
                       capture_output=True, text=True, check=True)
        seconds = time.monotonic() - start
        cut = json.load(open(limited))
        measured = {p["parameter"] for p in cut["measurements"]["parameters"]}
        note = cut["measurements"]["note"]
        skipped = note.removeprefix("time limit reached: ").removesuffix(" not measured, the defaults kept")
        skipped = set(skipped.split(", ")) if note else set()
        if note and not note.startswith("time limit reached: ") or skipped & measured:
            sys.exit(f"--time-limit 1: note {note!r}, measured {sorted(measured)}")
        if seconds > 15:
            sys.exit(f"--time-limit 1 took {seconds:.1f} s")
    print(f"cktune kernels --quick: {wisdom['measurements']['seconds']} s, {tuning}; --if-stale at once; "
          f"--time-limit 1: {seconds:.1f} s, {len(skipped)} parameters left at their defaults")


main()
