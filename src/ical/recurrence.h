// The recurrence engine: expands DTSTART + RRULEs + RDATEs - EXDATEs
// (RFC 5545 §3.8.5) into occurrences, lazily and under a cap on work.
//
// Semantics, in the order applied:
//  - Each RRULE is expanded by the BYxxx expand/limit table of RFC 5545
//    §3.3.10, period by period (FREQ x INTERVAL in wall-clock time of the
//    DTSTART frame), BYSETPOS applied within each period; generated dates
//    that do not exist (Feb 30) are skipped, never clamped.
//  - DTSTART is always the first occurrence and counts toward COUNT
//    (§3.3.10 "The DTSTART property value always counts as the first
//    occurrence"), even when it does not match the rule.
//  - UNTIL is inclusive; with a zoned DTSTART it is a UTC instant compared
//    with each occurrence's instant.
//  - RDATEs are added, duplicates of other occurrences dropped; EXDATEs are
//    removed afterwards and do not give back COUNT.
//  - In a zone, an occurrence whose wall-clock time falls in a DST gap moves
//    forward by the gap; one in an overlap means the first of the two
//    (§3.3.5). Two occurrences that resolve to the same instant (Pacific/Apia
//    skipped 2011-12-30) are one occurrence.
//
// Thread safety: RecurrenceIterator is a single-thread cursor; SeriesSpec
// and the zones it points to must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "ical/rrule.h"

namespace almanac::ical {

// An RDATE value: a start, and for RDATE;VALUE=PERIOD its own duration.
struct RDate {
  core::LocalDateTime start;             // in the DTSTART frame
  std::optional<std::int64_t> duration;  // seconds, for PERIOD values
};

// What to expand. All times are wall-clock in the DTSTART frame; callers
// convert RDATE/EXDATE values given in another zone (or UTC) first.
struct SeriesSpec {
  core::LocalDateTime dtstart;
  bool all_day = false;                  // DTSTART;VALUE=DATE
  bool utc = false;                      // DTSTART ended in Z
  const core::TimeZone* zone = nullptr;  // TZID zone; null = floating or UTC
  std::vector<RecurrenceRule> rrules;
  std::vector<RDate> rdates;
  std::vector<core::LocalDateTime> exdates;
};

struct Occurrence {
  // Wall-clock start in the DTSTART frame, after gap resolution.
  core::LocalDateTime start;
  // The instant it starts; for floating series the wall clock read as UTC.
  core::Instant instant;
  // For an RDATE;VALUE=PERIOD occurrence, its own duration in seconds.
  std::optional<std::int64_t> duration;
};

struct ExpandLimits {
  std::size_t max_occurrences = 1000;        // output cap
  std::uint64_t max_iterations = 5'000'000;  // periods and candidates examined
};

// Why an expansion stopped.
enum class StopReason {
  kComplete,      // the series (or the window) is exhausted
  kOutputCap,     // max_occurrences reached; more may exist
  kWorkCap,       // max_iterations reached before the window was covered
  kNeverMatches,  // some RRULE can never produce a date (BYMONTHDAY=30;BYMONTH=2)
};
const char* StopReasonName(StopReason r);

// A lazy, sorted walk over a series' occurrences.
class RecurrenceIterator {
 public:
  // Errors: kInvalidArgument if a rule cannot be used with this DTSTART
  // (e.g. BYHOUR on an all-day series, UNTIL type mismatch in strict use).
  static Result<RecurrenceIterator> Create(const SeriesSpec& spec, const ExpandLimits& limits = {});
  RecurrenceIterator(RecurrenceIterator&&) noexcept;
  RecurrenceIterator& operator=(RecurrenceIterator&&) noexcept;
  ~RecurrenceIterator();

  // Skips every occurrence starting before `from` (wall clock, DTSTART
  // frame). Unbounded rules without COUNT jump straight to the period
  // containing `from`, so the cost does not grow with the distance.
  void SeekTo(core::LocalDateTime from);
  // The next occurrence, or false when the series ends or a cap is hit
  // (after limits.max_occurrences occurrences, stop_reason() is kOutputCap).
  bool Next(Occurrence* out);
  StopReason stop_reason() const;
  // Candidates examined so far (the unit of max_iterations).
  std::uint64_t iterations() const;

 private:
  struct Impl;
  explicit RecurrenceIterator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct Expansion {
  std::vector<Occurrence> occurrences;
  StopReason stop = StopReason::kComplete;
};

// Occurrences whose wall-clock start lies in [from, to), at most
// limits.max_occurrences of them.
// Errors: as RecurrenceIterator::Create.
Result<Expansion> Expand(const SeriesSpec& spec, core::LocalDateTime from, core::LocalDateTime to,
                         const ExpandLimits& limits = {});

}  // namespace almanac::ical
