#include "domain/events.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/crypto.h"
#include "domain/access.h"
#include "domain/resource.h"
#include "domain/resources.h"
#include "ical/instances.h"
#include "ical/parser.h"
#include "ical/serializer.h"
#include "ical/values.h"
#include "ical/vtimezone_gen.h"

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

// The caller as the ORGANIZER of an event `change` gives attendees (read
// only then); none for a user without an e-mail address.
Result<Organizer> OrganizerFor(StoreTx& tx, const Principal& caller, const EventChange& change) {
  if (!change.attendees || change.attendees->empty()) return Organizer{};
  Result<User> user = tx.GetUser(caller.org_id, caller.user_id);
  if (!user.ok()) {
    if (user.error().code == Code::kNotFound) return Organizer{};
    return user.error();
  }
  return Organizer{user->email, user->display_name};
}
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
// True when a component of `resource` names a TZID that no VTIMEZONE of
// the resource defines.
bool NeedsVTimezones(const ical::Component& resource) {
  std::set<std::string_view> defined;
  for (const ical::Component& c : resource.components) {
    if (c.name == "VTIMEZONE") {
      if (const ical::Property* id = c.Find("TZID")) defined.insert(id->value);
    }
  }
  for (const ical::Component& c : resource.components) {
    for (const ical::Property& p : c.properties) {
      if (auto tzid = p.ParamValue("TZID"); tzid && defined.count(*tzid) == 0) return true;
    }
  }
  return false;
}

