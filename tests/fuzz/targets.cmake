# The libFuzzer targets: tests/fuzz/fuzz_<name>.cpp with a seed corpus in
# tests/fuzz/corpus/<name>/ and an optional dictionary tests/fuzz/<name>.dict.
# Read by tests/fuzz/CMakeLists.txt (fuzz tree: builds them) and by
# tests/CMakeLists.txt (main tree: registers a ctest per target that runs them).
set(ALMANAC_FUZZ_TARGETS rrule ical_parser)
