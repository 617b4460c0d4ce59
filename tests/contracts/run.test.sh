#!/usr/bin/env bash
# Runs the contracts in the mock EOSIO host (tests/contracts/eosio_host.js): eosio.token against
# the reference contract's scenarios and messages, hello, the SDK self-test and the intrinsic test
# contracts. Action data is packed from JSON with each contract's .abi.
set -u
cd "$(dirname "$0")/../.."
source tests/contracts/lib.sh

for t in tests/contracts/*_test.js; do
  run_checker node "$t" "$CPS_BUILD"
done

summary
