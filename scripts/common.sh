# Shared by scripts/run.sh and scripts/test.sh: build directories and the
# CMake invocation. Override the directories with ALMANAC_BUILD_DIR,
# ALMANAC_ASAN_DIR and ALMANAC_FUZZ_DIR (e.g. to keep a private build).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${ALMANAC_BUILD_DIR:-$ROOT/build}
ASAN_DIR=${ALMANAC_ASAN_DIR:-$ROOT/build-asan}
FUZZ_DIR=${ALMANAC_FUZZ_DIR:-$ROOT/build-fuzz}
JOBS=${ALMANAC_JOBS:-2}

# configure <dir> [cmake args...]: configures once, then reuses the cache.
configure() {
  local dir=$1
  shift
  local gen=()
  if [[ ! -f $dir/CMakeCache.txt ]] && command -v ninja >/dev/null; then gen=(-G Ninja); fi
  cmake -S "$ROOT" -B "$dir" "${gen[@]}" "$@"
}

section() { printf '\n==== %s ====\n' "$*"; }
