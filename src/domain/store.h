// The storage port of the domain: what the services need from a database,
// as an abstract interface that src/store implements for SQLite and
// PostgreSQL (DESIGN.md: "domain ... and the PORTS it needs").
//
// All work happens inside a transaction: Store::Read or Store::Write runs a
// function with a StoreTx; a Write commits when the function returns ok and
// rolls back otherwise, so a service's multi-row change (a series split
// writes two resources) is all or nothing. Every method that touches
// organisation data takes the organisation id and only ever sees that
// organisation's rows.
//
// Errors common to every method: kUnavailable (retryable: the database is
// busy or restarting), kInternal (a bug or corruption; detail has the SQL).
// Thread safety: Store is thread-safe; a StoreTx belongs to the one thread
// running the function and must not escape it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "domain/model.h"

namespace almanac::domain {

struct SessionRecord {
  std::string token_hash;  // SHA-256 hex of the cookie value
  Id user_id = 0;
  Id org_id = 0;
  std::string csrf_token;  // sent to the client in the login answer, echoed in X-CSRF-Token
  core::Instant created_at;
  core::Instant expires_at;
};

struct ApiTokenRecord {
  Id id = 0;
  Id org_id = 0;
  Id user_id = 0;
  std::string name;
  std::string token_hash;  // SHA-256 hex of the token
  core::Instant created_at;
  std::optional<core::Instant> last_used_at;
  std::optional<core::Instant> revoked_at;
};

// Which objects an instance query reads.
struct ObjectRangeQuery {
  Id org_id = 0;
  std::vector<Id> calendar_ids;  // non-empty
  std::int64_t from = 0;         // unix seconds: objects whose span overlaps [from, to)
  std::int64_t to = 0;
};

// A calendar with its shares and the colour of its module ("" when the
// module is not defined), as one statement reads them for a view.
struct CalendarView {
  Calendar calendar;
  std::string module_color;
};

// ---- analytics (analytics.h) ----

// Bookings grouped for analytics over consecutive buckets of time: bucket
// k is [boundaries[k], boundaries[k + 1]).
struct BookingSpanQuery {
  Id org_id = 0;
  std::vector<Id> resource_ids;          // non-empty; only these resources
  std::vector<std::int64_t> boundaries;  // unix seconds, ascending, at least 2
  // Group by requester (BookingSpanGroup::key is the requester's user id)
  // instead of by resource.
  bool by_requester = false;
};

// Bookings of one key and status that start in one bucket and end in one.
// A bucket index is -1 before boundaries.front() and n (the bucket count)
// at or after boundaries.back().
struct BookingSpanGroup {
  Id key = 0;  // resource id, or requester id with by_requester
  BookingStatus status = BookingStatus::kPending;
  int first_bucket = 0;  // the bucket holding start
  int last_bucket = 0;   // the bucket holding end - 1 s (the last booked second)
  std::int64_t count = 0;
  std::int64_t sum_start = 0;  // of the bookings' starts (unix seconds)
  std::int64_t sum_end = 0;    // of their ends
};

// ---- end of analytics ----

class StoreTx {
 public:
  virtual ~StoreTx() = default;

  // ---- organisations and modules ----
  // Errors: kAlreadyExists when the slug is taken.
  virtual Result<Id> InsertOrganisation(const Organisation& org) = 0;
  // Errors: kNotFound.
  virtual Result<Organisation> GetOrganisation(Id org_id) = 0;
  virtual Result<Organisation> GetOrganisationBySlug(std::string_view slug) = 0;
  virtual Result<std::vector<Organisation>> ListOrganisations() = 0;
  virtual Result<std::vector<Module>> ListModules(Id org_id) = 0;
  // Inserts or replaces the module with `module.key`.
  virtual Status PutModule(Id org_id, const Module& module) = 0;

  // ---- users ----
  // Errors: kAlreadyExists when the username is taken.
  virtual Result<Id> InsertUser(const User& user) = 0;
  // Errors: kNotFound (also for a user of another organisation).
  virtual Result<User> GetUser(Id org_id, Id user_id) = 0;
  // The one lookup across organisations: login names are global.
  // Errors: kNotFound.
  virtual Result<User> GetUserByUsername(std::string_view username) = 0;
  virtual Result<std::vector<User>> ListUsers(Id org_id) = 0;
  // Replaces every field but id, org_id and created_at. Errors: kNotFound.
  virtual Status UpdateUser(const User& user) = 0;

