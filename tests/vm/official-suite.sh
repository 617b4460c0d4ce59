#!/usr/bin/env bash
# Runs the official WebAssembly core test suite (Wasm 2.0 files, SIMD excluded) against
# cps-wasm-spec, from a local git copy of github.com/WebAssembly/testsuite. Nothing is copied into
# the repository: files are extracted into a temporary directory.
#
#   tests/vm/official-suite.sh TESTSUITE_GIT_DIR [WAST2JSON] [BUILD]
#
# The commit used is the last one before the Wasm 3.0 merge (top-level files became 3.0 with
# 4b24564, "Fix update script with recent repo changes", 2025-09-22). wabt 1.0.32's wast2json
# cannot parse 7 of the files (comments, if, table_fill, table_get, table_grow, table_set,
# table_size: newer text syntax); pass a newer wast2json (1.0.41 converts all of them).
set -eu
suite=${1:?usage: official-suite.sh TESTSUITE_GIT_DIR [WAST2JSON] [BUILD]}
w2j=${2:-wast2json}
build=${3:-build}
commit=${SUITE_COMMIT:-a8101597d3c3c660086c3cd1eedee608ff18d3c3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=$(git -C "$suite" ls-tree --name-only "$commit" | grep '\.wast$' | grep -v simd)
git -C "$suite" archive "$commit" $files | tar -x -C "$tmp"
unconverted=()
for f in "$tmp"/*.wast; do
  n=$(basename "$f" .wast)
  (cd "$tmp" && "$w2j" "$n.wast" -o "$n.json" >/dev/null 2>&1) || unconverted+=("$n")
done
if ((${#unconverted[@]})); then
  echo "not converted by $w2j: ${unconverted[*]}"
fi
"$build/cps-wasm-spec" "$tmp"/*.json
