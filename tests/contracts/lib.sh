# Shared helpers of tests/contracts/*.test.sh (sourced). Scripts run from the repository root with
# CPS_BUILD set to the build directory (tests/run.sh); each prints "N passed, N failed" last.
CPS_BUILD=${CPS_BUILD:-build}
CONTRACTS_OUT=$CPS_BUILD/contracts
LIST=contracts/sdk/intrinsics.list
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# Runs a checker that prints PASS/FAIL lines and a "N passed, N failed" summary; adds its counts.
# A checker that dies without a summary counts as one failure.
run_checker() {
  local out line p f
  out=$("$@" 2>&1)
  echo "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [[ -z $line ]]; then
    fail "$* (no summary; it crashed?)"
    return
  fi
  p=${line%% passed*}
  f=${line#*, }
  f=${f%% failed*}
  passed=$((passed + p))
  failed=$((failed + f))
}

# Contract sources that must each produce a .wasm.
contract_names() {
  local d
  for d in contracts/*/; do
    d=${d%/}
    d=${d#contracts/}
    [[ $d == sdk || $d == test ]] && continue
    compgen -G "contracts/$d/*.c" >/dev/null && echo "$d"
  done
}
test_contract_names() {
  local f
  for f in contracts/test/*.c; do
    [[ -e $f ]] || continue
    f=${f##*/}
    echo "${f%.c}"
  done
}

summary() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
