#!/usr/bin/env bash
# refused transactions through the API against a real cpsd: starts $CPS_BUILD/cpsd on a fresh
# development chain at a free port, runs tests/e2e/refused_trx.js, then stops the node with SIGINT
# and checks it exits cleanly.
set -u
source "$(dirname "$0")/../../tests/lib/cpsd_js.sh"
cpsd_js_run e2e tests/e2e/refused_trx.js eosjs "contracts/eosio.token.wasm"
