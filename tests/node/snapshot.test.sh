#!/usr/bin/env bash
# cpsd snapshots: --write-snapshot FILE writes the state at the head of a stopped node; a new node
# started with --snapshot FILE on an empty data directory has the same head and state hash, goes on
# producing, and reopens without the snapshot; --snapshot into a used directory and a damaged
# snapshot file are refused with a clear error.
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
export NODE_PATH=$PWD/node_modules
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
[[ -x $build/cpsd ]] || { echo "missing $build/cpsd"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

start() { # data-dir, extra args...
  local dir=$1; shift
  : >"$tmp/out"
  "$build/cpsd" --data-dir "$dir" --http-server-address 127.0.0.1:0 --enable-stale-production \
    "$@" >"$tmp/out" 2>>"$tmp/err" &
  pid=$!
  for _ in $(seq 1 400); do
    port=$(sed -n 's/^cpsd listening on port //p' "$tmp/out")
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
stop() { kill -INT "$pid"; wait "$pid"; local rc=$?; pid=; return $rc; }
head_num() { curl -s -m 10 -d '{}' "http://127.0.0.1:$port/v1/chain/get_info" | sed -nE 's/.*"head_block_num":([0-9]+).*/\1/p'; }

# A chain with a contract and balances in its state.
start "$tmp/a" || { cat "$tmp/err"; echo "0 passed, 1 failed"; exit 1; }
if node scripts/boot.js "http://127.0.0.1:$port" "$build" >"$tmp/boot" 2>&1; then ok "boot on the source chain"
else bad "boot on the source chain: $(tail -3 "$tmp/boot")"; fi
stop || bad "source node did not stop cleanly"
want=$("$build/cpsd" --data-dir "$tmp/a" --print-state-hash 2>>"$tmp/err")
if out=$("$build/cpsd" --data-dir "$tmp/a" --write-snapshot "$tmp/snap.bin" 2>>"$tmp/err") && [[ -s $tmp/snap.bin ]]; then
  ok "--write-snapshot wrote the head ($out)"
else
  bad "--write-snapshot failed: $(tail -2 "$tmp/err")"
fi

got=$("$build/cpsd" --data-dir "$tmp/b" --snapshot "$tmp/snap.bin" --print-state-hash 2>>"$tmp/err")
if [[ -n $want && $got == "$want" ]]; then ok "a node started from the snapshot has the same head and state ($got)"
else bad "snapshot start: want '$want', got '$got'"; fi

if start "$tmp/b"; then
  h0=$(head_num)
  sleep 1.5
  h1=$(head_num)
  bal=$(curl -s -m 10 -d '{"code":"eosio.token","account":"eosio","symbol":"CPS"}' "http://127.0.0.1:$port/v1/chain/get_currency_balance")
  if [[ -n $h0 && -n $h1 && $h1 -gt $h0 ]]; then ok "the restored node reopens without --snapshot and produces ($h0 -> $h1)"
  else bad "restored node does not produce ($h0 -> $h1)"; fi
  if [[ $bal == *'"'*CPS'"'* ]]; then ok "the restored node serves the token balance $bal"; else bad "balance after restore: $bal"; fi
  stop || bad "restored node did not stop cleanly"
else
  bad "restored node did not start: $(tail -3 "$tmp/err")"
fi

if "$build/cpsd" --data-dir "$tmp/a" --snapshot "$tmp/snap.bin" --print-state-hash >/dev/null 2>"$tmp/used"; then
  bad "--snapshot into a used data dir was accepted"
elif grep -q 'already holds a chain' "$tmp/used"; then ok "--snapshot into a used data dir is refused"
else bad "--snapshot into a used data dir: unclear error: $(cat "$tmp/used")"; fi

head -c $(( $(stat -c %s "$tmp/snap.bin") / 2 )) "$tmp/snap.bin" >"$tmp/cut.bin"
if "$build/cpsd" --data-dir "$tmp/c" --snapshot "$tmp/cut.bin" --print-state-hash >/dev/null 2>"$tmp/cut"; then
  bad "a truncated snapshot was accepted"
elif grep -q -- '--snapshot' "$tmp/cut"; then ok "a truncated snapshot is refused: $(tail -1 "$tmp/cut")"
else bad "truncated snapshot: unclear error: $(cat "$tmp/cut")"; fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
