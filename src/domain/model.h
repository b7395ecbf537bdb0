// The domain's entities: organisations, users and their roles, the
// authenticated caller (Principal), calendars with their sharing grants, and
// calendar objects (events and tasks) as stored iCalendar resources.
//
// These are plain values that move between the services (services.h) and
// the store ports (store.h). Every row-backed entity carries the
// organisation it belongs to; the store scopes every query by it.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace almanac::domain {

using Id = std::int64_t;

// Stored in the database (as text): never rename.
enum class Role { kAdmin, kManager, kMember, kViewer };
const char* RoleName(Role role);  // "admin", "manager", "member", "viewer"
std::optional<Role> RoleFromName(std::string_view name);

struct Organisation {
  Id id = 0;
  std::string slug;  // unique, [a-z0-9-], used on the command line
  std::string name;
  core::Instant created_at;
};

// A module of the integrated calendar (coordination, staff, planning,
// community, ...), configurable per organisation, each with a colour.
struct Module {
  std::string key;    // [a-z0-9_-]{1,32}
  std::string name;   // display name
  std::string color;  // #rrggbb
};

struct User {
  Id id = 0;
  Id org_id = 0;
  std::string username;  // unique across the installation (login name)
  std::string email;
  std::string display_name;
  Role role = Role::kMember;
  std::string timezone;       // IANA name, for the web UI and digests
  std::string password_hash;  // argon2id PHC string; empty = no password login
  bool disabled = false;
  core::Instant created_at;
  // Line manager: a user of the same organisation who approves this user's
  // leave (leave.h); absent: none.
  std::optional<Id> manager_id;
  std::string team;  // free text (<= 100 bytes), groups the leave summary; "" = none
};

// How the caller authenticated; web sessions need a CSRF token on writes.
enum class AuthMethod { kSession, kBearer, kBasic };

// The authenticated caller of a service.
struct Principal {
  Id user_id = 0;
  Id org_id = 0;
  std::string username;
  Role role = Role::kViewer;
};

// Access to one calendar, ordered: each level includes the ones below.
enum class Access { kNone = 0, kFreeBusy = 1, kRead = 2, kWrite = 3, kOwner = 4 };
const char* AccessName(Access access);  // "none", "freebusy", "read", "write", "owner"

// Stored in the database (as text): never rename.
enum class ShareLevel { kViewer, kEditor };
const char* ShareLevelName(ShareLevel level);  // "viewer", "editor"
std::optional<ShareLevel> ShareLevelFromName(std::string_view name);

// A grant of one calendar to a user or to everyone with a role.
struct CalendarShare {
  std::optional<Id> user_id;  // exactly one of user_id and role is set
  std::optional<Role> role;
  ShareLevel level = ShareLevel::kViewer;
};

// The colour of a calendar whose module has none.
inline constexpr std::string_view kDefaultModuleColor = "#64748b";

struct Calendar {
  Id id = 0;
  Id org_id = 0;
  std::optional<Id> owner_user_id;  // absent: owned by the organisation
  std::string name;
  std::string color;   // #rrggbb; empty = the module's colour
  std::string module;  // a Module key of the organisation
  std::string timezone;
  std::string description;
  std::vector<CalendarShare> shares;
  std::int64_t version = 0;  // bumps on every change of the calendar or its objects (CTag)
  // Component types the calendar holds (CalDAV supported-calendar-component-set).
  std::vector<std::string> components = {"VEVENT", "VTODO"};
  // The calendar's path segment in its owner's CalDAV home when a client
  // chose it (MKCALENDAR); empty: the id. Unique per owner.
  std::string dav_name;
  // Dead WebDAV properties clients set with PROPPATCH (RFC 4918 §4.2),
  // serialized by the CalDAV layer; opaque here.
  std::string dav_props;
  // Sync tokens (versions) below this are no longer answerable: the
  // deletions before it were forgotten (RFC 6578 §3.7).
  std::int64_t sync_floor = 0;
  core::Instant created_at;
  core::Instant updated_at;
};