  // ---- sessions and API tokens ----
  virtual Status InsertSession(const SessionRecord& session) = 0;
  // Errors: kNotFound (also when expired before `now`).
  virtual Result<SessionRecord> GetSession(std::string_view token_hash, core::Instant now) = 0;
  virtual Status DeleteSession(std::string_view token_hash) = 0;
  virtual Status DeleteExpiredSessions(core::Instant now) = 0;
  virtual Result<Id> InsertApiToken(const ApiTokenRecord& token) = 0;
  // Errors: kNotFound (revoked tokens are found; the caller checks revoked_at).
  virtual Result<ApiTokenRecord> GetApiTokenByHash(std::string_view token_hash) = 0;
  // The token and its user in one statement. kNotFound for an unknown hash.
  virtual Result<std::pair<ApiTokenRecord, User>> GetApiTokenWithUser(
      std::string_view token_hash) = 0;
  virtual Result<std::vector<ApiTokenRecord>> ListApiTokens(Id org_id, Id user_id) = 0;
  // Errors: kNotFound.
  virtual Status RevokeApiToken(Id org_id, Id token_id, core::Instant at) = 0;
  virtual Status TouchApiToken(Id token_id, core::Instant at) = 0;

  // ---- calendars ----
  // Inserts the calendar and its shares. Errors: kFailedPrecondition for an
  // unknown owner.
  virtual Result<Id> InsertCalendar(const Calendar& calendar) = 0;
  // With its shares. Errors: kNotFound.
  virtual Result<Calendar> GetCalendar(Id org_id, Id calendar_id) = 0;
  // Every calendar of the organisation, with shares, ordered by id.
  virtual Result<std::vector<Calendar>> ListCalendars(Id org_id) = 0;
  // The calendar `owner_user_id` owns with that dav_name, with shares and
  // module colour, in one statement. Errors: kNotFound.
  virtual Result<CalendarView> GetCalendarByDavName(Id org_id, Id owner_user_id,
                                                    std::string_view dav_name) = 0;
  // The calendars of `ids` (every calendar of the organisation when empty)
  // with shares and module colours, by id, in one statement; unknown ids
  // are left out.
  virtual Result<std::vector<CalendarView>> ListCalendarViews(Id org_id,
                                                              const std::vector<Id>& ids) = 0;
  // Replaces name, color, module, timezone, description and shares; bumps
  // version. Errors: kNotFound.
  virtual Status UpdateCalendar(const Calendar& calendar) = 0;
  // Deletes the calendar and every object in it. Errors: kNotFound.
  virtual Status DeleteCalendar(Id org_id, Id calendar_id) = 0;
  // Sets the hash of the calendar's feed token (empty: no feed).
  virtual Status SetFeedToken(Id org_id, Id calendar_id, std::string_view token_hash) = 0;
  // Errors: kNotFound.
  virtual Result<Calendar> GetCalendarByFeedToken(std::string_view token_hash) = 0;

