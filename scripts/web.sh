#!/usr/bin/env bash
# Prepares the web app and its end-to-end tests, idempotently: installs
# Debian's chromium when it is missing (apt-get, as root), runs `npm ci` in
# web/ and tests/web/ when their node_modules are missing or older than the
# lock file, and builds web/dist with `npm run build` when a source is newer
# than the last build. Prints one line per step. Called by scripts/test.sh
# and scripts/run.sh; safe to run by hand.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

step() { printf 'web: %s\n' "$*"; }

# Node 20.19 or newer (Vite 8's minimum).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "web: node and npm are missing; install Node.js 20.19 or newer" >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "web: Node.js $(node --version) is too old; Vite needs 20.19 or newer" >&2
  exit 1
fi
step "node $(node --version), npm $(npm --version)"

# Chromium for the end-to-end tests and the browser benchmark.
if [[ -x /usr/bin/chromium ]]; then
  step "chromium present ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
elif [[ ${ALMANAC_SKIP_CHROMIUM:-0} == 1 ]]; then
  step "chromium missing; not installed because ALMANAC_SKIP_CHROMIUM=1"
else
  if [[ $(id -u) != 0 ]]; then
    echo "web: /usr/bin/chromium is missing; run as root to install it (apt-get install chromium)" >&2
    exit 1
  fi
  step "installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  step "chromium installed ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
fi

# npm_ci DIR: installs DIR's packages from its lock file unless they are
# already installed from the current one (npm writes
# node_modules/.package-lock.json on every install).
npm_ci() {
  local dir=$1 name=${1#"$ROOT"/}/
  if [[ ! -f $dir/package-lock.json ]]; then
    echo "web: ${name}package-lock.json is missing" >&2
    exit 1
  fi
  if [[ -f $dir/node_modules/.package-lock.json && ! $dir/node_modules/.package-lock.json -ot $dir/package-lock.json ]]; then
    step "$name: packages up to date"
  else
    step "$name: npm ci"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
npm_ci "$ROOT/web"
npm_ci "$ROOT/tests/web"

# Builds web/dist when it is missing or older than a source file.
dist=$ROOT/web/dist/index.html
if [[ -f $dist ]] && [[ -z $(find "$ROOT/web" -path "$ROOT/web/node_modules" -prune -o -path "$ROOT/web/dist" -prune \
      -o -type f -newer "$dist" -print -quit) ]]; then
  step "web/dist up to date"
else
  step "web: npm run build"
  (cd "$ROOT/web" && npm run --silent build >/dev/null)
  step "web/dist built ($(du -sk "$ROOT/web/dist" | cut -f1) KiB)"
fi
