#!/usr/bin/env bash
# Runs each libFuzzer target for the given number of seconds with its own corpus directory
# (tests/fuzz/corpus/<target>, not committed) and its seeds (tests/fuzz/seeds/<target>, committed),
# then prints the executions each one made. A crash stops the run with the fuzzer's report.
set -eu
# ASan returning memory to the OS can stall a loaded machine past the time-out; keep it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_release_to_os_interval_ms=-1}
secs=$1; shift
cd "$(dirname "$0")/../.."
for bin in "$@"; do
  name=$(basename "$bin")
  corpus=tests/fuzz/corpus/$name
  mkdir -p "$corpus"
  seeds=()
  [[ -d tests/fuzz/seeds/$name ]] && seeds=("tests/fuzz/seeds/$name")
  log=${FUZZ_DIR:-build/fuzz}/$name.log
  echo "fuzz $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="${FUZZ_DIR:-build/fuzz}/$name-" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz $name: FAILED (log: $log)"
    exit 1
  fi
  execs=$(grep -E 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  echo "fuzz $name: ok, $execs executions in ${secs}s"
done
