#!/usr/bin/env bash
# cpsd as a process: nodeos-shaped errors for bad input to the endpoints (nothing changes), the
# options and config.ini, clean shutdown, crash safety (kill -9 at random moments under a stream
# of transfers: the head never goes below a block reported irreversible, and the state equals a
# fresh replay of the block log).
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
export NODE_PATH=$PWD/node_modules
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
[[ -x $build/cpsd ]] || { echo "missing $build/cpsd"; echo "0 passed, 1 failed"; exit 1; }
kills=20
[[ $build == *asan* ]] && kills=5
tmp=$(mktemp -d)
pid= spid=
cleanup() { [[ -n $spid ]] && kill -9 "$spid" 2>/dev/null; [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

start() { # data-dir, extra args...
  local dir=$1; shift
  : >"$tmp/out"
  "$build/cpsd" --data-dir "$dir" --http-server-address "127.0.0.1:${port:-0}" \
    --enable-stale-production "$@" >"$tmp/out" 2>>"$tmp/err" &
  pid=$!
  for _ in $(seq 1 400); do
    p=$(sed -n 's/^cpsd listening on port //p' "$tmp/out")
    [[ -n $p ]] && { port=$p; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
post() { curl -s -m 10 -o "$tmp/body" -w '%{http_code}' -d "$2" "http://127.0.0.1:$port/v1/chain/$1"; }
expect() { # name endpoint body status error-name
  local code
  code=$(post "$2" "$3")
  if [[ $code == "$4" ]] && grep -q "\"name\":\"$5\"" "$tmp/body" && grep -q '"details":\[{"message"' "$tmp/body"; then
    ok "$1"
  else bad "$1: got $code $(head -c 300 "$tmp/body")"; fi
}

port=
start "$tmp/data" || { cat "$tmp/err"; echo "0 passed, 1 failed"; exit 1; }
node scripts/boot.js "http://127.0.0.1:$port" "$build" >/dev/null 2>&1 && ok "boot" || bad "boot"
state_before=$(post get_currency_stats '{"code":"eosio.token","symbol":"CPS"}'; cat "$tmp/body")

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
if [[ $code == 500 || $code == 401 ]] && grep -q '"error":{"code":30' "$tmp/body"; then ok "undecodable packed transaction refused ($(grep -o '"name":"[a-z_]*"' "$tmp/body" | head -1))"; else bad "undecodable packed transaction: $code $(head -c 300 "$tmp/body")"; fi
big=$(head -c 2000000 /dev/zero | tr '\0' 'a')
code=$(printf '{"account_name":"%s"}' "$big" | curl -s -m 10 -o "$tmp/body" -w '%{http_code}' --data-binary @- "http://127.0.0.1:$port/v1/chain/get_account")
[[ $code == 413 || $code == 400 ]] && ok "huge body refused ($code)" || bad "huge body: $code"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -d '{}' "http://127.0.0.1:$port/v1/chain/nosuch")
[[ $code == 404 ]] && ok "unknown endpoint 404" || bad "unknown endpoint: $code"
state_after=$(post get_currency_stats '{"code":"eosio.token","symbol":"CPS"}'; cat "$tmp/body")
[[ $state_before == "$state_after" ]] && ok "bad input changed nothing" || bad "state changed"
curl -s "http://127.0.0.1:$port/metrics" | grep -q '^cps_chain_head_block_num ' && ok "/metrics has the head" || bad "/metrics"

# Crash test.
node tests/node/stream.js "http://127.0.0.1:$port" >/dev/null 2>&1 &
spid=$!
crash_ok=1
for i in $(seq 1 "$kills"); do
  sleep "0.$((RANDOM % 9 + 1))"
  post get_info '{}' >/dev/null
  lib=$(grep -o '"last_irreversible_block_num":[0-9]*' "$tmp/body" | cut -d: -f2)
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  if ! start "$tmp/data"; then crash_ok=0; echo "restart $i failed"; tail -5 "$tmp/err"; break; fi
  post get_info '{}' >/dev/null
  head=$(grep -o '"head_block_num":[0-9]*' "$tmp/body" | cut -d: -f2)
  if [[ -z $head || -z $lib || $head -lt $lib ]]; then crash_ok=0; echo "restart $i: head $head < LIB $lib"; break; fi
done
kill -9 "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=
[[ $crash_ok == 1 ]] && ok "$kills kill -9 restarts keep every irreversible block" || bad "crash restarts"
kill -INT "$pid"; wait "$pid"; rc=$?; pid=
[[ $rc == 0 ]] && ok "SIGINT: clean exit" || bad "SIGINT exit $rc"
h1=$("$build/cpsd" --data-dir "$tmp/data" --print-state-hash 2>/dev/null)
cp -r "$tmp/data" "$tmp/replay"
h2=$("$build/cpsd" --data-dir "$tmp/replay" --replay-blockchain --print-state-hash 2>"$tmp/replay.err")
grep -q 'replay: block .* (.*%), .* blocks/s' "$tmp/replay.err" && ok "replay prints progress" || bad "replay progress: $(tail -3 "$tmp/replay.err")"
[[ -n $h1 && $h1 == "$h2" ]] && ok "state after crashes equals a fresh replay ($h1)" || bad "state hash $h1 != replay $h2"

# config.ini: options from the file; the command line wins.
mkdir -p "$tmp/cfg"
printf 'http-server-address = 127.0.0.1:1\n# comment\nlog-format = json\n' >"$tmp/cfg/config.ini"
port=0
: >"$tmp/err"
start "$tmp/data2" --config-dir "$tmp/cfg" --http-server-address 127.0.0.1:0 && ok "config.ini read, command line wins" || bad "config.ini start"
grep -q '^{"ts"' "$tmp/err" && ok "log-format = json from config.ini" || bad "json logs: $(head -2 "$tmp/err")"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[[ $rc == 0 ]] && ok "SIGTERM: clean exit" || bad "SIGTERM exit $rc"
"$build/cpsd" --data-dir "$tmp/x" --no-such-option >/dev/null 2>"$tmp/e" && bad "unknown option accepted" || { grep -q 'unknown option --no-such-option' "$tmp/e" && ok "unknown option refused" || bad "unknown option message"; }
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
