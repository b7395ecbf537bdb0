// Staff leave (issue #5; docs/leave.md): leave types, requests with an
// approval workflow and history, balances per user, type and year, the
// staff leave calendar, and the approvals inbox that holds pending bookings
// and pending leave together.
//
// Amounts are half days (ints), so half days add up exactly; the API shows
// days. A request covers whole civil dates of the requester's time zone,
// [start_date, end_date] inclusive, with a half day allowed on a one-day
// request (morning or afternoon) or on the first day (from noon) and the
// last day (until noon) of a longer one. Only working days count: Monday
// to Friday (public holidays are not modelled yet).
//
// Rules:
//  - One person's pending and approved requests never overlap (half days
//    of one date do not overlap each other). Every write that adds or
//    approves leave locks the person's user row first (PostgreSQL; SQLite
//    has one writer) and checks; an exclusion constraint backs it on
//    PostgreSQL.
//  - A type that counts against an allowance has, per user and calendar
//    year: allowance, carried_over = min(last year's remaining without
//    pending, the type's cap) (0 in the year the user was created and
//    before), used (approved), pending, remaining = allowance +
//    carried_over - used - pending. A request that needs more than a year's
//    remaining (each year it touches counted against that year) is refused
//    (kOutOfRange, with the figures).
//  - Approvers of a request: the requester's manager (User::manager_id),
//    admins, and users whose role is in the type's approver_roles; never
//    the person on leave. Viewers neither request nor approve.
//  - Who sees a request: the person on leave, their manager, admins, and
//    the role approvers of its type. Others get kNotFound.
//  - Approved leave is an all-day (or, with half days, timed) VEVENT
//    "leave-<id>.ics" in the organisation's staff leave calendar (owned by
//    the organisation, module "staff", readable by everyone in it), written
//    in the approval's transaction and removed when the leave is cancelled.
//    It carries TRANSP:OPAQUE and X-MICROSOFT-CDO-BUSYSTATUS:OOF, which
//    free/busy reads as BUSY-UNAVAILABLE (schedule/freebusy.h).
//  - Each step writes a history entry and a NotificationEvent (the outbox
//    the notifications will read) in its transaction.
//
// Thread safety: thread-safe; methods block on the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/time.h"
#include "domain/model.h"
#include "domain/resources.h"
#include "domain/store.h"

namespace almanac::domain {

// The module of the staff leave calendar.
inline constexpr std::string_view kLeaveCalendarModule = "staff";

// A change of a leave type: set fields replace, absent ones keep (create:
// the defaults below).
struct LeaveTypeChange {
  std::optional<std::string> key;                   // create: required; built-in keys cannot change
  std::optional<std::string> name;                  // create: required
  std::optional<std::string> color;                 // default "#64748b"
  std::optional<bool> counts_against_allowance;     // default true
  std::optional<int> allowance_half_days;           // default 0
  std::optional<int> carry_over_cap_half_days;      // default 0
  std::optional<bool> requires_approval;            // default true
  std::optional<std::vector<Role>> approver_roles;  // default none
  std::optional<bool> active;                       // default true
};

struct LeaveRequestInput {
  // Whose leave: absent = the caller's; someone else's only for admins.
  std::optional<Id> user_id;
  std::string type;  // a type key of the organisation
  core::Date start_date;
  core::Date end_date;                // inclusive
  HalfDay half_day = HalfDay::kNone;  // one-day requests only
  bool first_day_half = false;        // several days only
  bool last_day_half = false;         // several days only
  std::string reason;                 // at most 4096 bytes
  std::string attachment;             // at most 2048 bytes, no control characters
};

// One user's balance of one type in one year. Half days.
struct LeaveBalance {
  LeaveType type;
  Id user_id = 0;
  int year = 0;
  int allowance = 0;  // 0 when the type does not count against an allowance
  int carried_over = 0;
  int used = 0;  // approved
  int pending = 0;
  int remaining = 0;  // allowance + carried_over - used - pending (may be < 0)
};

// Why a request was refused, when that is more than a message: filled by
// Request when it returns kConflict (`overlapping`) or kOutOfRange
// (`balance` and `requested`).
struct LeaveRefusal {
  std::optional<LeaveRequest> overlapping;
  std::optional<LeaveBalance> balance;  // the year that falls short
  int requested = 0;                    // half days of the request in that year
};

// A request as one caller may see it.
struct LeaveView {
  LeaveRequest request;
  std::string type_key;
  std::string type_name;
  std::string type_color;
  std::string user_name;  // display name of the person on leave
  std::string team;
  bool may_decide = false;  // the caller may approve or reject it (when pending)
  bool may_cancel = false;
  std::vector<LeaveHistoryEntry> history;  // Get only
};

struct LeaveFilter {
  std::optional<Id> user_id;
  std::optional<LeaveStatus> status;
  std::optional<core::Date> from;  // requests ending on or after it
  std::optional<core::Date> to;    // requests starting on or before it
};

class LeaveService {
 public:
  LeaveService(Store& store, const core::Clock& clock);

  // Every type of the caller's organisation, inactive ones too, by id.
  Result<std::vector<LeaveType>> ListTypes(const Principal& caller);
  // Admins only. Errors: kPermissionDenied; kInvalidArgument naming the
  // field (key [a-z0-9_-]{1,32}, name 1-200 bytes, colour #rrggbb, amounts
  // 0-730 half days, approver roles not viewer); kAlreadyExists for a key
  // in use.
  Result<LeaveType> CreateType(const Principal& caller, const LeaveTypeChange& change);
  // Admins only. Errors: as CreateType; kNotFound; kInvalidArgument for a
  // new key of a built-in type.
  Result<LeaveType> UpdateType(const Principal& caller, Id type_id, const LeaveTypeChange& change);

