#include "ical/values.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ical/model.h"
#include "ical/rrule.h"

namespace almanac::ical {
namespace {

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }

std::string Quoted(std::string_view text) {
  std::string s = "\"";
  s += ShortForMessage(text);
  s += '"';
  return s;
}

Error InvalidValue(const char* type, std::string_view text, std::string_view why = {}) {
  std::string m = "invalid ";
  m += type;
  m += " value ";
  m += Quoted(text);
  if (!why.empty()) {
    m += ": ";
    m += why;
  }
  return Invalid(std::move(m));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Splits on ',' (no escapes in these value types).
template <typename F>
bool ForEachCommaItem(std::string_view text, F&& f) {
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (!f(item)) return false;
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

int B64Digit(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Checks base64 and, when `out` is not null, decodes into it.
Status Base64(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0) {
    return Invalid("invalid BINARY value: base64 length " + std::to_string(text.size()) +
                   " is not a multiple of 4");
  }
  if (out != nullptr) out->reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const unsigned char c = static_cast<unsigned char>(text[i + k]);
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      const int d = B64Digit(c);
      if (pad > 0 || d < 0) {
        return Invalid("invalid BINARY value: bad base64 character at offset " +
                       std::to_string(i + k));
      }
      v[k] = d;
    }
    if (out != nullptr) {
      const unsigned bits = (static_cast<unsigned>(v[0]) << 18) |
                            (static_cast<unsigned>(v[1]) << 12) |
                            (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
      out->push_back(static_cast<char>((bits >> 16) & 0xFF));
      if (pad < 2) out->push_back(static_cast<char>((bits >> 8) & 0xFF));
      if (pad < 1) out->push_back(static_cast<char>(bits & 0xFF));
    }
  }
  return OkStatus();
}

Status CheckUri(std::string_view text, const char* type) {
  if (text.empty()) return InvalidValue(type, text, "empty");
  if (!IsAlpha(text[0])) return InvalidValue(type, text, "missing scheme");
  std::size_t i = 1;
  while (i < text.size() && (IsAlpha(text[i]) || IsDigit(text[i]) || text[i] == '+' ||
                             text[i] == '-' || text[i] == '.')) {
    ++i;
  }
  if (i >= text.size() || text[i] != ':') return InvalidValue(type, text, "missing scheme");
  if (i + 1 == text.size()) return InvalidValue(type, text, "nothing after the scheme");
  static constexpr auto kNotInUri = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c <= 0x20; ++c) t[c] = true;
    t[0x7F] = t['"'] = t['<'] = t['>'] = true;
    return t;
  }();
  bool bad = false;
  for (std::size_t k = i + 1; k < text.size(); ++k) {
    bad |= kNotInUri[static_cast<unsigned char>(text[k])];
  }
  if (bad) return InvalidValue(type, text, "character not allowed in a URI");
  return OkStatus();
}

}  // namespace

std::string ShortForMessage(std::string_view text) {
  constexpr std::size_t kMax = 60;
  if (text.size() <= kMax) return std::string(text);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string s(text.substr(0, cut));
  s += "...";
  return s;
}

std::optional<ValueType> ValueTypeFromName(std::string_view name) {
  static constexpr struct {
    std::string_view name;
    ValueType type;
  } kTypes[] = {
      {"BINARY", ValueType::kBinary},
      {"BOOLEAN", ValueType::kBoolean},
      {"CAL-ADDRESS", ValueType::kCalAddress},
      {"DATE", ValueType::kDate},
      {"DATE-TIME", ValueType::kDateTime},
      {"DURATION", ValueType::kDuration},
      {"FLOAT", ValueType::kFloat},
      {"INTEGER", ValueType::kInteger},
      {"PERIOD", ValueType::kPeriod},
      {"RECUR", ValueType::kRecur},
      {"TEXT", ValueType::kText},
      {"TIME", ValueType::kTime},
      {"URI", ValueType::kUri},
      {"UTC-OFFSET", ValueType::kUtcOffset},
  };
  for (const auto& t : kTypes) {
    if (EqualsIgnoreCase(t.name, name)) return t.type;
  }
  return std::nullopt;
}

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kBinary:
      return "BINARY";
    case ValueType::kBoolean:
      return "BOOLEAN";
    case ValueType::kCalAddress:
      return "CAL-ADDRESS";
    case ValueType::kDate:
      return "DATE";
    case ValueType::kDateTime:
      return "DATE-TIME";
    case ValueType::kDuration:
      return "DURATION";
    case ValueType::kFloat:
      return "FLOAT";
    case ValueType::kInteger:
      return "INTEGER";
    case ValueType::kPeriod:
      return "PERIOD";
    case ValueType::kRecur:
      return "RECUR";
    case ValueType::kText:
      return "TEXT";
    case ValueType::kTime:
      return "TIME";
    case ValueType::kUri:
      return "URI";
    case ValueType::kUtcOffset:
      return "UTC-OFFSET";
  }
  return "UNKNOWN";
}

