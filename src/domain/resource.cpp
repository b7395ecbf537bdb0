#include "domain/resource.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/crypto.h"
#include "domain/model.h"
#include "ical/instances.h"
#include "ical/rrule.h"
#include "ical/values.h"

namespace almanac::domain {
namespace {

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }

bool IsObject(const ical::Component& c) { return c.name == "VEVENT" || c.name == "VTODO"; }

// Whether the series can be enumerated to its end: no RRULE without COUNT or UNTIL.
bool Bounded(const ical::Component& master) {
  for (const ical::Property& p : master.properties) {
    if (p.name != "RRULE") continue;
    Result<ical::RecurrenceRule> rule = ical::ParseRecurrenceRule(p.value);
    if (!rule.ok() || (!rule->count && !rule->until)) return false;
  }
  return true;
}

}  // namespace

ical::Component* MasterOf(ical::Component& vcalendar) {
  for (ical::Component& c : vcalendar.components) {
    if (IsObject(c) && c.Find("RECURRENCE-ID") == nullptr) return &c;
  }
  return nullptr;
}

const ical::Component* MasterOf(const ical::Component& vcalendar) {
  return MasterOf(const_cast<ical::Component&>(vcalendar));
}

std::string ETagOf(std::string_view ics) { return core::Sha256Hex(ics).substr(0, 32); }

namespace {
bool NameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '@' || c == '+' || c == '~';
}
}  // namespace

std::string ResourceNameFor(std::string_view uid) {
  const bool safe = !uid.empty() && uid.size() <= 200 && uid != "." && uid != ".." &&
                    std::all_of(uid.begin(), uid.end(), [](char c) { return NameChar(c); });
  if (safe) return std::string(uid) + ".ics";
  return core::Sha256Hex(uid).substr(0, 32) + ".ics";
}

bool ValidResourceName(std::string_view name) {
  return !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), [](char c) { return NameChar(c); });
}

void NormalizeObject(ical::Component* c, core::Instant now) {
  static const std::set<std::string, std::less<>> kOnce = {
      "DTSTART", "DTEND",    "DUE",           "DURATION", "UID",      "SUMMARY",  "DESCRIPTION",
      "LOCATION", "DTSTAMP", "SEQUENCE",      "STATUS",   "CLASS",    "PRIORITY", "RECURRENCE-ID",
      "CREATED", "LAST-MODIFIED", "TRANSP",   "URL",      "ORGANIZER", "GEO"};
  static const std::set<std::string, std::less<>> kDated = {"DTSTART", "DTEND", "DUE",
                                                            "RECURRENCE-ID", "EXDATE", "RDATE"};
  std::set<std::string, std::less<>> seen;
  std::erase_if(c->properties, [&](const ical::Property& p) {
    return kOnce.contains(p.name) && !seen.insert(p.name).second;
  });
  for (ical::Property& p : c->properties) {
    if (!kDated.contains(p.name) || p.FindParam("VALUE") != nullptr) continue;
    const std::string_view v = p.value;
    if (v.size() == 8 || (v.size() > 8 && v[8] == ',')) {
      p.params.push_back(ical::Parameter{"VALUE", {"DATE"}});
    }
  }
  if (c->Find("DTSTAMP") == nullptr) {
    c->properties.push_back(ical::Property{"DTSTAMP", {}, core::FormatLocal(now.utc()) + "Z", 0});
  }
}

ical::Component NewCalendarShell() {
  ical::Component cal;
  cal.name = "VCALENDAR";
  cal.properties.push_back(ical::Property{"VERSION", {}, "2.0", 0});
  cal.properties.push_back(ical::Property{"PRODID", {}, "-//Almanac//Almanac Calendar Server//EN", 0});
  return cal;
}

