#include "ical/vtimezone_gen.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ical/rrule.h"
#include "ical/values.h"
#include "ical/vtimezone.h"

namespace almanac::ical {
namespace {

using core::CivilDate;
using core::Instant;
using core::LocalDateTime;
using core::TimeZone;
using core::Weekday;

std::atomic<std::uint64_t> g_rule_fallbacks{0};

// Wall-clock times written into DTSTART/RDATE must stay in 0001..9999 even
// after adding a UTC offset (< 1 day) or predicting the following year.
constexpr Instant kEarliest =
    Instant::FromUnixSeconds(LocalDateTime::FromCivil(2, 1, 1, 0, 0, 0).seconds());
constexpr Instant kLatest =
    Instant::FromUnixSeconds(LocalDateTime::FromCivil(9998, 12, 31, 0, 0, 0).seconds());
// A run of yearly changes is cut into pieces of at most this many, so that
// BuildZoneFromVTimezone (which expands at most 5000 onsets per observance)
// can check every piece.
constexpr std::size_t kMaxRunLength = 4000;
// Bounds the walk over a zone's spans (a zone changes at most a few times a
// year; 0002..9998 holds fewer than 100000 such changes).
constexpr int kMaxSpans = 200000;

// One change of UTC offset.
struct Change {
  Instant at;             // the first instant with the new offset
  std::int32_t from = 0;  // offset before, seconds east of UTC
  std::int32_t to = 0;    // offset from `at` on
  bool dst = false;       // the zone's DST flag just after the change
  // The wall-clock time the change happens at, read with the old offset
  // (RFC 5545 §3.6.5 DTSTART / RDATE of an observance).
  LocalDateTime local() const { return LocalDateTime::FromSeconds(at.unix_seconds() + from); }
};

// The offset changes of `zone` at instants in (from, to), skipping span
// boundaries where only the DST flag or abbreviation changes.
std::vector<Change> CollectChanges(const TimeZone& zone, Instant from, Instant to) {
  std::vector<Change> out;
  core::ZoneSpan s = zone.SpanAt(from);
  std::int32_t offset = s.offset;
  for (int i = 0; i < kMaxSpans && s.end < to; ++i) {
    const core::ZoneSpan next = zone.SpanAt(s.end);
    if (next.end <= s.end) break;  // no progress: a broken zone; stop rather than loop
    if (next.offset != offset) {
      out.push_back(Change{s.end, offset, next.offset, next.dst});
      offset = next.offset;
    }
    s = next;
  }
  return out;
}

// The last offset change of `zone` at or before `t`, if it has one that can
// be written as a wall-clock time.
std::optional<Change> LastChangeAtOrBefore(const TimeZone& zone, Instant t) {
  core::ZoneSpan s = zone.SpanAt(t);
  for (int i = 0; i < 1000 && s.begin > kEarliest; ++i) {
    const core::ZoneSpan prev = zone.SpanAt(s.begin - 1);
    if (prev.offset != s.offset) return Change{s.begin, prev.offset, s.offset, s.dst};
    s = prev;
  }
  return std::nullopt;
}

// True when `zone` changes from offset `from` to `to` exactly at `at`.
bool ZoneChangesAt(const TimeZone& zone, Instant at, std::int32_t from, std::int32_t to) {
  return zone.OffsetAt(at - 1) == from && zone.OffsetAt(at) == to;
}

// "+01", "+0530", "-03", "+1245", "+005328": tzdata's numeric abbreviations.
std::string NumericTzName(std::int32_t offset) {
  const char sign = offset < 0 ? '-' : '+';
  const std::int32_t a = std::abs(offset);
  const int h = a / 3600, m = a / 60 % 60, s = a % 60;
  if (s != 0) return fmt::format("{}{:02}{:02}{:02}", sign, h, m, s);
  if (m != 0) return fmt::format("{}{:02}{:02}", sign, h, m);
  return fmt::format("{}{:02}", sign, h);
}

int WeekdayIndex(Weekday w) { return static_cast<int>(w); }
Weekday WeekdayOf(int y, int m, int d) { return core::Date::FromCivil(y, m, d).weekday(); }
// Days from weekday `a` forward to weekday `b` (0..6).
int DaysForward(Weekday a, Weekday b) { return (WeekdayIndex(b) - WeekdayIndex(a) + 7) % 7; }

// How a yearly change picks its day within the month.
enum class DayRuleKind { kLast, kNth, kMonthDay, kOnOrAfter };

struct DayRule {
  DayRuleKind kind;
  int n;            // kNth: 1..4; kMonthDay, kOnOrAfter: the day of the month; kLast: -1
  Weekday weekday;  // unused for kMonthDay
  bool operator==(const DayRule&) const = default;
};

// Every rule that picks day `c.day` in c.year/c.month, in order of
// preference (the RRULE forms clients read most reliably first).
std::vector<DayRule> RulesMatching(CivilDate c) {
  const Weekday w = WeekdayOf(c.year, c.month, c.day);
  std::vector<DayRule> out;
  if (c.day + 7 > core::DaysInMonth(c.year, c.month)) out.push_back({DayRuleKind::kLast, -1, w});
  if ((c.day - 1) / 7 + 1 <= 4) out.push_back({DayRuleKind::kNth, (c.day - 1) / 7 + 1, w});
  out.push_back({DayRuleKind::kMonthDay, c.day, Weekday::kMonday});
  // "Weekday on or after the d-th", as BYMONTHDAY=d..d+6 (all <= 31).
  for (int d = std::max(1, c.day - 6); d <= std::min(c.day, 25); ++d) {
    if ((d - 1) % 7 != 0) out.push_back({DayRuleKind::kOnOrAfter, d, w});  // else kNth
  }
  return out;
}

// The day `rule` picks in year/month, or nullopt when that day does not exist.
std::optional<int> DayFor(const DayRule& rule, int year, int month) {
  const int dim = core::DaysInMonth(year, month);
  int day = 0;
  switch (rule.kind) {
    case DayRuleKind::kLast:
      day = dim - DaysForward(rule.weekday, WeekdayOf(year, month, dim));
      break;
    case DayRuleKind::kNth:
      day = 1 + DaysForward(WeekdayOf(year, month, 1), rule.weekday) + 7 * (rule.n - 1);
      break;
    case DayRuleKind::kMonthDay:
      day = rule.n;
      break;
    case DayRuleKind::kOnOrAfter:
      day = rule.n + DaysForward(WeekdayOf(year, month, rule.n), rule.weekday);
      break;
  }
  if (day < 1 || day > dim) return std::nullopt;
  return day;
}

void AddRuleParts(const DayRule& rule, RecurrenceRule* rr) {
  switch (rule.kind) {
    case DayRuleKind::kLast:
      rr->by_day.push_back({-1, rule.weekday});
      break;
    case DayRuleKind::kNth:
      rr->by_day.push_back({rule.n, rule.weekday});
      break;
    case DayRuleKind::kMonthDay:
      rr->by_month_day.push_back(rule.n);
      break;
    case DayRuleKind::kOnOrAfter:
      for (int d = rule.n; d < rule.n + 7; ++d) rr->by_month_day.push_back(d);
      rr->by_day.push_back({0, rule.weekday});
      break;
  }
}

// Changes that can share one yearly rule: same offsets, DST flag, month and
// wall-clock time of day.
struct RunKey {
  std::int32_t from, to;
  bool dst;
  int month;
  int seconds_of_day;
  bool operator==(const RunKey&) const = default;
};

RunKey KeyOf(const Change& c) {
  const LocalDateTime l = c.local();
  return RunKey{c.from, c.to, c.dst, l.date().civil().month, l.seconds_of_day()};
}

// Consecutive years' changes that one yearly rule describes.
struct Run {
  RunKey key;
  std::vector<std::size_t> changes;  // indices into the change list, in time order
  int last_year = 0;
  std::vector<DayRule> rules;  // the rules every change so far matches, by preference
};

std::vector<Run> GroupIntoRuns(const std::vector<Change>& changes) {
  std::vector<Run> runs;
  std::vector<std::size_t> active;  // runs whose last change was this year or last
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const RunKey key = KeyOf(changes[i]);
    const CivilDate c = changes[i].local().date().civil();
    std::erase_if(active, [&](std::size_t r) { return runs[r].last_year < c.year - 1; });
    const std::vector<DayRule> mine = RulesMatching(c);
    bool joined = false;
    for (std::size_t r : active) {
      Run& run = runs[r];
      if (!(run.key == key) || run.last_year != c.year - 1 || run.changes.size() >= kMaxRunLength) {
        continue;
      }
      std::vector<DayRule> common;
      for (const DayRule& rule : run.rules) {
        if (std::find(mine.begin(), mine.end(), rule) != mine.end()) common.push_back(rule);
      }
      if (common.empty()) continue;
      run.rules = std::move(common);
      run.changes.push_back(i);
      run.last_year = c.year;
      joined = true;
      break;
    }
    if (!joined) {
      runs.push_back(Run{key, {i}, c.year, mine});
      active.push_back(runs.size() - 1);
    }
  }
  return runs;
}

// An observance about to be written, ordered by its first onset.
struct Observance {
  Instant first;
  Component component;
};

Component MakeObservance(bool dst, std::int32_t from, std::int32_t to, LocalDateTime dtstart) {
  Component obs;
  obs.name = dst ? "DAYLIGHT" : "STANDARD";
  obs.properties.push_back(Property{"TZOFFSETFROM", {}, FormatUtcOffset(from)});
  obs.properties.push_back(Property{"TZOFFSETTO", {}, FormatUtcOffset(to)});
  obs.properties.push_back(Property{"TZNAME", {}, NumericTzName(to)});
  obs.properties.push_back(Property{"DTSTART", {}, core::FormatLocal(dtstart)});
  return obs;
}

// The observances for `changes` (which must not be empty); with
// `use_rules` false every change is written as a one-off.
std::vector<Observance> BuildObservances(const TimeZone& zone, const std::vector<Change>& changes,
                                         Instant to, bool use_rules) {
  std::vector<Observance> out;
  std::vector<bool> covered(changes.size(), false);
  if (use_rules) {
    for (const Run& run : GroupIntoRuns(changes)) {
      const Change& first = changes[run.changes.front()];
      const Change& last = changes[run.changes.back()];
      // Pick the rule whose prediction for the following year is the zone's
      // own next change, so that an open rule is right after `to` too.
      const int next_year = run.last_year + 1;
      const DayRule* chosen = &run.rules.front();
      std::optional<Instant> predicted;
      for (const DayRule& rule : run.rules) {
        const std::optional<int> day = DayFor(rule, next_year, run.key.month);
        if (!day) continue;
        const Instant p = Instant::FromUnixSeconds(
            LocalDateTime::FromCivil(next_year, run.key.month, *day, 0, 0, 0).seconds() +
            run.key.seconds_of_day - run.key.from);
        if (ZoneChangesAt(zone, p, run.key.from, run.key.to)) {
          chosen = &rule;
          predicted = p;
          break;
        }
      }
      const bool open = predicted && *predicted >= to;
      if (run.changes.size() < 3 && !open) continue;
      RecurrenceRule rr;
      rr.freq = Frequency::kYearly;
      rr.by_month.push_back(run.key.month);
      AddRuleParts(*chosen, &rr);
      if (!open) rr.until = Until{last.at.utc(), false, true};
      Component obs = MakeObservance(run.key.dst, run.key.from, run.key.to, first.local());
      obs.properties.push_back(Property{"RRULE", {}, FormatRecurrenceRule(rr)});
      out.push_back(Observance{first.at, std::move(obs)});
      for (std::size_t i : run.changes) covered[i] = true;
    }
  }
  // The rest: one observance per kind of change, DTSTART the first, RDATE
  // the others.
  std::map<std::tuple<bool, std::int32_t, std::int32_t>, std::vector<std::size_t>> kinds;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (!covered[i]) kinds[{changes[i].dst, changes[i].from, changes[i].to}].push_back(i);
  }
  for (const auto& [kind, idx] : kinds) {
    const Change& first = changes[idx.front()];
    Component obs = MakeObservance(first.dst, first.from, first.to, first.local());
    if (idx.size() > 1) {
      std::string rdates;
      rdates.reserve(16 * idx.size());
      for (std::size_t k = 1; k < idx.size(); ++k) {
        if (k > 1) rdates += ',';
        rdates += core::FormatLocal(changes[idx[k]].local());
      }
      obs.properties.push_back(Property{"RDATE", {}, std::move(rdates)});
    }
    out.push_back(Observance{first.at, std::move(obs)});
  }
  std::sort(out.begin(), out.end(),
            [](const Observance& a, const Observance& b) { return a.first < b.first; });
  return out;
}

