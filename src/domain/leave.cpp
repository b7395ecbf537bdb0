#include "domain/leave.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "core/time_zone.h"
#include "domain/calendars.h"
#include "domain/event_fields.h"
#include "domain/resource.h"
#include "ical/parser.h"
#include "ical/serializer.h"
#include "ical/values.h"

namespace almanac::domain {

const char* LeaveStatusName(LeaveStatus status) {
  switch (status) {
    case LeaveStatus::kPending:
      return "pending";
    case LeaveStatus::kApproved:
      return "approved";
    case LeaveStatus::kRejected:
      return "rejected";
    case LeaveStatus::kCancelled:
      return "cancelled";
  }
  return "cancelled";
}

std::optional<LeaveStatus> LeaveStatusFromName(std::string_view name) {
  for (LeaveStatus s : {LeaveStatus::kPending, LeaveStatus::kApproved, LeaveStatus::kRejected,
                        LeaveStatus::kCancelled}) {
    if (name == LeaveStatusName(s)) return s;
  }
  return std::nullopt;
}

const char* ApprovalKindName(ApprovalKind kind) {
  return kind == ApprovalKind::kLeave ? "leave" : "booking";
}

std::optional<ApprovalKind> ApprovalKindFromName(std::string_view name) {
  if (name == "booking") return ApprovalKind::kBooking;
  if (name == "leave") return ApprovalKind::kLeave;
  return std::nullopt;
}

namespace {

using core::Date;
using core::Instant;

constexpr int kMaxAmount = 730;       // half days: a year of working days and more
constexpr int kMaxRequestDays = 366;  // one request
constexpr int kCarryYears = 50;       // how far back a carry-over chain is followed
constexpr int kMinYear = 1900;
constexpr int kMaxYear = 9998;
constexpr std::size_t kMaxComment = 4096;

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }
Error NoRequest() { return MakeError(Code::kNotFound, "no such leave request"); }
Error NoUser() { return MakeError(Code::kNotFound, "no such user"); }

template <typename T>
Status MapNotFound(const Result<T>& r, Error replacement) {
  if (r.ok()) return OkStatus();
  if (r.error().code == Code::kNotFound) return replacement;
  return r.status();
}

bool HasRole(const std::vector<Role>& roles, Role role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool IsManagerOf(const Principal& p, const User& person) {
  return person.manager_id && *person.manager_id == p.user_id;
}

bool IsRoleApprover(const Principal& p, const LeaveType& t) {
  return p.role != Role::kViewer && HasRole(t.approver_roles, p.role);
}

bool IsApprover(const Principal& p, const User& person, const LeaveType& t) {
  if (p.user_id == person.id || p.role == Role::kViewer) return false;
  return p.role == Role::kAdmin || IsManagerOf(p, person) || IsRoleApprover(p, t);
}

bool Sees(const Principal& p, const User& person, const LeaveType& t) {
  return p.user_id == person.id || p.role == Role::kAdmin || IsManagerOf(p, person) ||
         IsRoleApprover(p, t);
}

bool MayCancel(const Principal& p, const LeaveRequest& r) {
  return (p.user_id == r.user_id || p.role == Role::kAdmin) &&
         (r.status == LeaveStatus::kPending || r.status == LeaveStatus::kApproved);
}

bool ValidKey(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string DisplayName(const User& u) {
  return u.display_name.empty() ? u.username : u.display_name;
}

// Days, as the API and messages show them: "3", "2.5".
std::string Days(int half_days) {
  if (half_days % 2 == 0) return fmt::format("{}", half_days / 2);
  return fmt::format("{}{}.5", half_days < 0 ? "-" : "", std::abs(half_days) / 2);
}

std::int64_t FloorDiv2(std::int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

std::int64_t YearStartSlot(int year) {
  return 2 * static_cast<std::int64_t>(core::DaysFromCivil(year, 1, 1));
}

int YearOf(Date d) { return d.civil().year; }

const core::TimeZone& ZoneNamed(const std::string& name) {
  if (name.empty() || name == "UTC") return core::UtcZone();
  Result<const core::TimeZone*> z = core::FindIanaZone(name);
  return z.ok() ? **z : core::UtcZone();
}

// ---- balances -------------------------------------------------------------------

// The balance of `person` for `type` in `year`, from their pending and
// approved requests of the type.
Result<LeaveBalance> BalanceOf(StoreTx& tx, const User& person, const LeaveType& type, int year) {
  LeaveBalance b;
  b.type = type;
  b.user_id = person.id;
  b.year = year;
  const bool counts = type.counts_against_allowance;
  const int first_year = person.created_at.utc().date().civil().year;
  int low = year;
  if (counts && type.carry_over_cap_half_days > 0 && year > first_year) {
    low = std::max(first_year, year - kCarryYears);
  }
  StoreTx::LeaveQuery q;
  q.user_id = person.id;
  q.type_id = type.id;
  q.statuses = {LeaveStatus::kPending, LeaveStatus::kApproved};
  q.from_slot = YearStartSlot(low);
  q.to_slot = YearStartSlot(year + 1);
  ALMANAC_ASSIGN_OR_RETURN(std::vector<LeaveRequest> requests,
                           tx.ListLeaveRequests(person.org_id, q));
  auto count = [&](int y, LeaveStatus status) {
    int n = 0;
    for (const LeaveRequest& r : requests) {
      if (r.status == status) n += WorkingHalfDays(r.start_slot, r.end_slot, y);
    }
    return n;
  };
  b.allowance = counts ? type.allowance_half_days : 0;
  int carried = 0;
  for (int y = low; y < year; ++y) {
    carried = std::min(std::max(0, b.allowance + carried - count(y, LeaveStatus::kApproved)),
                       type.carry_over_cap_half_days);
  }
  b.carried_over = counts ? carried : 0;
  b.used = count(year, LeaveStatus::kApproved);
  b.pending = count(year, LeaveStatus::kPending);
  b.remaining = b.allowance + b.carried_over - b.used - b.pending;
  return b;
}

// kOutOfRange when a year the request touches cannot hold it: with
// `pending_counts`, pending requests (others than `r` itself, which must
// not be stored yet then) count against the balance.
Status CheckBalance(StoreTx& tx, const User& person, const LeaveType& type, const LeaveRequest& r,
                    bool pending_counts, LeaveRefusal* refusal) {
  if (!type.counts_against_allowance) return OkStatus();
  for (int y = YearOf(r.start_date); y <= YearOf(r.end_date); ++y) {
    const int wanted = WorkingHalfDays(r.start_slot, r.end_slot, y);
    if (wanted == 0) continue;
    ALMANAC_ASSIGN_OR_RETURN(LeaveBalance b, BalanceOf(tx, person, type, y));
    const int available = pending_counts ? b.remaining : b.allowance + b.carried_over - b.used;
    if (wanted <= available) continue;
    if (refusal != nullptr) {
      refusal->balance = b;
      refusal->requested = wanted;
    }
    return MakeError(
        Code::kOutOfRange,
        fmt::format("the request needs {} days of {} in {}, but {} remain (allowance {}, carried "
                    "over {}, used {}, pending {})",
                    Days(wanted), type.name, y, Days(std::max(0, available)), Days(b.allowance),
                    Days(b.carried_over), Days(b.used), Days(b.pending)));
  }
  return OkStatus();
}

// ---- the staff leave calendar ---------------------------------------------------

std::string LeaveObjectName(Id request_id) { return fmt::format("leave-{}.ics", request_id); }

std::string IcsDate(Date d) {
  const core::CivilDate c = d.civil();
  return fmt::format("{:04}{:02}{:02}", c.year, c.month, c.day);
}

std::string IcsUtc(Instant t) { return core::FormatLocal(t.utc()) + "Z"; }

// The local start of slot `slot` (a morning at 00:00, an afternoon at 12:00).
core::LocalDateTime SlotStart(std::int64_t slot) {
  const Date day = Date::FromDays(static_cast<std::int32_t>(FloorDiv2(slot)));
  return core::LocalDateTime::FromDate(day, slot - 2 * FloorDiv2(slot) == 1 ? 12 : 0);
}

// The organisation's staff leave calendar, made on first use. A concurrent
// first use may win the record: ours is then dropped.
Result<Id> EnsureLeaveCalendar(StoreTx& tx, Id org_id, Instant now) {
  ALMANAC_ASSIGN_OR_RETURN(std::optional<Id> existing, tx.GetLeaveCalendar(org_id));
  if (existing) return *existing;
  Calendar c;
  c.org_id = org_id;
  c.name = "Staff leave";
  c.module = std::string(kLeaveCalendarModule);
  c.timezone = "UTC";
  c.description = "Approved staff leave, kept by the leave workflow (docs/leave.md)";
  c.components = {"VEVENT"};
  c.created_at = c.updated_at = now;
  ALMANAC_ASSIGN_OR_RETURN(Id mine, tx.InsertCalendar(c));
  ALMANAC_ASSIGN_OR_RETURN(Id winner, tx.SetLeaveCalendarIfUnset(org_id, mine));
  if (winner != mine) ALMANAC_RETURN_IF_ERROR(tx.DeleteCalendar(org_id, mine));
  return winner;
}

// The VEVENT approved leave shows as: all-day for whole days, else timed
// (UTC) from the first slot's start to the last slot's end in the person's
// time zone. Out of office (OOF) and opaque; no reason or type, which stay
// in the leave API for those who may see them.
Result<CalendarObject> LeaveObject(const LeaveRequest& r, const User& person, Id calendar_id,
                                   Instant now) {
  const bool whole_days = r.start_slot % 2 == 0 && r.end_slot % 2 == 0;
  std::vector<std::string> lines = {"BEGIN:VCALENDAR",
                                    "VERSION:2.0",
                                    "PRODID:-//Almanac//Leave//EN",
                                    "BEGIN:VEVENT",
                                    fmt::format("UID:leave-{}@almanac", r.id),
                                    "DTSTAMP:" + IcsUtc(now)};
  if (whole_days) {
    lines.push_back("DTSTART;VALUE=DATE:" + IcsDate(r.start_date));
    lines.push_back("DTEND;VALUE=DATE:" + IcsDate(Date::FromDays(r.end_date.days() + 1)));
    lines.push_back("X-MICROSOFT-CDO-ALLDAYEVENT:TRUE");
  } else {
    const core::TimeZone& zone = ZoneNamed(person.timezone);
    lines.push_back("DTSTART:" + IcsUtc(zone.ToInstant(SlotStart(r.start_slot))));
    lines.push_back("DTEND:" + IcsUtc(zone.ToInstant(SlotStart(r.end_slot))));
  }
  const std::string summary =
      fmt::format("{} on leave{}", DisplayName(person), whole_days ? "" : " (half day)");
  for (std::string line :
       {"SUMMARY:" + ical::EscapeText(summary), std::string("CATEGORIES:leave"),
        std::string("TRANSP:OPAQUE"), std::string("STATUS:CONFIRMED"), std::string("CLASS:PUBLIC"),
        std::string("X-MICROSOFT-CDO-BUSYSTATUS:OOF"), fmt::format("X-ALMANAC-LEAVE-ID:{}", r.id),
        fmt::format("X-ALMANAC-USER-ID:{}", person.id), std::string("END:VEVENT"),
        std::string("END:VCALENDAR")}) {
    lines.push_back(std::move(line));
  }
  std::string ics;
  for (const std::string& line : lines) ical::AppendFoldedLine(line, &ics);
  ALMANAC_ASSIGN_OR_RETURN(ical::ParsedCalendar parsed, ical::Parse(ics));
  if (parsed.components.empty()) return MakeError(Code::kInternal, "an empty leave event");
  ALMANAC_ASSIGN_OR_RETURN(ResourceInfo info, AnalyzeResource(parsed.components.front()));
  CalendarObject o;
  o.org_id = r.org_id;
  o.calendar_id = calendar_id;
  o.uid = info.uid;
  o.name = LeaveObjectName(r.id);
  o.component = info.component;
  o.summary = info.summary;
  o.sequence = info.sequence;
  o.first_start = info.first_start;
  o.last_end = info.last_end;
  o.recurring = info.recurring;
  o.etag = ETagOf(ics);
  o.ics = std::move(ics);
  o.created_at = o.updated_at = now;
  return o;
}

Status PutLeaveObject(StoreTx& tx, const LeaveRequest& r, const User& person, Instant now) {
  ALMANAC_ASSIGN_OR_RETURN(Id calendar_id, EnsureLeaveCalendar(tx, r.org_id, now));
  ALMANAC_ASSIGN_OR_RETURN(CalendarObject o, LeaveObject(r, person, calendar_id, now));
  Result<CalendarObject> old = tx.GetObjectByName(r.org_id, calendar_id, o.name);
  if (!old.ok()) {
    if (old.error().code != Code::kNotFound) return old.status();
    return tx.InsertObject(o).status();
  }
  o.id = old->id;
  o.created_at = old->created_at;
  return tx.UpdateObject(o, old->etag);
}

// Removes the event of request `request_id`; none (edited away by hand, or
// no calendar) is fine.
Status DropLeaveObject(StoreTx& tx, Id org_id, Id request_id, Instant now) {
  ALMANAC_ASSIGN_OR_RETURN(std::optional<Id> calendar_id, tx.GetLeaveCalendar(org_id));
  if (!calendar_id) return OkStatus();
  Result<CalendarObject> old =
      tx.GetObjectByName(org_id, *calendar_id, LeaveObjectName(request_id));
  if (!old.ok()) return old.error().code == Code::kNotFound ? OkStatus() : old.status();
  return tx.DeleteObject(org_id, old->id, now);
}

// ---- workflow steps -----------------------------------------------------------

// A history entry and its notification: the person is told of what others
// do; what the person does goes to their manager (none set: the approvers).
Status Record(StoreTx& tx, const LeaveRequest& r, const User& person, Id actor, std::string action,
              std::string comment, Instant now) {
  LeaveHistoryEntry e;
  e.request_id = r.id;
  e.actor_id = actor;
  e.action = action;
  e.status = r.status;
  e.comment = comment;
  e.at = now;
  ALMANAC_RETURN_IF_ERROR(tx.InsertLeaveHistory(r.org_id, e));
  NotificationEvent n;
  n.org_id = r.org_id;
  n.kind = ApprovalKindName(ApprovalKind::kLeave);
  n.item_id = r.id;
  n.recipient_id = actor == person.id ? person.manager_id : std::optional<Id>(person.id);
  n.actor_id = actor;
  n.action = std::move(action);
  n.comment = std::move(comment);
  n.at = now;
  return tx.InsertNotificationEvent(n).status();
}

LeaveView ViewOf(const Principal& caller, LeaveRequest r, const User& person,
                 const LeaveType& type) {
  LeaveView v;
  v.type_key = type.key;
  v.type_name = type.name;
  v.type_color = type.color;
  v.user_name = DisplayName(person);
  v.team = person.team;
  v.may_decide = r.status == LeaveStatus::kPending && IsApprover(caller, person, type);
  v.may_cancel = MayCancel(caller, r);
  v.request = std::move(r);
  return v;
}

// A request with its person (row locked when `lock`) and type, as the
// caller may see it.
struct Loaded {
  LeaveRequest request;
  User person;
  LeaveType type;
};

Result<Loaded> Load(StoreTx& tx, const Principal& caller, Id request_id, bool lock) {
  Loaded out;
  Result<LeaveRequest> r = tx.GetLeaveRequest(caller.org_id, request_id);
  ALMANAC_RETURN_IF_ERROR(MapNotFound(r, NoRequest()));
  out.request = std::move(r).value();
  Result<User> person = lock ? tx.GetUserForUpdate(caller.org_id, out.request.user_id)
                             : tx.GetUser(caller.org_id, out.request.user_id);
  ALMANAC_RETURN_IF_ERROR(MapNotFound(person, NoRequest()));
  out.person = std::move(person).value();
  ALMANAC_ASSIGN_OR_RETURN(out.type, tx.GetLeaveType(caller.org_id, out.request.type_id));
  if (!Sees(caller, out.person, out.type)) return NoRequest();
  // Locked rows may have changed since the unlocked read of the request.
  if (lock) {
    ALMANAC_ASSIGN_OR_RETURN(out.request, tx.GetLeaveRequest(caller.org_id, request_id));
  }
  return out;
}

Status ValidateType(const LeaveType& t) {
  if (!ValidKey(t.key)) return Invalid("key must be 1-32 of a-z, 0-9, _ and -");
  if (t.name.empty() || t.name.size() > 200) return Invalid("name must be 1-200 bytes");
  if (!IsHexColor(t.color)) return Invalid("color must be #rrggbb");
  if (t.allowance_half_days < 0 || t.allowance_half_days > kMaxAmount) {
    return Invalid("allowance_days must be 0-365 in steps of 0.5");
  }
  if (t.carry_over_cap_half_days < 0 || t.carry_over_cap_half_days > kMaxAmount) {
    return Invalid("carry_over_cap_days must be 0-365 in steps of 0.5");
  }
  if (HasRole(t.approver_roles, Role::kViewer)) {
    return Invalid("approver_roles cannot include viewer");
  }
  if (t.approver_roles.size() > 4) return Invalid("approver_roles has more than 4 roles");
  return OkStatus();
}

void Apply(const LeaveTypeChange& c, LeaveType* t) {
  if (c.key) t->key = *c.key;
  if (c.name) t->name = *c.name;
  if (c.color) t->color = *c.color;
  if (c.counts_against_allowance) t->counts_against_allowance = *c.counts_against_allowance;
  if (c.allowance_half_days) t->allowance_half_days = *c.allowance_half_days;
  if (c.carry_over_cap_half_days) t->carry_over_cap_half_days = *c.carry_over_cap_half_days;
  if (c.requires_approval) t->requires_approval = *c.requires_approval;
  if (c.approver_roles) t->approver_roles = *c.approver_roles;
  if (c.active) t->active = *c.active;
}

Error KeyTaken(const std::string& key) {
  return MakeError(Code::kAlreadyExists, fmt::format("a leave type with key \"{}\" exists", key));
}

std::string DateRange(const LeaveRequest& r) {
  return r.start_date == r.end_date
             ? FormatIsoDate(r.start_date)
             : fmt::format("{} to {}", FormatIsoDate(r.start_date), FormatIsoDate(r.end_date));
}

// Monday-to-Friday slots of [start_slot, end_slot).
int CountWorkingSlots(std::int64_t start_slot, std::int64_t end_slot) {
  int n = 0;
  for (std::int64_t s = start_slot; s < end_slot; ++s) {
    const Date day = Date::FromDays(static_cast<std::int32_t>(FloorDiv2(s)));
    if (static_cast<int>(day.weekday()) < 5) ++n;
  }
  return n;
}

}  // namespace

// ---- pure rules ---------------------------------------------------------------------

std::pair<std::int64_t, std::int64_t> LeaveSlots(Date start_date, Date end_date, HalfDay half_day,
                                                 bool first_day_half, bool last_day_half) {
  std::int64_t start = 2 * static_cast<std::int64_t>(start_date.days());
  std::int64_t end = 2 * (static_cast<std::int64_t>(end_date.days()) + 1);
  if (half_day == HalfDay::kAm) end = start + 1;
  if (half_day == HalfDay::kPm) start += 1;
  if (first_day_half) start += 1;
  if (last_day_half) end -= 1;
  return {start, end};
}

int WorkingHalfDays(std::int64_t start_slot, std::int64_t end_slot, int year) {
  if (year != 0) {
    start_slot = std::max(start_slot, YearStartSlot(year));
    end_slot = std::min(end_slot, YearStartSlot(year + 1));
  }
  return CountWorkingSlots(start_slot, end_slot);
}

int WorkingHalfDaysIn(std::int64_t start_slot, std::int64_t end_slot, Date from, Date to) {
  return CountWorkingSlots(std::max(start_slot, 2 * static_cast<std::int64_t>(from.days())),
                           std::min(end_slot, 2 * static_cast<std::int64_t>(to.days())));
}

std::vector<LeaveType> BuiltinLeaveTypes(Id org_id, Instant now) {
  struct Spec {
    const char* key;
    const char* name;
    const char* color;
    bool counts;
    int allowance;
    int cap;
    bool approval;
  };
  // The migration (store/sql_store.cpp, migration 4) seeds the same for
  // organisations that existed before it.
  const Spec specs[] = {{"vacation", "Vacation", "#10b981", true, 40, 10, true},
                        {"sick", "Sick leave", "#f97316", false, 0, 0, false},
                        {"emergency", "Emergency leave", "#ef4444", true, 6, 0, true},
                        {"official_business", "Official business", "#6366f1", false, 0, 0, true}};
  std::vector<LeaveType> out;
  for (const Spec& s : specs) {
    LeaveType t;
    t.org_id = org_id;
    t.key = s.key;
    t.name = s.name;
    t.color = s.color;
    t.builtin = true;
    t.counts_against_allowance = s.counts;
    t.allowance_half_days = s.allowance;
    t.carry_over_cap_half_days = s.cap;
    t.requires_approval = s.approval;
    t.created_at = t.updated_at = now;
    out.push_back(std::move(t));
  }
  return out;
}

// ---- LeaveService -------------------------------------------------------------------

LeaveService::LeaveService(Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

Result<std::vector<LeaveType>> LeaveService::ListTypes(const Principal& caller) {
  std::vector<LeaveType> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(out, tx.ListLeaveTypes(caller.org_id));
    return OkStatus();
  }));
  return out;
}

Result<LeaveType> LeaveService::CreateType(const Principal& caller, const LeaveTypeChange& change) {
  if (caller.role != Role::kAdmin) {
    return MakeError(Code::kPermissionDenied, "only admins manage leave types");
  }
  if (!change.key || !change.name) return Invalid("key and name are required");
  LeaveType t;
  t.org_id = caller.org_id;
  t.color = std::string(kDefaultModuleColor);
  Apply(change, &t);
  t.created_at = t.updated_at = clock_.Now();
  ALMANAC_RETURN_IF_ERROR(ValidateType(t));
  Status s = store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(t.id, tx.InsertLeaveType(t));
    return OkStatus();
  });
  if (!s.ok()) return s.code() == Code::kAlreadyExists ? KeyTaken(t.key) : s.error();
  return t;
}

