#!/usr/bin/env python3
"""Runs ckrun teacher-forced on one llama.cpp greedy fixture and checks it against the reference.

The rule is the team's parity rule (../shared/README.md): identical prompt tokens; the top-1 token agrees
wherever the reference margin is >= 0.5; every reference top-5 logit agrees within max(0.35, 1% of it);
the reference token is among the candidate's listed tokens; the generated pieces are the reference bytes.

  check_fixture.py --ckrun PATH --fixture F.json --models DIR [--models DIR ...] --threads N
Exit 0 on pass, 1 on failure; prints one summary line and the first problems.
"""
import argparse
import json
import os
import subprocess
import sys

MARGIN, ABS_TOL, REL_TOL = 0.5, 0.35, 0.01

ap = argparse.ArgumentParser()
ap.add_argument("--ckrun", required=True)
ap.add_argument("--fixture", required=True)
ap.add_argument("--models", action="append", required=True)
ap.add_argument("--threads", type=int, default=1)
a = ap.parse_args()

ref = json.load(open(a.fixture, encoding="utf-8"))
name = os.path.basename(a.fixture)
model = next((os.path.join(d, ref["model"]) for d in a.models if os.path.exists(os.path.join(d, ref["model"]))), None)
if model is None:
    print(f"SKIP {name}: model {ref['model']} not found in {a.models}")
    sys.exit(77)

forced = ",".join(str(s["token"]) for s in ref["steps"])
cmd = [a.ckrun, "-m", model, "-p", ref["prompt"], "-n", str(len(ref["steps"])), "--temp", "0", "--json",
       "--top", "5", "--special", "-t", str(a.threads), "--force-tokens", forced]
run = subprocess.run(cmd, capture_output=True, text=True)
if run.returncode != 0:
    print(f"FAIL {name}: ckrun exited {run.returncode}: {run.stderr.strip()}")
    sys.exit(1)
cand = json.loads(run.stdout)

problems = []
if cand["prompt_tokens"] != ref["prompt_tokens"]:
    problems.append(f"prompt_tokens differ: ref {ref['prompt_tokens'][:12]} cand {cand['prompt_tokens'][:12]}")
if len(cand["steps"]) != len(ref["steps"]):
    problems.append(f"candidate has {len(cand['steps'])} steps, reference {len(ref['steps'])}")
worst = 0.0
for i, (r, c) in enumerate(zip(ref["steps"], cand["steps"])):
    ctop = {t: l for t, l in c["top"]}
    best = c["top"][0][0]
    if r["margin"] >= MARGIN and best != r["token"]:
        problems.append(f"step {i}: top-1 {best} != reference {r['token']} (reference margin {r['margin']:.3f})")
    if r["token"] not in ctop:
        problems.append(f"step {i}: reference token {r['token']} not in candidate top list")
    if c["piece_hex"] != r["piece_hex"]:
        problems.append(f"step {i}: piece {c['piece_hex']} != reference {r['piece_hex']}")
    for t, l in r["top"]:
        if t in ctop:
            tol = max(ABS_TOL, REL_TOL * abs(l))
            worst = max(worst, abs(ctop[t] - l) / tol)
            if abs(ctop[t] - l) > tol:
                problems.append(f"step {i}: logit of {t} is {ctop[t]:.4f}, reference {l:.4f} (tolerance {tol:.3f})")
if problems:
    print(f"FAIL {name} ({a.threads} threads): {len(problems)} problems; " + " | ".join(problems[:4]))
    sys.exit(1)
print(f"PASS {name} ({a.threads} threads): {len(ref['steps'])} steps, worst logit diff {worst:.2f} of tolerance")
