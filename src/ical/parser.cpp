#include "ical/parser.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ical/internal/utf8.h"
#include "ical/rrule.h"
#include "ical/values.h"

namespace almanac::ical {
namespace {

// ---------------------------------------------------------------------------
// Known components and properties.

enum class Kind : std::uint8_t {
  kOther,
  kVCalendar,
  kVEvent,
  kVTodo,
  kVJournal,
  kVFreeBusy,
  kVTimezone,
  kStandard,
  kDaylight,
  kVAlarm,
};

Kind KindOf(std::string_view name) {
  switch (name.size()) {
    case 6:
      if (name == "VEVENT") return Kind::kVEvent;
      if (name == "VALARM") return Kind::kVAlarm;
      return Kind::kOther;
    case 5:
      return name == "VTODO" ? Kind::kVTodo : Kind::kOther;
    case 8:
      if (name == "VJOURNAL") return Kind::kVJournal;
      if (name == "STANDARD") return Kind::kStandard;
      if (name == "DAYLIGHT") return Kind::kDaylight;
      return Kind::kOther;
    case 9:
      if (name == "VCALENDAR") return Kind::kVCalendar;
      if (name == "VFREEBUSY") return Kind::kVFreeBusy;
      if (name == "VTIMEZONE") return Kind::kVTimezone;
      return Kind::kOther;
    default:
      return Kind::kOther;
  }
}

// Property ids; bit positions in the per-component masks (< 64).
enum Prop : std::uint8_t {
  kUnknownProp = 0,
  kAction,
  kAttach,
  kAttendee,
  kCalscale,
  kCategories,
  kClass,
  kColor,
  kComment,
  kCompleted,
  kConference,
  kContact,
  kCreated,
  kDescription,
  kDtend,
  kDtstamp,
  kDtstart,
  kDue,
  kDuration,
  kExdate,
  kExrule,
  kFreebusy,
  kGeo,
  kImage,
  kLastModified,
  kLocation,
  kMethod,
  kName,
  kOrganizer,
  kPercentComplete,
  kPriority,
  kProdid,
  kRdate,
  kRecurrenceId,
  kRefreshInterval,
  kRelatedTo,
  kRepeat,
  kRequestStatus,
  kResources,
  kRrule,
  kSequence,
  kSource,
  kStatus,
  kSummary,
  kTransp,
  kTrigger,
  kTzid,
  kTzname,
  kTzoffsetfrom,
  kTzoffsetto,
  kTzurl,
  kUid,
  kUrl,
  kVersion,
  kNumProps,
};
static_assert(kNumProps <= 64);

constexpr std::uint64_t Bit(Prop p) { return std::uint64_t{1} << p; }
constexpr std::uint16_t TypeBit(ValueType t) {
  return static_cast<std::uint16_t>(1u << static_cast<unsigned>(t));
}

enum Flags : std::uint8_t {
  kList = 1,       // comma-separated list of the type
  kMustBeUtc = 2,  // DATE-TIME values must end in Z
};

struct PropInfo {
  std::string_view name;
  Prop id;
  ValueType type;         // default value type
  std::uint16_t allowed;  // VALUE= types allowed (default always allowed)
  std::uint8_t flags;
};

constexpr std::uint16_t kDateOrTime = TypeBit(ValueType::kDate) | TypeBit(ValueType::kDateTime);

// Sorted by name.
constexpr PropInfo kProps[] = {
    {"ACTION", kAction, ValueType::kText, 0, 0},
    {"ATTACH", kAttach, ValueType::kUri, TypeBit(ValueType::kBinary), 0},
    {"ATTENDEE", kAttendee, ValueType::kCalAddress, 0, 0},
    {"CALSCALE", kCalscale, ValueType::kText, 0, 0},
    {"CATEGORIES", kCategories, ValueType::kText, 0, kList},
    {"CLASS", kClass, ValueType::kText, 0, 0},
    {"COLOR", kColor, ValueType::kText, 0, 0},
    {"COMMENT", kComment, ValueType::kText, 0, 0},
    {"COMPLETED", kCompleted, ValueType::kDateTime, 0, kMustBeUtc},
    {"CONFERENCE", kConference, ValueType::kUri, 0, 0},
    {"CONTACT", kContact, ValueType::kText, 0, 0},
    {"CREATED", kCreated, ValueType::kDateTime, 0, kMustBeUtc},
    {"DESCRIPTION", kDescription, ValueType::kText, 0, 0},
    {"DTEND", kDtend, ValueType::kDateTime, kDateOrTime, 0},
    {"DTSTAMP", kDtstamp, ValueType::kDateTime, 0, kMustBeUtc},
    {"DTSTART", kDtstart, ValueType::kDateTime, kDateOrTime, 0},
    {"DUE", kDue, ValueType::kDateTime, kDateOrTime, 0},
    {"DURATION", kDuration, ValueType::kDuration, 0, 0},
    {"EXDATE", kExdate, ValueType::kDateTime, kDateOrTime, kList},
    {"EXRULE", kExrule, ValueType::kRecur, 0, 0},
    {"FREEBUSY", kFreebusy, ValueType::kPeriod, 0, kList | kMustBeUtc},
    {"GEO", kGeo, ValueType::kFloat, 0, 0},
    {"IMAGE", kImage, ValueType::kUri, TypeBit(ValueType::kBinary), 0},
    {"LAST-MODIFIED", kLastModified, ValueType::kDateTime, 0, kMustBeUtc},
    {"LOCATION", kLocation, ValueType::kText, 0, 0},
    {"METHOD", kMethod, ValueType::kText, 0, 0},
    {"NAME", kName, ValueType::kText, 0, 0},
    {"ORGANIZER", kOrganizer, ValueType::kCalAddress, 0, 0},
    {"PERCENT-COMPLETE", kPercentComplete, ValueType::kInteger, 0, 0},
    {"PRIORITY", kPriority, ValueType::kInteger, 0, 0},
    {"PRODID", kProdid, ValueType::kText, 0, 0},
    {"RDATE", kRdate, ValueType::kDateTime, kDateOrTime | TypeBit(ValueType::kPeriod), kList},
    {"RECURRENCE-ID", kRecurrenceId, ValueType::kDateTime, kDateOrTime, 0},
    {"REFRESH-INTERVAL", kRefreshInterval, ValueType::kDuration, 0, 0},
    {"RELATED-TO", kRelatedTo, ValueType::kText, 0, 0},
    {"REPEAT", kRepeat, ValueType::kInteger, 0, 0},
    {"REQUEST-STATUS", kRequestStatus, ValueType::kText, 0, 0},
    {"RESOURCES", kResources, ValueType::kText, 0, kList},
    {"RRULE", kRrule, ValueType::kRecur, 0, 0},
    {"SEQUENCE", kSequence, ValueType::kInteger, 0, 0},
    {"SOURCE", kSource, ValueType::kUri, 0, 0},
    {"STATUS", kStatus, ValueType::kText, 0, 0},
    {"SUMMARY", kSummary, ValueType::kText, 0, 0},
    {"TRANSP", kTransp, ValueType::kText, 0, 0},
    {"TRIGGER", kTrigger, ValueType::kDuration, TypeBit(ValueType::kDateTime), 0},
    {"TZID", kTzid, ValueType::kText, 0, 0},
    {"TZNAME", kTzname, ValueType::kText, 0, 0},
    {"TZOFFSETFROM", kTzoffsetfrom, ValueType::kUtcOffset, 0, 0},
    {"TZOFFSETTO", kTzoffsetto, ValueType::kUtcOffset, 0, 0},
    {"TZURL", kTzurl, ValueType::kUri, 0, 0},
    {"UID", kUid, ValueType::kText, 0, 0},
    {"URL", kUrl, ValueType::kUri, 0, 0},
    {"VERSION", kVersion, ValueType::kText, 0, 0},
};
constexpr std::size_t kNumPropInfos = sizeof(kProps) / sizeof(kProps[0]);

// kProps by name length, so that FindProp compares a name only with the
// entries of its length, each with a memcmp of constant size (inlined).
constexpr std::size_t kMaxPropNameLength = 16;
constexpr std::size_t kMaxPropsPerLength = 12;

struct LengthIndex {
  std::array<std::array<std::uint8_t, kMaxPropsPerLength>, kMaxPropNameLength + 1> ids{};
  std::array<std::uint8_t, kMaxPropNameLength + 1> count{};
  constexpr LengthIndex() {
    for (std::size_t k = 0; k < kNumPropInfos; ++k) {
      const std::size_t len = kProps[k].name.size();
      ids[len][count[len]++] = static_cast<std::uint8_t>(k);
    }
  }
};
constexpr LengthIndex kLengthIndex;
static_assert([] {
  for (const PropInfo& info : kProps) {
    if (info.name.size() > kMaxPropNameLength) return false;
  }
  for (std::uint8_t c : kLengthIndex.count) {
    if (c > kMaxPropsPerLength) return false;
  }
  return true;
}());

// a[0, L) == b[0, L) with at most four loads per side (two overlapping
// words), which compilers do not always make of a memcmp.
template <std::size_t L>
bool EqualOctets(const char* a, const char* b) {
  static_assert(L >= 1 && L <= 16);
  const auto load = [](const char* p, auto word) {
    std::memcpy(&word, p, sizeof word);
    return word;
  };
  if constexpr (L >= 8) {
    return load(a, std::uint64_t{}) == load(b, std::uint64_t{}) &&
           load(a + L - 8, std::uint64_t{}) == load(b + L - 8, std::uint64_t{});
  } else if constexpr (L >= 4) {
    return load(a, std::uint32_t{}) == load(b, std::uint32_t{}) &&
           load(a + L - 4, std::uint32_t{}) == load(b + L - 4, std::uint32_t{});
  } else if constexpr (L >= 2) {
    return load(a, std::uint16_t{}) == load(b, std::uint16_t{}) && a[L - 1] == b[L - 1];
  } else {
    return a[0] == b[0];
  }
}

template <std::size_t L>
const PropInfo* FindPropOfLength(const char* name) {
  if constexpr (L == 0) {
    return nullptr;
  } else {
    for (std::size_t j = 0; j < kLengthIndex.count[L]; ++j) {
      const PropInfo& info = kProps[kLengthIndex.ids[L][j]];
      if (EqualOctets<L>(name, info.name.data())) return &info;
    }
    return nullptr;
  }
}

template <std::size_t... L>
const PropInfo* FindPropByLength(std::string_view name, std::index_sequence<L...>) {
  const PropInfo* found = nullptr;
  // One of the fold's terms matches name.size(); the others are skipped.
  (void)((name.size() == L ? (found = FindPropOfLength<L>(name.data()), true) : false) || ...);
  return found;
}

// The known property called `name`, or null. REQUIRES: `name` upper-cased.
const PropInfo* FindProp(std::string_view name) {
  if (name.size() > kMaxPropNameLength) return nullptr;
  return FindPropByLength(name, std::make_index_sequence<kMaxPropNameLength + 1>());
}

constexpr std::uint64_t Mask(std::initializer_list<Prop> props) {
  std::uint64_t m = 0;
  for (Prop p : props) m |= Bit(p);
  return m;
}

// Properties RFC 5545 §3.6 (and RFC 7986 §5) allows at most once.
std::uint64_t OnceMask(Kind k) {
  switch (k) {
    case Kind::kVCalendar:
      return Mask({kProdid, kVersion, kCalscale, kMethod, kUid, kLastModified, kUrl,
                   kRefreshInterval, kSource, kColor});
    case Kind::kVEvent:
      return Mask({kDtstamp,     kUid,          kDtstart,      kClass,    kCreated,
                   kDescription, kGeo,          kLastModified, kLocation, kOrganizer,
                   kPriority,    kSequence,     kStatus,       kSummary,  kTransp,
                   kUrl,         kRecurrenceId, kDtend,        kDuration, kColor});
    case Kind::kVTodo:
      return Mask(
          {kDtstamp,  kUid,          kClass,        kCompleted, kCreated,   kDescription,
           kDtstart,  kGeo,          kLastModified, kLocation,  kOrganizer, kPercentComplete,
           kPriority, kRecurrenceId, kSequence,     kStatus,    kSummary,   kUrl,
           kDue,      kDuration,     kColor});
    case Kind::kVJournal:
      return Mask({kDtstamp, kUid, kClass, kCreated, kDtstart, kLastModified, kOrganizer,
                   kRecurrenceId, kSequence, kStatus, kSummary, kUrl, kColor});
    case Kind::kVFreeBusy:
      return Mask({kDtstamp, kUid, kContact, kDtstart, kDtend, kOrganizer, kUrl});
    case Kind::kVTimezone:
      return Mask({kTzid, kLastModified, kTzurl});
    case Kind::kStandard:
    case Kind::kDaylight:
      return Mask({kDtstart, kTzoffsetto, kTzoffsetfrom});
    case Kind::kVAlarm:
      return Mask({kAction, kTrigger, kDuration, kRepeat});
    case Kind::kOther:
      return 0;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Byte-level helpers.

constexpr bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsWsp(char c) { return c == ' ' || c == '\t'; }

// Octet classes for the name and parameter scanners (ScanTo).
enum OctetClass : std::uint8_t {
  kLowerName = 1,        // a-z: accepted in a name, upper-cased, noted once
  kNotName = 2,          // anything but A-Z, a-z, DIGIT and '-'
  kEndsName = 4,         // ':' ';' end a property name
  kEndsParamName = 8,    // '=' ':' ';' end a parameter name
  kEndsParamValue = 16,  // ',' ':' ';' end an unquoted parameter value
  kQuote = 32,           // '"'
  kCaret = 64,           // '^' (RFC 6868 escapes in parameter values)
};

#if !defined(__SSE2__)
// The portable ScanTo looks each octet up here.
constexpr std::array<std::uint8_t, 256> kOctetClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if (c >= 'a' && c <= 'z') {
      t[c] = kLowerName;
    } else if (!IsNameChar(static_cast<char>(c))) {
      t[c] = kNotName;
    }
  }
  t[':'] |= kEndsName | kEndsParamName | kEndsParamValue;
  t[';'] |= kEndsName | kEndsParamName | kEndsParamValue;
  t['='] |= kEndsParamName;
  t[','] |= kEndsParamValue;
  t['"'] |= kQuote;
  t['^'] |= kCaret;
  return t;
}();

std::uint8_t ClassOf(char c) { return kOctetClass[static_cast<unsigned char>(c)]; }
#endif

// Every logical line HandleLine sees is followed by this many readable
// octets (see NextLogicalLine), so that ScanTo can read whole 16-octet
// blocks without looking at the length first.
constexpr std::size_t kLinePadding = 16;

#if defined(__SSE2__)
// 0xFF in the octets of v within [lo, hi], an ASCII range (octets >= 0x80
// compare as negative and never match).
__m128i InRange(__m128i v, char lo, char hi) {
  return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                       _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
}

unsigned Mask(__m128i v) { return static_cast<unsigned>(_mm_movemask_epi8(v)); }
#endif

// The first i' >= i with ClassOf(p[i']) & kStop, or n; ORs into *seen the
// classes of the octets in between that its caller looks at: kLowerName and
// kNotName when scanning a name (kStop kEndsName or kEndsParamName), kQuote
// and kCaret when scanning a parameter value (kEndsParamValue).
// REQUIRES: p[n, n + kLinePadding) readable.
template <std::uint8_t kStop>
std::size_t ScanTo(const char* p, std::size_t n, std::size_t i, unsigned* seen) {
  static_assert(kStop == kEndsName || kStop == kEndsParamName || kStop == kEndsParamValue);
#if defined(__SSE2__)
  static_assert(kLinePadding >= 16);
  for (; i < n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i stop =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')), _mm_cmpeq_epi8(v, _mm_set1_epi8(';')));
    if constexpr (kStop == kEndsParamName) {
      stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
    } else if constexpr (kStop == kEndsParamValue) {
      stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
    }
    // The scan ends in this block at the first stop octet or at n, if
    // either comes before its end (bit 16 stands for "neither").
    auto end = static_cast<unsigned>(std::countr_zero(Mask(stop) | 0x10000u));
    if (n - i < end) end = static_cast<unsigned>(n - i);
    const unsigned before = (1u << end) - 1;
    if constexpr (kStop == kEndsParamValue) {
      if ((Mask(_mm_cmpeq_epi8(v, _mm_set1_epi8('"'))) & before) != 0) *seen |= kQuote;
      if ((Mask(_mm_cmpeq_epi8(v, _mm_set1_epi8('^'))) & before) != 0) *seen |= kCaret;
    } else {
      const __m128i lower = InRange(v, 'a', 'z');
      const __m128i name = _mm_or_si128(_mm_or_si128(InRange(v, 'A', 'Z'), InRange(v, '0', '9')),
                                        _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
      if ((Mask(lower) & before) != 0) *seen |= kLowerName;
      if ((~Mask(_mm_or_si128(name, lower)) & before) != 0) *seen |= kNotName;
    }
    if (end < 16) return i + end;
  }
  return n;
#else
  unsigned all = 0;
  for (; i < n; ++i) {
    const std::uint8_t k = ClassOf(p[i]);
    if ((k & kStop) != 0) break;
    all |= k;
  }
  *seen |= all & (kStop == kEndsParamValue ? kQuote | kCaret : kLowerName | kNotName);
  return i;
#endif
}

bool IsControl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; }

// How many of the kBlock octets at `p` are ASCII other than a control
// character before the first one that is not (kBlock if all are; an HTAB stops
// it too and is then looked at on its own).
#if defined(__SSE2__)
constexpr std::size_t kBlock = 16;

int PlainAsciiPrefix(const unsigned char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed compare: octets >= 0x80 are negative, so "< 0x20" catches them too.
  const __m128i stop =
      _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
  const auto marks = static_cast<unsigned>(_mm_movemask_epi8(stop));
  return marks == 0 ? 16 : std::countr_zero(marks);
}
#else
constexpr std::size_t kBlock = 8;

int PlainAsciiPrefix(const unsigned char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  // (v - 1) & ~v marks the zero octets of v; a borrow can only mark octets
  // above a real match, so the lowest mark is exact (on little-endian).
  const std::uint64_t below_space = (w - 0x20 * kOnes) & ~w;
  const std::uint64_t del = w ^ (0x7F * kOnes);
  const std::uint64_t is_del = (del - kOnes) & ~del;
  const std::uint64_t marks = (w | below_space | is_del) & kHigh;
  if (marks == 0) return 8;
  if constexpr (std::endian::native != std::endian::little) return 0;  // octet by octet
  return std::countr_zero(marks) / 8;
}
#endif

// How many octets at the start of p[0, n) are ASCII other than a control
// character (an HTAB ends the run too; the caller looks at it on its own).
std::size_t PlainAsciiLength(const unsigned char* p, std::size_t n) {
  if (n < kBlock) {
    std::size_t i = 0;
    while (i < n && p[i] >= 0x20 && p[i] < 0x7F) ++i;
    return i;
  }
  std::size_t i = 0;
  while (n - i >= kBlock) {
    const auto plain = static_cast<std::size_t>(PlainAsciiPrefix(p + i));
    i += plain;
    if (plain < kBlock) return i;
  }
  // The last block overlaps octets already known to be plain, so its first
  // stop (if any) is at or after i.
  return n - kBlock + static_cast<std::size_t>(PlainAsciiPrefix(p + n - kBlock));
}

enum class ScanResult { kOk, kBadUtf8, kControl };

// Checks UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF) and the
// absence of control characters other than HTAB. Sets *where on failure.
ScanResult ScanLine(std::string_view s, std::size_t* where) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (true) {
    i += PlainAsciiLength(p + i, n - i);
    if (i == n) return ScanResult::kOk;
    if (p[i] < 0x80) {  // HTAB or a control character
      if (IsControl(p[i])) {
        *where = i;
        return ScanResult::kControl;
      }
      ++i;
      continue;
    }
    // A run of multi-octet sequences (a word of non-Latin text).
    do {
      const std::size_t len = internal::Utf8SequenceLength(p + i, n - i);
      if (len == 0) {
        *where = i;
        return ScanResult::kBadUtf8;
      }
      i += len;
    } while (i < n && p[i] >= 0x80);
  }
}

// RFC 6868: ^n -> newline, ^^ -> ^, ^' -> "; any other ^ is kept.
void AppendCaretDecoded(std::string_view s, std::string* out) {
  if (s.find('^') == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->reserve(out->size() + s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '^' && i + 1 < s.size()) {
      const char n = s[i + 1];
      if (n == 'n' || n == 'N') {
        *out += '\n';
        ++i;
        continue;
      }
      if (n == '^') {
        *out += '^';
        ++i;
        continue;
      }
      if (n == '\'') {
        *out += '"';
        ++i;
        continue;
      }
    }
    *out += c;
  }
}

std::string_view TrimTrailingWsp(std::string_view s) {
  while (!s.empty() && IsWsp(s.back())) s.remove_suffix(1);
  return s;
}

// Makes the empty string *dst a copy of `s`, constructed in place: one
// allocation of exactly the needed size (none for short text), no temporary
// to move from. assign() would go through the general replace path and round
// the capacity of a 16-29 octet value up to 30.
void SetNew(std::string* dst, std::string_view s) {
  std::destroy_at(dst);  // trivial for an empty string
  try {
    std::construct_at(dst, s.data(), s.size());
  } catch (...) {
    std::construct_at(dst);  // keep *dst a valid (empty) string for unwinding
    throw;
  }
}

// s == lit, compared a word at a time.
template <std::size_t N>
bool IsLiteral(std::string_view s, const char (&lit)[N]) {
  return s.size() == N - 1 && EqualOctets<N - 1>(s.data(), lit);
}

// BEGIN or END, in any case (RFC 5545 §2: names are case-insensitive).
bool IsBeginOrEnd(std::string_view name) {
  // c & 0xDF maps a lower-case ASCII letter to its upper case and maps no
  // other octet onto an upper-case letter.
  const auto up = [&](std::size_t k) { return static_cast<char>(name[k] & 0xDF); };
  if (name.size() == 3) return up(0) == 'E' && up(1) == 'N' && up(2) == 'D';
  return name.size() == 5 && up(0) == 'B' && up(1) == 'E' && up(2) == 'G' && up(3) == 'I' &&
         up(4) == 'N';
}

// The number of ';' in s before its first ':' (or in all of s without one).
std::size_t CountSemicolonsBeforeColon(std::string_view s) {
  std::size_t count = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  // 16 octets at a time while a whole block is left.
  for (; s.size() - i >= 16; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    auto semis = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(';'))));
    const auto colons =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':'))));
    if (colons != 0) semis &= (colons & (0u - colons)) - 1;  // those before the first ':'
    for (; semis != 0; semis &= semis - 1) ++count;
    if (colons != 0) return count;
  }
