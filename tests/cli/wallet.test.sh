#!/usr/bin/env bash
# End-to-end tests of `cps wallet` ($CPS_BUILD/cps): create, open, lock, lock_all, unlock, import,
# remove_key, create_key, keys, private_keys, list — cleos's output, keosd's errors, the unlock
# timeout, wrong passwords, modified and truncated wallet files, file modes. Every run uses its
# own wallet and session directories. Prints "N passed, N failed"; exits non-zero on failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${CPS_BUILD:-build}
cps=$build/cps
if [[ ! -x $cps ]]; then
  echo "wallet: missing $cps (build it with make)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CPS_WALLET_DIR=$tmp/wallets
export CPS_WALLET_SESSION_DIR=$tmp/session
unset CPS_WALLET_UNLOCK_TIMEOUT

pass=0
failn=0
ok() { pass=$((pass + 1)); }
bad() {
  failn=$((failn + 1))
  echo "FAIL: $1" >&2
  shift
  for line in "$@"; do echo "    $line" >&2; done
}
run() { # [--stdin TEXT] args...: leaves rc, out, err
  local input=
  if [[ ${1:-} == --stdin ]]; then input=$2; shift 2; fi
  printf '%s' "$input" | "$cps" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}
expect_eq() { if [[ $2 == "$3" ]]; then ok; else bad "$1" "got:      $2" "expected: $3"; fi; }
expect_rc() { if [[ $rc -eq $2 ]]; then ok; else bad "$1" "exit $rc, expected $2" "stdout: $out" "stderr: $err"; fi; }
expect_err() { # NAME EXPECTED_STDERR: exit 1 and exactly this on stderr
  if [[ $rc -eq 1 && $err == "$2" ]]; then ok; else bad "$1" "exit $rc" "stderr:   $err" "expected: $2"; fi
}

KEY1=5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3
PUB1=EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV
KEY2=5JUNYmkJ5wVmtVY8x9A1KKzYe9UWLZ4Fq1hzGZxfwfzJB8jkw6u
wallet_file=$CPS_WALLET_DIR/default.wallet

# ---- create -----------------------------------------------------------------------------------
run wallet create
expect_err "create without --to-console or --file" \
  'ERROR: Either indicate a file using "--file" or pass "--to-console"'
run wallet create --to-console
expect_rc "create default" 0
expect_eq "create prints cleos's lines" "$(sed -n 1,3p "$tmp/out")" "Creating wallet: default
Save password to use in the future to unlock this wallet.
Without password imported keys will not be retrievable."
PW=$(sed -n 4p "$tmp/out" | tr -d '"')
if [[ $PW =~ ^PW5[1-9A-HJ-NP-Za-km-z]{50}$ ]]; then ok; else bad "password looks like keosd's (PW5 + WIF)" "$PW"; fi
expect_eq "wallet file mode 0600" "$(stat -c %a "$wallet_file")" 600
expect_eq "wallet dir mode 0700" "$(stat -c %a "$CPS_WALLET_DIR")" 700
if grep -q "$PW" "$wallet_file" 2>/dev/null; then bad "password stored in the wallet file"; else ok; fi
run wallet create --to-console
expect_err "create an existing wallet" "Error 3120001: Wallet already exists
Error Details:
Wallet with name: 'default' already exists at $wallet_file"
run wallet create -n ../evil --to-console
expect_rc "create with a path in the name fails" 1
if [[ -e $tmp/evil.wallet ]]; then bad "a wallet was written outside the wallet dir"; else ok; fi

run wallet create -n second -f "$tmp/second.pw"
expect_rc "create with --file" 0
expect_eq "create --file message" "$(sed -n 4p "$tmp/out")" "saving password to $tmp/second.pw"
PW2=$(cat "$tmp/second.pw")
if [[ $PW2 =~ ^PW5 && $PW2 != "$PW" ]]; then ok; else bad "password file holds a new password" "$PW2"; fi
expect_eq "password file mode" "$(stat -c %a "$tmp/second.pw")" 600
if grep -q PW5 "$tmp/out"; then bad "--file also printed the password"; else ok; fi

run wallet list
expect_eq "list shows both unlocked" "$out" 'Wallets:
[
  "default *",
  "second *"
]'

