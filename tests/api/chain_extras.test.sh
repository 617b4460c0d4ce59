#!/usr/bin/env bash
# compute_transaction, get_required_keys with linkauth and --max-transaction-time against a real
# cpsd: starts $CPS_BUILD/cpsd (--max-transaction-time 5) on a fresh development chain at a free
# port, runs tests/api/chain_extras.js, then stops the node with SIGINT and checks it exits cleanly.
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
export NODE_PATH=$PWD/node_modules
fail() { echo "chain_extras: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
[[ -x $build/cpsd ]] || fail "missing $build/cpsd"
[[ -f $build/contracts/eosio.token.wasm ]] || fail "missing $build/contracts/eosio.token.wasm"
[[ -f $build/tests/chain/wat/probe.wasm ]] || fail "missing $build/tests/chain/wat/probe.wasm"
command -v node >/dev/null || fail "node is not installed"
tmp=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$build/cpsd" --data-dir "$tmp/data" --http-server-address 127.0.0.1:0 --max-transaction-time 5 >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/^cpsd listening on port //p' "$tmp/out")
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
[[ -n $port ]] || { cat "$tmp/err" >&2; fail "cpsd did not start"; }
timeout 300 node tests/api/chain_extras.js "http://127.0.0.1:$port" "$build" >"$tmp/js" 2>&1
rc=$?
cat "$tmp/js"
read -r p f < <(sed -nE 's/^eosjs: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$tmp/js") || { p=0; f=1; }
[[ $rc -ne 0 && $f -eq 0 ]] && f=1
kill -INT "$pid"
wait "$pid"
src=$?
pid=
if [[ $src -eq 0 ]]; then p=$((p + 1)); else echo "cpsd exited with $src" >&2; tail -20 "$tmp/err" >&2; f=$((f + 1)); fi
echo "$p passed, $f failed"
[[ $f -eq 0 ]]
