#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in FUZZ_BUILD_DIR (default build-fuzz/) and runs
# each for a bounded time; fails when a fuzzer finds a crash, leak, timeout or sanitizer report.
#   scripts/fuzz.sh [seconds per fuzzer, default 60] [fuzzer names, default: gguf_fuzzer tokenizer_fuzzer
#   json_fuzzer wisdom_fuzzer state_fuzzer]
# Crashing inputs land in $FUZZ_BUILD_DIR/artifacts/; the corpus grows in $FUZZ_BUILD_DIR/corpus/ and is
# reused by the next run. Inputs saved under tests/fuzz/regressions/<fuzzer>/ are replayed first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${1:-60}
shift || true
fuzzers=("$@")
((${#fuzzers[@]})) || fuzzers=(gguf_fuzzer tokenizer_fuzzer json_fuzzer wisdom_fuzzer state_fuzzer)
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz: seconds must be a whole number, not '$seconds'" >&2; exit 2; }

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCKERNEL_FUZZ=ON -DCKERNEL_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target make_seeds "${fuzzers[@]}"

seeds=$build/seeds
"$build/tests/fuzz/make_seeds" "$seeds/gguf_fuzzer" "$seeds/tokenizer_fuzzer" "$root/tests/data/fixtures/tokenizer" \
  "$seeds/json_fuzzer" "$seeds/wisdom_fuzzer" "$seeds/state_fuzzer"

# UBSan reports are fatal (the build recovers from them by default); leaks are reported by ASan.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
declare -A max_len=([gguf_fuzzer]=65536 [tokenizer_fuzzer]=2048 [json_fuzzer]=8192 [wisdom_fuzzer]=8192
  [state_fuzzer]=8192)

failed=()
for f in "${fuzzers[@]}"; do
  exe=$build/tests/fuzz/$f
  corpus=$build/corpus/$f
  artifacts=$build/artifacts/$f/
  mkdir -p "$corpus" "$artifacts"
  regressions=$root/tests/fuzz/regressions/$f
  if [[ -d $regressions ]] && compgen -G "$regressions/*" >/dev/null; then
    echo "== $f: replaying $(ls "$regressions" | wc -l) saved regression inputs"
    if ! "$exe" -runs=0 "$regressions"/* >"$build/$f.regressions.log" 2>&1; then
      echo "fuzz: $f fails on a saved regression input; see $build/$f.regressions.log" >&2
      failed+=("$f (regressions)")
      continue
    fi
  fi
  echo "== $f: fuzzing for ${seconds}s"
  if "$exe" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len="${max_len[$f]:-65536}" \
      -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" "$seeds/$f" >"$build/$f.log" 2>&1; then
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^Done" "$build/$f.log" | sed "s/^/   /" || true
  else
    echo "fuzz: $f found a problem; log: $build/$f.log, inputs: $artifacts" >&2
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error|[a-z]+_fuzzer:)" "$build/$f.log" | head -5 >&2 || true
    failed+=("$f")
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crashes (${seconds}s each: ${fuzzers[*]})"