Component MakeVTimezone(std::string_view tzid, std::vector<Observance> observances) {
  Component vtz;
  vtz.name = "VTIMEZONE";
  vtz.properties.push_back(Property{"TZID", {}, EscapeText(tzid)});
  vtz.components.reserve(observances.size());
  for (Observance& o : observances) vtz.components.push_back(std::move(o.component));
  return vtz;
}

// True when `vtz`, evaluated as a client would, has `zone`'s offset at every
// instant in [from, to).
bool EvaluatesBackExactly(const Component& vtz, const TimeZone& zone,
                          const std::vector<Change>& expected, Instant from, Instant to) {
  const int until_year = to.utc().date().civil().year + 1;
  Result<std::unique_ptr<core::TransitionZone>> built = BuildZoneFromVTimezone(vtz, until_year);
  if (!built.ok()) return false;
  const TimeZone& got = **built;
  if (got.OffsetAt(from) != zone.OffsetAt(from)) return false;
  const std::vector<Change> actual = CollectChanges(got, from, to);
  if (actual.size() != expected.size()) return false;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (actual[i].at != expected[i].at || actual[i].to != expected[i].to) return false;
  }
  return true;
}

// The zone a TZID parameter names when no VTIMEZONE defines it: an IANA name,
// possibly behind a globally-unique prefix ("/Europe/Berlin",
// "/mozilla.org/20050126_1/Europe/Berlin"), or a Windows zone name.
const TimeZone* ResolveWithoutVTimezone(std::string_view tzid) {
  if (tzid.empty()) return nullptr;
  if (Result<const TimeZone*> z = core::FindIanaZone(tzid); z.ok()) return *z;
  const std::string_view normal = NormalizeTzid(tzid);
  if (normal != tzid && !normal.empty()) {
    if (Result<const TimeZone*> z = core::FindIanaZone(normal); z.ok()) return *z;
  }
  if (tzid.front() == '/') {
    for (std::size_t pos = tzid.find('/', 1); pos != std::string_view::npos;
         pos = tzid.find('/', pos + 1)) {
      if (Result<const TimeZone*> z = core::FindIanaZone(tzid.substr(pos + 1)); z.ok()) return *z;
    }
  }
  if (std::string_view iana = WindowsZoneToIana(tzid); !iana.empty()) {
    if (Result<const TimeZone*> z = core::FindIanaZone(iana); z.ok()) return *z;
  }
  return nullptr;
}

