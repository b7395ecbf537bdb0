// Resources (rooms, vehicles, equipment, facilitators) and their bookings,
// with the approval workflow (issue #5; docs/resources.md).
//
// The conflict rule: a resource never has two blocking bookings (approved,
// or pending where the resource's pending_blocks is set) whose blocked spans
// [start - buffer_before, end + buffer_after) overlap; a resource with N
// units never has more than N blocking bookings at one instant. Every write
// that adds a blocking booking checks the rule and inserts in one store
// Write; the database backs the check under concurrency (PostgreSQL: an
// exclusion constraint for single-unit resources and a row lock on the
// resource for several units; SQLite: one writer). A clash is kConflict at
// once, with the holders (to the extent the caller may see them) and the
// nearest free slots.
//
// Each resource owns a calendar (module "resources") whose objects are its
// bookings ("booking-<id>.ics", TRANSP:OPAQUE, STATUS TENTATIVE while
// pending and CONFIRMED once approved), written in the same transaction as
// the booking, so REST, CalDAV and free/busy read them like any calendar.
//
// Who may do what: admins create, change and delete resources; whoever the
// resource's booking rules allow (booker_user_ids / booker_roles; both
// empty = every non-viewer of the organisation) books; approvers (the
// resource's approver_user_ids and approver_role, or every manager when it
// names none) and admins approve and reject; the requester and admins
// cancel. Titles, notes and requesters of bookings show to the requester,
// approvers, managers and admins; others see "busy".
//
// Thread safety: thread-safe; methods block on the store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "domain/model.h"
#include "domain/store.h"

namespace almanac::domain {

// A half-open span of time [start, end).
struct TimeSpan {
  core::Instant start;
  core::Instant end;
  bool operator==(const TimeSpan&) const = default;
};

// A change of a resource: set fields replace, absent ones keep (create:
// defaults of Resource).
struct ResourceChange {
  std::optional<std::string> type;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> location;
  std::optional<std::string> timezone;
  std::optional<int> capacity;
  std::optional<int> units;
  std::optional<bool> available;
  std::optional<std::vector<Unavailability>> unavailability;
  std::optional<std::vector<BookableHours>> bookable_hours;
  std::optional<int> buffer_before_min;
  std::optional<int> buffer_after_min;
  std::optional<bool> requires_approval;
  std::optional<std::vector<Id>> approver_user_ids;
  std::optional<std::optional<Role>> approver_role;
  std::optional<std::int64_t> cost_per_use;
  std::optional<std::int64_t> cost_per_hour;
  std::optional<int> horizon_days;
  std::optional<int> min_notice_min;
  std::optional<int> min_duration_min;
  std::optional<int> max_duration_min;
  std::optional<std::vector<Id>> booker_user_ids;
  std::optional<std::vector<Role>> booker_roles;
  std::optional<bool> pending_blocks;
  std::optional<int> auto_release_min;
};

// What to do when some instances of a recurring event's booking clash.
enum class OnConflict { kFail, kSkip };

struct BookingRequest {
  Id resource_id = 0;
  // Required without event_id; with one, absent (the event's times count).
  std::optional<core::Instant> start;
  std::optional<core::Instant> end;
  std::optional<Id> event_id;
  std::string title;  // default: the event's title, else ""
  std::string notes;
  OnConflict on_conflict = OnConflict::kFail;
};

// Why one requested span cannot be booked.
struct BookingClash {
  TimeSpan requested;          // the span (one instance of a series) that clashes
  std::string recurrence_id;   // RFC 3339 start of that instance; "" for a single booking
  // "booking": another booking holds the slot (or, with several units, all
  // of them); "unavailable": an unavailability period; "rule": outside
  // bookable hours or the booking horizon.
  std::string kind;
  std::string reason;  // unavailability reason or the rule's message
  // kind "booking": the holding booking, as the caller may see it.
  std::optional<Id> holder_booking_id;
  std::optional<TimeSpan> holder_span;  // the holder's booked time (without buffers)
  std::string holder_title;             // "busy" when the caller may not see it
  std::string holder_name;              // requester's display name; "" when hidden
};

// Filled by Book when it returns kConflict.
struct BookingConflict {
  std::vector<BookingClash> clashes;
  // The nearest free slots of the same length before and after the
  // (first clashing) requested span, within bookable hours and a week
  // each way; fewer when none.
  std::vector<TimeSpan> free_slots;
};

struct BookingCreated {
  std::vector<Booking> bookings;        // by start
  std::vector<BookingClash> skipped;    // on_conflict kSkip: the instances left out
  std::optional<Id> group_id;           // recurring event bookings
};

// A booking as one caller may see it.
struct BookingView {
  Booking booking;
  std::string resource_name;
  std::string requester_name;  // display name; "" when !details
  bool details = false;        // title, notes and requester are shown
  std::vector<BookingHistoryEntry> history;  // GetBooking only, when details
};

struct ResourceSearch {
  std::string type;              // "" = any
  int min_capacity = 0;
  std::string location;          // case-insensitive substring; "" = any
  std::optional<TimeSpan> free;  // free for this whole span (bookable, unblocked)
};

struct ApproveOptions {
  std::string comment;
  // Reject, with a reason in their history, the pending requests that can
  // no longer be approved once this one is.
  bool reject_conflicting = true;
};

struct Approved {
  Booking booking;
  std::vector<Id> auto_rejected;
};

class ResourceService {
 public:
  ResourceService(Store& store, const core::Clock& clock);

