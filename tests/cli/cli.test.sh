#!/usr/bin/env bash
# End-to-end tests of the `cps` command line ($CPS_BUILD/cps): create key, convert
# pack/unpack_transaction, pack/unpack_action_data, sign, help and every error path, with
# results checked against cleos's output format (tests/cli/expected/), against the eosjs-made
# reference transaction (tests/cli/transfer_offline.json, a copy of the team's
# shared/reference/transfer_offline.json) and against @wharfkit/antelope and eosjs
# (tests/cli/cli_npm.js). Prints "N passed, N failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${CPS_BUILD:-build}
cps=$build/cps
dir=tests/cli
export NODE_PATH=$PWD/node_modules

if [[ ! -x $cps ]]; then
  echo "cli: missing $cps (build it with make)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
if ! command -v node >/dev/null; then
  echo "cli: node is not installed (scripts/deps.sh)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
have_node=1 # the npm libraries
if [[ ! -d node_modules/@wharfkit/antelope || ! -d node_modules/eosjs ]]; then have_node=0; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0
failn=0
ok() { pass=$((pass + 1)); }
bad() { # name, details...
  failn=$((failn + 1))
  echo "FAIL: $1" >&2
  shift
  for line in "$@"; do echo "    $line" >&2; done
}

# run [--stdin TEXT] args...: runs cps, leaving rc, out (stdout) and err (stderr).
run() {
  local input=
  if [[ ${1:-} == --stdin ]]; then input=$2; shift 2; fi
  printf '%s' "$input" | "$cps" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}

# expect_ok NAME args...: exit 0 and nothing on stderr.
expect_ok() {
  local name=$1; shift
  run "$@"
  if [[ $rc -eq 0 && -z $err ]]; then ok; else bad "$name" "exit $rc" "stderr: $err"; fi
}

# expect_eq NAME ACTUAL EXPECTED
expect_eq() {
  if [[ $2 == "$3" ]]; then ok; else bad "$1" "got:      $2" "expected: $3"; fi
}

# expect_error NAME EXIT_CODE "exact first line of stderr" args...: the command fails with that
# code, prints nothing on stdout and names the cause on the first line of stderr.
expect_error() {
  local name=$1 code=$2 msg=$3; shift 3
  run "$@"
  local first=${err%%$'\n'*}
  if [[ $rc -eq $code && -z $out && $first == "$msg" ]]; then ok; else
    bad "$name" "exit $rc (expected $code)" "stderr: $first" "expected: $msg" "stdout: ${out:0:200}"
  fi
}