Result<LeaveType> LeaveService::UpdateType(const Principal& caller, Id type_id,
                                           const LeaveTypeChange& change) {
  LeaveType t;
  Status s = store_.Write([&](StoreTx& tx) -> Status {
    Result<LeaveType> found = tx.GetLeaveType(caller.org_id, type_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(found, MakeError(Code::kNotFound, "no such leave type")));
    if (caller.role != Role::kAdmin) {
      return MakeError(Code::kPermissionDenied, "only admins manage leave types");
    }
    t = std::move(found).value();
    if (t.builtin && change.key && *change.key != t.key) {
      return Invalid("the key of a built-in leave type cannot change");
    }
    Apply(change, &t);
    t.updated_at = clock_.Now();
    ALMANAC_RETURN_IF_ERROR(ValidateType(t));
    return tx.UpdateLeaveType(t);
  });
  if (!s.ok()) return s.code() == Code::kAlreadyExists ? KeyTaken(t.key) : s.error();
  return t;
}

Result<LeaveView> LeaveService::Request(const Principal& caller, const LeaveRequestInput& in,
                                        LeaveRefusal* refusal) {
  if (refusal != nullptr) *refusal = LeaveRefusal{};
  if (caller.role == Role::kViewer) {
    return MakeError(Code::kPermissionDenied, "viewers cannot request leave");
  }
  const Id user_id = in.user_id.value_or(caller.user_id);
  if (user_id != caller.user_id && caller.role != Role::kAdmin) {
    return MakeError(Code::kPermissionDenied, "only admins request leave for someone else");
  }
  for (Date d : {in.start_date, in.end_date}) {
    if (YearOf(d) < kMinYear || YearOf(d) > kMaxYear) {
      return Invalid(fmt::format("dates must lie in the years {}-{}", kMinYear, kMaxYear));
    }
  }
  if (in.end_date < in.start_date) return Invalid("end_date is before start_date");
  if (in.end_date.days() - in.start_date.days() + 1 > kMaxRequestDays) {
    return Invalid(fmt::format("a request covers at most {} days", kMaxRequestDays));
  }
  const bool one_day = in.start_date == in.end_date;
  if (in.half_day != HalfDay::kNone && !one_day) {
    return Invalid(
        "half_day is for a one-day request; use first_day_half and last_day_half for several days");
  }
  if ((in.first_day_half || in.last_day_half) && one_day) {
    return Invalid("first_day_half and last_day_half are for several days; use half_day for one");
  }
  if (in.reason.size() > kMaxComment) return Invalid("reason is longer than 4096 bytes");
  if (in.attachment.size() > 2048) return Invalid("attachment is longer than 2048 bytes");
  if (std::any_of(in.attachment.begin(), in.attachment.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return Invalid("attachment contains control characters");
  }
  const auto [start_slot, end_slot] =
      LeaveSlots(in.start_date, in.end_date, in.half_day, in.first_day_half, in.last_day_half);
  const int half_days = WorkingHalfDays(start_slot, end_slot);
  if (half_days == 0) {
    return Invalid("the request covers no working day (Monday to Friday)");
  }
  const Instant now = clock_.Now();
  Id id = 0;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    if (refusal != nullptr) *refusal = LeaveRefusal{};
    // The person's row first: their leave writes queue here (store.h).
    Result<User> found = tx.GetUserForUpdate(caller.org_id, user_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(found, NoUser()));
    const User person = std::move(found).value();
    ALMANAC_ASSIGN_OR_RETURN(std::vector<LeaveType> types, tx.ListLeaveTypes(caller.org_id));
    auto type = std::find_if(types.begin(), types.end(),
                             [&](const LeaveType& t) { return t.key == in.type && t.active; });
    if (type == types.end()) return Invalid(fmt::format("unknown leave type \"{}\"", in.type));
    LeaveRequest r;
    r.org_id = caller.org_id;
    r.user_id = person.id;
    r.type_id = type->id;
    r.created_by = caller.user_id;
    r.start_date = in.start_date;
    r.end_date = in.end_date;
    r.half_day = in.half_day;
    r.first_day_half = in.first_day_half;
    r.last_day_half = in.last_day_half;
    r.start_slot = start_slot;
    r.end_slot = end_slot;
    r.half_days = half_days;
    r.reason = in.reason;
    r.attachment = in.attachment;
    r.status = type->requires_approval ? LeaveStatus::kPending : LeaveStatus::kApproved;
    r.created_at = r.updated_at = now;
    StoreTx::LeaveQuery q;
    q.user_id = person.id;
    q.statuses = {LeaveStatus::kPending, LeaveStatus::kApproved};
    q.from_slot = start_slot;
    q.to_slot = end_slot;
    ALMANAC_ASSIGN_OR_RETURN(std::vector<LeaveRequest> overlapping,
                             tx.ListLeaveRequests(caller.org_id, q));
    if (!overlapping.empty()) {
      const LeaveRequest& o = overlapping.front();
      if (refusal != nullptr) refusal->overlapping = o;
      return MakeError(Code::kConflict,
                       fmt::format("the request overlaps leave request {} ({}, {})", o.id,
                                   DateRange(o), LeaveStatusName(o.status)));
    }
    ALMANAC_RETURN_IF_ERROR(CheckBalance(tx, person, *type, r, true, refusal));
    ALMANAC_ASSIGN_OR_RETURN(r.id, tx.InsertLeaveRequest(r));
    id = r.id;
    const LeaveStatus final_status = r.status;
    r.status = LeaveStatus::kPending;
    ALMANAC_RETURN_IF_ERROR(Record(tx, r, person, caller.user_id, "requested", in.reason, now));
    if (final_status == LeaveStatus::kApproved) {
      r.status = final_status;
      ALMANAC_RETURN_IF_ERROR(
          Record(tx, r, person, caller.user_id, "approved", "no approval needed", now));
      ALMANAC_RETURN_IF_ERROR(PutLeaveObject(tx, r, person, now));
    }
    return OkStatus();
  }));
  return Get(caller, id);
}

