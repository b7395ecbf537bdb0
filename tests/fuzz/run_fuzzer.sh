#!/usr/bin/env bash
# Runs one libFuzzer target from the fuzz tree: replays its saved corpus
# (tests/fuzz/corpus/<target>/), then fuzzes for a bounded time. Fails on any
# crash, leak, timeout, out-of-memory or sanitizer report.
# Usage: run_fuzzer.sh FUZZ_BUILD_DIR TARGET SECONDS FUZZ_SOURCE_DIR
set -euo pipefail
build=$1 target=$2 seconds=$3 src=$4
bin=$build/tests/fuzz/fuzz_$target
if [[ ! -x $bin ]]; then
  echo "FAIL: fuzz target $bin is not built."
  echo "Build the fuzz tree: bash scripts/test.sh, or"
  echo "  CC=clang CXX=clang++ cmake -S $src/../.. -B $build -DALMANAC_FUZZ=ON -DALMANAC_BENCH=OFF && cmake --build $build -j2"
  exit 1
fi
seeds=$src/corpus/$target
work=$build/fuzz-work/$target
mkdir -p "$work/corpus" "$work/artifacts"
dict=()
[[ -f $src/$target.dict ]] && dict=(-dict="$src/$target.dict")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

echo "== replaying $(find "$seeds" -type f | wc -l) saved inputs from $seeds"
# Each saved input once, as a regression test.
"$bin" -runs=0 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/artifacts/" "$seeds"
echo "== fuzzing $target for ${seconds}s (new inputs go to $work/corpus)"
# New inputs go to the first (scratch) directory; the saved corpus is read only.
status=0
rm -f "$work/FAILURE.txt"
"$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=8192 \
  -print_final_stats=1 -print_funcs=0 -artifact_prefix="$work/artifacts/" "${dict[@]}" \
  "$work/corpus" "$seeds" 2> >(tee "$work/stderr.log" >&2) || status=$?
if ((status != 0)); then
  echo "FAIL: fuzz_$target found a problem (exit $status). Reproducer(s):"
  ls -1 "$work/artifacts/" || true
  # A digest the test script prints after CTest's summary, so the report and
  # the input survive a log that is cut in the middle.
  {
    echo "fuzz_$target failed (exit $status):"
    grep -E "ERROR|SUMMARY|fuzz_$target:|  input:|  detail:|runtime error|^ +#[0-9]+ 0x" "$work/stderr.log" | head -40
    for f in "$work"/artifacts/*; do
      [[ -f $f ]] || continue
      echo "reproducer $(basename "$f") (base64): $(base64 -w0 "$f")"
    done
  } > "$work/FAILURE.txt"
  echo "Rerun one with: $bin <file>; add the fixed case to $seeds/."
  exit "$status"
fi
echo "PASS: fuzz_$target ran ${seconds}s without a finding"
