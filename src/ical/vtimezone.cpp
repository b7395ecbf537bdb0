#include "ical/vtimezone.h"

#include <fmt/format.h>

#include <algorithm>

#include "ical/recurrence.h"
#include "ical/rrule.h"
#include "ical/values.h"

namespace almanac::ical {
namespace {

Error At(const Component& c, std::string_view what) {
  return MakeError(Code::kInvalidArgument, fmt::format("line {}: {}: {}", c.line, c.name, what));
}

Result<int> Offset(const Component& obs, const char* name) {
  const Property* p = obs.Find(name);
  if (p == nullptr) return At(obs, fmt::format("{} is required", name));
  Result<int> v = ParseUtcOffset(p->value);
  if (!v.ok()) return At(obs, fmt::format("{}: {}", name, v.error().message));
  return v;
}

struct Onset {
  core::Instant at;
  int offset_from;
  int offset_to;
  bool dst;
};

Status CollectOnsets(const Component& obs, int until_year, std::vector<Onset>* out) {
  const bool dst = obs.name == "DAYLIGHT";
  ALMANAC_ASSIGN_OR_RETURN(const int from, Offset(obs, "TZOFFSETFROM"));
  ALMANAC_ASSIGN_OR_RETURN(const int to, Offset(obs, "TZOFFSETTO"));
  const Property* ds = obs.Find("DTSTART");
  if (ds == nullptr) return At(obs, "DTSTART is required");
  Result<DateTimeValue> start = ParseDateTimeValue(ds->value);
  if (!start.ok()) return At(obs, "DTSTART: " + start.error().message);
  const core::LocalDateTime end_local = core::LocalDateTime::FromCivil(until_year, 1, 1, 0, 0, 0);
  auto add_local = [&](core::LocalDateTime local) {
    out->push_back({core::Instant::FromUnixSeconds(local.seconds() - from), from, to, dst});
  };

  SeriesSpec spec;
  spec.dtstart = start->local;
  for (const Property* p : obs.FindAll("RRULE")) {
    Result<RecurrenceRule> rule = ParseRecurrenceRule(p->value, RuleParseOptions{true});
    if (!rule.ok()) return At(obs, "RRULE: " + rule.error().message);
    // UNTIL is UTC here (RFC 5545 §3.6.5): the onset's instant must not pass it.
    if (rule->until && rule->until->utc) {
      rule->until->utc = false;
      rule->until->value =
          rule->until->value + from;  // the same instant as wall clock before the onset
    }
    spec.rrules.push_back(std::move(rule).value());
  }
  for (const Property* p : obs.FindAll("RDATE")) {
    const bool period =
        p->ParamValue("VALUE") && EqualsIgnoreCase(*p->ParamValue("VALUE"), "PERIOD");
    if (period) {
      Result<std::vector<PeriodValue>> ps = ParsePeriodList(p->value);
      if (!ps.ok()) return At(obs, "RDATE: " + ps.error().message);
      for (const PeriodValue& v : *ps)
        spec.rdates.push_back({v.start.utc ? v.start.local + from : v.start.local, std::nullopt});
      continue;
    }
    Result<std::vector<DateTimeValue>> vs = ParseDateTimeList(p->value);
    if (!vs.ok()) return At(obs, "RDATE: " + vs.error().message);
    for (const DateTimeValue& v : *vs) {
      spec.rdates.push_back({v.utc ? v.local + from : v.local, std::nullopt});
    }
  }
  if (spec.rrules.empty()) {
    add_local(spec.dtstart);
    for (const RDate& r : spec.rdates) add_local(r.start);
    return OkStatus();
  }
  ExpandLimits limits;
  limits.max_occurrences = 5000;
  Result<Expansion> e = Expand(spec, core::kMinLocal, end_local, limits);
  if (!e.ok()) return At(obs, e.error().message);
  for (const Occurrence& o : e->occurrences) add_local(o.start);
  return OkStatus();
}

// Drops a globally-unique TZID prefix ("/mozilla.org/20050126_1/Europe/Berlin",
// "/softwarestudio.org/Olson_20011030_5/America/New_York") down to the part
// that names an IANA zone, if any does.
Result<const core::TimeZone*> FindIanaSuffix(std::string_view tzid) {
  Result<const core::TimeZone*> z = core::FindIanaZone(tzid);
  if (z.ok() || tzid.empty() || tzid[0] != '/') return z;
  for (std::size_t pos = tzid.find('/', 1); pos != std::string_view::npos;
       pos = tzid.find('/', pos + 1)) {
    Result<const core::TimeZone*> s = core::FindIanaZone(tzid.substr(pos + 1));
    if (s.ok()) return s;
  }
  return z;
}

}  // namespace

Result<std::unique_ptr<core::TransitionZone>> BuildZoneFromVTimezone(const Component& vtimezone,
                                                                     int until_year) {
  const Property* tzid = vtimezone.Find("TZID");
  if (tzid == nullptr || tzid->value.empty()) return At(vtimezone, "TZID is required");
  std::vector<Onset> onsets;
  for (const Component& obs : vtimezone.components) {
    if (obs.name != "STANDARD" && obs.name != "DAYLIGHT") continue;
    ALMANAC_RETURN_IF_ERROR(CollectOnsets(obs, until_year, &onsets));
  }
  if (onsets.empty()) return At(vtimezone, "needs at least one STANDARD or DAYLIGHT");
  std::sort(onsets.begin(), onsets.end(),
            [](const Onset& a, const Onset& b) { return a.at < b.at; });
  std::vector<core::TransitionZone::Transition> transitions;
  transitions.reserve(onsets.size());
  for (const Onset& o : onsets) transitions.push_back({o.at, o.offset_to, o.dst});
  const Onset& first = onsets.front();
  // Before the first onset the zone is at its TZOFFSETFROM, and was in the
  // other kind of time than the onset switches to.
  return std::make_unique<core::TransitionZone>(tzid->value, first.offset_from, !first.dst,
                                                std::move(transitions));
}

ZoneResolver::ZoneResolver(const Component& calendar) {
  for (const Component& c : calendar.components) {
    if (c.name != "VTIMEZONE") continue;
    if (const Property* id = c.Find("TZID")) vtimezones_.emplace(id->value, &c);
  }
}

Result<const core::TimeZone*> ZoneResolver::Resolve(std::string_view tzid) {
  Result<const core::TimeZone*> iana = FindIanaSuffix(tzid);
  if (iana.ok()) return iana;
  if (auto b = built_.find(tzid); b != built_.end()) {
    return static_cast<const core::TimeZone*>(b->second.get());
  }
  if (auto v = vtimezones_.find(tzid); v != vtimezones_.end()) {
    ALMANAC_ASSIGN_OR_RETURN(std::unique_ptr<core::TransitionZone> zone,
                             BuildZoneFromVTimezone(*v->second));
    const core::TimeZone* raw = zone.get();
    built_.emplace(std::string(tzid), std::move(zone));
    return raw;
  }
  if (std::string_view iana_name = WindowsZoneToIana(tzid); !iana_name.empty()) {
    return core::FindIanaZone(iana_name);
  }
  return MakeError(
      Code::kNotFound,
      fmt::format("unknown TZID \"{}\": not an IANA zone and no VTIMEZONE defines it", tzid));
}

std::string_view WindowsZoneToIana(std::string_view name) {
  // The zones Outlook and Exchange write most often (CLDR windowsZones, "001" territory).
  static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"AUS Eastern Standard Time", "Australia/Sydney"},
      {"Alaskan Standard Time", "America/Anchorage"},
      {"Arabian Standard Time", "Asia/Dubai"},
      {"Atlantic Standard Time", "America/Halifax"},
      {"Cen. Australia Standard Time", "Australia/Adelaide"},
      {"Central Europe Standard Time", "Europe/Budapest"},
      {"Central European Standard Time", "Europe/Warsaw"},
      {"Central Standard Time", "America/Chicago"},
      {"China Standard Time", "Asia/Shanghai"},
      {"E. Europe Standard Time", "Europe/Chisinau"},
      {"E. South America Standard Time", "America/Sao_Paulo"},
      {"Eastern Standard Time", "America/New_York"},
      {"FLE Standard Time", "Europe/Kiev"},
      {"GMT Standard Time", "Europe/London"},
      {"GTB Standard Time", "Europe/Bucharest"},
      {"Greenwich Standard Time", "Atlantic/Reykjavik"},
      {"Hawaiian Standard Time", "Pacific/Honolulu"},
      {"India Standard Time", "Asia/Calcutta"},
      {"Israel Standard Time", "Asia/Jerusalem"},
      {"Korea Standard Time", "Asia/Seoul"},
      {"Mountain Standard Time", "America/Denver"},
      {"New Zealand Standard Time", "Pacific/Auckland"},
      {"Pacific Standard Time", "America/Los_Angeles"},
      {"Romance Standard Time", "Europe/Paris"},
      {"Russian Standard Time", "Europe/Moscow"},
      {"SE Asia Standard Time", "Asia/Bangkok"},
      {"Singapore Standard Time", "Asia/Singapore"},
      {"South Africa Standard Time", "Africa/Johannesburg"},
      {"Tokyo Standard Time", "Asia/Tokyo"},
      {"US Mountain Standard Time", "America/Phoenix"},
      {"UTC", "Etc/UTC"},
      {"W. Australia Standard Time", "Australia/Perth"},
      {"W. Europe Standard Time", "Europe/Berlin"},
  };
  for (const auto& [win, iana] : kMap) {
    if (win == name) return iana;
  }
  return {};
}

}  // namespace almanac::ical
