#include "domain/event_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "ical/recurrence.h"
#include "ical/rrule.h"
#include "ical/values.h"

namespace almanac::domain {
namespace {

using core::Date;
using core::Instant;
using core::LocalDateTime;

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

Error BadTime(std::string_view text) {
  return Invalid(fmt::format(
      "invalid time \"{}\": expected RFC 3339 like 2025-03-10T09:00:00+01:00 or a date like "
      "2025-03-10",
      ical::ShortForMessage(text)));
}

// Keeps the property order stable: replace the first `name` in place, drop
// the others, or append.
void PutProperty(ical::Component* c, ical::Property p) {
  auto& props = c->properties;
  auto it = std::find_if(props.begin(), props.end(),
                         [&](const ical::Property& q) { return q.name == p.name; });
  if (it == props.end()) {
    props.push_back(std::move(p));
    return;
  }
  const std::string name = p.name;
  *it = std::move(p);
  const std::size_t keep = static_cast<std::size_t>(it - props.begin());
  std::size_t i = 0;
  std::erase_if(props, [&](const ical::Property& q) { return i++ != keep && q.name == name; });
}

ical::Property TimeProperty(std::string_view name, LocalDateTime local, const TimeFrame& frame) {
  ical::Property p;
  p.name = std::string(name);
  switch (frame.kind) {
    case TimeFrame::Kind::kDate:
      p.params.push_back(ical::Parameter{"VALUE", {"DATE"}});
      p.value = core::FormatDate(local.date());
      break;
    case TimeFrame::Kind::kUtc:
      p.value = core::FormatLocal(local) + "Z";
      break;
    case TimeFrame::Kind::kZoned:
      p.params.push_back(ical::Parameter{"TZID", {frame.tzid}});
      p.value = core::FormatLocal(local);
      break;
    case TimeFrame::Kind::kFloating:
      p.value = core::FormatLocal(local);
      break;
  }
  return p;
}

LocalDateTime LocalOfInstant(Instant t, const TimeFrame& frame) {
  switch (frame.kind) {
    case TimeFrame::Kind::kZoned:
      return frame.zone->ToLocal(t);
    case TimeFrame::Kind::kDate:
      return LocalDateTime::FromDate(t.utc().date());
    case TimeFrame::Kind::kUtc:
    case TimeFrame::Kind::kFloating:
      return t.utc();
  }
  return t.utc();
}

// Converts one DATE/DATE-TIME value carried by `p` into `frame`.
Result<LocalDateTime> ConvertValue(const ical::DateTimeValue& v, const ical::Property& p,
                                   const TimeFrame& frame, ical::ZoneResolver& zones) {
  if (frame.kind == TimeFrame::Kind::kDate || v.is_date) {
    return LocalDateTime::FromDate(v.local.date());
  }
  if (v.utc) return LocalOfInstant(Instant::FromUnixSeconds(v.local.seconds()), frame);
  const std::optional<std::string_view> tzid = p.ParamValue("TZID");
  if (tzid && (frame.kind != TimeFrame::Kind::kZoned || *tzid != frame.tzid)) {
    ALMANAC_ASSIGN_OR_RETURN(const core::TimeZone* zone, zones.Resolve(*tzid));
    return LocalOfInstant(zone->ToInstant(v.local), frame);
  }
  // The same zone, or a floating value (in a zoned series it is read in the
  // series' zone): the wall clock as written.
  return v.local;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

Status CheckText(std::string_view field, std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Invalid(fmt::format("{} is longer than {} bytes", field, max_bytes));
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t' && c != '\r') || u == 0x7f) {
      return Invalid(fmt::format("{} contains a control character", field));
    }
  }
  return OkStatus();
}

Status SetText(ical::Component* c, std::string_view name, std::string_view field,
               const std::string& value, std::size_t max_bytes) {
  ALMANAC_RETURN_IF_ERROR(CheckText(field, value, max_bytes));
  std::string normalized;
  normalized.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\r') {
      if (i + 1 < value.size() && value[i + 1] == '\n') continue;
      normalized += '\n';
    } else {
      normalized += value[i];
    }
  }
  SetProperty(c, name, ical::EscapeText(normalized));
  return OkStatus();
}

