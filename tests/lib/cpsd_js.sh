# Sourced by the scripts that run one node.js scenario against a fresh cpsd (tests/api, tests/e2e,
# bench/api_chain): starts $CPS_BUILD/cpsd on a fresh development chain at a free port, runs the
# scenario with the node's URL and the build dir, then stops the node with SIGINT and counts its
# clean exit as one more check. The scenario prints "<prefix>: N passed, N failed" last.
#
#   cpsd_js_run LABEL SCENARIO.js PREFIX "REQUIRED FILES (relative to the build dir)" [cpsd args...]
#
# Prints "N passed, N failed" and returns non-zero on any failure.
cpsd_js_run() {
  local label=$1 js=$2 prefix=$3 required=$4
  shift 4
  cd "$(dirname "${BASH_SOURCE[0]}")/../.." || return 1
  local build=${CPS_BUILD:-build}
  export NODE_PATH=$PWD/node_modules
  local f
  for f in cpsd $required; do
    if [[ ! -e $build/$f ]]; then
      echo "$label: missing $build/$f" >&2; echo "0 passed, 1 failed"; return 1
    fi
  done
  command -v node >/dev/null || { echo "$label: node is not installed" >&2; echo "0 passed, 1 failed"; return 1; }
  CPSD_JS_TMP=$(mktemp -d)
  CPSD_JS_PID=
  trap '[[ -n $CPSD_JS_PID ]] && kill -9 "$CPSD_JS_PID" 2>/dev/null; rm -rf "$CPSD_JS_TMP"' EXIT
  local tmp=$CPSD_JS_TMP
  # The scenarios check behaviour, not nodeos's 30 ms response limit (tests/api/test_server
  # covers it): on a loaded 2-core machine under ASan a handler can be descheduled that long.
  "$build/cpsd" --data-dir "$tmp/data" --http-server-address 127.0.0.1:0 \
    --http-max-response-time-ms 2000 "$@" >"$tmp/out" 2>"$tmp/err" &
  CPSD_JS_PID=$!
  local port= _
  for _ in $(seq 1 200); do
    port=$(sed -n 's/^cpsd listening on port //p' "$tmp/out")
    [[ -n $port ]] && break
    kill -0 "$CPSD_JS_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -z $port ]]; then
    cat "$tmp/err" >&2; echo "$label: cpsd did not start" >&2; echo "0 passed, 1 failed"; return 1
  fi
  timeout 300 node "$js" "http://127.0.0.1:$port" "$build" >"$tmp/js" 2>&1
  local rc=$? p f
  cat "$tmp/js"
  read -r p f < <(sed -nE "s/^$prefix: ([0-9]+) passed, ([0-9]+) failed\$/\\1 \\2/p" "$tmp/js") || { p=0; f=1; }
  [[ $rc -ne 0 && $f -eq 0 ]] && f=1
  kill -INT "$CPSD_JS_PID"
  wait "$CPSD_JS_PID"
  local src=$?
  CPSD_JS_PID=
  if [[ $src -eq 0 ]]; then p=$((p + 1)); else echo "cpsd exited with $src" >&2; tail -20 "$tmp/err" >&2; f=$((f + 1)); fi
  echo "$p passed, $f failed"
  [[ $f -eq 0 ]]
}