#endif
  for (; i < s.size() && s[i] != ':'; ++i) count += s[i] == ';' ? 1 : 0;
  return count;
}

std::string Q(std::string_view s) {
  std::string out = "\"";
  out += ShortForMessage(s);
  out += '"';
  return out;
}

// ---------------------------------------------------------------------------
// The parser.

// The properties whose first occurrence CheckComponent looks at, and their
// slot in Frame::first.
enum Tracked : std::uint8_t { kTrackDtstart, kTrackDtend, kTrackDue, kTrackDuration, kTrackAction };
constexpr int kNumTracked = 5;

constexpr int TrackedSlot(Prop id) {
  switch (id) {
    case kDtstart:
      return kTrackDtstart;
    case kDtend:
      return kTrackDtend;
    case kDue:
      return kTrackDue;
    case kDuration:
      return kTrackDuration;
    case kAction:
      return kTrackAction;
    default:
      return -1;
  }
}

struct Frame {
  Component comp;
  Kind kind = Kind::kOther;
  std::uint64_t seen = 0;  // Prop bits seen so far
  int tz_rules = 0;        // STANDARD/DAYLIGHT children (VTIMEZONE)
  // Index in comp.properties of the first property of each Tracked kind;
  // valid when its Prop bit is in `seen`. Saves CheckComponent a search by
  // name (Component::Find) per rule.
  std::array<std::uint32_t, kNumTracked> first{};
};

