#include "domain/events.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/crypto.h"
#include "domain/access.h"
#include "domain/resource.h"
#include "ical/instances.h"
#include "ical/parser.h"
#include "ical/serializer.h"
#include "ical/values.h"

namespace almanac::domain {

// A parsed event version and what its instances share. A single event
// (no recurrence, no overrides) also keeps its one instance, so listing it
// costs no expansion.
struct EventService::Cached {
  std::string etag;
  ical::Component calendar;
  std::vector<std::pair<const ical::Component*, std::shared_ptr<const InstanceDetails>>> details;
  struct Single {
    ical::Instance instance;
    std::string start, end, timezone;
    std::shared_ptr<ical::ZoneResolver> zones;  // owns a VTIMEZONE zone the instance uses
  };
  std::optional<Single> single;

  const std::shared_ptr<const InstanceDetails>* DetailsOf(const ical::Component* c) const {
    for (const auto& [component, d] : details) {
      if (component == c) return &d;
    }
    return nullptr;
  }
};

namespace {

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }
Error NoEvent() { return MakeError(Code::kNotFound, "no such event"); }
Error NoCalendar() { return MakeError(Code::kNotFound, "no such calendar"); }

Result<ical::Component> ParseStored(const CalendarObject& object) {
  // Lenient: what an import accepted with warnings must stay readable.
  ical::ParseOptions options;
  options.lenient = true;
  Result<ical::ParsedCalendar> parsed = ical::Parse(object.ics, options);
  if (!parsed.ok() || parsed->components.size() != 1) {
    return MakeError(Code::kInternal, "a stored event could not be read",
                     fmt::format("object {}: {}", object.id,
                                 parsed.ok() ? "not one VCALENDAR" : parsed.error().detail));
  }
  return std::move(parsed->components.front());
}

// Index columns and text of a resource about to be stored.
Status FillObject(const ical::Component& resource, CalendarObject* object) {
  ALMANAC_ASSIGN_OR_RETURN(ResourceInfo info, AnalyzeResource(resource));
  object->uid = info.uid;
  object->component = info.component;
  object->summary = info.summary;
  object->sequence = info.sequence;
  object->first_start = info.first_start;
  object->last_end = info.last_end;
  object->recurring = info.recurring;
  object->ics = ical::Serialize(resource);
  object->etag = ETagOf(object->ics);
  return OkStatus();
}

EventRef RefOf(const CalendarObject& o) { return EventRef{o.id, o.calendar_id, o.uid, o.etag}; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsPrivate(const ical::Component& c) {
  const ical::Property* klass = c.Find("CLASS");
  return klass != nullptr && !ical::EqualsIgnoreCase(klass->value, "PUBLIC");
}

// The calendar and the caller's access, or kNotFound / kPermissionDenied.
Result<std::pair<Calendar, Access>> CalendarFor(StoreTx& tx, const Principal& caller, Id id,
                                                Access needed) {
  Result<Calendar> c = tx.GetCalendar(caller.org_id, id);
  if (!c.ok()) return c.error().code == Code::kNotFound ? NoCalendar() : c.error();
  const Access a = CalendarAccess(caller, *c);
  if (a < Access::kFreeBusy) return NoCalendar();
  if (a < needed) {
    return MakeError(Code::kPermissionDenied,
                     needed >= Access::kWrite ? "you cannot change events in this calendar"
                                              : "you can only see free/busy time of this calendar");
  }
  return std::make_pair(std::move(c).value(), a);
}

std::string ModuleColor(const std::vector<Module>& modules, const Calendar& c) {
  if (!c.color.empty()) return c.color;
  for (const Module& m : modules) {
    if (m.key == c.module) return m.color;
  }
  return "#64748b";
}

bool Contains(std::string_view hay, const std::string& needle_lower) {
  if (needle_lower.empty()) return true;
  return Lower(hay).find(needle_lower) != std::string::npos;
}

TimeFrame FrameOfInstance(const ical::Instance& i) {
  TimeFrame frame;
  if (i.all_day) {
    frame.kind = TimeFrame::Kind::kDate;
  } else if (i.zone != nullptr) {
    frame.kind = TimeFrame::Kind::kZoned;
    frame.zone = i.zone;
    frame.tzid = i.zone->name();
  } else if (i.utc) {
    frame.kind = TimeFrame::Kind::kUtc;
  } else {
    frame.kind = TimeFrame::Kind::kFloating;
  }
  return frame;
}

std::string ZoneLabel(const ical::Instance& i) {
  if (i.all_day) return {};
  if (i.zone != nullptr) return i.zone->name();
  return i.utc ? "UTC" : "";
}

const std::shared_ptr<const InstanceDetails>& BusyDetails() {
  static const std::shared_ptr<const InstanceDetails> kBusy = [] {
    auto d = std::make_shared<InstanceDetails>();
    d->title = "Busy";
    return d;
  }();
  return kBusy;
}

// An event about to be edited: locked, checked for write access and for
// the client's If-Match, parsed.
struct Editing {
  CalendarObject object;
  Calendar calendar;
  ical::Component resource;
};

Result<Editing> LoadForEdit(StoreTx& tx, const Principal& caller, Id event_id,
                            const std::optional<std::string>& if_match) {
  Result<CalendarObject> found = tx.GetObjectForUpdate(caller.org_id, event_id);
  if (!found.ok()) return found.error().code == Code::kNotFound ? NoEvent() : found.error();
  Editing e;
  e.object = std::move(found).value();
  Result<std::pair<Calendar, Access>> cal =
      CalendarFor(tx, caller, e.object.calendar_id, Access::kWrite);
  if (!cal.ok()) return cal.error().code == Code::kNotFound ? NoEvent() : cal.error();
  e.calendar = std::move(cal->first);
  if (if_match && *if_match != e.object.etag) {
    return MakeError(Code::kFailedPrecondition,
                     "the event changed since you read it: fetch it again and redo the change");
  }
  ALMANAC_ASSIGN_OR_RETURN(e.resource, ParseStored(e.object));
  return e;
}

// Stores the edited `resource` over `object` (which must still have the
// ETag it was read with) and returns the new reference.
Result<EventRef> Rewrite(StoreTx& tx, CalendarObject* object, const ical::Component& resource,
                         core::Instant now) {
  const std::string expected = object->etag;
  object->updated_at = now;
  ALMANAC_RETURN_IF_ERROR(FillObject(resource, object));
  ALMANAC_RETURN_IF_ERROR(tx.UpdateObject(*object, expected));
  return RefOf(*object);
}

}  // namespace

void MaskPrivate(ical::Component* vcalendar, bool all_components) {
  static const std::set<std::string, std::less<>> kKeep = {
      "UID",   "DTSTART", "DTEND",    "DURATION", "DUE",      "RRULE",        "RDATE",
      "EXDATE", "RECURRENCE-ID", "SEQUENCE", "DTSTAMP", "CREATED", "LAST-MODIFIED", "CLASS",
      "STATUS", "TRANSP"};
  for (ical::Component& c : vcalendar->components) {
    if (c.name != "VEVENT" && c.name != "VTODO") continue;
    if (!all_components && !IsPrivate(c)) continue;
    std::erase_if(c.properties, [](const ical::Property& p) { return !kKeep.contains(p.name); });
    c.properties.push_back(ical::Property{"SUMMARY", {}, "Busy", 0});
    c.components.clear();  // VALARMs
  }
}

EventService::EventService(Store& store, const core::Clock& clock, EventServiceOptions options)
    : store_(store), clock_(clock), options_(options) {}

std::shared_ptr<const EventService::Cached> EventService::Parsed(const CalendarObject& object,
                                                                StoreTx* tx) {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(object.id);
    if (it != cache_.end() && it->second.value->etag == object.etag) {
      lru_.splice(lru_.begin(), lru_, it->second.pos);
      return it->second.value;
    }
  }
  CalendarObject full;
  const CalendarObject* source = &object;
  if (object.ics.empty()) {
    if (tx == nullptr) return nullptr;
    Result<CalendarObject> fetched = tx->GetObject(object.org_id, object.id);
    if (!fetched.ok() || fetched->etag != object.etag) return nullptr;
    full = std::move(fetched).value();
    source = &full;
  }
  Result<ical::Component> parsed = ParseStored(*source);
  if (!parsed.ok()) return nullptr;
  auto value = std::make_shared<Cached>();
  value->etag = object.etag;
  value->calendar = std::move(parsed).value();
  std::size_t objects = 0;
  bool recurring = false;
  for (const ical::Component& c : value->calendar.components) {
    if (c.name != "VEVENT" && c.name != "VTODO") continue;
    ++objects;
    if (c.Find("RRULE") != nullptr || c.Find("RDATE") != nullptr ||
        c.Find("RECURRENCE-ID") != nullptr) {
      recurring = true;
    }
    auto d = std::make_shared<InstanceDetails>();
    d->uid = object.uid;
    d->etag = object.etag;
    d->recurring = object.recurring;
    d->status = "confirmed";
    d->visibility = "public";
    for (const ical::Property& p : c.properties) {
      const std::string& n = p.name;
      if (n == "STATUS") {
        d->status = Lower(p.value);
      } else if (n == "CLASS") {
        d->visibility = Lower(p.value);
      } else if (n == "SUMMARY") {
        d->title = ical::UnescapeText(p.value);
      } else if (n == "LOCATION") {
        d->location = ical::UnescapeText(p.value);
      } else if (n == "DESCRIPTION") {
        d->description = ical::UnescapeText(p.value);
      } else if (n == "PRIORITY") {
        d->priority = std::atoi(p.value.c_str());
      } else if (n == "CATEGORIES") {
        for (std::string& cat : ical::SplitTextList(p.value)) d->categories.push_back(cat);
      }
    }
    value->details.emplace_back(&c, std::move(d));
  }
  if (objects == 1 && !recurring) {
    // The one instance, whatever the window: expand over all time once.
    Result<ical::InstanceResult> r = ical::ExpandInstances(
        value->calendar, core::Instant::FromUnixSeconds(-62135596800),
        core::Instant::FromUnixSeconds(kUnboundedEnd));
    if (r.ok() && r->instances.size() == 1) {
      Cached::Single single;
      single.instance = r->instances.front();
      const TimeFrame frame = FrameOfInstance(single.instance);
      single.start = ApiTextAt(single.instance.start, single.instance.start_instant, frame);
      single.end = ApiTextAt(single.instance.end, single.instance.end_instant, frame);
      single.timezone = ZoneLabel(single.instance);
      single.zones = r->zones;
      value->single = std::move(single);
    }
  }
  std::shared_ptr<const Cached> result = value;
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = cache_.find(object.id);
  if (it != cache_.end()) {
    it->second.value = result;
    lru_.splice(lru_.begin(), lru_, it->second.pos);
  } else {
    lru_.push_front(object.id);
    cache_.emplace(object.id, Entry{result, lru_.begin()});
    while (cache_.size() > options_.cache_entries) {
      cache_.erase(lru_.back());
      lru_.pop_back();
    }
  }
  return result;
}

