#include "domain/dav.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "domain/access.h"
#include "domain/resource.h"
#include "domain/resources.h"
#include "ical/parser.h"
#include "ical/serializer.h"
#include "ical/vtimezone_gen.h"

namespace almanac::domain {
namespace {

Error NoCollection() { return MakeError(Code::kNotFound, "no such calendar collection"); }
Error NoResource() { return MakeError(Code::kNotFound, "no such calendar object resource"); }

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Whether `calendar` belongs in `caller`'s home (not merely readable).
bool InHome(const Principal& caller, const Calendar& calendar) {
  if (!calendar.owner_user_id) return true;  // the organisation's
  if (*calendar.owner_user_id == caller.user_id) return true;
  for (const CalendarShare& s : calendar.shares) {
    if (s.user_id && *s.user_id == caller.user_id) return true;
    if (s.role && *s.role == caller.role) return true;
  }
  return false;
}

bool IsPrivateClass(const ical::Component& c) {
  const ical::Property* klass = c.Find("CLASS");
  return klass != nullptr && !ical::EqualsIgnoreCase(klass->value, "PUBLIC");
}

PutOutcome Refuse(PutRule rule, std::string message) {
  PutOutcome out;
  out.refused = rule;
  out.message = std::move(message);
  return out;
}

// Turns a PUT body into the resource to store, or a refusal.
struct Prepared {
  ical::Component resource;
  ResourceInfo info;
};
std::variant<Prepared, PutOutcome> Prepare(std::string_view body, const Calendar& calendar,
                                           core::Instant now, std::size_t max_bytes) {
  if (body.size() > max_bytes) {
    return Refuse(PutRule::kMaxResourceSize,
                  fmt::format("the resource is larger than {} bytes", max_bytes));
  }
  ical::ParseOptions options;
  options.lenient = true;
  Result<ical::ParsedCalendar> parsed = ical::Parse(body, options);
  if (!parsed.ok()) return Refuse(PutRule::kValidCalendarData, parsed.error().message);
  // Lenient parsing repairs what clients get slightly wrong (a missing
  // DTSTAMP, lower-case names); a truncated object or a value that is not a
  // value is not iCalendar (RFC 4791 §5.3.2.1 valid-calendar-data).
  for (const ical::Diagnostic& d : parsed->warnings) {
    if (d.message.find("missing END:") != std::string::npos ||
        d.message.find(": invalid ") != std::string::npos) {
      return Refuse(PutRule::kValidCalendarData, d.message);
    }
  }
  if (parsed->components.empty() || parsed->components.front().name != "VCALENDAR") {
    return Refuse(PutRule::kValidCalendarData, "the body is not iCalendar (BEGIN:VCALENDAR)");
  }
  if (parsed->components.size() != 1) {
    return Refuse(PutRule::kValidObjectResource, "the body must be exactly one VCALENDAR");
  }
  Prepared p;
  p.resource = std::move(parsed->components.front());
  if (p.resource.Find("METHOD") != nullptr) {
    return Refuse(PutRule::kValidObjectResource,
                  "a calendar object resource must not have METHOD (RFC 4791 §4.1)");
  }
  for (ical::Component& c : p.resource.components) {
    if (c.name == "VEVENT" || c.name == "VTODO") {
      NormalizeObject(&c, now);
    } else if (c.name == "VJOURNAL" || c.name == "VFREEBUSY" || c.name == "VAVAILABILITY") {
      return Refuse(PutRule::kSupportedComponent,
                    fmt::format("this calendar does not hold {} components", c.name));
    }
  }
  ical::AddMissingVTimezones(&p.resource);  // a client that names TZIDs without VTIMEZONEs
  Result<ResourceInfo> info = AnalyzeResource(p.resource);
  if (!info.ok()) return Refuse(PutRule::kValidObjectResource, info.error().message);
  p.info = std::move(info).value();
  if (std::find(calendar.components.begin(), calendar.components.end(), p.info.component) ==
      calendar.components.end()) {
    return Refuse(PutRule::kSupportedComponent,
                  fmt::format("this calendar does not hold {} components", p.info.component));
  }
  return p;
}

}  // namespace

bool PutConditions::Allows(const std::optional<std::string>& etag) const {
  if (has_if_match) {
    if (!etag) return false;
    if (!if_match_any && std::find(if_match.begin(), if_match.end(), *etag) == if_match.end()) {
      return false;
    }
  }
  if (if_none_match_any && etag) return false;
  if (etag && std::find(if_none_match.begin(), if_none_match.end(), *etag) != if_none_match.end()) {
    return false;
  }
  return true;
}

std::string SegmentOf(const Calendar& calendar, Id home_user) {
  if (!calendar.dav_name.empty() && calendar.owner_user_id && *calendar.owner_user_id == home_user) {
    return calendar.dav_name;
  }
  return std::to_string(calendar.id);
}

DavService::DavService(Store& store, const core::Clock& clock, EventService& events,
                       CalendarService& calendars, DavOptions options)
    : store_(store), clock_(clock), events_(events), calendars_(calendars), options_(options) {}

Result<std::vector<DavCollection>> DavService::Home(const Principal& caller) {
  ALMANAC_ASSIGN_OR_RETURN(std::vector<CalendarWithAccess> all, calendars_.List(caller));
  std::vector<DavCollection> out;
  for (CalendarWithAccess& c : all) {
    if (!InHome(caller, c.calendar)) continue;
    std::string color = c.calendar.color.empty() ? c.module_color : c.calendar.color;
    std::string segment = SegmentOf(c.calendar, caller.user_id);
    out.push_back(DavCollection{std::move(c.calendar), c.access, std::move(color), std::move(segment)});
  }
  std::sort(out.begin(), out.end(),
            [](const DavCollection& a, const DavCollection& b) { return a.segment < b.segment; });
  return out;
}

Result<DavCollection> DavService::Collection(const Principal& caller, std::string_view segment) {
  std::optional<CalendarView> view;
  // One statement: this runs before every request on a collection.
  ALMANAC_RETURN_IF_ERROR(store_.ReadStatement([&](StoreTx& tx) -> Status {
    if (AllDigits(segment)) {
      ALMANAC_ASSIGN_OR_RETURN(std::vector<CalendarView> views,
                               tx.ListCalendarViews(caller.org_id, {std::stoll(std::string(segment))}));
      if (!views.empty()) view = std::move(views.front());
      return OkStatus();
    }
    Result<CalendarView> v = tx.GetCalendarByDavName(caller.org_id, caller.user_id, segment);
    if (!v.ok()) return v.error().code == Code::kNotFound ? OkStatus() : v.status();
    view = std::move(v).value();
    return OkStatus();
  }));
  if (!view) return NoCollection();
  const Access a = CalendarAccess(caller, view->calendar);
  if (a < Access::kRead) return NoCollection();
  std::string color = view->calendar.color.empty() ? view->module_color : view->calendar.color;
  if (color.empty()) color = std::string(kDefaultModuleColor);
  std::string seg = SegmentOf(view->calendar, caller.user_id);
  return DavCollection{std::move(view->calendar), a, std::move(color), std::move(seg)};
}

Result<DavCollection> DavService::MakeCollection(const Principal& caller, std::string_view segment,
                                                 CalendarChange change) {
  if (AllDigits(segment)) {
    // Ids are segments already; a numeric name would shadow one.
    return MakeError(Code::kAlreadyExists, "numeric collection names are reserved");
  }
  change.dav_name = std::string(segment);
  if (!change.name || change.name->empty()) change.name = std::string(segment);
  Result<CalendarWithAccess> made = calendars_.Create(caller, change);
  if (!made.ok()) return made.error();
  return Collection(caller, segment);
}

Result<DavCollection> DavService::PatchCollection(const Principal& caller,
                                                  const DavCollection& collection,
                                                  const CalendarChange& change) {
  ALMANAC_RETURN_IF_ERROR(calendars_.Update(caller, collection.calendar.id, change).status());
  return Collection(caller, collection.segment);
}

Status DavService::DeleteCollection(const Principal& caller, const DavCollection& collection) {
  return calendars_.Delete(caller, collection.calendar.id);
}

void DavService::Mask(const DavCollection& collection, CalendarObject* object,
                      std::shared_ptr<const ical::Component>* parsed) {
  if (collection.access >= Access::kWrite) return;
  std::shared_ptr<const ical::Component> resource =
      parsed != nullptr && *parsed ? *parsed : events_.ParsedResource(*object);
  if (!resource) return;
  const bool any_private =
      std::any_of(resource->components.begin(), resource->components.end(),
                  [](const ical::Component& c) {
                    return (c.name == "VEVENT" || c.name == "VTODO") && IsPrivateClass(c);
                  });
  if (!any_private) return;
  auto masked = std::make_shared<ical::Component>(*resource);
  MaskPrivate(masked.get(), false);
  object->ics = ical::Serialize(*masked);
  object->etag = ETagOf(object->ics);
  if (parsed != nullptr) *parsed = std::move(masked);
}

Result<CalendarObject> DavService::Get(const Principal& caller, const DavCollection& collection,
                                       std::string_view name) {
  CalendarObject object;
  ALMANAC_RETURN_IF_ERROR(store_.ReadStatement([&](StoreTx& tx) -> Status {
    Result<CalendarObject> o = tx.GetObjectByName(caller.org_id, collection.calendar.id, name);
    if (!o.ok()) return o.error().code == Code::kNotFound ? Status(NoResource()) : o.status();
    object = std::move(o).value();
    return OkStatus();
  }));
  Mask(collection, &object, nullptr);
  return object;
}

Result<PutOutcome> DavService::Put(const Principal& caller, const DavCollection& collection,
                                   std::string_view name, std::string_view body,
                                   const PutConditions& conditions) {
  if (!ValidResourceName(name)) return NoResource();
  if (collection.access < Access::kWrite) {
    return MakeError(Code::kPermissionDenied, "you cannot change events in this calendar");
  }
  const core::Instant now = clock_.Now();
  std::variant<Prepared, PutOutcome> prepared =
      Prepare(body, collection.calendar, now, options_.max_resource_bytes);
  if (auto* refused = std::get_if<PutOutcome>(&prepared)) return std::move(*refused);
  Prepared& p = std::get<Prepared>(prepared);
  CalendarObject object;
  object.org_id = caller.org_id;
  object.calendar_id = collection.calendar.id;
  object.name = std::string(name);
  object.uid = p.info.uid;
  object.component = p.info.component;
  object.summary = p.info.summary;
  object.sequence = p.info.sequence;
  object.first_start = p.info.first_start;
  object.last_end = p.info.last_end;
  object.recurring = p.info.recurring;
  object.ics = ical::Serialize(p.resource);
  object.etag = ETagOf(object.ics);
  object.created_at = object.updated_at = now;
  PutOutcome out;
  out.stored_as_sent = object.ics == body;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    out.conflict_name.clear();
    out.refused.reset();
    // Access again inside the transaction: a share may have gone since.
    ALMANAC_ASSIGN_OR_RETURN(Calendar cal, tx.GetCalendar(caller.org_id, collection.calendar.id));
    if (CalendarAccess(caller, cal) < Access::kWrite) {
      return MakeError(Code::kPermissionDenied, "you cannot change events in this calendar");
    }
    Result<CalendarObject> existing = tx.GetObjectByName(caller.org_id, cal.id, name);
    if (!existing.ok() && existing.error().code != Code::kNotFound) return existing.status();
    const bool exists = existing.ok();
    if (!conditions.Allows(exists ? std::optional<std::string>(existing->etag) : std::nullopt)) {
      return MakeError(Code::kFailedPrecondition,
                       exists ? "the resource exists or changed since you read it"
                              : "the resource does not exist (If-Match)");
    }
    Result<CalendarObject> holder = tx.GetObjectByUid(caller.org_id, cal.id, object.uid);
    if (!holder.ok() && holder.error().code != Code::kNotFound) return holder.status();
    if (holder.ok() && holder->name != name) {
      out.refused = PutRule::kNoUidConflict;
      out.message = fmt::format("another resource of this calendar has UID {}", object.uid);
      out.conflict_name = holder->name;
      return OkStatus();
    }
    if (exists) {
      object.id = existing->id;
      object.created_at = existing->created_at;
      out.created = false;
      ALMANAC_RETURN_IF_ERROR(tx.UpdateObject(object, existing->etag));
      return FollowEventBookings(tx, caller, object.id, &*existing, &object, nullptr,
                                 object.updated_at);
    }
    out.created = true;
    ALMANAC_ASSIGN_OR_RETURN(object.id, tx.InsertObject(object));
    return OkStatus();
  }));
  if (out.refused) {
    out.stored_as_sent = false;
    return out;
  }
  out.object = std::move(object);
  return out;
}

