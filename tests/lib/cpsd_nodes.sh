# Sourced by the scripts that run real cpsd processes (tests/node/p2p*.test.sh, tests/long/*,
# tests/cli/*_cli.test.sh): starts nodes on free HTTP and P2P ports, each with its own data dir
# under one temporary directory, stops them (SIGINT with a clean-exit check, or kill -9), reads
# get_info fields, compares final blocks, and starts and boots N producers on one genesis.
#
# The caller cds to the repository root first. State (global, owned by this file):
#   CPSD_BUILD           the build dir ($CPS_BUILD, default build)
#   CPSD_TMP             the temporary directory, removed at exit (kept with KEEP_TMP=1)
#   CPSD_PID[name]       the node's process id ("" once stopped)
#   CPSD_HTTP[name]      its HTTP port; CPSD_P2P[name] its P2P port (reused when restarted)
#   CPSD_ARGS[name]      the arguments it was started with (reused when restarted without any)
#   CPSD_PNAME/PPUB/PKEY[name]   producer account, public key, signature provider of a node
#   CPSD_COMMON_ARGS     array of extra arguments every multi-node start passes (set by the caller)
# Logs: $CPSD_TMP/<name>/out (stdout) and $CPSD_TMP/<name>/err (stderr, appended over restarts).

CPSD_DEV_PUB=EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV
CPSD_DEV_PRIV=5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3
CPSD_DEV_KEY=$CPSD_DEV_PUB=KEY:$CPSD_DEV_PRIV
declare -gA CPSD_PID=() CPSD_HTTP=() CPSD_P2P=() CPSD_ARGS=() CPSD_PNAME=() CPSD_PPUB=() CPSD_PKEY=()
CPSD_COMMON_ARGS=()
CPSD_GENESIS=

# ---- set-up and checks --------------------------------------------------------------------------

# cpsd_nodes_init LABEL [files needed, relative to the build dir...]: checks that cpsd and the
# files exist (else prints why and "0 passed, 1 failed" and exits 1), makes CPSD_TMP and sets
# the exit trap that kill -9s whatever still runs.
cpsd_nodes_init() {
  local label=$1 f; shift
  CPSD_BUILD=${CPS_BUILD:-build}
  export NODE_PATH=$PWD/node_modules
  for f in cpsd "$@"; do
    if [[ ! -e $CPSD_BUILD/$f ]]; then
      echo "$label: missing $CPSD_BUILD/$f (build it with make)" >&2; echo "0 passed, 1 failed"; exit 1
    fi
  done
  CPSD_TMP=$(mktemp -d)
  trap cpsd_nodes_cleanup EXIT
}

cpsd_nodes_cleanup() {
  local n
  for n in "${!CPSD_PID[@]}"; do [[ -n ${CPSD_PID[$n]} ]] && kill -9 "${CPSD_PID[$n]}" 2>/dev/null; done
  wait 2>/dev/null
  if [[ -n ${KEEP_TMP:-} ]]; then echo "kept $CPSD_TMP"; else rm -rf "$CPSD_TMP"; fi
}

# The check counters of the multi-node scripts: ok/bad count and print one line each, note prints
# a line of context, finish prints the summary and exits (non-zero on a failure or no check).
CPSD_PASS=0 CPSD_FAIL=0
ok() { CPSD_PASS=$((CPSD_PASS + 1)); echo "ok   $*"; }
bad() { CPSD_FAIL=$((CPSD_FAIL + 1)); echo "FAIL $*"; }
note() { echo "     $*"; }
finish() {
  echo "     total $SECONDS s"
  echo "$CPSD_PASS passed, $CPSD_FAIL failed"
  [[ $CPSD_FAIL -eq 0 && $CPSD_PASS -gt 0 ]]
  exit $?
}

# cpsd_genesis fixed|now: one genesis for every node (the development key; a fixed 2026-01-01
# time — nodes then need --enable-stale-production — or the current time).
cpsd_genesis() {
  local t=2026-01-01T00:00:00.000
  [[ ${1:-fixed} == now ]] && t=$(date -u +%Y-%m-%dT%H:%M:%S.000)
  CPSD_GENESIS=$CPSD_TMP/genesis.json
  printf '{"initial_timestamp": "%s", "initial_key": "%s"}\n' "$t" "$CPSD_DEV_PUB" >"$CPSD_GENESIS"
}

# cpsd_wait SECONDS COMMAND...: runs COMMAND every 0.25 s until it succeeds (0) or SECONDS pass (1).
cpsd_wait() {
  local deadline=$((SECONDS + $1)); shift
  while :; do
    "$@" && return 0
    ((SECONDS >= deadline)) && return 1
    sleep 0.25
  done
}

