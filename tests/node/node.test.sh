#!/usr/bin/env bash
# cpsd as a process: nodeos-shaped errors for bad input to the endpoints (nothing changes), the
# options and config.ini, clean shutdown (SIGINT, SIGTERM), crash safety (kill -9 at random moments
# under a stream of transfers: the head never goes below a block reported irreversible, and the
# state equals a fresh replay of the block log). Nodes are started and stopped through
# tests/lib/cpsd_nodes.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/cpsd_nodes.sh
cpsd_nodes_init node
spid= # the transfer stream (tests/node/stream.js), killed before the nodes at exit
trap '[[ -n $spid ]] && kill -9 "$spid" 2>/dev/null; cpsd_nodes_cleanup' EXIT
kills=20
[[ $CPSD_BUILD == *asan* ]] && kills=5

# post API BODY: POST /v1/chain/API to the node "main"; prints the HTTP status, the reply is in
# $CPSD_TMP/body.
post() { curl -s -m 10 -o "$CPSD_TMP/body" -w '%{http_code}' -d "$2" "$(cpsd_url main)/v1/chain/$1"; }
expect() { # name endpoint body status error-name
  local code
  code=$(post "$2" "$3")
  if [[ $code == "$4" ]] && grep -q "\"name\":\"$5\"" "$CPSD_TMP/body" && grep -q '"details":\[{"message"' "$CPSD_TMP/body"; then
    ok "$1"
  else bad "$1: got $code $(head -c 300 "$CPSD_TMP/body")"; fi
}

cpsd_node_start main --enable-stale-production || { bad "cpsd did not start"; finish; }
node scripts/boot.js "$(cpsd_url main)" "$CPSD_BUILD" >/dev/null 2>&1 && ok "boot" || bad "boot"
state_before=$(post get_currency_stats '{"code":"eosio.token","symbol":"CPS"}'; cat "$CPSD_TMP/body")

expect "malformed JSON" get_account '{"account_name":' 400 invalid_http_request
expect "wrong type" get_account '{"account_name":5}' 400 invalid_http_request
expect "empty body where one is required" get_account '{}' 400 invalid_http_request
expect "unknown account" get_account '{"account_name":"nosuchacct"}' 400 account_query_exception
expect "unknown table" get_table_rows '{"code":"eosio.token","scope":"eosio","table":"nosuch","json":true}' 500 contract_table_query_exception
expect "no ABI" get_table_rows '{"code":"eosio.null","scope":"eosio","table":"accounts"}' 500 abi_not_found_exception
expect "unknown block" get_block '{"block_num_or_id":"99999999"}' 400 unknown_block_exception
expect "bad block id" get_block '{"block_num_or_id":"xyz"}' 500 block_id_type_exception
expect "garbage packed_trx" push_transaction '{"signatures":[],"compression":0,"packed_context_free_data":"","packed_trx":"zz"}' 500 packed_transaction_type_exception
# A packed_trx that does not decode as a transaction (truncated) is refused before the controller.
expired='{"signatures":["SIG_K1_KfQ57wLFFiPR85zjuQyZsn7hJAMRAwtjk9HRK2FQaD7uRudMBQD5yT9PYCZZDVmTrodmWrhxp1NtNS9b1yuvWmQtjbAwaK"],"compression":0,"packed_context_free_data":"","packed_trx":"8468635b7f379feeb95500000000010000000000ea305500409e9a2264b89a010000000000ea305500000000a8ed3232660000000000ea305500a6823403ea30550100000001000240cc0bf90a5656c8bb81f0eb86f49f89613c5cd988c018715d4646c6bd0ad3d8010000000100000001000240cc0bf90a5656c8bb81f0eb86f49f89613c5cd988c018715d4646c6bd0ad3d80100000000"}'
code=$(post push_transaction "$expired")
if [[ $code == 500 || $code == 401 ]] && grep -q '"error":{"code":30' "$CPSD_TMP/body"; then ok "undecodable packed transaction refused ($(grep -o '"name":"[a-z_]*"' "$CPSD_TMP/body" | head -1))"; else bad "undecodable packed transaction: $code $(head -c 300 "$CPSD_TMP/body")"; fi
big=$(head -c 2000000 /dev/zero | tr '\0' 'a')
code=$(printf '{"account_name":"%s"}' "$big" | curl -s -m 10 -o "$CPSD_TMP/body" -w '%{http_code}' --data-binary @- "$(cpsd_url main)/v1/chain/get_account")
[[ $code == 413 || $code == 400 ]] && ok "huge body refused ($code)" || bad "huge body: $code"
code=$(curl -s -m 10 -o "$CPSD_TMP/body" -w '%{http_code}' -d '{}' "$(cpsd_url main)/v1/chain/nosuch")
[[ $code == 404 ]] && ok "unknown endpoint 404" || bad "unknown endpoint: $code"
state_after=$(post get_currency_stats '{"code":"eosio.token","symbol":"CPS"}'; cat "$CPSD_TMP/body")
[[ $state_before == "$state_after" ]] && ok "bad input changed nothing" || bad "state changed"
curl -s -m 10 "$(cpsd_url main)/metrics" | grep -q '^cps_chain_head_block_num ' && ok "/metrics has the head" || bad "/metrics"