Status DavService::Delete(const Principal& caller, const DavCollection& collection,
                          std::string_view name, const PutConditions& conditions) {
  if (collection.access < Access::kWrite) {
    return MakeError(Code::kPermissionDenied, "you cannot change events in this calendar");
  }
  return store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(Calendar cal, tx.GetCalendar(caller.org_id, collection.calendar.id));
    if (CalendarAccess(caller, cal) < Access::kWrite) {
      return MakeError(Code::kPermissionDenied, "you cannot change events in this calendar");
    }
    Result<CalendarObject> o = tx.GetObjectByName(caller.org_id, cal.id, name);
    if (!o.ok()) return o.error().code == Code::kNotFound ? Status(NoResource()) : o.status();
    if (!conditions.Allows(o->etag)) {
      return MakeError(Code::kFailedPrecondition,
                       "the resource changed since you read it (If-Match)");
    }
    const core::Instant now = clock_.Now();
    ALMANAC_RETURN_IF_ERROR(tx.DeleteObject(caller.org_id, o->id, now));
    return FollowEventBookings(tx, caller, o->id, &*o, nullptr, nullptr, now);
  });
}

Result<std::int64_t> DavService::ForEachIndex(const Principal& caller,
                                              const DavCollection& collection,
                                              const std::function<void(const CalendarObject&)>& fn) {
  std::int64_t version = 0;
  std::vector<CalendarObject> rows;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    rows.clear();
    ALMANAC_ASSIGN_OR_RETURN(Calendar cal, tx.GetCalendar(caller.org_id, collection.calendar.id));
    version = cal.version;
    return tx.ForEachObjectIndex(caller.org_id, cal.id, [&](const CalendarObject& o) -> Status {
      rows.push_back(o);
      return OkStatus();
    });
  }));
  if (collection.access < Access::kWrite) {
    // Masked resources have the ETag of their masked text.
    std::vector<std::string> names;
    for (const CalendarObject& o : rows) names.push_back(o.name);
    ALMANAC_ASSIGN_OR_RETURN(std::vector<CalendarObject> full,
                             Multiget(caller, collection, names));
    for (const CalendarObject& o : full) fn(o);
    return version;
  }
  for (const CalendarObject& o : rows) fn(o);
  return version;
}

