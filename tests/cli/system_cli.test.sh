#!/usr/bin/env bash
# End-to-end test of `cps system ...` against a real cpsd ($CPS_BUILD/cpsd on a free port) booted
# with the system contracts (scripts/boot.js --system, as `make run`): newaccount with RAM and
# stake, delegatebw/undelegatebw/listbw, buyram/sellram, regproducer/voteproducer/listproducers,
# bidname/bidnameinfo, refused actions printed as cleos prints nodeos's errors, -d -s, usage
# errors. Without cpsd, the contracts or node it fails (it never passes vacuously).
# Prints "N passed, N failed"; exits non-zero on failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${CPS_BUILD:-build}
cps=$build/cps
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init system_cli cps contracts/eosio.system.wasm contracts/eosio.token.wasm
tmp=$CPSD_TMP
export CPS_WALLET_DIR=$tmp/wallets CPS_WALLET_SESSION_DIR=$tmp/session
unset CPS_WALLET_UNLOCK_TIMEOUT

DEV_PUB=$CPSD_DEV_PUB
DEV_KEY=$CPSD_DEV_PRIV
# Names under 12 characters need a won auction, except for accounts eosio creates.
BOB=cpsuserbobby

cpsd_start system_cli
url=$CPSD_URL
cpsd_boot system_cli --system

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
  # Under SAN=1 a leak or memory error must fail the test even where only stdout is compared.
  if grep -q 'Sanitizer' "$tmp/err"; then bad "cps $*: sanitizer report" "$(head -n 5 "$tmp/err")"; fi
}
expect_eq() { if [[ $2 == "$3" ]]; then ok; else bad "$1" "got:      $2" "expected: $3"; fi; }
expect_match() { if [[ $2 =~ $3 ]]; then ok; else bad "$1" "got:      $2" "expected: /$3/"; fi; }
# A pushed transaction: exit 0, cleos's summary and warning on stderr, and the action lines
# ("#<receiver> <= <code::action>", data cut off) equal to the given "receiver code::action" list.
expect_trace() { # NAME "receiver code::action"...
  local name=$1; shift
  if [[ $rc -ne 0 ]]; then bad "$name" "exit $rc" "stderr: $err"; return; fi
  expect_match "$name: summary" "$(head -n1 "$tmp/err")" \
    '^executed transaction: [0-9a-f]{64}  [0-9]+ bytes  [0-9]+ us$'
  expect_eq "$name: warning" "$(tail -n1 "$tmp/err")" \
    "warning: transaction executed locally, but may not be confirmed by the network yet"
  local expected="" pair
  for pair in "$@"; do expected+=$(printf '#%14s <= %-28s' ${pair})$'\n'; done
  expect_eq "$name: action lines" "$(grep '^#' "$tmp/out" | cut -c1-47)" "${expected%$'\n'}"
}
# One number field of `get account NAME -j` (ram_quota, net_weight, cpu_weight).
account_field() { # NAME FIELD
  "$cps" -u "$url" get account "$1" -j 2>/dev/null | sed -nE "s/^  \"$2\": (-?[0-9]+),?$/\1/p"
}
expect_refused() { # NAME MESSAGE: cleos's three lines for a failed eosio_assert
  if [[ $rc -ne 1 ]]; then bad "$1: exit code" "exit $rc, stdout: $out"; return; fi
  expect_eq "$1" "$(head -n3 "$tmp/err")" "Error 3050003: eosio_assert_message assertion failure
Error Details:
assertion failure with message: $2"
}

run wallet create --to-console
run wallet import --private-key "$DEV_KEY"
expect_eq "import the dev key" "$out" "imported private key for: $DEV_PUB"

# ---- newaccount ------------------------------------------------------------------------------
run create account eosio plain "$DEV_PUB"
expect_eq "create account (native only) is refused under the system contract" "$(sed -n 3p "$tmp/err")" \
  "account plain has insufficient ram; needs 2918 bytes has 0 bytes"
run system newaccount eosio alice "$DEV_PUB" --stake-net "10 CPS" --stake-cpu "10.0000 CPS" \
  --buy-ram-kbytes 8
expect_trace "system newaccount" "eosio eosio::newaccount" "eosio eosio::buyrambytes" \
  "eosio.token eosio.token::transfer" "eosio eosio.token::transfer" \
  "eosio.ram eosio.token::transfer" "eosio eosio::delegatebw"
# RAM: 8 KiB bought + the 1400-byte gift; stake: 10.0000 CPS each.
expect_eq "new account: RAM quota" "$(account_field alice ram_quota)" 9592
expect_eq "new account: net stake" "$(account_field alice net_weight)" 100000
expect_eq "new account: cpu stake" "$(account_field alice cpu_weight)" 100000
run get account alice
expect_match "get account: memory quota line" "$(grep '^     quota:' "$tmp/out")" \
  '^     quota:     9\.367 KiB    used: '
run system listbw eosio
expect_eq "listbw: eosio's delegation to alice" "$out" \
  "Receiver     Net bandwidth        CPU bandwidth        
