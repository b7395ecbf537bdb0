// Calendar collections and calendar object resources as CalDAV sees them
// (RFC 4791, RFC 6578): a user's calendar home, resources addressed by name,
// PUT with preconditions, and incremental sync by calendar version. The same
// calendars and objects the REST API serves: what one writes, the other
// reads.
//
// A calendar home lists the calendars the user owns, calendars shared with
// them (by user or role) and the organisation's calendars; other calendars
// they could see as free/busy are not collections for them. Collections are
// addressed in the home by their `dav_name` (own calendars created by
// MKCALENDAR) or their id.
//
// Thread safety: thread-safe; methods block on the store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/calendars.h"
#include "domain/events.h"
#include "domain/model.h"
#include "domain/store.h"
#include "ical/model.h"

namespace almanac::domain {

struct DavCollection {
  Calendar calendar;
  Access access = Access::kNone;
  std::string color;    // display colour (own or the module's)
  std::string segment;  // path segment in the caller's home
};

// Preconditions of a write (RFC 9110 §13.1.1-2), entity tags without quotes.
struct PutConditions {
  // If-Match: the resource must exist and, unless `if_match_any`, its ETag
  // be one of `if_match` (strong comparison: the caller leaves weak tags
  // out, so a list of only weak tags never matches).
  bool has_if_match = false;
  bool if_match_any = false;
  std::vector<std::string> if_match;
  // If-None-Match: "*" must not exist; otherwise its ETag must not be one
  // of `if_none_match` (weak comparison: weak tags included).
  bool if_none_match_any = false;
  std::vector<std::string> if_none_match;

  // Whether a resource with `etag` (nullopt: none) passes.
  bool Allows(const std::optional<std::string>& etag) const;
};

// The rule of RFC 4791 §5.3.2.1 a refused PUT broke.
enum class PutRule {
  kValidCalendarData,       // not iCalendar
  kValidObjectResource,     // not one calendar object resource (UIDs, METHOD, ...)
  kSupportedComponent,      // a component type the calendar does not hold
  kMaxResourceSize,         // larger than DavOptions::max_resource_bytes
  kNoUidConflict,           // another resource of the calendar has the UID
};

struct PutOutcome {
  CalendarObject object;  // as stored
  bool created = false;
  // The stored text is byte for byte the body: the client may keep its
  // copy, so the handler returns the ETag (RFC 4791 §5.3.4).
  bool stored_as_sent = false;
  // Set when the body was refused; nothing was stored. `message` says why
  // (safe to show); for kNoUidConflict `conflict_name` names the holder.
  std::optional<PutRule> refused;
  std::string message;
  std::string conflict_name;
};

struct DavChanges {
  std::int64_t token = 0;  // the calendar's version now
  std::vector<ObjectChange> changes;
};

struct DavOptions {
  std::size_t max_resource_bytes = 1u << 20;  // CALDAV:max-resource-size
};

class DavService {
 public:
  // All references must outlive the service.
  DavService(Store& store, const core::Clock& clock, EventService& events,
             CalendarService& calendars, DavOptions options = {});

  // The collections of the caller's home, by segment.
  Result<std::vector<DavCollection>> Home(const Principal& caller);
  // The collection `segment` of the caller's home. Errors: kNotFound (also
  // for a calendar the caller sees only as free/busy).
  Result<DavCollection> Collection(const Principal& caller, std::string_view segment);
  // MKCALENDAR / extended MKCOL at `segment` of the caller's home.
  // Errors: kAlreadyExists when the segment is taken; as CalendarService::Create.
  Result<DavCollection> MakeCollection(const Principal& caller, std::string_view segment,
                                       CalendarChange change);
  // Errors: as CalendarService::Update / Delete.
  Result<DavCollection> PatchCollection(const Principal& caller, const DavCollection& collection,
                                        const CalendarChange& change);
  Status DeleteCollection(const Principal& caller, const DavCollection& collection);

  // The resource `name` with its text. Private components of others are
  // masked to busy time for callers without write access (with the ETag of
  // the masked text). Errors: kNotFound.
  Result<CalendarObject> Get(const Principal& caller, const DavCollection& collection,
                             std::string_view name);
  // Creates or replaces the resource `name` with `body` (a VCALENDAR of one
  // UID, repaired like an import). Write access needed.
  // A body that breaks a rule is refused in the outcome, not as an error.
  // Errors: kPermissionDenied without write access; kFailedPrecondition
  // when a precondition fails (412); kNotFound for an invalid name.
  Result<PutOutcome> Put(const Principal& caller, const DavCollection& collection,
                         std::string_view name, std::string_view body,
                         const PutConditions& conditions);
  // Errors: kNotFound; kPermissionDenied; kFailedPrecondition when
  // `conditions` do not allow the current resource.
  Status Delete(const Principal& caller, const DavCollection& collection, std::string_view name,
                const PutConditions& conditions);

  // Every resource (name, etag; no text) by name, and the version they are
  // at, read in one snapshot.
  Result<std::int64_t> ForEachIndex(const Principal& caller, const DavCollection& collection,
                                    const std::function<void(const CalendarObject&)>& fn);
  // The resources of `names` (text included, masked as Get); unknown names
  // are left out.
  Result<std::vector<CalendarObject>> Multiget(const Principal& caller,
                                               const DavCollection& collection,
                                               const std::vector<std::string>& names);
  // Changes since the version `since` (RFC 6578); absent: every resource.
  // Errors: kFailedPrecondition for a version the calendar never had or
  // whose deletions were forgotten (DAV:valid-sync-token).
  Result<DavChanges> Changes(const Principal& caller, const DavCollection& collection,
                             std::optional<std::int64_t> since);
  // Calls fn(object with text, parsed resource) for every resource that may
  // have an instance in [from, to) (all of them without a range): the
  // caller applies the exact filter. Masked as Get.
  Status Candidates(const Principal& caller, const DavCollection& collection,
                    std::optional<std::pair<core::Instant, core::Instant>> range,
                    const std::function<void(const CalendarObject&, const ical::Component&)>& fn);

 private:
  // Masks `object` in place when `collection` access does not show details.
  void Mask(const DavCollection& collection, CalendarObject* object,
            std::shared_ptr<const ical::Component>* parsed);

  Store& store_;
  const core::Clock& clock_;
  EventService& events_;
  CalendarService& calendars_;
  DavOptions options_;
};

// The segment a calendar has in the home of `home_user`: its dav_name when
// that user owns it and it has one, else its id.
std::string SegmentOf(const Calendar& calendar, Id home_user);

}  // namespace almanac::domain