Result<ResourceInfo> AnalyzeResource(const ical::Component& vcalendar) {
  if (vcalendar.name != "VCALENDAR") {
    return Invalid(fmt::format("expected a VCALENDAR, got {}", vcalendar.name));
  }
  ResourceInfo info;
  const ical::Component* master = nullptr;
  std::set<std::string> rids;
  std::size_t objects = 0;
  for (const ical::Component& c : vcalendar.components) {
    if (!IsObject(c)) {
      if (c.name == "VJOURNAL" || c.name == "VFREEBUSY") {
        return Invalid(fmt::format("line {}: {} is not stored; only VEVENT and VTODO are",
                                   c.line, c.name));
      }
      continue;
    }
    ++objects;
    if (info.component.empty()) {
      info.component = c.name;
    } else if (info.component != c.name) {
      return Invalid(fmt::format("line {}: one resource cannot mix {} and {}", c.line,
                                 info.component, c.name));
    }
    const ical::Property* uid = c.Find("UID");
    if (uid == nullptr || uid->value.empty()) {
      return Invalid(fmt::format("line {}: {} has no UID", c.line, c.name));
    }
    if (uid->value.size() > 512) return Invalid(fmt::format("line {}: UID is too long", c.line));
    if (info.uid.empty()) {
      info.uid = uid->value;
    } else if (info.uid != uid->value) {
      return Invalid(fmt::format("line {}: one resource holds one UID, found \"{}\" and \"{}\"",
                                 c.line, ical::ShortForMessage(info.uid),
                                 ical::ShortForMessage(uid->value)));
    }
    if (const ical::Property* rid = c.Find("RECURRENCE-ID")) {
      if (!rids.insert(rid->value).second) {
        return Invalid(fmt::format("line {}: two overrides for RECURRENCE-ID {}", c.line,
                                   ical::ShortForMessage(rid->value)));
      }
    } else if (master != nullptr) {
      return Invalid(fmt::format("line {}: two {}s with UID \"{}\" and no RECURRENCE-ID",
                                 c.line, c.name, ical::ShortForMessage(info.uid)));
    } else {
      master = &c;
    }
    if (c.Find("DTSTART") == nullptr && c.name == "VEVENT") {
      return Invalid(fmt::format("line {}: VEVENT has no DTSTART", c.line));
    }
  }
  if (objects == 0) return Invalid("the calendar holds no VEVENT or VTODO");
  const ical::Component& head = master != nullptr ? *master : *std::find_if(
      vcalendar.components.begin(), vcalendar.components.end(), IsObject);
  if (const ical::Property* s = head.Find("SUMMARY")) info.summary = ical::UnescapeText(s->value);
  if (const ical::Property* s = head.Find("SEQUENCE")) {
    std::from_chars(s->value.data(), s->value.data() + s->value.size(), info.sequence);
  }
  info.recurring = master != nullptr &&
                   (master->Find("RRULE") != nullptr || master->Find("RDATE") != nullptr);

  // The span every instance lies in. A task without DTSTART has no instances
  // in time (it shows on its DUE date in the integrated feed).
  ical::InstanceOptions options;
  options.limits.max_occurrences = 100'000;
  options.max_instances = 100'000;
  const bool unbounded = master != nullptr && !Bounded(*master);
  const core::Instant from = core::Instant::FromUnixSeconds(-62135596800);  // 0001-01-01
  const core::Instant to = core::Instant::FromUnixSeconds(kUnboundedEnd);
  if (unbounded) {
    // Only the first instance matters; the end is open. Not a cap of one:
    // the overrides come with the capped occurrences, and one of them (say
    // in 2027) must not stand for the series' first instance.
    options.max_instances = 64;
    options.limits.max_occurrences = 64;
  }
  ALMANAC_ASSIGN_OR_RETURN(ical::InstanceResult result,
                           ical::ExpandInstances(vcalendar, from, to, options));
  if (result.instances.empty()) {
    info.first_start = 0;
    info.last_end = unbounded ? kUnboundedEnd : 0;
    return info;
  }
  info.first_start = result.instances.front().start_instant.unix_seconds();
  info.last_end = info.first_start;
  for (const ical::Instance& i : result.instances) {
    info.first_start = std::min(info.first_start, i.start_instant.unix_seconds());
    info.last_end = std::max(info.last_end, i.end_instant.unix_seconds());
  }
  // Overrides can move an occurrence before the first or after the last.
  if (unbounded || result.truncated) info.last_end = kUnboundedEnd;
  if (info.last_end == info.first_start) ++info.last_end;  // zero-length: [t, t+1)
  return info;
}

}  // namespace almanac::domain