Status EventService::CheckWindow(core::Instant from, core::Instant to) const {
  if (to <= from) return Invalid("to must be after from");
  if (to - from > options_.max_window_days * core::kSecondsPerDay) {
    return Invalid(fmt::format("the window is longer than {} days", options_.max_window_days));
  }
  return OkStatus();
}

Result<EventRef> EventService::Create(const Principal& caller, Id calendar_id,
                                      const EventChange& change) {
  ALMANAC_ASSIGN_OR_RETURN(std::string uid, core::NewUuid());
  const core::Instant now = clock_.Now();
  CalendarObject object;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(auto cal, CalendarFor(tx, caller, calendar_id, Access::kWrite));
    ical::Component resource = NewCalendarShell();
    ical::Component ev;
    ev.name = "VEVENT";
    ev.properties.push_back(ical::Property{"UID", {}, uid, 0});
    ical::ZoneResolver zones(resource);
    ApplyOptions options;
    options.creating = true;
    options.now = now;
    options.default_timezone = cal.first.timezone.empty() ? "UTC" : cal.first.timezone;
    ALMANAC_RETURN_IF_ERROR(ApplyChange(&ev, change, zones, options));
    resource.components.push_back(std::move(ev));
    object = CalendarObject{};
    object.org_id = caller.org_id;
    object.calendar_id = calendar_id;
    object.created_at = object.updated_at = now;
    ALMANAC_RETURN_IF_ERROR(FillObject(resource, &object));
    ALMANAC_ASSIGN_OR_RETURN(object.id, tx.InsertObject(object));
    return tx.TouchCalendar(caller.org_id, calendar_id);
  }));
  return RefOf(object);
}

