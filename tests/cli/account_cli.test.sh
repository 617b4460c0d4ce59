#!/usr/bin/env bash
# End-to-end test of get_account with the system contract's data and of `cps get account`'s
# cleos layout, against a real cpsd ($CPS_BUILD/cpsd on a free port) booted with the system
# contracts (scripts/boot.js --system): the reply's JSON (tests/cli/account_check.js) and the
# printed lines — stake and delegations, RAM, bandwidth, unstaking tokens, balances, votes,
# permission links — for an account staked by eosio, then after staking, unstaking and voting
# itself; a missing account answers nodeos's account_query_exception. Without cpsd, the contracts
# or node it fails (it never passes vacuously). Prints "N passed, N failed"; exits non-zero on
# failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${CPS_BUILD:-build}
cps=$build/cps
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init account_cli cps contracts/eosio.system.wasm contracts/eosio.token.wasm
tmp=$CPSD_TMP
export CPS_WALLET_DIR=$tmp/wallets CPS_WALLET_SESSION_DIR=$tmp/session
unset CPS_WALLET_UNLOCK_TIMEOUT

DEV_PUB=$CPSD_DEV_PUB
DEV_KEY=$CPSD_DEV_PRIV

cpsd_start account_cli
url=$CPSD_URL
cpsd_boot account_cli --system

