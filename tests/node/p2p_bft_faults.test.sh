#!/usr/bin/env bash
# BFT finality under faults, four cpsd producers over loopback P2P (the four-producer variant of
# tests/long/bft21.test.sh, in `make test`): a and b peer with each other, c and d with each other,
# and only the bridge x (a follower) dials both pairs. Killing x partitions 2 | 2: neither side has
# 3 of 4, so no LIB moves; restarting x heals: one chain, no final block lost. Then a second node
# signs as one producer (same key, own data dir and voter file): in that producer's turn both build
# different blocks for the same slots, and the honest nodes' GET /v1/chain/get_finality_evidence
# holds double-vote / double-block records naming it, which p2p_bft_faults.js verifies on its own
# (digests recomputed, signatures recovered to the producer's key).
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init p2p_bft_faults contracts/test/test_privileged.wasm contracts/eosio.system.wasm
cpsd_genesis now
CPSD_COMMON_ARGS=(--p2p-max-nodes-per-host 16)
prods=(a b c d)
cpsd_producer_keys "${prods[@]}"
pname() { echo "${CPSD_PNAME[$1]}"; }
faults_js() { timeout 60 node tests/node/p2p_bft_faults.js "$@"; }
# the checker's lock-breach branch, on records it builds (no run here makes one)
if r=$(faults_js self-test 2>&1); then ok "the evidence checker verifies a lock breach and refuses 4 forgeries"; else bad "checker self-test: $r"; fi

cpsd_start_genesis_producer a || finish
cpsd_start_producer b $(cpsd_peer a) || finish
cpsd_start_producer c || finish
cpsd_start_producer d $(cpsd_peer c) || finish
cpsd_node_start x $(cpsd_peer a) $(cpsd_peer b) $(cpsd_peer c) $(cpsd_peer d) || finish
all=(a b c d x)

if r=$(cpsd_boot_bft x 4 d); then ok "system contracts booted, the four-producer schedule active on d ($SECONDS s)"
else bad "$r"; finish; fi
l0=$(cpsd_lib a)
cpsd_wait 30 cpsd_lib_at_least d $((l0 + 3)) || note "d's LIB did not pass $((l0 + 3)) in 30 s"
if r=$(cpsd_agree_lib "${all[@]}"); then ok "a, b, c, d and x agree on final block $r (finality by votes)"; else bad "$r"; finish; fi