Result<std::vector<CalendarObject>> DavService::Multiget(const Principal& caller,
                                                         const DavCollection& collection,
                                                         const std::vector<std::string>& names) {
  std::vector<CalendarObject> out;
  ALMANAC_RETURN_IF_ERROR(store_.ReadStatement([&](StoreTx& tx) -> Status {
    out.clear();
    return tx.ForEachObjectByName(caller.org_id, collection.calendar.id, names,
                                  [&](const CalendarObject& o) -> Status {
                                    out.push_back(o);
                                    return OkStatus();
                                  });
  }));
  for (CalendarObject& o : out) Mask(collection, &o, nullptr);
  std::sort(out.begin(), out.end(),
            [](const CalendarObject& a, const CalendarObject& b) { return a.name < b.name; });
  return out;
}

Result<DavChanges> DavService::Changes(const Principal& caller, const DavCollection& collection,
                                       std::optional<std::int64_t> since) {
  DavChanges out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(Calendar cal, tx.GetCalendar(caller.org_id, collection.calendar.id));
    out.token = cal.version;
    if (since && (*since > cal.version || *since < cal.sync_floor || *since < 0)) {
      return MakeError(Code::kFailedPrecondition, "the sync token is not valid for this calendar");
    }
    if (!since) {
      out.changes.clear();
      return tx.ForEachObjectIndex(caller.org_id, cal.id, [&](const CalendarObject& o) -> Status {
        out.changes.push_back(ObjectChange{o.name, o.etag, false, o.modseq});
        return OkStatus();
      });
    }
    ALMANAC_ASSIGN_OR_RETURN(out.changes, tx.ChangesSince(caller.org_id, cal.id, *since));
    return OkStatus();
  }));
  if (collection.access < Access::kWrite) {
    // Present resources carry the ETag of what this caller reads.
    std::vector<std::string> names;
    for (const ObjectChange& c : out.changes) {
      if (!c.deleted) names.push_back(c.name);
    }
    ALMANAC_ASSIGN_OR_RETURN(std::vector<CalendarObject> seen, Multiget(caller, collection, names));
    std::map<std::string, std::string> etags;
    for (const CalendarObject& o : seen) etags[o.name] = o.etag;
    for (ObjectChange& c : out.changes) {
      if (!c.deleted && etags.count(c.name) != 0) c.etag = etags[c.name];
    }
  }
  return out;
}