// The first property `id` of the component, like f.comp.Find(name), or null.
// REQUIRES: TrackedSlot(id) >= 0.
const Property* First(const Frame& f, Prop id) {
  if ((f.seen & Bit(id)) == 0) return nullptr;
  return &f.comp.properties[f.first[static_cast<std::size_t>(TrackedSlot(id))]];
}

// Once-per-input warnings.
enum Once : unsigned {
  kOnceBareLf = 1,
  kOnceLongLine = 2,
  kOnceMultiWspFold = 4,
  kOnceLowerCase = 8,
};

class Parser {
 public:
  Parser(std::string_view in, const ParseOptions& options)
      : in_(in), opt_(options), lenient_(options.lenient) {}

  Result<ParsedCalendar> Run() {
    if (in_.size() > opt_.limits.max_input_bytes) {
      return MakeError(Code::kResourceExhausted, "input of " + std::to_string(in_.size()) +
                                                     " bytes exceeds the limit of " +
                                                     std::to_string(opt_.limits.max_input_bytes));
    }
    stack_.reserve(static_cast<std::size_t>(opt_.limits.max_depth > 0 ? opt_.limits.max_depth : 0) +
                   1);
    if (in_.size() >= 3 && std::memcmp(in_.data(), "\xEF\xBB\xBF", 3) == 0) {
      ALMANAC_RETURN_IF_ERROR(Deviation(1, "UTF-8 byte order mark at the start of the input"));
      pos_ = 3;
    }
    if (in_.size() == pos_) {
      ALMANAC_RETURN_IF_ERROR(Deviation(1, "empty input"));
    }
    // One vectorised pass over the whole input instead of a UTF-8 and
    // control-character scan of each logical line; inputs that fail it get
    // the per-line scan, which names the line and octet.
    clean_input_ = internal::IsCleanStream(in_);
    std::string_view line;
    int line_no = 0;
    while (pos_ < in_.size()) {
      ALMANAC_RETURN_IF_ERROR(NextLogicalLine(&line, &line_no));
      if (line.empty()) {
        if (in_.find_first_not_of("\r\n", pos_) == std::string_view::npos) {
          // Many writers end with an extra newline: harmless.
          Warn(line_no, At(line_no, "blank lines at the end of the input (ignored)"));
          break;
        }
        ALMANAC_RETURN_IF_ERROR(Deviation(line_no, "empty line"));
        continue;
      }
      ALMANAC_RETURN_IF_ERROR(HandleLine(line, line_no));
    }
    while (!stack_.empty()) {
      const Frame& f = stack_.back();
      ALMANAC_RETURN_IF_ERROR(Deviation(line_no_, "missing END:" + f.comp.name +
                                                      " for BEGIN:" + f.comp.name + " at line " +
                                                      std::to_string(f.comp.line)));
      ALMANAC_RETURN_IF_ERROR(Close());
    }
    if (suppressed_ > 0) {
      result_.warnings.push_back(
          Diagnostic{0, std::to_string(suppressed_) + " more warnings not shown"});
    }
    return std::move(result_);
  }

