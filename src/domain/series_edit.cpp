#include "domain/series_edit.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <functional>

#include "domain/model.h"
#include "domain/resource.h"
#include "ical/instances.h"
#include "ical/rrule.h"
#include "ical/values.h"

namespace almanac::domain {
namespace {

using core::Instant;
using core::LocalDateTime;

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }

// Fields whose master value flows into overrides that still had the old one.
constexpr const char* kPropagated[] = {"SUMMARY", "LOCATION", "DESCRIPTION", "STATUS",
                                       "CLASS",   "PRIORITY", "CATEGORIES"};

const ical::Property* FindProp(const ical::Component& c, std::string_view name) {
  return c.Find(name);
}

bool SameValue(const ical::Property* a, const ical::Property* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return a->value == b->value;
}

struct Series {
  ical::Component resource;
  ical::Component* master = nullptr;
  TimeFrame frame;
};

bool IsOverrideOf(const ical::Component& c, std::string_view master_name) {
  return c.name == master_name && c.Find("RECURRENCE-ID") != nullptr;
}

using MasterTiming = Timing;

// DTSTART/DTEND of `c` read in `frame` (the series' frame).
Result<MasterTiming> TimingOf(const ical::Component& c, const TimeFrame& frame,
                              ical::ZoneResolver& zones) {
  ALMANAC_ASSIGN_OR_RETURN(std::optional<Timing> t, ReadTiming(c, zones));
  if (!t) return Invalid(fmt::format("{} has no DTSTART", c.name));
  if (t->frame.kind != frame.kind || t->frame.tzid != frame.tzid) {
    // An override written in another frame: express it in the series' one.
    const ical::Property* dtstart = c.Find("DTSTART");
    ALMANAC_ASSIGN_OR_RETURN(t->start, ReadTimeProperty(*dtstart, frame, zones));
    t->end = t->start + (t->end_at - t->start_at);
    t->frame = frame;
  }
  return *t;
}

// Sets the end of an occurrence starting at `start` with the master's
// length: exact for timed series, nominal days for all-day ones.
void SetEndFor(ical::Component* c, LocalDateTime start, const MasterTiming& m,
               const TimeFrame& frame) {
  const char* name = c->name == "VTODO" ? "DUE" : "DTEND";
  if (frame.kind == TimeFrame::Kind::kDate || frame.kind == TimeFrame::Kind::kFloating) {
    const LocalDateTime end = start + (m.end - m.start);
    SetTimeProperty(c, name, end, frame);
    return;
  }
  const Instant end_at = InstantInFrame(start, frame) + (m.end_at - m.start_at);
  const LocalDateTime end =
      frame.kind == TimeFrame::Kind::kZoned ? frame.zone->ToLocal(end_at) : end_at.utc();
  SetEndTime(c, name, end, end_at, frame);
}

// A VCALENDAR with the resource's properties and non-object components
// (VTIMEZONEs) and no VEVENT/VTODO.
ical::Component ShellOf(const ical::Component& resource) {
  ical::Component shell;
  shell.name = resource.name;
  shell.properties = resource.properties;
  for (const ical::Component& c : resource.components) {
    if (c.name != "VEVENT" && c.name != "VTODO") shell.components.push_back(c);
  }
  return shell;
}

// Whether `rid` is an occurrence of the series `master` (overrides ignored).
Result<bool> IsOccurrence(const ical::Component& resource, const ical::Component& master,
                          LocalDateTime rid, const TimeFrame& frame) {
  ical::Component probe = ShellOf(resource);
  probe.components.push_back(master);
  const Instant at = InstantInFrame(rid, frame);
  ical::InstanceOptions options;
  options.max_instances = 64;
  // An all-day or long instance starting at `rid` overlaps [at, at+1).
  ALMANAC_ASSIGN_OR_RETURN(ical::InstanceResult r,
                           ical::ExpandInstances(probe, at, at + 1, options));
  for (const ical::Instance& i : r.instances) {
    if (i.recurrence_id ? *i.recurrence_id == rid : i.start == rid) return true;
  }
  return false;
}

// Occurrences of `master` generated before `rid`, EXDATEs included (they use
// up COUNT, RFC 5545 §3.8.5.1).
Result<std::int64_t> CountBefore(const ical::Component& resource, const ical::Component& master,
                                 LocalDateTime rid, const TimeFrame& frame, int cap) {
  ical::Component probe = ShellOf(resource);
  ical::Component m = master;
  RemoveProperties(&m, "EXDATE");
  RemoveProperties(&m, "RDATE");
  probe.components.push_back(std::move(m));
  ical::InstanceOptions options;
  options.limits.max_occurrences = static_cast<std::size_t>(cap) + 1;
  options.max_instances = static_cast<std::size_t>(cap) + 1;
  ALMANAC_ASSIGN_OR_RETURN(
      ical::InstanceResult r,
      ical::ExpandInstances(probe, Instant::FromUnixSeconds(-62135596800),
                            InstantInFrame(rid, frame), options));
  std::int64_t n = 0;
  for (const ical::Instance& i : r.instances) {
    if (i.start < rid) ++n;
  }
  return n;
}

Result<LocalDateTime> RidOf(const ical::Component& c, const TimeFrame& frame,
                            ical::ZoneResolver& zones) {
  return ReadTimeProperty(*c.Find("RECURRENCE-ID"), frame, zones);
}

void BumpStamp(ical::Component* c, Instant now) {
  const std::string stamp = core::FormatLocal(now.utc()) + "Z";
  std::int64_t seq = 0;
  if (const ical::Property* p = c->Find("SEQUENCE")) {
    std::from_chars(p->value.data(), p->value.data() + p->value.size(), seq);
  }
  SetProperty(c, "SEQUENCE", std::to_string(seq + 1));
  SetProperty(c, "DTSTAMP", stamp);
  SetProperty(c, "LAST-MODIFIED", stamp);
}

// Ends every RRULE of `master` just before `rid`.
Status EndRulesBefore(ical::Component* master, LocalDateTime rid, const TimeFrame& frame) {
  for (ical::Property& p : master->properties) {
    if (p.name != "RRULE") continue;
    Result<ical::RecurrenceRule> parsed = ical::ParseRecurrenceRule(p.value);
    if (!parsed.ok()) return Invalid("RRULE: " + parsed.error().message);
    ical::RecurrenceRule rule = std::move(parsed).value();
    rule.count.reset();
    ical::Until until;
    switch (frame.kind) {
      case TimeFrame::Kind::kDate:
        until.value = LocalDateTime::FromDate(core::Date::FromDays(rid.date().days() - 1));
        until.is_date = true;
        break;
      case TimeFrame::Kind::kUtc:
      case TimeFrame::Kind::kZoned:
        until.value = (InstantInFrame(rid, frame) - 1).utc();
        until.utc = true;
        break;
      case TimeFrame::Kind::kFloating:
        until.value = rid - 1;
        break;
    }
    if (!rule.until || rule.until->value > until.value || rule.until->is_date != until.is_date) {
      rule.until = until;
    }
    p.value = ical::FormatRecurrenceRule(rule);
  }
  return OkStatus();
}

// Keeps the RDATE/EXDATE values of `c` for which keep(value) holds.
Status FilterTimeLists(ical::Component* c, const TimeFrame& frame, ical::ZoneResolver& zones,
                       const std::function<bool(LocalDateTime)>& keep) {
  for (const char* name : {"RDATE", "EXDATE"}) {
    if (c->Find(name) == nullptr) continue;
    ALMANAC_ASSIGN_OR_RETURN(std::vector<LocalDateTime> values,
                             ReadTimeList(*c, name, frame, zones));
    std::erase_if(values, [&](LocalDateTime v) { return !keep(v); });
    SetTimeList(c, name, values, frame);
  }
  return OkStatus();
}

// Applies `change` to the master of `resource` and keeps its overrides
// consistent (see the header, kAll). Returns the dropped overrides.
Result<std::vector<std::string>> ApplyToSeries(ical::Component* resource,
                                               const ical::Component& original,
                                               const EventChange& change,
                                               const SeriesEditContext& ctx) {
  ical::ZoneResolver zones(original);
  ical::Component* master = MasterOf(*resource);
  if (master == nullptr) {
    return MakeError(Code::kFailedPrecondition,
                     "the series has no master event, only single occurrences: edit those "
                     "with scope=this");
  }
  const ical::Component old_master = *master;
  ALMANAC_ASSIGN_OR_RETURN(TimeFrame old_frame, FrameOf(old_master, zones));
  ALMANAC_ASSIGN_OR_RETURN(MasterTiming old_timing, TimingOf(old_master, old_frame, zones));

  ApplyOptions options;
  options.now = ctx.now;
  options.default_timezone = ctx.default_timezone;
  options.organizer = ctx.organizer;
  ALMANAC_RETURN_IF_ERROR(ApplyChange(master, change, zones, options));

  ALMANAC_ASSIGN_OR_RETURN(TimeFrame frame, FrameOf(*master, zones));
  ALMANAC_ASSIGN_OR_RETURN(MasterTiming timing, TimingOf(*master, frame, zones));
  const bool day_kind_changed = (old_frame.kind == TimeFrame::Kind::kDate) !=
                                (frame.kind == TimeFrame::Kind::kDate);
  // An occurrence of the old series at wall clock `t` (old frame) is the
  // occurrence at Move(t) of the new one.
  const auto to_new_frame = [&](LocalDateTime t) {
    if (day_kind_changed) {
      return LocalDateTime::FromDate(t.date()) +
             (frame.kind == TimeFrame::Kind::kDate ? 0 : timing.start.seconds_of_day());
    }
    if (old_frame.kind == frame.kind && old_frame.tzid == frame.tzid) return t;
    const Instant at = InstantInFrame(t, old_frame);
    return frame.kind == TimeFrame::Kind::kZoned ? frame.zone->ToLocal(at) : at.utc();
  };
  const std::int64_t delta =
      day_kind_changed ? 0 : timing.start - to_new_frame(old_timing.start);
  const auto move = [&](LocalDateTime t) { return to_new_frame(t) + delta; };

  // EXDATE/RDATE values given in the change are already in new terms;
  // the others move with the series.
  if (delta != 0) {
    for (const char* name : {"RDATE", "EXDATE"}) {
      const bool given = std::string_view(name) == "RDATE" ? change.rdates.has_value()
                                                           : change.exdates.has_value();
      if (given || master->Find(name) == nullptr) continue;
      ALMANAC_ASSIGN_OR_RETURN(std::vector<LocalDateTime> values,
                               ReadTimeList(*master, name, frame, zones));
      for (LocalDateTime& v : values) v = v + delta;
      SetTimeList(master, name, values, frame);
    }
  }

  std::vector<std::string> dropped;
  const ical::Component new_master = *master;
  std::vector<ical::Component> components;
  for (ical::Component& c : resource->components) {
    if (!IsOverrideOf(c, new_master.name)) {
      components.push_back(std::move(c));
      continue;
    }
    ALMANAC_ASSIGN_OR_RETURN(LocalDateTime old_rid, RidOf(c, old_frame, zones));
    const LocalDateTime rid = move(old_rid);
    // The override's own start, if it never moved off its slot, moves along;
    // so does its end, keeping its own length if it had one.
    ALMANAC_ASSIGN_OR_RETURN(MasterTiming own, TimingOf(c, old_frame, zones));
    const bool same_frame = old_frame.kind == frame.kind && old_frame.tzid == frame.tzid;
    SetTimeProperty(&c, "RECURRENCE-ID", rid, frame);
    if (own.start == old_rid || day_kind_changed) {
      const bool own_length = !day_kind_changed && (own.end_at - own.start_at) !=
                                                       (old_timing.end_at - old_timing.start_at);
      SetTimeProperty(&c, "DTSTART", rid, frame);
      RemoveProperties(&c, "DURATION");
      SetEndFor(&c, rid, own_length ? own : timing, frame);
    } else if (!same_frame) {
      SetTimeProperty(&c, "DTSTART", to_new_frame(own.start), frame);
      RemoveProperties(&c, "DURATION");
      SetEndFor(&c, to_new_frame(own.start), own, frame);
    }
    for (const char* name : kPropagated) {
      const ical::Property* was = FindProp(old_master, name);
      const ical::Property* now = FindProp(new_master, name);
      if (SameValue(was, now) || !SameValue(FindProp(c, name), was)) continue;
      if (now == nullptr) {
        RemoveProperties(&c, name);
      } else {
        SetProperty(&c, name, now->value);
      }
    }
    ALMANAC_ASSIGN_OR_RETURN(bool still, IsOccurrence(original, new_master, rid, frame));
    if (!still) {
      dropped.push_back(ApiTextInFrame(rid, frame));
      continue;
    }
    BumpStamp(&c, ctx.now);
    components.push_back(std::move(c));
  }
  resource->components = std::move(components);
  return dropped;
}

// The recurrence id of an API time in the series' frame.
Result<LocalDateTime> RidInFrame(const std::optional<ApiTime>& rid, const TimeFrame& frame) {
  if (!rid) {
    return Invalid("recurrence_id is required for scope=this and scope=following");
  }
  if (frame.kind == TimeFrame::Kind::kDate && !rid->all_day) {
    // Accept the instant of an all-day occurrence as its date.
    return LocalDateTime::FromDate((rid->instant + rid->offset).utc().date());
  }
  return LocalInFrame(*rid, frame);
}

struct Located {
  ical::Component* master = nullptr;
  TimeFrame frame;
  LocalDateTime rid;
  int override_index = -1;  // index into resource.components, or -1
};

// Finds the occurrence `rid` of `resource`: an existing override or an
// occurrence generated by the master.
Result<Located> Locate(ical::Component& resource, const ical::Component& original,
                       const std::optional<ApiTime>& api_rid, ical::ZoneResolver& zones) {
  Located at;
  at.master = MasterOf(resource);
  const ical::Component* frame_source = at.master;
  if (frame_source == nullptr) {
    for (const ical::Component& c : resource.components) {
      if (c.Find("RECURRENCE-ID") != nullptr) frame_source = &c;
    }
  }
  if (frame_source == nullptr) return Invalid("the resource holds no event");
  ALMANAC_ASSIGN_OR_RETURN(at.frame, FrameOf(*frame_source, zones));
  ALMANAC_ASSIGN_OR_RETURN(at.rid, RidInFrame(api_rid, at.frame));
  for (std::size_t i = 0; i < resource.components.size(); ++i) {
    const ical::Component& c = resource.components[i];
    if ((c.name != "VEVENT" && c.name != "VTODO") || c.Find("RECURRENCE-ID") == nullptr) continue;
    ALMANAC_ASSIGN_OR_RETURN(LocalDateTime rid, RidOf(c, at.frame, zones));
    if (rid == at.rid) at.override_index = static_cast<int>(i);
  }
  if (at.override_index < 0) {
    bool found = false;
    if (at.master != nullptr) {
      ALMANAC_ASSIGN_OR_RETURN(found, IsOccurrence(original, *at.master, at.rid, at.frame));
    }
    if (!found) {
      return MakeError(Code::kNotFound,
                       fmt::format("the series has no occurrence at {}",
                                   ApiTextInFrame(at.rid, at.frame)));
    }
  }
  return at;
}

bool IsRecurring(const ical::Component* master) {
  return master != nullptr && (master->Find("RRULE") != nullptr || master->Find("RDATE") != nullptr);
}

bool HasInstances(const ical::Component& resource) {
  ical::InstanceOptions options;
  options.max_instances = 1;
  options.limits.max_occurrences = 1;
  Result<ical::InstanceResult> r = ical::ExpandInstances(
      resource, Instant::FromUnixSeconds(-62135596800), Instant::FromUnixSeconds(kUnboundedEnd),
      options);
  return !r.ok() || !r->instances.empty();
}

// Splits `resource` at `rid`: returns the new series (master from `rid` on,
// later overrides, RDATEs and EXDATEs) and cuts them from `resource`.
Result<ical::Component> Split(ical::Component* resource, const ical::Component& original,
                              const Located& at, const SeriesEditContext& ctx,
                              ical::ZoneResolver& zones) {
  ical::Component* master = MasterOf(*resource);
  const ical::Component old_master = *master;
  ALMANAC_ASSIGN_OR_RETURN(MasterTiming timing, TimingOf(old_master, at.frame, zones));

  ical::Component next = ShellOf(*resource);
  ical::Component head = old_master;
  SetProperty(&head, "UID", ctx.new_uid);
  SetTimeProperty(&head, "DTSTART", at.rid, at.frame);
  RemoveProperties(&head, "DURATION");
  SetEndFor(&head, at.rid, timing, at.frame);
  SetProperty(&head, "SEQUENCE", "0");
  SetProperty(&head, "CREATED", core::FormatLocal(ctx.now.utc()) + "Z");
  // The remaining COUNT of each rule goes with the new series.
  for (ical::Property& p : head.properties) {
    if (p.name != "RRULE") continue;
    Result<ical::RecurrenceRule> parsed = ical::ParseRecurrenceRule(p.value);
    if (!parsed.ok()) return Invalid("RRULE: " + parsed.error().message);
    ical::RecurrenceRule rule = std::move(parsed).value();
    if (rule.count) {
      ical::Component single = old_master;
      RemoveProperties(&single, "RRULE");
      single.properties.push_back(p);
      ALMANAC_ASSIGN_OR_RETURN(std::int64_t before,
                               CountBefore(original, single, at.rid, at.frame, *rule.count));
      rule.count = static_cast<int>(std::max<std::int64_t>(1, *rule.count - before));
      p.value = ical::FormatRecurrenceRule(rule);
    }
  }
  ALMANAC_RETURN_IF_ERROR(
      FilterTimeLists(&head, at.frame, zones, [&](LocalDateTime v) { return v >= at.rid; }));
  next.components.push_back(std::move(head));

  ALMANAC_RETURN_IF_ERROR(EndRulesBefore(master, at.rid, at.frame));
  ALMANAC_RETURN_IF_ERROR(
      FilterTimeLists(master, at.frame, zones, [&](LocalDateTime v) { return v < at.rid; }));
  BumpStamp(master, ctx.now);

  std::vector<ical::Component> stay;
  for (ical::Component& c : resource->components) {
    if (IsOverrideOf(c, old_master.name)) {
      ALMANAC_ASSIGN_OR_RETURN(LocalDateTime rid, RidOf(c, at.frame, zones));
      if (rid >= at.rid) {
        SetProperty(&c, "UID", ctx.new_uid);
        next.components.push_back(std::move(c));
        continue;
      }
    }
    stay.push_back(std::move(c));
  }
  resource->components = std::move(stay);
  return next;
}

}  // namespace