  // Every resource of the caller's organisation.
  Result<std::vector<Resource>> List(const Principal& caller);
  // Errors: kNotFound.
  Result<Resource> Get(const Principal& caller, Id resource_id);
  // Admins only: creates the resource and its calendar in one transaction.
  // Errors: kPermissionDenied; kInvalidArgument naming the field (name
  // 1-200 bytes, type, time zone, units 1-10000, capacity 0-100000,
  // buffers/rules 0..525600 minutes, bookable hours, unavailability
  // from < to, approver/booker users of the organisation).
  Result<Resource> Create(const Principal& caller, const ResourceChange& change);
  // Admins only. Errors: as Create; kNotFound; kConflict when fewer units or
  // pending_blocks would make existing bookings overlap.
  Result<Resource> Update(const Principal& caller, Id resource_id, const ResourceChange& change);
  // Admins only: the resource, its bookings and its calendar.
  // Errors: kPermissionDenied, kNotFound.
  Status Delete(const Principal& caller, Id resource_id);

  // Books: one booking, or with an event_id one per instance of the event
  // (a recurring one: its instances in the 366 days from the first one
  // still ahead, at most 500) in one group. All-or-nothing with OnConflict::kFail; kSkip books
  // the free instances and reports the others in `skipped`. Status is
  // approved when the resource needs no approval, else pending.
  // Errors: kInvalidArgument (end <= start, a broken rule for a single
  // booking: notice, horizon, duration, bookable hours; start/end with an
  // event_id; the resource is marked unavailable); kPermissionDenied (not
  // allowed to book, or no write access to the event); kNotFound (resource
  // or event); kConflict (a clash with a booking or an unavailability
  // period: `*conflict`, when not null, says with whom and suggests free
  // slots; with kSkip only when every instance clashes).
  Result<BookingCreated> Book(const Principal& caller, const BookingRequest& request,
                              BookingConflict* conflict = nullptr);

  // Errors: kNotFound (also for another organisation's booking).
  Result<BookingView> GetBooking(const Principal& caller, Id booking_id);
  // pending -> approved. Re-checks the rule. Errors: kNotFound;
  // kPermissionDenied (not an approver); kFailedPrecondition (not pending);
  // kConflict (it no longer fits).
  Result<Approved> Approve(const Principal& caller, Id booking_id, const ApproveOptions& options);
  // pending -> rejected. Errors: as Approve but kConflict.
  Result<Booking> Reject(const Principal& caller, Id booking_id, const std::string& comment);
  // pending or approved -> cancelled (the requester, or an admin).
  // Errors: kNotFound, kPermissionDenied, kFailedPrecondition (already
  // rejected or cancelled).
  Result<Booking> Cancel(const Principal& caller, Id booking_id, const std::string& comment);

  // Marks an approved booking as claimed: the requester (or an admin) is
  // there, from 15 minutes before its start (or its set-up buffer, when
  // longer) until its end. Errors: kNotFound, kPermissionDenied,
  // kFailedPrecondition (not approved, already checked in, or outside that
  // window, with the times).
  Result<Booking> CheckIn(const Principal& caller, Id booking_id);
  // Releases (cancels, history "auto-released") up to `limit` approved
  // bookings, of every organisation, whose resource has an auto-release
  // rule and that nobody checked in to within its minutes of their start;
  // run by the server every minute. Returns how many were released.
  Result<int> ReleaseUnclaimed(int limit = 500);

