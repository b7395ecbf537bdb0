#include "schedule/freebusy.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "ical/serializer.h"
#include "ical/values.h"

namespace almanac::schedule {

using core::Instant;
using core::LocalDateTime;

const char* BusyTypeName(BusyType type) {
  switch (type) {
    case BusyType::kBusy:
      return "BUSY";
    case BusyType::kBusyTentative:
      return "BUSY-TENTATIVE";
    case BusyType::kBusyUnavailable:
      return "BUSY-UNAVAILABLE";
  }
  return "BUSY";
}

namespace {

// The span of the civil calendar (years 0001..9999) as instants.
constexpr Instant kFirstInstant = Instant::FromUnixSeconds(core::kMinLocal.seconds());
constexpr Instant kLastInstant = Instant::FromUnixSeconds(core::kMaxLocal.seconds());

// UTC offsets stay within ±26 hours, so a floating wall-clock time read in
// any zone lies within a day and a bit of the same reading taken as UTC.
constexpr std::int64_t kFloatingMargin = 2 * core::kSecondsPerDay;

bool Overlaps(Instant start, Instant end, Instant from, Instant to) {
  if (start == end) return start >= from && start < to;
  return start < to && end > from;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ValueIs(const ical::Component& c, std::string_view property, std::string_view value) {
  const ical::Property* p = c.Find(property);
  return p != nullptr && ical::EqualsIgnoreCase(TrimSpace(p->value), value);
}

Instant ToInstant(const ical::DateTimeValue& v, const core::TimeZone* floating_zone) {
  if (!v.utc && floating_zone != nullptr) return floating_zone->ToInstant(v.local);
  return Instant::FromUnixSeconds(v.local.seconds());
}

std::string FormatUtc(Instant t) { return core::FormatLocal(t.utc()) + "Z"; }

ical::Property MakeProperty(std::string name, std::string value) {
  ical::Property p;
  p.name = std::move(name);
  p.value = std::move(value);
  return p;
}

// The FREEBUSY periods of a VFREEBUSY component.
void CollectVFreeBusy(const ical::Component& vfreebusy, const FreeBusyOptions& options,
                      std::size_t object, std::vector<BusyPeriod>* out,
                      std::vector<std::string>* warnings) {
  for (const ical::Property* p : vfreebusy.FindAll("FREEBUSY")) {
    BusyType type = BusyType::kBusy;
    if (std::optional<std::string_view> fb = p->ParamValue("FBTYPE")) {
      if (ical::EqualsIgnoreCase(*fb, "FREE")) continue;
      if (ical::EqualsIgnoreCase(*fb, "BUSY-TENTATIVE")) type = BusyType::kBusyTentative;
      if (ical::EqualsIgnoreCase(*fb, "BUSY-UNAVAILABLE")) type = BusyType::kBusyUnavailable;
    }
    Result<std::vector<ical::PeriodValue>> periods = ical::ParsePeriodList(p->value);
    if (!periods.ok()) {
      warnings->push_back(fmt::format("object {}: line {}: FREEBUSY: {}", object, p->line,
                                      periods.error().message));
      continue;
    }
    for (const ical::PeriodValue& v : *periods) {
      const Instant start = ToInstant(v.start, options.floating_zone);
      Instant end = start;
      if (v.end) {
        end = ToInstant(*v.end, options.floating_zone);
      } else if (v.duration) {
        end = start + v.duration->NominalSeconds();
      }
      if (end > start) out->push_back(BusyPeriod{start, end, type});
    }
  }
}

}  // namespace

Result<ical::InstanceResult> ExpandInstancesInZone(const ical::Component& vcalendar, Instant from,
                                                   Instant to, const core::TimeZone* floating_zone,
                                                   const ical::InstanceOptions& options) {
  if (floating_zone == nullptr) return ical::ExpandInstances(vcalendar, from, to, options);
  const Instant wide_from = std::max(kFirstInstant, from - kFloatingMargin);
  const Instant wide_to = std::min(kLastInstant, to + kFloatingMargin);
  ALMANAC_ASSIGN_OR_RETURN(ical::InstanceResult result,
                           ical::ExpandInstances(vcalendar, wide_from, wide_to, options));
  std::vector<ical::Instance> kept;
  kept.reserve(result.instances.size());
  for (ical::Instance& in : result.instances) {
    if (in.zone == nullptr && !in.utc) {
      in.start_instant = floating_zone->ToInstant(in.start);
      in.end_instant = std::max(in.start_instant, floating_zone->ToInstant(in.end));
    }
    if (Overlaps(in.start_instant, in.end_instant, from, to)) kept.push_back(std::move(in));
  }
  std::stable_sort(kept.begin(), kept.end(), [](const ical::Instance& a, const ical::Instance& b) {
    if (a.start_instant != b.start_instant) return a.start_instant < b.start_instant;
    return a.uid < b.uid;
  });
  result.instances = std::move(kept);
  return result;
}

std::vector<BusyPeriod> MergeBusyPeriods(std::vector<BusyPeriod> periods, FreeBusyWindow window) {
  std::vector<BusyPeriod> clipped;
  clipped.reserve(periods.size());
  for (BusyPeriod p : periods) {
    p.start = std::max(p.start, window.start);
    p.end = std::min(p.end, window.end);
    if (p.end > p.start) clipped.push_back(p);
  }
  std::sort(clipped.begin(), clipped.end(), [](const BusyPeriod& a, const BusyPeriod& b) {
    if (a.type != b.type) return a.type < b.type;
    return a.start < b.start;
  });
  std::vector<BusyPeriod> merged;
  merged.reserve(clipped.size());
  for (const BusyPeriod& p : clipped) {
    if (!merged.empty() && merged.back().type == p.type && p.start <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, p.end);
    } else {
      merged.push_back(p);
    }
  }
  std::sort(merged.begin(), merged.end(), [](const BusyPeriod& a, const BusyPeriod& b) {
    if (a.start != b.start) return a.start < b.start;
    return a.type < b.type;
  });
  return merged;
}

FreeBusyResult CollectFreeBusy(std::span<const ical::Component* const> vcalendars,
                               FreeBusyWindow window, const FreeBusyOptions& options) {
  FreeBusyResult result;
  std::vector<BusyPeriod> raw;
  ical::InstanceOptions instance_options = options.instances;
  instance_options.include_todos = false;
  for (std::size_t i = 0; i < vcalendars.size(); ++i) {
    const ical::Component& cal = *vcalendars[i];
    const bool has_events =
        std::any_of(cal.components.begin(), cal.components.end(),
                    [](const ical::Component& c) { return c.name == "VEVENT"; });
    if (has_events) {
      Result<ical::InstanceResult> expanded = ExpandInstancesInZone(
          cal, window.start, window.end, options.floating_zone, instance_options);
      if (!expanded.ok()) {
        result.warnings.push_back(fmt::format("object {}: {}", i, expanded.error().message));
      } else {
        for (const std::string& w : expanded->warnings) {
          result.warnings.push_back(fmt::format("object {}: {}", i, w));
        }
        result.truncated = result.truncated || expanded->truncated;
        for (const ical::Instance& in : expanded->instances) {
          const ical::Component& c = *in.component;
          if (c.name != "VEVENT" || in.end_instant <= in.start_instant) continue;
          if (ValueIs(c, "TRANSP", "TRANSPARENT") || ValueIs(c, "STATUS", "CANCELLED")) continue;
          // Out of office (Microsoft's busy status, which Outlook, Exchange
          // and Almanac's approved leave write) is BUSY-UNAVAILABLE.
          const BusyType type = ValueIs(c, "X-MICROSOFT-CDO-BUSYSTATUS", "OOF")
                                    ? BusyType::kBusyUnavailable
                                : ValueIs(c, "STATUS", "TENTATIVE") ? BusyType::kBusyTentative
                                                                    : BusyType::kBusy;
          raw.push_back(BusyPeriod{in.start_instant, in.end_instant, type});
        }
      }
    }
    for (const ical::Component& c : cal.components) {
      if (c.name == "VFREEBUSY") CollectVFreeBusy(c, options, i, &raw, &result.warnings);
    }
  }
  result.periods = MergeBusyPeriods(std::move(raw), window);
  return result;
}

std::vector<BusyPeriod> BusyPeriods(std::span<const ical::Component* const> vcalendars,
                                    FreeBusyWindow window, const FreeBusyOptions& options) {
  return CollectFreeBusy(vcalendars, window, options).periods;
}

std::vector<BusyPeriod> BusyPeriods(std::span<const ical::Component> vcalendars,
                                    FreeBusyWindow window, const FreeBusyOptions& options) {
  std::vector<const ical::Component*> pointers;
  pointers.reserve(vcalendars.size());
  for (const ical::Component& c : vcalendars) pointers.push_back(&c);
  return CollectFreeBusy(pointers, window, options).periods;
}

std::string FreeBusyCalendar(const std::vector<BusyPeriod>& periods, FreeBusyWindow window,
                             Instant dtstamp, const FreeBusyCalendarOptions& options) {
  std::vector<BusyPeriod> sorted = periods;
  std::stable_sort(sorted.begin(), sorted.end(), [](const BusyPeriod& a, const BusyPeriod& b) {
    if (a.start != b.start) return a.start < b.start;
    return a.type < b.type;
  });
  ical::Component fb;
  fb.name = "VFREEBUSY";
  if (!options.uid.empty())
    fb.properties.push_back(MakeProperty("UID", ical::EscapeText(options.uid)));
  fb.properties.push_back(MakeProperty("DTSTAMP", FormatUtc(dtstamp)));
  fb.properties.push_back(MakeProperty("DTSTART", FormatUtc(window.start)));
  fb.properties.push_back(MakeProperty("DTEND", FormatUtc(window.end)));
  for (const BusyPeriod& p : sorted) {
    ical::Property line = MakeProperty("FREEBUSY", FormatUtc(p.start) + "/" + FormatUtc(p.end));
    if (p.type != BusyType::kBusy) line.params.push_back({"FBTYPE", {BusyTypeName(p.type)}});
    fb.properties.push_back(std::move(line));
  }
  ical::Component cal;
  cal.name = "VCALENDAR";
  cal.properties.push_back(MakeProperty("VERSION", "2.0"));
  cal.properties.push_back(MakeProperty("PRODID", ical::EscapeText(options.prodid)));
  cal.components.push_back(std::move(fb));
  return ical::Serialize(cal);
}

}  // namespace almanac::schedule