Status DavService::Candidates(
    const Principal& caller, const DavCollection& collection,
    std::optional<std::pair<core::Instant, core::Instant>> range,
    const std::function<void(const CalendarObject&, const ical::Component&)>& fn) {
  std::vector<CalendarObject> rows;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    rows.clear();
    auto collect = [&](const CalendarObject& o) -> Status {
      rows.push_back(o);
      return OkStatus();
    };
    if (range) {
      ObjectRangeQuery q;
      q.org_id = caller.org_id;
      q.calendar_ids = {collection.calendar.id};
      q.from = range->first.unix_seconds();
      q.to = range->second.unix_seconds();
      ALMANAC_RETURN_IF_ERROR(tx.ForEachObjectInRange(q, collect));
    } else {
      ALMANAC_RETURN_IF_ERROR(tx.ForEachObjectIndex(caller.org_id, collection.calendar.id, collect));
    }
    std::vector<Id> ids;
    for (const CalendarObject& o : rows) ids.push_back(o.id);
    std::map<Id, CalendarObject*> by_id;
    for (CalendarObject& o : rows) by_id[o.id] = &o;
    return tx.ForEachObjectText(caller.org_id, ids,
                                [&](Id id, std::string_view etag, std::string_view ics) {
                                  auto it = by_id.find(id);
                                  if (it != by_id.end() && it->second->etag == etag) {
                                    it->second->ics = ics;
                                  }
                                });
  }));
  std::sort(rows.begin(), rows.end(),
            [](const CalendarObject& a, const CalendarObject& b) { return a.name < b.name; });
  for (CalendarObject& o : rows) {
    if (o.ics.empty()) continue;
    std::shared_ptr<const ical::Component> parsed = events_.ParsedResource(o);
    if (!parsed) continue;
    Mask(collection, &o, &parsed);
    fn(o, *parsed);
  }
  return OkStatus();
}

}  // namespace almanac::domain