# ---- partition 2 | 2 and heal -------------------------------------------------------------------
declare -A before_num before_id cut
for n in "${all[@]}"; do before_num[$n]=$(cpsd_lib "$n"); before_id[$n]=$(cpsd_block_id "$n" "${before_num[$n]}"); done
cpsd_node_kill x
# Votes already in flight land within a slot or two; from then on the LIBs must stay where they are.
sleep 2
for n in "${prods[@]}"; do cut[$n]=$(cpsd_lib "$n"); done
h0=$(( $(cpsd_head a) + $(cpsd_head c) ))
# Measuring that nothing moves needs a window of time: 6 s is one producer's whole turn.
sleep 6
moved=(); for n in "${prods[@]}"; do [[ $(cpsd_lib "$n") != "${cut[$n]}" ]] && moved+=("$n:${cut[$n]}->$(cpsd_lib "$n")"); done
h1=$(( $(cpsd_head a) + $(cpsd_head c) ))
[[ ${#moved[@]} == 0 ]] && ok "partitioned 2 | 2: no LIB moves for 6 s (neither side has 3 of 4)" || bad "LIB moved: ${moved[*]}"
[[ $h1 -gt $h0 ]] && ok "the side owning the slots keeps producing ($h0 -> $h1, heads of a + c)" || bad "no blocks during the partition"
cpsd_node_start x || finish
top=$(for n in "${prods[@]}"; do echo "${cut[$n]}"; done | sort -n | tail -1)
lowest_lib() { local n; for n in "${all[@]}"; do cpsd_lib "$n"; done | sort -n | head -1; }
healed_past() { low=$(lowest_lib); [[ -n $low && $low -gt $(($1 + 2)) ]]; }
t0=$SECONDS
cpsd_wait 60 healed_past "$top" &&
  ok "healed: every LIB passed the partition's ($top -> $low) $((SECONDS - t0)) s after the bridge returned" ||
  bad "after the heal: lowest LIB $low, partition $top"
if r=$(cpsd_agree_lib "${all[@]}"); then ok "one chain after the heal: all agree on final block $r"; else bad "$r"; fi
lost=()
for n in "${!before_num[@]}"; do
  for m in a c; do
    id=$(cpsd_block_id "$m" "${before_num[$n]}")
    [[ $id == "${before_id[$n]}" ]] || lost+=("$n's ${before_num[$n]} is $id on $m")
  done
done
[[ ${#lost[@]} == 0 ]] && ok "no final block lost across the partition ($SECONDS s)" || bad "${lost[*]}"

# ---- a double-signing producer ----------------------------------------------------------------
X= best=999
for n in b c d; do
  w=$(faults_js next-turn "$(cpsd_url x)" "$(pname $n)" 2>/dev/null) || continue
  w=${w%.*}; [[ $w -ge 6 && $w -lt $best ]] && { X=$n; best=$w; }
done
X=${X:-b}
cpsd_node_start twin --producer-name "$(pname $X)" --signature-provider "${CPSD_PKEY[$X]}" \
  $(cpsd_peer a) $(cpsd_peer c) || finish
twin_caught_up() { local t; t=$(cpsd_head twin); [[ -n $t && $t -ge $(( $(cpsd_head x) - 2 )) ]]; }
cpsd_wait 15 twin_caught_up || note "the twin is behind: head $(cpsd_head twin), x $(cpsd_head x)"
has_evidence() { # node: verified evidence naming X (sets c)
  c=$(faults_js check-evidence "$(cpsd_url "$1")" "$(pname $X)" "${CPSD_PPUB[$X]}" 2>&1) &&
    [[ $c =~ ^[0-9]+\ [0-9]+\  && ! $c =~ ^0\ 0\  ]]
}
# The transfers start 1.5 s before the turn, so the two signers' first blocks of the turn (both
# on the previous producer's last block, whose roots every honest node knows: the header proof
# needs them) already hold different transactions. Two turns at most, in case one is missed.
for turn in 1 2; do
  w=$(faults_js next-turn "$(cpsd_url x)" "$(pname $X)")
  note "double signer $(pname $X) ($X): twin at head $(cpsd_head twin), its turn in $w s ($SECONDS s)"
  sleep "$(awk -v w="$w" 'BEGIN { print (w > 1.5 ? w - 1.5 : 0) }')"
  faults_js twin-push "$(cpsd_url "$X")" "$(cpsd_url twin)" 6 >"$CPSD_TMP/twin.out" 2>&1
  note "twin-push ($SECONDS s): $(cut -c1-160 "$CPSD_TMP/twin.out")"
  cpsd_wait 4 has_evidence x && break
  note "turn $turn left no evidence on x ($c)"
done
for n in a b c d x; do
  [[ $n == "$X" ]] && continue
  cpsd_wait 10 has_evidence "$n" &&
    ok "$n holds evidence naming $(pname $X) only, every record verified (vote records, double blocks: $c)" ||
    bad "$n's evidence: $c"
done
cpsd_node_kill twin
l0=$(cpsd_lib x)
cpsd_wait 20 cpsd_lib_at_least x $((l0 + 2)) && ok "finality goes on after the double signing ($l0 -> $(cpsd_lib x))" ||
  bad "LIB stuck at $l0"
if r=$(cpsd_agree_lib "${all[@]}"); then ok "the honest nodes agree on final block $r"; else bad "$r"; fi

# ---- clean stop and state -----------------------------------------------------------------------
if cpsd_nodes_stop "${all[@]}"; then ok "all five nodes stopped cleanly on SIGINT"; else bad "exit codes: ${CPSD_UNCLEAN[*]}"; fi
if r=$(cpsd_hashes_agree "${all[@]}"); then ok "state hashes agree at equal heads ($r)"; else bad "state hashes: $r"; fi
finish