Result<LeaveView> LeaveService::Get(const Principal& caller, Id request_id) {
  LeaveView out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(Loaded l, Load(tx, caller, request_id, false));
    out = ViewOf(caller, std::move(l.request), l.person, l.type);
    ALMANAC_ASSIGN_OR_RETURN(out.history, tx.ListLeaveHistory(caller.org_id, request_id));
    return OkStatus();
  }));
  return out;
}

Result<std::vector<LeaveView>> LeaveService::List(const Principal& caller,
                                                  const LeaveFilter& filter) {
  if (filter.from && filter.to && *filter.to < *filter.from) {
    return Invalid("to is before from");
  }
  std::vector<LeaveView> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    out.clear();
    ALMANAC_ASSIGN_OR_RETURN(std::vector<LeaveType> types, tx.ListLeaveTypes(caller.org_id));
    ALMANAC_ASSIGN_OR_RETURN(std::vector<User> users, tx.ListUsers(caller.org_id));
    std::map<Id, const LeaveType*> type_of;
    for (const LeaveType& t : types) type_of[t.id] = &t;
    std::map<Id, const User*> user_of;
    for (const User& u : users) user_of[u.id] = &u;
    StoreTx::LeaveQuery q;
    q.user_id = filter.user_id;
    if (filter.status) q.statuses = {*filter.status};
    if (filter.from) q.from_slot = 2 * static_cast<std::int64_t>(filter.from->days());
    if (filter.to) q.to_slot = 2 * (static_cast<std::int64_t>(filter.to->days()) + 1);
    ALMANAC_ASSIGN_OR_RETURN(std::vector<LeaveRequest> found,
                             tx.ListLeaveRequests(caller.org_id, q));
    for (LeaveRequest& r : found) {
      auto t = type_of.find(r.type_id);
      auto u = user_of.find(r.user_id);
      if (t == type_of.end() || u == user_of.end()) continue;
      if (!Sees(caller, *u->second, *t->second)) continue;
      out.push_back(ViewOf(caller, std::move(r), *u->second, *t->second));
    }
    return OkStatus();
  }));
  return out;
}