  // ---- calendar objects ----
  // Errors: kNotFound.
  virtual Result<CalendarObject> GetObject(Id org_id, Id object_id) = 0;
  virtual Result<CalendarObject> GetObjectByUid(Id org_id, Id calendar_id,
                                                std::string_view uid) = 0;
  // As GetObject, and locks the row until the transaction ends, so
  // concurrent read-modify-write edits of one event queue instead of
  // failing (PostgreSQL: SELECT ... FOR UPDATE; SQLite has one writer).
  virtual Result<CalendarObject> GetObjectForUpdate(Id org_id, Id object_id) = 0;
  // Object writes bump the calendar's version once per transaction (the
  // first write of a calendar in a transaction; later ones reuse it) and
  // store it as the object's modseq, so sync tokens and caches keyed by the
  // version see every change. `object.modseq` is ignored.
  // Errors: kAlreadyExists when the calendar has the UID or the name
  // already; kInternal for an empty name.
  virtual Result<Id> InsertObject(const CalendarObject& object) = 0;
  // Inserts `objects` (all of one calendar) with multi-row statements, as
  // InsertObject does one by one; returns their ids in order. For imports:
  // a round trip per few hundred objects instead of several per object.
  // Errors: as InsertObject (the transaction is then to be abandoned).
  virtual Result<std::vector<Id>> InsertObjects(const std::vector<CalendarObject>& objects) = 0;
  // The objects of the calendar with these UIDs, without text, in one
  // statement (unknown UIDs left out).
  virtual Status ForEachObjectByUid(Id org_id, Id calendar_id, const std::vector<std::string>& uids,
                                    const std::function<Status(const CalendarObject&)>& fn) = 0;
  // Replaces the object `object.id` (not its name or calendar) if its stored
  // etag is `expected_etag`.
  // Errors: kNotFound; kFailedPrecondition when the etag changed meanwhile.
  virtual Status UpdateObject(const CalendarObject& object, std::string_view expected_etag) = 0;
  // Deletes and keeps a tombstone (name, modseq) for sync-collection.
  // Errors: kNotFound.
  virtual Status DeleteObject(Id org_id, Id object_id, core::Instant now) = 0;
  // Bumps the calendar's version (its CTag) if this transaction has not
  // yet. Errors: kNotFound.
  virtual Status TouchCalendar(Id org_id, Id calendar_id) = 0;
  // Errors: kNotFound.
  virtual Result<CalendarObject> GetObjectByName(Id org_id, Id calendar_id,
                                                 std::string_view name) = 0;
  // The objects of `names` in the calendar (unknown names left out), with
  // text, in one statement, in no particular order.
  virtual Status ForEachObjectByName(Id org_id, Id calendar_id,
                                     const std::vector<std::string>& names,
                                     const std::function<Status(const CalendarObject&)>& fn) = 0;
  // Every object of the calendar without its text, by name.
  virtual Status ForEachObjectIndex(Id org_id, Id calendar_id,
                                    const std::function<Status(const CalendarObject&)>& fn) = 0;
  // Objects written and names deleted with modseq > `modseq`, by modseq.
  virtual Result<std::vector<ObjectChange>> ChangesSince(Id org_id, Id calendar_id,
                                                         std::int64_t modseq) = 0;
  // Calls `fn` for every object whose [first_start, last_end) overlaps
  // [query.from, query.to), in no particular order; stops at the first error
  // `fn` returns. The object passed lives only during the call and has
  // every field but `ics`, which is empty (index reads stay small; fetch
  // the text with GetObject when needed). `fn` may use this StoreTx.
  virtual Status ForEachObjectInRange(const ObjectRangeQuery& query,
                                      const std::function<Status(const CalendarObject&)>& fn) = 0;
  // Calls fn(id, etag, ics) for each of the objects `ids` of the
  // organisation, in one statement; unknown ids are left out.
  virtual Status ForEachObjectText(
      Id org_id, const std::vector<Id>& ids,
      const std::function<void(Id, std::string_view etag, std::string_view ics)>& fn) = 0;
  // Every object of a calendar, ordered by id (export).
  virtual Status ForEachObject(Id org_id, Id calendar_id,
                               const std::function<Status(const CalendarObject&)>& fn) = 0;
  virtual Result<std::int64_t> CountObjects(Id org_id, Id calendar_id) = 0;

  // ---- analytics (analytics.h) ----
  // The bookings (any status) of query.resource_ids whose [start, end)
  // overlaps [boundaries.front(), boundaries.back()), grouped by key, status
  // and the buckets they start and end in, in one statement (GROUP BY: the
  // rows are few whatever the number of bookings), in no particular order.
  // Buffers are not part of a booking's [start, end).
  virtual Result<std::vector<BookingSpanGroup>> GroupBookingSpans(
      const BookingSpanQuery& query) = 0;
  // ---- end of analytics ----