// A calendar object resource (RFC 4791 §4.1): one UID, its master and
// overrides, stored as a whole VCALENDAR. The index columns are derived from
// `ics` on every write (see ical_index.h) and never edited on their own.
struct CalendarObject {
  Id id = 0;
  Id org_id = 0;
  Id calendar_id = 0;
  std::string uid;
  // The resource name in its calendar collection (the last segment of its
  // CalDAV href, e.g. "<uid>.ics"); unique per calendar.
  std::string name;
  // The calendar version of the transaction that last wrote it (RFC 6578
  // sync: changed since token N means modseq > N). Set by the store.
  std::int64_t modseq = 0;
  std::string ics;        // the VCALENDAR text, canonical serialization
  std::string etag;       // strong ETag value without quotes
  std::string component;  // "VEVENT" or "VTODO"
  std::string summary;
  std::int64_t sequence = 0;
  // [first_start, last_end) covers every instance; last_end is
  // kUnboundedEnd for a series without end.
  std::int64_t first_start = 0;  // unix seconds
  std::int64_t last_end = 0;     // unix seconds
  bool recurring = false;
  core::Instant created_at;
  core::Instant updated_at;
};

// A change of a calendar since a sync token: a stored object (name, etag)
// or, when `deleted`, a forgotten one.
struct ObjectChange {
  std::string name;
  std::string etag;
  bool deleted = false;
  std::int64_t modseq = 0;
};

inline constexpr std::int64_t kUnboundedEnd = 253402300800;  // 10000-01-01T00:00:00Z

// ---- resources and bookings (issue #5; see resources.h) ----

// Stored in the database (as text): never rename.
enum class BookingStatus { kPending, kApproved, kRejected, kCancelled };
const char* BookingStatusName(BookingStatus status);  // "pending", "approved", ...
std::optional<BookingStatus> BookingStatusFromName(std::string_view name);

// One bookable span of a weekday, in the resource's time zone:
// [from_minute, to_minute) minutes after local midnight, 0 <= from < to <= 1440.
struct BookableHours {
  int weekday = 0;  // 0 = Monday .. 6 = Sunday (core::Weekday)
  int from_minute = 0;
  int to_minute = 0;
};

// A period the resource cannot be booked (maintenance, repairs).
struct Unavailability {
  std::string reason;
  core::Instant from;
  core::Instant to;
};

// A bookable thing: room, vehicle, equipment, facilitator, or an
// organisation-defined type. Its bookings show in its own calendar
// (`calendar_id`, module "resources").
struct Resource {
  Id id = 0;
  Id org_id = 0;
  Id calendar_id = 0;
  std::string type;  // "room", "vehicle", "equipment", "facilitator" or [a-z0-9_-]{1,32}
  std::string name;
  std::string description;
  std::string location;
  std::string timezone = "UTC";  // IANA name: bookable hours are read in it
  int capacity = 0;              // people (rooms), informative
  int units = 1;                 // identical units that can be booked at once
  bool available = true;         // false: nothing can be booked
  std::vector<Unavailability> unavailability;
  std::vector<BookableHours> bookable_hours;  // empty: bookable at any time
  int buffer_before_min = 0;  // set-up time blocked before each booking
  int buffer_after_min = 0;   // clean-up time blocked after each booking
  bool requires_approval = false;
  std::vector<Id> approver_user_ids;
  std::optional<Role> approver_role;
  std::int64_t cost_per_use = 0;   // minor currency units (cents)
  std::int64_t cost_per_hour = 0;  // minor currency units (cents)
  int horizon_days = 0;            // how far ahead a booking may start; 0 = no limit
  int min_notice_min = 0;
  int min_duration_min = 0;  // 0 = no minimum
  int max_duration_min = 0;  // 0 = no maximum
  std::vector<Id> booker_user_ids;  // who may book; both empty = everyone
  std::vector<Role> booker_roles;
  bool pending_blocks = true;  // pending requests hold their slot
  int auto_release_min = 0;    // release a booking not checked in N min after start; 0 = never
  core::Instant created_at;
  core::Instant updated_at;
};

