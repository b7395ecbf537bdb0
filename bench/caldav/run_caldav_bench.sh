#!/usr/bin/env bash
# The CalDAV benchmark of issue #4: Almanac, Radicale and Xandikos side by side
# in one run, each started here on loopback in a directory of its own and
# loaded with the same 10,000 events (gen_events.py), then measured with wrk:
#   a) PUT of new events (new href each, If-None-Match: *)
#   b) REPORT calendar-query, one-month time-range on VEVENTs, calendar-data
#   c) the same with <C:expand>
#   d) PROPFIND Depth 1 on the calendar (getetag, getcontenttype, resourcetype)
#   e) sync-collection since a token taken before 10 changes
#   f) the wall-clock time to load the events by individual PUTs (4 connections)
# Every answer's status is checked (207, or 201 for PUT); the time-range
# REPORT's UIDs are compared with expected_uids.py and between servers.
# Prints the command, the machine and one markdown table (plus notes).
#
# Usage: bench/caldav/run_caldav_bench.sh [--almanac PATH] [--only radicale,xandikos,almanac]
#          [--events N] [--duration S] [--work DIR] [--connections N] [--load-budget S]
# Needs wrk, radicale, xandikos, git, curl and Debian's python3 with python3-dateutil
# (scripts/install-deps.sh).
#
# Method, in order, per server:
#   - start it (Radicale: htpasswd auth with plain passwords, logging at
#     warning, max_connections 8; Xandikos: --autocreate, no auth, its default
#     logging; Almanac: `serve --listen 127.0.0.1:0 --data DIR`, admin user);
#     discovery as a client does it: PROPFIND /.well-known/caldav (redirects
#     followed) for current-user-principal, then calendar-home-set; then
#     MKCALENDAR <home>bench/;
#   - f) load the events by PUT (lua/load.lua, wrk -t2 -c4). A server whose
#     projected load time passes --load-budget (300 s; checked after 15 s and
#     50 PUTs per thread) is stopped there and loaded by writing its storage
#     directly while it is stopped (Radicale: the files into its collection
#     folder; Xandikos: the files committed to its git store). Its full-load
#     time is then extrapolated from the sample's rate and the rate of a) in
#     the full calendar, assuming the time per PUT grows linearly;
#   - for each of a) to e): a one-shot request (caldav_tool.py) checks the
#     answer and warms the server up, 8 times (Xandikos builds an in-memory
#     index after about 6 queries with one filter, answering from it from the
#     8th on), or fewer when one takes over 20 s; the
#     last answer is the one checked, and its latency picks wrk's regime. Then
#     wrk runs for --duration seconds with -t2 -c8. A request so slow that 8
#     connections could not each finish 10 in that time (10 x 8 x latency >
#     duration; wrk drops the requests still running at the end, which would
#     bias the rate) runs with one connection instead, for max(duration,
#     min(5 x latency, 90 s)), marked in the table. Radicale and Xandikos
#     serve one request at a time (GIL, one event loop): with 2 or 4
#     connections Radicale's REPORT rate stayed within the run-to-run noise;
#   - a) last, so the calendar measured by b) to e) holds exactly the events.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3  # Debian's, with python3-dateutil
ALMANAC=$ROOT/build-rel/src/app/almanac
ONLY="almanac,radicale,xandikos"
EVENTS=10000
DURATION=20
WORK=${TMPDIR:-/tmp}/almanac-caldav-bench
CONNECTIONS=8
THREADS=2
LOAD_CONNECTIONS=4
LOAD_BUDGET=300
SLOW_CAP=90
WARMUP_MAX=8
WARMUP_SLOW=20
SEED=20250301
WSTART=20250301T000000Z
WEND=20250401T000000Z
COMMAND="$0 $*"
usage="usage: $0 [--almanac PATH] [--only radicale,xandikos,almanac] [--events N] [--duration S] [--work DIR] [--connections N] [--load-budget S]"
while [[ $# -gt 0 ]]; do
  case $1 in
    --almanac) ALMANAC=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --events) EVENTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --load-budget) LOAD_BUDGET=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
