#!/usr/bin/env bash
# A local CPS network on loopback: `scripts/testnet.sh [N] [--followers M]` starts N producer
# nodes (default 21) and M non-producing nodes from a fresh genesis, connects them over P2P,
# boots the chain and prints the endpoints; `scripts/testnet.sh stop` stops them.
#
# Node 0 runs eosio (the genesis schedule) and producer 1; node i < N runs producer i+1 of
# producers.txt (name, public key, private key); every node produces only in the slots the active
# schedule gives its producers and follows the others over P2P. The boot (scripts/boot.js, through
# the last node) deploys the token and, with N > 1, the system contracts and registers the N
# producers and votes them in (boot.js --activate; CPS_TESTNET_ACTIVATE=0 skips the vote), after
# which the schedule moves from eosio to them. The plug-in points are start_args (what a node is
# started with) and boot_chain (what runs once the nodes are up).
#
#   CPS_TESTNET_DIR      data, logs and pids (default ./testnet; wiped at each start)
#   CPS_TESTNET_HTTP     first HTTP port (default 8888; node i uses +i)
#   CPS_TESTNET_P2P      first P2P port (default 9876; node i uses +i)
#   CPS_TESTNET_ACTIVATE=0  register the producers but do not vote them in (default 1 for N > 1)
#   BUILD                build directory holding cpsd and the contracts (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${CPS_TESTNET_DIR:-$PWD/testnet}
build=${BUILD:-build}
http_base=${CPS_TESTNET_HTTP:-8888}
p2p_base=${CPS_TESTNET_P2P:-9876}
DEV_PUB=EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV
DEV_PRIV=5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3

stop_all() {
  [[ -d $dir ]] || { echo "testnet: nothing in $dir"; return 0; }
  local pids=()
  for f in "$dir"/node*/pid; do
    [[ -f $f ]] || continue
    local p
    p=$(cat "$f")
    if kill -0 "$p" 2>/dev/null; then kill -INT "$p" && pids+=("$p"); fi
    rm -f "$f"
  done
  for _ in $(seq 1 100); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -9 "$p"; done
  echo "testnet: stopped ${#pids[@]} node(s)"
}

if [[ ${1:-} == stop ]]; then stop_all; exit 0; fi

producers=21 followers=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --followers) followers=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) [[ $1 =~ ^[0-9]+$ && $1 -ge 1 ]] || { echo "testnet: bad argument '$1'" >&2; exit 2; }
       producers=$1; shift ;;
  esac
done
total=$((producers + followers))
[[ -x $build/cpsd ]] || { echo "testnet: build $build/cpsd first (make)" >&2; exit 1; }

stop_all >/dev/null
rm -rf "$dir"
mkdir -p "$dir"
# One genesis for every node (EOSIO's public development key: loopback testing only).
now=$(date -u +%Y-%m-%dT%H:%M:%S.000)
printf '{"initial_timestamp": "%s", "initial_key": "%s"}\n' "$now" "$DEV_PUB" >"$dir/genesis.json"

# The producer accounts boot.js registers: name, public key, private key (deterministic test keys).
export NODE_PATH=$PWD/node_modules
node scripts/boot.js --print-producers "$producers" >"$dir/producers.txt"

# What node i is started with: node 0 runs eosio (the genesis schedule) and node i < N the
# producer on line i+1 of producers.txt; each produces in the slots the active schedule gives it.
start_args() {
  local i=$1
  if [[ $i == 0 ]]; then
    echo "--producer-name eosio --signature-provider $DEV_PUB=KEY:$DEV_PRIV --enable-stale-production"
  fi
  if [[ $i -lt $producers ]]; then
    read -r name pub priv < <(sed -n "$((i + 1))p" "$dir/producers.txt")
    echo "--producer-name $name --signature-provider $pub=KEY:$priv"
  fi
  # Each node dials node 0 and its predecessor: a connected mesh with short paths.
  [[ $i -gt 0 ]] && echo "--p2p-peer-address 127.0.0.1:$p2p_base"
  [[ $i -gt 1 ]] && echo "--p2p-peer-address 127.0.0.1:$((p2p_base + i - 1))"
  return 0
}

for i in $(seq 0 $((total - 1))); do
  nd="$dir/node$i"
  mkdir -p "$nd"
  # shellcheck disable=SC2046
  "$build/cpsd" --data-dir "$nd/data" --genesis-json "$dir/genesis.json" \
    --http-server-address "127.0.0.1:$((http_base + i))" \
    --p2p-listen-endpoint "127.0.0.1:$((p2p_base + i))" \
    --p2p-max-nodes-per-host $((total + 4)) --max-clients $((total + 4)) \
    --agent-name "testnet-node$i" $(start_args "$i") >"$nd/stdout" 2>"$nd/log" &
  echo $! >"$nd/pid"
done

wait_up() { # url
  for _ in $(seq 1 100); do
    curl -sf -d '{}' "$1/v1/chain/get_info" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
for i in $(seq 0 $((total - 1))); do
  wait_up "http://127.0.0.1:$((http_base + i))" || { echo "testnet: node$i did not start (see $dir/node$i/log)" >&2; tail -3 "$dir/node$i/log" >&2; exit 1; }
done

# Boot through the last node (a follower: its pushes travel over P2P to the producer): the token,
# and with several producers the system contracts, the producers' registration and the vote that
# elects them (waits until get_producer_schedule shows them active).
boot_chain() {
  local url=http://127.0.0.1:$((http_base + total - 1)) args=()
  if [[ $producers -gt 1 ]]; then args+=(--system --producers "$producers"); fi
  if [[ $producers -gt 1 && ${CPS_TESTNET_ACTIVATE:-1} == 1 ]]; then args+=(--activate); fi
  node scripts/boot.js "$url" "$build" "${args[@]}" >"$dir/boot.log" 2>&1
}
boot_chain || { echo "testnet: boot failed (see $dir/boot.log)" >&2; tail -3 "$dir/boot.log" >&2; exit 1; }

echo "CPS testnet in $dir: $total node(s), chain $(curl -s -d '{}' "http://127.0.0.1:$http_base/v1/chain/get_info" | sed -n 's/.*"chain_id":"\([0-9a-f]*\)".*/\1/p')"
printf '%-7s %-9s %-12s %-24s %-16s %s\n' node signs account http p2p pid
for i in $(seq 0 $((total - 1))); do
  signs=-
  [[ $i == 0 ]] && signs=eosio+
  account=-
  [[ $i -lt $producers ]] && account=$(sed -n "$((i + 1))p" "$dir/producers.txt" | cut -d' ' -f1)
  printf '%-7s %-9s %-12s %-24s %-16s %s\n' "node$i" "$signs" "$account" \
    "http://127.0.0.1:$((http_base + i))" "127.0.0.1:$((p2p_base + i))" "$(cat "$dir/node$i/pid")"
done
if [[ $producers -gt 1 ]]; then
  if [[ ${CPS_TESTNET_ACTIVATE:-1} == 1 ]]; then
    echo "producers voted in: each node signs in its slots once the schedule is active (get_producer_schedule)"
  else
    echo "note: eosio (node0) produces every block until the registered producers are voted in"
    echo "      (boot.js --activate against any node)."
  fi
fi
echo "logs: $dir/node*/log   stop: scripts/testnet.sh stop"