Result<LeaveView> LeaveService::Approve(const Principal& caller, Id request_id,
                                        const std::string& comment) {
  if (comment.size() > kMaxComment) return Invalid("comment is longer than 4096 bytes");
  const Instant now = clock_.Now();
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(Loaded l, Load(tx, caller, request_id, true));
    if (l.person.id == caller.user_id) {
      return MakeError(Code::kPermissionDenied, "nobody approves their own leave");
    }
    if (!IsApprover(caller, l.person, l.type)) {
      return MakeError(Code::kPermissionDenied, "you are not an approver of this leave request");
    }
    if (l.request.status != LeaveStatus::kPending) {
      return MakeError(
          Code::kFailedPrecondition,
          fmt::format("the leave request is {}, not pending", LeaveStatusName(l.request.status)));
    }
    ALMANAC_RETURN_IF_ERROR(CheckBalance(tx, l.person, l.type, l.request, false, nullptr));
    l.request.status = LeaveStatus::kApproved;
    l.request.updated_at = now;
    ALMANAC_RETURN_IF_ERROR(tx.UpdateLeaveStatus(l.request));
    ALMANAC_RETURN_IF_ERROR(
        Record(tx, l.request, l.person, caller.user_id, "approved", comment, now));
    return PutLeaveObject(tx, l.request, l.person, now);
  }));
  return Get(caller, request_id);
}