struct Booking {
  Id id = 0;
  Id org_id = 0;
  Id resource_id = 0;
  std::optional<Id> group_id;  // bookings made together for a recurring event
  std::optional<Id> event_id;
  std::string recurrence_id;  // RFC 3339 start of the event instance; "" when single
  std::string title;
  std::string notes;
  Id requester_id = 0;
  BookingStatus status = BookingStatus::kPending;
  core::Instant start;
  core::Instant end;
  // The span the booking keeps others out of: [start - buffer_before,
  // end + buffer_after) with the resource's buffers when it was made.
  core::Instant block_start;
  core::Instant block_end;
  // Whether it holds its span now: approved, or pending where pending blocks.
  bool blocking = false;
  std::optional<core::Instant> checked_in_at;
  core::Instant created_at;
  core::Instant updated_at;
};

// One step of a booking's workflow: who did what, when, and why.
struct BookingHistoryEntry {
  Id booking_id = 0;
  Id actor_id = 0;
  std::string action;  // "requested", "approved", "rejected", "cancelled", "auto-rejected"
  BookingStatus status = BookingStatus::kPending;  // the status after the step
  std::string comment;
  core::Instant at;
};

// ---- end of resources and bookings ----

// ---- staff leave (issue #5; see leave.h) ----

// Stored in the database (as text): never rename.
enum class LeaveStatus { kPending, kApproved, kRejected, kCancelled };
const char* LeaveStatusName(LeaveStatus status);  // "pending", "approved", ...
std::optional<LeaveStatus> LeaveStatusFromName(std::string_view name);

// Which half of a one-day request is taken. Stored in the database (as
// text: "", "am", "pm"): never rename.
enum class HalfDay { kNone, kAm, kPm };

// A kind of leave: built in (vacation, sick, emergency, official_business)
// or defined by the organisation. Amounts are in half days so that half
// days add up exactly (the API shows days).
struct LeaveType {
  Id id = 0;
  Id org_id = 0;
  std::string key;    // [a-z0-9_-]{1,32}, unique in the organisation
  std::string name;   // display name
  std::string color;  // #rrggbb
  bool builtin = false;
  bool counts_against_allowance = true;
  int allowance_half_days = 0;       // per calendar year
  int carry_over_cap_half_days = 0;  // most carried into the next year
  bool requires_approval = true;
  // Roles whose users approve requests of this type besides the
  // requester's manager and admins (leave.h); empty: nobody else.
  std::vector<Role> approver_roles;
  bool active = true;  // false: kept for history, no new requests
  core::Instant created_at;
  core::Instant updated_at;
};

// A request for leave: whole civil dates in the requester's time zone,
// [start_date, end_date] inclusive, with optional half days. The request
// covers the half-day slots [start_slot, end_slot): slot 2*d is the morning
// of day d (days since 1970-01-01), 2*d+1 its afternoon.
struct LeaveRequest {
  Id id = 0;
  Id org_id = 0;
  Id user_id = 0;  // who is on leave
  Id type_id = 0;
  Id created_by = 0;  // the user or an admin on their behalf
  core::Date start_date;
  core::Date end_date;
  HalfDay half_day = HalfDay::kNone;  // one-day request: morning or afternoon only
  bool first_day_half = false;        // several days: the first day from noon
  bool last_day_half = false;         // several days: the last day until noon
  std::int64_t start_slot = 0;
  std::int64_t end_slot = 0;
  int half_days = 0;  // working half days (Monday to Friday) covered
  std::string reason;
  std::string attachment;  // a reference (URL, document number)
  LeaveStatus status = LeaveStatus::kPending;
  core::Instant created_at;
  core::Instant updated_at;
};

// One step of a leave request's workflow.
struct LeaveHistoryEntry {
  Id request_id = 0;
  Id actor_id = 0;
  std::string action;                          // "requested", "approved", "rejected", "cancelled"
  LeaveStatus status = LeaveStatus::kPending;  // the status after the step
  std::string comment;
  core::Instant at;
};

// A decision someone will be told about once notifications exist: one row
// per workflow step, written in the step's transaction (an outbox).
struct NotificationEvent {
  Id id = 0;
  Id org_id = 0;
  std::string kind;  // "booking" or "leave"
  Id item_id = 0;    // the booking or leave request
  // Whom to tell; absent: the item's approvers.
  std::optional<Id> recipient_id;
  Id actor_id = 0;
  std::string action;  // "requested", "approved", "rejected", "cancelled", ...
  std::string comment;
  core::Instant at;
  std::optional<core::Instant> delivered_at;  // set by the future sender
};

// ---- end of staff leave ----

}  // namespace almanac::domain
