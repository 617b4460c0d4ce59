#!/usr/bin/env bash
# 21 producers on 21 cpsd processes over loopback P2P, elected by votes (boot.js --activate:
# eosio.system proposes the top 21), checked the long way (make test-long, several minutes):
# all nodes agree on LIB, a node started late syncs from zero, a producer killed mid-turn is
# skipped and LIB keeps advancing, a partition into 11 and 10 producers stops finality on both
# sides (neither has 2/3+1 = 15) and heals without losing a final block, a second node signing as
# one producer (same key, own data dir) is caught by the honest nodes' finality evidence, and the
# state hashes agree at the end.
#
# Topology: group A = p0..p10 (p0 also runs eosio), group B = p11..p20; inside a group each node
# dials the group's first node and its predecessor; only the two bridges x1 and x2 (followers)
# dial into both groups, so killing them is the partition and restarting them the heal.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init bft21 contracts/eosio.system.wasm
build=$CPSD_BUILD tmp=$CPSD_TMP

N=21
cpsd_genesis now
CPSD_COMMON_ARGS=(--p2p-max-nodes-per-host 40 --max-clients 40)
prods=() groupA=() groupB=()
for i in $(seq 0 $((N - 1))); do
  prods+=("p$i")
  if ((i <= 10)); then groupA+=("p$i"); else groupB+=("p$i"); fi
done
cpsd_producer_keys "${prods[@]}"
declare -A pname ppub
for n in "${prods[@]}"; do pname[$n]=${CPSD_PNAME[$n]} ppub[$n]=${CPSD_PPUB[$n]}; done
declare -n http=CPSD_HTTP pid=CPSD_PID
start() { cpsd_node_start "$@"; }
stop9() { cpsd_node_kill "$1"; }
post() { cpsd_post "$@"; }
field() { cpsd_field "$@"; }
info() { cpsd_info "$1"; }
lib() { cpsd_lib "$1"; }
head_num() { cpsd_head "$1"; }
block_id() { cpsd_block_id "$1" "$2"; }
peer() { cpsd_peer "$1"; }
agree_lib() { cpsd_agree_lib "$@"; }

# ---- 21 producers and two bridges --------------------------------------------------------------
cpsd_start_genesis_producer p0 || finish
for i in $(seq 1 $((N - 1))); do
  first=p0; ((i >= 11)) && first=p11
  extra=""
  [[ p$i != "$first" ]] && extra="$(peer $first)"
  [[ p$((i - 1)) != "$first" && $i != 11 ]] && extra+=" $(peer p$((i - 1)))"
  cpsd_start_producer "p$i" $extra || finish
done
start x1 $(peer p0) $(peer p1) $(peer p11) $(peer p12) || finish
start x2 $(peer p2) $(peer p3) $(peer p13) $(peer p14) || finish
all=("${prods[@]}" x1 x2)
ok "21 producers and two bridges started ($SECONDS s)"

if node scripts/boot.js "http://127.0.0.1:${http[x1]}" "$build" --system --producers $N --activate >"$tmp/boot.out" 2>&1; then
  ok "system contracts booted, 21 producers registered and elected by votes ($SECONDS s)"
else bad "boot: $(tail -3 "$tmp/boot.out")"; finish; fi
active=0
for _ in $(seq 1 300); do
  s=$(post p20 get_producer_schedule '{}' | sed 's/"pending".*//')
  [[ $(grep -o '"producer_name":"producer[a-z]*"' <<<"$s" | sort -u | wc -l) == "$N" ]] &&
    grep -q "\"${pname[p20]}\"" <<<"$s" && { active=1; break; }
  sleep 0.2
done
[[ $active == 1 ]] && ok "the 21-producer schedule is active (seen on p20, $SECONDS s)" ||
  { bad "schedule not active: $(post p20 get_producer_schedule '{}' | head -c 300)"; finish; }