# ---- one node -----------------------------------------------------------------------------------

# cpsd_node_start NAME [args...]: starts NAME with its data dir, the genesis (if any), HTTP and P2P
# on free ports (the same ports again on a restart) and CPSD_COMMON_ARGS; without args a restart
# reuses the previous ones. Waits (up to 60 s) until both ports are announced; on failure prints
# the end of the node's log and returns 1.
cpsd_node_start() {
  local name=$1; shift
  [[ $# -gt 0 ]] && CPSD_ARGS[$name]=$(printf '%q ' "$@")
  local -a args=() gen=()
  eval "args=(${CPSD_ARGS[$name]:-})"
  [[ -n $CPSD_GENESIS ]] && gen=(--genesis-json "$CPSD_GENESIS")
  mkdir -p "$CPSD_TMP/$name"
  : >"$CPSD_TMP/$name/out"
  "$CPSD_BUILD/cpsd" --data-dir "$CPSD_TMP/$name/data" "${gen[@]}" \
    --http-server-address "127.0.0.1:${CPSD_HTTP[$name]:-0}" \
    --p2p-listen-endpoint "127.0.0.1:${CPSD_P2P[$name]:-0}" \
    "${CPSD_COMMON_ARGS[@]}" "${args[@]}" >"$CPSD_TMP/$name/out" 2>>"$CPSD_TMP/$name/err" &
  CPSD_PID[$name]=$!
  local h= p= deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    h=$(sed -n 's/^cpsd listening on port //p' "$CPSD_TMP/$name/out")
    p=$(sed -n 's/^cpsd p2p on port //p' "$CPSD_TMP/$name/out")
    [[ -n $h && -n $p ]] && { CPSD_HTTP[$name]=$h; CPSD_P2P[$name]=$p; return 0; }
    kill -0 "${CPSD_PID[$name]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "node $name did not start:"; tail -5 "$CPSD_TMP/$name/err"
  return 1
}

# Waits (up to SECONDS) for the process PID to end, without reaping it (a zombie counts as ended).
wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2)) st
  while ((SECONDS < deadline)); do
    st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 0
    [[ -z $st || $st == Z ]] && return 0
    sleep 0.1
  done
  return 1
}

# cpsd_node_stop NAME [SECONDS]: SIGINT (once: cpsd's handler closes itself, a second SIGINT
# would kill it the default way, status 130), then waits (60 s by default) for the exit; returns
# the exit status (0 = clean: the node flushed its state and, under SAN=1, found no leak). A node
# that does not exit in time is killed (status 124). A non-zero status prints the end of its log.
cpsd_node_stop() {
  local name=$1 pid=${CPSD_PID[$1]}
  [[ -n $pid ]] || { echo "node $name is not running"; return 1; }
  kill -INT "$pid" 2>/dev/null
  reap_stopped "$name" "${2:-60}"
}

# reap_stopped NAME SECONDS: waits for NAME, already sent SIGINT, to exit; returns its status.
reap_stopped() {
  local name=$1 pid=${CPSD_PID[$1]} rc
  if wait_exit "$pid" "$2"; then wait "$pid" 2>/dev/null; rc=$?
  else kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rc=124; echo "node $name did not exit after SIGINT"; fi
  CPSD_PID[$name]=
  if [[ $rc != 0 ]]; then
    echo "node $name exited $rc:"; grep -v '^20[0-9][0-9]-' "$CPSD_TMP/$name/err" | tail -30
  fi
  return "$rc"
}

