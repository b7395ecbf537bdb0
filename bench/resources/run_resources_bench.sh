#!/usr/bin/env bash
# The resources and bookings benchmark of docs/benchmarks.md (issue #5,
# "Performance"), on SQLite or PostgreSQL:
#   1. seed organisation "resbench": 200 resources (rooms, vehicles,
#      equipment pools, facilitators; four time zones; some multi-unit,
#      some needing approval) and about 200,000 bookings over two years
#      (almanac_seed_resources, through ResourceService), plus a file of
#      free slots after the seeded range;
#   2. start `almanac serve` on loopback and drive it with wrk (-t2):
#      a) POST /api/v1/bookings on distinct free slots (every answer 201),
#         then "race": every thread asks for the same free slots at about the
#         same moment (per slot one 201, the rest 409);
#      b) GET /api/v1/resources/search?type=room&from=now&to=now+1h ("free
#         rooms now");
#      c) GET /api/v1/resources/{random id}/availability for this week;
#      d) GET /api/v1/analytics/resources for the two seeded years by week;
#   3. check with SQL that no resource ever holds more blocking bookings at
#      once than it has units (single-unit: no two overlap).
# Usage: bench/resources/run_resources_bench.sh --build DIR [--driver sqlite|postgres]
#          [--work DIR] [--duration SECONDS] [--connections N] [--bookings N]
#          [--resources N] [--reseed]
# SQLite keeps its seeded database between runs (--reseed starts over; each
# run books the next free slots); PostgreSQL seeds a throw-away server every run.
# Needs wrk, sqlite3 / psql, and PostgreSQL's server binaries for --driver postgres.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=""
DRIVER=sqlite
WORK=""
DURATION=20
CONNECTIONS=16
BOOKINGS=200000
RESOURCES=200
RESEED=0
usage() {
  echo "usage: $0 --build DIR [--driver sqlite|postgres] [--work DIR] [--duration S] [--connections N] [--bookings N] [--resources N] [--reseed]" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --driver) DRIVER=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --bookings) BOOKINGS=$2; shift 2 ;;
    --resources) RESOURCES=$2; shift 2 ;;
    --reseed) RESEED=1; shift ;;
    *) usage ;;
  esac
