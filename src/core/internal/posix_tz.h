// POSIX TZ rule strings ("EST5EDT,M3.2.0,M11.1.0"), as in the footer of
// TZif files (RFC 8536 §3.3). Compiled zoneinfo files list transitions only
// up to 2037; the footer rule gives every later one. Used by the IANA zone
// adapter to answer for times past the last listed transition.
//
// Thread safety: values; pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/time.h"
#include "core/time_zone.h"

namespace almanac::core::internal {

class PosixTzRule {
 public:
  // Parses a rule string. Returns nullopt when it is malformed.
  static std::optional<PosixTzRule> Parse(std::string_view text);

  // The span containing `t` under this rule alone (no history).
  ZoneSpan SpanAt(Instant t) const;
  bool has_dst() const { return has_dst_; }
  std::int32_t std_offset() const { return std_offset_; }

 private:
  // A transition date rule: Jn, n or Mm.w.d, with a local time of day.
  struct DateRule {
    char kind = 'M';  // 'J' (1..365, no Feb 29), 'N' (0..365), 'M'
    int day = 0;      // J/N: the day; M: weekday 0 = Sunday
    int month = 0, week = 0;
    std::int32_t time = 7200;  // seconds after local midnight, may be negative or > 24h
  };
  // The instant `r` happens in `year`, reading its time with `offset`.
  static Instant When(const DateRule& r, int year, std::int32_t offset);

  std::int32_t std_offset_ = 0;  // seconds east of UTC
  std::int32_t dst_offset_ = 0;
  bool has_dst_ = false;
  DateRule start_, end_;
};

// Reads the footer rule of the TZif file at `path`, if it has one.
std::optional<PosixTzRule> ReadTzifFooter(const char* path);

}  // namespace almanac::core::internal
