#!/usr/bin/env bash
# Installs what Almanac needs, builds the `almanac` binary (build/) and the
# web app (web/dist, scripts/web.sh), and runs the server: `almanac serve`
# with its data in ./almanac-data on 127.0.0.1:8080. Usage: bash scripts/run.sh [almanac arguments...]
# With arguments, runs `almanac` with them instead (e.g. `serve --listen
# 0.0.0.0:8080`, `expand --help`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$ROOT/scripts/install-deps.sh"
section "web app"
ALMANAC_SKIP_CHROMIUM=1 bash "$ROOT/scripts/web.sh"  # the browser is for the tests only
section "build $BUILD_DIR"
configure "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" --target almanac -j "$JOBS"
ALMANAC=$BUILD_DIR/src/app/almanac

if (($# > 0)); then
  exec "$ALMANAC" "$@"
fi

# The server: SQLite in ./almanac-data, http://127.0.0.1:8080. On the first
# start it creates organisation "main" and user "admin" and prints the
# password once. Stop it with Ctrl-C (SIGINT) or SIGTERM.
section "almanac serve (Ctrl-C stops it)"
exec "$ALMANAC" serve
