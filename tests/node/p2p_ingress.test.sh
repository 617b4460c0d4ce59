#!/usr/bin/env bash
# P2P transaction ingress off the loop (issue 8): a producer and a follower on loopback. Transfers
# pushed to the follower reach the producer as P2P transactions, prepared on its workers and
# applied from the API's queue; transfers pushed to the producer are gossiped to the follower,
# which recovers their keys on its workers and then validates the block that carries them
# without recovering any signature again (the controller's recovered-key cache, read through
# /metrics: cps_chain_signatures_recovered_total stays, cps_chain_signature_cache_hits_total
# grows by the block's signatures).
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
export NODE_PATH=$PWD/node_modules
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
[[ -x $build/cpsd ]] || { echo "missing $build/cpsd"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
declare -A pid http p2p
cleanup() {
  for n in "${!pid[@]}"; do [[ -n ${pid[$n]} ]] && kill -9 "${pid[$n]}" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
finish() { echo "$pass passed, $fail failed"; [[ $fail -eq 0 ]]; exit $?; }

cat >"$tmp/genesis.json" <<'JSON'
{"initial_timestamp": "2026-01-01T00:00:00.000",
 "initial_key": "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"}
JSON
KEY=EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV=KEY:5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3

start() { # name, extra args...
  local name=$1; shift
  mkdir -p "$tmp/$name"
  : >"$tmp/$name/out"
  "$build/cpsd" --data-dir "$tmp/$name/data" --genesis-json "$tmp/genesis.json" \
    --http-server-address 127.0.0.1:0 --p2p-listen-endpoint 127.0.0.1:0 \
    --p2p-max-nodes-per-host 8 --agent-name "test-$name" "$@" \
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
head_of() { post "$1" get_info '{}' | grep -o '"head_block_num":[0-9]*' | cut -d: -f2; }
metric() { # node, name: its value in /metrics (0 when absent)
  local v
  v=$(curl -s -m 10 "http://127.0.0.1:${http[$1]}/metrics" | awk -v n="$2" '$1 == n {print $2}')
  printf '%.0f\n' "${v:-0}"
}
wait_head() { # name, at least, seconds
  local h
  for _ in $(seq 1 $(($3 * 10))); do
    h=$(head_of "$1")
    [[ -n $h && $h -ge $2 ]] && return 0
    sleep 0.1
  done
  return 1
}

start prod --producer-name eosio --signature-provider "$KEY" --enable-stale-production || finish
start f1 --p2p-peer-address "127.0.0.1:${p2p[prod]}" || finish
wait_head prod 5 15 && wait_head f1 5 15 && ok "the follower follows the producer" ||
  bad "heads: prod $(head_of prod), f1 $(head_of f1)"
if node scripts/boot.js "http://127.0.0.1:${http[prod]}" "$build" >"$tmp/boot.out" 2>&1; then
  ok "boot (account, contract, token) on the producer"
else bad "boot: $(tail -3 "$tmp/boot.out")"; fi
wait_head f1 "$(head_of prod)" 10 || bad "f1 did not catch up with the boot"

# 1. The follower forwards over P2P; the producer prepares on its workers and applies.
prep0=$(metric prod cps_p2p_transactions_prepared_total)
got=$(node tests/node/p2p_ingress.js "http://127.0.0.1:${http[f1]}" 6 via-follower 2>"$tmp/a.err")
prep1=$(metric prod cps_p2p_transactions_prepared_total)
if [[ $got == 6 && $((prep1 - prep0)) -ge 6 ]]; then
  ok "6 transfers pushed to the follower are in blocks, prepared on the producer's workers ($((prep1 - prep0)))"
else bad "via follower: $got answered, producer prepared $((prep1 - prep0)): $(head -3 "$tmp/a.err")"; fi

# 2. Gossiped to the follower, whose block validation then finds every key in the cache. Both
#    sizes: a few signatures (recovered one by one on the loop) and 24 (the block's helper
#    threads, which take the cached receipts first).
for n in 3 24; do
  sleep 1.2 # the previous blocks are applied and counted everywhere
  wait_head f1 "$(head_of prod)" 10
  r0=$(metric f1 cps_chain_signatures_recovered_total)
  h0=$(metric f1 cps_chain_signature_cache_hits_total)
  fp0=$(metric f1 cps_p2p_transactions_prepared_total)
  got=$(node tests/node/p2p_ingress.js "http://127.0.0.1:${http[prod]}" "$n" "gossip-$n" 2>"$tmp/b.err")
  wait_head f1 "$(head_of prod)" 10
  sleep 0.6 # the follower's metrics follow its blocks
  r1=$(metric f1 cps_chain_signatures_recovered_total)
  h1=$(metric f1 cps_chain_signature_cache_hits_total)
  fp1=$(metric f1 cps_p2p_transactions_prepared_total)
  if [[ $got == "$n" && $((fp1 - fp0)) -ge $n && $((h1 - h0)) -ge $n && $r1 == "$r0" ]]; then
    ok "$n gossiped transfers: prepared on the follower's workers, their block validated with $((h1 - h0)) cached keys and no recovery"
  else
    bad "$n gossiped transfers: answered $got, follower prepared $((fp1 - fp0)), cache hits +$((h1 - h0)), recoveries +$((r1 - r0))"
  fi
done

# 3. Both nodes agree.
sleep 1
num=$(head_of f1)
a=$(post prod get_block "{\"block_num_or_id\":$num}" | grep -o '"id":"[0-9a-f]*"' | head -1)
b=$(post f1 get_block "{\"block_num_or_id\":$num}" | grep -o '"id":"[0-9a-f]*"' | head -1)
[[ -n $a && $a == "$b" ]] && ok "same block ids on both nodes" || bad "block ids differ: $a / $b"

# 4. Both stop cleanly on SIGINT (under SAN=1: no leak of a transaction still in preparation).
for n in f1 prod; do
  kill -INT "${pid[$n]}" 2>/dev/null; wait "${pid[$n]}" 2>/dev/null; rc=$?; pid[$n]=
  [[ $rc == 0 ]] && ok "$n stops cleanly" ||
    bad "$n exited $rc: $(grep -v '^20[0-9][0-9]-' "$tmp/$n/err" | head -20)"
done
finish
