#include "core/time.h"

namespace almanac::core {
namespace {

void Put(char* out, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

void FormatDateTo(Date d, char* out) {
  const CivilDate c = d.civil();
  Put(out, c.year, 4);
  Put(out + 4, c.month, 2);
  Put(out + 6, c.day, 2);
}

void FormatLocalTo(LocalDateTime t, char* out) {
  FormatDateTo(t.date(), out);
  out[8] = 'T';
  const int sod = t.seconds_of_day();
  Put(out + 9, sod / 3600, 2);
  Put(out + 11, sod / 60 % 60, 2);
  Put(out + 13, sod % 60, 2);
}

std::string FormatDate(Date d) {
  std::string s(8, '0');
  FormatDateTo(d, s.data());
  return s;
}

std::string FormatLocal(LocalDateTime t) {
  std::string s(15, '0');
  FormatLocalTo(t, s.data());
  return s;
}

std::optional<Date> ParseDate(std::string_view text) {
  int y, m, d;
  if (text.size() != 8 || !Digits(text, 0, 4, &y) || !Digits(text, 4, 2, &m) ||
      !Digits(text, 6, 2, &d) || !IsValidCivil(y, m, d)) {
    return std::nullopt;
  }
  return Date::FromCivil(y, m, d);
}

std::optional<LocalDateTime> ParseLocal(std::string_view text) {
  if (text.size() != 15 || (text[8] != 'T' && text[8] != 't')) return std::nullopt;
  std::optional<Date> d = ParseDate(text.substr(0, 8));
  int h, mi, s;
  if (!d || !Digits(text, 9, 2, &h) || !Digits(text, 11, 2, &mi) || !Digits(text, 13, 2, &s) ||
      h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  if (s == 60) s = 59;
  return LocalDateTime::FromDate(*d, h, mi, s);
}

}  // namespace almanac::core
