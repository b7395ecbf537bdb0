#include "ical/instances.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "ical/rrule.h"
#include "ical/values.h"
#include "ical/vtimezone.h"

namespace almanac::ical {
namespace {

using core::Instant;
using core::kSecondsPerDay;
using core::LocalDateTime;

// A DATE or DATE-TIME property value with its frame.
struct Timed {
  LocalDateTime local;
  bool is_date = false;
  bool utc = false;
  const core::TimeZone* zone = nullptr;

  Instant ToInstant() const {
    return zone != nullptr ? zone->ToInstant(local) : Instant::FromUnixSeconds(local.seconds());
  }
};

// How long each instance lasts.
struct Span {
  bool nominal = true;  // days counted on the wall clock (DURATION, DATE DTEND)
  std::int64_t days = 0;
  std::int64_t seconds = 0;  // exact part
};

class Reader {
 public:
  Reader(ZoneResolver* zones, std::vector<std::string>* warnings)
      : zones_(zones), warnings_(warnings) {}

  Error Bad(const Property& p, std::string_view what) {
    return MakeError(Code::kInvalidArgument, fmt::format("line {}: {}: {}", p.line, p.name, what));
  }

  const core::TimeZone* ZoneOf(const Property& p, const DateTimeValue& v) {
    if (v.is_date || v.utc) return nullptr;
    std::optional<std::string_view> tzid = p.ParamValue("TZID");
    if (!tzid) return nullptr;
    Result<const core::TimeZone*> z = zones_->Resolve(*tzid);
    if (!z.ok()) {
      warnings_->push_back(
          fmt::format("line {}: {}: {}; read as floating time", p.line, p.name, z.error().message));
      return nullptr;
    }
    return *z;
  }

  Result<Timed> Read(const Property& p) {
    Result<DateTimeValue> v = ParseDateTimeValue(p.value);
    if (!v.ok()) return Bad(p, v.error().message);
    return Timed{v->local, v->is_date, v->utc, ZoneOf(p, *v)};
  }

  // Every value of the RDATE/EXDATE properties called `name`, in the frame
  // of `master`. RDATE periods keep their own length.
  Status ReadList(const Component& c, const char* name, const Timed& master,
                  std::vector<RDate>* out) {
    for (const Property* p : c.FindAll(name)) {
      std::optional<std::string_view> type = p->ParamValue("VALUE");
      std::vector<std::pair<DateTimeValue, std::optional<std::int64_t>>> values;
      if (type && EqualsIgnoreCase(*type, "PERIOD")) {
        Result<std::vector<PeriodValue>> ps = ParsePeriodList(p->value);
        if (!ps.ok()) return Bad(*p, ps.error().message);
        for (const PeriodValue& v : *ps) {
          const std::int64_t len =
              v.end ? v.end->local - v.start.local : v.duration->NominalSeconds();
          values.emplace_back(v.start, len);
        }
      } else {
        Result<std::vector<DateTimeValue>> vs = ParseDateTimeList(p->value);
        if (!vs.ok()) return Bad(*p, vs.error().message);
        for (const DateTimeValue& v : *vs) values.emplace_back(v, std::nullopt);
      }
      for (const auto& [v, len] : values) {
        out->push_back({ToFrame(Timed{v.local, v.is_date, v.utc, ZoneOf(*p, v)}, master), len});
      }
    }
    return OkStatus();
  }

  // `t` as a wall-clock time in `master`'s frame.
  static LocalDateTime ToFrame(const Timed& t, const Timed& master) {
    if (master.is_date) return LocalDateTime::FromDate(t.local.date());
    if (t.is_date) {
      // A DATE among DATE-TIMEs (seen in the wild): that day at DTSTART's time.
      return LocalDateTime::FromDate(t.local.date()) + master.local.seconds_of_day();
    }
    if (master.zone == nullptr && !master.utc) return t.local;  // floating series
    if (t.zone == nullptr && !t.utc) return t.local;            // floating value: same wall clock
    const Instant i = t.ToInstant();
    return master.zone != nullptr ? master.zone->ToLocal(i) : i.utc();
  }

  // DTEND/DUE (exact) or DURATION (nominal) of `c` starting at `start`.
  Result<Span> ReadSpan(const Component& c, const Timed& start) {
    const Property* end = c.Find(c.name == "VTODO" ? "DUE" : "DTEND");
    const Property* dur = c.Find("DURATION");
    Span s;
    if (end != nullptr) {
      ALMANAC_ASSIGN_OR_RETURN(Timed e, Read(*end));
      if (start.is_date || e.is_date) {
        s.days = std::max<std::int64_t>(0, e.local.date().days() - start.local.date().days());
      } else {
        s.nominal = false;
        s.seconds = std::max<std::int64_t>(0, e.ToInstant() - start.ToInstant());
      }
      return s;
    }
    if (dur != nullptr) {
      Result<DurationValue> d = ParseDuration(dur->value);
      if (!d.ok()) return Bad(*dur, d.error().message);
      if (!d->negative) {
        s.days = d->weeks * 7 + d->days;
        s.seconds = d->seconds;
      }
      return s;
    }
    if (start.is_date) s.days = 1;
    return s;
  }