Result<EventDetails> EventService::Get(const Principal& caller, Id event_id) {
  EventDetails out;
  CalendarObject object;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    Result<CalendarObject> o = tx.GetObject(caller.org_id, event_id);
    if (!o.ok()) return o.error().code == Code::kNotFound ? Status(NoEvent()) : o.status();
    object = std::move(o).value();
    Result<std::pair<Calendar, Access>> cal =
        CalendarFor(tx, caller, object.calendar_id, Access::kFreeBusy);
    if (!cal.ok()) return NoEvent();
    out.access = cal->second;
    return OkStatus();
  }));
  std::shared_ptr<const Cached> parsed = Parsed(object);
  if (!parsed) return MakeError(Code::kInternal, "a stored event could not be read");
  ical::Component resource = parsed->calendar;
  const ical::Component* master = MasterOf(resource);
  const bool busy_only =
      out.access < Access::kRead ||
      (master != nullptr && !SeesDetails(out.access, master->Find("CLASS")
                                                         ? master->Find("CLASS")->value
                                                         : std::string()));
  if (busy_only) MaskPrivate(&resource, true);
  ical::ZoneResolver zones(resource);
  for (const ical::Component& c : resource.components) {
    if (c.name != "VEVENT" && c.name != "VTODO") continue;
    ALMANAC_ASSIGN_OR_RETURN(EventView view, ReadEvent(c, zones));
    if (c.Find("RECURRENCE-ID") != nullptr) {
      out.overrides.push_back(std::move(view));
    } else {
      out.master = std::move(view);
    }
  }
  if (master == nullptr && !out.overrides.empty()) out.master = out.overrides.front();
  out.ref = RefOf(object);
  out.recurring = object.recurring;
  out.busy_only = busy_only;
  out.created_at = object.created_at;
  out.updated_at = object.updated_at;
  return out;
}