  // ---- resources and bookings (resources.h) ----
  // Inserts the resource with its unavailability periods. REQUIRES:
  // resource.calendar_id names a calendar of the organisation.
  virtual Result<Id> InsertResource(const Resource& resource) = 0;
  // With its unavailability periods. Errors: kNotFound.
  virtual Result<Resource> GetResource(Id org_id, Id resource_id) = 0;
  // As GetResource, and locks the row until the transaction ends
  // (PostgreSQL: FOR UPDATE; SQLite has one writer), so bookings of one
  // resource that need a count (several units) queue.
  virtual Result<Resource> GetResourceForUpdate(Id org_id, Id resource_id) = 0;
  // Every resource of the organisation, ordered by id.
  virtual Result<std::vector<Resource>> ListResources(Id org_id) = 0;
  // A number that changes whenever a resource of the organisation (or its
  // unavailability) is inserted, updated or deleted: the validator of a
  // cached ListResources. 0 for an organisation without any change yet.
  virtual Result<std::int64_t> ResourcesVersion(Id org_id) = 0;
  // Replaces every field but id, org_id, calendar_id and created_at, and the
  // unavailability periods; re-derives the bookings' `blocking` (pending
  // ones follow pending_blocks) and their single-unit flag from the new
  // units. Errors: kNotFound; kConflict when the re-derived bookings
  // overlap (PostgreSQL's exclusion constraint).
  virtual Status UpdateResource(const Resource& resource) = 0;
  // Deletes the resource and its bookings (not its calendar).
  // Errors: kNotFound.
  virtual Status DeleteResource(Id org_id, Id resource_id) = 0;

  // Inserts a booking (`id` ignored). `units` is the resource's units: a
  // blocking single-unit booking overlapping another blocking one (by
  // [block_start, block_end)) violates PostgreSQL's exclusion constraint.
  // Errors: kConflict (exclusion constraint, PostgreSQL only: the callers
  // check first; this is the race's backstop).
  virtual Result<Id> InsertBooking(const Booking& booking, int units) = 0;
  // Errors: kNotFound.
  virtual Result<Booking> GetBooking(Id org_id, Id booking_id) = 0;
  // Sets status, blocking, group_id and updated_at of `booking.id`.
  // Errors: kNotFound; kConflict as InsertBooking when it starts blocking.
  virtual Status UpdateBookingStatus(const Booking& booking) = 0;
  // Bookings of the resource whose [block_start, block_end) overlaps
  // [from, to) (unix seconds), by start; only blocking ones when
  // `blocking_only`.
  virtual Result<std::vector<Booking>> ListResourceBookings(Id org_id, Id resource_id,
                                                            std::int64_t from, std::int64_t to,
                                                            bool blocking_only) = 0;
  // Sets every field but id, org_id, resource_id, requester_id and
  // created_at (a moved booking: times, blocked span, event link, status).
  // Errors: kNotFound; kConflict as InsertBooking when it now overlaps.
  virtual Status UpdateBooking(const Booking& booking) = 0;
  // As ListResourceBookings for several resources at once (one query), by
  // resource, then start.
  virtual Result<std::vector<Booking>> ListBookingsOfResources(Id org_id,
                                                               const std::vector<Id>& resource_ids,
                                                               std::int64_t from, std::int64_t to,
                                                               bool blocking_only) = 0;
  // Every booking of the organisation with `status`, by start.
  virtual Result<std::vector<Booking>> ListBookingsWithStatus(Id org_id, BookingStatus status) = 0;
  // The pending and approved bookings attached to event `event_id`, by start.
  virtual Result<std::vector<Booking>> ListEventBookings(Id org_id, Id event_id) = 0;
  // The pending and approved bookings attached to events of calendar
  // `calendar_id`, by start.
  virtual Result<std::vector<Booking>> ListCalendarEventBookings(Id org_id, Id calendar_id) = 0;
  // Approved bookings of resources with an auto-release rule that nobody
  // checked in to and whose release time (start + the rule's minutes) is at
  // or before `now` while they still run, every organisation, by id; at most
  // `limit`.
  virtual Result<std::vector<Booking>> ListUnclaimedBookings(std::int64_t now, int limit) = 0;
  // The bookings of one group, by start.
  virtual Result<std::vector<Booking>> ListBookingGroup(Id org_id, Id group_id) = 0;
  virtual Status InsertBookingHistory(Id org_id, const BookingHistoryEntry& entry) = 0;
  // Oldest first.
  virtual Result<std::vector<BookingHistoryEntry>> ListBookingHistory(Id org_id,
                                                                      Id booking_id) = 0;
  // ---- end of resources and bookings ----