 private:
  ZoneResolver* zones_;
  std::vector<std::string>* warnings_;
};

// Builds an Instance starting at wall clock `start` in `frame`.
Instance MakeInstance(const Component& c, const std::string& uid, LocalDateTime start,
                      const Timed& frame, const Span& span) {
  Instance in;
  in.component = &c;
  in.uid = uid;
  in.all_day = frame.is_date;
  in.utc = frame.utc;
  in.zone = frame.zone;
  const core::TimeZone* z = frame.zone;
  in.start_instant = z ? z->ToInstant(start) : Instant::FromUnixSeconds(start.seconds());
  in.start = z ? z->ToLocal(in.start_instant) : start;
  if (span.nominal) {
    const LocalDateTime day_end = in.start + span.days * kSecondsPerDay;
    in.end_instant =
        (z ? z->ToInstant(day_end) : Instant::FromUnixSeconds(day_end.seconds())) + span.seconds;
  } else {
    in.end_instant = in.start_instant + span.seconds;
  }
  in.end =
      z ? z->ToLocal(in.end_instant) : LocalDateTime::FromSeconds(in.end_instant.unix_seconds());
  return in;
}

bool Overlaps(const Instance& in, Instant from, Instant to) {
  if (in.start_instant == in.end_instant) return in.start_instant >= from && in.start_instant < to;
  return in.start_instant < to && in.end_instant > from;
}

struct Override {
  const Component* component;
  Instant rid;              // in the master's frame, as an instant
  LocalDateTime rid_local;  // in the master's frame
  bool this_and_future;
  Timed start;
  Span span;
};

struct Group {
  const Component* master = nullptr;
  std::vector<const Component*> overrides;
};

}  // namespace

Result<InstanceResult> ExpandInstances(const Component& calendar, Instant from, Instant to,
                                       const InstanceOptions& options) {
  InstanceResult result;
  result.zones = std::make_shared<ZoneResolver>(calendar);
  Reader reader(result.zones.get(), &result.warnings);

  std::map<std::string, Group> groups;
  std::vector<std::string> order;
  for (const Component& c : calendar.components) {
    if (c.name != "VEVENT" && !(options.include_todos && c.name == "VTODO")) continue;
    const Property* uid = c.Find("UID");
    const std::string key =
        (uid ? uid->value : fmt::format("(no UID, line {})", c.line)) + "\n" + c.name;
    auto [it, inserted] = groups.try_emplace(key);
    if (inserted) order.push_back(key);
    if (c.Find("RECURRENCE-ID") != nullptr) {
      it->second.overrides.push_back(&c);
    } else if (it->second.master == nullptr) {
      it->second.master = &c;
    } else {
      result.warnings.push_back(
          fmt::format("line {}: {}: a second component with UID \"{}\" and no "
                      "RECURRENCE-ID is ignored",
                      c.line, c.name, uid ? uid->value : ""));
    }
  }

  // Instances arrive per component (overrides first), not by start: the cap
  // keeps the earliest ones, compacting whenever twice as many piled up.
  auto by_start = [](const Instance& a, const Instance& b) {
    if (a.start_instant != b.start_instant) return a.start_instant < b.start_instant;
    return a.uid < b.uid;
  };
  auto cap = [&] {
    if (result.instances.size() <= options.max_instances) return;
    std::stable_sort(result.instances.begin(), result.instances.end(), by_start);
    result.instances.resize(options.max_instances);
    result.truncated = true;
  };
  auto emit = [&](Instance in) {
    if (!Overlaps(in, from, to)) return;
    result.instances.push_back(std::move(in));
    if (result.instances.size() >= 2 * options.max_instances + 64) cap();
  };

  for (const std::string& key : order) {
    const Group& g = groups[key];
    const std::string uid = key.substr(0, key.find('\n'));
    // Where the component starts: DTSTART, or DUE for a VTODO without one.
    auto start_property = [](const Component& c) -> const Property* {
      if (const Property* p = c.Find("DTSTART")) return p;
      return c.name == "VTODO" ? c.Find("DUE") : nullptr;
    };

    Timed master_start;
    Span master_span;
    if (g.master != nullptr) {
      const Property* sp = start_property(*g.master);
      if (sp == nullptr) continue;  // a VTODO with no dates is in no window
      ALMANAC_ASSIGN_OR_RETURN(master_start, reader.Read(*sp));
      if (sp->name == "DUE") {
        master_span = Span{};
      } else {
        ALMANAC_ASSIGN_OR_RETURN(master_span, reader.ReadSpan(*g.master, master_start));
      }
    }

    std::vector<Override> overrides;
    for (const Component* c : g.overrides) {
      const Property* ridp = c->Find("RECURRENCE-ID");
      ALMANAC_ASSIGN_OR_RETURN(Timed rid, reader.Read(*ridp));
      Override o;
      o.component = c;
      const Timed& frame = g.master ? master_start : rid;
      o.rid_local = Reader::ToFrame(rid, frame);
      o.rid = Timed{o.rid_local, frame.is_date, frame.utc, frame.zone}.ToInstant();
      std::optional<std::string_view> range = ridp->ParamValue("RANGE");
      o.this_and_future = range && EqualsIgnoreCase(*range, "THISANDFUTURE");
      const Property* sp = start_property(*c);
      if (sp != nullptr) {
        ALMANAC_ASSIGN_OR_RETURN(o.start, reader.Read(*sp));
      } else {
        o.start = rid;  // an override may inherit the original start
      }
      ALMANAC_ASSIGN_OR_RETURN(o.span, reader.ReadSpan(*c, o.start));
      overrides.push_back(o);
    }

    // Single-instance overrides stand on their own.
    for (const Override& o : overrides) {
      if (o.this_and_future && g.master != nullptr) continue;
      Instance in = MakeInstance(*o.component, uid, o.start.local, o.start, o.span);
      in.recurrence_id = o.rid_local;
      in.overridden = true;
      emit(std::move(in));
    }
    if (g.master == nullptr) continue;

    const bool recurring = g.master->Find("RRULE") != nullptr || g.master->Find("RDATE") != nullptr;
    if (!recurring) {
      emit(MakeInstance(*g.master, uid, master_start.local, master_start, master_span));
      continue;
    }

    SeriesSpec spec;
    spec.dtstart = master_start.local;
    spec.all_day = master_start.is_date;
    spec.utc = master_start.utc;
    spec.zone = master_start.zone;
    for (const Property* p : g.master->FindAll("RRULE")) {
      Result<RecurrenceRule> rule = ParseRecurrenceRule(p->value, RuleParseOptions{true});
      if (!rule.ok()) return reader.Bad(*p, rule.error().message);
      spec.rrules.push_back(std::move(rule).value());
    }
    ALMANAC_RETURN_IF_ERROR(reader.ReadList(*g.master, "RDATE", master_start, &spec.rdates));
    std::vector<RDate> ex;
    ALMANAC_RETURN_IF_ERROR(reader.ReadList(*g.master, "EXDATE", master_start, &ex));
    for (const RDate& r : ex) spec.exdates.push_back(r.start);

    // Single-instance overrides by RECURRENCE-ID (their instants are
    // skipped); THISANDFUTURE overrides in RECURRENCE-ID order and how far
    // they shift. Sorted, so each occurrence costs two binary searches.
    std::vector<Instant> replaced;
    std::vector<const Override*> ranges;
    std::int64_t max_shift = 0;
    std::int64_t max_len = master_span.days * kSecondsPerDay + master_span.seconds;
    for (const Override& o : overrides) {
      if (!o.this_and_future) {
        replaced.push_back(o.rid);
        continue;
      }
      ranges.push_back(&o);
      max_shift =
          std::max(max_shift, std::abs(Reader::ToFrame(o.start, master_start) - o.rid_local));
      max_len = std::max(max_len, o.span.days * kSecondsPerDay + o.span.seconds);
    }
    std::sort(replaced.begin(), replaced.end());
    std::sort(ranges.begin(), ranges.end(),
              [](const Override* a, const Override* b) { return a->rid < b->rid; });

    // One past the cap, so that exactly max_occurrences is not "truncated".
    ExpandLimits limits = options.limits;
    if (limits.max_occurrences < std::numeric_limits<std::size_t>::max()) ++limits.max_occurrences;
    Result<RecurrenceIterator> it = RecurrenceIterator::Create(spec, limits);
    if (!it.ok()) return reader.Bad(*g.master->Find("DTSTART"), it.error().message);
    const std::int64_t margin = max_len + max_shift + 2 * kSecondsPerDay;
    const Instant seek = from - margin;
    it->SeekTo(spec.zone ? spec.zone->ToLocal(seek) : seek.utc());
    Occurrence occ;
    std::size_t produced = 0;
    while (it->Next(&occ)) {
      if (occ.instant - margin >= to) break;
      if (++produced > options.limits.max_occurrences) {
        result.truncated = true;
        break;
      }
      if (std::binary_search(replaced.begin(), replaced.end(), occ.instant)) continue;
      // The latest THISANDFUTURE override at or before this instance.
      auto after = std::upper_bound(ranges.begin(), ranges.end(), occ.instant,
                                    [](Instant t, const Override* r) { return t < r->rid; });
      const Override* range = after == ranges.begin() ? nullptr : *(after - 1);
      Span span = master_span;
      if (occ.duration) span = Span{false, 0, *occ.duration};
      if (range == nullptr) {
        Instance in = MakeInstance(*g.master, uid, occ.start, master_start, span);
        in.recurrence_id = occ.start;
        emit(std::move(in));
        continue;
      }
      const std::int64_t shift = Reader::ToFrame(range->start, master_start) - range->rid_local;
      Instance in =
          MakeInstance(*range->component, uid, occ.start + shift, master_start, range->span);
      in.recurrence_id = occ.start;
      in.overridden = true;
      emit(std::move(in));
    }
    if (it->stop_reason() == StopReason::kWorkCap) result.truncated = true;
  }

  cap();
  std::stable_sort(result.instances.begin(), result.instances.end(), by_start);
  return result;
}

}  // namespace almanac::ical
