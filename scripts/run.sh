#!/usr/bin/env bash
# Installs what Almanac needs, builds the `almanac` binary (build/) and runs
# it on an example. Usage: bash scripts/run.sh [almanac arguments...]
# With arguments, runs `almanac` with them instead of the demo.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$ROOT/scripts/install-deps.sh"
section "build $BUILD_DIR"
configure "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" --target almanac -j "$JOBS"
ALMANAC=$BUILD_DIR/src/app/almanac

if (($# > 0)); then
  exec "$ALMANAC" "$@"
fi

# Prints the command, then runs it.
demo() {
  printf '\n$ almanac'
  printf ' %q' "$@"
  printf '\n'
  "$ALMANAC" "$@"
}

section "the almanac command line"
demo --help
section "examples"
# The last day of each month, 9:00 in New York.
demo expand --dtstart 20250131T090000 --tzid America/New_York \
  --rrule 'FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=6'
# The second-to-last weekday of each month in the first half of 2025, London.
demo expand --dtstart 20250130T090000 --tzid Europe/London \
  --rrule 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2' \
  --from 20250101T000000 --to 20250701T000000
# 02:30 does not exist on 2025-03-09 in New York: that day it is 03:30.
demo expand --dtstart 20250308T023000 --tzid America/New_York --rrule 'FREQ=DAILY;COUNT=3'
