#!/usr/bin/env bash
# Installs every Debian 12 package Almanac needs to build, run and test.
# Idempotent: when everything is already installed it only checks and exits.
# Run as root (or with sudo available). Usage: bash scripts/install-deps.sh
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build g++ pkg-config coreutils
  libhowardhinnant-date-dev tzdata libcli11-dev libfmt-dev libspdlog-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libical-dev python3 python3-dateutil clang libclang-rt-14-dev
  libboost1.81-dev libsqlite3-dev sqlite3 libpq-dev postgresql libssl-dev
  libargon2-dev wrk libxml2-dev zlib1g-dev python3-caldav vdirsyncer khal radicale xandikos
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo); fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