Result<InstanceList> EventService::Expand(StoreTx& tx,
                                          const std::vector<std::pair<Calendar, Access>>& cals,
                                          const std::vector<Module>& modules,
                                          const InstanceQuery& query, bool public_view) {
  InstanceList out;
  if (cals.empty()) return out;
  std::map<Id, const std::pair<Calendar, Access>*> by_id;
  ObjectRangeQuery range;
  range.org_id = cals.front().first.org_id;
  range.from = query.from.unix_seconds();
  range.to = query.to.unix_seconds();
  for (const auto& c : cals) {
    by_id[c.first.id] = &c;
    range.calendar_ids.push_back(c.first.id);
  }
  const std::string needle = Lower(query.text);
  ical::InstanceOptions options;
  options.max_instances = query.limit + 1;
  options.limits.max_occurrences = query.limit + 1;
  const std::int64_t from_unix = query.from.unix_seconds();
  const std::int64_t to_unix = query.to.unix_seconds();
  ALMANAC_RETURN_IF_ERROR(tx.ForEachObjectInRange(range, [&](const CalendarObject& o) -> Status {
    std::shared_ptr<const Cached> parsed = Parsed(o, &tx);
    if (!parsed) return OkStatus();  // unreadable rows are skipped, not fatal to the view
    // Plain references, not a structured binding: clang 14 cannot capture
    // those in the lambda below.
    const Calendar& calendar = by_id.at(o.calendar_id)->first;
    const Access access = by_id.at(o.calendar_id)->second;
    const std::string color = ModuleColor(modules, calendar);
    auto emit = [&](const ical::Instance& i, const std::string* start, const std::string* end,
                    const std::string* zone) {
      const std::shared_ptr<const InstanceDetails>* details = parsed->DetailsOf(i.component);
      if (details == nullptr) return;
      const std::string& visibility = (*details)->visibility;
      const bool busy_only =
          public_view ? visibility != "public"
                      : !SeesDetails(access, visibility == "public" ? std::string_view()
                                                                    : std::string_view("PRIVATE"));
      const InstanceDetails& d = **details;
      if (!needle.empty() && (busy_only || !(Contains(d.title, needle) ||
                                             Contains(d.location, needle) ||
                                             Contains(d.description, needle)))) {
        return;
      }
      InstanceItem item;
      item.event_id = o.id;
      item.calendar_id = o.calendar_id;
      item.details = busy_only ? BusyDetails() : *details;
      item.all_day = i.all_day;
      item.overridden = i.overridden;
      item.busy_only = busy_only;
      item.start_unix = i.start_instant.unix_seconds();
      item.end_unix = i.end_instant.unix_seconds();
      const TimeFrame frame = FrameOfInstance(i);
      item.start = start ? *start : ApiTextAt(i.start, i.start_instant, frame);
      item.end = end ? *end : ApiTextAt(i.end, i.end_instant, frame);
      item.timezone = zone ? *zone : ZoneLabel(i);
      if (i.recurrence_id) item.recurrence_id = ApiTextInFrame(*i.recurrence_id, frame);
      item.module = calendar.module;
      item.color = color;
      out.items.push_back(std::move(item));
    };
    if (parsed->single) {
      const Cached::Single& s = *parsed->single;
      const std::int64_t a = s.instance.start_instant.unix_seconds();
      const std::int64_t b = s.instance.end_instant.unix_seconds();
      // [from, to) overlap as ExpandInstances decides it (instances.h).
      if (a < to_unix && (b > from_unix || (a == b && a >= from_unix))) {
        emit(s.instance, &s.start, &s.end, &s.timezone);
      }
      return OkStatus();
    }
    Result<ical::InstanceResult> expanded =
        ical::ExpandInstances(parsed->calendar, query.from, query.to, options);
    if (!expanded.ok()) return OkStatus();
    if (expanded->truncated) out.truncated = true;
    for (const ical::Instance& i : expanded->instances) emit(i, nullptr, nullptr, nullptr);
    return OkStatus();
  }));
  std::sort(out.items.begin(), out.items.end(), [](const InstanceItem& a, const InstanceItem& b) {
    if (a.start_unix != b.start_unix) return a.start_unix < b.start_unix;
    if (a.event_id != b.event_id) return a.event_id < b.event_id;
    return a.recurrence_id < b.recurrence_id;
  });
  if (out.items.size() > query.limit) {
    out.items.resize(query.limit);
    out.truncated = true;
  }
  return out;
}