Result<LeaveView> LeaveService::Reject(const Principal& caller, Id request_id,
                                       const std::string& comment) {
  if (comment.size() > kMaxComment) return Invalid("comment is longer than 4096 bytes");
  const Instant now = clock_.Now();
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(Loaded l, Load(tx, caller, request_id, true));
    if (l.person.id == caller.user_id) {
      return MakeError(Code::kPermissionDenied,
                       "nobody decides their own leave: cancel it instead");
    }
    if (!IsApprover(caller, l.person, l.type)) {
      return MakeError(Code::kPermissionDenied, "you are not an approver of this leave request");
    }
    if (l.request.status != LeaveStatus::kPending) {
      return MakeError(
          Code::kFailedPrecondition,
          fmt::format("the leave request is {}, not pending", LeaveStatusName(l.request.status)));
    }
    l.request.status = LeaveStatus::kRejected;
    l.request.updated_at = now;
    ALMANAC_RETURN_IF_ERROR(tx.UpdateLeaveStatus(l.request));
    return Record(tx, l.request, l.person, caller.user_id, "rejected", comment, now);
  }));
  return Get(caller, request_id);
}

Result<LeaveView> LeaveService::Cancel(const Principal& caller, Id request_id,
                                       const std::string& comment) {
  if (comment.size() > kMaxComment) return Invalid("comment is longer than 4096 bytes");
  const Instant now = clock_.Now();
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(Loaded l, Load(tx, caller, request_id, true));
    if (l.person.id != caller.user_id && caller.role != Role::kAdmin) {
      return MakeError(Code::kPermissionDenied,
                       "only the person on leave or an admin can cancel it");
    }
    const LeaveStatus was = l.request.status;
    if (was != LeaveStatus::kPending && was != LeaveStatus::kApproved) {
      return MakeError(Code::kFailedPrecondition,
                       fmt::format("the leave request is {} already", LeaveStatusName(was)));
    }
    l.request.status = LeaveStatus::kCancelled;
    l.request.updated_at = now;
    ALMANAC_RETURN_IF_ERROR(tx.UpdateLeaveStatus(l.request));
    ALMANAC_RETURN_IF_ERROR(
        Record(tx, l.request, l.person, caller.user_id, "cancelled", comment, now));
    if (was == LeaveStatus::kApproved) {
      ALMANAC_RETURN_IF_ERROR(DropLeaveObject(tx, caller.org_id, l.request.id, now));
    }
    return OkStatus();
  }));
  return Get(caller, request_id);
}