std::optional<EditScope> EditScopeFromName(std::string_view name) {
  if (name == "this") return EditScope::kThis;
  if (name == "following") return EditScope::kFollowing;
  if (name == "all") return EditScope::kAll;
  return std::nullopt;
}

Result<SeriesEditResult> EditSeries(const ical::Component& resource, EditScope scope,
                                    const std::optional<ApiTime>& recurrence_id,
                                    const EventChange& change, const SeriesEditContext& ctx) {
  SeriesEditResult out;
  out.resource = resource;
  ical::ZoneResolver zones(resource);
  ical::Component* master = MasterOf(out.resource);
  if (scope == EditScope::kAll || (!IsRecurring(master) && master != nullptr)) {
    ALMANAC_ASSIGN_OR_RETURN(out.dropped_overrides,
                             ApplyToSeries(&out.resource, resource, change, ctx));
    return out;
  }
  ALMANAC_ASSIGN_OR_RETURN(Located at, Locate(out.resource, resource, recurrence_id, zones));

  if (scope == EditScope::kThis) {
    if (at.override_index < 0) {
      // A new override from the master, at the occurrence's slot.
      ALMANAC_ASSIGN_OR_RETURN(MasterTiming timing, TimingOf(*at.master, at.frame, zones));
      ical::Component o = *at.master;
      for (const char* name : {"RRULE", "RDATE", "EXDATE", "EXRULE"}) RemoveProperties(&o, name);
      SetTimeProperty(&o, "DTSTART", at.rid, at.frame);
      RemoveProperties(&o, "DURATION");
      SetEndFor(&o, at.rid, timing, at.frame);
      SetTimeProperty(&o, "RECURRENCE-ID", at.rid, at.frame);
      out.resource.components.push_back(std::move(o));
      at.override_index = static_cast<int>(out.resource.components.size() - 1);
    }
    ical::Component& o = out.resource.components[static_cast<std::size_t>(at.override_index)];
    ApplyOptions options;
    options.is_override = true;
    options.now = ctx.now;
    options.organizer = ctx.organizer;
    ALMANAC_RETURN_IF_ERROR(ApplyChange(&o, change, zones, options));
    return out;
  }

  // kFollowing
  if (at.master == nullptr) {
    return MakeError(Code::kFailedPrecondition,
                     "the series has no master event: edit single occurrences with scope=this");
  }
  ALMANAC_ASSIGN_OR_RETURN(MasterTiming timing, TimingOf(*at.master, at.frame, zones));
  if (at.rid <= timing.start) {
    ALMANAC_ASSIGN_OR_RETURN(out.dropped_overrides,
                             ApplyToSeries(&out.resource, resource, change, ctx));
    return out;
  }
  ALMANAC_ASSIGN_OR_RETURN(ical::Component next, Split(&out.resource, resource, at, ctx, zones));
  ical::Component next_original = next;
  ALMANAC_ASSIGN_OR_RETURN(out.dropped_overrides, ApplyToSeries(&next, next_original, change, ctx));
  out.split_off = std::move(next);
  return out;
}

