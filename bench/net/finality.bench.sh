#!/usr/bin/env bash
# Finality latency on real sockets (make bench): N producers (default 21) on N cpsd processes
# from one genesis, elected by votes (scripts/boot.js --activate), then for CPS_BENCH_SECONDS
# every node's production -> final time of every block (block timestamp to the moment the node
# saw it final, GET /v1/chain/get_finality_evidence {"since_block_num", "latencies"}): median
# and p99 over all (block, node) pairs, against the goals (loopback median <= 1.0 s; 100 ms
# round trip median <= 1.5 s). Two networks, one after the other:
#   1. loopback, nodes connected directly;
#   2. 100 ms round trip between any two nodes: all nodes in a network namespace whose loopback
#      has `tc netem delay 50ms` (needs root, iproute2 and the kernel's netem); where that is not
#      possible the script says why and relays every P2P connection through
#      bench/net/delay_proxy.js (50 ms each way) instead.
# CPS_BENCH_PRODUCERS, CPS_BENCH_SECONDS (default 45), CPS_BENCH_DELAY=0 skips network 2.
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
N=${CPS_BENCH_PRODUCERS:-21}
SECS=${CPS_BENCH_SECONDS:-45}
export NODE_PATH=$PWD/node_modules
[[ -x $build/cpsd && -f $build/contracts/eosio.system.wasm ]] || { echo "finality bench: build $build first"; exit 1; }
tmp=$(mktemp -d)
ns= proxy_pid=
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null
  wait 2>/dev/null
  [[ -n $ns ]] && ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
DEV=EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV=KEY:5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3
mapfile -t keys < <(node scripts/boot.js --print-producers "$N")

