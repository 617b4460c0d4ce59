#!/usr/bin/env bash
# Interop of CPS keys and signatures with eosjs and @wharfkit/antelope (node_modules): cases made by
# CPS verify, recover and re-sign identically in both npm libraries, and cases made by the npm
# libraries parse, recover, verify and re-sign identically in CPS. K1 and R1, CASES of each per
# direction (default 200). Needs $CPS_BUILD/tests/crypto/crypto_interop (built by `make test-one`).
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
tool=$build/tests/crypto/crypto_interop
cases=${CASES:-200}
export NODE_PATH=$PWD/node_modules

fail() { echo "interop: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
[[ -x $tool ]] || fail "missing $tool (make test-one MODULES=\"base crypto\" BUILD=$build)"
command -v node >/dev/null || fail "node is not installed"
[[ -d node_modules/eosjs && -d node_modules/@wharfkit/antelope ]] || fail "npm packages missing (scripts/deps.sh)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

counts() { # "word: P passed, F failed" -> "P F"
  sed -nE 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$1" | tail -n 1
}

pass=0 failn=0
# CPS -> npm
if "$tool" gen "$cases" >"$tmp/cps.txt"; then
  node tests/crypto/interop.js verify <"$tmp/cps.txt" >"$tmp/verify.out" 2>"$tmp/verify.err"
  rc=$?
  cat "$tmp/verify.out"; head -n 20 "$tmp/verify.err" >&2
  read -r p f < <(counts "$tmp/verify.out") || { p=0; f=1; }
  [[ $rc -ne 0 && ${f:-0} -eq 0 ]] && f=1
  pass=$((pass + ${p:-0})); failn=$((failn + ${f:-1}))
else
  echo "crypto_interop gen failed" >&2; failn=$((failn + 1))
fi
# npm -> CPS
if node tests/crypto/interop.js gen "$cases" >"$tmp/npm.txt"; then
  "$tool" check <"$tmp/npm.txt" >"$tmp/check.out" 2>"$tmp/check.err"
  rc=$?
  cat "$tmp/check.out"; head -n 20 "$tmp/check.err" >&2
  read -r p f < <(counts "$tmp/check.out") || { p=0; f=1; }
  [[ $rc -ne 0 && ${f:-0} -eq 0 ]] && f=1
  pass=$((pass + ${p:-0})); failn=$((failn + ${f:-1}))
else
  echo "interop.js gen failed" >&2; failn=$((failn + 1))
fi
echo "$pass passed, $failn failed"
[[ $failn -eq 0 ]]