Status FillObject(const ical::Component& resource, CalendarObject* object) {
  ALMANAC_ASSIGN_OR_RETURN(ResourceInfo info, AnalyzeResource(resource));
  object->uid = info.uid;
  object->component = info.component;
  object->summary = info.summary;
  object->sequence = info.sequence;
  object->first_start = info.first_start;
  object->last_end = info.last_end;
  object->recurring = info.recurring;
  // Every TZID used gets its VTIMEZONE (RFC 5545 §3.2.19), so CalDAV
  // clients that do not know IANA names read the times right.
  ical::Component with_zones;
  const ical::Component* stored = &resource;
  if (NeedsVTimezones(resource)) {
    with_zones = resource;
    if (ical::AddMissingVTimezones(&with_zones) > 0) stored = &with_zones;
  }
  object->ics = ical::Serialize(*stored);
  object->etag = ETagOf(object->ics);
  if (object->name.empty()) object->name = ResourceNameFor(info.uid);
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

// The colour instances of `v` show: the calendar's own, else its module's.
std::string DisplayColor(const CalendarView& v) {
  if (!v.calendar.color.empty()) return v.calendar.color;
  return v.module_color.empty() ? std::string(kDefaultModuleColor) : v.module_color;
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
      } else if (n == "ORGANIZER") {
        std::string_view address = p.value;
        if (address.size() >= 7 && ical::EqualsIgnoreCase(address.substr(0, 7), "mailto:")) {
          address.remove_prefix(7);
        }
        d->organizer_email = std::string(address);
        if (std::optional<std::string_view> cn = p.ParamValue("CN")) d->organizer_name = *cn;
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
    ALMANAC_ASSIGN_OR_RETURN(options.organizer, OrganizerFor(tx, caller, change));
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

bool InstanceBefore(const InstanceItem& a, const InstanceItem& b) {
  if (a.start_unix != b.start_unix) return a.start_unix < b.start_unix;
  if (a.event_id != b.event_id) return a.event_id < b.event_id;
  return a.recurrence_id < b.recurrence_id;
}

void InstanceList::ForEach(
    const std::function<void(const InstanceRun&, std::size_t)>& visit) const {
  std::vector<const InstanceRun*> live;
  for (const auto& r : runs) {
    if (!r->items.empty()) live.push_back(r.get());
  }
  std::size_t left = limit;
  if (live.size() == 1) {
    const InstanceRun& run = *live.front();
    for (std::size_t i = 0; i < run.items.size() && left > 0; ++i, --left) visit(run, i);
    return;
  }
  // k-way merge: a min-heap of (run, next index).
  using Cursor = std::pair<const InstanceRun*, std::size_t>;
  auto after = [](const Cursor& a, const Cursor& b) {
    return InstanceBefore(b.first->items[b.second], a.first->items[a.second]);
  };
  std::vector<Cursor> heap;
  for (const InstanceRun* r : live) heap.emplace_back(r, 0);
  std::make_heap(heap.begin(), heap.end(), after);
  while (!heap.empty() && left > 0) {
    std::pop_heap(heap.begin(), heap.end(), after);
    Cursor& c = heap.back();
    visit(*c.first, c.second);
    --left;
    if (++c.second < c.first->items.size()) {
      std::push_heap(heap.begin(), heap.end(), after);
    } else {
      heap.pop_back();
    }
  }
}

std::vector<InstanceItem> InstanceList::Items() const {
  std::vector<InstanceItem> out;
  ForEach([&](const InstanceRun& run, std::size_t i) { out.push_back(run.items[i]); });
  return out;
}

std::shared_ptr<const InstanceRun> EventService::CachedWindow(const std::string& key) {
  std::lock_guard<std::mutex> lock(window_mu_);
  auto it = windows_.find(key);
  if (it == windows_.end()) return nullptr;
  window_lru_.splice(window_lru_.begin(), window_lru_, it->second.pos);
  return it->second.run;
}

std::shared_ptr<const ical::Component> EventService::ParsedResource(
    const CalendarObject& object) {
  std::shared_ptr<const Cached> parsed = Parsed(object);
  if (!parsed) return nullptr;
  return std::shared_ptr<const ical::Component>(parsed, &parsed->calendar);
}

WindowCacheStats EventService::window_cache_stats() {
  std::lock_guard<std::mutex> lock(window_mu_);
  return WindowCacheStats{window_hits_, window_misses_, windows_.size()};
}

void EventService::RememberWindow(const std::string& key, std::shared_ptr<const InstanceRun> run) {
  // Items, their strings and (later) their JSON: a rough but proportional size.
  const std::size_t bytes = key.size() + 256 + run->items.size() * 1024;
  if (bytes > options_.window_cache_bytes / 4) return;
  std::lock_guard<std::mutex> lock(window_mu_);
  auto it = windows_.find(key);
  if (it != windows_.end()) return;  // another request built it first
  window_lru_.push_front(key);
  windows_.emplace(key, WindowEntry{std::move(run), bytes, window_lru_.begin()});
  window_bytes_ += bytes;
  while (window_bytes_ > options_.window_cache_bytes && !window_lru_.empty()) {
    auto last = windows_.find(window_lru_.back());
    window_bytes_ -= last->second.bytes;
    windows_.erase(last);
    window_lru_.pop_back();
  }
}

Result<std::vector<EventService::Visible>> EventService::VisibleOf(
    const Principal& caller, const InstanceQuery& query, std::vector<CalendarView> views) {
  std::vector<Visible> out;
  auto add = [&](CalendarView& v, Access a) {
    if (!query.modules.empty() && std::find(query.modules.begin(), query.modules.end(),
                                            v.calendar.module) == query.modules.end()) {
      return;
    }
    std::string color = DisplayColor(v);
    out.push_back(Visible{std::move(v.calendar), a, std::move(color)});
  };
  if (query.calendar_ids.empty()) {
    for (CalendarView& v : views) {
      const Access a = CalendarAccess(caller, v.calendar);
      if (a >= Access::kRead) add(v, a);
    }
    return out;
  }
  std::set<Id> seen;
  for (Id id : query.calendar_ids) {
    if (!seen.insert(id).second) continue;
    auto it = std::find_if(views.begin(), views.end(),
                           [&](const CalendarView& v) { return v.calendar.id == id; });
    if (it == views.end()) return NoCalendar();
    const Access a = CalendarAccess(caller, it->calendar);
    if (a < Access::kFreeBusy) return NoCalendar();
    add(*it, a);
  }
  return out;
}

namespace {

// Whether `query` filters on status, priority or organizer.
bool Filtered(const InstanceQuery& query) {
  return !query.statuses.empty() || query.priority_min > 0 || query.priority_max < 9 ||
         !query.organizer.empty();
}

// `organizer`: the query's, lower-cased.
bool PassesFilters(const InstanceDetails& d, const InstanceQuery& query,
                   const std::string& organizer) {
  if (!query.statuses.empty() &&
      std::find(query.statuses.begin(), query.statuses.end(), d.status) == query.statuses.end()) {
    return false;
  }
  if (d.priority < query.priority_min || d.priority > query.priority_max) return false;
  return organizer.empty() || Lower(d.organizer_email) == organizer;
}

}  // namespace

Result<std::optional<InstanceList>> EventService::Expand(StoreTx* tx,
                                                         const std::vector<Visible>& cals,
                                                         const InstanceQuery& query,
                                                         bool public_view) {
  InstanceList out;
  out.limit = query.limit;
  const std::string needle = Lower(query.text);
  // Each calendar's run from the window cache, or built by BuildRuns.
  std::map<Id, PendingRun> pending;
  for (const Visible& v : cals) {
    // The version pins the calendar's content; access (or the public view)
    // decides what is masked; colour and module come from outside the
    // calendar's objects.
    std::string key = fmt::format("{}:{}:{}:{}:{}:{}:{}:{}:{}:{}", v.calendar.id,
                                  v.calendar.version,
                                  public_view ? -1 : static_cast<int>(v.access),
                                  query.from.unix_seconds(), query.to.unix_seconds(), query.limit,
                                  v.color, v.calendar.module.size(), v.calendar.module, needle);
    if (Filtered(query)) {
      key += fmt::format("|{}|{}-{}|{}", fmt::join(query.statuses, ","), query.priority_min,
                         query.priority_max, Lower(query.organizer));
    }
    if (std::shared_ptr<const InstanceRun> run = CachedWindow(key)) {
      out.runs.push_back(std::move(run));
      continue;
    }
    if (tx == nullptr) return std::optional<InstanceList>();
    pending.emplace(v.calendar.id, PendingRun{&v, std::move(key), std::make_shared<InstanceRun>()});
  }
  {
    std::lock_guard<std::mutex> lock(window_mu_);
    window_hits_ += out.runs.size();
    window_misses_ += pending.size();
  }
  if (!pending.empty()) ALMANAC_RETURN_IF_ERROR(BuildRuns(*tx, pending, query, public_view));
  for (auto& [id, p] : pending) {
    RememberWindow(p.key, p.run);
    out.runs.push_back(std::move(p.run));
  }
  std::size_t total = 0;
  for (const auto& r : out.runs) {
    out.truncated |= r->truncated;
    total += r->items.size();
  }
  if (total > query.limit) out.truncated = true;
  return std::optional<InstanceList>(std::move(out));
}

Status EventService::BuildRuns(StoreTx& tx, std::map<Id, PendingRun>& pending,
                               const InstanceQuery& query, bool public_view) {
  const std::string needle = Lower(query.text);
  const bool filtered = Filtered(query);
  const std::string organizer = Lower(query.organizer);
  const std::int64_t from_unix = query.from.unix_seconds();
  const std::int64_t to_unix = query.to.unix_seconds();
  ObjectRangeQuery range;
  range.org_id = pending.begin()->second.calendar->calendar.org_id;
  range.from = from_unix;
  range.to = to_unix;
  for (const auto& [id, p] : pending) range.calendar_ids.push_back(id);
  ical::InstanceOptions options;
  options.max_instances = query.limit + 1;
  options.limits.max_occurrences = query.limit + 1;
  // The index rows, then in one statement the text of those the parse
  // cache lacks (a cold month would otherwise cost a round trip per event).
  std::vector<CalendarObject> rows;
  ALMANAC_RETURN_IF_ERROR(tx.ForEachObjectInRange(range, [&](const CalendarObject& o) -> Status {
    rows.push_back(o);
    return OkStatus();
  }));
  std::vector<Id> unparsed;
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    for (const CalendarObject& o : rows) {
      auto it = cache_.find(o.id);
      if (it == cache_.end() || it->second.value->etag != o.etag) unparsed.push_back(o.id);
    }
  }
  if (!unparsed.empty()) {
    std::unordered_map<Id, CalendarObject*> by_id;
    for (CalendarObject& o : rows) by_id[o.id] = &o;
    ALMANAC_RETURN_IF_ERROR(tx.ForEachObjectText(
        range.org_id, unparsed, [&](Id id, std::string_view etag, std::string_view ics) {
          auto it = by_id.find(id);
          if (it != by_id.end() && it->second->etag == etag) it->second->ics = ics;
        }));
  }
  for (const CalendarObject& o : rows) {
    std::shared_ptr<const Cached> parsed = Parsed(o, &tx);
    if (!parsed) continue;  // unreadable rows are skipped, not fatal to the view
    PendingRun& p = pending.at(o.calendar_id);
    const Calendar& calendar = p.calendar->calendar;
    const Access access = p.calendar->access;
    InstanceRun& run = *p.run;
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
      if (filtered && (busy_only || !PassesFilters(d, query, organizer))) return;
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
      item.color = p.calendar->color;
      run.items.push_back(std::move(item));
    };
    if (parsed->single) {
      const Cached::Single& s = *parsed->single;
      const std::int64_t a = s.instance.start_instant.unix_seconds();
      const std::int64_t b = s.instance.end_instant.unix_seconds();
      // [from, to) overlap as ExpandInstances decides it (instances.h).
      if (a < to_unix && (b > from_unix || (a == b && a >= from_unix))) {
        emit(s.instance, &s.start, &s.end, &s.timezone);
      }
      continue;
    }
    Result<ical::InstanceResult> expanded =
        ical::ExpandInstances(parsed->calendar, query.from, query.to, options);
    if (!expanded.ok()) continue;
    if (expanded->truncated) run.truncated = true;
    for (const ical::Instance& i : expanded->instances) emit(i, nullptr, nullptr, nullptr);
  }
  for (auto& [id, p] : pending) {
    std::sort(p.run->items.begin(), p.run->items.end(), InstanceBefore);
    if (p.run->items.size() > query.limit) {
      p.run->items.resize(query.limit);
      p.run->truncated = true;
    }
  }
  return OkStatus();
}