# run LABEL GOAL_MS MODE (direct | netem | proxy): one network, measured, then stopped.
run() {
  local label=$1 goal=$2 mode=$3 X=() dir="$tmp/$3" base=$((21000 + RANDOM % 300 * 100))
  [[ $mode == netem ]] && X=(ip netns exec "$ns")
  mkdir -p "$dir"
  printf '{"initial_timestamp": "%s", "initial_key": "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%S.000)" >"$dir/genesis.json"
  # node i listens for P2P on base+i; peers dial base+i, or the relay's base+50+i in proxy mode
  local dial=$base
  if [[ $mode == proxy ]]; then
    dial=$((base + 50))
    local maps=()
    for i in $(seq 0 $((N - 1))); do maps+=("$((dial + i)):$((base + i))"); done
    node bench/net/delay_proxy.js 50 "${maps[@]}" >"$dir/proxy.out" 2>&1 &
    proxy_pid=$!
    for _ in $(seq 1 100); do grep -q ready "$dir/proxy.out" && break; sleep 0.1; done
    grep -q ready "$dir/proxy.out" || { echo "delay proxy: $(cat "$dir/proxy.out")"; return 1; }
  fi
  local http=()
  for i in $(seq 0 $((N - 1))); do
    local name pub priv a=()
    read -r name pub priv <<<"${keys[$i]}"
    [[ $i == 0 ]] && a+=(--producer-name eosio --signature-provider "$DEV")
    a+=(--producer-name "$name" --signature-provider "$pub=KEY:$priv")
    # each node dials the first node and its two predecessors
    for j in 0 $((i - 1)) $((i - 2)); do
      ((j >= 0 && j < i)) && [[ ! " ${a[*]} " =~ " 127.0.0.1:$((dial + j)) " ]] &&
        a+=(--p2p-peer-address "127.0.0.1:$((dial + j))")
    done
    mkdir -p "$dir/n$i"
    "${X[@]}" "$build/cpsd" --data-dir "$dir/n$i/data" --genesis-json "$dir/genesis.json" \
      --http-server-address 127.0.0.1:0 --p2p-listen-endpoint "127.0.0.1:$((base + i))" \
      --p2p-max-nodes-per-host 40 --max-clients 40 "${a[@]}" >"$dir/n$i/out" 2>"$dir/n$i/err" &
    pids+=($!)
    for _ in $(seq 1 400); do
      http[i]=$(sed -n 's/^cpsd listening on port //p' "$dir/n$i/out")
      [[ -n ${http[i]} ]] && break
      sleep 0.05
    done
    [[ -n ${http[i]} ]] || { echo "node $i did not start: $(tail -3 "$dir/n$i/err")"; return 1; }
  done
  local t0=$SECONDS
  # boot.js takes its reference block 3 behind the head: wait until the node it talks to (the
  # last one, which syncs through the others, relays included) has followed the genesis
  # producer that far, rather than letting it start on a chain of 2 blocks
  local h=0
  for _ in $(seq 1 120); do
    h=$("${X[@]}" curl -s -d '{}' "http://127.0.0.1:${http[N - 1]}/v1/chain/get_info" | grep -o '"head_block_num":[0-9]*' | cut -d: -f2)
    [[ ${h:-0} -ge 10 ]] && break
    sleep 0.5
  done
  [[ ${h:-0} -ge 10 ]] || { echo "node $((N - 1)) did not follow the producer (head ${h:-none} after 60 s)"; return 1; }
  if ! "${X[@]}" node scripts/boot.js "http://127.0.0.1:${http[N - 1]}" "$build" --system --producers "$N" \
      --activate >"$dir/boot.out" 2>&1; then
    echo "boot failed: $(tail -3 "$dir/boot.out")"; return 1
  fi
  sleep 5
  local since
  since=$("${X[@]}" curl -s -d '{}' "http://127.0.0.1:${http[0]}/v1/chain/get_info" | grep -o '"head_block_num":[0-9]*' | cut -d: -f2)
  since=$((since + 1))
  sleep "$SECS"
  local urls=()
  for i in $(seq 0 $((N - 1))); do urls+=("http://127.0.0.1:${http[i]}"); done
  "${X[@]}" node -e '
    const [label, goal, since, secs, ...urls] = process.argv.slice(1);
    (async () => {
      const all = [], med = [];
      const pct = (a, p) => a[Math.max(0, Math.ceil(a.length * p / 100) - 1)];
      for (const u of urls) {
        const r = await fetch(u + "/v1/chain/get_finality_evidence",
          { method: "POST", body: JSON.stringify({ since_block_num: Number(since), latencies: true }) });
        const s = (await r.json()).latency.samples_us.map((x) => x[1]).sort((a, b) => a - b);
        if (s.length) med.push(pct(s, 50));
        all.push(...s);
      }
      all.sort((a, b) => a - b);
      med.sort((a, b) => a - b);
      const ms = (us) => (us / 1000).toFixed(0);
      if (!all.length) { console.log(`${label}: no block became final in ${secs} s: goal NOT met`); return; }
      const m = pct(all, 50);
      console.log(`${label}: production -> final median ${ms(m)} ms, p99 ${ms(pct(all, 99))} ms, ` +
        `max ${ms(all[all.length - 1])} ms over ${all.length} (block, node) pairs ` +
        `(${urls.length} nodes, ${secs} s from block ${since}); per-node medians ${ms(med[0])}..${ms(med[med.length - 1])} ms; ` +
        `${(m / 500000).toFixed(2)}x the 500 ms block interval; goal median <= ${goal} ms: ${m <= goal * 1000 ? "met" : "NOT met"}`);
    })().catch((e) => { console.log(`${label}: cannot read the latencies: ${e.message}`); process.exit(1); });
  ' "$label" "$goal" "$since" "$SECS" "${urls[@]}"
  echo "     (booted and elected in $((SECONDS - t0 - 5 - SECS)) s; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  pids=()
  [[ -n $proxy_pid ]] && { kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null; proxy_pid=; }
  rm -rf "$dir"
}

run "finality, $N producers, loopback" 1000 direct

[[ ${CPS_BENCH_DELAY:-1} == 0 ]] && exit 0
why=
if [[ $(id -u) != 0 ]]; then why="not root"
elif ! command -v ip >/dev/null || ! command -v tc >/dev/null; then why="iproute2 (ip, tc) missing"
else
  ns=cpsbench$$
  if ! err=$(ip netns add "$ns" 2>&1); then why="cannot create a network namespace: $err"; ns=
  elif ! err=$(ip netns exec "$ns" ip link set lo up 2>&1 && ip netns exec "$ns" tc qdisc add dev lo root netem delay 50ms 2>&1); then
    why="tc netem in a namespace failed: $err"
  fi
fi
if [[ -z $why ]]; then
  run "finality, $N producers, 100 ms round trip (netem)" 1500 netem
else
  echo "netem: $why; the 100 ms round trip is made by a user-space relay instead (bench/net/delay_proxy.js, 50 ms each way)"
  [[ -n $ns ]] && { ip netns del "$ns" 2>/dev/null; ns=; }
  run "finality, $N producers, 100 ms round trip (relay)" 1500 proxy
fi
