#!/usr/bin/env bash
# ckbench and llama-bench side by side, in rounds: per round and model, both engines on the same file,
# threads and sizes, one right after the other (A B A B ...), so both see the same machine. A shared host's
# bandwidth drifts by 2x within minutes, so only runs this close together compare, and only a median over
# several rounds says anything. Which engine goes first alternates by round (odd rounds ckbench first, even
# rounds llama-bench first): the first run of a pair can meet a warmer or cooler machine (caches, turbo,
# a neighbour's burst), and neither engine should always get that slot.
#
# Before the rounds it records the host in OUT_DIR/host.json (CPU and microcode, kernel, commits, the exact
# commands, the limits ../shared/tools/peak.c measures), so a table can always be traced to its machine.
# Then scripts/compare-bench.py prints the table of ratios, their median and spread over the rounds, and
# ckernel's shares of the limits ckbench measured just before each run.
#
#   LLAMA_BENCH=/path/to/llama-bench scripts/bench-side-by-side.sh OUT_DIR MODEL.gguf [MODEL.gguf ...]
# Environment: LLAMA_BENCH (required), CKBENCH (build/tools/ckbench/ckbench), ROUNDS (5, at least 5 unless
# ALLOW_FEW_ROUNDS=1, for smoke tests), THREADS (1,2), PROMPT (128), GEN (64), REPS (3), SHARED (../shared).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
me=bench-side-by-side.sh
die() { echo "$me: $*" >&2; exit 2; }

