#!/usr/bin/env bash
# The browser benchmark of the web app (docs/benchmarks.md, issue #6):
#   1. seed the benchmark organisation with almanac_seed (the server
#      benchmark's seeder: org "bench", users user0001.., 1,000,000 events
#      by default), once per work directory and event count;
#   2. start `almanac serve` on it with the built web app (web/dist);
#   3. in Debian's chromium (bench/web/measure.mjs) measure, for a member
#      (user0003: their own calendar) and the admin (user0001: every
#      calendar), the time from navigation to a rendered week view, the
#      time to the next month after a click, and the bytes the first load
#      transfers (compressed);
#   4. print a Markdown table.
# Usage: bench/web/run_web_bench.sh --almanac PATH [--events N] [--users N]
#          [--seed PATH] [--work DIR] [--data DIR] [--web-root DIR] [--runs N]
#          [--bench-users LIST]
# --data DIR uses a database almanac_seed already filled (for instance the
# server benchmark's build-rel/bench-work/sqlite) instead of seeding one.
# Needs scripts/web.sh to have run (chromium, playwright-core, web/dist).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ALMANAC=""
EVENTS=1000000
USERS=1000
SEED=""
WORK=""
WEB_ROOT=$ROOT/web/dist
RUNS=5
BENCH_USERS=user0003,user0001
DATA=""
WEEK=2025-03-10
usage() {
  echo "usage: $0 --almanac PATH [--events N] [--users N] [--seed PATH] [--work DIR] [--data DIR] [--web-root DIR] [--runs N] [--bench-users user0003,user0001]" >&2
  exit 2
}
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || usage
  case $1 in
    --almanac) ALMANAC=$2 ;;
    --events) EVENTS=$2 ;;
    --users) USERS=$2 ;;
    --seed) SEED=$2 ;;
    --work) WORK=$2 ;;
    --data) DATA=$2 ;;
    --web-root) WEB_ROOT=$2 ;;
    --runs) RUNS=$2 ;;
    --bench-users) BENCH_USERS=$2 ;;
    *) usage ;;
  esac
  shift 2
done
[[ -n $ALMANAC ]] || usage
ALMANAC=$(realpath "$ALMANAC")
BUILD=$(cd "$(dirname "$ALMANAC")/../.." && pwd)
SEED=${SEED:-$BUILD/bench/server/almanac_seed}
WORK=${WORK:-$BUILD/bench-web-work}
for b in "$ALMANAC" "$SEED"; do
  [[ -x $b ]] || { echo "run_web_bench: $b is not built (cmake --build $BUILD --target almanac almanac_seed)" >&2; exit 1; }
done
[[ -f $WEB_ROOT/index.html ]] || { echo "run_web_bench: $WEB_ROOT/index.html is missing (run scripts/web.sh)" >&2; exit 1; }
[[ -x /usr/bin/chromium ]] || { echo "run_web_bench: /usr/bin/chromium is missing (run scripts/web.sh)" >&2; exit 1; }
if (( USERS > EVENTS )); then USERS=$EVENTS; fi

mkdir -p "$WORK"
if [[ -n $DATA ]]; then
  [[ -f $DATA/almanac.db ]] || { echo "run_web_bench: $DATA/almanac.db does not exist" >&2; exit 1; }
  SEEDED_BY_US=0
else
  DATA=$WORK/data-$EVENTS-$USERS
  SEEDED_BY_US=1
fi
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

if [[ $SEEDED_BY_US == 1 && ! -f $DATA/seeded ]]; then
  rm -rf "$DATA"
  mkdir -p "$DATA"
  echo "run_web_bench: seeding $USERS users and $EVENTS events into $DATA" >&2
  t0=$SECONDS
  "$SEED" db --data "$DATA" --users "$USERS" --events "$EVENTS" >&2
  echo "$((SECONDS - t0))" >"$DATA/seeded"
fi
# Measure with the database in the page cache, as on a server that has been
# up a while.
cat "$DATA"/*.db >/dev/null 2>&1 || true

"$ALMANAC" serve --data "$DATA" --listen 127.0.0.1:0 --no-bootstrap --web-root "$WEB_ROOT" \
  >"$WORK/server.log" 2>"$WORK/server.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 1 300); do
  PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$WORK/server.log" 2>/dev/null | grep -o '[0-9]*$' || true)
  [[ -n $PORT ]] && break
  sleep 0.1
done
[[ -n $PORT ]] || { echo "run_web_bench: the server did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }

RESULTS=$WORK/results.jsonl
node "$ROOT/bench/web/measure.mjs" --url "http://127.0.0.1:$PORT" --users "$BENCH_USERS" \
  --week "$WEEK" --runs "$RUNS" >"$RESULTS"

if [[ $SEEDED_BY_US == 1 ]]; then
  echo "Seeded organisation: $USERS users, $EVENTS events; week of $WEEK; $RUNS runs each (median, min-max)."
else
  echo "Database $DATA; week of $WEEK; $RUNS runs each (median, min-max)."
fi
echo
node - "$RESULTS" <<'EOF'
const lines = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n').map(JSON.parse);
const ms = (s) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}-${s.max.toFixed(0)})`;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log('| user | events in the week | shell shown, empty cache | first render, empty cache (target < 1 s) | first render, warm cache | next month after a click (target < 150 ms) | first load, compressed (target < 500 KB) | of which app files | of which API |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of lines) {
  const events = `${r.events_in_week}${r.note_shown ? ' (note shown)' : ''}`;
  console.log(`| ${r.user} | ${events} | ${ms(r.shell_ms)} | ${ms(r.first_render_ms)} | ${ms(r.warm_render_ms)} | ${ms(r.next_month_ms)} | ${kb(r.first_load_bytes)} | ${kb(r.app_bytes)} (${r.app_requests} files) | ${kb(r.api_bytes)} (${r.api_requests} requests) |`);
}
EOF