  // Requests leave. Approved at once (history "requested", "approved") when
  // the type needs no approval, else pending.
  // Errors: kInvalidArgument (end before start, more than 366 days, dates
  // outside 1900-9998, a half day on the wrong kind of request, no working
  // day covered, unknown or inactive type, long reason/attachment);
  // kPermissionDenied (a viewer; someone else's leave by a non-admin);
  // kNotFound (user_id not in the organisation); kConflict (overlaps a
  // pending or approved request: `refusal->overlapping`); kOutOfRange (the
  // balance of a year is short: `refusal->balance`, `refusal->requested`).
  Result<LeaveView> Request(const Principal& caller, const LeaveRequestInput& input,
                            LeaveRefusal* refusal = nullptr);
  // With history. Errors: kNotFound (also when the caller may not see it).
  Result<LeaveView> Get(const Principal& caller, Id request_id);
  // The requests the caller may see matching `filter`, by start.
  // Errors: kInvalidArgument when to < from.
  Result<std::vector<LeaveView>> List(const Principal& caller, const LeaveFilter& filter);
  // pending -> approved; writes the calendar event. Re-checks the balance
  // without other pending requests. Errors: kNotFound; kPermissionDenied
  // (not an approver, or one's own leave); kFailedPrecondition (not
  // pending); kOutOfRange (the balance fell short meanwhile).
  Result<LeaveView> Approve(const Principal& caller, Id request_id, const std::string& comment);
  // pending -> rejected. Errors: as Approve but kOutOfRange.
  Result<LeaveView> Reject(const Principal& caller, Id request_id, const std::string& comment);
  // pending or approved -> cancelled (the person on leave, or an admin);
  // removes the calendar event. Errors: kNotFound; kPermissionDenied;
  // kFailedPrecondition (rejected or cancelled already).
  Result<LeaveView> Cancel(const Principal& caller, Id request_id, const std::string& comment);

  // The balances of `user_id` (default the caller) in `year` for every
  // active type. The caller must be the user, their manager, an admin or a
  // role approver of some type. Errors: kNotFound (no such user in the
  // organisation); kPermissionDenied; kInvalidArgument (year outside
  // 1900-9998).
  Result<std::vector<LeaveBalance>> Balances(const Principal& caller, std::optional<Id> user_id,
                                             int year);
  // The pending requests the caller may decide, by start.
  Result<std::vector<LeaveView>> PendingApprovals(const Principal& caller);

  // The id of the organisation's staff leave calendar, made on first use.
  Result<Id> LeaveCalendar(const Principal& caller);

 private:
  Store& store_;
  const core::Clock& clock_;
};

// ---- the approvals inbox across types ----

enum class ApprovalKind { kBooking, kLeave };
const char* ApprovalKindName(ApprovalKind kind);  // "booking", "leave"
std::optional<ApprovalKind> ApprovalKindFromName(std::string_view name);

// One pending thing the caller may decide.
struct ApprovalItem {
  ApprovalKind kind = ApprovalKind::kBooking;
  std::optional<BookingView> booking;  // kind booking
  std::optional<LeaveView> leave;      // kind leave
};

struct ApprovalTarget {
  ApprovalKind kind = ApprovalKind::kBooking;
  Id id = 0;
};

// What one item of a bulk decision came to.
struct ApprovalOutcome {
  ApprovalTarget target;
  Status status;                  // ok, or why this item was not decided
  std::string new_status;         // "approved" / "rejected" when ok
  std::vector<Id> auto_rejected;  // bookings rejected by an approval
};

class ApprovalService {
 public:
  // The services must outlive this one.
  ApprovalService(ResourceService& resources, LeaveService& leave);

  // The caller's pending bookings and leave requests, bookings first
  // (by start), then leave (by start).
  Result<std::vector<ApprovalItem>> Inbox(const Principal& caller);
  // Approves (`approve`) or rejects each target on its own (one transaction
  // each, in order), returning one outcome per target in order; a failing
  // item does not stop the others. Errors: kInvalidArgument for no targets,
  // more than 100, or a comment over 4096 bytes.
  Result<std::vector<ApprovalOutcome>> Decide(const Principal& caller,
                                              const std::vector<ApprovalTarget>& targets,
                                              bool approve, const std::string& comment);

 private:
  ResourceService& resources_;
  LeaveService& leave_;
};

// ---- pure rules, exposed for unit tests ----

// The half-day slots [start, end) of a request (see LeaveRequest).
// REQUIRES: start_date <= end_date.
std::pair<std::int64_t, std::int64_t> LeaveSlots(core::Date start_date, core::Date end_date,
                                                 HalfDay half_day, bool first_day_half,
                                                 bool last_day_half);
// The slots of [start_slot, end_slot) on Monday to Friday that fall in
// calendar year `year` (every year when 0).
int WorkingHalfDays(std::int64_t start_slot, std::int64_t end_slot, int year = 0);
// The slots of [start_slot, end_slot) on Monday to Friday that fall in the
// days [from, to).
int WorkingHalfDaysIn(std::int64_t start_slot, std::int64_t end_slot, core::Date from,
                      core::Date to);

// The built-in types an organisation starts with (vacation: 20 days, 5
// carried over; sick: no allowance, no approval; emergency: 3 days;
// official_business: no allowance), for `org_id` at `now`.
std::vector<LeaveType> BuiltinLeaveTypes(Id org_id, core::Instant now);

}  // namespace almanac::domain