# expect_error_last: the same, with the message on the last line of stderr (after a notice such
# as "saving keys to ..." or a prompt).
expect_error_last() {
  local name=$1 code=$2 msg=$3; shift 3
  run "$@"
  local last=${err##*$'\n'}
  if [[ $rc -eq $code && -z $out && $last == "$msg" ]]; then ok; else
    bad "$name" "exit $rc (expected $code)" "stderr: $err" "expected last line: $msg"
  fi
}

# expect_file NAME FILE: the last output equals the expected file.
expect_file() {
  if [[ $out == "$(cat "$2")" ]]; then ok; else
    bad "$1" "output differs from $2:" "$(diff <(echo "$out") "$2" | head -n 20)"
  fi
}

# json_get JSON_TEXT EXPRESSION: evaluates a JavaScript expression on the parsed text `d`;
# strings print as they are, other values as compact JSON.
json_get() {
  node -e 'const d = JSON.parse(process.argv[1]); const v = eval(process.argv[2]);
           console.log(typeof v === "string" ? v : JSON.stringify(v))' "$1" "$2"
}

ref=$dir/transfer_offline.json
abi=$dir/eosio.token.abi
A=(--abi-file "eosio.token:$abi")
chain=$(json_get "$(cat "$ref")" 'd.chain_id')
ref_packed=$(json_get "$(cat "$ref")" 'd.packed_trx')
ref_sig=$(json_get "$(cat "$ref")" 'd.signatures[0]')
ref_pub_new=$(json_get "$(cat "$ref")" 'd.signing_key')
json_get "$(cat "$ref")" 'd.transaction' >"$tmp/trx.json"
trx=$(cat "$tmp/trx.json")
dev_key=5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3
dev_pub=EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV
transfer_hex=0000000000855c340000000000000e3d102700000000000004535953000000000474657374
b58='[1-9A-HJ-NP-Za-km-z]'

# ---- create key ----------------------------------------------------------------------------
expect_ok "create key --to-console runs" create key --to-console
priv=$(sed -n 's/^Private key: //p' <<<"$out")
pub=$(sed -n 's/^Public key: //p' <<<"$out")
if [[ $(wc -l <<<"$out") -eq 2 && $out =~ ^Private\ key:\ 5[HJK]$b58{49}$'\n'Public\ key:\ EOS$b58{50}$ ]]; then ok
else bad "create key prints cleos's two lines (WIF, EOS...)" "$out"; fi
run create key --to-console
[[ $out != *"$priv"* ]] && ok || bad "create key makes a new key each time" "$priv twice"
run create key --r1 --to-console
r1_priv=$(sed -n 's/^Private key: //p' <<<"$out")
r1_pub=$(sed -n 's/^Public key: //p' <<<"$out")
if [[ $rc -eq 0 && $r1_priv =~ ^PVT_R1_$b58+$ && $r1_pub =~ ^PUB_R1_$b58+$ ]]; then ok
else bad "create key --r1 prints PVT_R1_/PUB_R1_ keys" "$out"; fi
run create key --file "$tmp/keys.txt"
file_priv=$(sed -n 's/^Private key: //p' "$tmp/keys.txt" 2>/dev/null)
if [[ $rc -eq 0 && -z $out && $err == "saving keys to $tmp/keys.txt" && $(wc -l <"$tmp/keys.txt") -eq 2 &&
      $file_priv =~ ^5[HJK]$b58{49}$ && $(grep -c '^Public key: EOS' "$tmp/keys.txt") -eq 1 ]]; then ok
else bad "create key --file writes the two lines to the file" "exit $rc, stdout $out, stderr $err"; fi
expect_eq "create key --file makes the file private (0600)" "$(stat -c %a "$tmp/keys.txt")" 600
expect_error "create key without --file or --to-console" 1 \
  'ERROR: Either indicate a file using "--file" or pass "--to-console"' create key
expect_error_last "create key --file into a missing directory" 1 \
  "Error: cannot write $tmp/none/keys.txt: No such file or directory" create key --file "$tmp/none/keys.txt"

# ---- convert pack_transaction / unpack_transaction -----------------------------------------
expect_ok "pack_transaction --pack-action-data with --abi-file" "${A[@]}" convert pack_transaction --pack-action-data "$trx"
expect_file "pack_transaction prints cleos's packed JSON" $dir/expected/pack_transaction.txt
expect_eq "pack_transaction gives the reference packed_trx" "$(json_get "$out" 'd.packed_trx')" "$ref_packed"
packed=$out
expect_ok "pack_transaction reads a file" convert pack_transaction --pack-action-data "$tmp/trx.json" "${A[@]}"
expect_eq "pack_transaction from a file, --abi-file after the command" "$out" "$packed"
hex_trx=${trx/\{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"1.0000 SYS\",\"memo\":\"test\"\}/\"$transfer_hex\"}
expect_ok "pack_transaction with hex action data needs no ABI" convert pack_transaction "$hex_trx"
expect_eq "pack_transaction with hex data gives the same packed form" "$out" "$packed"

expect_ok "unpack_transaction" convert unpack_transaction "$packed"
expect_file "unpack_transaction prints cleos's plain JSON (data hex)" $dir/expected/unpack_transaction.txt
unpacked=$out
expect_ok "unpack_transaction --unpack-action-data" "${A[@]}" convert unpack_transaction --unpack-action-data "$packed"
expect_file "unpack_transaction --unpack-action-data prints data and hex_data" $dir/expected/unpack_transaction_data.txt
run convert pack_transaction "$unpacked"
expect_eq "pack(unpack(packed)) is the identity" "$out" "$packed"
run "${A[@]}" convert pack_transaction --pack-action-data "$(cat $dir/expected/unpack_transaction_data.txt)"
expect_eq "pack(unpack --unpack-action-data) is the identity" "$out" "$packed"
body=$(json_get "$(cat "$ref")" 'd.push_transaction_body')
run convert unpack_transaction "$body"
unpacked_body=$(json_get "$out" '({...d, signatures: []})')
run convert pack_transaction "$unpacked_body"
expect_eq "unpack_transaction reads the push_transaction body (compression 0, signatures)" \
  "$(json_get "$out" 'd.packed_trx')" "$ref_packed"

zlib_trx=$(node -e 'console.log(require("zlib").deflateSync(Buffer.from(process.argv[1], "hex")).toString("hex"))' "$ref_packed")
run convert unpack_transaction "{\"compression\":\"zlib\",\"packed_trx\":\"$zlib_trx\",\"signatures\":[]}"
expect_eq "unpack_transaction decompresses zlib" "$out" "$(cat $dir/expected/unpack_transaction.txt)"
run sign "{\"compression\":1,\"packed_trx\":\"$zlib_trx\",\"signatures\":[]}" -k $dev_key -c "$chain"
expect_eq "sign of a zlib-packed transaction repacks it uncompressed, as cleos" \
  "$(json_get "$out" '[d.compression, d.packed_trx, d.signatures[0]]')" "[\"none\",\"$ref_packed\",\"$ref_sig\"]"

# A second transaction (context-free action, two actions, several authorizations, escapes and
# UTF-8 in memos, all header fields set), packed by wharfkit independently.
expect_ok "pack_transaction of a multi-action transaction" "${A[@]}" convert pack_transaction --pack-action-data $dir/issue_transfer.json
multi_packed=$(json_get "$out" 'd.packed_trx')
if ((have_node)); then
  expect_eq "pack_transaction equals wharfkit's packing" "$multi_packed" \
    "$(node $dir/cli_npm.js pack $abi <$dir/issue_transfer.json)"
fi
run "${A[@]}" convert unpack_transaction --unpack-action-data "$(json_get "$out" 'JSON.stringify(d)')"
if [[ $rc -eq 0 && $err == "warning: no ABI for contract eosio.null: its action data stays hex"* ]]; then ok
else bad "unpack_transaction warns about a contract without ABI" "exit $rc" "stderr: $err"; fi
node - "$dir/issue_transfer.json" "$out" <<'EOF' && ok || bad "unpack_transaction --unpack-action-data gives back the original actions"
const assert = require('assert');
const orig = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const got = JSON.parse(process.argv[3]);
for (const key of ['expiration', 'ref_block_num', 'ref_block_prefix', 'max_net_usage_words', 'max_cpu_usage_ms', 'delay_sec'])
  assert.strictEqual(got[key], orig[key], key);
assert.strictEqual(got.actions.length, orig.actions.length);
orig.actions.forEach((a, i) => {
  assert.deepStrictEqual(got.actions[i].data, a.data);
  assert.deepStrictEqual(got.actions[i].authorization, a.authorization);
});
assert.strictEqual(got.context_free_actions[0].data, '0a0b0c0d');
EOF

# ---- convert pack_action_data / unpack_action_data -----------------------------------------
data='{"from":"alice","to":"bob","quantity":"1.0000 SYS","memo":"test"}'
expect_ok "pack_action_data <abi file> transfer" convert pack_action_data $abi transfer "$data"
expect_eq "pack_action_data gives the transfer's binary" "$out" "$transfer_hex"
[[ $ref_packed == *"$out"* ]] && ok || bad "pack_action_data output is inside the reference packed_trx"
expect_ok "unpack_action_data <abi file> transfer" convert unpack_action_data $abi transfer "$transfer_hex"
expect_file "unpack_action_data prints cleos's JSON" $dir/expected/unpack_action_data.txt
expect_ok "pack_action_data <account> with --abi-file (cleos's form)" "${A[@]}" convert pack_action_data eosio.token transfer "$data"
expect_eq "pack_action_data by account gives the same binary" "$out" "$transfer_hex"
expect_ok "unpack_action_data <account> with --abi-file" "${A[@]}" convert unpack_action_data eosio.token transfer "$transfer_hex"
expect_file "unpack_action_data by account prints the same JSON" $dir/expected/unpack_action_data.txt
echo "$data" >"$tmp/data.json"
run convert pack_action_data $abi transfer "$tmp/data.json"
expect_eq "pack_action_data reads the data from a file" "$out" "$transfer_hex"
run convert pack_action_data $abi transfer '["alice","bob","1.0000 SYS","test"]'
expect_eq "pack_action_data accepts a struct as an array" "$out" "$transfer_hex"
# eosio's native actions need no ABI file (the value is cleos's documented example).
run convert pack_action_data eosio unlinkauth '{"account":"test1", "code":"test2", "type":"eosioeosio"}'
expect_eq "pack_action_data eosio unlinkauth uses the native ABI" "$out" 000000008090b1ca000000000091b1ca000075982aea3055

# ---- sign -------------------------------------------------------------------------------------
expect_ok "sign a plain transaction" "${A[@]}" sign "$trx" -k $dev_key -c "$chain"
expect_file "sign prints cleos's signed transaction JSON" $dir/expected/sign.txt
expect_eq "sign gives eosjs's signature" "$(json_get "$out" 'd.signatures[0]')" "$ref_sig"
signed=$out
expect_ok "sign a packed transaction" sign "$packed" --private-key $dev_key --chain-id "$chain"
expect_eq "sign of a packed transaction keeps packed_trx" "$(json_get "$out" 'd.packed_trx')" "$ref_packed"
expect_eq "sign of a packed transaction gives the same signature" "$(json_get "$out" 'd.signatures')" "[\"$ref_sig\"]"
expect_eq "sign of a packed transaction prints the packed form" "$(json_get "$out" 'Object.keys(d)')" \
  '["signatures","compression","packed_context_free_data","packed_trx"]'
run sign "$tmp/trx.json" -k $dev_key -c "$chain" "${A[@]}"
expect_eq "sign reads the transaction from a file" "$out" "$signed"
run --stdin "$dev_key"$'\n' "${A[@]}" sign "$trx" -c "$chain"
expect_eq "sign reads the key from standard input when -k is absent" "$out" "$signed"
expect_eq "sign prompts for the key on stderr" "$err" "private key: "
run sign "$signed" -k "$priv" -c "$chain"
expect_eq "sign appends to the signatures already there" "$(json_get "$out" 'd.signatures.length')" 2
expect_eq "sign keeps the first signature" "$(json_get "$out" 'd.signatures[0]')" "$ref_sig"
twice=$out
if ((have_node)); then
  expect_eq "create key: wharfkit and eosjs derive the printed public key" \
    "$(node $dir/cli_npm.js pubkey "$priv")" "$pub"
  expect_eq "create key --r1: the printed public key matches" "$(node $dir/cli_npm.js pubkey "$r1_priv")" "$r1_pub"
  expect_eq "create key --file: the public key in the file matches" "$(node $dir/cli_npm.js pubkey "$file_priv")" \
    "$(sed -n 's/^Public key: //p' "$tmp/keys.txt")"
  expect_eq "the dev key's public key (npm) is the reference signing key" "$(node $dir/cli_npm.js pubkey $dev_key)" "$dev_pub"
  expect_eq "sign: wharfkit and eosjs verify the dev key's signature" \
    "$(node $dir/cli_npm.js verify "$chain" "$ref_pub_new" <<<"$signed" 2>&1)" ok
  expect_eq "sign with a new key: wharfkit and eosjs verify it" \
    "$(node $dir/cli_npm.js verify "$chain" "$pub" <<<"$twice" 2>&1)" ok
  run sign "$packed" -k "$r1_priv" -c "$chain"
  expect_eq "sign with an R1 key: wharfkit and eosjs verify it" \
    "$(node $dir/cli_npm.js verify "$chain" "$r1_pub" <<<"$out" 2>&1)" ok
  cfd_trx='{"expiration":"2030-01-01T00:00:00","actions":[],"context_free_data":["abcd",""]}'
  run sign "$cfd_trx" -k $dev_key -c "$chain"
  expect_eq "sign covers context-free data (verifies with its digest)" \
    "$(node $dir/cli_npm.js verify "$chain" $dev_pub <<<"$out" 2>&1)" ok
  run convert pack_transaction "$cfd_trx"
  run sign "$out" -k $dev_key -c "$chain"
  expect_eq "sign of a packed transaction with context-free data verifies" \
    "$(node $dir/cli_npm.js verify "$chain" $dev_pub <<<"$out" 2>&1)" ok
  [[ $(json_get "$out" 'd.packed_context_free_data') == 0202abcd00 ]] && ok ||
    bad "pack_transaction packs context_free_data" "$out"
  other_chain=0000000000000000000000000000000000000000000000000000000000000001
  run sign "$packed" -k $dev_key -c $other_chain
  expect_eq "sign uses the chain id given (verifies for it)" \
    "$(node $dir/cli_npm.js verify $other_chain $dev_pub <<<"$out" 2>&1)" ok
  [[ $(json_get "$out" 'd.signatures[0]') != "$ref_sig" ]] && ok || bad "another chain id gives another signature"
else
  bad "npm checks skipped: node or node_modules (eosjs, @wharfkit/antelope) missing; run scripts/deps.sh"
fi

# ---- help, version, global options ------------------------------------------------------------
for path in "" version "version client" create "create key" convert "convert pack_transaction" \
  "convert unpack_transaction" "convert pack_action_data" "convert unpack_action_data" sign; do
  # shellcheck disable=SC2086
  run $path --help
  if [[ $rc -eq 0 && -z $err && $out == *"Usage: cps${path:+ $path} [OPTIONS]"* && $out == *$'\nOptions:\n  -h,--help '* ]]; then ok
  else bad "cps $path --help prints the usage" "exit $rc" "$out"; fi
done
run create key -h
expect_file "create key -h matches cleos's layout" $dir/expected/create_key_help.txt
run version client
expect_eq "version client" "$rc $out" "0 v0.1.0"
run --version
expect_eq "--version" "$rc $out" "0 v0.1.0"
run -u http://127.0.0.1:9999/ --wallet-url http://127.0.0.1:9998 -v convert unpack_action_data $abi transfer "$transfer_hex"
expect_eq "global options -u, --wallet-url, -v are accepted" "$rc" 0
expect_error "-v adds the error code" 1 "Error: --chain-id: expected 64 hex digits, got 2 characters (CPS_ERR_FORMAT)" \
  -v sign "$packed" -k $dev_key -c 00
expect_error "sign -p names the node URL given with -u (trailing / dropped)" 1 \
  "Error: --push-transaction: pushing needs a running node (http://127.0.0.1:9999), which cps does not support yet; sign without -p and push the output later" \
  -u http://127.0.0.1:9999/ sign "$packed" -k $dev_key -c "$chain" -p

# ---- usage errors: exit 2, the cause, then the usage on stderr -----------------------------------
expect_error "no command" 2 "Error: a subcommand is required"
[[ $err == *"Usage: cps [OPTIONS] SUBCOMMAND"* ]] && ok || bad "no command prints the usage on stderr"
expect_error "unknown command" 2 'Error: unknown command "pack" for "cps convert"' convert pack
[[ $err == *"Usage: cps convert [OPTIONS] SUBCOMMAND"* ]] && ok || bad "unknown command prints its group's usage"
expect_error "group without subcommand" 2 "Error: a subcommand is required" convert
expect_error "unknown option" 2 "Error: unknown option --frobnicate" create key --frobnicate
expect_error "sign without the transaction" 2 "Error: missing argument: transaction" sign -k $dev_key -c "$chain"
[[ $err == *"Usage: cps sign [OPTIONS] transaction"* && $err == *"Positionals:"* ]] && ok ||
  bad "missing argument prints the command's usage on stderr" "$err"
expect_error "pack_action_data with two arguments" 2 "Error: missing argument: unpacked_action_data" \
  convert pack_action_data $abi transfer
expect_error "too many arguments" 2 'Error: unexpected argument "extra"' convert pack_transaction "$trx" extra
expect_error "option without its value" 2 "Error: option --chain-id needs a value (TEXT)" sign "$packed" --chain-id
expect_error "flag given a value" 2 "Error: option --r1 takes no value" create key --r1=yes --to-console
expect_error "--abi-file without account" 2 \
  'Error: --abi-file "token.abi": expected <contract name>:<abi file path>' --abi-file token.abi convert pack_transaction "$trx"
expect_error "--abi-file with a bad account name" 2 \
  "Error: --abi-file \"Token:$abi\": name \"Token\" is not a valid name: character 1 is not one of a-z, 1-5 and '.'" \
  --abi-file "Token:$abi" convert pack_transaction "$trx"

# ---- command errors: exit 1 and one line naming the cause ---------------------------------------
expect_error "bad JSON" 1 "Error: transaction: malformed JSON at line 1, column 14: unexpected token near end of file" \
  convert pack_transaction '{"expiration":'
expect_error "neither JSON nor a file" 1 \
  "Error: transaction: \"no-such-file.json\" is neither JSON nor a readable file (malformed JSON at line 1, column 2: invalid token near 'no')" \
  convert pack_transaction no-such-file.json
echo '{"actions": [' >"$tmp/bad.json"
expect_error "bad JSON in a file" 1 "Error: transaction: file $tmp/bad.json: malformed JSON at line 2, column 0: ']' expected near end of file" \
  convert pack_transaction "$tmp/bad.json"
expect_error "a transaction that is not an object" 1 "Error: transaction: expected a JSON object" convert pack_transaction '[1, 2]'
expect_error "invalid account name" 1 \
  "Error: transaction.actions[0].account: name \"Bob\" is not a valid name: character 1 is not one of a-z, 1-5 and '.'" \
  convert pack_transaction '{"actions":[{"account":"Bob","name":"transfer","authorization":[],"data":""}]}'
expect_error "invalid actor name" 1 \
  "Error: transaction.actions[0].authorization[0].actor: name \"alice!\" is not a valid name: character 6 is not one of a-z, 1-5 and '.'" \
  convert pack_transaction '{"actions":[{"account":"eosio","name":"x","authorization":[{"actor":"alice!","permission":"active"}],"data":""}]}'
expect_error "bad expiration" 1 \
  'Error: transaction.expiration: expected a time "YYYY-MM-DDTHH:MM:SS[.sss]", got "tomorrow"' \
  convert pack_transaction '{"expiration":"tomorrow"}'
expect_error "JSON action data without --pack-action-data" 1 \
  "Error: transaction.actions[0].data: action data given as JSON needs the contract's ABI: pass --pack-action-data (with --abi-file <contract>:<abi file>)" \
  convert pack_transaction "$trx"
expect_error "JSON action data without an ABI" 1 \
  "Error: transaction.actions[0].data: no ABI for contract eosio.token: pass --abi-file eosio.token:<abi file> (fetching ABIs from a node is not supported yet)" \
  convert pack_transaction --pack-action-data "$trx"
bad_qty=${trx/1.0000 SYS/1.0000}
expect_error "bad asset in action data" 1 \
  'Error: transaction.actions[0].data.quantity: asset "1.0000": amount and symbol should be separated with a space' \
  "${A[@]}" convert pack_transaction --pack-action-data "$bad_qty"
expect_error "missing ABI file" 1 "Error: --abi-file: cannot open $tmp/none.abi: No such file or directory" \
  --abi-file "eosio.token:$tmp/none.abi" convert pack_transaction --pack-action-data "$trx"
echo '{"version":"eosio::abi/1.1","structs":[{"name":"s","base":"","fields":[{"name":"a","type":"nosuchtype"}]}]}' >"$tmp/bad.abi"
run --abi-file "eosio.token:$tmp/bad.abi" convert pack_transaction --pack-action-data "$trx"
[[ $rc -eq 1 && $err == "Error: --abi-file $tmp/bad.abi: "*nosuchtype* ]] && ok || bad "invalid ABI file" "exit $rc" "$err"
expect_error "bad packed_trx hex" 1 "Error: transaction.packed_trx: invalid hex digit 'z' at offset 0" \
  convert unpack_transaction '{"signatures":[],"compression":"none","packed_trx":"zz"}'
expect_error "truncated packed_trx" 1 \
  "Error: transaction.packed_trx: transaction: expiration: uint32 at offset 0 needs 4 bytes, 2 left" \
  convert unpack_transaction '{"signatures":[],"compression":"none","packed_trx":"80d8"}'
expect_error "trailing bytes in packed_trx" 1 \
  "Error: transaction.packed_trx: transaction: 1 unexpected bytes after offset 87" \
  convert unpack_transaction "{\"signatures\":[],\"compression\":\"none\",\"packed_trx\":\"${ref_packed}ff\"}"
expect_error "unknown compression" 1 'Error: transaction.compression: expected "none" or "zlib", got "zip"' \
  convert unpack_transaction "{\"signatures\":[],\"compression\":\"zip\",\"packed_trx\":\"$ref_packed\"}"
expect_error "unknown action" 1 "Error: Unknown action transfer2 in ABI file $abi" \
  convert pack_action_data $abi transfer2 "$data"
expect_error "unknown action (by account)" 1 "Error: Unknown action transfer2 in contract eosio.token" \
  "${A[@]}" convert unpack_action_data eosio.token transfer2 "$transfer_hex"
expect_error "invalid action name" 1 "Error: name: name \"Transfer\" is not a valid name: character 1 is not one of a-z, 1-5 and '.'" \
  convert pack_action_data $abi Transfer "$data"
expect_error "account without ABI" 1 \
  'Error: no ABI for contract eosio.token: "eosio.token" is not a file, and fetching a contract'"'"'s ABI needs a running node (not supported yet); give an ABI file, or --abi-file eosio.token:<abi file>' \
  convert pack_action_data eosio.token transfer "$data"
expect_error "neither ABI file nor account" 1 'Error: "./token.abi" is neither an ABI file nor a valid contract account name' \
  convert pack_action_data ./token.abi transfer "$data"
expect_error "action data missing a field" 1 "Error: transfer: missing field memo" \
  convert pack_action_data $abi transfer '{"from":"alice","to":"bob","quantity":"1.0000 SYS"}'
expect_error "packed action data with a bad hex digit" 1 "Error: packed_action_data: invalid hex digit 'g' at offset 1" \
  convert unpack_action_data $abi transfer 0g
expect_error "packed action data of odd length" 1 "Error: packed_action_data: hex string has an odd length (3)" \
  convert unpack_action_data $abi transfer 000
expect_error "truncated action data" 1 "Error: transfer.memo: length 4 at offset 32 exceeds the 2 bytes left" \
  convert unpack_action_data $abi transfer "${transfer_hex:0:70}"
expect_error "trailing action data" 1 "Error: transfer: 1 unexpected bytes after offset 37" \
  convert unpack_action_data $abi transfer "${transfer_hex}00"
expect_error "sign: bad private key checksum" 1 "Error: Invalid private key: checksum mismatch" \
  sign "$packed" -k 5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD4 -c "$chain"
expect_error "sign: a public key instead of a private key" 1 \
  "Error: Invalid private key: invalid base58 character 'O' at offset 1" sign "$packed" -k $dev_pub -c "$chain"
expect_error_last "sign: no key on standard input" 1 "Error: no private key given on standard input" sign "$packed" -c "$chain"
expect_error "sign: short chain id" 1 "Error: --chain-id: expected 64 hex digits, got 63 characters" \
  sign "$packed" -k $dev_key -c "${chain:1}"
expect_error "sign: chain id with a bad digit" 1 "Error: --chain-id: invalid hex digit 'x' at offset 0" \
  sign "$packed" -k $dev_key -c "x${chain:1}"
expect_error "sign: no chain id" 1 \
  "Error: --chain-id is required: reading the chain id from a node (http://127.0.0.1:8888) is not supported yet" \
  sign "$packed" -k $dev_key
expect_error "sign: both -k and --public-key" 1 \
  "ERROR: Either -k/--private-key or --public-key or none of them can be set" \
  sign "$packed" -k $dev_key --public-key $dev_pub -c "$chain"
expect_error "sign: --public-key needs the wallet" 1 \
  "Error: --public-key: signing with a wallet key needs the wallet service (http://127.0.0.1:8900), which cps does not support yet; use -k/--private-key" \
  sign "$packed" --public-key $dev_pub -c "$chain"
expect_error "sign: bad transaction JSON" 1 "Error: transaction: malformed JSON at line 1, column 1: string or '}' expected near end of file" \
  sign '{' -k $dev_key -c "$chain"
expect_error "sign: invalid name in the transaction" 1 \
  "Error: transaction.actions[0].name: name \"Transfer\" is not a valid name: character 1 is not one of a-z, 1-5 and '.'" \
  sign '{"actions":[{"account":"eosio","name":"Transfer","data":""}]}' -k $dev_key -c "$chain"

echo "$pass passed, $failn failed"
[[ $failn -eq 0 ]]