Result<SeriesEditResult> DeleteFromSeries(const ical::Component& resource, EditScope scope,
                                          const std::optional<ApiTime>& recurrence_id,
                                          const SeriesEditContext& ctx) {
  SeriesEditResult out;
  out.resource = resource;
  ical::ZoneResolver zones(resource);
  ical::Component* master = MasterOf(out.resource);
  if (scope == EditScope::kAll || (!IsRecurring(master) && master != nullptr)) {
    out.resource_deleted = true;
    return out;
  }
  ALMANAC_ASSIGN_OR_RETURN(Located at, Locate(out.resource, resource, recurrence_id, zones));
  if (scope == EditScope::kThis) {
    if (at.override_index >= 0) {
      out.resource.components.erase(out.resource.components.begin() + at.override_index);
    }
    master = MasterOf(out.resource);
    if (master != nullptr) {
      ALMANAC_ASSIGN_OR_RETURN(std::vector<LocalDateTime> ex,
                               ReadTimeList(*master, "EXDATE", at.frame, zones));
      ex.push_back(at.rid);
      SetTimeList(master, "EXDATE", ex, at.frame);
      BumpStamp(master, ctx.now);
    }
    out.resource_deleted = !HasInstances(out.resource);
    return out;
  }
  // kFollowing
  if (master == nullptr) {
    return MakeError(Code::kFailedPrecondition,
                     "the series has no master event: delete single occurrences with scope=this");
  }
  ALMANAC_ASSIGN_OR_RETURN(MasterTiming timing, TimingOf(*master, at.frame, zones));
  if (at.rid <= timing.start) {
    out.resource_deleted = true;
    return out;
  }
  SeriesEditContext split_ctx = ctx;
  if (split_ctx.new_uid.empty()) split_ctx.new_uid = "discarded";
  ALMANAC_ASSIGN_OR_RETURN(ical::Component discarded,
                           Split(&out.resource, resource, at, split_ctx, zones));
  (void)discarded;
  out.resource_deleted = !HasInstances(out.resource);
  return out;
}

}  // namespace almanac::domain