Status ValidateEmail(std::string_view email) {
  const std::size_t at = email.find('@');
  if (email.empty() || email.size() > 254 || at == 0 || at == std::string_view::npos ||
      at + 1 >= email.size() || email.find('@', at + 1) != std::string_view::npos) {
    return Invalid(fmt::format("attendee e-mail \"{}\" is not an address",
                               ical::ShortForMessage(email)));
  }
  for (char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '<' || c == '>' || c == ',' || c == ';' ||
        c == ':' || c == '\\') {
      return Invalid(fmt::format("attendee e-mail \"{}\" is not an address",
                                 ical::ShortForMessage(email)));
    }
  }
  return OkStatus();
}

struct RoleMap {
  const char* api;
  const char* ical;
};
constexpr RoleMap kRoles[] = {{"chair", "CHAIR"},
                              {"required", "REQ-PARTICIPANT"},
                              {"optional", "OPT-PARTICIPANT"},
                              {"non-participant", "NON-PARTICIPANT"}};
constexpr const char* kPartStats[] = {"needs-action", "accepted", "declined", "tentative",
                                      "delegated"};

// The RRULE value, with UNTIL put into the form RFC 5545 §3.3.10 requires
// for the frame: a DATE for all-day series, UTC for zoned or UTC ones.
Result<std::string> NormalizeRule(std::string_view text, const TimeFrame& frame) {
  Result<ical::RecurrenceRule> parsed = ical::ParseRecurrenceRule(text);
  if (!parsed.ok()) return Invalid("rrule: " + parsed.error().message);
  ical::RecurrenceRule rule = std::move(parsed).value();
  if (rule.until) {
    ical::Until& u = *rule.until;
    switch (frame.kind) {
      case TimeFrame::Kind::kDate:
        if (!u.is_date) {
          u.value = LocalDateTime::FromDate(u.value.date());
          u.is_date = true;
          u.utc = false;
        }
        break;
      case TimeFrame::Kind::kUtc:
      case TimeFrame::Kind::kZoned:
        if (u.is_date) {
          // The whole last day counts, in the series' wall clock.
          const LocalDateTime last = LocalDateTime::FromDate(u.value.date(), 23, 59, 59);
          u.value = InstantInFrame(last, frame).utc();
          u.is_date = false;
          u.utc = true;
        } else if (!u.utc) {
          u.value = InstantInFrame(u.value, frame).utc();
          u.utc = true;
        }
        break;
      case TimeFrame::Kind::kFloating:
        if (u.is_date) {
          u.value = LocalDateTime::FromDate(u.value.date(), 23, 59, 59);
          u.is_date = false;
        }
        u.utc = false;
        break;
    }
  }
  return ical::FormatRecurrenceRule(rule);
}

}  // namespace

Result<ApiTime> ParseApiTime(std::string_view s) {
  ApiTime t;
  int y, mo, d;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || !core::IsValidCivil(y, mo, d)) {
    return BadTime(s);
  }
  const Date date = Date::FromCivil(y, mo, d);
  if (s.size() == 10) {
    t.all_day = true;
    t.date = date;
    return t;
  }
  int h, mi, sec;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, &h) || s.size() < 19 ||
      s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &sec) ||
      h > 23 || mi > 59 || sec > 60) {
    return BadTime(s);
  }
  if (sec == 60) sec = 59;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t digits_from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == digits_from) return BadTime(s);
  }
  int offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
    offset = 0;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh) || !Digits(s, i + 4, 2, &om) || oh > 23 || om > 59) {
      return BadTime(s);
    }
    offset = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
  } else {
    return BadTime(s);
  }
  const LocalDateTime local = LocalDateTime::FromCivil(y, mo, d, h, mi, sec);
  t.instant = Instant::FromUnixSeconds(local.seconds() - offset);
  t.offset = offset;
  return t;
}

std::string FormatRfc3339(Instant t, int offset) {
  const LocalDateTime local = LocalDateTime::FromSeconds(t.unix_seconds() + offset);
  const core::CivilDate c = local.date().civil();
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.year, c.month, c.day,
                                local.hour(), local.minute(), local.second());
  if (offset == 0) {
    out += 'Z';
  } else {
    const int a = offset < 0 ? -offset : offset;
    out += fmt::format("{}{:02}:{:02}", offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  }
  return out;
}

