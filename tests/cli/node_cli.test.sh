#!/usr/bin/env bash
# End-to-end test of `cps`'s node commands against a real cpsd ($CPS_BUILD/cpsd, a one-node dev
# chain on a free port): wallet keys -> create account -> set contract eosio.token (from
# $CPS_BUILD/contracts) -> push action create/issue -> transfer -> get table / currency balance /
# stats / account / info / block / abi / code / scope, errors shaped as cleos prints nodeos's,
# and -d/-s/-j/--return-packed. Without cpsd it fails (it never passes vacuously).
# Prints "N passed, N failed"; exits non-zero on failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${CPS_BUILD:-build}
cps=$build/cps
contracts=$build/contracts
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init node_cli cps contracts/eosio.token.wasm contracts/eosio.token.abi
tmp=$CPSD_TMP
export CPS_WALLET_DIR=$tmp/wallets CPS_WALLET_SESSION_DIR=$tmp/session
unset CPS_WALLET_UNLOCK_TIMEOUT

DEV_PUB=$CPSD_DEV_PUB
DEV_KEY=$CPSD_DEV_PRIV

cpsd_start node_cli
url=$CPSD_URL

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
}
expect_eq() { if [[ $2 == "$3" ]]; then ok; else bad "$1" "got:      $2" "expected: $3"; fi; }
expect_match() { if [[ $2 =~ $3 ]]; then ok; else bad "$1" "got:      $2" "expected: /$3/"; fi; }
# A pushed transaction: exit 0, cleos's summary line on stderr, one "#" line per action trace.
expect_executed() { # NAME RECEIVER... (the expected receivers of `code::action` in order), last arg code::action
  local name=$1; shift
  local action=${!#}
  local receivers=("${@:1:$#-1}")
  if [[ $rc -ne 0 ]]; then bad "$name" "exit $rc" "stderr: $err"; return; fi
  expect_match "$name: summary" "$(head -n1 "$tmp/err")" \
    '^executed transaction: [0-9a-f]{64}  [0-9]+ bytes  [0-9]+ us$'
  expect_eq "$name: warning" "$(tail -n1 "$tmp/err")" \
    "warning: transaction executed locally, but may not be confirmed by the network yet"
  local expected="" r
  for r in "${receivers[@]}"; do expected+=$(printf '#%14s <= %-28s' "$r" "$action")$'\n'; done
  local got
  got=$(grep '^#' "$tmp/out" | cut -c1-47)
  expect_eq "$name: action lines" "$got" "${expected%$'\n'}"
}

# ---- wallet with the dev key --------------------------------------------------------------
run wallet create --to-console
if [[ $rc -ne 0 ]]; then bad "wallet create" "$err"; fi
run push action eosio.token create '{}' -p eosio.token
expect_eq "push with an empty wallet: the node says which key is missing" "$rc" 1
run wallet import --private-key "$DEV_KEY"
expect_eq "import the dev key" "$out" "imported private key for: $DEV_PUB"

# ---- get info / block ----------------------------------------------------------------------
run get info
expect_eq "get info exits 0" "$rc" 0
chain_id=$(sed -nE 's/^  "chain_id": "([0-9a-f]{64})",$/\1/p' "$tmp/out")
expect_match "get info: pretty JSON with chain_id" "$chain_id" '^[0-9a-f]{64}$'
expect_eq "get info: first line" "$(head -n1 "$tmp/out")" "{"
run get block 1
expect_match "get block 1" "$(grep '"block_num"' "$tmp/out")" '"block_num": 1,?$'
run get block 99999999
expect_eq "get block past the head fails" "$rc" 1
expect_match "unknown block: cleos's error lines" "$(head -n1 "$tmp/err")" '^Error [0-9]+: '

# ---- create accounts -------------------------------------------------------------------------
run create account eosio eosio.token "$DEV_PUB"
expect_executed "create account eosio.token" eosio "eosio::newaccount"
run create account eosio alice "$DEV_PUB"
expect_executed "create account alice" eosio "eosio::newaccount"
run create account eosio bob "$DEV_PUB" "$DEV_PUB"
expect_executed "create account bob" eosio "eosio::newaccount"
run create account eosio alice "$DEV_PUB"
expect_eq "create an existing account fails" "$rc" 1
expect_match "existing account: nodeos-shaped error" "$(head -n1 "$tmp/err")" '^Error [0-9]+: '
run create account eosio Bad_Name "$DEV_PUB"
expect_eq "create account with an invalid name" "$rc" 1

run get account alice
expect_eq "get account: created line" "$(head -n1 "$tmp/out" | cut -c1-9)" "created: "
expect_eq "get account: permission tree" "$(sed -n 2,4p "$tmp/out")" "permissions: 
     owner     1:    1 $DEV_PUB
        active     1:    1 $DEV_PUB"
run get account alice -j
expect_match "get account -j" "$(sed -n 2p "$tmp/out")" '^  "account_name": "alice",$'

# ---- contract ------------------------------------------------------------------------------
run set contract eosio.token "$contracts" eosio.token.wasm eosio.token.abi
expect_eq "set contract: reading line" "$(head -n1 "$tmp/err")" \
  "Reading WASM from $contracts/eosio.token.wasm..."
expect_eq "set contract: publishing line" "$(sed -n 2p "$tmp/err")" "Publishing contract..."
got=$(grep '^#' "$tmp/out" | cut -c1-47)
expect_eq "set contract: setcode and setabi" "$got" \
  "$(printf '#%14s <= %-28s\n#%14s <= %-28s' eosio eosio::setcode eosio eosio::setabi)"
run set contract eosio.token "$contracts" eosio.token.wasm eosio.token.abi
expect_eq "set contract again: skipped" "$err" "Reading WASM from $contracts/eosio.token.wasm...
Skipping set code because the new code is the same as the existing code
Skipping set abi because the new abi is the same as the existing abi"
run get code eosio.token
expect_eq "get code hash" "$out" "code hash: $(sha256sum "$contracts/eosio.token.wasm" | cut -c1-64)"
run get code eosio.token -c "$tmp/back.wasm"
if cmp -s "$tmp/back.wasm" "$contracts/eosio.token.wasm"; then ok; else bad "get code -c saves the wasm"; fi
run get abi eosio.token
expect_eq "get abi: version" "$(sed -n 2p "$tmp/out")" '  "version": "eosio::abi/1.1",'

# ---- token actions ---------------------------------------------------------------------------
run push action eosio.token create '{"issuer":"alice","maximum_supply":"1000000.0000 CPS"}' -p eosio.token@active
expect_executed "push action create" eosio.token "eosio.token::create"
run push action eosio.token issue '["alice","100.0000 CPS","first"]' -p alice
expect_executed "push action issue" eosio.token "eosio.token::issue"
run transfer alice bob "1.5 CPS" "for lunch"
expect_executed "transfer (amount rescaled to the token's precision)" eosio.token alice bob \
  "eosio.token::transfer"
run transfer alice bob "1.23456 CPS"
expect_eq "transfer with too many decimals" "$err" "Error 3010004: Invalid symbol
Error Details:
Too many decimal digits in 1.23456 CPS, only 4 supported"
run transfer alice bob "1000.0000 CPS"
expect_eq "overdrawn transfer: cleos's error lines" "$(head -n3 "$tmp/err")" \
  "Error 3050003: eosio_assert_message assertion failure
Error Details:
assertion failure with message: overdrawn balance"
run push action eosio.token transfer '{"from":"bob","to":"alice","quantity":"1.0000 CPS","memo":""}' -p alice
expect_eq "transfer with the wrong authority fails" "$rc" 1
expect_match "missing authority error" "$(head -n1 "$tmp/err")" '^Error 30[0-9]+: '
run push action eosio.token nosuch '{}' -p alice
expect_eq "unknown action" "$err" "Error: Unknown action nosuch in contract eosio.token"

run get currency balance eosio.token bob
expect_eq "bob's balance" "$out" "1.5000 CPS"
run get currency balance eosio.token alice CPS
expect_eq "alice's balance" "$out" "98.5000 CPS"
run get currency stats eosio.token CPS
expect_eq "currency stats" "$out" '{
  "CPS": {
    "supply": "100.0000 CPS",
    "max_supply": "1000000.0000 CPS",
    "issuer": "alice"
  }
}'
run get table eosio.token bob accounts
expect_eq "get table" "$out" '{
  "rows": [{
      "balance": "1.5000 CPS"
    }
  ],
  "more": false,
  "next_key": ""
}'
run get table eosio.token CPS stat -l 1 --show-payer
expect_match "get table --show-payer" "$out" '"payer": "eosio.token"'
run get scope eosio.token -t accounts
expect_eq "get scope: both holders" "$(grep -c '"table": "accounts"' "$tmp/out")" 2