Result<InstanceList> EventService::List(const Principal& caller, const InstanceQuery& query) {
  ALMANAC_RETURN_IF_ERROR(CheckWindow(query.from, query.to));
  InstanceList out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    std::vector<std::pair<Calendar, Access>> cals;
    if (!query.calendar_ids.empty()) {
      for (Id id : query.calendar_ids) {
        ALMANAC_ASSIGN_OR_RETURN(auto c, CalendarFor(tx, caller, id, Access::kFreeBusy));
        cals.push_back(std::move(c));
      }
    } else {
      ALMANAC_ASSIGN_OR_RETURN(std::vector<Calendar> all, tx.ListCalendars(caller.org_id));
      for (Calendar& c : all) {
        const Access a = CalendarAccess(caller, c);
        if (a >= Access::kRead) cals.emplace_back(std::move(c), a);
      }
    }
    if (!query.modules.empty()) {
      std::erase_if(cals, [&](const auto& c) {
        return std::find(query.modules.begin(), query.modules.end(), c.first.module) ==
               query.modules.end();
      });
    }
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Module> modules, tx.ListModules(caller.org_id));
    ALMANAC_ASSIGN_OR_RETURN(out, Expand(tx, cals, modules, query, false));
    return OkStatus();
  }));
  return out;
}