alice        10.0000 CPS          10.0000 CPS          "
run system listbw alice
expect_eq "listbw of an account without delegations" "$err" "Delegated bandwidth not found"

# An account created by alice, paid in tokens, with the stake transferred to it.
run transfer eosio alice "100 CPS" "for staking"
expect_trace "transfer to alice" "eosio.token eosio.token::transfer" "eosio eosio.token::transfer" \
  "alice eosio.token::transfer"
run system newaccount alice $BOB "$DEV_PUB" "$DEV_PUB" --stake-net "1 CPS" --stake-cpu "2 CPS" \
  --buy-ram "0.5 CPS" --transfer
expect_trace "system newaccount --buy-ram --transfer" "eosio eosio::newaccount" "eosio eosio::buyram" \
  "eosio.token eosio.token::transfer" "alice eosio.token::transfer" \
  "eosio.ram eosio.token::transfer" "eosio eosio::delegatebw" \
  "eosio.token eosio.token::transfer" "alice eosio.token::transfer" \
  "eosio.stake eosio.token::transfer"
expect_eq "--buy-ram 0.5 CPS: 5000 bytes + gift" "$(account_field $BOB ram_quota)" 6400
run system listbw $BOB
expect_eq "--transfer: the delegation belongs to $BOB" "$(tail -n1 "$tmp/out")" \
  "$BOB 1.0000 CPS           2.0000 CPS           "
run get currency balance eosio.token alice CPS
expect_eq "alice paid RAM and stake" "$out" "96.5000 CPS"

# ---- stake -----------------------------------------------------------------------------------
run system delegatebw alice alice "20 CPS" "20.0000 CPS"
expect_trace "delegatebw to self" "eosio eosio::delegatebw" "eosio.token eosio.token::transfer" \
  "alice eosio.token::transfer" "eosio.stake eosio.token::transfer"
expect_eq "delegatebw: net stake" "$(account_field alice net_weight)" 300000
expect_eq "delegatebw: cpu stake" "$(account_field alice cpu_weight)" 300000
run system undelegatebw alice alice "5 CPS" "2.5 CPS"
expect_trace "undelegatebw" "eosio eosio::undelegatebw"
expect_eq "undelegatebw: net stake" "$(account_field alice net_weight)" 250000
expect_eq "undelegatebw: cpu stake" "$(account_field alice cpu_weight)" 275000
run get table eosio alice refunds
expect_match "undelegatebw: refund request" "$out" '"net_amount": "5.0000 CPS",[[:space:]]+"cpu_amount": "2.5000 CPS"'
run system refund alice
expect_refused "refund before its time" "refund is not available yet"
run system undelegatebw alice alice "1000 CPS" "0 CPS"
expect_refused "undelegate more than staked" "insufficient staked net bandwidth"
run system delegatebw alice alice "1 CPS" "1.00001 CPS"
expect_eq "too many decimals" "$err" "Error 3010004: Invalid symbol
Error Details:
Too many decimal digits in 1.00001 CPS, only 4 supported"

# ---- RAM -------------------------------------------------------------------------------------
run system buyram alice alice "1 CPS"
expect_trace "buyram in tokens" "eosio eosio::buyram" "eosio.token eosio.token::transfer" \
  "alice eosio.token::transfer" "eosio.ram eosio.token::transfer"
expect_eq "buyram 1 CPS: +10000 bytes" "$(account_field alice ram_quota)" 19592
run system buyram alice alice 2 --kbytes
expect_trace "buyram --kbytes" "eosio eosio::buyrambytes" "eosio.token eosio.token::transfer" \
  "alice eosio.token::transfer" "eosio.ram eosio.token::transfer"
expect_eq "buyram 2 KiB" "$(account_field alice ram_quota)" 21640
run system sellram alice 4096
expect_trace "sellram" "eosio eosio::sellram" "eosio.token eosio.token::transfer" \
  "eosio.ram eosio.token::transfer" "alice eosio.token::transfer"
expect_eq "sellram 4096 bytes" "$(account_field alice ram_quota)" 17544
run system sellram alice 1000000
expect_refused "sellram beyond the quota" "insufficient quota"
run system buyram alice alice 1 --kbytes --bytes
expect_eq "buyram --kbytes --bytes: usage error" "$rc:$(head -n1 "$tmp/err")" \
  "2:Error: --kbytes and --bytes cannot be set at the same time"

# ---- producers and votes ---------------------------------------------------------------------
run system regproducer alice "$DEV_PUB" https://alice.example 7 --annual-inflation-bp 250
expect_trace "regproducer" "eosio eosio::regproducer"
run system regproducer $BOB "$DEV_PUB" https://bob.example --annual-inflation-bp 501
expect_refused "regproducer above the inflation cap" "proposed annual inflation exceeds the 5% cap"
run system voteproducer prods alice carol
expect_refused "vote for an unregistered producer" "producer carol is not registered"
run system voteproducer prods alice alice
expect_trace "voteproducer prods" "eosio eosio::voteproducer"
run system voteproducer approve alice alice
expect_eq "approve a producer already voted for" "$rc:$err" '1:Producer "alice" is already on the list.'
run system listproducers
expect_eq "listproducers" "$out" \
  "Producer      Producer key                                              Url                                                         Scaled votes