Instant Clamp(Instant t) { return std::clamp(t, kEarliest, kLatest); }

// `t` moved by `years` calendar years (Feb 29 becomes Mar 1), clamped to the
// range GenerateVTimezone accepts.
Instant AddYears(Instant t, int years) {
  const LocalDateTime l = Clamp(t).utc();
  const CivilDate c = l.date().civil();
  const int y = std::clamp(c.year + years, 2, 9998);
  const int d = std::min(c.day, core::DaysInMonth(y, c.month));
  return Clamp(Instant::FromUnixSeconds(LocalDateTime::FromCivil(y, c.month, d, 0, 0, 0).seconds() +
                                        l.seconds_of_day()));
}

// What AddMissingVTimezones learns from a calendar's components.
struct Usage {
  std::vector<std::string> tzids;  // in order of first use
  std::optional<Instant> earliest, latest;
  bool unbounded = false;

  void Note(Instant t) {
    if (!earliest || t < *earliest) earliest = t;
    if (!latest || t > *latest) latest = t;
  }
  void NoteValue(const DateTimeValue& v, const TimeZone* zone) {
    if (v.utc || zone == nullptr) {
      // UTC, or floating (read as UTC: the year of margin absorbs the offset).
      Note(Instant::FromUnixSeconds(v.local.seconds()));
    } else {
      Note(zone->ToInstant(v.local));
    }
  }
};