# Crash test: kill -9 at a random moment, restart on the same data dir and ports (the stream
# goes on pushing to the same URL); the head is never below the LIB reported before the kill.
node tests/node/stream.js "$(cpsd_url main)" >/dev/null 2>&1 &
spid=$!
crash_ok=1
for i in $(seq 1 "$kills"); do
  sleep "0.$((RANDOM % 9 + 1))" # a random moment, not a wait for anything
  lib=$(cpsd_lib main)
  cpsd_node_kill main
  if ! cpsd_node_start main; then crash_ok=0; echo "restart $i failed"; break; fi
  head=$(cpsd_head main)
  if [[ -z $head || -z $lib || $head -lt $lib ]]; then crash_ok=0; echo "restart $i: head $head < LIB $lib"; break; fi
done
kill -9 "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=
[[ $crash_ok == 1 ]] && ok "$kills kill -9 restarts keep every irreversible block" || bad "crash restarts"
if cpsd_node_stop main; then ok "SIGINT: clean exit"; else bad "SIGINT exit $?"; fi
h1=$(cpsd_state_hash main)
cp -r "$CPSD_TMP/main/data" "$CPSD_TMP/replay"
h2=$("$CPSD_BUILD/cpsd" --data-dir "$CPSD_TMP/replay" --replay-blockchain --print-state-hash 2>"$CPSD_TMP/replay.err")
grep -q 'replay: block .* (.*%), .* blocks/s' "$CPSD_TMP/replay.err" && ok "replay prints progress" || bad "replay progress: $(tail -3 "$CPSD_TMP/replay.err")"
[[ -n $h1 && $h1 == "$h2" ]] && ok "state after crashes equals a fresh replay ($h1)" || bad "state hash $h1 != replay $h2"

# config.ini: options from the file; the command line wins (config.ini's HTTP port 1 is not the
# one cpsd listens on; the command line's 127.0.0.1:0 comes after --config-dir too).
mkdir -p "$CPSD_TMP/cfg-dir"
printf 'http-server-address = 127.0.0.1:1\n# comment\nlog-format = json\n' >"$CPSD_TMP/cfg-dir/config.ini"
if cpsd_node_start cfg --enable-stale-production --config-dir "$CPSD_TMP/cfg-dir" --http-server-address 127.0.0.1:0 &&
   [[ ${CPSD_HTTP[cfg]:-1} != 1 ]]; then
  ok "config.ini read, command line wins"
else bad "config.ini start (HTTP port ${CPSD_HTTP[cfg]:-none})"; fi
grep -q '^{"ts"' "$CPSD_TMP/cfg/err" && ok "log-format = json from config.ini" || bad "json logs: $(head -2 "$CPSD_TMP/cfg/err")"
if [[ -n ${CPSD_PID[cfg]:-} ]]; then
  kill -TERM "${CPSD_PID[cfg]}" 2>/dev/null
  if reap_stopped cfg 60; then ok "SIGTERM: clean exit"; else bad "SIGTERM exit $?"; fi
else bad "SIGTERM: the node did not run"; fi
"$CPSD_BUILD/cpsd" --data-dir "$CPSD_TMP/x" --no-such-option >/dev/null 2>"$CPSD_TMP/e" && bad "unknown option accepted" || { grep -q 'unknown option --no-such-option' "$CPSD_TMP/e" && ok "unknown option refused" || bad "unknown option message"; }
finish
