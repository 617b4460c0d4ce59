#!/usr/bin/env bash
# cpsd's P2P with real processes on loopback: one producer and followers from one genesis — a
# transaction pushed to a follower two hops from the producer lands in a block, a late node syncs
# from zero, a node killed with kill -9 catches up after a restart, a peer writing garbage is
# dropped while the chain goes on, and at the end every node has the same blocks and state hash.
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

# Every node starts from this genesis (the development key, a fixed time: one chain id).
cat >"$tmp/genesis.json" <<'JSON'
{"initial_timestamp": "2026-01-01T00:00:00.000",
 "initial_key": "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"}
JSON
KEY=EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV=KEY:5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3

start() { # name, extra args...: starts a node listening for peers on a free port
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
stop() { # name, signal: a non-zero exit after SIGINT shows the end of the node's log
  kill "-${2:-INT}" "${pid[$1]}" 2>/dev/null; wait "${pid[$1]}" 2>/dev/null; local rc=$?; pid[$1]=
  [[ $rc != 0 && ${2:-INT} == INT ]] && { echo "node $1 exited $rc:"; grep -v '^20[0-9][0-9]-' "$tmp/$1/err" | head -30; }
  return $rc
}
post() { curl -s -m 10 -d "$3" "http://127.0.0.1:${http[$1]}/v1/chain/$2"; }
head_of() { post "$1" get_info '{}' | grep -o '"head_block_num":[0-9]*' | cut -d: -f2; }
block_id() { post "$1" get_block "{\"block_num_or_id\":$2}" | grep -o '"id":"[0-9a-f]*"' | head -1; }
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
start f2 --p2p-peer-address "127.0.0.1:${p2p[f1]}" || finish
wait_head f2 5 15 && ok "followers follow the producer (f2 through f1)" || bad "f2 head $(head_of f2)"

# Transactions pushed to f2 travel f2 -> f1 -> prod; the answer waits for the block.
if node scripts/boot.js "http://127.0.0.1:${http[f2]}" "$build" >"$tmp/boot.out" 2>&1; then
  ok "boot (account, contract, token) through a follower two hops from the producer"
else bad "boot through f2: $(tail -3 "$tmp/boot.out")"; fi
read -r trx num < <(node tests/node/p2p_transfer.js "http://127.0.0.1:${http[f2]}" hello 2>"$tmp/t.err")
if [[ -n ${num:-} && $num -gt 0 ]] && post prod get_block "{\"block_num_or_id\":$num}" | grep -q "$trx"; then
  ok "a transfer pushed to f2 is answered with its block ($num), which holds it on the producer"
else bad "transfer via f2: '${trx:-}' '${num:-}' $(cat "$tmp/t.err")"; fi
t0=$(date +%s)
if node tests/node/p2p_transfer.js "http://127.0.0.1:${http[f2]}" overdraw "9999999999999.0000 CPS" >"$tmp/o.out" 2>&1; then
  bad "an overdrawn transfer through f2 was accepted"
elif grep -q 'overdrawn balance' "$tmp/o.out" && [[ $(($(date +%s) - t0)) -lt 10 ]]; then
  ok "an overdrawn transfer pushed to f2 is refused at once with the contract's error"
else bad "overdrawn transfer via f2: $(cat "$tmp/o.out")"; fi
stats=$(post prod get_currency_stats '{"code":"eosio.token","symbol":"CPS"}')
[[ $stats == *'"supply":"'* ]] && ok "the producer's state has the token created through f2" || bad "stats: $stats"

# A node started later syncs from block 1 (from f1, by ranges).
wait_head prod 20 20 || bad "the producer did not reach block 20"
start late --p2p-peer-address "127.0.0.1:${p2p[f1]}" || finish
target=$(head_of prod)
wait_head late "$target" 20 && ok "a late node synced from zero to $target" || bad "late node head $(head_of late) < $target"
grep -q 'syncing: head 1' "$tmp/late/err" && ok "the late node synced by range requests" || bad "no range sync in the late node's log"

# kill -9 and restart: the node catches up from where its data stopped.
stop f2 KILL
h=$(head_of prod)
wait_head prod $((h + 6)) 10 || true
start f2 --p2p-peer-address "127.0.0.1:${p2p[f1]}" || finish
target=$(head_of prod)
wait_head f2 "$target" 20 && ok "f2 restarted after kill -9 caught up to $target" || bad "f2 head $(head_of f2) < $target"

# Hostile peers speaking the protocol: one claims a head it never serves (it would keep the
# producer from producing), one sends a well-formed block with made-up roots and signature.
out=$(node tests/node/p2p_hostile.js liar "${p2p[prod]}" "${http[prod]}" 2>&1)
[[ $out == "dropped 9" ]] && ok "a peer claiming blocks it does not serve is dropped (timeout)" || bad "liar: $out"
grep -q 'sent none of the blocks it announced' "$tmp/prod/err" && ok "the producer says why it dropped the liar" || bad "no liar drop in the producer's log"
h=$(head_of prod)
wait_head prod $((h + 3)) 10 && ok "the producer produces again after the liar is gone" || bad "producer stuck at $(head_of prod)"
out=$(node tests/node/p2p_hostile.js badblock "${p2p[f1]}" "${http[f1]}" 2>&1)
[[ $out == "dropped 6" ]] && ok "a peer sending an invalid block is dropped (invalid)" || bad "bad block: $out"
grep -q 'refused:' "$tmp/f1/err" && ok "f1 refused the block: $(grep -o 'refused: .*' "$tmp/f1/err" | head -1 | cut -c1-80)" || bad "no refusal in f1's log"

# A peer that writes garbage is dropped; the producer goes on and the followers follow.
exec 3<>"/dev/tcp/127.0.0.1/${p2p[prod]}" && printf '\xff\xff\xff\x7f\x04garbage' >&3
sleep 0.3
exec 3>&- 3<&-
exec 3<>"/dev/tcp/127.0.0.1/${p2p[f1]}" && printf '\x05\x00\x00\x00\x63\x00\x00\x00\x00' >&3
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
