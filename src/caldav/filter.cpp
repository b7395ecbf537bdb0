#include "caldav/filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <utility>

#include "ical/values.h"
#include "ical/vtimezone.h"
#include "schedule/freebusy.h"

namespace almanac::caldav {

using core::Instant;
using core::kSecondsPerDay;

namespace {

Error InvalidFilter(std::string what) {
  return MakeError(Code::kInvalidArgument, "invalid filter: " + std::move(what));
}

// Open ends of a TimeRange as comparable sentinels (never used in arithmetic).
constexpr Instant kMinusInfinity =
    Instant::FromUnixSeconds(std::numeric_limits<std::int64_t>::min());
constexpr Instant kPlusInfinity =
    Instant::FromUnixSeconds(std::numeric_limits<std::int64_t>::max());
// The civil calendar's span, kept a few days inside years 0001..9999 so that
// zone conversions and margins stay representable.
constexpr Instant kFirstInstant =
    Instant::FromUnixSeconds(core::kMinLocal.seconds() + 4 * kSecondsPerDay);
constexpr Instant kLastInstant =
    Instant::FromUnixSeconds(core::kMaxLocal.seconds() - 4 * kSecondsPerDay);

Instant StartOf(const TimeRange& r) { return r.start.value_or(kMinusInfinity); }
Instant EndOf(const TimeRange& r) { return r.end.value_or(kPlusInfinity); }

std::optional<Instant> ParseUtcDateTime(std::string_view text) {
  Result<ical::DateTimeValue> v = ical::ParseDateTimeValue(text);
  if (!v.ok() || v->is_date || !v->utc) return std::nullopt;
  return Instant::FromUnixSeconds(v->local.seconds());
}

std::string Upper(std::string_view s) {
  std::string out(s);
  ical::ToUpperAscii(&out);
  return out;
}

}  // namespace

Result<TimeRange> ParseTimeRange(const XmlElement& element, bool require_both) {
  TimeRange range;
  for (const char* attribute : {"start", "end"}) {
    std::optional<std::string_view> text = element.Attribute(attribute);
    if (!text) {
      if (require_both) {
        return InvalidFilter(fmt::format("{} needs a {} attribute", element.name, attribute));
      }
      continue;
    }
    std::optional<Instant> t = ParseUtcDateTime(Trimmed(*text));
    if (!t) {
      return InvalidFilter(fmt::format("{} {}=\"{}\" is not a UTC date-time like 20250301T000000Z",
                                       element.name, attribute, ical::ShortForMessage(*text)));
    }
    (attribute[0] == 's' ? range.start : range.end) = *t;
  }
  if (!range.start && !range.end) {
    return InvalidFilter(fmt::format("{} needs a start or an end attribute", element.name));
  }
  if (range.start && range.end && *range.end <= *range.start) {
    return InvalidFilter(fmt::format("{} end must be after its start", element.name));
  }
  return range;
}

Result<Collation> ParseCollation(std::string_view name) {
  if (name == "i;ascii-casemap") return Collation::kAsciiCasemap;
  if (name == "i;unicode-casemap") return Collation::kUnicodeCasemap;
  if (name == "i;octet") return Collation::kOctet;
  return MakeError(Code::kUnimplemented,
                   fmt::format("unsupported collation \"{}\"", ical::ShortForMessage(name)));
}

// ---------------------------------------------------------------------------
// Parsing.

namespace {

Result<std::string> NameOf(const XmlElement& e) {
  std::optional<std::string_view> name = e.Attribute("name");
  if (!name || Trimmed(*name).empty()) return InvalidFilter(e.name + " needs a name attribute");
  return Upper(Trimmed(*name));
}

Result<TextMatch> ParseTextMatch(const XmlElement& e) {
  TextMatch m;
  m.text = e.text;
  if (std::optional<std::string_view> c = e.Attribute("collation")) {
    ALMANAC_ASSIGN_OR_RETURN(m.collation, ParseCollation(Trimmed(*c)));
  }
  if (std::optional<std::string_view> n = e.Attribute("negate-condition")) {
    const std::string_view v = Trimmed(*n);
    if (v == "yes") {
      m.negate = true;
    } else if (v != "no") {
      return InvalidFilter("negate-condition must be \"yes\" or \"no\"");
    }
  }
  return m;
}

Error Unexpected(const XmlElement& child, std::string_view parent) {
  return InvalidFilter(fmt::format("unexpected {} in {}", child.name, parent));
}

Result<ParamFilter> ParseParamFilter(const XmlElement& e) {
  ParamFilter f;
  ALMANAC_ASSIGN_OR_RETURN(f.name, NameOf(e));
  for (const XmlElement& c : e.children) {
    if (c.ns != kCalDav) continue;
    if (c.name == "is-not-defined") {
      f.is_not_defined = true;
    } else if (c.name == "text-match" && !f.text_match) {
      ALMANAC_ASSIGN_OR_RETURN(f.text_match, ParseTextMatch(c));
    } else {
      return Unexpected(c, "param-filter");
    }
  }
  if (f.is_not_defined && f.text_match) {
    return InvalidFilter("is-not-defined cannot be combined with text-match");
  }
  return f;
}

Result<PropFilter> ParsePropFilter(const XmlElement& e) {
  PropFilter f;
  ALMANAC_ASSIGN_OR_RETURN(f.name, NameOf(e));
  for (const XmlElement& c : e.children) {
    if (c.ns != kCalDav) continue;
    if (c.name == "is-not-defined") {
      f.is_not_defined = true;
    } else if (c.name == "time-range" && !f.time_range && !f.text_match) {
      ALMANAC_ASSIGN_OR_RETURN(f.time_range, ParseTimeRange(c));
    } else if (c.name == "text-match" && !f.time_range && !f.text_match) {
      ALMANAC_ASSIGN_OR_RETURN(f.text_match, ParseTextMatch(c));
    } else if (c.name == "param-filter") {
      ALMANAC_ASSIGN_OR_RETURN(ParamFilter p, ParseParamFilter(c));
      f.param_filters.push_back(std::move(p));
    } else {
      return Unexpected(c, "prop-filter");
    }
  }
  if (f.is_not_defined && (f.time_range || f.text_match || !f.param_filters.empty())) {
    return InvalidFilter("is-not-defined cannot be combined with other conditions");
  }
  return f;
}

Result<CompFilter> ParseCompFilter(const XmlElement& e) {
  CompFilter f;
  ALMANAC_ASSIGN_OR_RETURN(f.name, NameOf(e));
  for (const XmlElement& c : e.children) {
    if (c.ns != kCalDav) continue;
    if (c.name == "is-not-defined") {
      f.is_not_defined = true;
    } else if (c.name == "time-range" && !f.time_range) {
      ALMANAC_ASSIGN_OR_RETURN(f.time_range, ParseTimeRange(c));
    } else if (c.name == "prop-filter") {
      ALMANAC_ASSIGN_OR_RETURN(PropFilter p, ParsePropFilter(c));
      f.prop_filters.push_back(std::move(p));
    } else if (c.name == "comp-filter") {
      ALMANAC_ASSIGN_OR_RETURN(CompFilter sub, ParseCompFilter(c));
      f.comp_filters.push_back(std::move(sub));
    } else {
      return Unexpected(c, "comp-filter");
    }
  }
  if (f.is_not_defined && (f.time_range || !f.prop_filters.empty() || !f.comp_filters.empty())) {
    return InvalidFilter("is-not-defined cannot be combined with other conditions");
  }
  return f;
}

}  // namespace

Result<CompFilter> ParseFilter(const XmlElement& filter_element) {
  if (!filter_element.Is(kCalDav, "filter")) return InvalidFilter("expected CALDAV:filter");
  const XmlElement* top = nullptr;
  for (const XmlElement& c : filter_element.children) {
    if (c.ns != kCalDav) continue;
    if (c.name != "comp-filter") return Unexpected(c, "filter");
    if (top != nullptr) return InvalidFilter("filter must hold exactly one comp-filter");
    top = &c;
  }
  if (top == nullptr) return InvalidFilter("filter must hold exactly one comp-filter");
  ALMANAC_ASSIGN_OR_RETURN(CompFilter f, ParseCompFilter(*top));
  if (f.name != "VCALENDAR") return InvalidFilter("the top comp-filter must name VCALENDAR");
  if (f.is_not_defined || f.time_range) {
    return InvalidFilter("the VCALENDAR comp-filter takes no is-not-defined or time-range");
  }
  return f;
}

std::optional<TimeRange> TopLevelTimeRange(const CompFilter& filter) {
  for (const CompFilter& c : filter.comp_filters) {
    if ((c.name == "VEVENT" || c.name == "VTODO") && !c.is_not_defined && c.time_range) {
      return c.time_range;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Text matching.

namespace {

// Simple case folding (Unicode CaseFolding.txt, status C and S) for the
// scripts named in the header; anything else maps to itself.
char32_t FoldCodePoint(char32_t c) {
  const auto even_upper = [c] { return (c % 2 == 0) ? c + 1 : c; };
  const auto odd_upper = [c] { return (c % 2 == 1) ? c + 1 : c; };
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c < 0x100) {
    if (c == 0xB5) return 0x3BC;  // MICRO SIGN -> GREEK SMALL LETTER MU
    return (c >= 0xC0 && c <= 0xDE && c != 0xD7) ? c + 32 : c;
  }
  if (c <= 0x17F) {  // Latin Extended-A
    if (c == 0x130) return 'i';
    if (c == 0x178) return 0xFF;
    if (c == 0x17F) return 's';
    if (c <= 0x12F || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) {
      return even_upper();
    }
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return odd_upper();
    return c;
  }
  if (c >= 0x370 && c <= 0x3FF) {  // Greek and Coptic
    if (c == 0x370 || c == 0x372 || c == 0x376) return c + 1;
    if (c == 0x37F) return 0x3F3;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB)) return c + 32;
    // Final sigma and the symbol variants fold to the plain letters.
    static constexpr std::pair<char32_t, char32_t> kGreek[] = {
        {0x3C2, 0x3C3}, {0x3CF, 0x3D7}, {0x3D0, 0x3B2}, {0x3D1, 0x3B8}, {0x3D5, 0x3C6},
        {0x3D6, 0x3C0}, {0x3F0, 0x3BA}, {0x3F1, 0x3C1}, {0x3F4, 0x3B8}, {0x3F5, 0x3B5},
        {0x3F7, 0x3F8}, {0x3F9, 0x3F2}, {0x3FA, 0x3FB}};
    for (const auto& [from, to] : kGreek) {
      if (c == from) return to;
    }
    if (c >= 0x3D8 && c <= 0x3EF) return even_upper();
    if (c >= 0x3FD) return c - 130;
    return c;
  }
  if (c >= 0x400 && c <= 0x52F) {  // Cyrillic, Cyrillic Supplement
    if (c <= 0x40F) return c + 80;
    if (c <= 0x42F) return c + 32;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0) {
      return even_upper();
    }
    if (c == 0x4C0) return 0x4CF;
    if (c >= 0x4C1 && c <= 0x4CE) return odd_upper();
    return c;
  }
  if (c >= 0x531 && c <= 0x556) return c + 48;  // Armenian
  if (c >= 0x1E00 && c <= 0x1EFF) {             // Latin Extended Additional
    if (c == 0x1E9E) return 0xDF;
    if (c <= 0x1E95 || c >= 0x1EA0) return even_upper();
    return c;
  }
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;  // fullwidth Latin
  return c;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string AsciiFold(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
  }
  return out;
}

}  // namespace

