#!/usr/bin/env bash
# Each contract's .abi matches its C sources (tests/contracts/abi_check.js): same structs with the
# same fields in the same order (the CPS_ABI_STRUCT field lists that generate the C (un)packing),
# same actions with the same argument structs, same tables with the same row structs. And the
# checker catches each kind of mismatch (tests/contracts/fixtures/abi/).
set -u
cd "$(dirname "$0")/../.."
source tests/contracts/lib.sh

for name in $(contract_names); do
  abi=contracts/$name/$name.abi
  if [[ ! -f $abi ]]; then fail "$abi exists"; continue; fi
  # Shared protocol structs (cps/protocol.h) the contract includes are offered to the checker.
  libs=()
  grep -q '#include "cps/protocol.h"' contracts/"$name"/*.[ch] && libs+=(+contracts/sdk/cps/protocol.h)
  run_checker node tests/contracts/abi_check.js "$abi" contracts/"$name"/*.[ch] "${libs[@]}"
done
for name in $(test_contract_names); do
  abi=contracts/test/$name.abi
  if [[ ! -f $abi ]]; then fail "$abi exists"; continue; fi
  run_checker node tests/contracts/abi_check.js "$abi" contracts/test/"$name".c
done

# The fixture contract matches good.abi; each bad_*.abi differs from it in one way.
fixtures=tests/contracts/fixtures/abi
if node tests/contracts/abi_check.js $fixtures/good.abi $fixtures/contract.c >/dev/null 2>&1; then
  pass "checker accepts $fixtures/good.abi"
else
  fail "checker rejects $fixtures/good.abi"
fi
for abi in $fixtures/bad_*.abi; do
  out=$(node tests/contracts/abi_check.js "$abi" $fixtures/contract.c 2>&1)
  if [[ $? -ne 0 ]] && grep -q '^FAIL' <<<"$out"; then pass "checker rejects $abi: $(grep '^FAIL' <<<"$out" | head -1 | cut -c1-120)"
  else fail "checker accepted $abi"; fi
done

summary
