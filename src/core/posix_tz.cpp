#include "core/internal/posix_tz.h"

#include <cstdio>
#include <string>

namespace almanac::core::internal {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // A zone abbreviation: 3+ letters, or <...> with letters, digits, + and -.
  bool Name() {
    if (Eat('<')) {
      std::size_t n = 0;
      while (!done() && peek() != '>') ++i_, ++n;
      return Eat('>') && n >= 3;
    }
    std::size_t n = 0;
    while ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z')) ++i_, ++n;
    return n >= 3;
  }
  bool Number(int max_digits, int* out) {
    int v = 0, n = 0;
    while (peek() >= '0' && peek() <= '9' && n < max_digits) v = v * 10 + (s_[i_++] - '0'), ++n;
    *out = v;
    return n > 0;
  }
  // [+-]hh[:mm[:ss]] in seconds; hours up to 167 (RFC 8536).
  bool Time(std::int32_t* out) {
    int sign = 1;
    if (Eat('-')) {
      sign = -1;
    } else {
      Eat('+');
    }
    int h, m = 0, s = 0;
    if (!Number(3, &h) || h > 167) return false;
    if (Eat(':')) {
      if (!Number(2, &m) || m > 59) return false;
      if (Eat(':') && (!Number(2, &s) || s > 59)) return false;
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<PosixTzRule> PosixTzRule::Parse(std::string_view text) {
  Scanner sc(text);
  PosixTzRule r;
  std::int32_t west;
  if (!sc.Name() || !sc.Time(&west)) return std::nullopt;
  r.std_offset_ = -west;
  if (sc.done()) return r;
  if (!sc.Name()) return std::nullopt;
  r.has_dst_ = true;
  r.dst_offset_ = r.std_offset_ + 3600;
  if (sc.peek() != ',' && !sc.done()) {
    if (!sc.Time(&west)) return std::nullopt;
    r.dst_offset_ = -west;
  }
  auto date_rule = [&](DateRule* d) {
    if (!sc.Eat(',')) return false;
    if (sc.Eat('J')) {
      d->kind = 'J';
      if (!sc.Number(3, &d->day) || d->day < 1 || d->day > 365) return false;
    } else if (sc.Eat('M')) {
      d->kind = 'M';
      if (!sc.Number(2, &d->month) || d->month < 1 || d->month > 12 || !sc.Eat('.') ||
          !sc.Number(1, &d->week) || d->week < 1 || d->week > 5 || !sc.Eat('.') ||
          !sc.Number(1, &d->day) || d->day > 6) {
        return false;
      }
    } else {
      d->kind = 'N';
      if (!sc.Number(3, &d->day) || d->day > 365) return false;
    }
    if (sc.Eat('/') && !sc.Time(&d->time)) return false;
    return true;
  };
  if (!date_rule(&r.start_) || !date_rule(&r.end_) || !sc.done()) return std::nullopt;
  return r;
}

Instant PosixTzRule::When(const DateRule& r, int year, std::int32_t offset) {
  std::int32_t day;
  switch (r.kind) {
    case 'J': {
      // Day 1..365, February 29 never counted.
      int n = r.day - 1;
      if (IsLeapYear(year) && r.day >= 60) ++n;
      day = DaysFromCivil(year, 1, 1) + n;
      break;
    }
    case 'N':
      day = DaysFromCivil(year, 1, 1) + r.day;
      break;
    default: {
      const std::int32_t first = DaysFromCivil(year, r.month, 1);
      const int wd_first = (static_cast<int>(WeekdayFromDays(first)) + 1) % 7;  // 0 = Sunday
      int mday = 1 + (r.day - wd_first + 7) % 7 + (r.week - 1) * 7;
      while (mday > DaysInMonth(year, r.month)) mday -= 7;
      day = first + mday - 1;
      break;
    }
  }
  return Instant::FromUnixSeconds(static_cast<std::int64_t>(day) * kSecondsPerDay + r.time -
                                  offset);
}

ZoneSpan PosixTzRule::SpanAt(Instant t) const {
  constexpr std::int64_t kFar = std::int64_t{1} << 45;
  if (!has_dst_) {
    return ZoneSpan{Instant::FromUnixSeconds(-kFar), Instant::FromUnixSeconds(kFar), std_offset_,
                    false};
  }
  // The rule's transitions around t: DST starts read in standard time, ends in DST.
  const int year = t.utc().date().civil().year;
  Instant points[6];
  bool to_dst[6];
  int n = 0;
  for (int y = year - 1; y <= year + 1; ++y) {
    points[n] = When(start_, y, std_offset_);
    to_dst[n++] = true;
    points[n] = When(end_, y, dst_offset_);
    to_dst[n++] = false;
  }
  // Sort the six points (southern zones end DST before they start it).
  for (int i = 1; i < n; ++i) {
    for (int j = i; j > 0 && points[j] < points[j - 1]; --j) {
      std::swap(points[j], points[j - 1]);
      std::swap(to_dst[j], to_dst[j - 1]);
    }
  }
  int k = -1;
  for (int i = 0; i < n; ++i) {
    if (points[i] <= t) k = i;
  }
  ZoneSpan s;
  if (k < 0) {
    s.begin = Instant::FromUnixSeconds(-kFar);
    s.dst = !to_dst[0];
  } else {
    s.begin = points[k];
    s.dst = to_dst[k];
  }
  s.end = k + 1 < n ? points[k + 1] : Instant::FromUnixSeconds(kFar);
  s.offset = s.dst ? dst_offset_ : std_offset_;
  return s;
}

std::optional<PosixTzRule> ReadTzifFooter(const char* path) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return std::nullopt;
  std::string tail(256, '\0');
  std::optional<PosixTzRule> rule;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    const long size = std::ftell(f);
    const long n = std::min<long>(size, static_cast<long>(tail.size()));
    if (n > 2 && std::fseek(f, size - n, SEEK_SET) == 0 &&
        std::fread(tail.data(), 1, static_cast<std::size_t>(n), f) == static_cast<std::size_t>(n)) {
      tail.resize(static_cast<std::size_t>(n));
      // The footer is "\n<rule>\n" at the very end (RFC 8536 §3.3).
      if (tail.back() == '\n') {
        const std::size_t open = tail.rfind('\n', tail.size() - 2);
        if (open != std::string::npos) {
          rule =
              PosixTzRule::Parse(std::string_view(tail).substr(open + 1, tail.size() - open - 2));
        }
      }
    }
  }
  std::fclose(f);
  return rule;
}

}  // namespace almanac::core::internal
