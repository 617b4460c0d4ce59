#!/usr/bin/env bash
# The push endpoints' direct body reader against their general (jansson) path on a real cpsd:
# starts $CPS_BUILD/cpsd on a fresh development chain and runs tests/api/push_body.js, which sends
# each transaction in the plain form and in an equivalent form the direct reader leaves to the
# general path, and requires the same answers.
set -u
source "$(dirname "$0")/../../tests/lib/cpsd_js.sh"
cpsd_js_run push_body tests/api/push_body.js push_body "contracts/eosio.token.wasm"