  // Bookings of the resource whose time overlaps [from, to), any status.
  // Errors: kInvalidArgument (to <= from, or over 400 days); kNotFound.
  Result<std::vector<BookingView>> ListBookings(const Principal& caller, Id resource_id,
                                                core::Instant from, core::Instant to);
  // The free time of the resource in [from, to): bookable hours minus
  // unavailability minus blocked spans (buffers included) where no unit is
  // left. Errors: as ListBookings.
  Result<std::vector<TimeSpan>> Availability(const Principal& caller, Id resource_id,
                                             core::Instant from, core::Instant to);
  // Resources matching `search`, by id. Errors: kInvalidArgument for a bad
  // window (to <= from, over 31 days).
  Result<std::vector<Resource>> Search(const Principal& caller, const ResourceSearch& search);
  // As Search, without copying: the organisation's resource list as cached
  // (shared, immutable; the same object until a resource changes) and the
  // positions in it of the matches, in order. Lets the caller keep things
  // derived from one list (its JSON) for as long as the list lives.
  struct Selection {
    std::shared_ptr<const std::vector<Resource>> all;
    std::vector<std::size_t> picked;
  };
  Result<Selection> SearchShared(const Principal& caller, const ResourceSearch& search);
  // The pending bookings the caller may decide, by start.
  Result<std::vector<BookingView>> PendingApprovals(const Principal& caller);
  // The pending and approved bookings attached to event `event_id`, by
  // start, each with its recurrence_id (an instance of a series) and with
  // details as for GetBooking. An id that names no event of the
  // organisation has none.
  Result<std::vector<BookingView>> EventBookings(const Principal& caller, Id event_id);

 private:
  // The organisation's resources as of `tx`: a cached list when the store's
  // ResourcesVersion still matches it, else read and cached. Every read of
  // a search or list needs all of them; reading 200 rows was most of a
  // "free rooms now" request.
  Result<std::shared_ptr<const std::vector<Resource>>> AllResources(StoreTx& tx, Id org_id);

  struct CachedResources {
    std::int64_t version = -1;
    std::shared_ptr<const std::vector<Resource>> list;
  };

  Store& store_;
  const core::Clock& clock_;
  std::mutex cache_mu_;
  std::map<Id, CachedResources> cache_;  // by organisation; guarded by cache_mu_
};

// ---- bookings that follow their event ----
// Called by the event writers (EventService, DavService, CalendarService)
// inside their write transaction `tx`, so the event and its bookings change
// together or not at all.

// Makes the pending and approved bookings attached to event `event_id`
// (those not over yet) follow the event's new version `after`, already
// stored over `before`; `after` null: the event was deleted and they are
// released (cancelled, history "released"). A booking follows its instance
// (by RECURRENCE-ID; when the series' DTSTART moved, and with it every
// RECURRENCE-ID, the n-th instance of `before` is the n-th of `after`):
// a moved or resized instance moves it, under the conflict rule and the
// resource's rules (a start that stays put is not held to notice or
// horizon); a removed instance releases it. `split_off`, after a "this and
// following" edit, is the new event that took over the later instances:
// the bookings of those instances move to it, paired in order. A moved
// booking of a resource that needs approval is pending again.
// Errors: kConflict naming the resource and who holds the slot; the
// caller's transaction must then fail.
Status FollowEventBookings(StoreTx& tx, const Principal& actor, Id event_id,
                           const CalendarObject* before, const CalendarObject* after,
                           const CalendarObject* split_off, core::Instant now);
// Releases the bookings of every event of calendar `calendar_id` (about to
// be deleted).
Status ReleaseCalendarBookings(StoreTx& tx, const Principal& actor, Id calendar_id,
                               core::Instant now);

// ---- pure rules, exposed for unit tests ----

// The bookable spans of `resource` overlapping [from, to), clipped to it
// and merged, read in `zone`: its bookable hours (every instant when there
// are none) minus its unavailability periods; empty when not available.
std::vector<TimeSpan> BookableSpans(const Resource& resource, const core::TimeZone& zone,
                                    core::Instant from, core::Instant to);

// The spans in [from, to) where a booking of `resource` could not start or
// run because `units` blocking bookings already hold it: each blocked span
// of `blocking` widened by the new booking's buffers (a new booking [s, e)
// blocks [s - before, e + after), which overlaps [bs, be) iff s < be +
// before and e > bs - after), counted where at least `units` overlap.
std::vector<TimeSpan> FullSpans(const std::vector<Booking>& blocking, int units,
                                int buffer_before_min, int buffer_after_min);

// `spans` minus `minus`; both sorted, non-overlapping.
std::vector<TimeSpan> Subtract(const std::vector<TimeSpan>& spans,
                               const std::vector<TimeSpan>& minus);

}  // namespace almanac::domain