# ---- agreement and LIB lag --------------------------------------------------------------------
sleep 4
worst=0 samples=0 lib_start=$(lib p0)
for _ in 1 2 3; do
  for n in "${all[@]}"; do
    j=$(info "$n"); h=$(field "$j" head_block_num); l=$(field "$j" last_irreversible_block_num)
    [[ -n $h && -n $l ]] || continue
    samples=$((samples + 1)); ((h - l > worst)) && worst=$((h - l))
  done
  sleep 1
done
lib_end=$(lib p0)
[[ $samples -ge $((3 * ${#all[@]} - 2)) && $worst -le 4 && $lib_end -gt $lib_start ]] &&
  ok "LIB follows the head within $worst block(s) on all 23 nodes ($samples samples); p0's LIB $lib_start -> $lib_end" ||
  bad "LIB lag up to $worst blocks over $samples samples; p0's LIB $lib_start -> $lib_end"
if r=$(agree_lib "${all[@]}"); then ok "all 23 nodes agree on final block $r"; else bad "$r"; fi

# ---- a late follower syncs from zero -----------------------------------------------------------
target=$(lib p0); t0=$SECONDS
start late $(peer p5) || finish
synced=0
for _ in $(seq 1 240); do l=$(lib late); [[ -n $l && $l -ge $target ]] && { synced=1; break; }; sleep 0.5; done
[[ $synced == 1 ]] && ok "a late node synced from zero past block $target in $((SECONDS - t0)) s" ||
  bad "late node at LIB $(lib late), target $target"
if r=$(agree_lib late p0 p15 x2); then ok "the late node agrees with the network on final block $r"; else bad "$r"; fi

# ---- a producer killed mid-turn ----------------------------------------------------------------
prod=$(field "$(info p0)" head_block_producer)
victim=
for n in "${prods[@]}"; do [[ ${pname[$n]} == "$prod" ]] && victim=$n; done
[[ -n $victim && $victim != p0 ]] || victim=p7
stop9 "$victim"
h0=$(head_num x1); l0=$(lib x1); t0=$SECONDS
sleep 8
h1=$(head_num x1); l1=$(lib x1)
by_victim=0
for b in $(seq $((h0 + 1)) "$h1"); do
  post x1 get_block "{\"block_num_or_id\":$b}" | grep -q "\"producer\":\"${pname[$victim]}\"" && by_victim=$((by_victim + 1))
done
[[ $h1 -ge $((h0 + 2)) && $by_victim == 0 ]] &&
  ok "$victim (${pname[$victim]}) killed mid-turn: its slots are skipped, the others go on (head $h0 -> $h1, none by it)" ||
  bad "after killing $victim: head $h0 -> $h1, $by_victim block(s) by it"
[[ $l1 -gt $l0 && $l1 -ge $((h1 - 4)) ]] && ok "LIB still advances with 20 of 21 ($l0 -> $l1, head $h1)" ||
  bad "LIB with 20 of 21: $l0 -> $l1 (head $h1)"
start "$victim" || finish
caught=0
for _ in $(seq 1 60); do
  a=$(lib "$victim"); b=$(lib x1)
  [[ -n $a && -n $b && $a -ge $((b - 2)) && $a -gt $l1 ]] && { caught=1; break; }
  sleep 0.5
done
[[ $caught == 1 ]] && ok "$victim restarted and caught up (LIB $(lib "$victim"))" || bad "$victim after restart: LIB $(lib "$victim"), x1 $(lib x1)"

# ---- partition: 11 | 10, then heal --------------------------------------------------------------
members=("${prods[@]}" late)
declare -A before_num before_id
for n in "${members[@]}" x1 x2; do before_num[$n]=$(lib "$n"); before_id[$n]=$(block_id "$n" "${before_num[$n]}"); done
stop9 x1; stop9 x2
sleep 3 # votes already in flight land
declare -A cut
for n in "${members[@]}"; do cut[$n]=$(lib "$n"); done
hA0=$(head_num p0); hB0=$(head_num p11)
sleep 15
moved=() ; for n in "${members[@]}"; do [[ $(lib "$n") != "${cut[$n]}" ]] && moved+=("$n:${cut[$n]}->$(lib "$n")"); done
hA1=$(head_num p0); hB1=$(head_num p11)
note "partition: A's head $hA0 -> $hA1, B's head $hB0 -> $hB1 in 15 s; LIBs A ${cut[p0]}, B ${cut[p11]}"
[[ ${#moved[@]} == 0 ]] && ok "partitioned 11 | 10: no LIB moves on either side for 15 s (neither has 15 of 21)" ||
  bad "LIB moved during the partition: ${moved[*]}"
[[ $hA1 -gt $hA0 || $hB1 -gt $hB0 ]] && ok "the side owning the slots keeps producing during the partition" ||
  bad "no side produced during the partition"
if r=$(agree_lib "${groupA[@]}" late); then ok "group A agrees on final block $r during the partition"; else bad "A: $r"; fi
if r=$(agree_lib "${groupB[@]}"); then ok "group B agrees on final block $r during the partition"; else bad "B: $r"; fi
start x1 || finish
start x2 || finish
t0=$SECONDS healed=0
top=$(( ${cut[p0]} > ${cut[p11]} ? ${cut[p0]} : ${cut[p11]} ))
for _ in $(seq 1 120); do
  low=$(for n in "${members[@]}" x1 x2; do lib "$n"; done | sort -n | head -1)
  [[ -n $low && $low -gt $((top + 2)) ]] && { healed=1; break; }
  sleep 0.5
done
[[ $healed == 1 ]] && ok "healed: every node's LIB passed the partition ($top -> $low) $((SECONDS - t0)) s after the bridges returned" ||
  bad "after the heal: lowest LIB $low, partition LIB $top"
if r=$(agree_lib "${members[@]}" x1 x2); then ok "one chain after the heal: all 24 nodes agree on final block $r"; else bad "$r"; fi
lost=()
for n in "${!before_num[@]}"; do
  for m in p0 p11 x1; do
    id=$(block_id "$m" "${before_num[$n]}")
    [[ $id == "${before_id[$n]}" ]] || lost+=("$n's final ${before_num[$n]} is $id on $m")
  done
done
[[ ${#lost[@]} == 0 ]] && ok "no final block lost: the LIB each node had before the partition is on the healed chain" ||
  bad "${lost[*]}"
grep -h "switching forks" "$tmp"/*/err | head -2 | sed 's/^/     /'

# ---- a double-signing producer ----------------------------------------------------------------
# A second node signs as producer X (same key, own data dir, own voter file): in X's turn both
# build blocks for the same slots, and transfers pushed to each make the blocks differ.
best= bestw=999
for n in "${prods[@]:1}"; do
  w=$(node tests/node/p2p_bft_faults.js next-turn "http://127.0.0.1:${http[x1]}" "${pname[$n]}" 2>/dev/null) || continue
  w=${w%.*}
  [[ $w -ge 30 && $w -lt $bestw ]] && { best=$n; bestw=$w; }
done
X=${best:-p9}
note "double signer: ${pname[$X]} ($X), its turn in ${bestw} s"
start twin --producer-name "${pname[$X]}" --signature-provider "${CPSD_PKEY[$X]}" $(peer p0) $(peer p12) || finish
for _ in $(seq 1 50); do
  tl=$(head_num twin); xl=$(head_num x1)
  [[ -n $tl && $tl -ge $((xl - 2)) ]] && break
  sleep 0.5
done
# Two turns at most (21 x 6 s apart), in case the first is missed, as the 4-producer script does.
caught=0
for turn in 1 2; do
  w=$(node tests/node/p2p_bft_faults.js next-turn "http://127.0.0.1:${http[x1]}" "${pname[$X]}")
  # the transfers start 1.5 s before the turn: the first blocks of the turn, both on the previous
  # producer's last block (whose roots every node knows, as the header proof needs), then differ
  sleep "$(awk -v w="$w" 'BEGIN { print (w > 1.5 ? w - 1.5 : 0) }')"
  tl=$(head_num twin); xl=$(head_num x1)
  note "turn $turn: twin at head $tl, network at $xl when ${pname[$X]}'s turn begins"
  timeout 60 node tests/node/p2p_bft_faults.js twin-push "http://127.0.0.1:${http[$X]}" \
    "http://127.0.0.1:${http[twin]}" 7 >"$tmp/twin.out" 2>&1
  note "twin-push: $(cut -c1-200 "$tmp/twin.out")"
  for _ in $(seq 1 30); do
    c=$(node tests/node/p2p_bft_faults.js check-evidence "http://127.0.0.1:${http[p15]}" "${pname[$X]}" "${ppub[$X]}" 2>&1)
    [[ $? == 0 && $c =~ ^[0-9]+\ [0-9]+\  && ! $c =~ ^0\ 0\  ]] && { caught=1; break; }
    sleep 0.5
  done
  [[ $caught == 1 ]] && break
  note "turn $turn left no evidence on p15 ($c)"
done
[[ $caught == 1 ]] && ok "p15 holds evidence against ${pname[$X]} that verifies (double votes, double blocks: $c)" ||
  bad "no verified evidence on p15: $c"
for n in p0 p5 p20 x2 late; do
  c=$(node tests/node/p2p_bft_faults.js check-evidence "http://127.0.0.1:${http[$n]}" "${pname[$X]}" "${ppub[$X]}" 2>&1)
  [[ $? == 0 && $c =~ ^[0-9]+\ [0-9]+\  && ! $c =~ ^0\ 0\  ]] && ok "$n's evidence names ${pname[$X]} only and verifies ($c)" || bad "$n's evidence: $c"
done
stop9 twin
l0=$(lib x1); sleep 5; l1=$(lib x1)
[[ $l1 -gt $l0 ]] && ok "finality goes on after the double signing ($l0 -> $l1)" || bad "LIB stuck at $l0 after the double signing"
if r=$(agree_lib "${members[@]}" x1 x2); then ok "all honest nodes agree on final block $r"; else bad "$r"; fi

# ---- latency and state hashes -----------------------------------------------------------------
for n in p0 p10 p20 x1; do
  j=$(post "$n" get_finality_evidence '{}')
  note "$n: finality latency median $(( $(field "$(grep -o '"latency":{[^}]*}' <<<"$j")" median_us) / 1000 )) ms, p99 $(( $(field "$(grep -o '"latency":{[^}]*}' <<<"$j")" p99_us) / 1000 )) ms over $(field "$(grep -o '"latency":{[^}]*}' <<<"$j")" samples) blocks (partition included)"
done
cpsd_nodes_stop "${members[@]}" x1 x2 && ok "all 24 nodes stopped cleanly" || bad "exit codes: ${CPSD_UNCLEAN[*]}"
hashes=$(for n in "${members[@]}" x1 x2; do "$build/cpsd" --data-dir "$tmp/$n/data" --print-state-hash 2>/dev/null; done)
groups=$(sort -u <<<"$hashes" | awk '{print $1}' | uniq -c | awk '$1 > 1' | wc -l)
top=$(sort <<<"$hashes" | uniq -c | sort -rn | head -1)
[[ $groups == 0 && $(awk '{print $1}' <<<"$top") -ge 2 ]] &&
  ok "state hashes agree at equal heads ($(sort <<<"$hashes" | uniq -c | awk '{print $1 "x@" $2}' | tr '\n' ' '))" ||
  bad "state hashes: $(sort <<<"$hashes" | uniq -c | tr '\n' ';')"
finish
