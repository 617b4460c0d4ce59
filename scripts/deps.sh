#!/usr/bin/env bash
# Installs every Debian and npm package CPS needs; safe to run again (does nothing when all is present).
# Runs apt-get directly as root, through sudo otherwise. Called by the Makefile when a stamp is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  build-essential pkg-config git ca-certificates
  clang-14 lld-14 llvm-14 libclang-rt-14-dev   # contracts to wasm32, libFuzzer, sanitizers
  libsecp256k1-dev libssl-dev zlib1g-dev libsodium-dev
  liblmdb-dev libuv1-dev libmicrohttpd-dev libjansson-dev libsqlite3-dev
  wabt                                          # wat2wasm / wast2json for VM tests
  nodejs npm                                    # eosjs / wharfkit interop tests
  procps psmisc curl                            # end-to-end tests: pgrep, kill, HTTP
)

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  # nodejs/npm may come from another source (e.g. a preinstalled node); accept the commands.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "deps: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# npm packages (interop tests): installed from package-lock.json when node_modules is absent or stale.
if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules ]; }; then
    echo "deps: installing npm packages" >&2
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error >&2; else npm install --no-audit --no-fund --loglevel=error >&2; fi
    touch node_modules
  fi
fi
exit 0