bool IsZonedDateProperty(std::string_view name) {
  return name == "DTSTART" || name == "DTEND" || name == "DUE" || name == "RECURRENCE-ID" ||
         name == "EXDATE" || name == "RDATE";
}

void Scan(const Component& c, Usage* usage) {
  for (const Component& sub : c.components) {
    if (sub.name != "VTIMEZONE") Scan(sub, usage);
  }
  if (c.name == "VCALENDAR") return;
  for (const Property& p : c.properties) {
    if (p.name == "RRULE") {
      Result<RecurrenceRule> rule = ParseRecurrenceRule(p.value, RuleParseOptions{true});
      if (!rule.ok()) continue;
      if (rule->until) {
        usage->Note(Instant::FromUnixSeconds(rule->until->value.seconds()));
      } else {
        usage->unbounded = true;  // unbounded, or COUNT (its end is not computed)
      }
      continue;
    }
    if (!IsZonedDateProperty(p.name)) continue;
    const TimeZone* zone = nullptr;
    if (std::optional<std::string_view> tzid = p.ParamValue("TZID"); tzid && !tzid->empty()) {
      if (std::find(usage->tzids.begin(), usage->tzids.end(), *tzid) == usage->tzids.end()) {
        usage->tzids.emplace_back(*tzid);
      }
      zone = ResolveWithoutVTimezone(*tzid);
    }
    const std::optional<std::string_view> type = p.ParamValue("VALUE");
    if (type && EqualsIgnoreCase(*type, "PERIOD")) {
      Result<std::vector<PeriodValue>> periods = ParsePeriodList(p.value);
      if (!periods.ok()) continue;
      for (const PeriodValue& v : *periods) {
        usage->NoteValue(v.start, zone);
        if (v.end) usage->NoteValue(*v.end, zone);
      }
      continue;
    }
    Result<std::vector<DateTimeValue>> values = ParseDateTimeList(p.value);
    if (!values.ok()) continue;
    for (const DateTimeValue& v : *values) usage->NoteValue(v, zone);
  }
}

}  // namespace

