// RECUR values (RFC 5545 §3.3.10): the parsed form of an RRULE and its
// parser and writer.
//
// Thread safety: pure functions and values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace almanac::ical {

// Stored in the database: never renumber.
enum class Frequency : std::uint8_t {
  kSecondly = 0,
  kMinutely,
  kHourly,
  kDaily,
  kWeekly,
  kMonthly,
  kYearly
};

// One BYDAY entry: an optional ordinal (+/-1..53, 0 = every) and a weekday.
struct WeekdayNum {
  int ordinal = 0;
  core::Weekday weekday = core::Weekday::kMonday;
  bool operator==(const WeekdayNum&) const = default;
};

// UNTIL: a DATE, a UTC DATE-TIME ("...Z") or a floating DATE-TIME.
struct Until {
  core::LocalDateTime value;  // for a DATE, midnight starting that date
  bool is_date = false;
  bool utc = false;
  bool operator==(const Until&) const = default;
};

struct RecurrenceRule {
  Frequency freq = Frequency::kDaily;
  int interval = 1;
  std::optional<int> count;
  std::optional<Until> until;
  std::vector<int> by_second;  // 0..60
  std::vector<int> by_minute;  // 0..59
  std::vector<int> by_hour;    // 0..23
  std::vector<WeekdayNum> by_day;
  std::vector<int> by_month_day;  // +/-1..31
  std::vector<int> by_year_day;   // +/-1..366
  std::vector<int> by_week_no;    // +/-1..53
  std::vector<int> by_month;      // 1..12
  std::vector<int> by_set_pos;    // +/-1..366
  core::Weekday wkst = core::Weekday::kMonday;
  bool wkst_given = false;  // so the writer reproduces what it read
  // X-NAME=value parts, kept in order and written back verbatim.
  std::vector<std::pair<std::string, std::string>> extensions;
  bool operator==(const RecurrenceRule&) const = default;
};

struct RuleParseOptions {
  // Accept common deviations seen in real exports (lower-case names, a
  // trailing ';', BYxxx parts the RFC marks N/A for the FREQ, UNTIL as DATE
  // with a DATE-TIME DTSTART), reporting each as a warning.
  bool lenient = false;
};

// Parses a RECUR value such as "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10".
// Returns the rule; in lenient mode deviations are appended to `warnings`.
// Errors: kInvalidArgument naming the bad part ("BYMONTHDAY=0: value must be
// in -31..-1 or 1..31"), e.g. for a missing or repeated FREQ, COUNT together
// with UNTIL, an unknown part name, out-of-range values, BYxxx parts that
// RFC 5545 §3.3.10 forbids for the FREQ (strict mode), BYSETPOS without
// another BYxxx part.
Result<RecurrenceRule> ParseRecurrenceRule(std::string_view text,
                                           const RuleParseOptions& options = {},
                                           std::vector<std::string>* warnings = nullptr);

// Writes `rule` canonically: FREQ first, then the parts in RFC 5545 order.
std::string FormatRecurrenceRule(const RecurrenceRule& rule);

const char* FrequencyName(Frequency f);
const char* WeekdayCode(core::Weekday w);  // "MO".."SU"

}  // namespace almanac::ical
