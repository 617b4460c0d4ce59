#!/usr/bin/env bash
# compute_transaction, get_required_keys with linkauth and --max-transaction-time against a real
# cpsd: starts $CPS_BUILD/cpsd (--max-transaction-time 5) on a fresh development chain at a free
# port, runs tests/api/chain_extras.js, then stops the node with SIGINT and checks it exits cleanly.
set -u
source "$(dirname "$0")/../../tests/lib/cpsd_js.sh"
cpsd_js_run chain_extras tests/api/chain_extras.js eosjs "contracts/eosio.token.wasm tests/chain/wat/probe.wasm" --max-transaction-time 5
