#!/usr/bin/env bash
# BFT finality over real sockets: four cpsd producers on loopback from one genesis (a also runs
# eosio, the genesis producer). The system contracts are booted with four registered producers,
# the four-producer schedule is proposed through a privileged test contract (p2p_bft.js) and
# becomes active; then blocks and finality votes travel over P2P and each node's consensus
# (src/chain/consensus.c) moves LIB. Checks: all agree on blocks and LIB, LIB follows the head
# within ~2 s; a producer killed (-9) mid-turn is skipped and LIB still advances with 3 of 4;
# restarted, it catches up, produces in its turn again and votes again (LIB moves with another
# producer stopped by SIGINT, which must exit cleanly); that one restarted catches up and
# produces again too; a follower started from an empty directory after many final blocks syncs
# to the same LIB; at the end the five nodes stop cleanly and their state hashes agree at equal
# heads. Prints the production -> final latency each node measured.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init p2p_bft contracts/test/test_privileged.wasm contracts/eosio.system.wasm
cpsd_genesis fixed
CPSD_COMMON_ARGS=(--p2p-max-nodes-per-host 16 --enable-stale-production)
nodes=(a b c d)
cpsd_producer_keys "${nodes[@]}"
pname() { echo "${CPSD_PNAME[$1]}"; }
others() { local n; for n in "${nodes[@]}"; do [[ " $* " == *" $n "* ]] || echo "$n"; done; }

cpsd_start_mesh "${nodes[@]}" || finish

cpsd_wait 20 cpsd_head_at_least a 6 || note "a's head is $(cpsd_head a) after 20 s"
if node scripts/boot.js "$(cpsd_url a)" "$CPSD_BUILD" --system --producers 4 >"$CPSD_TMP/boot.out" 2>&1; then
  ok "system contracts booted, four producers registered ($SECONDS s)"
else bad "boot: $(tail -3 "$CPSD_TMP/boot.out")"; finish; fi
if node tests/node/p2p_bft.js "$(cpsd_url a)" "$CPSD_BUILD" 4 >"$CPSD_TMP/sched.out" 2>&1; then
  ok "schedule ($(cat "$CPSD_TMP/sched.out")) proposed through the privileged test contract ($SECONDS s)"
else bad "propose: $(cat "$CPSD_TMP/sched.out")"; finish; fi
cpsd_wait 60 cpsd_schedule_has d "$(pname d)" && ok "the four-producer schedule is active (seen on d, $SECONDS s)" ||
  { bad "schedule not active: $(cpsd_post d get_producer_schedule '{}' | head -c 300)"; finish; }

# LIB follows the head: sampled on every node for ~4 s (a window of time is what is measured).
sleep 1
worst=0 samples=0 lib_start=$(cpsd_lib a)
for _ in $(seq 1 8); do
  for n in "${nodes[@]}"; do
    j=$(cpsd_info "$n"); h=$(cpsd_field "$j" head_block_num); l=$(cpsd_field "$j" last_irreversible_block_num)
    [[ -n $h && -n $l ]] || continue
    samples=$((samples + 1)); ((h - l > worst)) && worst=$((h - l))
  done
  sleep 0.5
done
lib_end=$(cpsd_lib a)
[[ $samples -ge 28 && $worst -le 4 && $lib_end -gt $((lib_start + 4)) ]] &&
  ok "LIB follows the head within $worst block(s) (<= 2 s) on all nodes; a's LIB $lib_start -> $lib_end" ||
  bad "LIB lag up to $worst blocks over $samples samples; a's LIB $lib_start -> $lib_end"
if r=$(cpsd_agree_lib "${nodes[@]}"); then ok "a, b, c and d agree on final block $r"; else bad "$r"; fi