done
[[ -n $BUILD ]] || usage
[[ $DRIVER == sqlite || $DRIVER == postgres ]] || usage
BUILD=$(cd "$BUILD" && pwd)
WORK=${WORK:-$BUILD/resources-bench-work}
ALMANAC=$BUILD/src/app/almanac
SEED=$BUILD/bench/resources/almanac_seed_resources
for b in "$ALMANAC" "$SEED"; do
  [[ -x $b ]] || { echo "run_resources_bench: $b not built (cmake -S . -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD --target almanac almanac_seed_resources)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "run_resources_bench: wrk not installed" >&2; exit 1; }
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export LUA_PATH="$HERE/lua/?.lua;;"
PG_PORT=54362
PG_DIR=$WORK/pg
SERVER_PID=""
THREADS=2
SLOTS=$WORK/$DRIVER.slots
SLOT_COUNT=1200000  # free slots written by the seeder
CHUNK=120000        # slots a booking phase may use (6,000 a second for 20 s)

cleanup() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; fi
  if [[ $DRIVER == postgres && -d $PG_DIR ]]; then
    bash "$ROOT/tests/tools/pg_test_server.sh" stop "$PG_DIR" "$PG_PORT" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

if [[ $DRIVER == sqlite ]]; then
  FLAGS=(--data "$WORK/sqlite")
  sql() { sqlite3 -batch -noheader "$WORK/sqlite/almanac.db" "$1"; }
  if [[ $RESEED == 1 ]]; then rm -rf "$WORK/sqlite" "$WORK/$DRIVER.seeded" "$WORK/$DRIVER.slots.next"; fi
  mkdir -p "$WORK/sqlite"
else
  PG_URL="postgresql://almanac@127.0.0.1:$PG_PORT/almanac_test"
  FLAGS=(--db "$PG_URL")
  sql() { psql -X -q -At "$PG_URL" -c "$1"; }
  # tests/tools/pg_test_server.sh makes a fresh server each start and
  # removes it at the end (fsync off: a throw-away), so every PostgreSQL run
  # seeds anew (about 7 minutes on 2 cores).
  rm -f "$WORK/$DRIVER.seeded" "$WORK/$DRIVER.slots.next"
  bash "$ROOT/tests/tools/pg_test_server.sh" start "$PG_DIR" "$PG_PORT" >/dev/null
fi

# ---- 1. seed ----
MARKER=$WORK/$DRIVER.seeded
if [[ ! -f $MARKER ]]; then
  echo "== $DRIVER: seeding $RESOURCES resources, about $BOOKINGS bookings" >&2
  "$SEED" "${FLAGS[@]}" --resources "$RESOURCES" --bookings "$BOOKINGS" \
    --slots "$SLOTS" --slot-count "$SLOT_COUNT" | tee "$MARKER" >&2
fi
SEEDED=$(cat "$MARKER")
FIRST_ID=$(sql "SELECT MIN(id) FROM resources")
LAST_ID=$(sql "SELECT MAX(id) FROM resources")
TOTAL_BOOKINGS=$(sql "SELECT COUNT(*) FROM bookings")
TOKEN=$("$ALMANAC" token create user0001 --name bench "${FLAGS[@]}" 2>/dev/null)

# ---- 2. serve and measure ----
# Measure with the database in the page cache (as on a server that has been
# up a while).
cat "$WORK"/sqlite/*.db >/dev/null 2>&1 || true
[[ -d $PG_DIR ]] && find "$PG_DIR" -type f -path '*base*' -exec cat {} + >/dev/null 2>&1 || true
LOG=$WORK/server.log
"$ALMANAC" serve --listen 127.0.0.1:0 --no-bootstrap "${FLAGS[@]}" >"$LOG" 2>"$WORK/server.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 1 300); do
  PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$LOG" 2>/dev/null | grep -o '[0-9]*$' || true)
  [[ -n $PORT ]] && break
  sleep 0.1
done
[[ -n $PORT ]] || { echo "run_resources_bench: server did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }
BASE="http://127.0.0.1:$PORT"

# run_wrk CONNECTIONS DURATION SCRIPT ARGS... -> the RESOURCES_RESULT json
run_wrk() {
  local c=$1 d=$2 script=$3; shift 3
  local out t=$THREADS
  (( c < t )) && t=$c
  out=$(wrk -t"$t" -c"$c" -d"${d}s" --latency -H "Authorization: Bearer $TOKEN" \
    -s "$HERE/lua/$script" "$BASE" -- "$@")
  echo "$out" >>"$WORK/wrk.log"
  echo "$out" | sed -n 's/^RESOURCES_RESULT //p'
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
require_clean() {  # JSON LABEL: no unexpected status, no socket error
  local bad errs
  bad=$(field "$1" bad); errs=$(field "$1" socket_errors)
  if [[ $bad != 0 || $errs != 0 ]]; then
    echo "run_resources_bench: $2: $bad unexpected answers, $errs socket errors: $(field "$1" first_bad)" >&2
    FAILED=1
  fi
}
FAILED=0

# a) bookings on distinct free slots, then racing for the same slots. Each
# phase takes the next CHUNK slots of the file (a run books them: the next
# run of the same database starts after them).
CURSOR_FILE=$WORK/$DRIVER.slots.next
CURSOR=$(cat "$CURSOR_FILE" 2>/dev/null || echo 0)
if (( CURSOR + 2 * CHUNK > $(wc -l <"$SLOTS") )); then
  echo "run_resources_bench: the slot file is used up: run with --reseed" >&2; exit 1
fi
echo $((CURSOR + 2 * CHUNK)) >"$CURSOR_FILE"
FREE=$(run_wrk "$CONNECTIONS" "$DURATION" post_bookings.lua "$SLOTS" "$CURSOR" $((CURSOR + CHUNK)) "$THREADS" free)
require_clean "$FREE" "free bookings"
RACE=$(run_wrk "$CONNECTIONS" "$DURATION" post_bookings.lua "$SLOTS" $((CURSOR + CHUNK)) $((CURSOR + 2 * CHUNK)) "$THREADS" race)
require_clean "$RACE" "racing bookings"

# b) free rooms now; c) a random resource's free slots this week. "Now" is
# the current minute on a working day between 08:00 and 16:00 UTC; at night
# and at weekends every room is closed (nothing to search), so then the next
# working day's 10:00 UTC stands in for it.
NOW=$(date -u +%s)
AT=$((NOW / 60 * 60))
if (( $(date -u -d "@$AT" +%u) > 5 || $(date -u -d "@$AT" +%H) < 8 || $(date -u -d "@$AT" +%H) >= 16 )); then
  AT=$(( (AT / 86400 + 1) * 86400 + 10 * 3600 ))
  while (( $(date -u -d "@$AT" +%u) > 5 )); do AT=$((AT + 86400)); done
fi
FROM=$(date -u -d "@$AT" +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d "@$((AT + 3600))" +%Y-%m-%dT%H:%M:%SZ)
SEARCH_PATH="/api/v1/resources/search?type=room&from=$FROM&to=$TO"
ROOMS_FREE=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE$SEARCH_PATH" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
# Each read twice: one connection (the latency of one request on an idle
# server) and $CONNECTIONS (throughput; latency includes queueing for the
# cores).
SEARCH1=$(run_wrk 1 "$DURATION" get_paths.lua "$SEARCH_PATH")
require_clean "$SEARCH1" "search"
SEARCH=$(run_wrk "$CONNECTIONS" "$DURATION" get_paths.lua "$SEARCH_PATH")
require_clean "$SEARCH" "search"
MONDAY=$(date -u -d "@$(( (NOW / 86400 - ($(date -u +%u) - 1)) * 86400 ))" +%Y-%m-%d)
NEXT_MONDAY=$(date -u -d "$MONDAY + 7 days" +%Y-%m-%d)
AVAIL_PATH="/api/v1/resources/{id}/availability?from=$MONDAY&to=$NEXT_MONDAY"
AVAIL1=$(run_wrk 1 "$DURATION" get_paths.lua "$AVAIL_PATH" "$FIRST_ID" "$LAST_ID")
require_clean "$AVAIL1" "availability"
AVAIL=$(run_wrk "$CONNECTIONS" "$DURATION" get_paths.lua "$AVAIL_PATH" "$FIRST_ID" "$LAST_ID")
require_clean "$AVAIL" "availability"

# d) analytics of the seeded two years, by week (few connections: a report).
A_FROM=$(sed -n 's/.* from \([0-9-]*\) for.*/\1/p' "$MARKER")
A_TO=$(date -u -d "$A_FROM + 730 days" +%Y-%m-%d)
ANALYTICS=$(run_wrk 2 10 get_paths.lua "/api/v1/analytics/resources?from=$A_FROM&to=$A_TO&period=week")
require_clean "$ANALYTICS" "analytics"
ANALYTICS_BYTES=$(curl -s -H "Authorization: Bearer $TOKEN" \
  "$BASE/api/v1/analytics/resources?from=$A_FROM&to=$A_TO&period=week" | wc -c)
RSS=$(awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status")
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""

# ---- 3. the conflict rule, by the database's own account ----
# Peak blocking bookings at once per resource (ends before starts at one
# instant: touching spans do not overlap), against its units.
OVER=$(sql "WITH ev AS (SELECT resource_id, block_start AS t, 1 AS d FROM bookings WHERE blocking = 1 UNION ALL SELECT resource_id, block_end AS t, -1 AS d FROM bookings WHERE blocking = 1), run AS (SELECT resource_id, SUM(d) OVER (PARTITION BY resource_id ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n FROM ev), peak AS (SELECT resource_id, MAX(n) AS n FROM run GROUP BY resource_id) SELECT COUNT(*) FROM peak JOIN resources r ON r.id = peak.resource_id WHERE peak.n > r.units")
# Single-unit resources: a blocking booking starting before the latest end
# of the ones before it overlaps one of them.
PAIRS=$(sql "SELECT COUNT(*) FROM (SELECT b.block_start, MAX(b.block_end) OVER (PARTITION BY b.resource_id ORDER BY b.block_start, b.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM bookings b JOIN resources r ON r.id = b.resource_id WHERE b.blocking = 1 AND r.units = 1) x WHERE prev_end > block_start")
AFTER=$(sql "SELECT COUNT(*) FROM bookings")
echo "$SEEDED" >&2
echo "conflict rule: $OVER resources over their units at some instant; $PAIRS overlapping blocking bookings of single-unit resources ($AFTER bookings checked)" >&2
[[ $OVER == 0 && $PAIRS == 0 ]] || FAILED=1

ms() { printf '%.2f ms' "$(field "$1" "$2")"; }
fmt_rate() { printf '%.0f' "$(field "$1" "$2")"; }
free_ok=$(field "$FREE" s201); free_s=$(field "$FREE" duration_s)
race_ok=$(field "$RACE" s201); race_409=$(field "$RACE" s409); race_s=$(field "$RACE" duration_s)
echo
echo "| store | phase | req/s | successful bookings/s | 201 | 409 | p50 | p99 |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
printf '| %s | a) POST bookings, distinct free slots | %s | %.0f | %s | %s | %s | %s |\n' "$DRIVER" \
  "$(fmt_rate "$FREE" rps)" "$(echo "$free_ok / $free_s" | bc -l)" "$free_ok" "$(field "$FREE" s409)" \
  "$(ms "$FREE" p50_ms)" "$(ms "$FREE" p99_ms)"
printf '| %s | a) POST bookings, %d threads racing per slot | %s | %.0f | %s | %s | %s | %s |\n' "$DRIVER" \
  "$THREADS" "$(fmt_rate "$RACE" rps)" "$(echo "$race_ok / $race_s" | bc -l)" "$race_ok" "$race_409" \
  "$(ms "$RACE" p50_ms)" "$(ms "$RACE" p99_ms)"
for c in 1 "$CONNECTIONS"; do
  if [[ $c == 1 ]]; then S=$SEARCH1; A=$AVAIL1; else S=$SEARCH; A=$AVAIL; fi
  printf '| %s | b) search free rooms %s-%s (%s rooms free), %s connection(s) | %s | - | - | - | %s | %s |\n' \
    "$DRIVER" "$FROM" "${TO:11:5}" "$ROOMS_FREE" "$c" "$(fmt_rate "$S" rps)" "$(ms "$S" p50_ms)" "$(ms "$S" p99_ms)"
  printf '| %s | c) availability of a random resource, %s..%s, %s connection(s) | %s | - | - | - | %s | %s |\n' \
    "$DRIVER" "$MONDAY" "$NEXT_MONDAY" "$c" "$(fmt_rate "$A" rps)" "$(ms "$A" p50_ms)" "$(ms "$A" p99_ms)"
done
printf '| %s | d) analytics, 2 years by week, all resources (%s KB, 2 connections) | %s | - | - | - | %s | %s |\n' \
  "$DRIVER" "$((ANALYTICS_BYTES / 1024))" "$(fmt_rate "$ANALYTICS" rps)" "$(ms "$ANALYTICS" p50_ms)" \
  "$(ms "$ANALYTICS" p99_ms)"
echo
echo "$DRIVER: $TOTAL_BOOKINGS bookings seeded on $((LAST_ID - FIRST_ID + 1)) resources; $AFTER after the run; server peak RSS $RSS MB; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
echo "conflict rule after the run: $OVER resources over their units, $PAIRS overlapping single-unit bookings"
[[ $(field "$FREE" exhausted) == 0 ]] || echo "note: the free phase ran out of slots (raise SLOT_COUNT)" >&2
exit $FAILED
