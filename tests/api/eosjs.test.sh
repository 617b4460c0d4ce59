#!/usr/bin/env bash
# eosjs 22 (node_modules) against a real CPS API server: starts $CPS_BUILD/tests/api/api_interop
# (built by `make test-one` through src/api/api.mk) with CORS on, runs tests/api/eosjs.js against
# it, stops the server with SIGTERM (graceful stop) and checks that it exits cleanly.
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
tool=$build/tests/api/api_interop
export NODE_PATH=$PWD/node_modules

fail() { echo "eosjs: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
[[ -x $tool ]] || fail "missing $tool (make test-one MODULES=\"base api\" BUILD=$build)"
command -v node >/dev/null || fail "node is not installed"
[[ -d node_modules/eosjs ]] || fail "npm package eosjs missing (scripts/deps.sh)"

tmp=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$tool" --access-control-allow-origin '*' --access-control-allow-headers Content-Type \
  >"$tmp/port" 2>"$tmp/server.err" &
pid=$!
for _ in $(seq 1 100); do
  [[ -s $tmp/port ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
port=$(head -n 1 "$tmp/port")
[[ -n $port ]] || { cat "$tmp/server.err" >&2; fail "the server did not start"; }

node tests/api/eosjs.js "$port" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/err" >&2
read -r p f < <(sed -nE 's/^eosjs: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$tmp/out") || { p=0; f=1; }
[[ $rc -ne 0 && $f -eq 0 ]] && f=1

kill -TERM "$pid"
wait "$pid"
src=$?
pid=
if [[ $src -eq 0 ]]; then p=$((p + 1)); else echo "server exited with $src" >&2; cat "$tmp/server.err" >&2; f=$((f + 1)); fi
echo "$p passed, $f failed"
[[ $f -eq 0 ]]