  // ---- leave (leave.h) ----
  // As GetUser, and locks the user's row until the transaction ends
  // (PostgreSQL: FOR UPDATE; SQLite has one writer), so the leave writes of
  // one person queue: the overlap and balance checks cannot race.
  // Errors: kNotFound.
  virtual Result<User> GetUserForUpdate(Id org_id, Id user_id) = 0;
  // Errors: kAlreadyExists when the organisation has a type with that key.
  virtual Result<Id> InsertLeaveType(const LeaveType& type) = 0;
  // Errors: kNotFound.
  virtual Result<LeaveType> GetLeaveType(Id org_id, Id type_id) = 0;
  // Every type of the organisation (inactive ones too), by id.
  virtual Result<std::vector<LeaveType>> ListLeaveTypes(Id org_id) = 0;
  // Replaces every field but id, org_id, builtin and created_at.
  // Errors: kNotFound; kAlreadyExists for a key another type has.
  virtual Status UpdateLeaveType(const LeaveType& type) = 0;
  // Inserts a request (`id` ignored). On PostgreSQL an exclusion constraint
  // refuses a pending or approved request whose slots overlap another's of
  // the same user. Errors: kConflict (that constraint: the callers check
  // first under GetUserForUpdate; this is the backstop).
  virtual Result<Id> InsertLeaveRequest(const LeaveRequest& request) = 0;
  // Errors: kNotFound.
  virtual Result<LeaveRequest> GetLeaveRequest(Id org_id, Id request_id) = 0;
  // Sets status and updated_at. Errors: kNotFound.
  virtual Status UpdateLeaveStatus(const LeaveRequest& request) = 0;
  // The requests of the organisation matching every given field, by
  // start_slot then id. `from_slot`/`to_slot`: those whose slots overlap
  // [from_slot, to_slot).
  struct LeaveQuery {
    std::optional<Id> user_id;
    std::optional<Id> type_id;
    std::vector<LeaveStatus> statuses;  // empty: any
    std::optional<std::int64_t> from_slot;
    std::optional<std::int64_t> to_slot;
  };
  virtual Result<std::vector<LeaveRequest>> ListLeaveRequests(Id org_id,
                                                              const LeaveQuery& query) = 0;
  virtual Status InsertLeaveHistory(Id org_id, const LeaveHistoryEntry& entry) = 0;
  // Oldest first.
  virtual Result<std::vector<LeaveHistoryEntry>> ListLeaveHistory(Id org_id, Id request_id) = 0;
  // The organisation's staff leave calendar; absent when none was made yet
  // (or it was deleted).
  virtual Result<std::optional<Id>> GetLeaveCalendar(Id org_id) = 0;
  // Records `calendar_id` as the staff leave calendar unless the
  // organisation has one already; returns the one in effect (a concurrent
  // writer's may win: the caller then drops its own).
  virtual Result<Id> SetLeaveCalendarIfUnset(Id org_id, Id calendar_id) = 0;
  // The outbox of decisions (model.h NotificationEvent).
  virtual Result<Id> InsertNotificationEvent(const NotificationEvent& event) = 0;
  // Events of the organisation with id > `after_id`, oldest first, at most `limit`.
  virtual Result<std::vector<NotificationEvent>> ListNotificationEvents(Id org_id, Id after_id,
                                                                        int limit) = 0;
  // ---- end of leave ----
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in a read-only transaction. Returns what fn returns.
  virtual Status Read(const std::function<Status(StoreTx&)>& fn) = 0;
  // Runs `fn`, which makes exactly one StoreTx call documented as "one
  // statement", without a transaction (a round trip less each way).
  virtual Status ReadStatement(const std::function<Status(StoreTx&)>& fn) = 0;
  // Runs `fn` in a read-write transaction, committed iff fn returns ok; may
  // run fn again after a retryable conflict, so fn must not have effects
  // outside the transaction. Returns what fn returns, or the commit error.
  virtual Status Write(const std::function<Status(StoreTx&)>& fn) = 0;
};

}  // namespace almanac::domain