# every_lib_past BASE NODES...: each node's LIB is above BASE (a condition for cpsd_wait).
every_lib_past() { local base=$1 n; shift; for n in "$@"; do cpsd_lib_at_least "$n" $((base + 1)) || return 1; done; }
top_lib() { local n; for n in "$@"; do cpsd_lib "$n"; done | sort -n | tail -1; }
# caught_up NAME REF: NAME's LIB is within 2 blocks of REF's and REF's head block is on NAME.
caught_up() {
  local a b id; a=$(cpsd_lib "$1"); b=$(cpsd_lib "$2")
  [[ -n $a && -n $b && $a -ge $((b - 2)) ]] || return 1
  id=$(cpsd_block_id "$2" "$a"); [[ -n $id && $id == "$(cpsd_block_id "$1" "$a")" ]]
}

# ---- a producer killed mid-turn ----------------------------------------------------------------
# Kill the producer of the current turn, mid-turn: its remaining slots are skipped, the chain goes
# on with the other three, and LIB still advances (3 of 4 = 2/3 + 1).
prod=$(cpsd_info_field a head_block_producer)
v1=
for n in "${nodes[@]}"; do [[ $(pname "$n") == "$prod" ]] && v1=$n; done
[[ -n $v1 ]] || v1=b
cpsd_node_kill "$v1"
mapfile -t rest < <(others "$v1")
r0=${rest[0]}
h0=$(cpsd_head "$r0"); l0=$(cpsd_lib "$r0"); t0=$SECONDS
cpsd_wait 40 cpsd_head_at_least "$r0" $((h0 + 4))
h1=$(cpsd_head "$r0")
[[ $h1 -ge $((h0 + 4)) ]] && ok "$v1 ($(pname "$v1")) killed mid-turn: the chain goes on ($r0 head $h0 -> $h1 in $((SECONDS - t0)) s)" ||
  bad "after killing $v1: head $h0 -> $h1"
cpsd_wait 40 cpsd_lib_at_least "$r0" $((l0 + 4))
l1=$(cpsd_lib "$r0"); h1=$(cpsd_head "$r0")
[[ $l1 -ge $((l0 + 4)) && $l1 -ge $((h1 - 4)) ]] && ok "LIB still advances with 3 of 4 ($l0 -> $l1, head $h1)" ||
  bad "LIB with 3 of 4: $l0 -> $l1 (head $h1)"
grep -q "slot .* belongs to $(pname "$v1")" "$CPSD_TMP/${rest[1]}/err" &&
  ok "the killed producer's slots are left to it (and skipped)" || bad "no sign of $(pname "$v1")'s slots in ${rest[1]}'s log"
if r=$(cpsd_agree_lib "${rest[@]}"); then ok "the three survivors agree on final block $r"; else bad "$r"; fi

# ---- the killed producer restarted: catches up, produces and votes again ------------------------
restart_checks() { # NAME HOW: restarts NAME (stopped by HOW) and checks it catches up and produces
  local v=$1 how=$2 t0=$SECONDS
  cpsd_node_start "$v" || finish
  cpsd_wait 60 caught_up "$v" "$r0" &&
    ok "$v restarted after $how caught up with the network (LIB $(cpsd_lib "$v"), $r0's $(cpsd_lib "$r0"), $((SECONDS - t0)) s)" ||
    bad "$v after restart ($how): LIB $(cpsd_lib "$v"), $r0's $(cpsd_lib "$r0")"
}
restart_checks "$v1" "kill -9"
# SIGINT another producer (not the one whose turn it is): it must exit cleanly. Finality then needs
# all three others, so LIB moving on every running node shows the restarted one votes again.
prod=$(cpsd_info_field "$r0" head_block_producer)
v2=
for n in "${rest[@]}"; do [[ $(pname "$n") != "$prod" ]] && { v2=$n; break; }; done
cpsd_node_stop "$v2" && ok "$v2 ($(pname "$v2")) stopped by SIGINT exits cleanly" || bad "$v2 exit after SIGINT"
mapfile -t running < <(others "$v2")
base=$(top_lib "${running[@]}"); t0=$SECONDS
cpsd_wait 40 every_lib_past $((base + 3)) "${running[@]}" &&
  ok "with $v2 stopped, LIB passes $((base + 3)) on ${running[*]} ($((SECONDS - t0)) s): the restarted $v1 votes again" ||
  bad "with $v2 stopped LIB did not pass $((base + 3)): $(for n in "${running[@]}"; do echo -n "$n:$(cpsd_lib "$n") "; done)"