# ---- keys -------------------------------------------------------------------------------------
run wallet keys
expect_eq "keys of empty wallets" "$out" "[]"
run wallet import --private-key "$KEY1"
expect_eq "import prints the public key" "$out" "imported private key for: $PUB1"
if grep -q "$KEY1" "$wallet_file"; then bad "private key stored in clear"; else ok; fi
run wallet import --private-key "$KEY1"
expect_err "import a key twice" "Error 3120008: Key already exists
Error Details:
Key already in wallet"
run --stdin "$KEY2"$'\n' wallet import -n second
expect_rc "import from standard input" 0
PUB2=${out#imported private key for: }
if [[ $PUB2 =~ ^EOS[1-9A-HJ-NP-Za-km-z]{50}$ ]]; then ok; else bad "import prompt gives a public key" "$out"; fi
expect_eq "import prompt on stderr" "$err" "private key: "
run wallet import --private-key 5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD4
expect_rc "import a key with a bad checksum" 1
if [[ $err == "Error 3010003: Invalid private key"* ]]; then ok; else bad "invalid key error" "$err"; fi
if [[ $err == *5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD4* ]]; then bad "error echoes the secret"; else ok; fi

run wallet keys
expected_keys=$(printf '%s\n' "$PUB1" "$PUB2" | sort)
got_keys=$(grep -o 'EOS[0-9A-Za-z]*' "$tmp/out" | sort)
expect_eq "keys lists the keys of both unlocked wallets" "$got_keys" "$expected_keys"
expect_eq "keys is a JSON array" "$(head -c1 "$tmp/out")$(tail -c2 "$tmp/out" | head -c1)" "[]"

run wallet private_keys --password "$PW"
expect_eq "private_keys with the password" "$out" "[[
    \"$PUB1\",
    \"$KEY1\"
  ]
]"
run wallet private_keys --password "${PW}x"
expect_err "private_keys with a wrong password" "Error 3120005: Invalid wallet password
Error Details:
Invalid password for wallet: \"$wallet_file\""
run --stdin "$PW"$'\n' wallet private_keys
expect_rc "private_keys asks for the password" 0
expect_eq "password prompt" "$err" "password: "

run wallet create_key -n second
expect_rc "create_key" 0
PUB3=$(sed -E 's/^Created new private key with a public key of: "(EOS[0-9A-Za-z]+)"$/\1/' <<<"$out")
if [[ $PUB3 =~ ^EOS[1-9A-HJ-NP-Za-km-z]{50}$ ]]; then ok; else bad "create_key output" "$out"; fi
run wallet private_keys -n second --password "$PW2"
if [[ $out == *"$PUB3"* && $out == *"$PUB2"* && $out == *"$KEY2"* ]]; then ok; else bad "second wallet holds both keys" "$out"; fi

run wallet remove_key -n second "$PUB3" --password "$PW"
expect_rc "remove_key with another wallet's password" 1
run wallet remove_key -n second "$PUB3" --password "$PW2"
expect_eq "remove_key" "$out" "removed private key for: $PUB3"
run wallet remove_key -n second "$PUB3" --password "$PW2"
expect_err "remove a missing key" "Error 3120009: Nonexistent key
Error Details:
Key not in wallet"

# ---- lock / unlock ----------------------------------------------------------------------------
run wallet lock
expect_eq "lock" "$out" "Locked: default"
run wallet list
expect_eq "list after lock" "$out" 'Wallets:
[
  "default",
  "second *"
]'
run wallet keys
expect_eq "keys skips locked wallets" "$(grep -c EOS "$tmp/out")" 1
run wallet import --private-key "$KEY2"
expect_err "import into a locked wallet" "Error 3120003: Locked wallet
Error Details:
Wallet is locked: default"
run wallet unlock --password "${PW}x"
expect_err "unlock with a wrong password" "Error 3120005: Invalid wallet password
Error Details:
Invalid password for wallet: \"$wallet_file\""
run wallet unlock --password ""
expect_rc "unlock with an empty password" 1
run --stdin "$PW"$'\n' wallet unlock
expect_eq "unlock from the prompt" "$out" "Unlocked: default"
run wallet unlock --password "$PW"
expect_err "unlock twice" "Error 3120007: Already unlocked
Error Details:
Wallet is already unlocked: default"
run wallet lock_all
expect_eq "lock_all" "$out" "Locked All Wallets"
run wallet keys
expect_err "keys with every wallet locked" "Error 3120003: Locked wallet
Error Details:
You don't have any unlocked wallet!"
run wallet lock -n nosuch
expect_err "lock a wallet that is not open" "Error 3120002: Nonexistent wallet
Error Details:
Wallet not found: nosuch"
run wallet open -n nosuch
expect_err "open a missing wallet" "Error 3120002: Nonexistent wallet
Error Details:
Unable to open file: $CPS_WALLET_DIR/nosuch.wallet"
run wallet unlock -n nosuch --password x
expect_rc "unlock a missing wallet" 1

