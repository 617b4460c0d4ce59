#!/usr/bin/env bash
# BFT finality under faults, four cpsd producers over loopback P2P (the short variant of
# tests/long/bft21.test.sh): a and b peer with each other, c and d with each other, and only the
# bridge x (a follower) dials both pairs. Killing x partitions 2 | 2: neither side has 3 of 4, so
# no LIB moves; restarting x heals: one chain, no final block lost. Then a second node signs as
# one producer (same key, own data dir and voter file): in that producer's turn both build
# different blocks for the same slots, and the honest nodes' GET /v1/chain/get_finality_evidence
# holds double-vote / double-block records naming it, which p2p_bft_faults.js verifies on its
# own (digests recomputed, signatures recovered to the producer's key).
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
export NODE_PATH=$PWD/node_modules
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
note() { echo "     $*"; }
[[ -x $build/cpsd ]] || { echo "missing $build/cpsd"; echo "0 passed, 1 failed"; exit 1; }
[[ -f $build/contracts/test/test_privileged.wasm ]] || { echo "missing test contracts in $build"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
declare -A pid http p2p args
cleanup() {
  for n in "${!pid[@]}"; do [[ -n ${pid[$n]} ]] && kill -9 "${pid[$n]}" 2>/dev/null; done
  wait 2>/dev/null
  [[ -n ${KEEP_TMP:-} ]] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
finish() { echo "     total $SECONDS s"; echo "$pass passed, $fail failed"; [[ $fail -eq 0 && $pass -gt 0 ]]; exit $?; }

printf '{"initial_timestamp": "%s", "initial_key": "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"}\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%S.000)" >"$tmp/genesis.json"
DEV=EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV=KEY:5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3
mapfile -t keys < <(node scripts/boot.js --print-producers 4)
prods=(a b c d)
declare -A pname ppub pkey
for i in 0 1 2 3; do
  read -r nm pub priv <<<"${keys[$i]}"
  pname[${prods[$i]}]=$nm ppub[${prods[$i]}]=$pub pkey[${prods[$i]}]="$pub=KEY:$priv"
done

start() { # name, args... (kept: a restart reuses them and the node's ports)
  local name=$1; shift
  [[ $# -gt 0 ]] && args[$name]="$*"
  mkdir -p "$tmp/$name"
  : >"$tmp/$name/out"
  # shellcheck disable=SC2086
  "$build/cpsd" --data-dir "$tmp/$name/data" --genesis-json "$tmp/genesis.json" \
    --http-server-address "127.0.0.1:${http[$name]:-0}" --p2p-listen-endpoint "127.0.0.1:${p2p[$name]:-0}" \
    --p2p-max-nodes-per-host 16 ${args[$name]} >"$tmp/$name/out" 2>>"$tmp/$name/err" &
  pid[$name]=$!
  local h= p=
  for _ in $(seq 1 600); do
    h=$(sed -n 's/^cpsd listening on port //p' "$tmp/$name/out")
    p=$(sed -n 's/^cpsd p2p on port //p' "$tmp/$name/out")
    [[ -n $h && -n $p ]] && { http[$name]=$h; p2p[$name]=$p; return 0; }
    kill -0 "${pid[$name]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "node $name did not start:"; tail -5 "$tmp/$name/err"
  return 1
}
stop9() { kill -9 "${pid[$1]}" 2>/dev/null; wait "${pid[$1]}" 2>/dev/null; pid[$1]=; }
post() { curl -s -m 10 -d "$3" "http://127.0.0.1:${http[$1]}/v1/chain/$2"; }
field() { grep -o "\"$2\":[^,}]*" <<<"$1" | head -1 | cut -d: -f2 | tr -d '"'; }
info() { post "$1" get_info '{}'; }
lib() { field "$(info "$1")" last_irreversible_block_num; }
head_num() { field "$(info "$1")" head_block_num; }
block_id() { post "$1" get_block "{\"block_num_or_id\":$2}" | grep -o '"id":"[0-9a-f]*"' | head -1 | cut -d'"' -f4; }
peer() { echo "--p2p-peer-address 127.0.0.1:${p2p[$1]}"; }
agree_lib() { # nodes...: the same block at the lowest LIB among them; prints that number
  local min= n l ids
  for n in "$@"; do l=$(lib "$n"); [[ -z $l ]] && { echo "$n does not answer"; return 1; }; [[ -z $min || $l -lt $min ]] && min=$l; done
  # a node too busy to answer in time (a loaded machine, ASan) is asked again, not counted as a
  # disagreement
  ids=$(for n in "$@"; do
          for _ in 1 2 3; do id=$(block_id "$n" "$min"); [[ -n $id ]] && break; sleep 0.5; done
          echo "${id:-no answer from $n}"
        done | sort | uniq -c)
  [[ $(wc -l <<<"$ids") == 1 && $(awk '{print $1}' <<<"$ids") == "$#" ]] && echo "$min" && return 0
  echo "block $min differs: $(tr '\n' ' ' <<<"$ids")"; return 1
}

start a --producer-name eosio --signature-provider "$DEV" --producer-name "${pname[a]}" \
  --signature-provider "${pkey[a]}" || finish
start b --producer-name "${pname[b]}" --signature-provider "${pkey[b]}" $(peer a) || finish
start c --producer-name "${pname[c]}" --signature-provider "${pkey[c]}" || finish
start d --producer-name "${pname[d]}" --signature-provider "${pkey[d]}" $(peer c) || finish
start x $(peer a) $(peer b) $(peer c) $(peer d) || finish
all=(a b c d x)

for _ in $(seq 1 100); do h=$(head_num a); [[ -n $h && $h -ge 4 ]] && break; sleep 0.1; done
if node scripts/boot.js "http://127.0.0.1:${http[x]}" "$build" --system --producers 4 >"$tmp/boot.out" 2>&1 &&
   node tests/node/p2p_bft.js "http://127.0.0.1:${http[x]}" "$build" 4 >"$tmp/sched.out" 2>&1; then
  ok "system contracts booted, four producers proposed ($SECONDS s)"
else bad "boot: $(tail -3 "$tmp/boot.out") $(cat "$tmp/sched.out")"; finish; fi
active=0
for _ in $(seq 1 300); do
  post d get_producer_schedule '{}' | sed 's/"pending".*//' | grep -q "\"${pname[d]}\"" && { active=1; break; }
  sleep 0.1
done
[[ $active == 1 ]] && ok "the four-producer schedule is active ($SECONDS s)" || { bad "schedule not active"; finish; }
l0=$(lib a)
for _ in $(seq 1 60); do l=$(lib d); [[ -n $l && $l -ge $((l0 + 3)) ]] && break; sleep 0.25; done
if r=$(agree_lib "${all[@]}"); then ok "a, b, c, d and x agree on final block $r (finality by votes)"; else bad "$r"; finish; fi

# ---- partition 2 | 2 and heal -------------------------------------------------------------------
declare -A before_num before_id cut
for n in "${all[@]}"; do before_num[$n]=$(lib "$n"); before_id[$n]=$(block_id "$n" "${before_num[$n]}"); done
stop9 x
sleep 2 # votes in flight land
for n in "${prods[@]}"; do cut[$n]=$(lib "$n"); done
h0=$(( $(head_num a) + $(head_num c) ))
sleep 6
moved=(); for n in "${prods[@]}"; do [[ $(lib "$n") != "${cut[$n]}" ]] && moved+=("$n:${cut[$n]}->$(lib "$n")"); done
h1=$(( $(head_num a) + $(head_num c) ))
[[ ${#moved[@]} == 0 ]] && ok "partitioned 2 | 2: no LIB moves for 6 s (neither side has 3 of 4)" || bad "LIB moved: ${moved[*]}"
[[ $h1 -gt $h0 ]] && ok "the side owning the slots keeps producing ($h0 -> $h1, heads of a + c)" || bad "no blocks during the partition"
start x || finish
top=$(for n in "${prods[@]}"; do echo "${cut[$n]}"; done | sort -n | tail -1)
healed=0 t0=$SECONDS
for _ in $(seq 1 120); do
  low=$(for n in "${all[@]}"; do lib "$n"; done | sort -n | head -1)
  [[ -n $low && $low -gt $((top + 2)) ]] && { healed=1; break; }
  sleep 0.25
done
[[ $healed == 1 ]] && ok "healed: every LIB passed the partition's ($top -> $low) $((SECONDS - t0)) s after the bridge returned" ||
  bad "after the heal: lowest LIB $low, partition $top"
if r=$(agree_lib "${all[@]}"); then ok "one chain after the heal: all agree on final block $r"; else bad "$r"; fi
lost=()
for n in "${!before_num[@]}"; do
  for m in a c; do
    id=$(block_id "$m" "${before_num[$n]}"); [[ $id == "${before_id[$n]}" ]] || lost+=("$n's ${before_num[$n]} is $id on $m")
  done
done
[[ ${#lost[@]} == 0 ]] && ok "no final block lost across the partition" || bad "${lost[*]}"

# ---- a double-signing producer ----------------------------------------------------------------
X= best=999
for n in b c d; do
  w=$(node tests/node/p2p_bft_faults.js next-turn "http://127.0.0.1:${http[x]}" "${pname[$n]}" 2>/dev/null) || continue
  w=${w%.*}; [[ $w -ge 6 && $w -lt $best ]] && { X=$n; best=$w; }
done
X=${X:-b}
start twin --producer-name "${pname[$X]}" --signature-provider "${pkey[$X]}" $(peer a) $(peer c) || finish
for _ in $(seq 1 60); do t=$(head_num twin); [[ -n $t && $t -ge $(( $(head_num x) - 2 )) ]] && break; sleep 0.25; done
# The transfers start 1.5 s before the turn, so the two signers' first blocks of the turn (both
# on the previous producer's last block, whose roots every honest node knows: the header proof
# needs them) already hold different transactions. Two turns at most, in case one is missed.
for turn in 1 2; do
  w=$(node tests/node/p2p_bft_faults.js next-turn "http://127.0.0.1:${http[x]}" "${pname[$X]}")
  note "double signer ${pname[$X]} ($X): twin at head $(head_num twin), its turn in $w s"
  sleep "$(awk -v w="$w" 'BEGIN { print (w > 1.5 ? w - 1.5 : 0) }')"
  node tests/node/p2p_bft_faults.js twin-push "http://127.0.0.1:${http[$X]}" "http://127.0.0.1:${http[twin]}" 6 >"$tmp/twin.out" 2>&1
  note "twin-push: $(cut -c1-160 "$tmp/twin.out")"
  sleep 2
  c=$(node tests/node/p2p_bft_faults.js check-evidence "http://127.0.0.1:${http[x]}" "${pname[$X]}" "${ppub[$X]}" 2>&1)
  [[ $c =~ ^[0-9]+\ [0-9]+$ && $c != "0 0" ]] && break
  note "turn $turn left no evidence on x ($c)"
done
honest=(a b c d x); honest=("${honest[@]/$X/}")
for n in "${honest[@]}"; do
  [[ -n $n ]] || continue
  c=
  for _ in $(seq 1 20); do
    c=$(node tests/node/p2p_bft_faults.js check-evidence "http://127.0.0.1:${http[$n]}" "${pname[$X]}" "${ppub[$X]}" 2>&1) &&
      [[ $c != "0 0" ]] && break
    sleep 0.5
  done
  [[ $c =~ ^[0-9]+\ [0-9]+$ && $c != "0 0" ]] &&
    ok "$n holds evidence naming ${pname[$X]} only, every record verified (double votes, double blocks: $c)" ||
    bad "$n's evidence: $c"
done
stop9 twin
l0=$(lib x); sleep 3; l1=$(lib x)
[[ $l1 -gt $l0 ]] && ok "finality goes on after the double signing ($l0 -> $l1)" || bad "LIB stuck at $l0"
if r=$(agree_lib "${all[@]}"); then ok "the honest nodes agree on final block $r"; else bad "$r"; fi
finish
