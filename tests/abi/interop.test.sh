#!/usr/bin/env bash
# Cross-implementation test of the abi module: random values of every built-in ABI type, composite
# types, ABI binaries and transactions made by @wharfkit/antelope and eosjs must convert through
# CPS (tests/abi/abi_driver) to byte-identical binary and to JSON denoting the same value.
# INTEROP_COUNT (default 1000) values per group; INTEROP_SEED fixes the random values.
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
driver=$build/tests/abi/abi_driver
if [[ ! -x $driver ]]; then
  echo "interop: $driver is missing (make test-one builds it)"
  echo "0 passed, 1 failed"
  exit 1
fi
if ! command -v node >/dev/null || [[ ! -d node_modules/@wharfkit/antelope || ! -d node_modules/eosjs ]]; then
  echo "interop: node and the npm packages (scripts/deps.sh) are required"
  echo "0 passed, 1 failed"
  exit 1
fi
exec node tests/abi/interop.mjs "$driver"