alice         $DEV_PUB     https://alice.example                                       1.0000"
run system listproducers -j
expect_match "listproducers -j: location" "$out" '"location": 7,'
expect_match "listproducers -j: proposed inflation" "$out" '"annual_inflation_bp": 250'
expect_match "listproducers -j: vote weight (alice's own stake: 40 - 7.5 CPS)" "$out" \
  '"total_producer_vote_weight": "325000\.0+"'
run system regproducer $BOB "$DEV_PUB" https://bob.example
expect_trace "regproducer $BOB" "eosio eosio::regproducer"
run system voteproducer approve alice $BOB
expect_trace "voteproducer approve" "eosio eosio::voteproducer"
run system listproducers -l 1
expect_eq "listproducers -l 1: the most voted" "$(sed -n 2p "$tmp/out" | cut -c1-14)" "alice         "
expect_eq "listproducers -l 1: where to continue" "$(sed -n 3p "$tmp/out")" "-L $BOB for more"
run system voteproducer unapprove alice alice
expect_trace "voteproducer unapprove" "eosio eosio::voteproducer"
run get table eosio eosio voters
expect_match "voters row after unapprove" "$out" '"producers": \[[[:space:]]*"'$BOB'"[[:space:]]*\]'
run system unregprod alice
expect_trace "unregprod" "eosio eosio::unregprod"
run system listproducers -j
expect_match "unregprod: alice inactive" "$out" '"owner": "alice",[^}]*"is_active": 0'
run system claimrewards $BOB
expect_refused "claimrewards before activation" \
  "cannot claim rewards until the chain is activated (at least 15% of all tokens participate in voting)"

# ---- name bids -------------------------------------------------------------------------------
run system bidname alice ab "1 CPS"
expect_trace "bidname" "eosio eosio::bidname" "eosio.token eosio.token::transfer" \
  "alice eosio.token::transfer" "eosio.names eosio.token::transfer"
run system bidnameinfo ab
expect_eq "bidnameinfo" "$(sed -n 1,3p "$tmp/out")" "bidname:                                ab
highest bidder:                      alice
highest bid:                         10000"
expect_match "bidnameinfo: time" "$(sed -n 4p "$tmp/out")" \
  '^last bid time:     [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}$'
run system bidnameinfo abc
expect_eq "bidnameinfo without bids" "$out" "No bidname record found"

# ---- -d -s, -p, errors -----------------------------------------------------------------------
run system newaccount eosio carol "$DEV_PUB" --stake-net "1 CPS" --stake-cpu "1 CPS" \
  --buy-ram-bytes 4096 -d -s
expect_eq "-d -s exits 0" "$rc" 0
expect_eq "-d -s: the three actions" "$(sed -nE 's/^      "name": "(.*)",$/\1/p' "$tmp/out" | tr '\n' ' ')" \
  "newaccount buyrambytes delegatebw "
expect_match "-d -s: RAM bytes" "$out" '"bytes": 4096'
expect_match "-d -s: unsigned" "$out" '"signatures": \[\],'
run get account carol
expect_eq "-d did not broadcast" "$rc" 1
run system voteproducer prods alice zed bob -d -s -p alice@owner
expect_match "voteproducer sorts the producers" "$out" '"producers": \[[[:space:]]*"bob",[[:space:]]*"zed"[[:space:]]*\]'
expect_match "-p sets the authorization" "$out" '"actor": "alice",[[:space:]]*"permission": "owner"'
run system newaccount eosio carol "$DEV_PUB" --stake-cpu "1 CPS" --buy-ram-kbytes 4
expect_eq "newaccount without --stake-net" "$rc:$(head -n1 "$tmp/err")" "2:Error: --stake-net is required"
run system newaccount eosio carol "$DEV_PUB" --stake-net "1 CPS" --stake-cpu "1 CPS"
expect_eq "newaccount without RAM" "$rc:$(head -n1 "$tmp/err")" \
  "2:Error: one of --buy-ram, --buy-ram-kbytes or --buy-ram-bytes is required"
run system newaccount eosio Carol "$DEV_PUB" --stake-net "1 CPS" --stake-cpu "1 CPS" --buy-ram-kbytes 4
expect_match "newaccount with a bad name" "$rc:$err" '^1:Error: name: '
run system regproducer alice EOSnotakey
expect_eq "regproducer with a bad key" "$err" "Error: Invalid producer public key: EOSnotakey"
run system voteproducer prods --help
expect_match "prods help: the producer list" "$out" 'producers TEXT \.\.\. REQUIRED'

# cpsd answered everything above: stopped by SIGINT it must exit cleanly and, under SAN=1, report
# no leak or memory error.
cpsd_node_stop main
expect_eq "cpsd stops cleanly after the commands" "$?" 0
expect_eq "cpsd: no sanitizer report" "$(grep -c 'Sanitizer' "$tmp/main/err")" 0

echo "$pass passed, $failn failed"
[[ $failn -eq 0 ]]