SERVERS=()
for s in almanac radicale xandikos; do
  [[ ,$ONLY, == *,$s,* ]] && SERVERS+=("$s")
done
for s in ${ONLY//,/ }; do
  case $s in almanac|radicale|xandikos) ;; *) echo "$usage" >&2; exit 2 ;; esac
done
[[ ${#SERVERS[@]} -gt 0 ]] || { echo "$usage" >&2; exit 2; }
for tool in wrk curl git; do
  command -v $tool >/dev/null || { echo "run_caldav_bench: $tool not installed" >&2; exit 1; }
done
[[ ,$ONLY, != *,radicale,* ]] || command -v radicale >/dev/null || { echo "run_caldav_bench: radicale not installed" >&2; exit 1; }
[[ ,$ONLY, != *,xandikos,* ]] || command -v xandikos >/dev/null || { echo "run_caldav_bench: xandikos not installed" >&2; exit 1; }
if [[ ,$ONLY, == *,almanac,* && ! -x $ALMANAC ]]; then
  echo "run_caldav_bench: $ALMANAC not built (--almanac PATH, or --only radicale,xandikos)" >&2; exit 1
fi
$PY -c 'import dateutil' 2>/dev/null || { echo "run_caldav_bench: $PY lacks python3-dateutil" >&2; exit 1; }

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
DATA=$WORK/data
RESULTS=$WORK/results.json
rm -f "$RESULTS"
export LUA_PATH="$HERE/lua/?.lua;;"
TOOL=("$PY" "$HERE/caldav_tool.py")
SERVER_PID=""
WRK_PID=""
LOAD_AVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$SECONDS

cleanup() {
  [[ -n $WRK_PID ]] && kill "$WRK_PID" 2>/dev/null || true
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

log() { echo "== $*" >&2; }
now() { date +%s.%N; }
calc() { printf '%.3f' "$(echo "$1" | bc -l)"; }
elapsed() { calc "$(now) - $1"; }

# ---------------------------------------------------------------------------
# Data: generated once per (events, seed); the expected answer beside it.
if [[ ! -f $DATA/meta.json ]] || ! grep -q "\"events\": $EVENTS," "$DATA/meta.json" \
   || ! grep -q "\"seed\": $SEED," "$DATA/meta.json"; then
  log "generating $EVENTS events (seed $SEED)"
  "$PY" "$HERE/gen_events.py" "$DATA" --events "$EVENTS" --seed "$SEED"
  rm -f "$DATA/expected.json"
fi
[[ -f $DATA/expected.json ]] || "$PY" "$HERE/expected_uids.py" "$DATA" --start "$WSTART" --end "$WEND" --out "$DATA/expected.json"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() {  # URL: until anything answers
  for _ in $(seq 1 300); do
    curl -s -o /dev/null --max-time 2 "$1" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "run_caldav_bench: server did not start; its log:" >&2; cat "$DIR/server.log" >&2; exit 1
}

# Each start_* sets SERVER_PID, BASE, USER_, PASS_.
start_radicale() {
  local port
  port=$(free_port)
  USER_=bench
  [[ -f $DIR/users ]] || printf '%s:%s\n' "$USER_" "$(head -c 12 /dev/urandom | base64 | tr -d '/+=')" >"$DIR/users"
  PASS_=$(cut -d: -f2- "$DIR/users")
  cat >"$DIR/config" <<EOF
[server]
hosts = 127.0.0.1:$port
max_connections = 8
timeout = 600
[auth]
type = htpasswd
htpasswd_filename = $DIR/users
htpasswd_encryption = plain
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = $DIR/collections
[web]
type = none
[logging]
level = warning
EOF
  radicale --config "$DIR/config" >>"$DIR/server.log" 2>&1 &
  SERVER_PID=$!
  BASE=http://127.0.0.1:$port
  wait_http "$BASE/"
}

start_xandikos() {
  local port
  port=$(free_port)
  USER_=bench; PASS_=unused  # Xandikos has no authentication of its own
  xandikos -d "$DIR/root" --autocreate -l 127.0.0.1 -p "$port" >>"$DIR/server.log" 2>&1 &
  SERVER_PID=$!
  BASE=http://127.0.0.1:$port
  wait_http "$BASE/"
}

start_almanac() {
  local out=$DIR/server.out port=""
  "$ALMANAC" serve --listen 127.0.0.1:0 --data "$DIR/data" >>"$out" 2>>"$DIR/server.log" &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$out" 2>/dev/null | grep -o '[0-9]*$' || true)
    [[ -n $port ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $port ]] || { echo "run_caldav_bench: almanac did not start" >&2; cat "$DIR/server.log" >&2; exit 1; }
  USER_=admin
  PASS_=$(sed -n 's/^almanac: admin password (shown only now): //p' "$out" | tail -1)
  [[ -n $PASS_ ]] || { echo "run_caldav_bench: no admin password in $out" >&2; exit 1; }
  BASE=http://127.0.0.1:$port
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

tool() { "${TOOL[@]}" --auth "$USER_:$PASS_" "$@"; }
setv() { "${TOOL[@]}" set "$RESULTS" "$NAME" "$1" "$2"; }
setf() { "${TOOL[@]}" set "$RESULTS" "$NAME" "$1" --file "$2"; }  # KEY JSON_FILE
fail() {  # KEY MESSAGE: the measurement failed (shown in the table; fatal for Almanac)
  echo "run_caldav_bench: $NAME $1 FAILED: $2" >&2
  setv "fail_$1" "$("$PY" -c 'import json,sys; print(json.dumps(" ".join(sys.argv[1].split())[:300]))' "$2")"
  [[ $NAME != almanac ]] || ALMANAC_FAILED=1
}
ALMANAC_FAILED=0

# ---------------------------------------------------------------------------
# f) load by PUT; if too slow, the bulk path of the server.
bulk_radicale() {
  local dest=$DIR/collections/collection-root${CAL%/}
  stop_server
  local t0
  t0=$(now)
  cp "$DATA"/ics/*.ics "$dest/"
  sync
  BULK_S=$(elapsed "$t0")
  BULK_HOW="copying the $EVENTS files into its collection folder while it was stopped"
  start_radicale
}

bulk_xandikos() {
  local repo=$DIR/root${CAL%/}
  stop_server
  local t0
  t0=$(now)
  cp "$DATA"/ics/*.ics "$repo/"
  git -C "$repo" -c user.name=bench -c user.email=bench@localhost add -A
  git -C "$repo" -c user.name=bench -c user.email=bench@localhost commit -q -m "bulk load"
  sync
  BULK_S=$(elapsed "$t0")
  BULK_HOW="committing the $EVENTS files to its git store (git add + commit) while it was stopped"
  start_xandikos
}

load_events() {
  local markers=$DIR/markers out=$DIR/load.wrk
  rm -rf "$markers"; mkdir -p "$markers"
  log "$NAME: f) loading $EVENTS events by PUT ($LOAD_CONNECTIONS connections)"
  wrk -t2 -c"$LOAD_CONNECTIONS" -d3600s --timeout 600s -H "Authorization: Basic $AUTH_B64" \
    -s "$HERE/lua/load.lua" "$BASE" -- "$CAL" "$DATA/index.tsv" "$DATA/ics" "$markers" 2 0 \
    "$EVENTS" "$LOAD_BUDGET" >"$out" 2>&1 &
  WRK_PID=$!
  while [[ $(find "$markers" -name 'thread-*' | wc -l) -lt 2 ]]; do
    kill -0 "$WRK_PID" 2>/dev/null || { cat "$out" >&2; echo "run_caldav_bench: wrk died" >&2; exit 1; }
    sleep 0.05
  done
  kill -INT "$WRK_PID"; wait "$WRK_PID" || true; WRK_PID=""
  local aborted answered bad t_first t_last
  read -r aborted answered bad t_first t_last < <(awk '$1=="done" {a+=$2; n+=$4; b+=$5;
      if (f=="" || $6<f) f=$6; if ($7>l) l=$7} END {printf "%d %d %d %.6f %.6f\n", a, n, b, f, l}' \
      "$markers"/thread-*)
  "${TOOL[@]}" record "$RESULTS" "$NAME" load_wrk --connections "$LOAD_CONNECTIONS" <"$out" \
    || fail load "$(grep -h first_bad "$markers"/thread-* | head -1)"
  local secs
  secs=$(calc "$t_last - $t_first")
  if [[ $aborted == 0 ]]; then
    setv load "{\"method\": \"put\", \"seconds\": $secs, \"connections\": $LOAD_CONNECTIONS}"
    log "$NAME: loaded $answered events in $secs s"
    return
  fi
  log "$NAME: $answered PUTs took $secs s: too slow for the ${LOAD_BUDGET}s budget; bulk load"
  if [[ $NAME == almanac ]]; then
    fail load "$answered PUTs took $secs s: the load would not finish within ${LOAD_BUDGET} s"
    exit 1
  fi
  bulk_"$NAME"
  log "$NAME: bulk load took $BULK_S s"
  setv load "{\"method\": \"bulk\", \"sample_puts\": $answered, \"sample_s\": $secs,
              \"bulk\": \"$BULK_HOW\", \"bulk_s\": $BULK_S, \"connections\": $LOAD_CONNECTIONS}"
}

# ---------------------------------------------------------------------------
# Checked warm-up, then wrk.

# warm KEY TOOL_ARGS... : runs the one-shot check WARMUP_MAX times, or fewer
# when one run takes more than WARMUP_SLOW seconds; stores the first and last
# answers; sets LAT (the last run's latency, s). The first check after a start
# runs at least twice: its first run may build caches (Radicale after a bulk
# load), which would mislead the choice of wrk's regime.
warm() {
  local key=$1; shift
  local t0 i=0 last=0 spent=0 f min_runs=1
  [[ $FIRST_CHECK == 1 ]] && min_runs=2
  FIRST_CHECK=0
  LAT=""
  while :; do
    i=$((i + 1))
    f=$DIR/check_${key}_$i.json
    t0=$(now)
    if ! tool "$@" --out "$f" >"$DIR/check_$key.log" 2>&1; then
      fail "$key" "$(tail -c 300 "$DIR/check_$key.log")"
      return 1
    fi
    # The request's own time, without the tool's start-up and XML parsing.
    last=$("$PY" -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["seconds"])' "$f")
    spent=$(calc "$spent + $(elapsed "$t0")")
    [[ $i == 1 ]] && setf "check_${key}_first" "$f" && setv "first_s_$key" "$last"
    if [[ $i -ge $WARMUP_MAX ]] || { [[ $i -ge $min_runs ]] && (( $(echo "$last > $WARMUP_SLOW" | bc) )); }; then
      break
    fi
  done
  setf "check_$key" "$f"
  setv "warmup_$key" "{\"runs\": $i, \"seconds\": $spent, \"last_s\": $last}"
  LAT=$last
  log "$NAME: $key: $(cat "$DIR/check_$key.log") (warm-up: $i runs, last $last s)"
}

# bench KEY SCRIPT ARGS... : wrk on the script; LAT picks the regime.
bench() {
  local key=$1 script=$2; shift 2
  local t=$THREADS c=$CONNECTIONS d=$DURATION
  if [[ -n ${LAT:-} ]] && (( $(echo "10 * $CONNECTIONS * $LAT > $DURATION" | bc) )); then
    t=1; c=1
    d=$("$PY" -c "import math,sys; l=float(sys.argv[1]); print(math.ceil(max($DURATION, min(5*l, $SLOW_CAP))))" "$LAT")
  fi
  log "$NAME: $key: wrk -t$t -c$c -d${d}s"
  local out=$DIR/$key.wrk
  wrk -t"$t" -c"$c" -d"${d}s" --timeout 600s --latency -H "Authorization: Basic $AUTH_B64" \
    -s "$HERE/lua/$script" "$BASE" -- "$@" >"$out" 2>&1 || true
  "${TOOL[@]}" record "$RESULTS" "$NAME" "$key" --connections "$c" <"$out" \
    || fail "$key" "$(sed -n 's/.*"first_bad":"\([^"]*\)".*/\1/p' "$out" | head -c 300) (see $out)"
}

bench_server() {
  NAME=$1
  DIR=$WORK/$NAME
  rm -rf "$DIR"; mkdir -p "$DIR"
  log "$NAME: starting"
  start_"$NAME"
  AUTH_B64=$(printf '%s:%s' "$USER_" "$PASS_" | base64 -w0)
  local home
  home=$(tool discover "$BASE") || { echo "run_caldav_bench: $NAME: discovery failed" >&2; exit 1; }
  CAL=${home}bench/
  tool mkcalendar "$BASE$CAL" || { echo "run_caldav_bench: $NAME: MKCALENDAR failed" >&2; exit 1; }
  setv info "{\"calendar\": \"$CAL\", \"version\": \"$(server_version)\"}"
  load_events

  FIRST_CHECK=1
  LAT=""
  warm report report "$BASE$CAL" --start "$WSTART" --end "$WEND" \
    && bench report report.lua "$CAL" "$WSTART" "$WEND"
  LAT=""
  warm expand report --expand "$BASE$CAL" --start "$WSTART" --end "$WEND" \
    && bench expand report.lua "$CAL" "$WSTART" "$WEND" expand
  LAT=""
  warm propfind propfind "$BASE$CAL" && bench propfind propfind.lua "$CAL"

  # e) a token, then 10 changes, then the changes since the token.
  LAT=""
  local token
  if token=$(tool sync-token "$BASE$CAL" 2>"$DIR/sync-token.log"); then
    if tool change "$BASE$CAL" "$DATA" --count 10 --out "$DIR/changes.json" 2>"$DIR/change.log"; then
      warm sync sync "$BASE$CAL" --token "$token" --changes "$DIR/changes.json" \
        && bench sync sync.lua "$CAL" "$token"
    else
      fail sync "$(cat "$DIR/change.log")"
    fi
  else
    fail sync "$(cat "$DIR/sync-token.log")"
  fi

  # a) PUT of new events, last: it adds events to the calendar.
  LAT=""
  warm put put-one "$BASE$CAL" && bench put put.lua "$CAL" "$(date +%s)$RANDOM"

  setv rss_mb "$(awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)"
  stop_server
}

server_version() {
  case $NAME in
    radicale) radicale --version 2>/dev/null ;;
    xandikos) xandikos --version 2>&1 | awk '{print $NF}' ;;
    almanac) echo "$ALMANAC, built $(date -u -r "$ALMANAC" '+%Y-%m-%d %H:%M UTC'), checkout $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" ;;
  esac
}

for s in "${SERVERS[@]}"; do
  bench_server "$s"
done

# ---------------------------------------------------------------------------
echo
echo "## CalDAV benchmark"
echo
echo "- command: \`$COMMAND\`"
echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr); load average $LOAD_AVG_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; wall time $(( (SECONDS - T_START) / 60 )) min"
echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); wrk $(wrk --version 2>&1 | awk 'NR==1 {print $2}')$(for s in "${SERVERS[@]}"; do printf ', %s %s' "$s" "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"][sys.argv[2]]["info"]["version"])' "$RESULTS" "$s")"; done)"
echo "- data: $("$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
k = m["kinds"]; z = m["zones"]
print("%d events (seed %d, sha256 %s…): %d single, %d weekly, %d daily, %d monthly series; "
      "%d Europe/Berlin, %d America/New_York, %d UTC, %d all-day; %d EXDATEs, %d overrides, "
      "%d edge cases" % (m["events"], m["seed"], m["sha256"][:12], k.get("single", 0),
      k.get("weekly", 0), k.get("daily", 0), k.get("monthly", 0), z["Europe/Berlin"],
      z["America/New_York"], z["UTC"], z["date"], m["exdates"], m["overrides"], m["edge_cases"]))
' "$DATA/meta.json")"
echo "- wrk: -t$THREADS -c$CONNECTIONS -d${DURATION}s per measurement, after a checked warm-up; loading: -t2 -c$LOAD_CONNECTIONS"
echo
"${TOOL[@]}" table "$RESULTS" --expected "$DATA/expected.json" --data "$DATA"
if [[ $ALMANAC_FAILED == 1 ]]; then
  echo "run_caldav_bench: Almanac failed a measurement (see FAILED above)" >&2
  exit 1
fi
