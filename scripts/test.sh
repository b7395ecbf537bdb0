#!/usr/bin/env bash
# Installs what the tests need, builds the three trees and runs every test:
#   build/       RelWithDebInfo: unit, golden, CLI, differential tests
#   build-asan/  ASan + UBSan: the unit tests again (run from build/'s ctest)
#   build-fuzz/  clang + libFuzzer targets (run from build/'s ctest)
#   web/dist     the web app (scripts/web.sh; its tests run from build/'s ctest)
# The last step is `ctest --test-dir build`, so CTest's summary closes the log.
# Environment: ALMANAC_FUZZ_SECONDS (default 60) bounds each fuzz run;
# ALMANAC_JOBS (default 2) parallel build jobs; ALMANAC_*_DIR as in common.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
start=$SECONDS

bash "$ROOT/scripts/install-deps.sh"

section "web app: packages, chromium, web/dist"
bash "$ROOT/scripts/web.sh"

section "configure + build $BUILD_DIR (RelWithDebInfo)"
configure "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DALMANAC_ASAN_BUILD_DIR="$ASAN_DIR" -DALMANAC_FUZZ_BUILD_DIR="$FUZZ_DIR" \
  -DALMANAC_FUZZ_SECONDS="${ALMANAC_FUZZ_SECONDS:-60}"
cmake --build "$BUILD_DIR" -j "$JOBS"
echo "[test.sh] main tree built at $((SECONDS - start))s"

section "configure + build $ASAN_DIR (ASan + UBSan)"
configure "$ASAN_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALMANAC_SANITIZE=ON -DALMANAC_BENCH=OFF \
  -DALMANAC_TEST_PG_PORT=54369
# Only what its `unit` tests run: the server binary is not needed there.
cmake --build "$ASAN_DIR" -j "$JOBS" --target almanac_core_test almanac_ical_test \
  almanac_domain_test almanac_store_test almanac_http_test almanac_caldav_test \
  almanac_schedule_test rrule_golden_test
echo "[test.sh] sanitizer tree built at $((SECONDS - start))s"

section "configure + build $FUZZ_DIR (clang, libFuzzer)"
CC=clang CXX=clang++ configure "$FUZZ_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALMANAC_FUZZ=ON \
  -DALMANAC_BENCH=OFF
# Only the fuzz targets (they need almanac_core and almanac_ical alone).
cmake --build "$FUZZ_DIR" -j "$JOBS" --target fuzz_rrule fuzz_ical_parser
echo "[test.sh] fuzz tree built at $((SECONDS - start))s"

section "ctest (unit, golden, cli, differential, web, sanitize, fuzz)"
status=0
ctest --test-dir "$BUILD_DIR" --output-on-failure || status=$?
# Fuzz findings are random; repeat their digest last so a cut log keeps it.
for f in "$FUZZ_DIR"/fuzz-work/*/FAILURE.txt; do
  [[ -f $f ]] && { echo; cat "$f"; }
done
exit "$status"