# cpsd_nodes_stop NAMES...: SIGINT to all at once (they stop at nearly the same head), then waits
# for each; returns 1 if one did not exit cleanly, and leaves "name:status" of each such node in
# CPSD_UNCLEAN. (Not to be run in $(...): only this shell can wait for its nodes.)
cpsd_nodes_stop() {
  local n
  CPSD_UNCLEAN=()
  for n in "$@"; do [[ -n ${CPSD_PID[$n]} ]] && kill -INT "${CPSD_PID[$n]}" 2>/dev/null; done
  for n in "$@"; do
    if [[ -z ${CPSD_PID[$n]} ]]; then CPSD_UNCLEAN+=("$n:not-running"); continue; fi
    reap_stopped "$n" 60 || CPSD_UNCLEAN+=("$n:$?")
  done
  [[ ${#CPSD_UNCLEAN[@]} == 0 ]]
}

# cpsd_node_kill NAME: kill -9 (no chance to flush anything), reaped.
cpsd_node_kill() {
  [[ -n ${CPSD_PID[$1]} ]] || return 0
  kill -9 "${CPSD_PID[$1]}" 2>/dev/null
  wait "${CPSD_PID[$1]}" 2>/dev/null
  CPSD_PID[$1]=
}

# cpsd_state_hash NAME: "<head> <state sha256>" of a stopped node's data dir.
cpsd_state_hash() { "$CPSD_BUILD/cpsd" --data-dir "$CPSD_TMP/$1/data" --print-state-hash 2>/dev/null; }

# ---- queries ------------------------------------------------------------------------------------

cpsd_url() { echo "http://127.0.0.1:${CPSD_HTTP[$1]}"; }
# cpsd_peer NAME: the argument pair that dials NAME (used unquoted: $(cpsd_peer a)).
cpsd_peer() { echo "--p2p-peer-address 127.0.0.1:${CPSD_P2P[$1]}"; }
# cpsd_post NAME API BODY: POST /v1/chain/API (10 s limit); prints the reply.
cpsd_post() { curl -s -m 10 -d "$3" "http://127.0.0.1:${CPSD_HTTP[$1]}/v1/chain/$2"; }
# cpsd_field JSON FIELD: the first scalar FIELD in JSON, unquoted.
cpsd_field() { grep -o "\"$2\":[^,}]*" <<<"$1" | head -1 | cut -d: -f2 | tr -d '"'; }
cpsd_info() { cpsd_post "$1" get_info '{}'; }
cpsd_info_field() { cpsd_field "$(cpsd_info "$1")" "$2"; }
cpsd_lib() { cpsd_info_field "$1" last_irreversible_block_num; }
cpsd_head() { cpsd_info_field "$1" head_block_num; }
cpsd_block_id() {
  cpsd_post "$1" get_block "{\"block_num_or_id\":$2}" | grep -o '"id":"[0-9a-f]*"' | head -1 | cut -d'"' -f4
}
# cpsd_head_at_least NAME N / cpsd_lib_at_least NAME N: conditions for cpsd_wait.
cpsd_head_at_least() { local h; h=$(cpsd_head "$1"); [[ -n $h && $h -ge $2 ]]; }
cpsd_lib_at_least() { local l; l=$(cpsd_lib "$1"); [[ -n $l && $l -ge $2 ]]; }

# cpsd_agree_lib NODES...: every node has the same block at the lowest LIB among them; prints that
# number (status 0) or what differs (status 1). A node too busy to answer in time (a loaded
# machine, ASan) is asked again rather than counted as a disagreement.
cpsd_agree_lib() {
  local min= n l id ids
  for n in "$@"; do
    l=$(cpsd_lib "$n"); [[ -z $l ]] && { sleep 0.5; l=$(cpsd_lib "$n"); }
    [[ -z $l ]] && { echo "$n does not answer"; return 1; }
    [[ -z $min || $l -lt $min ]] && min=$l
  done
  ids=$(for n in "$@"; do
          for _ in 1 2 3; do id=$(cpsd_block_id "$n" "$min"); [[ -n $id ]] && break; sleep 0.5; done
          echo "${id:-no answer from $n}"
        done | sort | uniq -c)
  [[ $(wc -l <<<"$ids") == 1 && $(awk '{print $1}' <<<"$ids") == "$#" ]] && echo "$min" && return 0
  echo "block $min differs: $(tr '\n' ' ' <<<"$ids")"; return 1
}

# cpsd_hashes_agree NODES...: the nodes (stopped) that ended at the same head have the same state
# hash, and at least two ended at one head (else nothing was compared). Prints the hashes grouped.
cpsd_hashes_agree() {
  local n hashes
  hashes=$(for n in "$@"; do cpsd_state_hash "$n"; done)
  sort <<<"$hashes" | uniq -c | awk '{print $1 "x@" $2 " " substr($3, 1, 16)}' | tr '\n' ' '
  [[ $(sort -u <<<"$hashes" | awk '{print $1}' | uniq -d | wc -l) == 0 &&
     $(sort <<<"$hashes" | uniq -c | sort -rn | head -1 | awk '{print $1}') -ge 2 &&
     $(wc -l <<<"$hashes") == "$#" ]]
}

# Exits the script with "0 passed, 1 failed" when node.js (scripts/boot.js, the scenarios) is missing.
need_node_js() {
  command -v node >/dev/null && return 0
  echo "node.js is needed (scripts/boot.js)" >&2; echo "0 passed, 1 failed"; exit 1
}

# ---- producers ----------------------------------------------------------------------------------

# cpsd_producer_keys NODES...: gives the i-th node the i-th producer account and key of
# scripts/boot.js (the accounts boot.js --producers N registers).
cpsd_producer_keys() {
  local -a keys
  need_node_js
  mapfile -t keys < <(node scripts/boot.js --print-producers $#)
  local i=0 n nm pub priv
  for n in "$@"; do
    read -r nm pub priv <<<"${keys[$i]}"
    CPSD_PNAME[$n]=$nm CPSD_PPUB[$n]=$pub CPSD_PKEY[$n]="$pub=KEY:$priv"
    i=$((i + 1))
  done
}

# cpsd_start_producer NAME [args...]: starts NAME producing as its account (cpsd_producer_keys).
cpsd_start_producer() {
  local name=$1; shift
  cpsd_node_start "$name" --producer-name "${CPSD_PNAME[$name]}" --signature-provider "${CPSD_PKEY[$name]}" "$@"
}

# cpsd_start_genesis_producer NAME [args...]: NAME also runs eosio, the genesis producer (the
# chain's only producer until a schedule is proposed).
cpsd_start_genesis_producer() {
  local name=$1; shift
  cpsd_start_producer "$name" --producer-name eosio --signature-provider "$CPSD_DEV_KEY" "$@"
}

# cpsd_start_mesh NODES...: the first node runs eosio too, each later one dials all before it.
cpsd_start_mesh() {
  local n peers=()
  cpsd_start_genesis_producer "$1" || return 1
  peers=("$1"); shift
  for n in "$@"; do
    # shellcheck disable=SC2046
    cpsd_start_producer "$n" $(for p in "${peers[@]}"; do cpsd_peer "$p"; done) || return 1
    peers+=("$n")
  done
}

# cpsd_schedule_has NAME PRODUCER: PRODUCER is in NAME's active schedule (not only pending).
cpsd_schedule_has() { cpsd_post "$1" get_producer_schedule '{}' | sed 's/"pending".*//' | grep -q "\"$2\""; }

# cpsd_boot_bft VIA N WATCH: once VIA's head passes block 4 (eosjs refers to a block 3 behind the
# head, which must not be the genesis block), boots the system contracts with N registered
# producers through VIA, proposes the N-producer schedule through the privileged test contract
# (tests/node/p2p_bft.js) and waits (up to 60 s) until it is active on WATCH. Prints what failed.
cpsd_boot_bft() {
  local via=$1 n=$2 watch=$3 last
  cpsd_wait 20 cpsd_head_at_least "$via" 5 || { echo "$via does not produce (head $(cpsd_head "$via"))"; return 1; }
  node scripts/boot.js "$(cpsd_url "$via")" "$CPSD_BUILD" --system --producers "$n" >"$CPSD_TMP/boot.out" 2>&1 ||
    { echo "boot: $(tail -3 "$CPSD_TMP/boot.out")"; return 1; }
  node tests/node/p2p_bft.js "$(cpsd_url "$via")" "$CPSD_BUILD" "$n" >"$CPSD_TMP/sched.out" 2>&1 ||
    { echo "propose: $(cat "$CPSD_TMP/sched.out")"; return 1; }
  last=$(node scripts/boot.js --print-producers "$n" | tail -1 | awk '{print $1}')
  cpsd_wait 60 cpsd_schedule_has "$watch" "$last" ||
    { echo "schedule not active on $watch: $(cpsd_post "$watch" get_producer_schedule '{}' | head -c 300)"; return 1; }
}

# cpsd_head_by NAME PRODUCER: NAME's head block was produced by PRODUCER (a condition for
# cpsd_wait: a producer's turn is 12 blocks, 6 s, so polling every 0.25 s sees it).
cpsd_head_by() { [[ $(cpsd_info_field "$1" head_block_producer) == "$2" ]]; }

# ---- one development node (the CLI scripts) ------------------------------------------------------

# cpsd_start LABEL [args...]: starts the node "main" on a development chain (eosio produces with the
# development key, stale production enabled) and sets CPSD_URL; exits the script with
# "0 passed, 1 failed" when it does not start.
cpsd_start() {
  local label=$1; shift
  cpsd_node_start main --producer-name eosio --enable-stale-production \
    --signature-provider "$CPSD_DEV_KEY" "$@" || { echo "$label: cpsd did not start" >&2; echo "0 passed, 1 failed"; exit 1; }
  CPSD_URL=$(cpsd_url main)
}

# cpsd_boot LABEL [boot.js args...]: scripts/boot.js against "main" (eosio.token; --system for the
# system contracts); exits the script with "0 passed, 1 failed" when it fails.
cpsd_boot() {
  local label=$1; shift
  need_node_js
  node scripts/boot.js "$CPSD_URL" "$CPSD_BUILD" "$@" >"$CPSD_TMP/boot.log" 2>&1 ||
    { echo "$label: boot ($*) failed:" >&2; cat "$CPSD_TMP/boot.log" >&2; echo "0 passed, 1 failed"; exit 1; }
}