// ---- TEXT ----

std::string UnescapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\' || i + 1 == text.size()) {
      out += c;
      continue;
    }
    const char n = text[i + 1];
    switch (n) {
      case '\\':
      case ';':
      case ',':
        out += n;
        ++i;
        break;
      case 'n':
      case 'N':
        out += '\n';
        ++i;
        break;
      default:
        out += c;  // unknown escape: keep the backslash, the next char follows
        break;
    }
  }
  return out;
}

std::string EscapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;  // CRLF -> \n
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<std::string> SplitTextList(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',') {
      out.push_back(UnescapeText(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '\\') {
      ++i;  // skip the escaped character
    }
  }
  return out;
}

namespace {

// How many of the kTextBlock octets at `p` come before the first '\\', ';'
// or ',' (kTextBlock if none).
#if defined(__SSE2__)
constexpr std::ptrdiff_t kTextBlock = 16;

int PlainTextPrefix(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i special = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), _mm_cmpeq_epi8(v, _mm_set1_epi8(';'))),
      _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
  const auto marks = static_cast<unsigned>(_mm_movemask_epi8(special));
  return marks == 0 ? 16 : std::countr_zero(marks);
}
#else
constexpr std::ptrdiff_t kTextBlock = 8;

int PlainTextPrefix(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  // (v - 1) & ~v marks the zero octets of v; a borrow can only mark octets
  // above a real match, so the lowest mark is exact (on little-endian).
  const std::uint64_t a = w ^ (kOnes * '\\');
  const std::uint64_t b = w ^ (kOnes * ';');
  const std::uint64_t c = w ^ (kOnes * ',');
  const std::uint64_t marks =
      (((a - kOnes) & ~a) | ((b - kOnes) & ~b) | ((c - kOnes) & ~c)) & kHigh;
  if (marks == 0) return 8;
  if constexpr (std::endian::native != std::endian::little) return 0;  // octet by octet
  return std::countr_zero(marks) / 8;
}
#endif

}  // namespace

Status ValidateText(std::string_view text, bool list) {
  static constexpr auto kSpecial = [] {
    std::array<bool, 256> t{};
    t[static_cast<unsigned char>('\\')] = true;
    t[static_cast<unsigned char>(';')] = true;
    t[static_cast<unsigned char>(',')] = true;
    return t;
  }();
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    if (end - p >= kTextBlock) {
      const int plain = PlainTextPrefix(p);
      p += plain;
      if (plain == kTextBlock) continue;
    }
    if (!kSpecial[static_cast<unsigned char>(*p)]) {
      ++p;
      continue;
    }
    const char c = *p;
    if (c == '\\') {
      if (p + 1 == end) return Invalid("invalid TEXT value: trailing backslash");
      const char n = p[1];
      if (n != '\\' && n != ';' && n != ',' && n != 'n' && n != 'N') {
        std::string m = "invalid escape \"\\";
        m += n;
        m += "\" in TEXT";
        return Invalid(std::move(m));
      }
      p += 2;
      continue;
    }
    if (c == ';') return Invalid("unescaped ';' in TEXT");
    if (c == ',' && !list) return Invalid("unescaped ',' in TEXT");
    ++p;
  }
  return OkStatus();
}

// ---- DATE / DATE-TIME ----

Result<DateTimeValue> ParseDateTimeValue(std::string_view text) {
  DateTimeValue v;
  if (text.size() == 8) {
    std::optional<core::Date> d = core::ParseDate(text);
    if (!d) return InvalidValue("DATE", text);
    v.local = core::LocalDateTime::FromDate(*d);
    v.is_date = true;
    return v;
  }
  std::string_view t = text;
  if (t.size() == 16 && t.back() == 'Z') {
    v.utc = true;
    t.remove_suffix(1);
  }
  std::optional<core::LocalDateTime> l = core::ParseLocal(t);
  if (!l) return InvalidValue("DATE-TIME", text);
  v.local = *l;
  return v;
}

