#!/usr/bin/env bash
# Every contract (contracts/<name>/, contracts/test/<name>.c) was built to a .wasm that wabt's
# wasm-validate accepts with every post-MVP feature disabled (EOSIO nodes run WebAssembly 1.0),
# and has its .abi next to it in the build directory.
set -u
cd "$(dirname "$0")/../.."
source tests/contracts/lib.sh

MVP_ONLY=(--disable-mutable-globals --disable-saturating-float-to-int --disable-sign-extension
          --disable-simd --disable-multi-value --disable-bulk-memory --disable-reference-types)

check_built() { # wasm abi
  local wasm=$1 abi=$2 err
  if [[ ! -s $wasm ]]; then fail "$wasm exists (run make)"; return; fi
  pass "$wasm exists"
  if err=$(wasm-validate "${MVP_ONLY[@]}" "$wasm" 2>&1); then pass "$wasm: wasm-validate (MVP only)"
  else fail "$wasm: wasm-validate (MVP only): $err"; fi
  if [[ -s $abi ]]; then pass "$abi exists"; else fail "$abi exists"; fi
}

for name in $(contract_names); do
  check_built "$CONTRACTS_OUT/$name.wasm" "$CONTRACTS_OUT/$name.abi"
done
for name in $(test_contract_names); do
  check_built "$CONTRACTS_OUT/test/$name.wasm" "$CONTRACTS_OUT/test/$name.abi"
done
if [[ -n $(contract_names) ]]; then pass "found contracts: $(contract_names | tr '\n' ' ')"; else fail "no contract found"; fi

summary
