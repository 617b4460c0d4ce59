#!/usr/bin/env bash
# VM conformance scripts: converts tests/vm/wast/*.wast with wabt's wast2json into a temporary
# directory and runs them with cps-wasm-spec. Last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
build=${CPS_BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for f in tests/vm/wast/*.wast; do
  n=$(basename "$f" .wast)
  if ! wast2json "$f" -o "$tmp/$n.json" >"$tmp/$n.err" 2>&1; then
    echo "wast2json failed on $f:"
    head -n 20 "$tmp/$n.err"
    bad=$((bad + 1))
  fi
done
out=$("$build/cps-wasm-spec" -v "$tmp"/*.json)
rc=$?
echo "$out" | sed '$d'
last=$(echo "$out" | tail -n 1)
p=$(sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$last")
f=$(sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$last")
[[ $p =~ ^[0-9]+$ ]] || p=0
[[ $f =~ ^[0-9]+$ ]] || f=1
f=$((f + bad))
echo "$p passed, $f failed"
[[ $rc -eq 0 && $f -eq 0 ]]