# A producer's turn comes every 24 s (4 x 12 slots of 0.5 s).
r0=${running[0]}; [[ $r0 == "$v1" ]] && r0=${running[1]}
cpsd_wait 40 cpsd_head_by "$r0" "$(pname "$v1")" && ok "$v1 produces in its turn again (its block is $r0's head)" ||
  bad "no block by $(pname "$v1") on $r0 after its restart"

# ---- the SIGINT-stopped producer restarted; a late follower syncs from zero ---------------------
r0=$v1
restart_checks "$v2" "SIGINT"
target=$(cpsd_lib a); t0=$SECONDS
cpsd_node_start late $(cpsd_peer a) $(cpsd_peer c) || finish
base=$(top_lib "${nodes[@]}")
cpsd_wait 40 cpsd_head_by "$v1" "$(pname "$v2")" && ok "$v2 produces in its turn again (its block is $v1's head)" ||
  bad "no block by $(pname "$v2") on $v1 after its restart"
cpsd_wait 30 every_lib_past $((base + 3)) "${nodes[@]}" && ok "LIB moves on every producer after both restarts (past $((base + 3)))" ||
  bad "LIB after both restarts: $(for n in "${nodes[@]}"; do echo -n "$n:$(cpsd_lib "$n") "; done) (base $base)"
cpsd_wait 60 cpsd_lib_at_least late "$target" && cpsd_wait 20 caught_up late a &&
  ok "a follower started from zero after $target final blocks synced to the network's LIB ($(cpsd_lib late), $((SECONDS - t0)) s)" ||
  bad "late follower: LIB $(cpsd_lib late), a's $(cpsd_lib a), target $target"
grep -q 'syncing: head 1' "$CPSD_TMP/late/err" && ok "the late follower synced by range requests from block 1" ||
  bad "no range sync from block 1 in the late follower's log"
all=("${nodes[@]}" late)
if r=$(cpsd_agree_lib "${all[@]}"); then ok "a, b, c, d and the late follower agree on final block $r"; else bad "$r"; fi

# Finality latency as each node measured it (block timestamp -> seen final). The restarted two
# count the blocks they caught up on too (final long after their timestamps): bounded on the
# other two only.
for n in "${nodes[@]}"; do
  j=$(cpsd_post "$n" get_finality_evidence '{}')
  s=$(cpsd_field "$j" finality_samples); avg=$(cpsd_field "$j" avg_finality_us); ev=$(grep -o '"evidence":\[[^]]*\]' <<<"$j")
  note "$n: finality latency avg $((${avg:-0} / 1000)) ms over $s blocks, last $(( $(cpsd_field "$j" last_finality_us) / 1000 )) ms; $ev"
  [[ -n $s && $s -gt 10 && ${avg:-0} -gt 0 ]] || bad "$n's finality stats: $(head -c 300 <<<"$j")"
  [[ $n == "$v1" || $n == "$v2" || ${avg:-0} -lt 3000000 ]] || bad "$n's average finality latency ${avg:-?} us >= 3 s"
done
ok "finality latency measured on each producer (printed above)"

# All five stop together (SIGINT, clean exits); those that stopped at the same head have the same
# state.
if cpsd_nodes_stop "${all[@]}"; then ok "the five nodes stopped cleanly on SIGINT"; else bad "exit codes: ${CPSD_UNCLEAN[*]}"; fi
if r=$(cpsd_hashes_agree "${all[@]}"); then ok "state hashes agree at equal heads ($r)"; else bad "state hashes: $r"; fi
grep -h "consensus.*switching forks\|equivocation" "$CPSD_TMP"/[abcd]/err | head -3
finish
