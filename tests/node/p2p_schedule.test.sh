#!/usr/bin/env bash
# Two producers on two cpsd processes over P2P: node a runs eosio and producera, node b runs
# producerb, node c follows b. The system contracts are booted and a two-producer schedule is
# proposed (through c) by a privileged test contract; once it is active each node produces only
# in its own slots and applies the other's blocks, and the three agree. Then the two in the other
# order: a change among several producers, finality-gated with joint QCs, through which LIB keeps
# moving; then a partition and its heal.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init p2p_schedule contracts/test/test_privileged.wasm contracts/eosio.system.wasm
cpsd_genesis fixed
CPSD_COMMON_ARGS=(--p2p-max-nodes-per-host 8 --enable-stale-production)
cpsd_producer_keys a b
name_a=${CPSD_PNAME[a]} name_b=${CPSD_PNAME[b]}
build=$CPSD_BUILD tmp=$CPSD_TMP
post() { cpsd_post "$@"; }
head_of() { cpsd_head "$1"; }

cpsd_start_genesis_producer a || finish
cpsd_start_producer b $(cpsd_peer a) || finish
cpsd_node_start c $(cpsd_peer b) || finish
grep -q "none of this node's 1 producer(s) is in the active schedule" "$tmp/b/err" &&
  ok "b starts as a follower: producerb is not scheduled yet" || bad "b's start: $(grep producer "$tmp/b/err" | head -2)"

# The system contracts and the two producer accounts (boot.js), pushed through the follower c
# (once a few blocks exist: eosjs refers to the block 3 behind the head, which must not be the
# genesis block with its fixed old timestamp).
cpsd_wait 20 cpsd_head_at_least c 6 || note "c's head is $(head_of c) after 20 s"
if node scripts/boot.js "$(cpsd_url c)" "$build" --system --producers 2 >"$tmp/boot.out" 2>&1; then
  ok "system contracts and producer accounts booted through the follower"
else bad "boot: $(tail -3 "$tmp/boot.out")"; finish; fi
if node tests/node/p2p_schedule.js "$(cpsd_url c)" "$build" >"$tmp/sched.out" 2>&1; then
  ok "schedule ($(cat "$tmp/sched.out")) proposed ($SECONDS s)"
else bad "propose: $(cat "$tmp/sched.out")"; finish; fi

cpsd_wait 60 cpsd_schedule_has c "$name_b" && ok "the two-producer schedule became active (seen on c, $SECONDS s)" || { bad "schedule not active: $(post c get_producer_schedule '{}' | head -c 300)"; finish; }

# One full round (2 producers x 12 slots) and more, watching who produces the head on c (get_info,
# read many times a second).
h0=$(head_of c)
seen_a=0 seen_b=0
for _ in $(seq 1 70); do
  case $(post c get_info '{}' | grep -o '"head_block_producer":"[a-z1-5.]*"' | cut -d'"' -f4) in
    "$name_a") seen_a=$((seen_a + 1)) ;;
    "$name_b") seen_b=$((seen_b + 1)) ;;
  esac
  sleep 0.1
done
h=$(head_of c)
[[ $h -ge $((h0 + 12)) ]] && ok "the chain goes on under the new schedule (c from $h0 to $h)" || bad "stalled at $h (from $h0)"
[[ $seen_a -ge 8 && $seen_b -ge 8 ]] && ok "both produce in turn (head seen produced by $name_a $seen_a times, by $name_b $seen_b times)" ||
  bad "head producers seen: $name_a $seen_a, $name_b $seen_b"
grep -q "slot .* belongs to $name_b" "$tmp/a/err" && ok "a leaves $name_b's slots alone" || bad "a's log does not mention $name_b's slots"
grep -q "slot .* belongs to $name_a" "$tmp/b/err" && ok "b leaves $name_a's slots alone" || bad "b's log does not mention $name_a's slots"
same=0
for _ in $(seq 1 50); do
  infos=$(for n in a b c; do post "$n" get_info '{}' | grep -o '"head_block_id":"[0-9a-f]*"'; done | sort | uniq -c)
  if [[ $(wc -l <<<"$infos") == 1 && $infos == *" 3 "* ]]; then same=1; break; fi
  sleep 0.05
