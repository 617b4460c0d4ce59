#!/usr/bin/env bash
# cpsd snapshots: --write-snapshot FILE writes the state at the head of a stopped node; a new node
# started with --snapshot FILE on an empty data directory has the same head and state hash, goes on
# producing, and reopens without the snapshot; --snapshot into a used directory and a damaged
# snapshot file are refused with a clear error. Nodes run through tests/lib/cpsd_nodes.sh (the
# node "a" is the source chain, "b" the one restored from the snapshot); the one-shot runs
# (--write-snapshot, --snapshot with --print-state-hash) use those nodes' data dirs directly.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init snapshot
snap=$CPSD_TMP/snap.bin
mkdir -p "$CPSD_TMP/b" "$CPSD_TMP/c"

# A chain with a contract and balances in its state.
cpsd_node_start a --enable-stale-production || { bad "the source node did not start"; finish; }
if node scripts/boot.js "$(cpsd_url a)" "$CPSD_BUILD" >"$CPSD_TMP/boot" 2>&1; then ok "boot on the source chain"
else bad "boot on the source chain: $(tail -3 "$CPSD_TMP/boot")"; fi
cpsd_node_stop a || bad "source node did not stop cleanly"
want=$(cpsd_state_hash a)
if out=$("$CPSD_BUILD/cpsd" --data-dir "$CPSD_TMP/a/data" --write-snapshot "$snap" 2>>"$CPSD_TMP/write.err") && [[ -s $snap ]]; then
  ok "--write-snapshot wrote the head ($out)"
else
  bad "--write-snapshot failed: $(tail -2 "$CPSD_TMP/write.err")"
fi

got=$("$CPSD_BUILD/cpsd" --data-dir "$CPSD_TMP/b/data" --snapshot "$snap" --print-state-hash 2>>"$CPSD_TMP/b/err")
if [[ -n $want && $got == "$want" ]]; then ok "a node started from the snapshot has the same head and state ($got)"
else bad "snapshot start: want '$want', got '$got' $(tail -2 "$CPSD_TMP/b/err")"; fi

# The restored node reopens without --snapshot and produces: its head moves on (polled, up to 30 s).
if cpsd_node_start b --enable-stale-production; then
  h0=$(cpsd_head b)
  cpsd_wait 30 cpsd_head_at_least b $((${h0:-0} + 1))
  h1=$(cpsd_head b)
  bal=$(cpsd_post b get_currency_balance '{"code":"eosio.token","account":"eosio","symbol":"CPS"}')
  if [[ -n $h0 && -n $h1 && $h1 -gt $h0 ]]; then ok "the restored node reopens without --snapshot and produces ($h0 -> $h1)"
  else bad "restored node does not produce ($h0 -> $h1)"; fi
  if [[ $bal == *'"'*CPS'"'* ]]; then ok "the restored node serves the token balance $bal"; else bad "balance after restore: $bal"; fi
  cpsd_node_stop b || bad "restored node did not stop cleanly"
else
  bad "restored node did not start"
fi

if "$CPSD_BUILD/cpsd" --data-dir "$CPSD_TMP/a/data" --snapshot "$snap" --print-state-hash >/dev/null 2>"$CPSD_TMP/used"; then
  bad "--snapshot into a used data dir was accepted"
elif grep -q 'already holds a chain' "$CPSD_TMP/used"; then ok "--snapshot into a used data dir is refused"
else bad "--snapshot into a used data dir: unclear error: $(cat "$CPSD_TMP/used")"; fi

head -c $(( $(stat -c %s "$snap") / 2 )) "$snap" >"$CPSD_TMP/cut.bin"
if "$CPSD_BUILD/cpsd" --data-dir "$CPSD_TMP/c/data" --snapshot "$CPSD_TMP/cut.bin" --print-state-hash >/dev/null 2>"$CPSD_TMP/cut"; then
  bad "a truncated snapshot was accepted"
elif grep -q -- '--snapshot' "$CPSD_TMP/cut"; then ok "a truncated snapshot is refused: $(tail -1 "$CPSD_TMP/cut")"
else bad "truncated snapshot: unclear error: $(cat "$CPSD_TMP/cut")"; fi

finish
