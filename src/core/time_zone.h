// Time zones: the only way a civil time becomes an Instant.
//
// TimeZone is an interface with two kinds behind it: IANA zones read from the
// system tzdata through H. Hinnant's date/tz (FindIanaZone), and
// TransitionZone, a table of UTC-offset changes that the ical layer builds
// from a VTIMEZONE whose TZID is not an IANA name. Floating time has no zone.
//
// Thread safety: TimeZone objects are immutable after construction and safe to
// share between threads. ZoneCursor is a per-thread cache.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace almanac::core {

// One stretch of the time line over which a zone's UTC offset is constant.
struct ZoneSpan {
  Instant begin;            // inclusive
  Instant end;              // exclusive
  std::int32_t offset = 0;  // seconds east of UTC (local = utc + offset)
  bool dst = false;
};

// How a civil time maps onto a zone (RFC 5545 §3.3.5).
enum class LocalKind { kUnique, kNonexistent, kAmbiguous };

struct LocalLookup {
  LocalKind kind = LocalKind::kUnique;
  // kUnique: the span holding the time. kAmbiguous: the earlier span.
  // kNonexistent: the span before the gap.
  ZoneSpan first;
  // kAmbiguous: the later span. kNonexistent: the span after the gap.
  ZoneSpan second;
};

class TimeZone {
 public:
  virtual ~TimeZone() = default;
  // The TZID this zone was found under.
  virtual const std::string& name() const = 0;
  // The span containing `t`. Never fails: before the first and after the last
  // known transition the nearest offset extends to the ends of time.
  virtual ZoneSpan SpanAt(Instant t) const = 0;

  // Classifies `local` as unique, nonexistent (in a gap) or ambiguous (in an
  // overlap), with the spans involved.
  LocalLookup Lookup(LocalDateTime local) const;
  // RFC 5545 §3.3.5: an ambiguous time means its first occurrence; a
  // nonexistent one is read with the offset before the gap (so 02:30 on a
  // spring-forward night in New York is 03:30 EDT).
  Instant ToInstant(LocalDateTime local) const;
  LocalDateTime ToLocal(Instant t) const;
  std::int32_t OffsetAt(Instant t) const { return SpanAt(t).offset; }
};

// A wall-clock time in a zone: the zoned counterpart of LocalDateTime
// (floating) and Instant (UTC). `zone` is not owned and must outlive the
// value; zones from FindIanaZone live for the whole process.
struct ZonedDateTime {
  LocalDateTime local;
  const TimeZone* zone = nullptr;  // REQUIRES: not null

  // RFC 5545 §3.3.5 resolution of `local` in `zone` (see TimeZone::ToInstant).
  Instant instant() const { return zone->ToInstant(local); }
  // The wall-clock reading of `t` in `zone`.
  static ZonedDateTime FromInstant(Instant t, const TimeZone& zone) {
    return ZonedDateTime{zone.ToLocal(t), &zone};
  }
  bool operator==(const ZonedDateTime&) const = default;
};

// The IANA zone called `name` (e.g. "Europe/London"), from the system tzdata.
// Zones are loaded once and cached for the life of the process; the returned
// pointer stays valid until exit.
// Errors: kNotFound when no IANA zone has that name.
// Thread-safe. Blocks on first use while the tz database loads.
Result<const TimeZone*> FindIanaZone(std::string_view name);

// UTC as a zone.
const TimeZone& UtcZone();

// A zone given by its transitions, e.g. from a VTIMEZONE's STANDARD and
// DAYLIGHT rules.
class TransitionZone final : public TimeZone {
 public:
  struct Transition {
    Instant at;              // the instant the new offset starts
    std::int32_t offset_to;  // seconds east of UTC from `at` on
    bool dst;
  };
  // `initial_offset` holds before the first transition. Transitions need not
  // be sorted; duplicates at the same instant keep the last given.
  TransitionZone(std::string name, std::int32_t initial_offset, bool initial_dst,
                 std::vector<Transition> transitions);
  const std::string& name() const override { return name_; }
  ZoneSpan SpanAt(Instant t) const override;
  std::size_t transition_count() const { return transitions_.size(); }

 private:
  std::string name_;
  std::int32_t initial_offset_;
  bool initial_dst_;
  std::vector<Transition> transitions_;  // sorted by `at`
};

// Converts many civil times in one zone quickly, by remembering the last
// span whose local times are known to be unique. Not thread-safe; cheap to
// create. `zone` must outlive the cursor.
class ZoneCursor {
 public:
  explicit ZoneCursor(const TimeZone& zone) : zone_(&zone) {}
  // Same result as zone.ToInstant(local).
  Instant ToInstant(LocalDateTime local);
  // Same result as zone.ToLocal(zone.ToInstant(local)): the wall-clock time
  // that actually happens (differs from `local` only in a gap).
  LocalDateTime Normalize(LocalDateTime local) {
    const Instant i = ToInstant(local);
    return LocalDateTime::FromSeconds(i.unix_seconds() + last_offset_);
  }
  // The UTC offset in force at the instant the last ToInstant returned.
  std::int32_t last_offset() const { return last_offset_; }
  const TimeZone& zone() const { return *zone_; }

 private:
  const TimeZone* zone_;
  // Local times in [lo_, hi_) are unique in the cached span with offset_.
  std::int64_t lo_ = 1, hi_ = 0;
  std::int32_t offset_ = 0;
  std::int32_t last_offset_ = 0;
};

}  // namespace almanac::core
