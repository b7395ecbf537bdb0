// Civil and absolute time for Almanac: Date, LocalDateTime (floating civil
// time), Instant (a UTC point) and the civil-calendar arithmetic under them.
//
// All types are trivially copyable values with second resolution (iCalendar
// has no sub-second times). The proleptic Gregorian calendar is used for the
// supported years 0001..9999 (RFC 5545 §3.3.4 allows four-digit years only).
// A civil time becomes an Instant only through a TimeZone (time_zone.h).
//
// Thread safety: pure functions and values.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace almanac::core {

inline constexpr int kMinYear = 1;
inline constexpr int kMaxYear = 9999;
inline constexpr std::int64_t kSecondsPerDay = 86400;

// Day of the week. Stored in the database: never renumber.
enum class Weekday : std::uint8_t {
  kMonday = 0,
  kTuesday,
  kWednesday,
  kThursday,
  kFriday,
  kSaturday,
  kSunday
};

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

constexpr bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
constexpr int DaysInYear(int y) { return IsLeapYear(y) ? 366 : 365; }
constexpr int DaysInMonth(int y, int m) {
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && IsLeapYear(y)) ? 29 : kDays[m - 1];
}
// Days since 1970-01-01 of the civil date y-m-d (H. Hinnant's algorithm).
// REQUIRES: a valid date.
constexpr std::int32_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}
constexpr CivilDate CivilFromDays(std::int32_t z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}
// Weekday of the day number `days` (1970-01-01 was a Thursday).
constexpr Weekday WeekdayFromDays(std::int32_t days) {
  const int w = static_cast<int>(((days % 7) + 7 + 3) % 7);  // 0 = Monday
  return static_cast<Weekday>(w);
}
constexpr bool IsValidCivil(int y, int m, int d) {
  return y >= kMinYear && y <= kMaxYear && m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

// A calendar date without a time or zone (iCalendar DATE).
class Date {
 public:
  constexpr Date() = default;
  static constexpr Date FromDays(std::int32_t days) { return Date(days); }
  // REQUIRES: IsValidCivil(y, m, d).
  static constexpr Date FromCivil(int y, int m, int d) { return Date(DaysFromCivil(y, m, d)); }
  constexpr std::int32_t days() const { return days_; }
  constexpr CivilDate civil() const { return CivilFromDays(days_); }
  constexpr Weekday weekday() const { return WeekdayFromDays(days_); }
  constexpr auto operator<=>(const Date&) const = default;

 private:
  constexpr explicit Date(std::int32_t d) : days_(d) {}
  std::int32_t days_ = 0;
};

// A civil (wall-clock) date-time with no zone: iCalendar's floating form, and
// the local side of a zoned time. Seconds since 1970-01-01T00:00:00 civil.
class LocalDateTime {
 public:
  constexpr LocalDateTime() = default;
  static constexpr LocalDateTime FromSeconds(std::int64_t s) { return LocalDateTime(s); }
  static constexpr LocalDateTime FromDate(Date d, int hour = 0, int minute = 0, int second = 0) {
    return LocalDateTime(static_cast<std::int64_t>(d.days()) * kSecondsPerDay + hour * 3600 +
                         minute * 60 + second);
  }
  // REQUIRES: valid fields (second may be 60 only if the caller has clamped it).
  static constexpr LocalDateTime FromCivil(int y, int mo, int d, int h, int mi, int s) {
    return FromDate(Date::FromCivil(y, mo, d), h, mi, s);
  }
  constexpr std::int64_t seconds() const { return s_; }
  constexpr Date date() const { return Date::FromDays(static_cast<std::int32_t>(FloorDiv(s_))); }
  constexpr int seconds_of_day() const {
    return static_cast<int>(s_ - FloorDiv(s_) * kSecondsPerDay);
  }
  constexpr int hour() const { return seconds_of_day() / 3600; }
  constexpr int minute() const { return seconds_of_day() / 60 % 60; }
  constexpr int second() const { return seconds_of_day() % 60; }
  constexpr LocalDateTime operator+(std::int64_t secs) const { return LocalDateTime(s_ + secs); }
  constexpr LocalDateTime operator-(std::int64_t secs) const { return LocalDateTime(s_ - secs); }
  constexpr std::int64_t operator-(LocalDateTime o) const { return s_ - o.s_; }
  constexpr auto operator<=>(const LocalDateTime&) const = default;

 private:
  static constexpr std::int64_t FloorDiv(std::int64_t s) {
    return (s >= 0 ? s : s - (kSecondsPerDay - 1)) / kSecondsPerDay;
  }
  constexpr explicit LocalDateTime(std::int64_t s) : s_(s) {}
  std::int64_t s_ = 0;
};

// A point on the UTC time line, seconds since the Unix epoch.
class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant FromUnixSeconds(std::int64_t s) { return Instant(s); }
  constexpr std::int64_t unix_seconds() const { return s_; }
  // The UTC wall-clock reading of this instant.
  constexpr LocalDateTime utc() const { return LocalDateTime::FromSeconds(s_); }
  constexpr Instant operator+(std::int64_t secs) const { return Instant(s_ + secs); }
  constexpr Instant operator-(std::int64_t secs) const { return Instant(s_ - secs); }
  constexpr std::int64_t operator-(Instant o) const { return s_ - o.s_; }
  constexpr auto operator<=>(const Instant&) const = default;

 private:
  constexpr explicit Instant(std::int64_t s) : s_(s) {}
  std::int64_t s_ = 0;
};

// The earliest and latest representable civil times.
inline constexpr LocalDateTime kMinLocal = LocalDateTime::FromCivil(kMinYear, 1, 1, 0, 0, 0);
inline constexpr LocalDateTime kMaxLocal = LocalDateTime::FromCivil(kMaxYear, 12, 31, 23, 59, 59);

// iCalendar basic formats (RFC 5545 §3.3.4, §3.3.5): "YYYYMMDD" and
// "YYYYMMDDTHHMMSS". Formatting requires a year in 0001..9999.
std::string FormatDate(Date d);
std::string FormatLocal(LocalDateTime t);
// Writes the 8 or 15 characters into `out` without allocating.
void FormatDateTo(Date d, char* out);
void FormatLocalTo(LocalDateTime t, char* out);

// Parses "YYYYMMDD". Returns nullopt unless the text is exactly that and a
// valid date.
std::optional<Date> ParseDate(std::string_view text);
// Parses "YYYYMMDDTHHMMSS" (no zone suffix). A leap second (SS=60) is
// accepted and read as :59, as RFC 5545 §3.3.12 allows when the system cannot
// represent it. Returns nullopt on anything else.
std::optional<LocalDateTime> ParseLocal(std::string_view text);

}  // namespace almanac::core