std::string UnicodeCaseFold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
      ++i;
      continue;
    }
    std::size_t n = 0;
    char32_t c = 0;
    if (b >= 0xC2 && b <= 0xDF) {
      n = 2;
      c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 3;
      c = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 4;
      c = b & 0x07;
    }
    bool valid = n != 0 && i + n <= text.size();
    for (std::size_t k = 1; valid && k < n; ++k) {
      const unsigned char cb = static_cast<unsigned char>(text[i + k]);
      if ((cb & 0xC0) != 0x80) valid = false;
      c = (c << 6) | (cb & 0x3F);
    }
    if (!valid) {
      out.push_back(static_cast<char>(b));  // kept as is
      ++i;
      continue;
    }
    AppendUtf8(FoldCodePoint(c), &out);
    i += n;
  }
  return out;
}

bool TextContains(const TextMatch& match, std::string_view value) {
  if (match.text.empty()) return true;
  switch (match.collation) {
    case Collation::kOctet:
      return value.find(match.text) != std::string_view::npos;
    case Collation::kAsciiCasemap:
      return AsciiFold(value).find(AsciiFold(match.text)) != std::string::npos;
    case Collation::kUnicodeCasemap:
      return UnicodeCaseFold(value).find(UnicodeCaseFold(match.text)) != std::string::npos;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Matching.

bool InstanceOverlaps(const ical::Instance& instance, const TimeRange& range) {
  const Instant s = StartOf(range);
  const Instant e = EndOf(range);
  const Instant start = instance.start_instant;
  const Instant end = instance.end_instant;
  const ical::Component* c = instance.component;
  if (c != nullptr && c->name == "VTODO") {
    const bool has_start = c->Find("DTSTART") != nullptr;
    const bool has_due = c->Find("DUE") != nullptr;
    if (has_start && c->Find("DURATION") != nullptr) {
      return s <= end && (e > start || e >= end);
    }
    if (has_start && has_due) return (s < end || s <= start) && (e > start || e >= end);
    if (has_start) return s <= start && e > start;
    // DUE alone: the instance starts (and ends) at DUE.
    return s < start && e >= start;
  }
  if (start == end) {
    if (c != nullptr && c->Find("DTEND") != nullptr) return s < end && e > start;
    return s <= start && e > start;
  }
  return s < end && e > start;
}

namespace {

class Matcher {
 public:
  Matcher(const ical::Component& root, const MatchOptions& options)
      : root_(root), options_(options) {}

  bool MatchComp(const CompFilter& f, const ical::Component& c, const ical::Component* parent) {
    if (f.time_range && !TimeMatch(*f.time_range, c, parent)) return false;
    for (const PropFilter& pf : f.prop_filters) {
      if (!MatchProp(pf, c)) return false;
    }
    for (const CompFilter& cf : f.comp_filters) {
      bool exists = false;
      bool matched = false;
      for (const ical::Component& child : c.components) {
        if (child.name != cf.name) continue;
        exists = true;
        if (cf.is_not_defined) break;
        if (MatchComp(cf, child, &c)) {
          matched = true;
          break;
        }
      }
      if (cf.is_not_defined ? exists : !matched) return false;
    }
    return true;
  }

 private:
  struct Expansion {
    Instant from, to;
    std::size_t cap = 0;
    bool journals = false;
    bool ok = false;
    ical::InstanceResult result;
  };

  ical::ZoneResolver& Zones() {
    if (!zones_) zones_ = std::make_unique<ical::ZoneResolver>(root_);
    return *zones_;
  }

  // A DATE/DATE-TIME value as the instants it covers: [t, t] for a
  // DATE-TIME, its day for a DATE. Floating and DATE values are read in the
  // default zone.
  std::pair<Instant, Instant> Span(const ical::Property& p, const ical::DateTimeValue& v) {
    const core::TimeZone* zone = options_.default_zone;
    if (!v.utc && !v.is_date) {
      if (std::optional<std::string_view> tzid = p.ParamValue("TZID")) {
        Result<const core::TimeZone*> z = Zones().Resolve(*tzid);
        if (z.ok()) zone = *z;
      }
    }
    const auto at = [&](core::LocalDateTime local) {
      if (v.utc || zone == nullptr) return Instant::FromUnixSeconds(local.seconds());
      return zone->ToInstant(local);
    };
    const Instant start = at(v.local);
    if (!v.is_date) return {start, start};
    return {start, at(v.local + kSecondsPerDay)};
  }

  std::optional<Instant> ReadInstant(const ical::Component& c, std::string_view name) {
    const ical::Property* p = c.Find(name);
    if (p == nullptr) return std::nullopt;
    Result<ical::DateTimeValue> v = ical::ParseDateTimeValue(p->value);
    if (!v.ok()) return std::nullopt;
    return Span(*p, *v).first;
  }

  // The instances of the VEVENTs/VTODOs (or, with `journals`, the VJOURNALs)
  // of the calendar object in [from, to), at most `cap` per recurring
  // component. Null when the object cannot be expanded.
  const Expansion* Expand(Instant from, Instant to, std::size_t cap, bool journals) {
    for (const std::unique_ptr<Expansion>& e : cache_) {
      if (e->from == from && e->to == to && e->cap == cap && e->journals == journals) {
        return e->ok ? e.get() : nullptr;
      }
    }
    auto e = std::make_unique<Expansion>();
    e->from = from;
    e->to = to;
    e->cap = cap;
    e->journals = journals;
    ical::InstanceOptions io;
    io.limits.max_occurrences = cap;
    io.max_instances = std::max<std::size_t>(cap * 4, 100'000);
    Result<ical::InstanceResult> r = schedule::ExpandInstancesInZone(
        journals ? JournalCalendar() : root_, from, to, options_.default_zone, io);
    if (r.ok()) {
      e->ok = true;
      e->result = std::move(r).value();
      if (journals) {
        for (ical::Instance& in : e->result.instances) {
          in.component = journal_of_[in.component];
        }
      }
    }
    cache_.push_back(std::move(e));
    return cache_.back()->ok ? cache_.back().get() : nullptr;
  }

  // VJOURNALs renamed VEVENT (with the VTIMEZONEs), so that the instance
  // expansion applies: without DTEND or DURATION a DATE-TIME instance lasts
  // zero seconds and a DATE one a day, exactly the VJOURNAL rows of §9.9.
  const ical::Component& JournalCalendar() {
    if (!journals_) {
      journals_ = std::make_unique<ical::Component>();
      journals_->name = root_.name;
      std::vector<const ical::Component*> originals;
      for (const ical::Component& c : root_.components) {
        if (c.name == "VTIMEZONE") journals_->components.push_back(c);
        if (c.name != "VJOURNAL") continue;
        ical::Component copy;
        copy.name = "VEVENT";
        copy.line = c.line;
        for (const ical::Property& p : c.properties) {
          if (p.name != "DTEND" && p.name != "DURATION") copy.properties.push_back(p);
        }
        journals_->components.push_back(std::move(copy));
        originals.push_back(&c);
      }
      std::size_t k = 0;
      for (const ical::Component& c : journals_->components) {
        if (c.name == "VEVENT") journal_of_[&c] = originals[k++];
      }
    }
    return *journals_;
  }

  // Whether some instance supplied by `c` satisfies `pred` within [from, to).
  // A cheap pass with few occurrences first; the full cap only when that
  // pass was cut short without a match.
  template <typename Pred>
  bool AnyInstance(const ical::Component& c, Instant from, Instant to, bool journals, Pred pred) {
    from = std::clamp(from, kFirstInstant, kLastInstant);
    to = std::clamp(to, kFirstInstant, kLastInstant);
    if (to <= from) return false;
    const std::size_t full = std::max<std::size_t>(options_.max_occurrences, 1);
    for (std::size_t cap : {std::min<std::size_t>(64, full), full}) {
      const Expansion* e = Expand(from, to, cap, journals);
      if (e == nullptr) return true;  // unreadable: do not hide it
      for (const ical::Instance& in : e->result.instances) {
        if (in.component == &c && pred(in)) return true;
      }
      if (!e->result.truncated || cap == full) return false;
    }
    return false;
  }

  // Widens a range by a second on each side, so that the inclusive ends of
  // the §9.9 tables are seen; callers then apply the exact rule.
  static Instant Lo(const TimeRange& r) { return r.start ? *r.start - 1 : kFirstInstant; }
  static Instant Hi(const TimeRange& r) { return r.end ? *r.end + 1 : kLastInstant; }

  bool TimeMatch(const TimeRange& r, const ical::Component& c, const ical::Component* parent) {
    const Instant s = StartOf(r);
    const Instant e = EndOf(r);
    if (c.name == "VEVENT") {
      return AnyInstance(c, Lo(r), Hi(r), false,
                         [&](const ical::Instance& in) { return InstanceOverlaps(in, r); });
    }
    if (c.name == "VTODO") {
      if (c.Find("DTSTART") != nullptr || c.Find("DUE") != nullptr) {
        return AnyInstance(c, Lo(r), Hi(r), false,
                           [&](const ical::Instance& in) { return InstanceOverlaps(in, r); });
      }
      const std::optional<Instant> completed = ReadInstant(c, "COMPLETED");
      const std::optional<Instant> created = ReadInstant(c, "CREATED");
      if (completed && created) {
        return (s <= *created || s <= *completed) && (e >= *created || e >= *completed);
      }
      if (completed) return s <= *completed && e >= *completed;
      if (created) return e > *created;
      return true;
    }
    if (c.name == "VJOURNAL") {
      if (c.Find("DTSTART") == nullptr) return false;
      return AnyInstance(c, Lo(r), Hi(r), true,
                         [&](const ical::Instance& in) { return InstanceOverlaps(in, r); });
    }
    if (c.name == "VFREEBUSY") return FreeBusyMatch(r, c);
    if (c.name == "VALARM") return AlarmMatch(r, c, parent);
    return false;
  }

  bool FreeBusyMatch(const TimeRange& r, const ical::Component& c) {
    const Instant s = StartOf(r);
    const Instant e = EndOf(r);
    const std::optional<Instant> start = ReadInstant(c, "DTSTART");
    const std::optional<Instant> end = ReadInstant(c, "DTEND");
    if (start && end) return s <= *end && e > *start;
    for (const ical::Property* p : c.FindAll("FREEBUSY")) {
      if (PeriodsOverlap(*p, s, e)) return true;
    }
    return false;
  }

  // RFC 4791 §9.9 VALARM: some trigger time t with start <= t < end.
  bool AlarmMatch(const TimeRange& r, const ical::Component& alarm, const ical::Component* parent) {
    const Instant s = StartOf(r);
    const Instant e = EndOf(r);
    const ical::Property* trigger = alarm.Find("TRIGGER");
    if (trigger == nullptr) return false;
    std::int64_t repeat_every = 0;
    int repeats = 0;
    if (const ical::Property* rp = alarm.Find("REPEAT")) {
      Result<std::int32_t> n = ical::ParseInteger(rp->value);
      if (n.ok()) repeats = std::clamp<std::int32_t>(*n, 0, 1000);
    }
    if (const ical::Property* dp = alarm.Find("DURATION")) {
      Result<ical::DurationValue> d = ical::ParseDuration(dp->value);
      if (d.ok()) repeat_every = d->NominalSeconds();
    }
    if (repeat_every <= 0) repeats = 0;
    const auto in_range = [&](Instant t) { return s <= t && e > t; };

    std::optional<std::string_view> type = trigger->ParamValue("VALUE");
    if (type && ical::EqualsIgnoreCase(*type, "DATE-TIME")) {
      Result<ical::DateTimeValue> v = ical::ParseDateTimeValue(trigger->value);
      if (!v.ok()) return false;
      const Instant at = Span(*trigger, *v).first;
      for (int k = 0; k <= repeats; ++k) {
        if (in_range(at + k * repeat_every)) return true;
      }
      return false;
    }
    Result<ical::DurationValue> offset = ical::ParseDuration(trigger->value);
    if (!offset.ok() || parent == nullptr) return false;
    if (parent->name != "VEVENT" && parent->name != "VTODO") return false;
    std::optional<std::string_view> related = trigger->ParamValue("RELATED");
    const bool from_end = related && ical::EqualsIgnoreCase(*related, "END");
    const std::int64_t first = offset->NominalSeconds();
    const std::int64_t last = first + repeats * repeat_every;
    // A trigger base b fires at b + first .. b + last, so the bases that can
    // fire in [s, e) lie in [s - last, e - first].
    const Instant lo = r.start ? *r.start - last - 1 : kFirstInstant;
    const Instant hi = r.end ? *r.end - first + 1 : kLastInstant;
    return AnyInstance(*parent, lo, hi, false, [&](const ical::Instance& in) {
      const Instant base = from_end ? in.end_instant : in.start_instant;
      for (int k = 0; k <= repeats; ++k) {
        if (in_range(base + first + k * repeat_every)) return true;
      }
      return false;
    });
  }

  // Whether a period of the PERIOD list `p` overlaps [s, e).
  bool PeriodsOverlap(const ical::Property& p, Instant s, Instant e) {
    Result<std::vector<ical::PeriodValue>> periods = ical::ParsePeriodList(p.value);
    if (!periods.ok()) return false;
    for (const ical::PeriodValue& v : *periods) {
      const Instant ps = Span(p, v.start).first;
      const Instant pe = v.end ? Span(p, *v.end).first : ps + v.duration->NominalSeconds();
      if (s < pe && e > ps) return true;
    }
    return false;
  }

  bool PropTimeMatch(const TimeRange& r, const ical::Property& p) {
    const Instant s = StartOf(r);
    const Instant e = EndOf(r);
    std::optional<std::string_view> type = p.ParamValue("VALUE");
    if (p.name == "FREEBUSY" || (type && ical::EqualsIgnoreCase(*type, "PERIOD"))) {
      return PeriodsOverlap(p, s, e);
    }
    Result<std::vector<ical::DateTimeValue>> values = ical::ParseDateTimeList(p.value);
    if (!values.ok()) return false;
    for (const ical::DateTimeValue& v : *values) {
      const auto [vs, ve] = Span(p, v);
      if (vs == ve ? (s <= vs && e > vs) : (s < ve && e > vs)) return true;
    }
    return false;
  }

  static bool TextMatches(const TextMatch& m, std::string_view value) {
    return TextContains(m, value) != m.negate;
  }

  static bool MatchParam(const ParamFilter& f, const ical::Property& p) {
    const ical::Parameter* param = p.FindParam(f.name);
    if (f.is_not_defined) return param == nullptr;
    if (param == nullptr) return false;
    if (!f.text_match) return true;
    bool found = false;
    for (const std::string& v : param->values) {
      if (TextContains(*f.text_match, v)) {
        found = true;
        break;
      }
    }
    return found != f.text_match->negate;
  }

  bool MatchProp(const PropFilter& f, const ical::Component& c) {
    bool exists = false;
    for (const ical::Property& p : c.properties) {
      if (p.name != f.name) continue;
      exists = true;
      if (f.is_not_defined) break;
      if (f.time_range && !PropTimeMatch(*f.time_range, p)) continue;
      if (f.text_match && !TextMatches(*f.text_match, ical::UnescapeText(p.value))) continue;
      bool params_ok = true;
      for (const ParamFilter& pf : f.param_filters) {
        if (!MatchParam(pf, p)) {
          params_ok = false;
          break;
        }
      }
      if (params_ok) return true;
    }
    return f.is_not_defined && !exists;
  }

  const ical::Component& root_;
  const MatchOptions& options_;
  std::unique_ptr<ical::ZoneResolver> zones_;
  std::vector<std::unique_ptr<Expansion>> cache_;
  std::unique_ptr<ical::Component> journals_;
  std::map<const ical::Component*, const ical::Component*> journal_of_;
};

}  // namespace

bool Matches(const CompFilter& filter, const ical::Component& vcalendar,
             const MatchOptions& options) {
  if (filter.name != vcalendar.name) return filter.is_not_defined;
  if (filter.is_not_defined) return false;
  Matcher m(vcalendar, options);
  return m.MatchComp(filter, vcalendar, nullptr);
}

}  // namespace almanac::caldav