# ---- transaction options ---------------------------------------------------------------------
run transfer alice bob "0.0001 CPS" -d
expect_eq "-d exits 0" "$rc" 0
expect_match "-d prints the signed transaction" "$out" '"signatures": \[[[:space:]]*"SIG_K1_'
run get currency balance eosio.token bob
expect_eq "-d did not broadcast" "$out" "1.5000 CPS"
run transfer alice bob "0.0001 CPS" -d -s --return-packed
expect_match "-d -s --return-packed" "$out" '"signatures": \[\],[[:space:]]+"compression": "none"'
packed_trx=$(sed -nE 's/^  "packed_trx": "([0-9a-f]+)"$/\1/p' "$tmp/out")
expect_match "packed_trx present" "$packed_trx" '^[0-9a-f]+$'
run transfer alice bob "0.0001 CPS" -s
expect_eq "-s pushes unsigned: refused" "$rc" 1
run transfer alice bob "0.2500 CPS" -j -x 60
expect_match "-j prints the node's JSON" "$(sed -n 2p "$tmp/out")" '^  "transaction_id": "[0-9a-f]{64}",$'
trx_id=$(sed -nE 's/^  "transaction_id": "([0-9a-f]{64})",$/\1/p' "$tmp/out")
run get currency balance eosio.token bob
expect_eq "balance after -j transfer" "$out" "1.7500 CPS"
run get transaction-status "$trx_id"
expect_eq "transaction-status exits 0" "$rc" 0

