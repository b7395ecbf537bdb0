#!/usr/bin/env bash
# The server benchmark of docs/benchmarks.md, on SQLite and on PostgreSQL:
#   1. seed a realistic organisation (almanac_seed: users, calendars, events);
#   2. start `almanac serve`, and with wrk on loopback read one calendar's
#      month window (GET /api/v1/events?calendar=ID&from=..&to=..), and a
#      random calendar's random month (bench/server/random_month.lua);
#   3. report throughput, p50/p99 latency and the server's RSS;
#   4. time `almanac import` of a 100,000-event .ics file.
# Usage: bench/server/run_http_bench.sh [--build DIR] [--work DIR] [--users N]
#          [--events N] [--duration SECONDS] [--connections N] [--only sqlite|postgres]
# Needs wrk and PostgreSQL's server binaries (scripts/install-deps.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$ROOT/build-rel
WORK=$ROOT/build-rel/bench-work
USERS=1000
EVENTS=1000000
DURATION=20
CONNECTIONS=16
ONLY=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --users) USERS=$2; shift 2 ;;
    --events) EVENTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--work DIR] [--users N] [--events N] [--duration S] [--connections N] [--only sqlite|postgres]" >&2; exit 2 ;;
  esac
done
ALMANAC=$BUILD/src/app/almanac
SEED=$BUILD/bench/server/almanac_seed
for b in "$ALMANAC" "$SEED"; do
  [[ -x $b ]] || { echo "run_http_bench: $b not built (cmake -S . -B $BUILD -DCMAKE_BUILD_TYPE=Release && cmake --build $BUILD --target almanac almanac_seed)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "run_http_bench: wrk not installed" >&2; exit 1; }
mkdir -p "$WORK"
PG_PORT=54359
PG_DIR=$WORK/pg
SERVER_PID=""

cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  if [[ -d $PG_DIR ]]; then bash "$ROOT/tests/tools/pg_test_server.sh" stop "$PG_DIR" "$PG_PORT" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# start_server STORAGE_FLAGS... ; sets SERVER_PID and PORT
start_server() {
  local log=$WORK/server.log
  "$ALMANAC" serve --listen 127.0.0.1:0 --no-bootstrap "$@" >"$log" 2>"$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" 2>/dev/null | grep -o '[0-9]*$' || true)
    [[ -n $PORT ]] && return 0
    sleep 0.1
  done
  echo "run_http_bench: server did not start" >&2; cat "$WORK/server.err" >&2; exit 1
}

stop_server() {
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
}

rss_mb() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

# run_wrk LABEL URL_OR_SCRIPT... -> prints "rps p50 p99"
run_wrk() {
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$@")
  echo "$out" >>"$WORK/wrk.log"
  local rps p50 p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  [[ -z $non2xx ]] || { echo "run_http_bench: $non2xx non-2xx answers" >&2; echo "$out" >&2; exit 1; }
  echo "$rps $p50 $p99"
}

bench_driver() {
  local name=$1; shift
  local flags=("$@")
  local marker=$WORK/$name.seeded
  if [[ ! -f $marker ]]; then
    echo "== $name: seeding $USERS users, $EVENTS events" >&2
    local t0=$SECONDS
    "$SEED" db "${flags[@]}" --users "$USERS" --events "$EVENTS" >&2
    echo "$((SECONDS - t0))" >"$marker"
  fi
  TOKEN=$("$ALMANAC" token create user0001 --name bench "${flags[@]}" 2>/dev/null)
  # Measure with the database in the page cache (as on a server that has
  # been up a while), not the disk's random-read speed after a reboot.
  cat "$WORK"/sqlite/*.db >/dev/null 2>&1 || true
  [[ -d $PG_DIR ]] && find "$PG_DIR" -type f -path '*base*' -exec cat {} + >/dev/null 2>&1 || true
  start_server "${flags[@]}"
  local url="http://127.0.0.1:$PORT/api/v1/events?calendar=1&from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z"
  local items
  items=$(curl -s -H "Authorization: Bearer $TOKEN" "$url" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
  read -r one_rps one_p50 one_p99 < <(run_wrk "$url")
  read -r rnd_rps rnd_p50 rnd_p99 < <(run_wrk -s "$ROOT/bench/server/random_month.lua" "http://127.0.0.1:$PORT" -- "$USERS")
  local rss hwm
  rss=$(rss_mb "$SERVER_PID"); hwm=$(hwm_mb "$SERVER_PID")
  stop_server
  # Import of 100,000 events into a new calendar of the same database.
  [[ -f $WORK/import100k.ics ]] || "$SEED" ics "$WORK/import100k.ics" --events 100000 >&2
  local cal t0 t1
  cal=$("$ALMANAC" calendar add "Import $(date +%s%N)" --user user0002 "${flags[@]}" 2>/dev/null)
  t0=$(date +%s.%N)
  "$ALMANAC" import "$WORK/import100k.ics" --calendar "$cal" "${flags[@]}" >/dev/null 2>&1
  t1=$(date +%s.%N)
  local import_s
  import_s=$(echo "$t1 - $t0" | bc)
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s MB (peak %s MB) | %.1f s | %s s |\n' \
    "$name" "$items" "$one_rps" "$one_p50" "$one_p99" "$rnd_rps" "$rnd_p50" "$rnd_p99" "$rss" "$hwm" \
    "$import_s" "$(cat "$marker")"
}

echo "| store | items in window | one calendar req/s | p50 | p99 | random calendar+month req/s | p50 | p99 | server RSS | import 100k | seeding |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
if [[ -z $ONLY || $ONLY == sqlite ]]; then
  bench_driver SQLite --data "$WORK/sqlite"
fi
if [[ -z $ONLY || $ONLY == postgres ]]; then
  if [[ ! -d $PG_DIR ]]; then
    bash "$ROOT/tests/tools/pg_test_server.sh" start "$PG_DIR" "$PG_PORT" >/dev/null
    rm -f "$WORK/PostgreSQL.seeded"
  fi
  bench_driver PostgreSQL --db "postgresql://almanac@127.0.0.1:$PG_PORT/almanac_test"
fi