done
[[ $same == 1 ]] && ok "a, b and c have the same head block ($(cut -c1-40 <<<"$infos" | tr -s ' '))" || bad "heads differ: $infos"
# A change among several producers: the same two in the other order (version 3). It becomes
# pending only once the chain proves its proposal final, and active one round (24 slots) later
# once the block that announced it is final; meanwhile QCs are joint (docs/finality.md "Schedule
# changes"). Finality must not pause through it.
active_version() { post "$1" get_producer_schedule '{}' | grep -o '"active":{"version":[0-9]*' | grep -o '[0-9]*$'; }
v0=$(active_version c) lib0=$(cpsd_lib c)
if node tests/node/p2p_schedule.js "$(cpsd_url c)" "$build" reverse >"$tmp/sched2.out" 2>&1; then
  ok "schedule ($(cat "$tmp/sched2.out")) proposed over version $v0 ($SECONDS s)"
else bad "propose again: $(cat "$tmp/sched2.out")"; finish; fi
t0=$SECONDS
cpsd_wait 60 eval '[[ $(active_version c) -gt $v0 ]]' &&
  ok "the reordered schedule became active after $((SECONDS - t0)) s (version $(active_version c))" ||
  { bad "still version $(active_version c): $(post c get_producer_schedule '{}' | head -c 400)"; finish; }
lib1=$(cpsd_lib c) h1=$(head_of c)
[[ $lib1 -gt $((lib0 + 20)) && $lib1 -ge $((h1 - 3)) ]] &&
  ok "finality went on through the change (LIB $lib0 -> $lib1, head $h1)" || bad "LIB $lib0 -> $lib1 at head $h1"
first=$(post c get_producer_schedule '{}' | grep -o '"active":{"version":[0-9]*,"producers":\[{"producer_name":"[a-z1-5.]*"' | grep -o '"[a-z1-5.]*"$' | tr -d '"')
[[ $first == "$name_b" ]] && ok "$name_b leads the new schedule" || bad "first active producer: $first"
cpsd_wait 20 eval '[[ $(cpsd_lib a) -gt $lib1 && $(cpsd_lib b) -gt $lib1 ]]' &&
  ok "a and b finalize under it too (LIB a $(cpsd_lib a), b $(cpsd_lib b))" || bad "LIB a $(cpsd_lib a), b $(cpsd_lib b) (was $lib1)"

# A partition: b restarts without its peer (same ports, c still dials it) and produces its
# slots alone while a produces its own; then b dials a again. The chains have forked above LIB;
# the node with the shorter one undoes its blocks down to the fork and syncs the longer one.
restart_b() { # extra args
  cpsd_node_stop b || bad "b's exit on SIGINT"
  cpsd_start_producer b "$@"
}
restart_b || finish
producer_now() { post "$1" get_info '{}' | grep -o '"head_block_producer":"[a-z1-5.]*"' | cut -d'"' -f4; }
# Both sides produce on their own: b a new block in its turn, then a one in its next turn.
hb0=$(head_of b)
for _ in $(seq 1 300); do [[ $(head_of b) -gt $hb0 && $(producer_now b) == "$name_b" ]] && break; sleep 0.1; done
ha0=$(head_of a)
for _ in $(seq 1 300); do [[ $(head_of a) -gt $ha0 && $(producer_now a) == "$name_a" ]] && break; sleep 0.1; done
ida=$(post a get_info '{}' | grep -o '"head_block_id":"[0-9a-f]*"')
idb=$(post b get_info '{}' | grep -o '"head_block_id":"[0-9a-f]*"')
[[ -n $ida && $ida != "$idb" ]] && ok "partitioned, a and b go separate ways" || bad "no divergence: $ida $idb"
restart_b $(cpsd_peer a) || finish
same=0
for _ in $(seq 1 300); do
  infos=$(for n in a b c; do post "$n" get_info '{}' | grep -o '"head_block_id":"[0-9a-f]*"'; done | sort | uniq -c)
  if [[ $(wc -l <<<"$infos") == 1 && $infos == *" 3 "* ]]; then same=1; break; fi
  sleep 0.1
done
[[ $same == 1 ]] && ok "after the partition a, b and c agree again" || bad "heads after the partition: $infos"
grep -q 'undone for a better fork' "$tmp"/[abc]/err && ok "the shorter fork was undone ($(grep -ho 'block [0-9]* undone for a better fork' "$tmp"/[abc]/err | head -1))" || bad "no fork switch in the logs: $(grep -h 'fork\|syncing\|in sync' "$tmp"/[abc]/err | tail -8)"

for n in c b a; do cpsd_node_stop "$n" || bad "$n's exit on SIGINT"; done
finish