# push transaction: a whole transaction without TaPoS gets it from the node.
run push transaction '{"actions":[{"account":"eosio.token","name":"transfer","authorization":[{"actor":"bob","permission":"active"}],"data":{"from":"bob","to":"alice","quantity":"0.7500 CPS","memo":"back"}}]}'
expect_executed "push transaction" eosio.token bob alice "eosio.token::transfer"
run get currency balance eosio.token bob
expect_eq "balance after push transaction" "$out" "1.0000 CPS"

# ---- permissions -----------------------------------------------------------------------------
run create key --to-console
new_pub=$(sed -n 's/^Public key: //p' "$tmp/out")
run set account permission alice transfer "$new_pub"
expect_executed "set account permission" eosio "eosio::updateauth"
run get account alice
expect_eq "new permission under active" "$(sed -n 5p "$tmp/out")" \
  "           transfer     1:    1 $new_pub"
run set action permission alice eosio.token transfer transfer
expect_executed "set action permission" eosio "eosio::linkauth"
run set action permission alice eosio.token transfer NULL
expect_executed "unlink action permission" eosio "eosio::unlinkauth"

# ---- wallet state ---------------------------------------------------------------------------
run wallet lock
run transfer alice bob "0.0001 CPS"
expect_eq "push with the wallet locked" "$err" "Error 3120003: Locked wallet
Error Details:
You don't have any unlocked wallet!"

# ---- connection errors ------------------------------------------------------------------------
"$cps" -u http://127.0.0.1:1 get info >"$tmp/out" 2>"$tmp/err"
rc=$?
expect_eq "unreachable node exits 1" "$rc" 1
expect_match "unreachable node message" "$(cat "$tmp/err")" \
  '^Error: Failed to connect to cpsd at http://127.0.0.1:1; is cpsd running\?'

# cpsd answered everything above: stopped by SIGINT it must exit cleanly and, under SAN=1, report
# no leak or memory error.
cpsd_node_stop main
expect_eq "cpsd stops cleanly after the commands" "$?" 0
expect_eq "cpsd: no sanitizer report" "$(grep -c 'Sanitizer' "$tmp/main/err")" 0

echo "$pass passed, $failn failed"
[[ $failn -eq 0 ]]
