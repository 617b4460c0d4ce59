#!/usr/bin/env bash
# `make run`: start a development chain on 127.0.0.1:8888. Needs the node program (build/cpsd),
# which comes with the node issue; until it exists this says so and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x build/cpsd ]; then
  echo "make run: the node (build/cpsd) is not part of this build yet." >&2
  echo "What works today: build/cps (keys, convert, sign) and the test suite: make test" >&2
  exit 1
fi
exec build/cpsd --data-dir "${CPS_DATA_DIR:-build/run/data}" --http-server-address 127.0.0.1:8888 "$@"
