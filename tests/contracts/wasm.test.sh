#!/usr/bin/env bash
# Built contracts pass EOSIO's deployment rules and import only EOSIO intrinsics with EOSIO's
# signatures (tests/contracts/wasm_check.js); the SDK declares every intrinsic of
# contracts/sdk/intrinsics.list with exactly that signature (decl_check.wasm); the list agrees with
# the reference notes when they are present; and the checker itself rejects broken modules.
set -u
cd "$(dirname "$0")/../.."
source tests/contracts/lib.sh

wasms=()
for name in $(contract_names); do wasms+=("$CONTRACTS_OUT/$name.wasm"); done
for name in $(test_contract_names); do wasms+=("$CONTRACTS_OUT/test/$name.wasm"); done
run_checker node tests/contracts/wasm_check.js --list "$LIST" "${wasms[@]}"
run_checker node tests/contracts/wasm_check.js --list "$LIST" --exact "$CONTRACTS_OUT/sdk/decl_check.wasm"

# Each name declared with EOSIO_IMPORT in the SDK headers is in the list (decl_check covers the
# converse: every listed name compiles against the headers).
declared=$(grep -h 'EOSIO_IMPORT(' contracts/sdk/eosio/*.h | grep -v '#[[:space:]]*define' |
           grep -o 'EOSIO_IMPORT([A-Za-z0-9_]*)' | sed 's/EOSIO_IMPORT(\(.*\))/\1/' | sort -u)
listed=$(grep -v '^[[:space:]]*#' "$LIST" | awk -F'|' '{gsub(/[[:space:]]/, "", $1); if ($1 != "") print $1}' | sort -u)
extra=$(comm -23 <(echo "$declared") <(echo "$listed"))
if [[ -z $extra ]]; then pass "every EOSIO_IMPORT declaration is in $LIST ($(echo "$declared" | wc -l))"
else fail "declared but not listed: $extra"; fi

REFERENCE=${CPS_EOSIO_REFERENCE:-/work/shared/reference/eosio-intrinsics.md}
if [[ -f $REFERENCE ]]; then
  run_checker node tests/contracts/wasm_check.js --list "$LIST" --reference "$REFERENCE"
else
  echo "note: $REFERENCE not found; list not cross-checked against the reference notes"
fi

# The checker must fail on modules that break each rule (tests/contracts/fixtures/wasm/bad_*.wat,
# each naming the check it breaks on its first line: ";; expect: <text of the FAIL line>").
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for wat in tests/contracts/fixtures/wasm/bad_*.wat; do
  expect=$(head -n 1 "$wat" | sed -n 's/^;; expect: //p')
  wasm=$tmp/$(basename "${wat%.wat}").wasm
  if ! wat2wasm "$wat" -o "$wasm" 2>"$tmp/err"; then fail "$wat: wat2wasm: $(cat "$tmp/err")"; continue; fi
  out=$(node tests/contracts/wasm_check.js --list "$LIST" "$wasm" 2>&1)
  if [[ $? -ne 0 ]] && grep -q "^FAIL .*$expect" <<<"$out"; then pass "checker rejects $wat ($expect)"
  else fail "checker did not reject $wat with \"$expect\": $(grep '^FAIL' <<<"$out" | head -3)"; fi
done

summary