pass=0
failn=0
ok() { pass=$((pass + 1)); }
bad() {
  failn=$((failn + 1))
  echo "FAIL: $1" >&2
  shift
  for line in "$@"; do echo "    $line" >&2; done
}
run() { # args...: cps -u URL args; leaves rc, out, err
  "$cps" -u "$url" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
  if grep -q 'Sanitizer' "$tmp/err"; then bad "cps $*: sanitizer report" "$(head -n 5 "$tmp/err")"; fi
}
expect_eq() { if [[ $2 == "$3" ]]; then ok; else bad "$1" "got:      $2" "expected: $3"; fi; }
must() { # NAME args...: a cps command that has to succeed for the next checks to mean anything
  local name=$1; shift
  run "$@"
  if [[ $rc -eq 0 ]]; then ok; else bad "$name" "exit $rc" "$err"; fi
}
# Compares `cps get account` line by line with a template: each template line is literal text,
# except that a line starting with "~" is an anchored regular expression (for the amounts of
# usage, the limits and the clock, which move with every block).
expect_layout() { # NAME TEMPLATE_FILE
  local name=$1 i=0 line want
  mapfile -t got_lines <"$tmp/out"
  mapfile -t want_lines <"$2"
  if [[ ${#got_lines[@]} -ne ${#want_lines[@]} ]]; then
    bad "$name: line count" "got ${#got_lines[@]}, expected ${#want_lines[@]}" "$(cat "$tmp/out")"
    return
  fi
  for ((i = 0; i < ${#want_lines[@]}; i++)); do
    line=${got_lines[i]} want=${want_lines[i]}
    if [[ $want == "~"* ]]; then
      [[ $line =~ ^${want:1}$ ]] || { bad "$name: line $((i + 1))" "got:      '$line'" "expected: /${want:1}/"; return; }
    elif [[ $line != "$want" ]]; then
      bad "$name: line $((i + 1))" "got:      '$line'" "expected: '$want'"
      return
    fi
  done
  ok
}
json_check() { # PHASE: tests/cli/account_check.js, its counts added to ours
  local log counts
  log=$(NODE_PATH=$PWD/node_modules node tests/cli/account_check.js "$url" "$1" 2>&1)
  counts=$(tail -n 1 <<<"$log")
  if [[ $counts =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    pass=$((pass + BASH_REMATCH[1]))
    failn=$((failn + BASH_REMATCH[2]))
    [[ ${BASH_REMATCH[2]} -eq 0 ]] || echo "$log" | grep '^FAIL' >&2
  else
    bad "account_check.js $1 did not finish" "$log"
  fi
}

must "import the dev key" wallet create --to-console
must "import the dev key" wallet import --private-key "$DEV_KEY"

# ---- a missing account -----------------------------------------------------------------------
run get account nosuchacct
expect_eq "missing account: cleos's error" "$rc:$err" "1:Error 3060002: Account Query Exception
Error Details:
unable to retrieve account info (unknown key (boost::tuples::tuple<bool, eosio::chain::name, boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type, boost::tuples::null_type>): (0 nosuchacct))"

# ---- staked by eosio -------------------------------------------------------------------------
must "system newaccount" system newaccount eosio alice "$DEV_PUB" --stake-net "10 CPS" \
  --stake-cpu "20 CPS" --buy-ram-kbytes 8
json_check fresh
run get account alice
created=$(sed -nE 's/^created: (.*)$/\1/p' "$tmp/out")
cat >"$tmp/fresh.txt" <<TEMPLATE
created: $created
permissions: 
     owner     1:    1 $DEV_PUB
        active     1:    1 $DEV_PUB

permission links: 
     eosio.any: 

memory: 
~     quota:     9\.367 KiB    used: +[0-9.]+ (bytes|KiB) *

net bandwidth: 
     delegated:      10.0000 CPS           (total staked delegated to account from others)
     used:                 0 bytes
~     available: +[0-9.]+ [KMGT]iB *
~     limit: +[0-9.]+ [KMGT]iB *

cpu bandwidth:
     delegated:      20.0000 CPS           (total staked delegated to account from others)
     used:                 0 us   
~     available: +[0-9.]+ (ms|sec|min|hr) *
~     limit: +[0-9.]+ (ms|sec|min|hr) *

subjective cpu bandwidth:
     used:                 0 us   


TEMPLATE
expect_eq "get account exits 0" "$rc" 0
expect_layout "get account (staked by eosio)" "$tmp/fresh.txt"

# ---- staked, unstaking and voting itself -------------------------------------------------------
must "transfer to alice" transfer eosio alice "100 CPS" "to stake"
must "delegatebw to self" system delegatebw alice alice "3 CPS" "4 CPS"
must "undelegatebw" system undelegatebw alice alice "1 CPS" "0.5 CPS"
must "regproducer" system regproducer alice "$DEV_PUB" https://alice.example
must "voteproducer" system voteproducer prods alice alice
must "linkauth to active" set action permission alice eosio.token transfer active
must "linkauth to eosio.any" set action permission alice eosio voteproducer eosio.any
json_check staked
run get account alice
request_time=$(curl -s -d '{"account_name":"alice"}' "$url/v1/chain/get_account" |
  sed -nE 's/.*"request_time":"([^"]*)".*/\1/p')
cat >"$tmp/staked.txt" <<TEMPLATE
created: $created
permissions: 
     owner     1:    1 $DEV_PUB
        active     1:    1 $DEV_PUB

permission links: 
     active:
          eosio.token::transfer
     eosio.any: 
          eosio::voteproducer

memory: 
~     quota:     9\.367 KiB    used: +[0-9.]+ KiB *

net bandwidth: 
     staked:          2.0000 CPS           (total stake delegated from account to self)
     delegated:      10.0000 CPS           (total staked delegated to account from others)
~     used: +[0-9.]+ (bytes|KiB)
~     available: +[0-9.]+ [KMGT]iB *
~     limit: +[0-9.]+ [KMGT]iB *

cpu bandwidth:
     staked:          3.5000 CPS           (total stake delegated from account to self)
     delegated:      20.0000 CPS           (total staked delegated to account from others)
~     used: +[0-9.]+ (us|ms) *
~     available: +[0-9.]+ (ms|sec|min|hr) *
~     limit: +[0-9.]+ (ms|sec|min|hr) *

subjective cpu bandwidth:
     used:                 0 us   

unstaking tokens:
~     time of unstake request:  $request_time \(funds will be available in (72|71\.9[0-9]) hr\)
     from net bandwidth:              1.0000 CPS
     from cpu bandwidth:              0.5000 CPS
     total:                           1.5000 CPS

CPS balances: 
     liquid:           93.0000 CPS
     staked:            5.5000 CPS
     unstaking:         1.5000 CPS
     total:           100.0000 CPS

producers:
     alice           

TEMPLATE
expect_eq "get account exits 0 (staked)" "$rc" 0
expect_layout "get account (self-staked, unstaking, voted)" "$tmp/staked.txt"
cp "$tmp/out" "$tmp/staked.out"
run get account alice 4,CPS
expect_eq "get account NAME 4,CPS: the same balances" "$(grep -A4 '^CPS balances: $' "$tmp/out")" \
  "$(grep -A4 '^CPS balances: $' "$tmp/staked.out")"
run get account alice 4,SYS
expect_eq "get account NAME 4,SYS: no balance section for a token alice lacks" \
  "$rc:$(grep -c 'balances: $' "$tmp/out")" "0:0"
run get account alice -j
expect_eq "get account -j: cleos's pretty JSON of the reply" \
  "$(grep -A5 '"self_delegated_bandwidth"' "$tmp/out")" '  "self_delegated_bandwidth": {
    "from": "alice",
    "to": "alice",
    "net_weight": "2.0000 CPS",
    "cpu_weight": "3.5000 CPS"
  },'

# cpsd answered every get_account above: stopped cleanly, it must report no leak or memory error
# (under SAN=1).
cpsd_node_stop main
expect_eq "cpsd stops cleanly after the queries" "$?" 0
expect_eq "cpsd: no sanitizer report" "$(grep -c 'Sanitizer' "$tmp/main/err")" 0

echo "$pass passed, $failn failed"
[[ $failn -eq 0 ]]