Result<std::vector<LeaveBalance>> LeaveService::Balances(const Principal& caller,
                                                         std::optional<Id> user_id, int year) {
  if (year < kMinYear || year > kMaxYear) {
    return Invalid(fmt::format("year must be {}-{}", kMinYear, kMaxYear));
  }
  std::vector<LeaveBalance> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    out.clear();
    Result<User> person = tx.GetUser(caller.org_id, user_id.value_or(caller.user_id));
    ALMANAC_RETURN_IF_ERROR(MapNotFound(person, NoUser()));
    ALMANAC_ASSIGN_OR_RETURN(std::vector<LeaveType> types, tx.ListLeaveTypes(caller.org_id));
    const bool allowed = person->id == caller.user_id || caller.role == Role::kAdmin ||
                         IsManagerOf(caller, *person) ||
                         std::any_of(types.begin(), types.end(), [&](const LeaveType& t) {
                           return t.active && IsRoleApprover(caller, t);
                         });
    if (!allowed) {
      return MakeError(Code::kPermissionDenied,
                       "only the user, their manager, approvers and admins see a balance");
    }
    for (const LeaveType& t : types) {
      if (!t.active) continue;
      ALMANAC_ASSIGN_OR_RETURN(LeaveBalance b, BalanceOf(tx, *person, t, year));
      out.push_back(std::move(b));
    }
    return OkStatus();
  }));
  return out;
}

