#!/usr/bin/env bash
# cpsd's P2P with real processes on loopback: one producer and followers from one genesis — a
# transaction pushed to a follower two hops from the producer lands in a block, a late node syncs
# from zero, a node killed with kill -9 catches up after a restart, a peer writing garbage is
# dropped while the chain goes on, and at the end every node has the same blocks and state hash.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init p2p
# Every node starts from one genesis (the development key, a fixed time: one chain id).
cpsd_genesis fixed
CPSD_COMMON_ARGS=(--p2p-max-nodes-per-host 8)
build=$CPSD_BUILD tmp=$CPSD_TMP
start() { local name=$1; shift; cpsd_node_start "$name" --agent-name "test-$name" "$@"; }
stop() { # name, signal: INT (the exit must be clean) or KILL
  if [[ ${2:-INT} == INT ]]; then cpsd_node_stop "$1"; else cpsd_node_kill "$1"; fi
}
post() { cpsd_post "$@"; }
head_of() { cpsd_head "$1"; }
block_id() { cpsd_block_id "$1" "$2"; }
wait_head() { cpsd_wait "$3" cpsd_head_at_least "$1" "$2"; } # name, at least, seconds
peer() { cpsd_peer "$1"; }

start prod --producer-name eosio --signature-provider "$CPSD_DEV_KEY" --enable-stale-production || finish
start f1 $(peer prod) || finish
start f2 $(peer f1) || finish
wait_head f2 5 15 && ok "followers follow the producer (f2 through f1)" || bad "f2 head $(head_of f2)"

# Transactions pushed to f2 travel f2 -> f1 -> prod; the answer waits for the block.
if node scripts/boot.js "$(cpsd_url f2)" "$build" >"$tmp/boot.out" 2>&1; then
  ok "boot (account, contract, token) through a follower two hops from the producer"
else bad "boot through f2: $(tail -3 "$tmp/boot.out")"; fi
read -r trx num traces first < <(node tests/node/p2p_transfer.js "$(cpsd_url f2)" hello 2>"$tmp/t.err")
if [[ -n ${num:-} && $num -gt 0 ]] && post prod get_block "{\"block_num_or_id\":$num}" | grep -q "$trx"; then
  ok "a transfer pushed to f2 is answered with its block ($num), which holds it on the producer"
else bad "transfer via f2: '${trx:-}' '${num:-}' $(cat "$tmp/t.err")"; fi
# its speculative traces: the transfer and the notified accounts, data decoded, each naming the
# block that holds it
if [[ ${traces:-0} -ge 2 && ${first:-} == eosio.token:transfer:hello:block ]]; then
  ok "f2's answer carries the action traces ($traces, first $first)"
else bad "f2's answer traces: '${traces:-}' '${first:-}'"; fi
# push_transactions through f2: each item forwarded; the answer, in order, once both transfers
# are in blocks; the overdrawn one answered in its place with the contract's error
read -r results inblocks refused nums ftraces < <(node tests/node/p2p_transfer.js "$(cpsd_url f2)" batch 2>"$tmp/pb.err")
if [[ ${results:-} == 3 && ${inblocks:-} == 2 && ${refused:-} == 1 && ${ftraces:-0} -ge 2 ]]; then
  ok "push_transactions through f2: 2 transfers answered from their blocks ($nums), the overdrawn one refused in place"
else bad "push_transactions via f2: '${results:-}' '${inblocks:-}' '${refused:-}' '${nums:-}' $(head -c 300 "$tmp/pb.err")"; fi
t0=$(date +%s)
if node tests/node/p2p_transfer.js "$(cpsd_url f2)" overdraw "9999999999999.0000 CPS" >"$tmp/o.out" 2>&1; then
  bad "an overdrawn transfer through f2 was accepted"
elif grep -q 'overdrawn balance' "$tmp/o.out" && [[ $(($(date +%s) - t0)) -lt 10 ]]; then
  ok "an overdrawn transfer pushed to f2 is refused at once with the contract's error"
else bad "overdrawn transfer via f2: $(cat "$tmp/o.out")"; fi
stats=$(post prod get_currency_stats '{"code":"eosio.token","symbol":"CPS"}')
[[ $stats == *'"supply":"'* ]] && ok "the producer's state has the token created through f2" || bad "stats: $stats"