namespace {
// Parses each comma-separated item of `text` with `parse`; the first error wins.
template <typename T>
Result<std::vector<T>> ParseCommaList(std::string_view text, Result<T> (*parse)(std::string_view)) {
  std::vector<T> out;
  Error err;
  const bool ok = ForEachCommaItem(text, [&](std::string_view item) {
    Result<T> v = parse(item);
    if (!v.ok()) {
      err = v.error();
      return false;
    }
    out.push_back(*std::move(v));
    return true;
  });
  if (!ok) return err;
  return out;
}
}  // namespace

Result<std::vector<DateTimeValue>> ParseDateTimeList(std::string_view text) {
  return ParseCommaList(text, &ParseDateTimeValue);
}

std::string FormatDateTimeValue(const DateTimeValue& value) {
  if (value.is_date) return core::FormatDate(value.local.date());
  std::string s = core::FormatLocal(value.local);
  if (value.utc) s += 'Z';
  return s;
}

// ---- DURATION ----

std::int64_t DurationValue::NominalSeconds() const {
  const std::int64_t s =
      (static_cast<std::int64_t>(weeks) * 7 + days) * core::kSecondsPerDay + seconds;
  return negative ? -s : s;
}

Result<DurationValue> ParseDuration(std::string_view text) {
  DurationValue v;
  std::size_t i = 0;
  const auto fail = [&](const char* why) { return InvalidValue("DURATION", text, why); };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    v.negative = text[i] == '-';
    ++i;
  }
  if (i >= text.size() || text[i] != 'P') return fail("must start with [+/-]P");
  ++i;
  if (i == text.size()) return fail("no duration after P");
  // Reads 1..9 digits and the designator after them.
  const auto number = [&](std::int64_t* n, char* designator) -> bool {
    const std::size_t start = i;
    std::int64_t x = 0;
    while (i < text.size() && IsDigit(text[i])) {
      if (i - start < 10) x = x * 10 + (text[i] - '0');  // more digits fail below
      ++i;
    }
    if (i == start || i - start > 9 || i >= text.size()) return false;
    *n = x;
    *designator = text[i++];
    return true;
  };
  bool in_time = false;
  int last = 0;  // order: W=1, D=2, H=3, M=4, S=5
  bool any = false;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return fail("repeated T");
      in_time = true;
      ++i;
      if (i == text.size()) return fail("no time after T");
      continue;
    }
    std::int64_t n;
    char d;
    if (!number(&n, &d)) return fail("expected digits followed by W, D, H, M or S");
    int rank;
    switch (d) {
      case 'W':
        rank = 1;
        break;
      case 'D':
        rank = 2;
        break;
      case 'H':
        rank = 3;
        break;
      case 'M':
        rank = 4;
        break;
      case 'S':
        rank = 5;
        break;
      default:
        return fail("expected digits followed by W, D, H, M or S");
    }
    if (rank <= last) return fail("parts out of order or repeated");
    if ((rank >= 3) != in_time) return fail(in_time ? "W or D after T" : "H, M or S without T");
    if (last == 1) return fail("weeks cannot be combined with other parts");
    if (rank == 1 && any) return fail("weeks cannot be combined with other parts");
    switch (rank) {
      case 1:
        v.weeks = static_cast<int>(n);
        break;
      case 2:
        v.days = static_cast<int>(n);
        break;
      case 3:
        v.seconds += n * 3600;
        break;
      case 4:
        v.seconds += n * 60;
        break;
      case 5:
        v.seconds += n;
        break;
    }
    last = rank;
    any = true;
  }
  if (in_time && last < 3) return fail("no time after T");
  if (!any) return fail("no duration after P");
  return v;
}

std::string FormatDuration(const DurationValue& value) {
  std::string s;
  if (value.negative) s += '-';
  s += 'P';
  if (value.weeks != 0 && value.days == 0 && value.seconds == 0) {
    s += std::to_string(value.weeks);
    s += 'W';
    return s;
  }
  const std::int64_t days = static_cast<std::int64_t>(value.weeks) * 7 + value.days;
  if (days != 0) {
    s += std::to_string(days);
    s += 'D';
  }
  if (value.seconds != 0 || days == 0) {
    s += 'T';
    const std::int64_t h = value.seconds / 3600;
    const std::int64_t m = value.seconds / 60 % 60;
    const std::int64_t sec = value.seconds % 60;
    if (h != 0) s += std::to_string(h) + 'H';
    if (m != 0) s += std::to_string(m) + 'M';
    if (sec != 0 || value.seconds == 0) s += std::to_string(sec) + 'S';
  }
  return s;
}