Result<std::vector<LeaveView>> LeaveService::PendingApprovals(const Principal& caller) {
  std::vector<LeaveView> out;
  if (caller.role == Role::kViewer) return out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    out.clear();
    ALMANAC_ASSIGN_OR_RETURN(std::vector<LeaveType> types, tx.ListLeaveTypes(caller.org_id));
    ALMANAC_ASSIGN_OR_RETURN(std::vector<User> users, tx.ListUsers(caller.org_id));
    std::map<Id, const LeaveType*> type_of;
    for (const LeaveType& t : types) type_of[t.id] = &t;
    std::map<Id, const User*> user_of;
    for (const User& u : users) user_of[u.id] = &u;
    StoreTx::LeaveQuery q;
    q.statuses = {LeaveStatus::kPending};
    ALMANAC_ASSIGN_OR_RETURN(std::vector<LeaveRequest> pending,
                             tx.ListLeaveRequests(caller.org_id, q));
    for (LeaveRequest& r : pending) {
      auto t = type_of.find(r.type_id);
      auto u = user_of.find(r.user_id);
      if (t == type_of.end() || u == user_of.end()) continue;
      if (!IsApprover(caller, *u->second, *t->second)) continue;
      out.push_back(ViewOf(caller, std::move(r), *u->second, *t->second));
    }
    return OkStatus();
  }));
  return out;
}

