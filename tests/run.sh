#!/usr/bin/env bash
# Runs every test program and test script once per build directory given (e.g. build build/asan)
# and prints one summary line "N passed, N failed" over everything that ran.
# A program that exits non-zero without reporting a failed case (a crash, a sanitizer report,
# a time-out) counts as one failure. TEST_FILTER=substring limits the run to matching paths.
# tests/long/*.test.sh (minutes each) run only with TEST_LONG=1 (make test-long), and then alone.
set -u
cd "$(dirname "$0")/.."
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
TIMEOUT=${TEST_TIMEOUT:-900}
total_pass=0
total_fail=0
failed_names=()
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

run_one() { # label, command...
  local label=$1; shift
  local log="$logdir/$(echo "$label" | tr '/ ' '__').log"
  timeout -k 10 "$TIMEOUT" "$@" >"$log" 2>&1
  local rc=$?
  local line p=0 f=0
  line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [[ -n $line ]]; then
    p=$(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
    f=$(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/' <<<"$line")
  fi
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  total_pass=$((total_pass + p))
  total_fail=$((total_fail + f))
  if [[ $f -ne 0 ]]; then
    printf 'FAIL %-50s %4d passed, %d failed (exit %d)\n' "$label" "$p" "$f" "$rc"
    tail -n 40 "$log" | sed 's/^/    | /'
    failed_names+=("$label")
  else
    printf 'ok   %-50s %4d passed\n' "$label" "$p"
  fi
}

for dir in "$@"; do
  echo "== tests in $dir"
  while IFS= read -r bin; do
    [[ ${TEST_LONG:-0} == 1 ]] && continue
    rel=${bin#"$dir"/}
    [[ -n ${TEST_FILTER:-} && $rel != *"$TEST_FILTER"* ]] && continue
    run_one "$dir:$rel" "$bin"
  done < <(find "$dir/tests" -type f -perm -u+x -name 'test_*' 2>/dev/null | sort)
  while IFS= read -r script; do
    [[ -n ${TEST_FILTER:-} && $script != *"$TEST_FILTER"* ]] && continue
    run_one "$dir:$script" env CPS_BUILD="$dir" bash "$script"
  done < <(if [[ ${TEST_LONG:-0} == 1 ]]; then find tests/long -name '*.test.sh' 2>/dev/null
            else find tests -path tests/long -prune -o -name '*.test.sh' -print 2>/dev/null; fi | sort)
done

if ((${#failed_names[@]})); then
  echo "failed: ${failed_names[*]}"
fi
echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