Result<EditOutcome> EventService::Update(const Principal& caller, Id event_id, EditScope scope,
                                         const std::optional<ApiTime>& recurrence_id,
                                         const EventChange& change,
                                         const std::optional<std::string>& if_match) {
  ALMANAC_ASSIGN_OR_RETURN(std::string new_uid, core::NewUuid());
  EditOutcome out;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    out = EditOutcome{};
    ALMANAC_ASSIGN_OR_RETURN(Editing e, LoadForEdit(tx, caller, event_id, if_match));
    CalendarObject& object = e.object;
    ical::Component& resource = e.resource;
    SeriesEditContext ctx;
    ctx.now = clock_.Now();
    ctx.new_uid = new_uid;
    ctx.default_timezone = e.calendar.timezone;
    ALMANAC_ASSIGN_OR_RETURN(SeriesEditResult r,
                             EditSeries(resource, scope, recurrence_id, change, ctx));
    ALMANAC_ASSIGN_OR_RETURN(out.event, Rewrite(tx, &object, r.resource, ctx.now));
    if (r.split_off) {
      CalendarObject added;
      added.org_id = caller.org_id;
      added.calendar_id = object.calendar_id;
      added.created_at = added.updated_at = ctx.now;
      ALMANAC_RETURN_IF_ERROR(FillObject(*r.split_off, &added));
      ALMANAC_ASSIGN_OR_RETURN(added.id, tx.InsertObject(added));
      out.created = RefOf(added);
    }
    out.dropped_overrides = std::move(r.dropped_overrides);
    return tx.TouchCalendar(caller.org_id, object.calendar_id);
  }));
  return out;
}

Result<EditOutcome> EventService::Delete(const Principal& caller, Id event_id, EditScope scope,
                                         const std::optional<ApiTime>& recurrence_id,
                                         const std::optional<std::string>& if_match) {
  EditOutcome out;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    out = EditOutcome{};
    ALMANAC_ASSIGN_OR_RETURN(Editing e, LoadForEdit(tx, caller, event_id, if_match));
    CalendarObject& object = e.object;
    ical::Component& resource = e.resource;
    SeriesEditContext ctx;
    ctx.now = clock_.Now();
    ALMANAC_ASSIGN_OR_RETURN(SeriesEditResult r,
                             DeleteFromSeries(resource, scope, recurrence_id, ctx));
    if (r.resource_deleted) {
      out.deleted = true;
      ALMANAC_RETURN_IF_ERROR(tx.DeleteObject(caller.org_id, object.id));
      return tx.TouchCalendar(caller.org_id, object.calendar_id);
    }
    ALMANAC_ASSIGN_OR_RETURN(out.event, Rewrite(tx, &object, r.resource, ctx.now));
    return tx.TouchCalendar(caller.org_id, object.calendar_id);
  }));
  return out;
}

