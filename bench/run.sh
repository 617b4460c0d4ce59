#!/usr/bin/env bash
# Runs every benchmark program in <build>/bench/ in turn; each prints its own figures and ratios.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
mkdir -p bench/results
for b in $(find "$build/bench" -maxdepth 1 -type f -perm -u+x 2>/dev/null | sort); do
  echo "== $(basename "$b")"
  "$b"
done
for s in $(find bench -name '*.bench.sh' | sort); do
  echo "== $s"
  CPS_BUILD=$build bash "$s"
done