# A node started later syncs from block 1 (from f1, by ranges).
wait_head prod 20 20 || bad "the producer did not reach block 20"
start late $(peer f1) || finish
target=$(head_of prod)
wait_head late "$target" 20 && ok "a late node synced from zero to $target" || bad "late node head $(head_of late) < $target"
grep -q 'syncing: head 1' "$tmp/late/err" && ok "the late node synced by range requests" || bad "no range sync in the late node's log"

# kill -9 and restart: the node catches up from where its data stopped.
stop f2 KILL
h=$(head_of prod)
wait_head prod $((h + 6)) 10 || true
start f2 $(peer f1) || finish
target=$(head_of prod)
wait_head f2 "$target" 20 && ok "f2 restarted after kill -9 caught up to $target" || bad "f2 head $(head_of f2) < $target"

# Hostile peers speaking the protocol: one claims a head it never serves (it would keep the
# producer from producing), one sends a well-formed block with made-up roots and signature.
out=$(node tests/node/p2p_hostile.js liar "${CPSD_P2P[prod]}" "${CPSD_HTTP[prod]}" 2>&1)
[[ $out == "dropped 9" ]] && ok "a peer claiming blocks it does not serve is dropped (timeout)" || bad "liar: $out"
grep -q 'sent none of the blocks it announced' "$tmp/prod/err" && ok "the producer says why it dropped the liar" || bad "no liar drop in the producer's log"
h=$(head_of prod)
wait_head prod $((h + 3)) 10 && ok "the producer produces again after the liar is gone" || bad "producer stuck at $(head_of prod)"
out=$(node tests/node/p2p_hostile.js badblock "${CPSD_P2P[f1]}" "${CPSD_HTTP[f1]}" 2>&1)
[[ $out == "dropped 6" ]] && ok "a peer sending an invalid block is dropped (invalid)" || bad "bad block: $out"
grep -q 'refused:' "$tmp/f1/err" && ok "f1 refused the block: $(grep -o 'refused: .*' "$tmp/f1/err" | head -1 | cut -c1-80)" || bad "no refusal in f1's log"

# A peer that writes garbage is dropped; the producer goes on and the followers follow.
exec 3<>"/dev/tcp/127.0.0.1/${CPSD_P2P[prod]}" && printf '\xff\xff\xff\x7f\x04garbage' >&3
sleep 0.3
exec 3>&- 3<&-
exec 3<>"/dev/tcp/127.0.0.1/${CPSD_P2P[f1]}" && printf '\x05\x00\x00\x00\x63\x00\x00\x00\x00' >&3
sleep 0.3
exec 3>&- 3<&-
grep -q '(malformed)' "$tmp/prod/err" && ok "the producer dropped the garbage peer as malformed" || bad "no malformed drop in the producer's log"
grep -q '(malformed)' "$tmp/f1/err" && ok "f1 dropped the peer sending an unknown message type" || bad "no malformed drop in f1's log"
h=$(head_of prod)
wait_head f2 $((h + 4)) 10 && ok "after the garbage the chain goes on (f2 at $(head_of f2))" || bad "stalled after garbage"

# Same blocks everywhere: block ids at one height, then the state hashes at one final head.
h=$(head_of f2)
ids=$(for n in prod f1 f2 late; do block_id "$n" "$h"; done | sort -u | wc -l)
[[ $ids == 1 ]] && ok "all four nodes have the same block $h" || bad "block $h differs: $(for n in prod f1 f2 late; do block_id "$n" "$h"; done)"
stop prod || bad "producer exit"
final=$("$build/cpsd" --data-dir "$tmp/prod/data" --print-state-hash 2>/dev/null)
for n in f1 f2 late; do
  wait_head "$n" "${final%% *}" 10 || true
  stop "$n" || bad "$n exit"
done
same=1
for n in f1 f2 late; do
  got=$("$build/cpsd" --data-dir "$tmp/$n/data" --print-state-hash 2>/dev/null)
  [[ $got == "$final" ]] || { same=0; echo "$n: '$got' != producer '$final'"; }
done
[[ $same == 1 && -n $final ]] && ok "every node ends at the producer's head with its state hash ($final)" || bad "state hashes differ"
finish