// ---- PERIOD ----

Result<PeriodValue> ParsePeriod(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return InvalidValue("PERIOD", text, "missing '/'");
  PeriodValue p;
  Result<DateTimeValue> start = ParseDateTimeValue(text.substr(0, slash));
  if (!start.ok() || start->is_date) {
    return InvalidValue("PERIOD", text, "start is not a DATE-TIME");
  }
  p.start = *start;
  const std::string_view rest = text.substr(slash + 1);
  if (!rest.empty() && (rest[0] == 'P' || rest[0] == '+' || rest[0] == '-')) {
    Result<DurationValue> d = ParseDuration(rest);
    if (!d.ok()) return InvalidValue("PERIOD", text, "bad duration");
    if (d->negative || d->NominalSeconds() == 0) {
      return InvalidValue("PERIOD", text, "duration must be positive");
    }
    p.duration = *d;
    return p;
  }
  Result<DateTimeValue> end = ParseDateTimeValue(rest);
  if (!end.ok() || end->is_date) return InvalidValue("PERIOD", text, "end is not a DATE-TIME");
  if (end->utc != start->utc) {
    return InvalidValue("PERIOD", text, "start and end differ in UTC form");
  }
  if (end->local < start->local) return InvalidValue("PERIOD", text, "end before start");
  p.end = *end;
  return p;
}

Result<std::vector<PeriodValue>> ParsePeriodList(std::string_view text) {
  return ParseCommaList(text, &ParsePeriod);
}

std::string FormatPeriod(const PeriodValue& value) {
  std::string s = FormatDateTimeValue(value.start);
  s += '/';
  if (value.end) {
    s += FormatDateTimeValue(*value.end);
  } else if (value.duration) {
    s += FormatDuration(*value.duration);
  }
  return s;
}

// ---- UTC-OFFSET ----

Result<int> ParseUtcOffset(std::string_view text) {
  if ((text.size() != 5 && text.size() != 7) || (text[0] != '+' && text[0] != '-')) {
    return InvalidValue("UTC-OFFSET", text, "expected +HHMM, -HHMM or +HHMMSS");
  }
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (!IsDigit(text[i]))
      return InvalidValue("UTC-OFFSET", text, "expected +HHMM, -HHMM or +HHMMSS");
  }
  const auto two = [&](std::size_t at) { return (text[at] - '0') * 10 + (text[at + 1] - '0'); };
  const int h = two(1);
  const int m = two(3);
  const int s = text.size() == 7 ? two(5) : 0;
  if (h > 23 || m > 59 || s > 59) return InvalidValue("UTC-OFFSET", text, "field out of range");
  const int total = h * 3600 + m * 60 + s;
  if (total == 0 && text[0] == '-')
    return InvalidValue("UTC-OFFSET", text, "\"-0000\" is not allowed");
  return text[0] == '-' ? -total : total;
}

std::string FormatUtcOffset(int seconds) {
  const char sign = seconds < 0 ? '-' : '+';
  const int a = seconds < 0 ? -seconds : seconds;
  char buf[8];
  const auto put2 = [](char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10 % 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  buf[0] = sign;
  put2(buf + 1, a / 3600);
  put2(buf + 3, a / 60 % 60);
  std::size_t n = 5;
  if (a % 60 != 0) {
    put2(buf + 5, a % 60);
    n = 7;
  }
  return std::string(buf, n);
}

// ---- INTEGER, FLOAT, BOOLEAN, GEO ----

Result<std::int32_t> ParseInteger(std::string_view text) {
  std::size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    neg = text[i] == '-';
    ++i;
  }
  if (i == text.size()) return InvalidValue("INTEGER", text);
  std::int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (!IsDigit(text[i])) return InvalidValue("INTEGER", text);
    v = v * 10 + (text[i] - '0');
    if (v > 2147483648LL) {
      return MakeError(Code::kOutOfRange, "INTEGER value " + Quoted(text) + " out of range");
    }
  }
  if (neg) v = -v;
  if (v > 2147483647LL) {
    return MakeError(Code::kOutOfRange, "INTEGER value " + Quoted(text) + " out of range");
  }
  return static_cast<std::int32_t>(v);
}