# Sessions do not leak secrets in clear text form the user would recognise, and are private.
run wallet unlock --password "$PW"
sess=$(find "$CPS_WALLET_SESSION_DIR" -name default.unlock)
expect_eq "session file mode" "$(stat -c %a "$sess")" 600
if grep -qa "$PW" "$sess"; then bad "session file holds the password"; else ok; fi

# A fresh session directory (a reboot, a new login) finds every wallet closed.
CPS_WALLET_SESSION_DIR=$tmp/session2 run wallet list
expect_eq "new session: nothing open" "$out" "Wallets:
[]"
CPS_WALLET_SESSION_DIR=$tmp/session2 run wallet keys
expect_err "new session: no wallet" "Error 3120006: No available wallet
Error Details:
You don't have any wallet!"
CPS_WALLET_SESSION_DIR=$tmp/session2 run wallet open
expect_eq "open" "$out" "Opened: default"
CPS_WALLET_SESSION_DIR=$tmp/session2 run wallet list
expect_eq "opened wallet is locked" "$out" 'Wallets:
[
  "default"
]'

# ---- timeout ----------------------------------------------------------------------------------
run wallet lock
run wallet --unlock-timeout 2 unlock --password "$PW"
expect_rc "unlock with a 2 s timeout" 0
run wallet keys
expect_rc "keys right after unlock" 0
sleep 3
run wallet keys
expect_rc "keys after the timeout" 1
run wallet list
expect_eq "wallet relocked by the timeout" "$(sed -n 3p "$tmp/out")" '  "default",'
CPS_WALLET_UNLOCK_TIMEOUT=3 run wallet unlock --password "$PW"
expect_rc "unlock with CPS_WALLET_UNLOCK_TIMEOUT" 0
sleep 2
run wallet keys # use pushes the expiry ahead (keosd resets its timer on each call)
sleep 2
run wallet keys
expect_rc "each use extends the timeout" 0
sleep 4
run wallet keys
expect_rc "timeout after the last use" 1
CPS_WALLET_UNLOCK_TIMEOUT=abc run wallet list
expect_rc "bad CPS_WALLET_UNLOCK_TIMEOUT" 1

# ---- damaged files ----------------------------------------------------------------------------
cp "$wallet_file" "$tmp/orig.wallet"
flip() { # FILE OFFSET: xor one byte
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
for off in 70 100 30 45 13; do # ciphertext, tag, salt, nonce, KDF opslimit
  cp "$tmp/orig.wallet" "$wallet_file"
  flip "$wallet_file" $off
  run wallet unlock --password "$PW"
  expect_rc "unlock a wallet modified at byte $off" 1
  if [[ $err == "Error 3120005: Invalid wallet password"* || $err == Error:*"out of range"* ]]; then ok; else bad "modified at $off: error" "$err"; fi
done
cp "$tmp/orig.wallet" "$wallet_file"
flip "$wallet_file" 0
run wallet unlock --password "$PW"
expect_err "unlock a file that is not a wallet" "Error: not a cps wallet file (bad magic at offset 0)"
cp "$tmp/orig.wallet" "$wallet_file"
flip "$wallet_file" 8
run wallet unlock --password "$PW"
expect_err "unlock a wallet of an unknown version" "Error: unsupported wallet format version 0 at offset 8"
head -c 60 "$tmp/orig.wallet" >"$wallet_file"
run wallet unlock --password "$PW"
expect_err "unlock a truncated wallet" "Error: wallet file too short: 60 bytes, at least 84"
head -c 110 "$tmp/orig.wallet" >"$wallet_file"
run wallet unlock --password "$PW"
expect_rc "unlock a wallet cut inside a key record" 1
cp "$tmp/orig.wallet" "$wallet_file"
run wallet unlock --password "$PW"
expect_eq "the original still unlocks" "$out" "Unlocked: default"
# A wallet modified while unlocked no longer decrypts under the session key.
flip "$wallet_file" 90
run wallet keys
expect_rc "keys with a wallet modified while unlocked" 1
cp "$tmp/orig.wallet" "$wallet_file"
# A different wallet put in place under the same name makes the old session stale.
run wallet lock_all
rm -f "$CPS_WALLET_DIR/third.wallet"
run wallet create -n third --to-console
mv "$CPS_WALLET_DIR/third.wallet" "$tmp/third.wallet"
cp "$tmp/third.wallet" "$CPS_WALLET_DIR/third.wallet"
run wallet unlock --password "$PW"
cp "$CPS_WALLET_DIR/third.wallet" "$wallet_file"
run wallet private_keys --password "$PW"
expect_err "session of a replaced wallet counts as locked" "Error 3120003: Locked wallet
Error Details:
Wallet is locked: default"

echo "$pass passed, $failn failed"
[[ $failn -eq 0 ]]