Result<ImportReport> EventService::Import(const Principal& caller, Id calendar_id,
                                          std::string_view ics, const ImportOptions& options) {
  if (ics.size() > options_.max_import_bytes) {
    return MakeError(Code::kResourceExhausted,
                     fmt::format("the file is larger than {} bytes", options_.max_import_bytes));
  }
  ical::ParseOptions parse_options;
  parse_options.lenient = true;
  ALMANAC_ASSIGN_OR_RETURN(ical::ParsedCalendar parsed, ical::Parse(ics, parse_options));
  ImportReport report;
  for (const ical::Diagnostic& d : parsed.warnings) report.warnings.push_back(d.message);
  if (parsed.components.empty()) {
    return Invalid("the body holds no iCalendar data (expected BEGIN:VCALENDAR)");
  }
  const core::Instant now = clock_.Now();

  // Group by UID; each resource carries the VTIMEZONEs its calendar had.
  struct Group {
    ical::Component resource;
    std::set<std::string> tzids;
  };
  std::vector<Group> groups;
  std::map<std::string, std::size_t> by_uid;
  for (const ical::Component& cal : parsed.components) {
    if (cal.name != "VCALENDAR") {
      return Invalid(fmt::format("line {}: expected BEGIN:VCALENDAR, got {}", cal.line, cal.name));
    }
    std::map<std::string, const ical::Component*> zones;
    for (const ical::Component& c : cal.components) {
      if (c.name == "VTIMEZONE") {
        if (const ical::Property* id = c.Find("TZID")) zones[id->value] = &c;
      }
    }
    for (const ical::Component& c : cal.components) {
      if (c.name != "VEVENT" && c.name != "VTODO") continue;
      const ical::Property* uid = c.Find("UID");
      if (uid == nullptr || uid->value.empty()) {
        return Invalid(fmt::format("line {}: {} has no UID", c.line, c.name));
      }
      auto [it, added] = by_uid.emplace(uid->value, groups.size());
      if (added) {
        Group g;
        g.resource = NewCalendarShell();
        groups.push_back(std::move(g));
      }
      Group& g = groups[it->second];
      for (const ical::Property& p : c.properties) {
        if (auto tzid = p.ParamValue("TZID")) {
          auto z = zones.find(std::string(*tzid));
          if (z != zones.end() && g.tzids.insert(z->first).second) {
            g.resource.components.insert(g.resource.components.begin(), *z->second);
          }
        }
      }
      g.resource.components.push_back(c);
      NormalizeObject(&g.resource.components.back(), now);
    }
  }
  // Analyse and serialise outside the transaction; it only writes rows.
  std::vector<CalendarObject> objects(groups.size());
  for (std::size_t i = 0; i < groups.size(); ++i) {
    CalendarObject& o = objects[i];
    o.org_id = caller.org_id;
    o.calendar_id = calendar_id;
    o.created_at = o.updated_at = now;
    Status s = FillObject(groups[i].resource, &o);
    if (!s.ok()) return s.error();
    if (options.progress && (i % 256 == 0 || i + 1 == groups.size())) {
      options.progress("read", i + 1, groups.size());
    }
  }
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    report.created = report.updated = 0;
    ALMANAC_RETURN_IF_ERROR(CalendarFor(tx, caller, calendar_id, Access::kWrite).status());
    for (std::size_t i = 0; i < objects.size(); ++i) {
      CalendarObject o = objects[i];
      Result<CalendarObject> existing = tx.GetObjectByUid(caller.org_id, calendar_id, o.uid);
      if (existing.ok()) {
        if (!options.replace_existing) {
          return MakeError(Code::kAlreadyExists,
                           fmt::format("the calendar already has an event with UID \"{}\"",
                                       ical::ShortForMessage(o.uid)));
        }
        o.id = existing->id;
        o.created_at = existing->created_at;
        ALMANAC_RETURN_IF_ERROR(tx.UpdateObject(o, existing->etag));
        ++report.updated;
      } else if (existing.error().code == Code::kNotFound) {
        ALMANAC_RETURN_IF_ERROR(tx.InsertObject(o).status());
        ++report.created;
      } else {
        return existing.status();
      }
      if (options.progress && (i % 256 == 0 || i + 1 == objects.size())) {
        options.progress("write", i + 1, objects.size());
      }
    }
    return tx.TouchCalendar(caller.org_id, calendar_id);
  }));
  return report;
}

