#include "caldav/calendar_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "ical/serializer.h"
#include "ical/values.h"
#include "ical/vtimezone.h"
#include "schedule/freebusy.h"

namespace almanac::caldav {

using core::Instant;

namespace {

Error Invalid(std::string what) {
  return MakeError(Code::kInvalidArgument, "invalid calendar-data: " + std::move(what));
}

std::string Upper(std::string_view s) {
  std::string out(s);
  ical::ToUpperAscii(&out);
  return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

Result<std::string> NameOf(const XmlElement& e) {
  std::optional<std::string_view> name = e.Attribute("name");
  if (!name || Trimmed(*name).empty()) return Invalid(e.name + " needs a name attribute");
  return Upper(Trimmed(*name));
}

Result<CompSelection> ParseComp(const XmlElement& e) {
  CompSelection sel;
  ALMANAC_ASSIGN_OR_RETURN(sel.name, NameOf(e));
  bool allprop = false;
  bool allcomp = false;
  for (const XmlElement& c : e.children) {
    if (c.ns != kCalDav) continue;
    if (c.name == "allprop") {
      allprop = true;
    } else if (c.name == "allcomp") {
      allcomp = true;
    } else if (c.name == "prop") {
      PropSelection p;
      ALMANAC_ASSIGN_OR_RETURN(p.name, NameOf(c));
      if (std::optional<std::string_view> nv = c.Attribute("novalue")) {
        const std::string_view v = Trimmed(*nv);
        if (v != "yes" && v != "no") return Invalid("novalue must be \"yes\" or \"no\"");
        p.novalue = v == "yes";
      }
      sel.props.push_back(std::move(p));
    } else if (c.name == "comp") {
      ALMANAC_ASSIGN_OR_RETURN(CompSelection sub, ParseComp(c));
      sel.comps.push_back(std::move(sub));
    } else {
      return Invalid(fmt::format("unexpected {} in comp", c.name));
    }
  }
  if (allprop && !sel.props.empty()) return Invalid("allprop cannot be combined with prop");
  if (allcomp && !sel.comps.empty()) return Invalid("allcomp cannot be combined with comp");
  sel.all_props = sel.props.empty();
  sel.all_comps = sel.comps.empty();
  return sel;
}

// Formats for the expanded output.
std::string FormatUtc(Instant t) { return core::FormatLocal(t.utc()) + "Z"; }

// Sets property `name` of `c` to `value` (dropping TZID and VALUE, adding
// VALUE=DATE for a date), in place, or inserts it after DTSTART (or at the
// end) when `insert` and it is absent.
void SetTime(ical::Component* c, std::string_view name, std::string value, bool is_date,
             bool insert) {
  auto it = std::find_if(c->properties.begin(), c->properties.end(),
                         [&](const ical::Property& p) { return p.name == name; });
  if (it == c->properties.end()) {
    if (!insert) return;
    auto after = std::find_if(c->properties.begin(), c->properties.end(),
                              [](const ical::Property& p) { return p.name == "DTSTART"; });
    ical::Property p;
    p.name = std::string(name);
    it = c->properties.insert(after == c->properties.end() ? after : after + 1, std::move(p));
  }
  std::vector<ical::Parameter> params;
  for (ical::Parameter& p : it->params) {
    if (p.name != "TZID" && p.name != "VALUE" && p.name != "RANGE") params.push_back(std::move(p));
  }
  if (is_date) params.push_back(ical::Parameter{"VALUE", {"DATE"}});
  it->params = std::move(params);
  it->value = std::move(value);
}

// The instant of a DATE-TIME property value, its TZID resolved in `zones`,
// floating read in `floating_zone` (or as UTC). nullopt when unreadable.
std::optional<Instant> PropertyInstant(const ical::Property& p, ical::ZoneResolver* zones,
                                       const core::TimeZone* floating_zone) {
  Result<ical::DateTimeValue> v = ical::ParseDateTimeValue(p.value);
  if (!v.ok()) return std::nullopt;
  if (v->utc) return Instant::FromUnixSeconds(v->local.seconds());
  const core::TimeZone* zone = floating_zone;
  if (!v->is_date) {
    if (std::optional<std::string_view> tzid = p.ParamValue("TZID")) {
      Result<const core::TimeZone*> z = zones->Resolve(*tzid);
      if (z.ok()) zone = *z;
    }
  }
  return zone != nullptr ? zone->ToInstant(v->local) : Instant::FromUnixSeconds(v->local.seconds());
}

bool IsThisAndFuture(const ical::Property& rid) {
  std::optional<std::string_view> range = rid.ParamValue("RANGE");
  return range && ical::EqualsIgnoreCase(*range, "THISANDFUTURE");
}

// One expanded instance as its own component (RFC 4791 §9.6.5).
ical::Component ExpandedInstance(const ical::Instance& in, ical::ZoneResolver* zones,
                                 const core::TimeZone* floating_zone) {
  ical::Component c = *in.component;
  std::erase_if(c.properties, [](const ical::Property& p) {
    return p.name == "RRULE" || p.name == "RDATE" || p.name == "EXDATE" || p.name == "EXRULE";
  });
  const auto value = [&](core::LocalDateTime local, Instant at) {
    return in.all_day ? core::FormatDate(local.date()) : FormatUtc(at);
  };
  const bool has_start = c.Find("DTSTART") != nullptr;
  if (c.name == "VTODO" && !has_start) {
    SetTime(&c, "DUE", value(in.start, in.start_instant), in.all_day, false);
  } else {
    SetTime(&c, "DTSTART", value(in.start, in.start_instant), in.all_day, true);
    SetTime(&c, c.name == "VTODO" ? "DUE" : "DTEND", value(in.end, in.end_instant), in.all_day,
            false);
  }
  if (in.recurrence_id) {
    std::string rid;
    const ical::Property* own = in.component->Find("RECURRENCE-ID");
    if (in.all_day) {
      rid = core::FormatDate(in.recurrence_id->date());
    } else if (own != nullptr && !IsThisAndFuture(*own)) {
      // A single override: its own RECURRENCE-ID, which may name another zone
      // than the override's DTSTART.
      std::optional<Instant> at = PropertyInstant(*own, zones, floating_zone);
      rid = at ? FormatUtc(*at) : own->value;
    } else {
      // The master's frame, which is the instance's zone here.
      const core::TimeZone* zone = in.zone != nullptr ? in.zone : in.utc ? nullptr : floating_zone;
      const Instant at = zone != nullptr ? zone->ToInstant(*in.recurrence_id)
                                         : Instant::FromUnixSeconds(in.recurrence_id->seconds());
      rid = FormatUtc(at);
    }
    SetTime(&c, "RECURRENCE-ID", std::move(rid), in.all_day, true);
  }
  return c;
}

bool IsRecurrenceComponent(const ical::Component& c) {
  return c.name == "VEVENT" || c.name == "VTODO";
}

ical::InstanceOptions InstanceOptionsFor(const RenderOptions& options) {
  ical::InstanceOptions io;
  io.limits.max_occurrences = std::max<std::size_t>(options.max_occurrences, 1);
  io.max_instances = std::max<std::size_t>(options.max_occurrences * 4, 100'000);
  return io;
}

Result<ical::Component> Expand(const ical::Component& vcal, const TimeRange& range,
                               const RenderOptions& options) {
  ALMANAC_ASSIGN_OR_RETURN(
      ical::InstanceResult r,
      schedule::ExpandInstancesInZone(vcal, *range.start - 1, *range.end + 1, options.default_zone,
                                      InstanceOptionsFor(options)));
  ical::Component out;
  out.name = vcal.name;
  out.properties = vcal.properties;
  for (const ical::Component& c : vcal.components) {
    if (c.name == "VTIMEZONE") continue;
    const bool undated_todo = c.name == "VTODO" && c.Find("DTSTART") == nullptr &&
                              c.Find("DUE") == nullptr && c.Find("RECURRENCE-ID") == nullptr;
    if (IsRecurrenceComponent(c) && !undated_todo) continue;  // replaced by instances
    out.components.push_back(c);
  }
  for (const ical::Instance& in : r.instances) {
    if (!InstanceOverlaps(in, range)) continue;
    out.components.push_back(ExpandedInstance(in, r.zones.get(), options.default_zone));
  }
  return out;
}

void LimitRecurrenceSet(ical::Component* cal, const TimeRange& range,
                        const RenderOptions& options) {
  Result<ical::InstanceResult> r = schedule::ExpandInstancesInZone(
      *cal, *range.start - 1, *range.end + 1, options.default_zone, InstanceOptionsFor(options));
  if (!r.ok()) return;  // keep everything rather than lose data
  std::set<const ical::Component*> in_range;
  for (const ical::Instance& in : r->instances) {
    if (InstanceOverlaps(in, range)) in_range.insert(in.component);
  }
  ical::ZoneResolver* zones = r->zones.get();
  std::vector<bool> keep(cal->components.size(), true);
  for (std::size_t i = 0; i < cal->components.size(); ++i) {
    const ical::Component& c = cal->components[i];
    const ical::Property* rid = c.Find("RECURRENCE-ID");
    if (!IsRecurrenceComponent(c) || rid == nullptr || in_range.count(&c) != 0) continue;
    const std::optional<Instant> at = PropertyInstant(*rid, zones, options.default_zone);
    if (!at) continue;
    const bool rid_in_range = *at >= *range.start && *at < *range.end;
    const bool affects_range = IsThisAndFuture(*rid) && *at < *range.end;
    keep[i] = rid_in_range || affects_range;
  }
  std::vector<ical::Component> kept;
  kept.reserve(cal->components.size());
  for (std::size_t i = 0; i < cal->components.size(); ++i) {
    if (keep[i]) kept.push_back(std::move(cal->components[i]));
  }
  cal->components = std::move(kept);
}

void LimitFreeBusySet(ical::Component* cal, const TimeRange& range, const RenderOptions& options) {
  for (ical::Component& c : cal->components) {
    if (c.name != "VFREEBUSY") continue;
    std::vector<ical::Property> props;
    for (ical::Property& p : c.properties) {
      if (p.name != "FREEBUSY") {
        props.push_back(std::move(p));
        continue;
      }
      Result<std::vector<ical::PeriodValue>> periods = ical::ParsePeriodList(p.value);
      if (!periods.ok()) {
        props.push_back(std::move(p));
        continue;
      }
      std::string value;
      for (const ical::PeriodValue& v : *periods) {
        const auto at = [&](const ical::DateTimeValue& t) {
          return t.utc || options.default_zone == nullptr
                     ? Instant::FromUnixSeconds(t.local.seconds())
                     : options.default_zone->ToInstant(t.local);
        };
        const Instant s = at(v.start);
        const Instant e = v.end ? at(*v.end) : s + v.duration->NominalSeconds();
        if (s < *range.end && e > *range.start) {
          if (!value.empty()) value.push_back(',');
          value += ical::FormatPeriod(v);
        }
      }
      if (value.empty()) continue;
      p.value = std::move(value);
      props.push_back(std::move(p));
    }
    c.properties = std::move(props);
  }
}

ical::Component Prune(const ical::Component& c, const CompSelection& sel) {
  ical::Component out;
  out.name = c.name;
  out.line = c.line;
  if (sel.all_props) {
    out.properties = c.properties;
  } else {
    for (const ical::Property& p : c.properties) {
      auto it = std::find_if(sel.props.begin(), sel.props.end(),
                             [&](const PropSelection& s) { return s.name == p.name; });
      if (it == sel.props.end()) continue;
      out.properties.push_back(p);
      if (it->novalue) out.properties.back().value.clear();
    }
  }
  if (sel.all_comps) {
    out.components = c.components;
  } else {
    for (const ical::Component& child : c.components) {
      auto it = std::find_if(sel.comps.begin(), sel.comps.end(),
                             [&](const CompSelection& s) { return s.name == child.name; });
      if (it != sel.comps.end()) out.components.push_back(Prune(child, *it));
    }
  }
  return out;
}

}  // namespace

Result<CalendarDataRequest> ParseCalendarData(const XmlElement& calendar_data) {
  if (!calendar_data.Is(kCalDav, "calendar-data")) return Invalid("expected CALDAV:calendar-data");
  if (std::optional<std::string_view> type = calendar_data.Attribute("content-type")) {
    std::string_view media = Trimmed(*type);
    media = Trimmed(media.substr(0, media.find(';')));
    if (AsciiLower(media) != "text/calendar") {
      return MakeError(Code::kUnimplemented,
                       fmt::format("calendar-data content-type \"{}\" is not supported",
                                   ical::ShortForMessage(*type)));
    }
  }
  if (std::optional<std::string_view> version = calendar_data.Attribute("version")) {
    if (Trimmed(*version) != "2.0") {
      return MakeError(Code::kUnimplemented,
                       fmt::format("calendar-data version \"{}\" is not supported",
                                   ical::ShortForMessage(*version)));
    }
  }
  CalendarDataRequest req;
  for (const XmlElement& c : calendar_data.children) {
    if (c.ns != kCalDav) continue;
    std::optional<TimeRange>* range = nullptr;
    if (c.name == "comp") {
      if (req.comp) return Invalid("more than one top-level comp");
      ALMANAC_ASSIGN_OR_RETURN(CompSelection sel, ParseComp(c));
      if (sel.name != "VCALENDAR") return Invalid("the top-level comp must name VCALENDAR");
      req.comp = std::move(sel);
      continue;
    }
    if (c.name == "expand") {
      range = &req.expand;
    } else if (c.name == "limit-recurrence-set") {
      range = &req.limit_recurrence_set;
    } else if (c.name == "limit-freebusy-set") {
      range = &req.limit_freebusy_set;
    } else {
      return Invalid(fmt::format("unexpected {} in calendar-data", c.name));
    }
    if (range->has_value()) return Invalid(fmt::format("more than one {}", c.name));
    Result<TimeRange> r = ParseTimeRange(c, /*require_both=*/true);
    if (!r.ok()) return Invalid(r.error().message);
    *range = *r;
  }
  if (req.expand && req.limit_recurrence_set) {
    return Invalid("expand and limit-recurrence-set cannot be combined");
  }
  return req;
}

bool IsIdentity(const CalendarDataRequest& request) {
  const bool whole = !request.comp || (request.comp->all_props && request.comp->all_comps);
  return whole && !request.expand && !request.limit_recurrence_set && !request.limit_freebusy_set;
}

std::string RenderCalendarData(const CalendarDataRequest& request, const ical::Component& vcalendar,
                               const RenderOptions& options) {
  if (IsIdentity(request)) return ical::Serialize(vcalendar);
  ical::Component cal;
  bool expanded = false;
  if (request.expand) {
    Result<ical::Component> e = Expand(vcalendar, *request.expand, options);
    if (e.ok()) {
      cal = std::move(e).value();
      expanded = true;
    }
  }
  if (!expanded) cal = vcalendar;
  if (request.limit_recurrence_set) {
    LimitRecurrenceSet(&cal, *request.limit_recurrence_set, options);
  }
  if (request.limit_freebusy_set) LimitFreeBusySet(&cal, *request.limit_freebusy_set, options);
  if (request.comp) return ical::Serialize(Prune(cal, *request.comp));
  return ical::Serialize(cal);
}

}  // namespace almanac::caldav