 private:
  // ---- diagnostics ----

  void Warn(int line, std::string message) {
    if (result_.warnings.size() < opt_.limits.max_warnings) {
      result_.warnings.push_back(Diagnostic{line, std::move(message)});
    } else {
      ++suppressed_;
    }
  }

  static std::string At(int line, std::string_view message) {
    std::string s = "line ";
    s += std::to_string(line);
    s += ": ";
    s += message;
    return s;
  }

  // A strict-mode error that lenient mode reports and accepts.
  Status Deviation(int line, std::string_view message) {
    if (!lenient_) return MakeError(Code::kInvalidArgument, At(line, message));
    Warn(line, At(line, message));
    return OkStatus();
  }

  // Accepted in both modes; reported once per input.
  void NoteOnce(Once kind, int line, std::string_view message) {
    if ((once_ & kind) != 0) return;
    once_ |= kind;
    Warn(line, At(line, message));
  }

  static Error Fatal(int line, std::string_view message) {
    return MakeError(Code::kInvalidArgument, At(line, message));
  }
  static Error Exhausted(int line, std::string_view message) {
    return MakeError(Code::kResourceExhausted, At(line, message));
  }

  // ---- lines ----

  // Reads the physical line at pos_; returns [start, content_end) without
  // the line end and advances pos_ and line_no_.
  std::string_view PhysicalLine() {
    const char* base = in_.data();
    const std::size_t start = pos_;
    const void* nl = std::memchr(base + start, '\n', in_.size() - start);
    std::size_t end;
    ++line_no_;
    if (nl == nullptr) {
      end = in_.size();
      pos_ = end;
    } else {
      end = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
      pos_ = end + 1;
      if (end > start && base[end - 1] == '\r') {
        --end;
      } else {
        NoteOnce(kOnceBareLf, line_no_, "bare LF line ending (CRLF expected)");
      }
    }
    if (end - start > 75) {
      NoteOnce(kOnceLongLine, line_no_, "line longer than 75 octets");
    }
    return std::string_view(base + start, end - start);
  }