std::string FormatIsoDate(Date d) {
  const core::CivilDate c = d.civil();
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

Result<TimeFrame> FrameOf(const ical::Component& vevent, ical::ZoneResolver& zones) {
  const ical::Property* dtstart = vevent.Find("DTSTART");
  if (dtstart == nullptr) return Invalid(fmt::format("{} has no DTSTART", vevent.name));
  TimeFrame frame;
  const std::optional<std::string_view> value_type = dtstart->ParamValue("VALUE");
  if ((value_type && ical::EqualsIgnoreCase(*value_type, "DATE")) || dtstart->value.size() == 8) {
    frame.kind = TimeFrame::Kind::kDate;
    return frame;
  }
  if (!dtstart->value.empty() && dtstart->value.back() == 'Z') {
    frame.kind = TimeFrame::Kind::kUtc;
    return frame;
  }
  if (const std::optional<std::string_view> tzid = dtstart->ParamValue("TZID")) {
    ALMANAC_ASSIGN_OR_RETURN(frame.zone, zones.Resolve(*tzid));
    frame.kind = TimeFrame::Kind::kZoned;
    frame.tzid = std::string(*tzid);
    return frame;
  }
  frame.kind = TimeFrame::Kind::kFloating;
  return frame;
}

Result<TimeFrame> FrameForZone(std::string_view tz, bool all_day) {
  TimeFrame frame;
  if (all_day) {
    frame.kind = TimeFrame::Kind::kDate;
    return frame;
  }
  if (tz.empty() || tz == "UTC" || tz == "Etc/UTC" || tz == "Z") {
    frame.kind = TimeFrame::Kind::kUtc;
    return frame;
  }
  Result<const core::TimeZone*> zone = core::FindIanaZone(tz);
  if (!zone.ok()) {
    return Invalid(fmt::format("unknown time zone \"{}\": use an IANA name such as Europe/Berlin",
                               ical::ShortForMessage(tz)));
  }
  frame.kind = TimeFrame::Kind::kZoned;
  frame.zone = *zone;
  frame.tzid = std::string(tz);
  return frame;
}

Result<LocalDateTime> LocalInFrame(const ApiTime& t, const TimeFrame& frame) {
  if (frame.kind == TimeFrame::Kind::kDate) {
    if (!t.all_day) return Invalid("an all-day event takes dates like 2025-03-10, not times");
    return LocalDateTime::FromDate(t.date);
  }
  if (t.all_day) {
    return Invalid("a timed event takes times like 2025-03-10T09:00:00+01:00, not dates");
  }
  if (frame.kind == TimeFrame::Kind::kFloating) return (t.instant + t.offset).utc();
  return LocalOfInstant(t.instant, frame);
}

Instant InstantInFrame(LocalDateTime local, const TimeFrame& frame) {
  if (frame.kind == TimeFrame::Kind::kZoned) return frame.zone->ToInstant(local);
  return Instant::FromUnixSeconds(local.seconds());
}

std::string ApiTextInFrame(LocalDateTime local, const TimeFrame& frame) {
  switch (frame.kind) {
    case TimeFrame::Kind::kDate:
      return FormatIsoDate(local.date());
    case TimeFrame::Kind::kZoned: {
      const Instant t = frame.zone->ToInstant(local);
      return FormatRfc3339(t, frame.zone->OffsetAt(t));
    }
    case TimeFrame::Kind::kUtc:
      return FormatRfc3339(Instant::FromUnixSeconds(local.seconds()), 0);
    case TimeFrame::Kind::kFloating: {
      std::string s = FormatRfc3339(Instant::FromUnixSeconds(local.seconds()), 0);
      s.pop_back();  // no offset: floating time
      return s;
    }
  }
  return {};
}

LocalDateTime Shift(LocalDateTime t, std::int64_t seconds) { return t + seconds; }

void SetTimeProperty(ical::Component* c, std::string_view name, LocalDateTime local,
                     const TimeFrame& frame) {
  PutProperty(c, TimeProperty(name, local, frame));
}

Result<LocalDateTime> ReadTimeProperty(const ical::Property& p, const TimeFrame& frame,
                                       ical::ZoneResolver& zones) {
  Result<ical::DateTimeValue> v = ical::ParseDateTimeValue(p.value);
  if (!v.ok()) return Invalid(p.name + ": " + v.error().message);
  return ConvertValue(*v, p, frame, zones);
}

void RemoveProperties(ical::Component* c, std::string_view name) {
  std::erase_if(c->properties, [&](const ical::Property& p) { return p.name == name; });
}

void SetProperty(ical::Component* c, std::string_view name, std::string value) {
  ical::Property p;
  p.name = std::string(name);
  p.value = std::move(value);
  PutProperty(c, std::move(p));
}

void SetTimeList(ical::Component* c, std::string_view name,
                 const std::vector<LocalDateTime>& values, const TimeFrame& frame) {
  RemoveProperties(c, name);
  std::vector<LocalDateTime> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (LocalDateTime v : sorted) c->properties.push_back(TimeProperty(name, v, frame));
}

Result<std::vector<LocalDateTime>> ReadTimeList(const ical::Component& c, std::string_view name,
                                                const TimeFrame& frame,
                                                ical::ZoneResolver& zones) {
  std::vector<LocalDateTime> out;
  for (const ical::Property& p : c.properties) {
    if (p.name != name) continue;
    const std::optional<std::string_view> type = p.ParamValue("VALUE");
    if (type && ical::EqualsIgnoreCase(*type, "PERIOD")) {
      Result<std::vector<ical::PeriodValue>> periods = ical::ParsePeriodList(p.value);
      if (!periods.ok()) return Invalid(p.name + ": " + periods.error().message);
      for (const ical::PeriodValue& period : *periods) {
        ALMANAC_ASSIGN_OR_RETURN(LocalDateTime l, ConvertValue(period.start, p, frame, zones));
        out.push_back(l);
      }
      continue;
    }
    Result<std::vector<ical::DateTimeValue>> values = ical::ParseDateTimeList(p.value);
    if (!values.ok()) return Invalid(p.name + ": " + values.error().message);
    for (const ical::DateTimeValue& v : *values) {
      ALMANAC_ASSIGN_OR_RETURN(LocalDateTime l, ConvertValue(v, p, frame, zones));
      out.push_back(l);
    }
  }
  return out;
}

Result<std::optional<Timing>> ReadTiming(const ical::Component& c, ical::ZoneResolver& zones) {
  const ical::Property* dtstart = c.Find("DTSTART");
  if (dtstart == nullptr) return std::optional<Timing>();
  Timing t;
  ALMANAC_ASSIGN_OR_RETURN(t.frame, FrameOf(c, zones));
  ALMANAC_ASSIGN_OR_RETURN(t.start, ReadTimeProperty(*dtstart, t.frame, zones));
  t.start_at = InstantInFrame(t.start, t.frame);
  const bool date = t.frame.kind == TimeFrame::Kind::kDate;
  if (const ical::Property* dtend = c.Find(c.name == "VTODO" ? "DUE" : "DTEND")) {
    Result<ical::DateTimeValue> v = ical::ParseDateTimeValue(dtend->value);
    if (!v.ok()) return Invalid(dtend->name + ": " + v.error().message);
    if (v->utc && !date) {
      // A UTC end names its instant exactly, also one in a repeated hour.
      t.end_at = core::Instant::FromUnixSeconds(v->local.seconds());
      t.end = LocalOfInstant(t.end_at, t.frame);
    } else {
      ALMANAC_ASSIGN_OR_RETURN(t.end, ReadTimeProperty(*dtend, t.frame, zones));
      t.end_at = InstantInFrame(t.end, t.frame);
    }
  } else if (const ical::Property* dur = c.Find("DURATION")) {
    Result<ical::DurationValue> d = ical::ParseDuration(dur->value);
    if (!d.ok()) return Invalid("DURATION: " + d.error().message);
    const std::int64_t sign = d->negative ? -1 : 1;
    // Days are nominal (wall clock), seconds exact (RFC 5545 §3.3.6).
    const LocalDateTime day_end = t.start + sign * (d->weeks * 7 + d->days) * core::kSecondsPerDay;
    t.end_at = InstantInFrame(day_end, t.frame) + sign * d->seconds;
    t.end = date ? day_end + sign * d->seconds : LocalOfInstant(t.end_at, t.frame);
  } else {
    t.end = date ? t.start + core::kSecondsPerDay : t.start;
    t.end_at = InstantInFrame(t.end, t.frame);
  }
  return std::optional<Timing>(t);
}

void SetEndTime(ical::Component* c, std::string_view name, LocalDateTime end,
                core::Instant end_at, const TimeFrame& frame) {
  if (frame.kind == TimeFrame::Kind::kZoned && frame.zone->ToInstant(end) != end_at) {
    // The wall clock cannot name this instant (the second pass through a
    // repeated hour): write it in UTC, which RFC 5545 §3.8.2.2 allows.
    ical::Property p;
    p.name = std::string(name);
    p.value = core::FormatLocal(end_at.utc()) + "Z";
    RemoveProperties(c, name);
    c->properties.push_back(std::move(p));
    return;
  }
  SetTimeProperty(c, name, end, frame);
}

std::string ApiTextAt(LocalDateTime local, core::Instant at, const TimeFrame& frame) {
  if (frame.kind == TimeFrame::Kind::kZoned) return FormatRfc3339(at, frame.zone->OffsetAt(at));
  return ApiTextInFrame(local, frame);
}

Status ApplyChange(ical::Component* vevent, const EventChange& change, ical::ZoneResolver& zones,
                   const ApplyOptions& options) {
  if (options.is_override && (change.rrule || change.rdates || change.exdates)) {
    return Invalid(
        "rrule, rdates and exdates belong to the series: edit it with scope=all or "
        "scope=following");
  }
  ALMANAC_ASSIGN_OR_RETURN(std::optional<Timing> current, ReadTiming(*vevent, zones));
  if (!current && !change.start) return Invalid("start is required");

  if (change.ChangesTiming()) {
    const bool was_all_day = current && current->frame.kind == TimeFrame::Kind::kDate;
    const bool all_day = change.all_day       ? *change.all_day
                         : change.start       ? change.start->all_day
                                              : was_all_day;
    if (current && all_day != was_all_day && !change.start) {
      return Invalid("start is required when all_day changes");
    }
    // The new frame: the requested zone, else the current one, else the default.
    TimeFrame frame;
    if (change.timezone || !current || all_day != was_all_day) {
      std::string tz = change.timezone ? *change.timezone
                       : current && current->frame.kind == TimeFrame::Kind::kZoned
                           ? current->frame.tzid
                       : current ? std::string("UTC")
                                 : options.default_timezone;
      ALMANAC_ASSIGN_OR_RETURN(frame, FrameForZone(tz, all_day));
    } else {
      frame = current->frame;
    }
    LocalDateTime start;
    core::Instant start_at;
    if (change.start) {
      ALMANAC_ASSIGN_OR_RETURN(start, LocalInFrame(*change.start, frame));
      start_at = InstantInFrame(start, frame);
      if (frame.kind == TimeFrame::Kind::kZoned && start_at != change.start->instant) {
        return Invalid(fmt::format(
            "start {} is the second pass through an hour the clocks repeat in {}; a time zone "
            "cannot name it (RFC 5545 §3.3.5): give this event the time zone UTC",
            FormatRfc3339(change.start->instant, change.start->offset), frame.tzid));
      }
    } else if (current->frame.kind == frame.kind && current->frame.tzid == frame.tzid) {
      // Same frame: keep the wall clock as written (a DTSTART in a DST gap
      // stays the series' anchor).
      start = current->start;
      start_at = current->start_at;
    } else {
      start_at = current->start_at;
      start = LocalOfInstant(start_at, frame);
    }
    LocalDateTime end;
    core::Instant end_at;
    if (change.end) {
      ALMANAC_ASSIGN_OR_RETURN(end, LocalInFrame(*change.end, frame));
      end_at = all_day ? InstantInFrame(end, frame) : change.end->instant;
      if (all_day ? end <= start : end_at <= start_at) return Invalid("end must be after start");
    } else if (current && all_day == was_all_day) {
      if (all_day) {
        end = start + (current->end - current->start);
        end_at = InstantInFrame(end, frame);
      } else {
        end_at = start_at + (current->end_at - current->start_at);
        end = LocalOfInstant(end_at, frame);
      }
    } else if (all_day) {
      end = start + core::kSecondsPerDay;
      end_at = InstantInFrame(end, frame);
    } else {
      end_at = start_at + 3600;
      end = LocalOfInstant(end_at, frame);
    }
    if (end_at < start_at) return Invalid("end must not be before start");
    if (start.date().civil().year < 1900 || end.date().civil().year > 9000) {
      return MakeError(Code::kOutOfRange, "start and end must lie between 1900 and 9000");
    }
    SetTimeProperty(vevent, "DTSTART", start, frame);
    RemoveProperties(vevent, "DURATION");
    SetEndTime(vevent, vevent->name == "VTODO" ? "DUE" : "DTEND", end, end_at, frame);

    if (!options.is_override) {
      // RDATE/EXDATE/RRULE follow the frame; new values replace old ones.
      for (const char* name : {"RDATE", "EXDATE"}) {
        const auto& given = std::string_view(name) == "RDATE" ? change.rdates : change.exdates;
        std::vector<LocalDateTime> values;
        if (given) {
          for (const ApiTime& t : *given) {
            ALMANAC_ASSIGN_OR_RETURN(LocalDateTime l, LocalInFrame(t, frame));
            values.push_back(l);
          }
          SetTimeList(vevent, name, values, frame);
        } else if (current && vevent->Find(name) != nullptr) {
          ALMANAC_ASSIGN_OR_RETURN(values, ReadTimeList(*vevent, name, current->frame, zones));
          // Keep each value's wall clock when the zone changes, so the
          // occurrences they name stay the same ones.
          if (all_day != was_all_day) {
            for (LocalDateTime& v : values) {
              v = LocalDateTime::FromDate(v.date()) + (all_day ? 0 : start.seconds_of_day());
            }
          }
          SetTimeList(vevent, name, values, frame);
        }
      }
      std::optional<std::string> rule;
      if (change.rrule) {
        if (*change.rrule) rule = **change.rrule;
      } else if (const ical::Property* existing = vevent->Find("RRULE")) {
        rule = existing->value;
      }
      if (rule) {
        ALMANAC_ASSIGN_OR_RETURN(std::string normalized, NormalizeRule(*rule, frame));
        SetProperty(vevent, "RRULE", std::move(normalized));
      } else {
        RemoveProperties(vevent, "RRULE");
      }
    }
  }

  if (change.title) {
    ALMANAC_RETURN_IF_ERROR(SetText(vevent, "SUMMARY", "title", *change.title, 1024));
  } else if (options.creating && vevent->Find("SUMMARY") == nullptr) {
    SetProperty(vevent, "SUMMARY", "");
  }
  if (change.location) {
    if (*change.location) {
      ALMANAC_RETURN_IF_ERROR(SetText(vevent, "LOCATION", "location", **change.location, 1024));
    } else {
      RemoveProperties(vevent, "LOCATION");
    }
  }
  if (change.description) {
    if (*change.description) {
      ALMANAC_RETURN_IF_ERROR(
          SetText(vevent, "DESCRIPTION", "description", **change.description, 64 * 1024));
    } else {
      RemoveProperties(vevent, "DESCRIPTION");
    }
  }
  if (change.status) {
    const std::string s = Lower(*change.status);
    if (s != "confirmed" && s != "tentative" && s != "cancelled") {
      return Invalid("status must be confirmed, tentative or cancelled");
    }
    SetProperty(vevent, "STATUS", Upper(s));
  }
  if (change.priority) {
    if (*change.priority < 0 || *change.priority > 9) {
      return Invalid("priority must be an integer from 0 to 9");
    }
    SetProperty(vevent, "PRIORITY", std::to_string(*change.priority));
  }
  if (change.visibility) {
    const std::string v = Lower(*change.visibility);
    if (v != "public" && v != "private" && v != "confidential") {
      return Invalid("visibility must be public, private or confidential");
    }
    SetProperty(vevent, "CLASS", Upper(v));
  }
  if (change.categories) {
    std::string joined;
    for (const std::string& c : *change.categories) {
      ALMANAC_RETURN_IF_ERROR(CheckText("category", c, 256));
      if (c.empty()) return Invalid("a category must not be empty");
      if (!joined.empty()) joined += ',';
      joined += ical::EscapeText(c);
    }
    RemoveProperties(vevent, "CATEGORIES");
    if (!joined.empty()) SetProperty(vevent, "CATEGORIES", std::move(joined));
  }
  if (change.attendees) {
    if (change.attendees->size() > 1000) return Invalid("at most 1000 attendees");
    std::vector<ical::Property> props;
    for (const Attendee& a : *change.attendees) {
      ALMANAC_RETURN_IF_ERROR(ValidateEmail(a.email));
      ALMANAC_RETURN_IF_ERROR(CheckText("attendee name", a.name, 256));
      const std::string role = Lower(a.role.empty() ? "required" : a.role);
      const RoleMap* r = std::find_if(std::begin(kRoles), std::end(kRoles),
                                      [&](const RoleMap& m) { return role == m.api; });
      if (r == std::end(kRoles)) {
        return Invalid("attendee role must be chair, required, optional or non-participant");
      }
      const std::string status = Lower(a.status.empty() ? "needs-action" : a.status);
      if (std::find(std::begin(kPartStats), std::end(kPartStats), status) ==
          std::end(kPartStats)) {
        return Invalid(
            "attendee status must be needs-action, accepted, declined, tentative or delegated");
      }
      ical::Property p;
      p.name = "ATTENDEE";
      if (!a.name.empty()) {
        std::string name = a.name;
        std::replace(name.begin(), name.end(), '\n', ' ');
        std::erase(name, '\r');
        p.params.push_back(ical::Parameter{"CN", {name}});
      }
      p.params.push_back(ical::Parameter{"ROLE", {r->ical}});
      p.params.push_back(ical::Parameter{"PARTSTAT", {Upper(status)}});
      p.value = "mailto:" + a.email;
      props.push_back(std::move(p));
    }
    RemoveProperties(vevent, "ATTENDEE");
    for (ical::Property& p : props) vevent->properties.push_back(std::move(p));
  }
  if (!options.organizer.email.empty() && vevent->Find("ATTENDEE") != nullptr &&
      vevent->Find("ORGANIZER") == nullptr) {
    ical::Property p;
    p.name = "ORGANIZER";
    if (!options.organizer.name.empty()) {
      std::string name = options.organizer.name;
      std::replace(name.begin(), name.end(), '\n', ' ');
      std::erase(name, '\r');
      p.params.push_back(ical::Parameter{"CN", {name}});
    }
    p.value = "mailto:" + options.organizer.email;
    vevent->properties.push_back(std::move(p));
  }

  const std::string stamp = core::FormatLocal(options.now.utc()) + "Z";
  SetProperty(vevent, "DTSTAMP", stamp);
  if (options.creating) {
    if (vevent->Find("CREATED") == nullptr) SetProperty(vevent, "CREATED", stamp);
    if (vevent->Find("SEQUENCE") == nullptr) SetProperty(vevent, "SEQUENCE", "0");
  } else {
    std::int64_t seq = 0;
    if (const ical::Property* p = vevent->Find("SEQUENCE")) {
      std::from_chars(p->value.data(), p->value.data() + p->value.size(), seq);
    }
    SetProperty(vevent, "SEQUENCE", std::to_string(seq + 1));
  }
  SetProperty(vevent, "LAST-MODIFIED", stamp);
  return OkStatus();
}

Result<EventView> ReadEvent(const ical::Component& vevent, ical::ZoneResolver& zones) {
  EventView view;
  ALMANAC_ASSIGN_OR_RETURN(std::optional<Timing> timing, ReadTiming(vevent, zones));
  if (!timing) return Invalid(fmt::format("{} has no DTSTART", vevent.name));
  const TimeFrame& frame = timing->frame;
  view.all_day = frame.kind == TimeFrame::Kind::kDate;
  view.timezone = frame.kind == TimeFrame::Kind::kZoned ? frame.tzid
                  : frame.kind == TimeFrame::Kind::kUtc ? "UTC"
                                                         : "";
  view.start = ApiTextAt(timing->start, timing->start_at, frame);
  view.end = ApiTextAt(timing->end, timing->end_at, frame);
  for (const ical::Property& p : vevent.properties) {
    const std::string& n = p.name;
    if (n == "UID") {
      view.uid = p.value;
    } else if (n == "SUMMARY") {
      view.title = ical::UnescapeText(p.value);
    } else if (n == "LOCATION") {
      view.location = ical::UnescapeText(p.value);
    } else if (n == "DESCRIPTION") {
      view.description = ical::UnescapeText(p.value);
    } else if (n == "RRULE") {
      view.rrule = p.value;
    } else if (n == "STATUS") {
      view.status = Lower(p.value);
    } else if (n == "CLASS") {
      view.visibility = Lower(p.value);
    } else if (n == "PRIORITY") {
      std::from_chars(p.value.data(), p.value.data() + p.value.size(), view.priority);
    } else if (n == "SEQUENCE") {
      std::from_chars(p.value.data(), p.value.data() + p.value.size(), view.sequence);
    } else if (n == "CATEGORIES") {
      for (std::string& c : ical::SplitTextList(p.value)) view.categories.push_back(std::move(c));
    } else if (n == "RECURRENCE-ID") {
      ALMANAC_ASSIGN_OR_RETURN(LocalDateTime rid, ReadTimeProperty(p, frame, zones));
      view.recurrence_id = ApiTextInFrame(rid, frame);
    } else if (n == "ATTENDEE") {
      Attendee a;
      a.email = p.value;
      if (a.email.size() > 7 && ical::EqualsIgnoreCase(a.email.substr(0, 7), "mailto:")) {
        a.email = a.email.substr(7);
      }
      if (auto cn = p.ParamValue("CN")) a.name = std::string(*cn);
      a.role = "required";
      if (auto role = p.ParamValue("ROLE")) {
        for (const RoleMap& m : kRoles) {
          if (ical::EqualsIgnoreCase(*role, m.ical)) a.role = m.api;
        }
      }
      a.status = p.ParamValue("PARTSTAT") ? Lower(*p.ParamValue("PARTSTAT")) : "needs-action";
      view.attendees.push_back(std::move(a));
    }
  }
  if (view.status.empty()) view.status = "confirmed";
  if (view.visibility.empty()) view.visibility = "public";
  for (const char* name : {"RDATE", "EXDATE"}) {
    ALMANAC_ASSIGN_OR_RETURN(std::vector<LocalDateTime> values,
                             ReadTimeList(vevent, name, frame, zones));
    auto& out = std::string_view(name) == "RDATE" ? view.rdates : view.exdates;
    for (LocalDateTime v : values) out.push_back(ApiTextInFrame(v, frame));
  }
  return view;
}

Result<RecurrencePreview> PreviewRecurrence(const ApiTime& start, std::string_view timezone,
                                            std::string_view rrule,
                                            const std::vector<ApiTime>& exdates, int count) {
  if (count < 1 || count > kMaxPreviewCount) {
    return Invalid(fmt::format("count must be 1-{}", kMaxPreviewCount));
  }
  ALMANAC_ASSIGN_OR_RETURN(TimeFrame frame, FrameForZone(timezone, start.all_day));
  ALMANAC_ASSIGN_OR_RETURN(LocalDateTime local, LocalInFrame(start, frame));
  RecurrencePreview out;
  ALMANAC_ASSIGN_OR_RETURN(out.rrule, NormalizeRule(rrule, frame));
  ical::SeriesSpec spec;
  spec.dtstart = local;
  spec.all_day = frame.kind == TimeFrame::Kind::kDate;
  spec.utc = frame.kind == TimeFrame::Kind::kUtc;
  spec.zone = frame.kind == TimeFrame::Kind::kZoned ? frame.zone : nullptr;
  Result<ical::RecurrenceRule> rule = ical::ParseRecurrenceRule(out.rrule);
  if (!rule.ok()) return Invalid("rrule: " + rule.error().message);
  spec.rrules.push_back(std::move(rule).value());
  for (const ApiTime& t : exdates) {
    Result<LocalDateTime> ex = LocalInFrame(t, frame);
    if (!ex.ok()) return Invalid("exdates: " + ex.error().message);
    spec.exdates.push_back(*ex);
  }
  ical::ExpandLimits limits;
  limits.max_occurrences = static_cast<std::size_t>(count) + 1;
  Result<ical::RecurrenceIterator> it = ical::RecurrenceIterator::Create(spec, limits);
  if (!it.ok()) return Invalid("rrule: " + it.error().message);
  ical::Occurrence o;
  while (it->Next(&o)) {
    if (out.starts.size() == static_cast<std::size_t>(count)) {
      out.more = true;
      break;
    }
    out.starts.push_back(ApiTextInFrame(o.start, frame));
  }
  if (it->stop_reason() == ical::StopReason::kNeverMatches || out.starts.empty()) {
    return Invalid("rrule: the rule produces no date");
  }
  return out;
}

}  // namespace almanac::domain