Result<Id> LeaveService::LeaveCalendar(const Principal& caller) {
  Id out = 0;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(out, EnsureLeaveCalendar(tx, caller.org_id, clock_.Now()));
    return OkStatus();
  }));
  return out;
}

// ---- ApprovalService -------------------------------------------------------------

ApprovalService::ApprovalService(ResourceService& resources, LeaveService& leave)
    : resources_(resources), leave_(leave) {}

Result<std::vector<ApprovalItem>> ApprovalService::Inbox(const Principal& caller) {
  std::vector<ApprovalItem> out;
  ALMANAC_ASSIGN_OR_RETURN(std::vector<BookingView> bookings, resources_.PendingApprovals(caller));
  for (BookingView& b : bookings) {
    ApprovalItem item;
    item.kind = ApprovalKind::kBooking;
    item.booking = std::move(b);
    out.push_back(std::move(item));
  }
  ALMANAC_ASSIGN_OR_RETURN(std::vector<LeaveView> leave, leave_.PendingApprovals(caller));
  for (LeaveView& l : leave) {
    ApprovalItem item;
    item.kind = ApprovalKind::kLeave;
    item.leave = std::move(l);
    out.push_back(std::move(item));
  }
  return out;
}

Result<std::vector<ApprovalOutcome>> ApprovalService::Decide(
    const Principal& caller, const std::vector<ApprovalTarget>& targets, bool approve,
    const std::string& comment) {
  if (targets.empty()) return Invalid("items must name at least one item");
  if (targets.size() > 100) return Invalid("items has more than 100 entries");
  if (comment.size() > kMaxComment) return Invalid("comment is longer than 4096 bytes");
  std::vector<ApprovalOutcome> out;
  for (const ApprovalTarget& t : targets) {
    ApprovalOutcome o;
    o.target = t;
    if (t.kind == ApprovalKind::kBooking) {
      if (approve) {
        ApproveOptions options;
        options.comment = comment;
        Result<Approved> a = resources_.Approve(caller, t.id, options);
        if (a.ok()) {
          o.new_status = BookingStatusName(a->booking.status);
          o.auto_rejected = a->auto_rejected;
        } else {
          o.status = a.status();
        }
      } else {
        Result<Booking> b = resources_.Reject(caller, t.id, comment);
        if (b.ok()) {
          o.new_status = BookingStatusName(b->status);
        } else {
          o.status = b.status();
        }
      }
    } else {
      Result<LeaveView> v =
          approve ? leave_.Approve(caller, t.id, comment) : leave_.Reject(caller, t.id, comment);
      if (v.ok()) {
        o.new_status = LeaveStatusName(v->request.status);
      } else {
        o.status = v.status();
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace almanac::domain