  Status NextLogicalLine(std::string_view* line, int* line_no) {
    std::string_view first = PhysicalLine();
    *line_no = line_no_;
    const std::size_t max = opt_.limits.max_line_octets;
    if (pos_ < in_.size() && IsWsp(in_[pos_])) {
      if (first.size() > max) return LineTooLong(*line_no);
      scratch_.assign(first);
      while (pos_ < in_.size() && IsWsp(in_[pos_])) {
        ++pos_;  // the one whitespace char a fold consists of
        if (pos_ < in_.size() && IsWsp(in_[pos_])) {
          NoteOnce(kOnceMultiWspFold, line_no_ + 1,
                   "fold followed by more than one whitespace character (only one is removed)");
        }
        std::string_view more = PhysicalLine();
        if (scratch_.size() + more.size() > max) return LineTooLong(*line_no);
        scratch_.append(more);
      }
      *line = Padded(&scratch_);
    } else {
      if (first.size() > max) return LineTooLong(*line_no);
      *line = first;
      // A line that ends too close to the end of the input for the
      // scanners' read-ahead is copied.
      if (static_cast<std::size_t>(in_.data() + in_.size() - (first.data() + first.size())) <
          kLinePadding) {
        scratch_.assign(first);
        *line = Padded(&scratch_);
      }
    }
    // A clean input (see Run) has no line that the scan could reject.
    if (clean_input_) return OkStatus();
    std::size_t where = 0;
    ScanResult r = ScanLine(*line, &where);
    if (r == ScanResult::kOk) return OkStatus();
    if (r == ScanResult::kBadUtf8) return BadUtf8(*line_no, where);
    // A control character.
    char msg[80];
    std::snprintf(msg, sizeof msg, "control character U+%04X at octet %zu of the line",
                  static_cast<unsigned>(static_cast<unsigned char>((*line)[where])), where + 1);
    ALMANAC_RETURN_IF_ERROR(Deviation(*line_no, std::string(msg) + (lenient_ ? " (removed)" : "")));
    cleaned_.clear();
    for (char c : *line) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7F) continue;
      cleaned_ += c;
    }
    *line = Padded(&cleaned_);
    r = ScanLine(*line, &where);
    if (r != ScanResult::kOk) return BadUtf8(*line_no, where);
    return OkStatus();
  }

  // The text of *buf as a line, after appending kLinePadding spaces to *buf
  // that the view leaves out but the scanners may read.
  static std::string_view Padded(std::string* buf) {
    const std::size_t size = buf->size();
    buf->append(kLinePadding, ' ');
    return std::string_view(buf->data(), size);
  }

  Error LineTooLong(int line) const {
    return Exhausted(
        line, "logical line exceeds " + std::to_string(opt_.limits.max_line_octets) + " octets");
  }
  static Error BadUtf8(int line, std::size_t where) {
    return Fatal(line, "invalid UTF-8 at octet " + std::to_string(where + 1) + " of the line");
  }

  // ---- content lines ----

  Status HandleLine(std::string_view line, int line_no) {
    const std::size_t n = line.size();
    unsigned seen = 0;  // OctetClass bits of the name's octets
    std::size_t i = ScanTo<kEndsName>(line.data(), n, 0, &seen);
    const bool lower = (seen & kLowerName) != 0;
    const bool bad = (seen & kNotName) != 0;
    if (i == n) return Malformed(line_no, "missing ':' in " + Q(line));
    if (i == 0) return Malformed(line_no, "missing name in " + Q(line));
    const std::string_view raw_name = line.substr(0, i);
    if (bad && raw_name.find_first_of(" \t") != std::string_view::npos) {
      // Not even lenient mode keeps these: written back, a leading space
      // would read as a fold.
      return Malformed(line_no, "invalid character in name " + Q(raw_name));
    }
    if (bad) {
      ALMANAC_RETURN_IF_ERROR(Deviation(line_no, "invalid character in name " + Q(raw_name)));
    }
    if (lower) NoteOnce(kOnceLowerCase, line_no, "lower-case name " + Q(raw_name));

    if (IsBeginOrEnd(raw_name)) return HandleBeginEnd(line, i, raw_name.size() == 5, line_no);
    if (stack_.empty()) {
      return Malformed(line_no, "property " + Q(raw_name) + " outside of any component");
    }
    if (++property_count_ > opt_.limits.max_properties) {
      return Exhausted(line_no,
                       "more than " + std::to_string(opt_.limits.max_properties) + " properties");
    }

    // Built in place at the end of the component's (pooled) property vector;
    // an error ends the parse, a dropped line is popped again.
    Frame& f = stack_.back();
    Property& prop = f.comp.properties.emplace_back();
    SetNew(&prop.name, raw_name);
    if (lower) ToUpperAscii(&prop.name);
    prop.line = line_no;
    bool dropped = false;
    value_param_ = -1;
    tzid_param_ = -1;
    if (line[i] == ';') {
      // An upper bound unless a quoted value holds ':' (then growth is normal).
      prop.params.reserve(CountSemicolonsBeforeColon(line.substr(i)));
    }
    ALMANAC_RETURN_IF_ERROR(ParseParams(line, &i, &prop, line_no, &dropped));
    if (dropped) {
      f.comp.properties.pop_back();
      return OkStatus();
    }
    SetNew(&prop.value, line.substr(i + 1));

    const PropInfo* info = FindProp(prop.name);
    if (info != nullptr) {
      if ((f.seen & Bit(info->id) & OnceMask(f.kind)) != 0) {
        const Property* first = f.comp.Find(prop.name);  // the earlier one
        ALMANAC_RETURN_IF_ERROR(Deviation(
            line_no, f.comp.name + ": " + prop.name + " may appear only once (first at line " +
                         std::to_string(first != nullptr ? first->line : 0) + ")"));
      }
      if ((f.seen & Bit(info->id)) == 0) {
        const int slot = TrackedSlot(info->id);
        if (slot >= 0) {
          f.first[static_cast<std::size_t>(slot)] =
              static_cast<std::uint32_t>(f.comp.properties.size() - 1);
        }
      }
      f.seen |= Bit(info->id);
      ALMANAC_RETURN_IF_ERROR(Validate(*info, &prop, f));
    }
    return OkStatus();
  }

  // A line that cannot be understood: an error, or dropped in lenient mode.
  Status Malformed(int line_no, std::string_view what) {
    std::string m(what);
    if (lenient_) m += " (line dropped)";
    return Deviation(line_no, m);
  }

  // Parses ";NAME=value,..." from line[*i] up to the ':' before the value;
  // leaves *i on that ':'.
  Status ParseParams(std::string_view line, std::size_t* io, Property* prop, int line_no,
                     bool* dropped) {
    const std::size_t n = line.size();
    std::size_t i = *io;
    while (line[i] == ';') {
      ++i;
      const std::size_t ns = i;
      unsigned seen = 0;
      i = ScanTo<kEndsParamName>(line.data(), n, i, &seen);
      const bool lower = (seen & kLowerName) != 0;
      const bool bad = (seen & kNotName) != 0;
      const std::string_view pname = line.substr(ns, i - ns);
      if (pname.empty()) {
        *dropped = lenient_;
        return Malformed(line_no, prop->name + ": empty parameter name");
      }
      if (bad) {
        ALMANAC_RETURN_IF_ERROR(
            Deviation(line_no, prop->name + ": invalid character in parameter name " + Q(pname)));
      }
      if (lower) NoteOnce(kOnceLowerCase, line_no, "lower-case name " + Q(pname));
      Parameter& param = prop->params.emplace_back();
      SetNew(&param.name, pname);
      if (lower) ToUpperAscii(&param.name);
      // Names are upper-cased, so this is FindParam's case-insensitive match.
      if (IsLiteral(param.name, "VALUE") && value_param_ < 0) {
        value_param_ = static_cast<int>(prop->params.size() - 1);
      } else if (IsLiteral(param.name, "TZID") && tzid_param_ < 0) {
        tzid_param_ = static_cast<int>(prop->params.size() - 1);
      }
      if (i == n) {
        *dropped = lenient_;
        return Malformed(line_no, prop->name + ": missing ':' after the parameters");
      }
      if (line[i] != '=') {
        ALMANAC_RETURN_IF_ERROR(
            Deviation(line_no, prop->name + ": parameter " + param.name + " has no value"));
        continue;
      }
      ++i;
      while (true) {
        std::string& v = param.values.emplace_back();
        if (i < n && line[i] == '"') {
          const std::size_t close = line.find('"', i + 1);
          if (close == std::string_view::npos) {
            return Fatal(line_no,
                         prop->name + ": unterminated quoted value of parameter " + param.name);
          }
          AppendCaretDecoded(line.substr(i + 1, close - i - 1), &v);
          i = close + 1;
          if (i < n && line[i] != ',' && line[i] != ';' && line[i] != ':') {
            ALMANAC_RETURN_IF_ERROR(Deviation(
                line_no, prop->name + ": text after the closing quote of parameter " + param.name));
            const std::size_t s = i;
            while (i < n && line[i] != ',' && line[i] != ';' && line[i] != ':') ++i;
            AppendCaretDecoded(line.substr(s, i - s), &v);
          }
        } else {
          const std::size_t s = i;
          unsigned value_seen = 0;
          i = ScanTo<kEndsParamValue>(line.data(), n, i, &value_seen);
          if ((value_seen & kQuote) != 0) {
            ALMANAC_RETURN_IF_ERROR(Deviation(
                line_no,
                prop->name + ": '\"' inside the unquoted value of parameter " + param.name));
          }
          if ((value_seen & kCaret) == 0) {
            SetNew(&v, line.substr(s, i - s));
          } else {
            AppendCaretDecoded(line.substr(s, i - s), &v);
          }
        }
        if (i >= n) {
          *dropped = lenient_;
          return Malformed(line_no, prop->name + ": missing ':' after the parameters");
        }
        if (line[i] == ',') {
          ++i;
          continue;
        }
        break;
      }
    }
    *io = i;  // on ':'
    return OkStatus();
  }

  // ---- components ----

  Status HandleBeginEnd(std::string_view line, std::size_t i, bool begin, int line_no) {
    const char* what = begin ? "BEGIN" : "END";
    if (line[i] == ';') {
      ALMANAC_RETURN_IF_ERROR(Deviation(line_no, std::string(what) + " with parameters"));
      const std::size_t colon = line.find(':', i);
      if (colon == std::string_view::npos) {
        return Malformed(line_no, std::string("missing ':' in ") + what);
      }
      i = colon;
    }
    std::string_view value = line.substr(i + 1);
    if (lenient_ && TrimTrailingWsp(value).size() != value.size()) {
      Warn(line_no, At(line_no, std::string(what) + ": trailing whitespace removed"));
      value = TrimTrailingWsp(value);
    }
    bool lower = false;
    bool bad = value.empty();
    for (char c : value) {
      if (!IsNameChar(c)) (IsLower(c) ? lower : bad) = true;
    }
    if (bad) {
      return Malformed(line_no, std::string("invalid component name ") + Q(value) + " in " + what);
    }
    if (lower) NoteOnce(kOnceLowerCase, line_no, "lower-case name " + Q(value));
    std::string name(value);
    if (lower) ToUpperAscii(&name);
    return begin ? Begin(std::move(name), line_no) : End(name, line_no);
  }

  Status Begin(std::string name, int line_no) {
    if (stack_.size() >=
        static_cast<std::size_t>(opt_.limits.max_depth > 0 ? opt_.limits.max_depth : 0)) {
      return Exhausted(line_no,
                       "components nested deeper than " + std::to_string(opt_.limits.max_depth));
    }
    if (++component_count_ > opt_.limits.max_components) {
      return Exhausted(line_no,
                       "more than " + std::to_string(opt_.limits.max_components) + " components");
    }
    const Kind parent = stack_.empty() ? Kind::kOther : stack_.back().kind;
    // Inside an X- or IANA component everything is opaque: a VALARM in an
    // X-FOO follows X-FOO's rules, which we do not know.
    const Kind kind = !stack_.empty() && parent == Kind::kOther ? Kind::kOther : KindOf(name);
    std::string_view problem;
    if (stack_.empty()) {
      if (kind != Kind::kVCalendar) problem = "outside of VCALENDAR";
    } else {
      switch (kind) {
        case Kind::kVCalendar:
          problem = "nested in another component";
          break;
        case Kind::kVEvent:
        case Kind::kVTodo:
        case Kind::kVJournal:
        case Kind::kVFreeBusy:
        case Kind::kVTimezone:
          if (parent != Kind::kVCalendar) problem = "not directly inside VCALENDAR";
          break;
        case Kind::kVAlarm:
          if (parent != Kind::kVEvent && parent != Kind::kVTodo) {
            problem = "not inside VEVENT or VTODO";
          }
          break;
        case Kind::kStandard:
        case Kind::kDaylight:
          if (parent != Kind::kVTimezone) problem = "not inside VTIMEZONE";
          break;
        case Kind::kOther:
          break;
      }
    }
    if (!problem.empty()) {
      ALMANAC_RETURN_IF_ERROR(Deviation(line_no, "BEGIN:" + name + " " + std::string(problem)));
    }
    const std::size_t depth = stack_.size();
    Frame& f = stack_.emplace_back();
    // Reserve as many properties as the last component at this depth had
    // (sibling components tend to look alike), so the vector rarely grows.
    if (property_hint_.size() <= depth) property_hint_.resize(depth + 1, 0);
    f.comp.properties.reserve(property_hint_[depth]);
    f.comp.name = std::move(name);
    f.comp.line = line_no;
    f.kind = kind;
    return OkStatus();
  }

  Status End(const std::string& name, int line_no) {
    if (stack_.empty()) {
      ALMANAC_RETURN_IF_ERROR(
          Deviation(line_no, "END:" + name + " without BEGIN" + (lenient_ ? " (ignored)" : "")));
      return OkStatus();
    }
    if (stack_.back().comp.name == name) return Close();
    const Frame& top = stack_.back();
    const std::string message = "END:" + name + " does not match BEGIN:" + top.comp.name +
                                " at line " + std::to_string(top.comp.line);
    ALMANAC_RETURN_IF_ERROR(Deviation(line_no, message));
    // Lenient recovery: close up to a matching BEGIN, or ignore the END.
    std::size_t k = stack_.size();
    while (k > 0 && stack_[k - 1].comp.name != name) --k;
    if (k == 0) return OkStatus();
    while (stack_.size() >= k) ALMANAC_RETURN_IF_ERROR(Close());
    return OkStatus();
  }

  // Checks and pops the innermost component into its parent.
  Status Close() {
    ALMANAC_RETURN_IF_ERROR(CheckComponent(stack_.size() - 1));
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    property_hint_[stack_.size()] = f.comp.properties.size();
    if (stack_.empty()) {
      result_.components.push_back(std::move(f.comp));
    } else {
      Frame& parent = stack_.back();
      if (f.kind == Kind::kStandard || f.kind == Kind::kDaylight) ++parent.tz_rules;
      parent.comp.components.push_back(std::move(f.comp));
    }
    return OkStatus();
  }

  Status Require(const Frame& f, Prop id, std::string_view prop) {
    if ((f.seen & Bit(id)) != 0) return OkStatus();
    return Deviation(f.comp.line, f.comp.name + ": missing required property " + std::string(prop));
  }

  Status CheckComponent(std::size_t index) {
    const Frame& f = stack_[index];
    const int line = f.comp.line;
    switch (f.kind) {
      case Kind::kVCalendar:
        ALMANAC_RETURN_IF_ERROR(Require(f, kProdid, "PRODID"));
        ALMANAC_RETURN_IF_ERROR(Require(f, kVersion, "VERSION"));
        break;
      case Kind::kVEvent: {
        ALMANAC_RETURN_IF_ERROR(Require(f, kUid, "UID"));
        ALMANAC_RETURN_IF_ERROR(Require(f, kDtstamp, "DTSTAMP"));
        const bool method = index > 0 && stack_[index - 1].kind == Kind::kVCalendar &&
                            (stack_[index - 1].seen & Bit(kMethod)) != 0;
        if ((f.seen & Bit(kDtstart)) == 0 && !method) {
          ALMANAC_RETURN_IF_ERROR(Deviation(
              line, "VEVENT: missing DTSTART (required when the calendar has no METHOD)"));
        }
        if ((f.seen & Bit(kDtend)) != 0 && (f.seen & Bit(kDuration)) != 0) {
          ALMANAC_RETURN_IF_ERROR(Deviation(First(f, kDuration)->line,
                                            "VEVENT: DTEND and DURATION must not both appear"));
        }
        ALMANAC_RETURN_IF_ERROR(CheckEnd(f, kDtend, "DTEND"));
        ALMANAC_RETURN_IF_ERROR(CheckAllDayDuration(f));
        break;
      }
      case Kind::kVTodo:
        ALMANAC_RETURN_IF_ERROR(Require(f, kUid, "UID"));
        ALMANAC_RETURN_IF_ERROR(Require(f, kDtstamp, "DTSTAMP"));
        if ((f.seen & Bit(kDue)) != 0 && (f.seen & Bit(kDuration)) != 0) {
          ALMANAC_RETURN_IF_ERROR(
              Deviation(First(f, kDuration)->line, "VTODO: DUE and DURATION must not both appear"));
        }
        if ((f.seen & Bit(kDuration)) != 0 && (f.seen & Bit(kDtstart)) == 0) {
          ALMANAC_RETURN_IF_ERROR(
              Deviation(First(f, kDuration)->line, "VTODO: DURATION requires DTSTART"));
        }
        ALMANAC_RETURN_IF_ERROR(CheckEnd(f, kDue, "DUE"));
        ALMANAC_RETURN_IF_ERROR(CheckAllDayDuration(f));
        break;
      case Kind::kVJournal:
      case Kind::kVFreeBusy:
        ALMANAC_RETURN_IF_ERROR(Require(f, kUid, "UID"));
        ALMANAC_RETURN_IF_ERROR(Require(f, kDtstamp, "DTSTAMP"));
        break;
      case Kind::kVTimezone:
        ALMANAC_RETURN_IF_ERROR(Require(f, kTzid, "TZID"));
        if (f.tz_rules == 0) {
          ALMANAC_RETURN_IF_ERROR(
              Deviation(line, "VTIMEZONE: needs at least one STANDARD or DAYLIGHT component"));
        }
        break;
      case Kind::kStandard:
      case Kind::kDaylight:
        ALMANAC_RETURN_IF_ERROR(Require(f, kDtstart, "DTSTART"));
        ALMANAC_RETURN_IF_ERROR(Require(f, kTzoffsetfrom, "TZOFFSETFROM"));
        ALMANAC_RETURN_IF_ERROR(Require(f, kTzoffsetto, "TZOFFSETTO"));
        break;
      case Kind::kVAlarm: {
        ALMANAC_RETURN_IF_ERROR(Require(f, kAction, "ACTION"));
        ALMANAC_RETURN_IF_ERROR(Require(f, kTrigger, "TRIGGER"));
        const bool dur = (f.seen & Bit(kDuration)) != 0;
        const bool rep = (f.seen & Bit(kRepeat)) != 0;
        if (dur != rep) {
          ALMANAC_RETURN_IF_ERROR(
              Deviation(line, "VALARM: DURATION and REPEAT must appear together"));
        }
        const Property* action = First(f, kAction);
        if (action != nullptr) {
          const bool display = EqualsIgnoreCase(action->value, "DISPLAY");
          const bool email = EqualsIgnoreCase(action->value, "EMAIL");
          if ((display || email) && (f.seen & Bit(kDescription)) == 0) {
            ALMANAC_RETURN_IF_ERROR(
                Deviation(line, "VALARM: ACTION:" + action->value + " needs DESCRIPTION"));
          }
          if (email && (f.seen & Bit(kSummary)) == 0) {
            ALMANAC_RETURN_IF_ERROR(Deviation(line, "VALARM: ACTION:EMAIL needs SUMMARY"));
          }
          if (email && (f.seen & Bit(kAttendee)) == 0) {
            ALMANAC_RETURN_IF_ERROR(Deviation(line, "VALARM: ACTION:EMAIL needs an ATTENDEE"));
          }
        }
        break;
      }
      case Kind::kOther:
        break;
    }
    return OkStatus();
  }

  // DTEND/DUE against DTSTART (RFC 5545 §3.8.2.2, §3.8.2.3).
  Status CheckEnd(const Frame& f, Prop end, std::string_view end_name) {
    const Property* s = First(f, kDtstart);
    const Property* e = First(f, end);
    if (s == nullptr || e == nullptr) return OkStatus();
    Result<DateTimeValue> sv = ParseDateTimeValue(s->value);
    Result<DateTimeValue> ev = ParseDateTimeValue(e->value);
    if (!sv.ok() || !ev.ok()) return OkStatus();  // reported already
    const std::string en(end_name);
    if (sv->is_date != ev->is_date) {
      return Deviation(e->line, en + ": value type " + (ev->is_date ? "DATE" : "DATE-TIME") +
                                    " differs from DTSTART's " +
                                    (sv->is_date ? "DATE" : "DATE-TIME"));
    }
    bool comparable = sv->is_date || (sv->utc && ev->utc);
    if (!comparable && !sv->utc && !ev->utc) {
      const auto st = s->ParamValue("TZID");
      const auto et = e->ParamValue("TZID");
      comparable = st.has_value() == et.has_value() && (!st || *st == *et);
    }
    if (comparable && ev->local < sv->local) {
      return Deviation(e->line, en + " " + Q(e->value) + " is before DTSTART " + Q(s->value));
    }
    return OkStatus();
  }

  Status CheckAllDayDuration(const Frame& f) {
    const Property* s = First(f, kDtstart);
    const Property* d = First(f, kDuration);
    if (s == nullptr || d == nullptr) return OkStatus();
    Result<DateTimeValue> sv = ParseDateTimeValue(s->value);
    Result<DurationValue> dv = ParseDuration(d->value);
    if (!sv.ok() || !dv.ok() || !sv->is_date || dv->seconds == 0) return OkStatus();
    return Deviation(d->line, "DURATION: must be in weeks or days when DTSTART is a DATE");
  }

  // ---- values ----

  Status ValueError(const Property& p, const Error& e) {
    return Deviation(p.line, p.name + ": " + e.message);
  }

  // Validates a known property's value; may repair it in lenient mode.
  Status Validate(const PropInfo& info, Property* p, const Frame& f) {
    ValueType type = info.type;
    const Parameter* value_param =
        value_param_ < 0 ? nullptr : &p->params[static_cast<std::size_t>(value_param_)];
    if (value_param != nullptr && !value_param->values.empty()) {
      const std::optional<ValueType> t = ValueTypeFromName(value_param->values.front());
      if (!t) {
        return OkStatus();  // an X- or IANA value type: not ours to check
      }
      if (*t != info.type && (info.allowed & TypeBit(*t)) == 0) {
        return Deviation(p->line,
                         p->name + ": VALUE=" + value_param->values.front() + " is not allowed");
      }
      type = *t;
    }

    switch (info.id) {
      case kVersion:
        if (p->value != "2.0" && !(p->value.size() > 4 && p->value.ends_with(";2.0"))) {
          return Deviation(p->line,
                           "VERSION: unsupported version " + Q(p->value) + " (expected 2.0)");
        }
        return OkStatus();
      case kTzid:
        if (p->value.size() >= 2 && p->value.front() == '"' && p->value.back() == '"') {
          ALMANAC_RETURN_IF_ERROR(Deviation(p->line, std::string("TZID: value in double quotes") +
                                                         (lenient_ ? " (unquoted)" : "")));
          while (p->value.size() >= 2 && p->value.front() == '"' && p->value.back() == '"') {
            p->value = p->value.substr(1, p->value.size() - 2);
          }
        }
        break;
      case kGeo: {
        Result<GeoValue> g = ParseGeo(p->value);
        if (!g.ok()) return ValueError(*p, g.error());
        return OkStatus();
      }
      case kRequestStatus:
        return CheckRequestStatus(*p);
      case kPriority:
        return CheckInteger(*p, 0, 9);
      case kPercentComplete:
        return CheckInteger(*p, 0, 100);
      case kSequence:
      case kRepeat:
        return CheckInteger(*p, 0, 2147483647);
      case kRrule:
      case kExrule:
        return CheckRecur(p);
      case kAttach:
        // Apple names built-in alarm sounds ("ATTACH;VALUE=URI:Chord"): a
        // client-side name, harmless, and in every Apple export.
        if (f.kind == Kind::kVAlarm && type == ValueType::kUri &&
            p->value.find(':') == std::string::npos) {
          return OkStatus();
        }
        break;
      default:
        break;
    }

    switch (type) {
      case ValueType::kDate:
      case ValueType::kDateTime:
        return CheckDateTimes(info, p, type, f);
      case ValueType::kPeriod:
        return CheckPeriods(info, p);
      case ValueType::kText: {
        Status s = ValidateText(p->value, (info.flags & kList) != 0);
        if (!s.ok()) return ValueError(*p, s.error());
        return OkStatus();
      }
      case ValueType::kBinary: {
        const auto enc = p->ParamValue("ENCODING");
        if (!enc || !EqualsIgnoreCase(*enc, "BASE64")) {
          return Deviation(p->line, p->name + ": VALUE=BINARY requires ENCODING=BASE64");
        }
        Status s = ValidateBase64(p->value);
        if (!s.ok()) return ValueError(*p, s.error());
        return OkStatus();
      }
      case ValueType::kRecur:
        return OkStatus();  // handled above
      case ValueType::kDuration:
      case ValueType::kUri:
      case ValueType::kCalAddress:
      case ValueType::kUtcOffset:
      case ValueType::kBoolean:
      case ValueType::kFloat:
      case ValueType::kInteger:
      case ValueType::kTime: {
        Status s = ValidateValue(type, p->value);
        if (!s.ok()) return ValueError(*p, s.error());
        return OkStatus();
      }
    }
    return OkStatus();
  }

  Status CheckInteger(const Property& p, int lo, int hi) {
    Result<std::int32_t> v = ParseInteger(p.value);
    if (!v.ok()) return ValueError(p, v.error());
    if (*v < lo || *v > hi) {
      return Deviation(p.line, p.name + ": value " + Q(p.value) + " is outside " +
                                   std::to_string(lo) + ".." + std::to_string(hi));
    }
    return OkStatus();
  }

  Status CheckRequestStatus(const Property& p) {
    // statcode = 1*DIGIT 1*2("." 1*DIGIT), then ';' and a description.
    const std::string_view v = p.value;
    std::size_t i = 0;
    int groups = 0;
    while (true) {
      const std::size_t s = i;
      while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
      if (i == s) break;
      ++groups;
      if (i < v.size() && v[i] == '.') {
        ++i;
        continue;
      }
      break;
    }
    if (groups < 2 || groups > 3 || i >= v.size() || v[i] != ';') {
      return Deviation(
          p.line, "REQUEST-STATUS: invalid value " + Q(v) + " (expected statcode;description)");
    }
    return OkStatus();
  }

  Status CheckRecur(Property* p) {
    std::string_view v = p->value;
    if (v.size() > 1 && v.back() == ';') {
      ALMANAC_RETURN_IF_ERROR(
          Deviation(p->line, p->name + ": trailing ';'" + (lenient_ ? " (removed)" : "")));
      while (p->value.size() > 1 && p->value.back() == ';') p->value.pop_back();
      v = p->value;
    }
    rule_warnings_.clear();
    RuleParseOptions ro;
    ro.lenient = lenient_;
    Result<RecurrenceRule> r = ParseRecurrenceRule(v, ro, &rule_warnings_);
    for (const std::string& w : rule_warnings_) Warn(p->line, At(p->line, p->name + ": " + w));
    if (!r.ok()) return ValueError(*p, r.error());
    return OkStatus();
  }

  // Trailing whitespace after a date/period value: lenient repair.
  Status TrimValue(Property* p) {
    if (p->value.empty() || !IsWsp(p->value.back())) return OkStatus();
    if (!lenient_) return OkStatus();  // the value parser reports it
    Warn(p->line, At(p->line, p->name + ": trailing whitespace removed"));
    p->value.resize(TrimTrailingWsp(p->value).size());
    return OkStatus();
  }

  Status CheckDateTimes(const PropInfo& info, Property* p, ValueType type, const Frame& f) {
    ALMANAC_RETURN_IF_ERROR(TrimValue(p));
    const bool list = (info.flags & kList) != 0;
    const bool has_tzid = tzid_param_ >= 0;
    bool any_date = false;
    bool any_time = false;
    bool any_utc = false;
    bool any_local = false;
    std::string_view rest = p->value;
    while (true) {
      std::size_t comma = list ? rest.find(',') : std::string_view::npos;
      const std::string_view item = rest.substr(0, comma);
      Result<DateTimeValue> v = ParseDateTimeValue(item);
      if (!v.ok()) return ValueError(*p, v.error());
      if (v->is_date) {
        any_date = true;
      } else {
        any_time = true;
        (v->utc ? any_utc : any_local) = true;
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (type == ValueType::kDate && any_time) {
      return Deviation(p->line, p->name + ": DATE-TIME value " + Q(p->value) + " with VALUE=DATE");
    }
    if (type == ValueType::kDateTime && any_date) {
      if ((info.allowed & TypeBit(ValueType::kDate)) == 0) {
        return Deviation(p->line, p->name + ": invalid DATE-TIME value " + Q(p->value));
      }
      ALMANAC_RETURN_IF_ERROR(
          Deviation(p->line, p->name + ": DATE value " + Q(p->value) + " without VALUE=DATE"));
    }
    if ((info.flags & kMustBeUtc) != 0 && any_local) {
      ALMANAC_RETURN_IF_ERROR(Deviation(
          p->line, p->name + ": value " + Q(p->value) + " must be a UTC DATE-TIME (ending in Z)"));
    }
    if (info.id == kTrigger && any_local) {
      ALMANAC_RETURN_IF_ERROR(
          Deviation(p->line, "TRIGGER: DATE-TIME value must be in UTC (ending in Z)"));
    }
    if (has_tzid && (any_date || any_utc)) {
      ALMANAC_RETURN_IF_ERROR(
          Deviation(p->line, p->name + ": TZID is not allowed with a DATE or UTC value"));
    }
    if (info.id == kDtstart && (f.kind == Kind::kStandard || f.kind == Kind::kDaylight) &&
        (any_date || any_utc || has_tzid)) {
      ALMANAC_RETURN_IF_ERROR(Deviation(
          p->line, f.comp.name + ": DTSTART must be a local DATE-TIME without TZID or Z"));
    }
    return OkStatus();
  }

  Status CheckPeriods(const PropInfo& info, Property* p) {
    ALMANAC_RETURN_IF_ERROR(TrimValue(p));
    Result<std::vector<PeriodValue>> v = ParsePeriodList(p->value);
    if (!v.ok()) return ValueError(*p, v.error());
    if ((info.flags & kMustBeUtc) != 0) {
      for (const PeriodValue& pv : *v) {
        if (!pv.start.utc) {
          return Deviation(p->line, p->name + ": periods must be in UTC (ending in Z)");
        }
      }
    }
    return OkStatus();
  }

  std::string_view in_;
  const ParseOptions& opt_;
  const bool lenient_;
  std::size_t pos_ = 0;
  int line_no_ = 0;           // physical lines read so far
  bool clean_input_ = false;  // internal::IsCleanStream(in_): no line needs ScanLine
  // The first VALUE and TZID parameter of the property being parsed (index
  // in its params), or -1: what FindParam("VALUE") / ("TZID") would find.
  int value_param_ = -1;
  int tzid_param_ = -1;
  unsigned once_ = 0;
  std::size_t suppressed_ = 0;
  std::size_t property_count_ = 0;
  std::size_t component_count_ = 0;
  std::string scratch_;  // an unfolded logical line
  std::string cleaned_;  // a line with control characters removed
  std::vector<std::string> rule_warnings_;
  std::vector<Frame> stack_;
  // By depth: the property count of the last component closed there, see Begin.
  std::vector<std::size_t> property_hint_;
  ParsedCalendar result_;
};

}  // namespace

Result<ParsedCalendar> Parse(std::string_view text, const ParseOptions& options) {
  Parser parser(text, options);
  return parser.Run();
}

}  // namespace almanac::ical