Result<double> ParseFloat(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  const std::size_t digits_start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == digits_start) return InvalidValue("FLOAT", text);
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t frac = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == frac) return InvalidValue("FLOAT", text);
  }
  if (i != text.size()) return InvalidValue("FLOAT", text);
  std::string_view num = text;
  if (num[0] == '+') num.remove_prefix(1);
  double v = 0;
  const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
  if (ec != std::errc() || ptr != num.data() + num.size() || !std::isfinite(v)) {
    return InvalidValue("FLOAT", text);
  }
  return v;
}

Result<bool> ParseBoolean(std::string_view text) {
  if (EqualsIgnoreCase(text, "TRUE")) return true;
  if (EqualsIgnoreCase(text, "FALSE")) return false;
  return InvalidValue("BOOLEAN", text, "expected TRUE or FALSE");
}

Result<GeoValue> ParseGeo(std::string_view text) {
  const std::size_t semi = text.find(';');
  if (semi == std::string_view::npos)
    return InvalidValue("GEO", text, "expected latitude;longitude");
  Result<double> lat = ParseFloat(text.substr(0, semi));
  Result<double> lon = ParseFloat(text.substr(semi + 1));
  if (!lat.ok() || !lon.ok()) return InvalidValue("GEO", text, "expected latitude;longitude");
  if (*lat < -90 || *lat > 90) return InvalidValue("GEO", text, "latitude out of range");
  if (*lon < -180 || *lon > 180) return InvalidValue("GEO", text, "longitude out of range");
  return GeoValue{*lat, *lon};
}

// ---- URI, CAL-ADDRESS, BINARY, TZID ----

Status ValidateUri(std::string_view text) { return CheckUri(text, "URI"); }
Status ValidateCalAddress(std::string_view text) { return CheckUri(text, "CAL-ADDRESS"); }

Status ValidateBase64(std::string_view text) { return Base64(text, nullptr); }

Result<std::string> DecodeBase64(std::string_view text) {
  std::string out;
  ALMANAC_RETURN_IF_ERROR(Base64(text, &out));
  return out;
}

std::string EncodeBase64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string_view NormalizeTzid(std::string_view tzid) {
  if (tzid.size() >= 2 && tzid.front() == '"' && tzid.back() == '"') {
    tzid = tzid.substr(1, tzid.size() - 2);
  }
  if (!tzid.empty() && tzid.front() == '/') tzid.remove_prefix(1);
  return tzid;
}

Status ValidateValue(ValueType type, std::string_view text) {
  switch (type) {
    case ValueType::kBinary:
      return ValidateBase64(text);
    case ValueType::kBoolean:
      return ParseBoolean(text).status();
    case ValueType::kCalAddress:
      return ValidateCalAddress(text);
    case ValueType::kDate: {
      if (text.size() != 8 || !core::ParseDate(text)) return InvalidValue("DATE", text);
      return OkStatus();
    }
    case ValueType::kDateTime: {
      Result<DateTimeValue> v = ParseDateTimeValue(text);
      if (!v.ok() || v->is_date) return InvalidValue("DATE-TIME", text);
      return OkStatus();
    }
    case ValueType::kDuration:
      return ParseDuration(text).status();
    case ValueType::kFloat:
      return ParseFloat(text).status();
    case ValueType::kInteger:
      return ParseInteger(text).status();
    case ValueType::kPeriod:
      return ParsePeriod(text).status();
    case ValueType::kRecur:
      return ParseRecurrenceRule(text).status();
    case ValueType::kText:
      return ValidateText(text, false);
    case ValueType::kTime: {
      std::string_view t = text;
      if (t.size() == 7 && t.back() == 'Z') t.remove_suffix(1);
      if (t.size() == 6 && core::ParseLocal(std::string("19700101T") + std::string(t))) {
        return OkStatus();
      }
      return InvalidValue("TIME", text);
    }
    case ValueType::kUri:
      return ValidateUri(text);
    case ValueType::kUtcOffset:
      return ParseUtcOffset(text).status();
  }
  return OkStatus();
}

}  // namespace almanac::ical