[ $# -ge 2 ] || die "usage: $me OUT_DIR MODEL.gguf [MODEL.gguf ...]"
out=$1
shift
ckbench=${CKBENCH:-$root/build/tools/ckbench/ckbench}
llama_bench=${LLAMA_BENCH:-}
[ -n "$llama_bench" ] || die "set LLAMA_BENCH to a llama-bench binary built beside the project"
rounds=${ROUNDS:-5}
threads=${THREADS:-1,2}
prompt=${PROMPT:-128}
gen=${GEN:-64}
reps=${REPS:-3}
shared=${SHARED:-$root/../shared}

for knob in "ROUNDS=$rounds" "PROMPT=$prompt" "GEN=$gen" "REPS=$reps"; do
  [[ ${knob#*=} =~ ^[1-9][0-9]*$ ]] || die "${knob%%=*} must be a positive whole number, not '${knob#*=}'"
done
[[ $threads =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "THREADS must be a comma-separated list like 1,2, not '$threads'"
if [ "$rounds" -lt 5 ] && [ "${ALLOW_FEW_ROUNDS:-0}" != 1 ]; then
  die "ROUNDS=$rounds is too few: this host's bandwidth drifts by 2x within minutes, so a single pair of runs" \
      "can be off by that much and only the median over at least 5 rounds compares the engines" \
      "(ALLOW_FEW_ROUNDS=1 allows fewer, for smoke tests only)"
fi
[ -x "$ckbench" ] || die "no ckbench at $ckbench (build it: scripts/build.sh, or set CKBENCH)"
[ -x "$llama_bench" ] || die "LLAMA_BENCH=$llama_bench is not an executable"
declare -A seen=()
for model in "$@"; do
  [ -f "$model" ] || die "no model file $model"
  name=$(basename "$model" .gguf)
  # Round files are named by the model's base name: two models of one name would overwrite each other.
  [ -z "${seen[$name]:-}" ] || die "two models named $name; give files with distinct names"
  seen[$name]=1
done
command -v python3 >/dev/null || die "python3 is needed (host.json and scripts/compare-bench.py)"

# Rounds from an earlier run would be mixed into this one's medians (and host.json would describe only one).
if compgen -G "$out/[0-9]*-ckbench-*.json" >/dev/null || compgen -G "$out/[0-9]*-llama-bench-*.json" >/dev/null ||
   [ -e "$out/host.json" ]; then
  die "$out already holds rounds or a host.json; give a new directory"
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The exact commands, per model, as run below; both engines get the same threads, sizes and repetitions.
ckbench_cmd() { cmd=("$ckbench" -m "$1" -t "$threads" -p "$prompt" -n "$gen" -r "$reps" --json); }
llama_cmd() { cmd=("$llama_bench" -m "$1" -t "$threads" -p "$prompt" -n "$gen" -r "$reps" -o json); }
commands=()
for model in "$@"; do
  for engine in ckbench llama; do
    "${engine}_cmd" "$model"
    printf -v line '%q ' "${cmd[@]}"
    commands+=("${line% }")
  done
done

# The machine's limits, measured by the team's shared probe right before the rounds. ckbench measures its
# own per run (they are in its JSON); this one is what the rest of the team's numbers are quoted against.
max_threads=$(tr , '\n' <<<"$threads" | sort -n | tail -n 1)
if [ -f "$shared/tools/peak.c" ]; then
  echo "measuring the host's limits with $shared/tools/peak.c ($max_threads threads)" >&2
  if gcc -O2 -march=native -pthread "$shared/tools/peak.c" -o "$tmp/peak" 2>"$tmp/peak.err"; then
    "$tmp/peak" "$max_threads" >"$tmp/peak.out" 2>&1 || echo "(peak.c exited with status $?)" >>"$tmp/peak.out"
  else
    # Not fatal: ckbench's own limits are in every round's JSON.
    { echo "not measured: $shared/tools/peak.c did not compile:"; head -n 5 "$tmp/peak.err"; } >"$tmp/peak.out"
  fi
else
  echo "not measured: no $shared/tools/peak.c (set SHARED to the team's shared directory)" >"$tmp/peak.out"
fi

# llama-bench builds before b4800 or so have no --version (they print an error and the usage); its first
# lines are kept either way, and every round's JSON names the build (build_commit, build_number).
llama_version=$("$llama_bench" --version 2>&1 | head -n 5) || true
ckernel_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")

python3 - "$out/host.json" "$tmp/peak.out" "$ckernel_commit" "$llama_version" "$llama_bench" \
  "$rounds" "$threads" "$prompt" "$gen" "$reps" "$root" "${commands[@]}" <<'PY'
import datetime, hashlib, json, os, sys
path, peak_file, commit, llama_version, llama_bench, rounds, threads, prompt, gen, reps, root, *commands = sys.argv[1:]


def relative(text):
    """Paths of this machine as the checkout sees them (the record is committed; the machine is not)."""
    return text.replace(root + "/", "").replace(os.path.dirname(root) + "/", "../")


cpu = {}
with open("/proc/cpuinfo") as f:
    for line in f:
        if not line.strip():
            break  # the first processor describes them all
        key, _, value = line.partition(":")
        cpu[key.strip()] = value.strip()
with open(llama_bench, "rb") as f:
    llama_sha256 = hashlib.sha256(f.read()).hexdigest()
host = {
    "cpu_model_name": cpu.get("model name", "unknown"),
    "cpu_vendor": cpu.get("vendor_id", "unknown"),
    "cpu_family": cpu.get("cpu family", "unknown"),
    "cpu_model": cpu.get("model", "unknown"),
    "cpu_stepping": cpu.get("stepping", "unknown"),
    "microcode": cpu.get("microcode", "not reported"),
    "logical_cpus": os.cpu_count(),
    "kernel_release": os.uname().release,
    "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "ckernel_commit": commit,
    "llama_bench_version": [relative(line) for line in llama_version.splitlines()],
    "llama_bench_sha256": llama_sha256,
    "rounds": int(rounds),
    "order": "A B per round and model; odd rounds ckbench first, even rounds llama-bench first",
    "threads": threads, "prompt": int(prompt), "gen": int(gen), "repetitions": int(reps),
    "commands": [relative(command) for command in commands],
    "peak_c": [relative(line) for line in open(peak_file).read().splitlines()],
}
with open(path, "w") as f:
    json.dump(host, f, indent=1)
    f.write("\n")
PY

run() {  # run ENGINE MODEL ROUND: one engine's run, written to its round file only when it completed
  local engine=$1 model=$2 round=$3 name file
  name=$(basename "$model" .gguf)
  "${engine}_cmd" "$model"
  if [ "$engine" = ckbench ]; then
    file=$out/$round-ckbench-$name.json
    "${cmd[@]}" >"$file.part"
  else
    file=$out/$round-llama-bench-$name.json
    # llama-bench logs the model load on stderr; kept beside the JSON rather than thrown away.
    "${cmd[@]}" >"$file.part" 2>"$out/$round-llama-bench-$name.log" ||
      { echo "$me: llama-bench failed, see $out/$round-llama-bench-$name.log" >&2; exit 1; }
  fi
  mv "$file.part" "$file"
}

for round in $(seq "$rounds"); do
  if ((round % 2)); then order=(ckbench llama); else order=(llama ckbench); fi
  for model in "$@"; do
    echo "round $round/$rounds: $(basename "$model" .gguf), ${order[0]/llama/llama-bench} first" \
         "(load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    for engine in "${order[@]}"; do run "$engine" "$model" "$round"; done
  done
done
"$root/scripts/compare-bench.py" "$out"
