#!/usr/bin/env bash
# get_producers before and after the system contract against a real cpsd: starts $CPS_BUILD/cpsd
# on a fresh development chain at a free port, runs tests/api/producers.js (which boots the
# system contract with three producers), then stops the node with SIGINT and checks its exit.
set -u
source "$(dirname "$0")/../../tests/lib/cpsd_js.sh"
cpsd_js_run producers tests/api/producers.js eosjs "contracts/eosio.system.wasm"