Result<std::string> EventService::ExportCalendar(StoreTx& tx, const Calendar& calendar,
                                                 Access access) {
  ical::Component out = NewCalendarShell();
  out.properties.push_back(ical::Property{"X-WR-CALNAME", {}, ical::EscapeText(calendar.name), 0});
  if (!calendar.timezone.empty()) {
    out.properties.push_back(ical::Property{"X-WR-TIMEZONE", {}, calendar.timezone, 0});
  }
  std::set<std::string> tzids;
  std::vector<ical::Component> objects;
  ALMANAC_RETURN_IF_ERROR(
      tx.ForEachObject(calendar.org_id, calendar.id, [&](const CalendarObject& o) -> Status {
        std::shared_ptr<const Cached> parsed = Parsed(o);
        if (!parsed) return MakeError(Code::kInternal, "a stored event could not be read");
        ical::Component resource = parsed->calendar;
        if (access < Access::kWrite) MaskPrivate(&resource, access < Access::kRead);
        for (ical::Component& c : resource.components) {
          if (c.name == "VTIMEZONE") {
            const ical::Property* id = c.Find("TZID");
            if (id != nullptr && tzids.insert(id->value).second) out.components.push_back(c);
          } else {
            objects.push_back(std::move(c));
          }
        }
        return OkStatus();
      }));
  for (ical::Component& c : objects) out.components.push_back(std::move(c));
  return ical::Serialize(out);
}

Result<std::string> EventService::Export(const Principal& caller, Id calendar_id) {
  std::string out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(auto cal, CalendarFor(tx, caller, calendar_id, Access::kRead));
    ALMANAC_ASSIGN_OR_RETURN(out, ExportCalendar(tx, cal.first, cal.second));
    return OkStatus();
  }));
  return out;
}

Result<std::string> EventService::FeedIcs(std::string_view token) {
  std::string out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    Result<Calendar> cal = tx.GetCalendarByFeedToken(core::Sha256Hex(token));
    if (!cal.ok()) {
      return cal.error().code == Code::kNotFound ? MakeError(Code::kNotFound, "no such feed")
                                                 : cal.status();
    }
    ALMANAC_ASSIGN_OR_RETURN(out, ExportCalendar(tx, *cal, Access::kRead));
    return OkStatus();
  }));
  return out;
}

Result<InstanceList> EventService::FeedInstances(std::string_view token, core::Instant from,
                                                 core::Instant to) {
  ALMANAC_RETURN_IF_ERROR(CheckWindow(from, to));
  InstanceList out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    Result<Calendar> cal = tx.GetCalendarByFeedToken(core::Sha256Hex(token));
    if (!cal.ok()) {
      return cal.error().code == Code::kNotFound ? MakeError(Code::kNotFound, "no such feed")
                                                 : cal.status();
    }
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Module> modules, tx.ListModules(cal->org_id));
    InstanceQuery q;
    q.from = from;
    q.to = to;
    std::vector<std::pair<Calendar, Access>> cals{{*cal, Access::kRead}};
    ALMANAC_ASSIGN_OR_RETURN(out, Expand(tx, cals, modules, q, true));
    return OkStatus();
  }));
  return out;
}

}  // namespace almanac::domain
