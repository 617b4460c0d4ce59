#!/usr/bin/env bash
# API load figures (make bench): starts $CPS_BUILD/cpsd on a fresh
# development chain at a free port, runs bench/api_chain/chain_bench.js, then stops the node with SIGINT
# and checks it exits cleanly.
set -u
source "$(dirname "$0")/../../tests/lib/cpsd_js.sh"
cpsd_js_run bench bench/api_chain/chain_bench.js bench "contracts/eosio.token.wasm"
