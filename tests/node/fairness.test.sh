#!/usr/bin/env bash
# The transaction queue (issue 8): full blocks queue transactions instead of refusing them, and
# one account flooding the node cannot starve another (round-robin by first authorizer). A
# chain with small blocks (10 ms of CPU, 100 µs minimum billing: ~100 transfers per block) makes
# a flood of 400 transfers span several blocks.
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
export NODE_PATH=$PWD/node_modules
[[ -x $build/cpsd ]] || { echo "missing $build/cpsd"; echo "0 passed, 1 failed"; exit 1; }
[[ -f $build/contracts/eosio.token.wasm ]] || { echo "missing contracts in $build"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cat >"$tmp/genesis.json" <<'JSON'
{"initial_key": "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV",
 "initial_configuration": {"max_block_cpu_usage": 10000, "max_transaction_cpu_usage": 9000,
                           "min_transaction_cpu_usage": 100}}
JSON
"$build/cpsd" --data-dir "$tmp/data" --genesis-json "$tmp/genesis.json" --genesis-timestamp now \
  --http-server-address 127.0.0.1:0 --enable-stale-production >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 1 400); do
  port=$(sed -n 's/^cpsd listening on port //p' "$tmp/out")
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
if [[ -z $port ]]; then
  echo "cpsd did not start:"; tail -5 "$tmp/err"; echo "0 passed, 1 failed"; exit 1
fi
flood=400
[[ $build == *asan* ]] && flood=250
node tests/node/fairness.js "http://127.0.0.1:$port" "$build" "$flood" | tee "$tmp/result"
rc=${PIPESTATUS[0]}
if ! kill -0 "$pid" 2>/dev/null; then
  echo "FAIL cpsd died:"; tail -20 "$tmp/err"; echo "0 passed, 1 failed"; exit 1
fi
# A clean stop: exit 0 and no sanitizer report (queues, traces and answers all freed).
kill "$pid"; wait "$pid"; stop=$?; pid=
if [[ $stop -ne 0 ]] || grep -qE 'Sanitizer|runtime error' "$tmp/err"; then
  echo "FAIL cpsd stopped with $stop:"; grep -A15 -E 'Sanitizer|runtime error' "$tmp/err" | head -40
  rc=1
else
  echo "ok   cpsd stops cleanly"
fi
p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$tmp/result")
f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$tmp/result")
[[ $rc -ne 0 && ${f:-0} -eq 0 ]] && f=1
[[ $stop -eq 0 && $rc -eq 0 ]] && p=$((${p:-0} + 1))
echo "${p:-0} passed, ${f:-1} failed"
[[ $rc -eq 0 ]]
