#!/usr/bin/env bash
# eosjs 22 and @wharfkit/antelope against a real cpsd: starts $CPS_BUILD/cpsd on a fresh
# development chain at a free port, runs tests/e2e/eosjs_chain.js, then stops the node with SIGINT
# and checks it exits cleanly.
set -u
source "$(dirname "$0")/../../tests/lib/cpsd_js.sh"
cpsd_js_run e2e tests/e2e/eosjs_chain.js eosjs "contracts/eosio.token.wasm"
