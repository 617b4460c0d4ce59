#!/usr/bin/env bash
# BFT finality over real sockets: four cpsd producers on loopback from one genesis (a also runs
# eosio, the genesis producer). The system contracts are booted with four registered producers,
# the four-producer schedule is proposed through a privileged test contract (p2p_bft.js) and
# becomes active; then blocks and finality votes travel over P2P and each node's consensus
# (src/chain/consensus.c) moves LIB. Checks: all agree on blocks and LIB, LIB follows the head
# within ~2 s, a producer killed mid-turn is skipped and LIB still advances with 3 of 4, the
# survivors' state hashes agree; prints the production -> final latency each node measured.
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
export NODE_PATH=$PWD/node_modules
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
[[ -x $build/cpsd ]] || { echo "missing $build/cpsd"; echo "0 passed, 1 failed"; exit 1; }
[[ -f $build/contracts/test/test_privileged.wasm ]] || { echo "missing test contracts in $build"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
declare -A pid http p2p
cleanup() {
  for n in "${!pid[@]}"; do [[ -n ${pid[$n]} ]] && kill -9 "${pid[$n]}" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
finish() { echo "$pass passed, $fail failed"; [[ $fail -eq 0 && $pass -gt 0 ]]; exit $?; }

cat >"$tmp/genesis.json" <<'JSON'
{"initial_timestamp": "2026-01-01T00:00:00.000",
 "initial_key": "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"}
JSON
DEV=EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV=KEY:5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3
mapfile -t keys < <(node scripts/boot.js --print-producers 4)
nodes=(a b c d)
declare -A pname pkey
for i in 0 1 2 3; do
  read -r nm pub priv <<<"${keys[$i]}"
  pname[${nodes[$i]}]=$nm
  pkey[${nodes[$i]}]="$pub=KEY:$priv"
done

start() { # name, extra args...
  local name=$1; shift
  mkdir -p "$tmp/$name"
  "$build/cpsd" --data-dir "$tmp/$name/data" --genesis-json "$tmp/genesis.json" \
    --http-server-address 127.0.0.1:0 --p2p-listen-endpoint 127.0.0.1:0 \
    --p2p-max-nodes-per-host 16 --enable-stale-production "$@" \
    >"$tmp/$name/out" 2>>"$tmp/$name/err" &
  pid[$name]=$!
  for _ in $(seq 1 400); do
    http[$name]=$(sed -n 's/^cpsd listening on port //p' "$tmp/$name/out")
    p2p[$name]=$(sed -n 's/^cpsd p2p on port //p' "$tmp/$name/out")
    [[ -n ${http[$name]} && -n ${p2p[$name]} ]] && return 0
    kill -0 "${pid[$name]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "node $name did not start:"; tail -5 "$tmp/$name/err"
  return 1
}
post() { curl -s -m 10 -d "$3" "http://127.0.0.1:${http[$1]}/v1/chain/$2"; }
field() { grep -o "\"$2\":[^,}]*" <<<"$1" | head -1 | cut -d: -f2 | tr -d '"'; }
info() { post "$1" get_info '{}'; }

start a --producer-name eosio --signature-provider "$DEV" \
  --producer-name "${pname[a]}" --signature-provider "${pkey[a]}" || finish
start b --producer-name "${pname[b]}" --signature-provider "${pkey[b]}" \
  --p2p-peer-address "127.0.0.1:${p2p[a]}" || finish
start c --producer-name "${pname[c]}" --signature-provider "${pkey[c]}" \
  --p2p-peer-address "127.0.0.1:${p2p[a]}" --p2p-peer-address "127.0.0.1:${p2p[b]}" || finish
start d --producer-name "${pname[d]}" --signature-provider "${pkey[d]}" \
  --p2p-peer-address "127.0.0.1:${p2p[a]}" --p2p-peer-address "127.0.0.1:${p2p[b]}" \
  --p2p-peer-address "127.0.0.1:${p2p[c]}" || finish

for _ in $(seq 1 100); do h=$(field "$(info a)" head_block_num); [[ -n $h && $h -ge 6 ]] && break; sleep 0.1; done
if node scripts/boot.js "http://127.0.0.1:${http[a]}" "$build" --system --producers 4 >"$tmp/boot.out" 2>&1; then
  ok "system contracts booted, four producers registered ($SECONDS s)"
else bad "boot: $(tail -3 "$tmp/boot.out")"; finish; fi
if node tests/node/p2p_bft.js "http://127.0.0.1:${http[a]}" "$build" 4 >"$tmp/sched.out" 2>&1; then
  ok "schedule ($(cat "$tmp/sched.out")) proposed through the privileged test contract ($SECONDS s)"
else bad "propose: $(cat "$tmp/sched.out")"; finish; fi
active=0
for _ in $(seq 1 300); do
  if post d get_producer_schedule '{}' | sed 's/"pending".*//' | grep -q "\"${pname[d]}\""; then active=1; break; fi
  sleep 0.1
done
[[ $active == 1 ]] && ok "the four-producer schedule is active (seen on d, $SECONDS s)" ||
  { bad "schedule not active: $(post d get_producer_schedule '{}' | head -c 300)"; finish; }

# LIB follows the head: sampled on every node for ~4 s.
sleep 1
worst=0 samples=0 lib_start=$(field "$(info a)" last_irreversible_block_num)
for _ in $(seq 1 8); do
  for n in "${nodes[@]}"; do
    j=$(info "$n"); h=$(field "$j" head_block_num); l=$(field "$j" last_irreversible_block_num)
    [[ -n $h && -n $l ]] || continue
    samples=$((samples + 1)); (( h - l > worst )) && worst=$((h - l))
  done
  sleep 0.5
done
lib_end=$(field "$(info a)" last_irreversible_block_num)
[[ $samples -ge 28 && $worst -le 4 && $lib_end -gt $((lib_start + 4)) ]] &&
  ok "LIB follows the head within $worst block(s) (<= 2 s) on all nodes; a's LIB $lib_start -> $lib_end" ||
  bad "LIB lag up to $worst blocks over $samples samples; a's LIB $lib_start -> $lib_end"

# Every node has the same block at the lowest LIB among them, and its LIB id agrees.
agree_lib() { # nodes...
  local min= n l ids
  for n in "$@"; do l=$(field "$(info "$n")" last_irreversible_block_num); [[ -z $min || $l -lt $min ]] && min=$l; done
  ids=$(for n in "$@"; do post "$n" get_block "{\"block_num_or_id\":$min}" | grep -o '"id":"[0-9a-f]*"' | head -1; done | sort -u)
  [[ $(wc -l <<<"$ids") == 1 && -n $ids ]] && echo "$min" && return 0
  echo "block $min differs: $ids"; return 1
}
if r=$(agree_lib a b c d); then ok "a, b, c and d agree on final block $r"; else bad "$r"; fi

# Kill the producer of the current turn, mid-turn: its remaining slots are skipped, the chain
# goes on with the other three, and LIB still advances (3 of 4 = 2/3 + 1).
prod=$(field "$(info a)" head_block_producer)
victim=
for n in "${nodes[@]}"; do [[ ${pname[$n]} == "$prod" ]] && victim=$n; done
[[ -n $victim ]] || victim=b
kill -9 "${pid[$victim]}"; wait "${pid[$victim]}" 2>/dev/null; pid[$victim]=
rest=(); for n in "${nodes[@]}"; do [[ $n != "$victim" ]] && rest+=("$n"); done
r0=${rest[0]}
h0=$(field "$(info "$r0")" head_block_num); l0=$(field "$(info "$r0")" last_irreversible_block_num)
t0=$SECONDS
sleep 9
h1=$(field "$(info "$r0")" head_block_num); l1=$(field "$(info "$r0")" last_irreversible_block_num)
[[ $h1 -ge $((h0 + 4)) ]] && ok "$victim (${pname[$victim]}) killed mid-turn: the chain goes on ($r0 head $h0 -> $h1 in $((SECONDS - t0)) s)" ||
  bad "after killing $victim: head $h0 -> $h1"
[[ $l1 -ge $((l0 + 4)) && $l1 -ge $((h1 - 4)) ]] && ok "LIB still advances with 3 of 4 ($l0 -> $l1, head $h1)" ||
  bad "LIB with 3 of 4: $l0 -> $l1 (head $h1)"
grep -q "slot .* belongs to ${pname[$victim]}" "$tmp/${rest[1]}/err" &&
  ok "the killed producer's slots are left to it (and skipped)" || bad "no sign of ${pname[$victim]}'s slots in ${rest[1]}'s log"
if r=$(agree_lib "${rest[@]}"); then ok "the three survivors agree on final block $r"; else bad "$r"; fi

# Finality latency as each node measured it (block timestamp -> seen final).
for n in "${rest[@]}"; do
  j=$(post "$n" get_finality_evidence '{}')
  s=$(field "$j" finality_samples); avg=$(field "$j" avg_finality_us); ev=$(grep -o '"evidence":\[[^]]*\]' <<<"$j")
  echo "     $n: finality latency avg $((avg / 1000)) ms over $s blocks, last $(( $(field "$j" last_finality_us) / 1000 )) ms; $ev"
  [[ -n $s && $s -gt 10 && $avg -gt 0 && $avg -lt 3000000 ]] || bad "$n's finality stats: $(head -c 300 <<<"$j")"
done
ok "finality latency measured on each survivor (printed above)"

# The survivors stop together; those that stopped at the same head have the same state.
for n in "${rest[@]}"; do kill -INT "${pid[$n]}"; done
for n in "${rest[@]}"; do
  wait "${pid[$n]}"; rc=$?; pid[$n]=
  [[ $rc == 0 ]] || bad "$n exited $rc: $(grep -v '^20[0-9][0-9]-' "$tmp/$n/err" | head -20)"
done
hashes=$(for n in "${rest[@]}"; do "$build/cpsd" --data-dir "$tmp/$n/data" --print-state-hash 2>/dev/null; done)
top=$(sort <<<"$hashes" | uniq -c | sort -rn | head -1)
if [[ $(awk '{print $1}' <<<"$top") -ge 2 && $(sort -u <<<"$hashes" | awk '{print $1}' | uniq -d | wc -l) == 0 ]]; then
  ok "state hashes agree at equal heads ($(tr '\n' ' ' <<<"$hashes" | cut -c1-120)...)"
else bad "state hashes: $hashes"; fi
grep -h "consensus.*switching forks\|equivocation" "$tmp"/[abcd]/err | head -3
echo "     total $SECONDS s"
finish