Result<Component> GenerateVTimezone(const TimeZone& zone, std::string_view tzid, Instant from,
                                    Instant to) {
  if (from > to) {
    return MakeError(Code::kInvalidArgument, "VTIMEZONE range ends before it starts");
  }
  if (from < kEarliest || to > kLatest) {
    return MakeError(Code::kOutOfRange, "VTIMEZONE range must lie within the years 0002..9998");
  }
  const std::vector<Change> changes = CollectChanges(zone, from, to);
  std::vector<Change> described = changes;
  if (described.empty()) {
    // Constant over the range: describe the change that started the current
    // offset, or a change to itself when the zone never had another.
    if (std::optional<Change> last = LastChangeAtOrBefore(zone, from)) {
      described.push_back(*last);
    } else {
      const core::ZoneSpan s = zone.SpanAt(from);
      Component vtz = MakeVTimezone(tzid, {});
      vtz.components.push_back(
          MakeObservance(false, s.offset, s.offset, LocalDateTime::FromCivil(1970, 1, 1, 0, 0, 0)));
      return vtz;
    }
  }
  Component vtz = MakeVTimezone(tzid, BuildObservances(zone, described, to, true));
  if (EvaluatesBackExactly(vtz, zone, changes, from, to)) return vtz;
  g_rule_fallbacks.fetch_add(1, std::memory_order_relaxed);
  vtz = MakeVTimezone(tzid, BuildObservances(zone, described, to, false));
  if (EvaluatesBackExactly(vtz, zone, changes, from, to)) return vtz;
  return MakeError(Code::kInternal,
                   fmt::format("could not describe time zone \"{}\" as a VTIMEZONE", tzid));
}

Result<Component> GenerateVTimezone(std::string_view tzid, Instant from, Instant to) {
  ALMANAC_ASSIGN_OR_RETURN(const TimeZone* zone, core::FindIanaZone(tzid));
  return GenerateVTimezone(*zone, tzid, from, to);
}

std::size_t AddMissingVTimezones(Component* vcalendar) {
  Usage usage;
  Scan(*vcalendar, &usage);
  if (usage.tzids.empty()) return 0;

  std::set<std::string, std::less<>> defined;
  for (const Component& c : vcalendar->components) {
    if (c.name != "VTIMEZONE") continue;
    if (const Property* id = c.Find("TZID")) defined.insert(UnescapeText(id->value));
  }

  const Instant y2037 =
      Instant::FromUnixSeconds(LocalDateTime::FromCivil(2037, 1, 1, 0, 0, 0).seconds());
  const Instant earliest = usage.earliest.value_or(
      Instant::FromUnixSeconds(LocalDateTime::FromCivil(1970, 1, 1, 0, 0, 0).seconds()));
  const Instant latest = usage.latest.value_or(y2037);
  const Instant from = AddYears(earliest, -1);
  Instant to = AddYears(latest, 1);
  if (usage.unbounded || !usage.latest) to = std::max(to, AddYears(std::max(latest, y2037), 20));

  std::vector<Component> added;
  for (const std::string& tzid : usage.tzids) {
    if (defined.count(tzid) != 0) continue;
    const TimeZone* zone = ResolveWithoutVTimezone(tzid);
    if (zone == nullptr) continue;
    Result<Component> vtz = GenerateVTimezone(*zone, tzid, from, std::max(from, to));
    if (!vtz.ok()) continue;  // kInternal: leave the TZID without a VTIMEZONE
    added.push_back(std::move(vtz).value());
    defined.insert(tzid);
  }
  if (added.empty()) return 0;
  auto pos = std::find_if(vcalendar->components.begin(), vcalendar->components.end(),
                          [](const Component& c) { return c.name != "VTIMEZONE"; });
  vcalendar->components.insert(pos, std::make_move_iterator(added.begin()),
                               std::make_move_iterator(added.end()));
  return added.size();
}

std::uint64_t VTimezoneRuleFallbacksForTest() {
  return g_rule_fallbacks.load(std::memory_order_relaxed);
}

}  // namespace almanac::ical