Result<InstanceList> EventService::List(const Principal& caller, const InstanceQuery& query) {
  ALMANAC_RETURN_IF_ERROR(CheckWindow(query.from, query.to));
  // First one statement for the calendars: when the window cache has every
  // calendar at its current version, that is the whole request. Otherwise
  // again in a transaction that also reads the objects.
  std::optional<InstanceList> out;
  auto view = [&](StoreTx& tx, bool build) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::vector<CalendarView> views,
                             tx.ListCalendarViews(caller.org_id, query.calendar_ids));
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Visible> visible,
                             VisibleOf(caller, query, std::move(views)));
    ALMANAC_ASSIGN_OR_RETURN(out, Expand(build ? &tx : nullptr, visible, query, false));
    return OkStatus();
  };
  ALMANAC_RETURN_IF_ERROR(store_.ReadStatement([&](StoreTx& tx) { return view(tx, false); }));
  if (!out) ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) { return view(tx, true); }));
  return std::move(*out);
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
    ALMANAC_ASSIGN_OR_RETURN(ctx.organizer, OrganizerFor(tx, caller, change));
    ALMANAC_ASSIGN_OR_RETURN(SeriesEditResult r,
                             EditSeries(resource, scope, recurrence_id, change, ctx));
    const CalendarObject before = object;
    ALMANAC_ASSIGN_OR_RETURN(out.event, Rewrite(tx, &object, r.resource, ctx.now));
    if (r.split_off) {
      CalendarObject added;
      added.org_id = caller.org_id;
      added.calendar_id = object.calendar_id;
      added.created_at = added.updated_at = ctx.now;
      ALMANAC_RETURN_IF_ERROR(FillObject(*r.split_off, &added));
      ALMANAC_ASSIGN_OR_RETURN(added.id, tx.InsertObject(added));
      out.created = RefOf(added);
      ALMANAC_RETURN_IF_ERROR(
          FollowEventBookings(tx, caller, object.id, &before, &object, &added, ctx.now));
    } else {
      ALMANAC_RETURN_IF_ERROR(
          FollowEventBookings(tx, caller, object.id, &before, &object, nullptr, ctx.now));
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
      ALMANAC_RETURN_IF_ERROR(tx.DeleteObject(caller.org_id, object.id, ctx.now));
      ALMANAC_RETURN_IF_ERROR(
          FollowEventBookings(tx, caller, object.id, &object, nullptr, nullptr, ctx.now));
      return tx.TouchCalendar(caller.org_id, object.calendar_id);
    }
    const CalendarObject before = object;
    ALMANAC_ASSIGN_OR_RETURN(out.event, Rewrite(tx, &object, r.resource, ctx.now));
    ALMANAC_RETURN_IF_ERROR(
        FollowEventBookings(tx, caller, object.id, &before, &object, nullptr, ctx.now));
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
    // In chunks: which UIDs exist (one statement), replace those, insert
    // the rest with multi-row statements.
    constexpr std::size_t kChunk = 400;
    for (std::size_t begin = 0; begin < objects.size(); begin += kChunk) {
      const std::size_t end = std::min(objects.size(), begin + kChunk);
      std::vector<std::string> uids;
      for (std::size_t i = begin; i < end; ++i) uids.push_back(objects[i].uid);
      std::map<std::string, CalendarObject> existing;
      ALMANAC_RETURN_IF_ERROR(tx.ForEachObjectByUid(caller.org_id, calendar_id, uids,
                                                    [&](const CalendarObject& o) -> Status {
                                                      existing.emplace(o.uid, o);
                                                      return OkStatus();
                                                    }));
      std::vector<CalendarObject> fresh;
      for (std::size_t i = begin; i < end; ++i) {
        CalendarObject o = objects[i];
        auto it = existing.find(o.uid);
        if (it == existing.end()) {
          fresh.push_back(std::move(o));
          continue;
        }
        if (!options.replace_existing) {
          return MakeError(Code::kAlreadyExists,
                           fmt::format("the calendar already has an event with UID \"{}\"",
                                       ical::ShortForMessage(o.uid)));
        }
        o.id = it->second.id;
        o.name = it->second.name;
        o.created_at = it->second.created_at;
        ALMANAC_RETURN_IF_ERROR(tx.UpdateObject(o, it->second.etag));
        ALMANAC_RETURN_IF_ERROR(
            FollowEventBookings(tx, caller, o.id, &it->second, &o, nullptr, o.updated_at));
        ++report.updated;
      }
      ALMANAC_RETURN_IF_ERROR(tx.InsertObjects(fresh).status());
      report.created += fresh.size();
      if (options.progress) options.progress("write", end, objects.size());
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
    ALMANAC_ASSIGN_OR_RETURN(std::vector<CalendarView> views,
                             tx.ListCalendarViews(cal->org_id, {cal->id}));
    if (views.empty()) return MakeError(Code::kNotFound, "no such feed");
    InstanceQuery q;
    q.from = from;
    q.to = to;
    std::string color = DisplayColor(views.front());
    std::vector<Visible> cals{{std::move(views.front().calendar), Access::kRead, std::move(color)}};
    ALMANAC_ASSIGN_OR_RETURN(std::optional<InstanceList> list, Expand(&tx, cals, q, true));
    out = std::move(*list);
    return OkStatus();
  }));
  return out;
}

}  // namespace almanac::domain
