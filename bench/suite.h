// The recurrence benchmark suite (format v1, /work/shared/bench/README.md) and
// its expected-results file: reading them, and the digest both are compared by.
//
// Bench-only code: it reports bad input as a Result but makes no effort to be
// lenient. Thread safety: pure functions and values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace almanac::bench {

// One suite line: NAME DTSTART[;TZID=Zone][;VALUE=DATE]:VALUE RRULE:...
// [EXDATE:v,...] [FROM:v] [TO:v] [MAX:n]. All wall-clock values (EXDATE,
// FROM, TO) are in DTSTART's frame; UNTIL stays inside `rrule` untouched.
struct SuiteRule {
  std::string name;
  std::string dtstart_value;  // the text after ':' ("20240102T093000")
  std::optional<std::string> tzid;
  bool all_day = false;                      // VALUE=DATE
  bool utc = false;                          // DTSTART value ended in 'Z'
  core::LocalDateTime dtstart;               // for an all-day rule, midnight of the date
  std::string rrule;                         // the text after "RRULE:"
  std::vector<core::LocalDateTime> exdates;  // sorted ascending
  std::optional<core::LocalDateTime> from;   // window [from, to)
  std::optional<core::LocalDateTime> to;
  std::optional<std::size_t> max;  // stop after this many kept occurrences
};

struct Suite {
  std::vector<SuiteRule> rules;
  std::string sha256;  // of the file's bytes, lowercase hex
};

// Reads and parses a suite file.
// Errors: kNotFound if the file cannot be read; kInvalidArgument naming the
// line for a malformed one.
Result<Suite> LoadSuite(const std::string& path);

// One row of rrule_expected.txt.
struct ExpectedRow {
  std::size_t count = 0;
  std::string first;  // "-" when count is 0
  std::string last;
  std::string digest;  // 16 lowercase hex digits
};

struct Expected {
  std::map<std::string, ExpectedRow, std::less<>> rows;
  std::string suite_sha256;  // from the "# ... sha256=..." header, if any
};

// Errors: kNotFound if the file cannot be read; kInvalidArgument for a
// malformed row.
Result<Expected> LoadExpected(const std::string& path);

// FNV-1a, 64-bit, streaming.
class Fnv1a64 {
 public:
  void Update(std::string_view bytes) {
    for (const char c : bytes) {
      h_ ^= static_cast<unsigned char>(c);
      h_ *= 0x100000001b3ULL;
    }
  }
  std::uint64_t value() const { return h_; }
  std::string Hex() const;

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

// SHA-256 of `bytes` as 64 lowercase hex digits (FIPS 180-4), so a run can
// show which suite it measured.
std::string Sha256Hex(std::string_view bytes);

// An occurrence line as `almanac expand` prints it, without the newline:
// "YYYYMMDD" for an all-day series, otherwise "YYYYMMDDTHHMMSS", with a 'Z'
// when DTSTART was UTC.
std::string FormatOccurrence(core::LocalDateTime t, const SuiteRule& rule);

// What a formatted expansion looks like: count, first, last and the digest
// over every line plus '\n'.
struct DigestRow {
  std::size_t count = 0;
  std::string first = "-";
  std::string last = "-";
  std::string digest;
};
DigestRow DigestOf(const std::vector<core::LocalDateTime>& occurrences, const SuiteRule& rule);

// Reads a whole file. Errors: kNotFound when it cannot be opened or read.
Result<std::string> ReadFile(const std::string& path);

}  // namespace almanac::bench
