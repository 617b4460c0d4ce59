#!/usr/bin/env bash
# The system contracts on a running cpsd: starts a fresh node and runs tests/node/system_e2e.js
# (boot with scripts/boot.js, then the system actions, msig through eosio.wrap, cps.recover).
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
export NODE_PATH=$PWD/node_modules
[[ -x $build/cpsd && -f $build/contracts/eosio.system.wasm ]] || { echo "missing $build/cpsd or contracts"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$build/cpsd" --data-dir "$tmp/data" --http-server-address 127.0.0.1:0 --enable-stale-production >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 1 400); do
  port=$(sed -n 's/^cpsd listening on port //p' "$tmp/out")
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
[[ -n $port ]] || { tail -5 "$tmp/err"; echo "0 passed, 1 failed"; exit 1; }
out=$(node tests/node/system_e2e.js "http://127.0.0.1:$port" "$build" 2>&1)
echo "$out"
last=$(tail -n 1 <<<"$out")
[[ $last =~ ^[0-9]+\ passed,\ 0\ failed$ ]]
