#!/usr/bin/env bash
# `make run`: a one-node development chain on 127.0.0.1:8888. The Makefile has installed what was
# missing (scripts/deps.sh) and built everything; this starts build/cpsd on a development genesis
# (EOSIO's public development key: for development only), boots it with scripts/boot.js (eosjs:
# eosio.token and CPS, then the system contracts: eosio.system on eosio, eosio.msig, eosio.wrap,
# cps.recover) and keeps the node in the foreground until Ctrl-C.
#   CPS_DATA_DIR   data directory (default build/run/data; kept between runs)
#   CPS_HTTP       listen address (default 127.0.0.1:8888)
#   CPS_BOOT_SYSTEM   1 (default): deploy the system contracts; 0: only eosio.token and CPS
#   CPS_BOOT_PRODUCERS N: also register N producers (scripts/boot.js --print-producers N)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
data=${CPS_DATA_DIR:-$build/run/data}
addr=${CPS_HTTP:-127.0.0.1:8888}
[[ -x $build/cpsd ]] || { echo "make run: $build/cpsd is missing (make)" >&2; exit 1; }
mkdir -p "$data"
log="$data/../cpsd.log"

"$build/cpsd" --data-dir "$data" --http-server-address "$addr" --enable-stale-production \
  --access-control-allow-origin '*' "$@" 2> >(tee -a "$log" >&2) &
pid=$!
trap 'kill -INT $pid 2>/dev/null; wait $pid' INT TERM
url="http://$addr"
for _ in $(seq 1 100); do
  curl -sf -d '{}' "$url/v1/chain/get_info" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "make run: cpsd exited (see $log)" >&2; exit 1; }
  sleep 0.1
done
CPS_BOOT_SYSTEM=${CPS_BOOT_SYSTEM:-1} NODE_PATH=$PWD/node_modules node scripts/boot.js "$url" "$build"
cat <<TXT

CPS development chain on $url (data in $data, log in $log).
The genesis key is EOSIO's public development key — never use this chain for anything of value:
  public  EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV
  private 5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3
Try:
  $build/cps -u $url get info
  $build/cps -u $url get currency balance eosio.token eosio CPS
  $build/cps wallet create --to-console     # then: $build/cps wallet import --private-key <key above>
  $build/cps -u $url system newaccount eosio alice <public key above> \\
      --stake-net "10.0000 CPS" --stake-cpu "10.0000 CPS" --buy-ram-kbytes 8
  $build/cps -u $url transfer eosio alice "100.0000 CPS" "hi"
  $build/cps -u $url get currency balance eosio.token alice CPS
  $build/cps -u $url get table eosio eosio global          # the system contract's state
  $build/cps -u $url system listproducers
  curl -s -d '{}' $url/v1/chain/get_info
  curl -s -d '{"code":"eosio.token","account":"eosio","symbol":"CPS"}' $url/v1/chain/get_currency_balance
  curl -s -d '{"code":"eosio.token","table":"stat","scope":"CPS","json":true}' $url/v1/chain/get_table_rows
  curl -s $url/metrics
  eosjs / @wharfkit/antelope against $url (see tests/e2e/eosjs_chain.js)
Ctrl-C stops the node cleanly; \`make run\` again continues the same chain.
TXT
wait $pid
