#include "domain/resources.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "domain/access.h"
#include "domain/event_fields.h"
#include "domain/resource.h"
#include "ical/instances.h"
#include "ical/parser.h"
#include "ical/serializer.h"
#include "ical/values.h"

namespace almanac::domain {

const char* BookingStatusName(BookingStatus status) {
  switch (status) {
    case BookingStatus::kPending:
      return "pending";
    case BookingStatus::kApproved:
      return "approved";
    case BookingStatus::kRejected:
      return "rejected";
    case BookingStatus::kCancelled:
      return "cancelled";
  }
  return "cancelled";
}

std::optional<BookingStatus> BookingStatusFromName(std::string_view name) {
  for (BookingStatus s : {BookingStatus::kPending, BookingStatus::kApproved,
                          BookingStatus::kRejected, BookingStatus::kCancelled}) {
    if (name == BookingStatusName(s)) return s;
  }
  return std::nullopt;
}

namespace {

using core::Instant;

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kDay = core::kSecondsPerDay;
constexpr std::int64_t kSearchReach = 7 * kDay;       // free slots: a week each way
constexpr std::int64_t kSeriesHorizon = 366 * kDay;   // recurring event bookings
constexpr std::size_t kMaxSeriesBookings = 500;
constexpr std::size_t kMaxFollowInstances = 20'000;  // instances read to place moved bookings
constexpr std::int64_t kMaxListWindow = 400 * kDay;
constexpr std::int64_t kMaxSearchWindow = 31 * kDay;
constexpr int kMaxRuleMinutes = 525'600;  // one year

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }
Error NoResource() { return MakeError(Code::kNotFound, "no such resource"); }
Error NoBooking() { return MakeError(Code::kNotFound, "no such booking"); }

std::string Rfc3339(Instant t) { return FormatRfc3339(t, 0); }

template <typename T>
Status MapNotFound(const Result<T>& r, Error replacement) {
  if (r.ok()) return OkStatus();
  if (r.error().code == Code::kNotFound) return replacement;
  return r.status();
}

bool Contains(const std::vector<Id>& ids, Id id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool IsApprover(const Principal& p, const Resource& r) {
  if (p.role == Role::kAdmin) return true;
  if (r.approver_user_ids.empty() && !r.approver_role) return p.role == Role::kManager;
  if (Contains(r.approver_user_ids, p.user_id)) return true;
  return r.approver_role && *r.approver_role == p.role && p.role != Role::kViewer;
}

bool MayBook(const Principal& p, const Resource& r) {
  if (p.role == Role::kViewer) return false;
  if (p.role == Role::kAdmin) return true;
  if (r.booker_user_ids.empty() && r.booker_roles.empty()) return true;
  if (Contains(r.booker_user_ids, p.user_id)) return true;
  return std::find(r.booker_roles.begin(), r.booker_roles.end(), p.role) != r.booker_roles.end();
}

bool SeesBookingDetails(const Principal& p, const Resource& r, const Booking& b) {
  return b.requester_id == p.user_id || RoleAtLeast(p.role, Role::kManager) || IsApprover(p, r);
}

const core::TimeZone& ZoneOf(const Resource& r) {
  if (r.timezone.empty() || r.timezone == "UTC") return core::UtcZone();
  Result<const core::TimeZone*> z = core::FindIanaZone(r.timezone);
  return z.ok() ? **z : core::UtcZone();
}

bool ValidTypeKey(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool Overlaps(Instant a0, Instant a1, Instant b0, Instant b1) { return a0 < b1 && b0 < a1; }

std::vector<TimeSpan> Merge(std::vector<TimeSpan> spans) {
  std::sort(spans.begin(), spans.end(),
            [](const TimeSpan& a, const TimeSpan& b) { return a.start < b.start; });
  std::vector<TimeSpan> out;
  for (const TimeSpan& s : spans) {
    if (!(s.start < s.end)) continue;
    if (!out.empty() && !(out.back().end < s.start)) {
      out.back().end = std::max(out.back().end, s.end);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

// Bookable hours of `r` overlapping [from, to), clipped, merged; ignores
// availability.
std::vector<TimeSpan> HoursSpans(const Resource& r, const core::TimeZone& zone, Instant from,
                                 Instant to) {
  if (!(from < to)) return {};
  if (r.bookable_hours.empty()) return {TimeSpan{from, to}};
  std::vector<TimeSpan> spans;
  const core::Date first = zone.ToLocal(from).date();
  const core::Date last = zone.ToLocal(to).date();
  for (std::int32_t d = first.days() - 1; d <= last.days() + 1; ++d) {
    const core::Date date = core::Date::FromDays(d);
    const int weekday = static_cast<int>(date.weekday());
    for (const BookableHours& h : r.bookable_hours) {
      if (h.weekday != weekday) continue;
      const core::LocalDateTime midnight = core::LocalDateTime::FromDate(date);
      Instant s = zone.ToInstant(midnight + h.from_minute * kMinute);
      Instant e = zone.ToInstant(midnight + h.to_minute * kMinute);
      s = std::max(s, from);
      e = std::min(e, to);
      if (s < e) spans.push_back(TimeSpan{s, e});
    }
  }
  return Merge(std::move(spans));
}

bool Within(const std::vector<TimeSpan>& spans, Instant s, Instant e) {
  return std::any_of(spans.begin(), spans.end(),
                     [&](const TimeSpan& t) { return !(s < t.start) && !(t.end < e); });
}

// The highest number of `spans` covering one instant.
int MaxOverlap(std::vector<TimeSpan> spans) {
  std::vector<std::pair<std::int64_t, int>> edges;
  for (const TimeSpan& s : spans) {
    edges.emplace_back(s.start.unix_seconds(), +1);
    edges.emplace_back(s.end.unix_seconds(), -1);
  }
  std::sort(edges.begin(), edges.end());  // ends (-1) before starts (+1) at one instant
  int now = 0;
  int best = 0;
  for (const auto& [t, d] : edges) {
    now += d;
    best = std::max(best, now);
  }
  return best;
}

Instant BlockStart(const Resource& r, Instant start) {
  return start - static_cast<std::int64_t>(r.buffer_before_min) * kMinute;
}
Instant BlockEnd(const Resource& r, Instant end) {
  return end + static_cast<std::int64_t>(r.buffer_after_min) * kMinute;
}

// The rules a requested span must keep, apart from clashes: "" when kept,
// else the message.
// Without `timing`, the start's notice, horizon and past are not checked
// (a booking whose start stays put while its event is resized).
std::string RuleProblem(const Resource& r, const core::TimeZone& zone, Instant start, Instant end,
                        Instant now, bool timing = true) {
  const std::int64_t minutes = (end - start) / kMinute;
  if (r.min_duration_min > 0 && minutes < r.min_duration_min) {
    return fmt::format("bookings of {} last at least {} minutes", r.name, r.min_duration_min);
  }
  if (r.max_duration_min > 0 && end - start > r.max_duration_min * kMinute) {
    return fmt::format("bookings of {} last at most {} minutes", r.name, r.max_duration_min);
  }
  if (timing && start < now) return "the booking would start in the past";
  if (timing && start < now + static_cast<std::int64_t>(r.min_notice_min) * kMinute) {
    return fmt::format("{} needs {} minutes' notice", r.name, r.min_notice_min);
  }
  if (timing && r.horizon_days > 0 &&
      now + static_cast<std::int64_t>(r.horizon_days) * kDay < start) {
    return fmt::format("{} can be booked at most {} days ahead", r.name, r.horizon_days);
  }
  if (!Within(HoursSpans(r, zone, start, end), start, end)) {
    return fmt::format("the booking lies outside the bookable hours of {}", r.name);
  }
  return "";
}

std::string IcsTime(Instant t) {
  const core::LocalDateTime u = t.utc();
  const core::CivilDate d = u.date().civil();
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", d.year, d.month, d.day, u.hour(),
                     u.minute(), u.second());
}

std::string BookingObjectName(Id booking_id) { return fmt::format("booking-{}.ics", booking_id); }

// The VEVENT a booking shows as in its resource's calendar.
CalendarObject BookingObject(const Resource& r, const Booking& b, Instant now) {
  const std::string summary = b.title.empty() ? "Booked" : b.title;
  const std::string uid = fmt::format("booking-{}-{}@almanac", b.id, r.id);
  std::string ics;
  for (const std::string& line : std::vector<std::string>{
           "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Almanac//Resources//EN", "BEGIN:VEVENT",
           "UID:" + uid, "DTSTAMP:" + IcsTime(now), "DTSTART:" + IcsTime(b.start),
           "DTEND:" + IcsTime(b.end), "SUMMARY:" + ical::EscapeText(summary), "TRANSP:OPAQUE",
           std::string("STATUS:") +
               (b.status == BookingStatus::kApproved ? "CONFIRMED" : "TENTATIVE"),
           "END:VEVENT", "END:VCALENDAR"}) {
    ical::AppendFoldedLine(line, &ics);
  }
  CalendarObject o;
  o.org_id = r.org_id;
  o.calendar_id = r.calendar_id;
  o.uid = uid;
  o.name = BookingObjectName(b.id);
  o.etag = ETagOf(ics);
  o.ics = std::move(ics);
  o.component = "VEVENT";
  o.summary = summary;
  o.first_start = b.start.unix_seconds();
  o.last_end = b.end.unix_seconds();
  o.created_at = o.updated_at = now;
  return o;
}

Status PutBookingObject(StoreTx& tx, const Resource& r, const Booking& b, Instant now) {
  CalendarObject o = BookingObject(r, b, now);
  Result<CalendarObject> old = tx.GetObjectByName(r.org_id, r.calendar_id, o.name);
  if (!old.ok()) {
    if (old.error().code != Code::kNotFound) return old.status();
    return tx.InsertObject(o).status();
  }
  o.id = old->id;
  o.created_at = old->created_at;
  return tx.UpdateObject(o, old->etag);
}

Status DropBookingObject(StoreTx& tx, const Resource& r, Id booking_id, Instant now) {
  Result<CalendarObject> old =
      tx.GetObjectByName(r.org_id, r.calendar_id, BookingObjectName(booking_id));
  if (!old.ok()) return old.error().code == Code::kNotFound ? OkStatus() : old.status();
  return tx.DeleteObject(r.org_id, old->id, now);
}

// Display names of users, fetched once each.
class Names {
 public:
  explicit Names(StoreTx& tx, Id org_id) : tx_(tx), org_id_(org_id) {}
  std::string Of(Id user_id) {
    auto it = names_.find(user_id);
    if (it != names_.end()) return it->second;
    Result<User> u = tx_.GetUser(org_id_, user_id);
    std::string name = u.ok() ? (u->display_name.empty() ? u->username : u->display_name) : "";
    names_[user_id] = name;
    return name;
  }

 private:
  StoreTx& tx_;
  Id org_id_;
  std::map<Id, std::string> names_;
};

// `b` as `caller` sees it in a list: details (title, notes, requester) only
// when SeesBookingDetails allows; no history.
BookingView ListedView(const Principal& caller, const Resource& r, Booking b, Names& names) {
  BookingView v;
  v.resource_name = r.name;
  v.details = SeesBookingDetails(caller, r, b);
  if (v.details) v.requester_name = names.Of(b.requester_id);
  v.booking = std::move(b);
  return v;
}

// Why [start, end) cannot be booked now on `r` (empty: it can): the
// unavailability periods it meets, and the blocking bookings (other than
// `self`) that leave no unit free over its blocked span.
Result<std::vector<BookingClash>> ClashesOf(StoreTx& tx, const Principal& caller,
                                            const Resource& r, Instant start, Instant end,
                                            std::optional<Id> self, Names& names) {
  std::vector<BookingClash> out;
  for (const Unavailability& u : r.unavailability) {
    if (!Overlaps(start, end, u.from, u.to)) continue;
    BookingClash c;
    c.requested = TimeSpan{start, end};
    c.kind = "unavailable";
    c.reason = u.reason.empty() ? "unavailable" : u.reason;
    c.holder_span = TimeSpan{u.from, u.to};
    out.push_back(std::move(c));
  }
  const Instant bs = BlockStart(r, start);
  const Instant be = BlockEnd(r, end);
  ALMANAC_ASSIGN_OR_RETURN(
      std::vector<Booking> held,
      tx.ListResourceBookings(r.org_id, r.id, bs.unix_seconds(), be.unix_seconds(), true));
  if (self) {
    held.erase(std::remove_if(held.begin(), held.end(),
                              [&](const Booking& b) { return b.id == *self; }),
               held.end());
  }
  if (held.empty()) return out;
  bool full = r.units <= 1;
  if (!full) {
    std::vector<TimeSpan> spans;
    for (const Booking& b : held) {
      spans.push_back(TimeSpan{std::max(b.block_start, bs), std::min(b.block_end, be)});
    }
    full = MaxOverlap(std::move(spans)) + 1 > r.units;
  }
  if (!full) return out;
  for (const Booking& b : held) {
    BookingClash c;
    c.requested = TimeSpan{start, end};
    c.kind = "booking";
    c.holder_booking_id = b.id;
    c.holder_span = TimeSpan{b.start, b.end};
    if (SeesBookingDetails(caller, r, b)) {
      c.holder_title = b.title.empty() ? "Booked" : b.title;
      c.holder_name = names.Of(b.requester_id);
    } else {
      c.holder_title = "busy";
    }
    out.push_back(std::move(c));
  }
  return out;
}

// The free spans of `r` in [from, to) for a booking of its buffers.
Result<std::vector<TimeSpan>> FreeSpans(StoreTx& tx, const Resource& r, Instant from, Instant to) {
  // FullSpans widens each block by the buffers: a booking further away
  // cannot touch [from, to).
  const std::int64_t reach = (r.buffer_before_min + r.buffer_after_min) * kMinute;
  ALMANAC_ASSIGN_OR_RETURN(std::vector<Booking> blocking,
                           tx.ListResourceBookings(r.org_id, r.id, (from - reach).unix_seconds(),
                                                   (to + reach).unix_seconds(), true));
  std::vector<TimeSpan> bookable = BookableSpans(r, ZoneOf(r), from, to);
  return Subtract(bookable, FullSpans(blocking, r.units, r.buffer_before_min,
                                      r.buffer_after_min));
}

// The nearest free slots of the length of `want` before and after it.
Result<std::vector<TimeSpan>> NearestFree(StoreTx& tx, const Resource& r, TimeSpan want,
                                          Instant now) {
  const std::int64_t length = want.end - want.start;
  Instant from = want.start - kSearchReach;
  const Instant earliest = now + static_cast<std::int64_t>(r.min_notice_min) * kMinute;
  if (from < earliest) from = earliest;
  const Instant to = want.end + kSearchReach;
  std::vector<TimeSpan> out;
  if (!(from < to)) return out;
  ALMANAC_ASSIGN_OR_RETURN(std::vector<TimeSpan> free, FreeSpans(tx, r, from, to));
  std::optional<TimeSpan> before, after;
  for (const TimeSpan& f : free) {
    if (f.end - f.start < length) continue;
    // Latest start at or before the wanted one.
    Instant s = std::min(f.end - length, want.start);
    if (!(s < f.start) && s < want.start && (!before || before->start < s)) {
      before = TimeSpan{s, s + length};
    }
    // Earliest start after the wanted one (which itself clashes).
    const Instant a = std::max(f.start, want.start);
    if (want.start < a && !(f.end < a + length) && (!after || a < after->start)) {
      after = TimeSpan{a, a + length};
    }
  }
  if (before) out.push_back(*before);
  if (after) out.push_back(*after);
  return out;
}

Status ValidateResource(StoreTx& tx, const Resource& r) {
  if (r.name.empty() || r.name.size() > 200) return Invalid("name must be 1-200 bytes");
  if (!ValidTypeKey(r.type)) {
    return Invalid(
        "type must be room, vehicle, equipment, facilitator or another key of 1-32 of a-z, 0-9, _ "
        "and -");
  }
  if (r.description.size() > 64 * 1024) return Invalid("description is longer than 64 KiB");
  if (r.location.size() > 1000) return Invalid("location is longer than 1000 bytes");
  if (r.timezone != "UTC" && !core::FindIanaZone(r.timezone).ok()) {
    return Invalid(fmt::format("unknown time zone \"{}\"", r.timezone));
  }
  if (r.capacity < 0 || r.capacity > 100'000) return Invalid("capacity must be 0-100000");
  if (r.units < 1 || r.units > 10'000) return Invalid("units must be 1-10000");
  for (const auto& [value, field] :
       std::vector<std::pair<int, const char*>>{{r.buffer_before_min, "buffer_before_min"},
                                                {r.buffer_after_min, "buffer_after_min"},
                                                {r.min_notice_min, "min_notice_min"},
                                                {r.min_duration_min, "min_duration_min"},
                                                {r.max_duration_min, "max_duration_min"},
                                                {r.auto_release_min, "auto_release_min"}}) {
    if (value < 0 || value > kMaxRuleMinutes) {
      return Invalid(fmt::format("{} must be 0-{}", field, kMaxRuleMinutes));
    }
  }
  if (r.buffer_before_min > 1440 || r.buffer_after_min > 1440) {
    return Invalid("buffers are at most 1440 minutes");
  }
  if (r.horizon_days < 0 || r.horizon_days > 3660) return Invalid("horizon_days must be 0-3660");
  if (r.max_duration_min > 0 && r.max_duration_min < r.min_duration_min) {
    return Invalid("max_duration_min is below min_duration_min");
  }
  if (r.cost_per_use < 0 || r.cost_per_hour < 0) return Invalid("costs cannot be negative");
  if (r.bookable_hours.size() > 100) return Invalid("at most 100 bookable_hours entries");
  for (const BookableHours& h : r.bookable_hours) {
    if (h.weekday < 0 || h.weekday > 6) return Invalid("bookable_hours: weekday must be 0-6");
    if (h.from_minute < 0 || h.to_minute > 1440 || h.from_minute >= h.to_minute) {
      return Invalid("bookable_hours: need 0 <= from < to <= 24:00");
    }
  }
  if (r.unavailability.size() > 1000) return Invalid("at most 1000 unavailability periods");
  for (const Unavailability& u : r.unavailability) {
    if (!(u.from < u.to)) return Invalid("unavailability: from must be before to");
    if (u.reason.size() > 1000) return Invalid("unavailability: reason is longer than 1000 bytes");
  }
  if (r.approver_user_ids.size() > 100 || r.booker_user_ids.size() > 1000) {
    return Invalid("too many approvers or bookers");
  }
  for (const std::vector<Id>* list : {&r.approver_user_ids, &r.booker_user_ids}) {
    for (Id id : *list) {
      Result<User> u = tx.GetUser(r.org_id, id);
      if (!u.ok()) {
        if (u.error().code != Code::kNotFound) return u.status();
        return Invalid(fmt::format("no user {} in the organisation", id));
      }
    }
  }
  return OkStatus();
}

void Apply(const ResourceChange& c, Resource* r) {
  if (c.type) r->type = *c.type;
  if (c.name) r->name = *c.name;
  if (c.description) r->description = *c.description;
  if (c.location) r->location = *c.location;
  if (c.timezone) r->timezone = *c.timezone;
  if (c.capacity) r->capacity = *c.capacity;
  if (c.units) r->units = *c.units;
  if (c.available) r->available = *c.available;
  if (c.unavailability) r->unavailability = *c.unavailability;
  if (c.bookable_hours) r->bookable_hours = *c.bookable_hours;
  if (c.buffer_before_min) r->buffer_before_min = *c.buffer_before_min;
  if (c.buffer_after_min) r->buffer_after_min = *c.buffer_after_min;
  if (c.requires_approval) r->requires_approval = *c.requires_approval;
  if (c.approver_user_ids) r->approver_user_ids = *c.approver_user_ids;
  if (c.approver_role) r->approver_role = *c.approver_role;
  if (c.cost_per_use) r->cost_per_use = *c.cost_per_use;
  if (c.cost_per_hour) r->cost_per_hour = *c.cost_per_hour;
  if (c.horizon_days) r->horizon_days = *c.horizon_days;
  if (c.min_notice_min) r->min_notice_min = *c.min_notice_min;
  if (c.min_duration_min) r->min_duration_min = *c.min_duration_min;
  if (c.max_duration_min) r->max_duration_min = *c.max_duration_min;
  if (c.booker_user_ids) r->booker_user_ids = *c.booker_user_ids;
  if (c.booker_roles) r->booker_roles = *c.booker_roles;
  if (c.pending_blocks) r->pending_blocks = *c.pending_blocks;
  if (c.auto_release_min) r->auto_release_min = *c.auto_release_min;
}

// The resource for a booking write, locked on PostgreSQL first thing: the
// unit count of a multi-unit resource cannot race, and writers of one
// resource queue here instead of deadlocking later (one holding the
// booking row another's exclusion check waits for, the other the resource
// calendar's row). The exclusion constraint still guards single units.
Result<Resource> ResourceForBooking(StoreTx& tx, Id org_id, Id resource_id) {
  Result<Resource> r = tx.GetResourceForUpdate(org_id, resource_id);
  ALMANAC_RETURN_IF_ERROR(MapNotFound(r, NoResource()));
  return r;
}

Status Record(StoreTx& tx, const Booking& b, Id actor, std::string action, std::string comment,
              Instant now) {
  BookingHistoryEntry e;
  e.booking_id = b.id;
  e.actor_id = actor;
  e.action = std::move(action);
  e.status = b.status;
  e.comment = comment;
  e.at = now;
  ALMANAC_RETURN_IF_ERROR(tx.InsertBookingHistory(b.org_id, e));
  // The outbox: the requester hears of what others (or the system) did;
  // the approvers of what the requester did. Not of steps nobody waits for:
  // a request approved at once, a check-in.
  const bool automatic = (e.action == "requested" && b.status != BookingStatus::kPending) ||
                         (e.action == "approved" && actor == b.requester_id);
  if (automatic || e.action == "checked-in") return OkStatus();
  NotificationEvent n;
  n.org_id = b.org_id;
  n.kind = "booking";
  n.item_id = b.id;
  if (actor != b.requester_id) n.recipient_id = b.requester_id;
  n.actor_id = actor;
  n.action = e.action;
  n.comment = std::move(comment);
  n.at = now;
  return tx.InsertNotificationEvent(n).status();
}

// One span a Book call wants: an instance of an event, or a standalone span.
struct Wanted {
  TimeSpan span;
  // The instance's key among its event's bookings: the UTC RFC 3339 instant
  // of its RECURRENCE-ID (it stays when the instance alone is moved); ""
  // for a single event or a standalone booking.
  std::string recurrence_id;
};

std::string InstanceKey(const ical::Instance& i, bool recurring) {
  if (!recurring || !i.recurrence_id) return "";
  const Instant t = i.zone != nullptr ? i.zone->ToInstant(*i.recurrence_id)
                                      : Instant::FromUnixSeconds(i.recurrence_id->seconds());
  return Rfc3339(t);
}

// The timed instances of stored event `ev` overlapping [from, to), by
// start; at most `cap` (more are cut off). `anchor`, when not null, gets
// the master's DTSTART as written (value and TZID).
Result<std::vector<Wanted>> EventInstances(const CalendarObject& ev, Instant from, Instant to,
                                           std::size_t cap, std::string* anchor = nullptr) {
  ALMANAC_ASSIGN_OR_RETURN(ical::ParsedCalendar parsed, ical::Parse(ev.ics));
  if (parsed.components.empty()) return MakeError(Code::kInternal, "an empty stored event");
  if (anchor != nullptr) {
    anchor->clear();
    for (const ical::Component& c : parsed.components.front().components) {
      if (c.name != "VEVENT" || c.Find("RECURRENCE-ID") != nullptr) continue;
      if (const ical::Property* p = c.Find("DTSTART")) {
        *anchor = std::string(p->ParamValue("TZID").value_or("")) + ":" + p->value;
      }
      break;
    }
  }
  ical::InstanceOptions options;
  options.include_todos = false;
  options.max_instances = cap;
  ALMANAC_ASSIGN_OR_RETURN(ical::InstanceResult instances,
                           ical::ExpandInstances(parsed.components.front(), from, to, options));
  std::vector<Wanted> out;
  for (const ical::Instance& i : instances.instances) {
    if (!(i.start_instant < i.end_instant)) continue;  // all-day instants are real spans too
    out.push_back(Wanted{TimeSpan{i.start_instant, i.end_instant}, InstanceKey(i, ev.recurring)});
  }
  return out;
}

}  // namespace

// ---- pure rules --------------------------------------------------------------

std::vector<TimeSpan> BookableSpans(const Resource& r, const core::TimeZone& zone, Instant from,
                                    Instant to) {
  if (!r.available) return {};
  std::vector<TimeSpan> away;
  for (const Unavailability& u : r.unavailability) away.push_back(TimeSpan{u.from, u.to});
  return Subtract(HoursSpans(r, zone, from, to), Merge(std::move(away)));
}

std::vector<TimeSpan> FullSpans(const std::vector<Booking>& blocking, int units,
                                int buffer_before_min, int buffer_after_min) {
  std::vector<std::pair<std::int64_t, int>> edges;
  for (const Booking& b : blocking) {
    edges.emplace_back(b.block_start.unix_seconds() - buffer_after_min * kMinute, +1);
    edges.emplace_back(b.block_end.unix_seconds() + buffer_before_min * kMinute, -1);
  }
  std::sort(edges.begin(), edges.end());
  std::vector<TimeSpan> out;
  int now = 0;
  std::int64_t since = 0;
  for (const auto& [t, d] : edges) {
    const bool was_full = now >= units;
    now += d;
    const bool is_full = now >= units;
    if (!was_full && is_full) since = t;
    if (was_full && !is_full && since < t) {
      out.push_back(TimeSpan{Instant::FromUnixSeconds(since), Instant::FromUnixSeconds(t)});
    }
  }
  return Merge(std::move(out));
}

std::vector<TimeSpan> Subtract(const std::vector<TimeSpan>& spans,
                               const std::vector<TimeSpan>& minus) {
  std::vector<TimeSpan> out;
  for (TimeSpan s : spans) {
    for (const TimeSpan& m : minus) {
      if (!(m.start < s.end)) break;
      if (!(s.start < m.end)) continue;
      if (s.start < m.start) out.push_back(TimeSpan{s.start, m.start});
      s.start = m.end;
      if (!(s.start < s.end)) break;
    }
    if (s.start < s.end) out.push_back(s);
  }
  return out;
}

// ---- the service ---------------------------------------------------------------

// ---- bookings that follow their event -------------------------------------

namespace {

// Ends a booking as `status` (rejected or cancelled): it stops blocking,
// `action` and `why` go to its history and it leaves the resource calendar.
Status Withdraw(StoreTx& tx, const Resource& r, Booking& b, BookingStatus status, Id actor,
                std::string action, std::string why, Instant now) {
  b.status = status;
  b.blocking = false;
  b.updated_at = now;
  ALMANAC_RETURN_IF_ERROR(tx.UpdateBookingStatus(b));
  ALMANAC_RETURN_IF_ERROR(Record(tx, b, actor, std::move(action), std::move(why), now));
  return DropBookingObject(tx, r, b.id, now);
}

// Cancels a booking the system lets go (its event or instance is gone, or
// nobody claimed it).
Status Release(StoreTx& tx, const Resource& r, Booking b, Id actor, std::string action,
               std::string why, Instant now) {
  return Withdraw(tx, r, b, BookingStatus::kCancelled, actor, std::move(action), std::move(why),
                  now);
}

std::string DescribeClash(const BookingClash& c) {
  if (c.kind == "unavailable") return fmt::format("it is unavailable ({})", c.reason);
  if (c.kind == "rule") return c.reason;
  std::string who = c.holder_title;
  if (!c.holder_name.empty()) who += ", " + c.holder_name;
  return fmt::format("booking {} ({}) holds it from {} to {}", c.holder_booking_id.value_or(0),
                     who, Rfc3339(c.holder_span->start), Rfc3339(c.holder_span->end));
}

// Where one attached booking goes.
struct Move {
  Booking booking;  // as stored
  std::optional<Wanted> to;
  Id event_id = 0;
};

}  // namespace

Status FollowEventBookings(StoreTx& tx, const Principal& actor, Id event_id,
                           const CalendarObject* before, const CalendarObject* after,
                           const CalendarObject* split_off, Instant now) {
  ALMANAC_ASSIGN_OR_RETURN(std::vector<Booking> attached,
                           tx.ListEventBookings(actor.org_id, event_id));
  // Bookings already over stay as they were.
  std::erase_if(attached, [&](const Booking& b) { return !(now < b.end); });
  if (attached.empty()) return OkStatus();
  // Lock the resources in id order (writers of one resource queue; ResourceForBooking).
  std::map<Id, Resource> resources;
  for (const Booking& b : attached) resources.emplace(b.resource_id, Resource{});
  for (auto& [id, r] : resources) {
    ALMANAC_ASSIGN_OR_RETURN(r, ResourceForBooking(tx, actor.org_id, id));
  }
  if (after == nullptr) {
    for (Booking& b : attached) {
      ALMANAC_RETURN_IF_ERROR(Release(tx, resources[b.resource_id], std::move(b), actor.user_id,
                                      "released", "the event was deleted", now));
    }
    return OkStatus();
  }

  // The new version's instances around the bookings, by key.
  Instant lo = now, hi = now;
  for (const Booking& b : attached) {
    lo = std::min(lo, b.start);
    hi = std::max(hi, b.end);
  }
  std::string anchor_after, anchor_before;
  ALMANAC_ASSIGN_OR_RETURN(std::vector<Wanted> instances,
                           EventInstances(*after, lo - kSeriesHorizon, hi + kSeriesHorizon,
                                          kMaxFollowInstances, &anchor_after));
  std::vector<Move> moves;
  std::vector<Booking> orphans;  // their instance left this event
  if (before != nullptr && after->recurring) {
    ALMANAC_RETURN_IF_ERROR(EventInstances(*before, now, now, 1, &anchor_before).status());
  }
  if (before != nullptr && before->recurring && after->recurring &&
      anchor_before != anchor_after) {
    // The whole series moved: every RECURRENCE-ID changed with DTSTART, so
    // the n-th instance of the old series is the n-th of the new one.
    const Instant old_from = Instant::FromUnixSeconds(before->first_start);
    const Instant new_from = Instant::FromUnixSeconds(after->first_start);
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Wanted> old_list,
                             EventInstances(*before, old_from, hi + kSeriesHorizon,
                                            kMaxFollowInstances));
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Wanted> new_list,
                             EventInstances(*after, new_from,
                                            std::max(hi, new_from) + 2 * kSeriesHorizon,
                                            kMaxFollowInstances));
    std::map<std::string, std::size_t> ordinal;
    for (std::size_t i = 0; i < old_list.size(); ++i) ordinal.emplace(old_list[i].recurrence_id, i);
    for (Booking& b : attached) {
      auto it = ordinal.find(b.recurrence_id);
      if (it == ordinal.end() || it->second >= new_list.size()) {
        orphans.push_back(std::move(b));
        continue;
      }
      moves.push_back(Move{std::move(b), new_list[it->second], event_id});
    }
  } else {
    std::map<std::string, Wanted> by_key;
    for (Wanted& w : instances) by_key.emplace(w.recurrence_id, std::move(w));
    for (Booking& b : attached) {
      auto it = by_key.find(after->recurring ? b.recurrence_id : std::string());
      if (it == by_key.end()) {
        orphans.push_back(std::move(b));
        continue;
      }
      moves.push_back(Move{std::move(b), it->second, event_id});
    }
  }
  // "This and following": the new event took over the later instances, in
  // the same order.
  if (split_off != nullptr && !orphans.empty()) {
    const Instant from = Instant::FromUnixSeconds(split_off->first_start);
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Wanted> taken,
                             EventInstances(*split_off, from, from + 2 * kSeriesHorizon,
                                            orphans.size()));
    std::sort(orphans.begin(), orphans.end(), [](const Booking& a, const Booking& b) {
      return a.recurrence_id == b.recurrence_id ? a.start < b.start
                                                : a.recurrence_id < b.recurrence_id;
    });
    std::vector<Booking> left;
    for (std::size_t i = 0; i < orphans.size(); ++i) {
      if (i < taken.size()) {
        moves.push_back(Move{std::move(orphans[i]), taken[i], split_off->id});
      } else {
        left.push_back(std::move(orphans[i]));
      }
    }
    orphans = std::move(left);
  }
  for (Booking& b : orphans) {
    ALMANAC_RETURN_IF_ERROR(Release(tx, resources[b.resource_id], std::move(b), actor.user_id,
                                    "released", "the event's instance was removed", now));
  }

  // Moved bookings stop blocking first, so that they never clash with one
  // another's old spans; then each is checked and placed in turn.
  auto moved = [](const Move& m) {
    return m.to->span.start != m.booking.start || m.to->span.end != m.booking.end;
  };
  for (Move& m : moves) {
    if (!moved(m) || !m.booking.blocking) continue;
    Booking quiet = m.booking;
    quiet.blocking = false;
    ALMANAC_RETURN_IF_ERROR(tx.UpdateBooking(quiet));
  }
  Names names(tx, actor.org_id);
  for (Move& m : moves) {
    const Resource& r = resources[m.booking.resource_id];
    Booking b = m.booking;
    b.event_id = m.event_id;
    b.recurrence_id = m.to->recurrence_id;
    b.updated_at = now;
    if (!moved(m)) {
      if (b.event_id == m.booking.event_id && b.recurrence_id == m.booking.recurrence_id) continue;
      ALMANAC_RETURN_IF_ERROR(tx.UpdateBooking(b));
      continue;
    }
    const TimeSpan to = m.to->span;
    const bool same_start = to.start == m.booking.start;
    std::string problem = RuleProblem(r, ZoneOf(r), to.start, to.end, now, !same_start);
    if (problem.empty()) {
      ALMANAC_ASSIGN_OR_RETURN(std::vector<BookingClash> clashes,
                               ClashesOf(tx, actor, r, to.start, to.end, b.id, names));
      if (!clashes.empty()) problem = DescribeClash(clashes.front());
    }
    if (!problem.empty()) {
      return MakeError(Code::kConflict,
                       fmt::format("the event's booking of {} cannot move to {} - {}: {}", r.name,
                                   Rfc3339(to.start), Rfc3339(to.end), problem));
    }
    b.start = to.start;
    b.end = to.end;
    b.block_start = BlockStart(r, b.start);
    b.block_end = BlockEnd(r, b.end);
    std::string comment = fmt::format("moved with its event from {} - {}",
                                      Rfc3339(m.booking.start), Rfc3339(m.booking.end));
    if (r.requires_approval && b.status == BookingStatus::kApproved) {
      b.status = BookingStatus::kPending;  // a new time needs a new yes
      comment += "; needs approval again";
    }
    b.blocking = b.status == BookingStatus::kApproved || r.pending_blocks;
    ALMANAC_RETURN_IF_ERROR(tx.UpdateBooking(b));
    ALMANAC_RETURN_IF_ERROR(Record(tx, b, actor.user_id, "moved", comment, now));
    ALMANAC_RETURN_IF_ERROR(PutBookingObject(tx, r, b, now));
  }
  return OkStatus();
}

Status ReleaseCalendarBookings(StoreTx& tx, const Principal& actor, Id calendar_id,
                               Instant now) {
  ALMANAC_ASSIGN_OR_RETURN(std::vector<Booking> attached,
                           tx.ListCalendarEventBookings(actor.org_id, calendar_id));
  std::map<Id, Resource> resources;
  for (const Booking& b : attached) resources.emplace(b.resource_id, Resource{});
  for (auto& [id, r] : resources) {
    ALMANAC_ASSIGN_OR_RETURN(r, ResourceForBooking(tx, actor.org_id, id));
  }
  for (Booking& b : attached) {
    if (!(now < b.end)) continue;
    ALMANAC_RETURN_IF_ERROR(Release(tx, resources[b.resource_id], std::move(b), actor.user_id,
                                    "released", "the event's calendar was deleted", now));
  }
  return OkStatus();
}

ResourceService::ResourceService(Store& store, const core::Clock& clock)
    : store_(store), clock_(clock) {}

Result<std::shared_ptr<const std::vector<Resource>>> ResourceService::AllResources(StoreTx& tx,
                                                                                  Id org_id) {
  ALMANAC_ASSIGN_OR_RETURN(std::int64_t version, tx.ResourcesVersion(org_id));
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(org_id);
    if (it != cache_.end() && it->second.version == version) return it->second.list;
  }
  ALMANAC_ASSIGN_OR_RETURN(std::vector<Resource> list, tx.ListResources(org_id));
  auto shared = std::make_shared<const std::vector<Resource>>(std::move(list));
  std::lock_guard<std::mutex> lock(cache_mu_);
  CachedResources& c = cache_[org_id];
  // A reader on an older snapshot must not replace a newer list.
  if (version >= c.version) c = CachedResources{version, shared};
  return shared;
}

Result<std::vector<Resource>> ResourceService::List(const Principal& caller) {
  std::vector<Resource> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<Resource>> all,
                             AllResources(tx, caller.org_id));
    out = *all;
    return OkStatus();
  }));
  return out;
}

Result<Resource> ResourceService::Get(const Principal& caller, Id resource_id) {
  Resource out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    Result<Resource> r = tx.GetResource(caller.org_id, resource_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(r, NoResource()));
    out = std::move(r).value();
    return OkStatus();
  }));
  return out;
}

Result<Resource> ResourceService::Create(const Principal& caller, const ResourceChange& change) {
  if (caller.role != Role::kAdmin) {
    return MakeError(Code::kPermissionDenied, "only admins create resources");
  }
  Resource r;
  r.org_id = caller.org_id;
  Apply(change, &r);
  r.created_at = r.updated_at = clock_.Now();
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_RETURN_IF_ERROR(ValidateResource(tx, r));
    Calendar c;
    c.org_id = caller.org_id;
    c.name = r.name;
    c.module = std::string(kResourceCalendarModule);
    c.timezone = r.timezone;
    c.description = fmt::format("Bookings of the {} {}", r.type, r.name);
    c.components = {"VEVENT"};
    c.created_at = c.updated_at = r.created_at;
    ALMANAC_ASSIGN_OR_RETURN(r.calendar_id, tx.InsertCalendar(c));
    ALMANAC_ASSIGN_OR_RETURN(r.id, tx.InsertResource(r));
    return OkStatus();
  }));
  return Get(caller, r.id);
}

Result<Resource> ResourceService::Update(const Principal& caller, Id resource_id,
                                         const ResourceChange& change) {
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    Result<Resource> found = tx.GetResourceForUpdate(caller.org_id, resource_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(found, NoResource()));
    if (caller.role != Role::kAdmin) {
      return MakeError(Code::kPermissionDenied, "only admins change resources");
    }
    Resource r = std::move(found).value();
    const std::string old_name = r.name;
    Apply(change, &r);
    r.updated_at = clock_.Now();
    ALMANAC_RETURN_IF_ERROR(ValidateResource(tx, r));
    ALMANAC_RETURN_IF_ERROR(tx.UpdateResource(r));
    // Fewer units, or pending requests that block now, must still fit.
    ALMANAC_ASSIGN_OR_RETURN(
        std::vector<Booking> blocking,
        tx.ListResourceBookings(r.org_id, r.id, clock_.Now().unix_seconds() - 366 * kDay,
                                kUnboundedEnd, true));
    std::vector<TimeSpan> spans;
    for (const Booking& b : blocking) spans.push_back(TimeSpan{b.block_start, b.block_end});
    if (MaxOverlap(std::move(spans)) > r.units) {
      return MakeError(Code::kConflict,
                       "existing bookings would overlap: cancel some before reducing units or "
                       "letting pending requests block");
    }
    if (r.name != old_name || change.timezone) {
      ALMANAC_ASSIGN_OR_RETURN(Calendar c, tx.GetCalendar(r.org_id, r.calendar_id));
      c.name = r.name;
      c.timezone = r.timezone;
      c.updated_at = r.updated_at;
      ALMANAC_RETURN_IF_ERROR(tx.UpdateCalendar(c));
    }
    return OkStatus();
  }));
  return Get(caller, resource_id);
}

Status ResourceService::Delete(const Principal& caller, Id resource_id) {
  return store_.Write([&](StoreTx& tx) -> Status {
    Result<Resource> r = tx.GetResource(caller.org_id, resource_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(r, NoResource()));
    if (caller.role != Role::kAdmin) {
      return MakeError(Code::kPermissionDenied, "only admins delete resources");
    }
    ALMANAC_RETURN_IF_ERROR(tx.DeleteResource(caller.org_id, resource_id));
    return tx.DeleteCalendar(caller.org_id, r->calendar_id);
  });
}

Result<BookingCreated> ResourceService::Book(const Principal& caller,
                                             const BookingRequest& request,
                                             BookingConflict* conflict) {
  if (request.title.size() > 1024) return Invalid("title is longer than 1024 bytes");
  if (request.notes.size() > 64 * 1024) return Invalid("notes are longer than 64 KiB");
  if (request.event_id) {
    if (request.start || request.end) {
      return Invalid("a booking for an event takes its times from the event: leave out start and end");
    }
  } else {
    if (!request.start || !request.end) return Invalid("start and end are required");
    if (!(*request.start < *request.end)) return Invalid("end must be after start");
    if (*request.end - *request.start > 366 * kDay) return Invalid("a booking lasts at most 366 days");
  }
  const Instant now = clock_.Now();
  BookingCreated out;
  std::vector<BookingClash> clashes;
  std::optional<TimeSpan> first_clash;
  Status s = store_.Write([&](StoreTx& tx) -> Status {
    out = BookingCreated{};
    clashes.clear();
    first_clash.reset();
    ALMANAC_ASSIGN_OR_RETURN(Resource r, ResourceForBooking(tx, caller.org_id, request.resource_id));
    if (!MayBook(caller, r)) {
      return MakeError(Code::kPermissionDenied,
                       fmt::format("you may not book {}", r.name));
    }
    if (!r.available) {
      return Invalid(fmt::format("{} is not available for booking", r.name));
    }
    const core::TimeZone& zone = ZoneOf(r);
    std::vector<Wanted> wanted;
    std::string title = request.title;
    if (request.event_id) {
      Result<CalendarObject> ev = tx.GetObject(caller.org_id, *request.event_id);
      ALMANAC_RETURN_IF_ERROR(MapNotFound(ev, MakeError(Code::kNotFound, "no such event")));
      ALMANAC_ASSIGN_OR_RETURN(Calendar cal, tx.GetCalendar(caller.org_id, ev->calendar_id));
      const Access access = CalendarAccess(caller, cal);
      if (access < Access::kRead) return MakeError(Code::kNotFound, "no such event");
      if (access < Access::kWrite) {
        return MakeError(Code::kPermissionDenied, "booking for an event needs write access to it");
      }
      if (title.empty()) title = ev->summary;
      // A year of instances from the first that is still ahead.
      const Instant series_from = std::max(now, Instant::FromUnixSeconds(ev->first_start));
      ALMANAC_ASSIGN_OR_RETURN(wanted, EventInstances(*ev, series_from,
                                                      series_from + kSeriesHorizon,
                                                      kMaxSeriesBookings + 1));
      if (wanted.size() > kMaxSeriesBookings) {
        return MakeError(Code::kResourceExhausted,
                         fmt::format("at most {} instances can be booked at once",
                                     kMaxSeriesBookings));
      }
      if (wanted.empty()) {
        return Invalid("the event has no timed instance ahead to book");
      }
    } else {
      wanted.push_back(Wanted{TimeSpan{*request.start, *request.end}, ""});
    }
    const bool single = !request.event_id || (wanted.size() == 1 && wanted[0].recurrence_id.empty());
    Names names(tx, caller.org_id);
    std::optional<Id> group;
    for (const Wanted& w : wanted) {
      const std::string problem = RuleProblem(r, zone, w.span.start, w.span.end, now);
      if (!problem.empty() && single) return Invalid(problem);
      std::vector<BookingClash> found;
      if (!problem.empty()) {
        BookingClash c;
        c.requested = w.span;
        c.kind = "rule";
        c.reason = problem;
        found.push_back(std::move(c));
      } else {
        ALMANAC_ASSIGN_OR_RETURN(found,
                                 ClashesOf(tx, caller, r, w.span.start, w.span.end, std::nullopt,
                                           names));
      }
      if (!found.empty()) {
        if (!first_clash) first_clash = w.span;
        for (BookingClash& c : found) {
          c.recurrence_id = w.recurrence_id;
          clashes.push_back(c);
          if (!single) break;  // one entry per instance: its first holder
        }
        continue;
      }
      if (!clashes.empty() && request.on_conflict == OnConflict::kFail) continue;  // report all
      Booking b;
      b.org_id = caller.org_id;
      b.resource_id = r.id;
      b.group_id = group;
      b.event_id = request.event_id;
      b.recurrence_id = w.recurrence_id;
      b.title = title;
      b.notes = request.notes;
      b.requester_id = caller.user_id;
      b.status = r.requires_approval ? BookingStatus::kPending : BookingStatus::kApproved;
      b.blocking = b.status == BookingStatus::kApproved || r.pending_blocks;
      b.start = w.span.start;
      b.end = w.span.end;
      b.block_start = BlockStart(r, b.start);
      b.block_end = BlockEnd(r, b.end);
      b.created_at = b.updated_at = now;
      ALMANAC_ASSIGN_OR_RETURN(b.id, tx.InsertBooking(b, r.units));
      if (request.event_id && !single && !group) {
        group = b.id;
        b.group_id = group;
        ALMANAC_RETURN_IF_ERROR(tx.UpdateBookingStatus(b));
      }
      ALMANAC_RETURN_IF_ERROR(Record(tx, b, caller.user_id, "requested", "", now));
      if (b.status == BookingStatus::kApproved) {
        ALMANAC_RETURN_IF_ERROR(Record(tx, b, caller.user_id, "approved",
                                       "no approval needed", now));
      }
      ALMANAC_RETURN_IF_ERROR(PutBookingObject(tx, r, b, now));
      out.bookings.push_back(std::move(b));
    }
    out.group_id = group;
    if (!clashes.empty()) {
      if (request.on_conflict == OnConflict::kFail || out.bookings.empty()) {
        return MakeError(Code::kConflict,
                         single ? fmt::format("{} is not free then", r.name)
                                : fmt::format("{} of {} instances clash", clashes.size(),
                                              wanted.size()));
      }
      out.skipped = clashes;
    }
    return OkStatus();
  });
  if (s.ok()) return out;
  if (s.code() != Code::kConflict) return s.error();
  // A clash: say with whom (again, when the database's constraint caught a
  // race the check above could not see) and where there is room.
  Error error = s.error();
  if (conflict != nullptr) {
    *conflict = BookingConflict{};
    Status read = store_.Read([&](StoreTx& tx) -> Status {
      ALMANAC_ASSIGN_OR_RETURN(Resource r, tx.GetResource(caller.org_id, request.resource_id));
      Names names(tx, caller.org_id);
      if (clashes.empty() && request.start && request.end) {
        ALMANAC_ASSIGN_OR_RETURN(clashes, ClashesOf(tx, caller, r, *request.start, *request.end,
                                                    std::nullopt, names));
        first_clash = TimeSpan{*request.start, *request.end};
      }
      conflict->clashes = clashes;
      if (first_clash) {
        ALMANAC_ASSIGN_OR_RETURN(conflict->free_slots, NearestFree(tx, r, *first_clash, now));
      }
      return OkStatus();
    });
    if (!read.ok()) return read.error();
  }
  error.detail.clear();
  if (error.message.find("constraint") != std::string::npos) {
    error.message = "the resource is not free then (booked concurrently)";
  }
  return error;
}

Result<BookingView> ResourceService::GetBooking(const Principal& caller, Id booking_id) {
  BookingView out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    Result<Booking> b = tx.GetBooking(caller.org_id, booking_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(b, NoBooking()));
    ALMANAC_ASSIGN_OR_RETURN(Resource r, tx.GetResource(caller.org_id, b->resource_id));
    out.booking = std::move(b).value();
    out.resource_name = r.name;
    out.details = SeesBookingDetails(caller, r, out.booking);
    if (out.details) {
      Names names(tx, caller.org_id);
      out.requester_name = names.Of(out.booking.requester_id);
      ALMANAC_ASSIGN_OR_RETURN(out.history, tx.ListBookingHistory(caller.org_id, booking_id));
    }
    return OkStatus();
  }));
  return out;
}

Result<Approved> ResourceService::Approve(const Principal& caller, Id booking_id,
                                          const ApproveOptions& options) {
  if (options.comment.size() > 4096) return Invalid("comment is longer than 4096 bytes");
  const Instant now = clock_.Now();
  Approved out;
  Status s = store_.Write([&](StoreTx& tx) -> Status {
    out = Approved{};
    Result<Booking> found = tx.GetBooking(caller.org_id, booking_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(found, NoBooking()));
    Booking b = std::move(found).value();
    ALMANAC_ASSIGN_OR_RETURN(Resource r, ResourceForBooking(tx, caller.org_id, b.resource_id));
    if (!IsApprover(caller, r)) {
      return MakeError(Code::kPermissionDenied,
                       fmt::format("you are not an approver of {}", r.name));
    }
    if (b.status != BookingStatus::kPending) {
      return MakeError(Code::kFailedPrecondition,
                       fmt::format("the booking is {}, not pending", BookingStatusName(b.status)));
    }
    Names names(tx, caller.org_id);
    if (!b.blocking) {
      ALMANAC_ASSIGN_OR_RETURN(std::vector<BookingClash> clashes,
                               ClashesOf(tx, caller, r, b.start, b.end, b.id, names));
      // Unavailability added after the request does not stop an approver.
      const bool held = std::any_of(clashes.begin(), clashes.end(),
                                    [](const BookingClash& c) { return c.kind == "booking"; });
      if (held) {
        return MakeError(Code::kConflict,
                         "the booking no longer fits: another booking holds the slot");
      }
    }
    b.status = BookingStatus::kApproved;
    b.blocking = true;
    b.updated_at = now;
    ALMANAC_RETURN_IF_ERROR(tx.UpdateBookingStatus(b));
    ALMANAC_RETURN_IF_ERROR(Record(tx, b, caller.user_id, "approved", options.comment, now));
    ALMANAC_RETURN_IF_ERROR(PutBookingObject(tx, r, b, now));
    if (options.reject_conflicting) {
      ALMANAC_ASSIGN_OR_RETURN(std::vector<Booking> around,
                               tx.ListResourceBookings(r.org_id, r.id,
                                                       b.block_start.unix_seconds(),
                                                       b.block_end.unix_seconds(), false));
      for (Booking& p : around) {
        if (p.id == b.id || p.status != BookingStatus::kPending) continue;
        ALMANAC_ASSIGN_OR_RETURN(std::vector<BookingClash> clashes,
                                 ClashesOf(tx, caller, r, p.start, p.end, p.id, names));
        const bool held = std::any_of(clashes.begin(), clashes.end(),
                                      [](const BookingClash& c) { return c.kind == "booking"; });
        if (!held) continue;
        ALMANAC_RETURN_IF_ERROR(Withdraw(
            tx, r, p, BookingStatus::kRejected, caller.user_id, "auto-rejected",
            fmt::format("clashes with booking {}, approved at {}", b.id, Rfc3339(now)), now));
        out.auto_rejected.push_back(p.id);
      }
    }
    out.booking = std::move(b);
    return OkStatus();
  });
  if (!s.ok()) {
    Error e = s.error();
    if (e.code == Code::kConflict && e.message.find("constraint") != std::string::npos) {
      e.message = "the booking no longer fits: another booking holds the slot";
      e.detail.clear();
    }
    return e;
  }
  return out;
}

Result<Booking> ResourceService::Reject(const Principal& caller, Id booking_id,
                                        const std::string& comment) {
  if (comment.size() > 4096) return Invalid("comment is longer than 4096 bytes");
  const Instant now = clock_.Now();
  Booking out;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    Result<Booking> found = tx.GetBooking(caller.org_id, booking_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(found, NoBooking()));
    Booking b = std::move(found).value();
    ALMANAC_ASSIGN_OR_RETURN(Resource r, tx.GetResource(caller.org_id, b.resource_id));
    if (!IsApprover(caller, r)) {
      return MakeError(Code::kPermissionDenied,
                       fmt::format("you are not an approver of {}", r.name));
    }
    if (b.status != BookingStatus::kPending) {
      return MakeError(Code::kFailedPrecondition,
                       fmt::format("the booking is {}, not pending", BookingStatusName(b.status)));
    }
    ALMANAC_RETURN_IF_ERROR(
        Withdraw(tx, r, b, BookingStatus::kRejected, caller.user_id, "rejected", comment, now));
    out = std::move(b);
    return OkStatus();
  }));
  return out;
}

Result<Booking> ResourceService::Cancel(const Principal& caller, Id booking_id,
                                        const std::string& comment) {
  if (comment.size() > 4096) return Invalid("comment is longer than 4096 bytes");
  const Instant now = clock_.Now();
  Booking out;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    Result<Booking> found = tx.GetBooking(caller.org_id, booking_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(found, NoBooking()));
    Booking b = std::move(found).value();
    ALMANAC_ASSIGN_OR_RETURN(Resource r, tx.GetResource(caller.org_id, b.resource_id));
    if (b.requester_id != caller.user_id && caller.role != Role::kAdmin) {
      return MakeError(Code::kPermissionDenied, "only the requester or an admin can cancel");
    }
    if (b.status != BookingStatus::kPending && b.status != BookingStatus::kApproved) {
      return MakeError(Code::kFailedPrecondition,
                       fmt::format("the booking is {} already", BookingStatusName(b.status)));
    }
    ALMANAC_RETURN_IF_ERROR(
        Withdraw(tx, r, b, BookingStatus::kCancelled, caller.user_id, "cancelled", comment, now));
    out = std::move(b);
    return OkStatus();
  }));
  return out;
}

Result<Booking> ResourceService::CheckIn(const Principal& caller, Id booking_id) {
  const Instant now = clock_.Now();
  Booking out;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    Result<Booking> found = tx.GetBooking(caller.org_id, booking_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(found, NoBooking()));
    Booking b = std::move(found).value();
    ALMANAC_ASSIGN_OR_RETURN(Resource r, tx.GetResource(caller.org_id, b.resource_id));
    if (b.requester_id != caller.user_id && caller.role != Role::kAdmin) {
      return MakeError(Code::kPermissionDenied, "only the requester or an admin can check in");
    }
    if (b.status != BookingStatus::kApproved) {
      return MakeError(Code::kFailedPrecondition,
                       fmt::format("the booking is {}, not approved", BookingStatusName(b.status)));
    }
    if (b.checked_in_at) {
      return MakeError(Code::kFailedPrecondition,
                       fmt::format("checked in already at {}", Rfc3339(*b.checked_in_at)));
    }
    const Instant opens =
        b.start - std::max<std::int64_t>(15 * kMinute, r.buffer_before_min * kMinute);
    if (now < opens || !(now < b.end)) {
      return MakeError(Code::kFailedPrecondition,
                       fmt::format("check-in is open from {} until {}", Rfc3339(opens),
                                   Rfc3339(b.end)));
    }
    b.checked_in_at = now;
    b.updated_at = now;
    ALMANAC_RETURN_IF_ERROR(tx.UpdateBooking(b));
    ALMANAC_RETURN_IF_ERROR(Record(tx, b, caller.user_id, "checked-in", "", now));
    out = std::move(b);
    return OkStatus();
  }));
  return out;
}

Result<int> ResourceService::ReleaseUnclaimed(int limit) {
  const Instant now = clock_.Now();
  int released = 0;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    released = 0;
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Booking> unclaimed,
                             tx.ListUnclaimedBookings(now.unix_seconds(), limit));
    for (Booking& b : unclaimed) {
      ALMANAC_ASSIGN_OR_RETURN(Resource r, ResourceForBooking(tx, b.org_id, b.resource_id));
      ALMANAC_RETURN_IF_ERROR(Release(
          tx, r, std::move(b), 0, "auto-released",
          fmt::format("nobody checked in within {} minutes of the start", r.auto_release_min),
          now));
      ++released;
    }
    return OkStatus();
  }));
  return released;
}

Result<std::vector<BookingView>> ResourceService::ListBookings(const Principal& caller,
                                                               Id resource_id, Instant from,
                                                               Instant to) {
  if (!(from < to)) return Invalid("to must be after from");
  if (to - from > kMaxListWindow) return Invalid("the window is longer than 400 days");
  std::vector<BookingView> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    out.clear();
    Result<Resource> r = tx.GetResource(caller.org_id, resource_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(r, NoResource()));
    ALMANAC_ASSIGN_OR_RETURN(
        std::vector<Booking> all,
        tx.ListResourceBookings(caller.org_id, resource_id,
                                (from - 2 * kDay).unix_seconds(), (to + 2 * kDay).unix_seconds(),
                                false));
    Names names(tx, caller.org_id);
    for (Booking& b : all) {
      if (!Overlaps(b.start, b.end, from, to)) continue;
      out.push_back(ListedView(caller, *r, std::move(b), names));
    }
    return OkStatus();
  }));
  return out;
}

Result<std::vector<TimeSpan>> ResourceService::Availability(const Principal& caller,
                                                            Id resource_id, Instant from,
                                                            Instant to) {
  if (!(from < to)) return Invalid("to must be after from");
  if (to - from > kMaxListWindow) return Invalid("the window is longer than 400 days");
  std::vector<TimeSpan> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    Result<Resource> r = tx.GetResource(caller.org_id, resource_id);
    ALMANAC_RETURN_IF_ERROR(MapNotFound(r, NoResource()));
    ALMANAC_ASSIGN_OR_RETURN(out, FreeSpans(tx, *r, from, to));
    return OkStatus();
  }));
  return out;
}

Result<std::vector<Resource>> ResourceService::Search(const Principal& caller,
                                                      const ResourceSearch& search) {
  ALMANAC_ASSIGN_OR_RETURN(Selection found, SearchShared(caller, search));
  std::vector<Resource> out;
  out.reserve(found.picked.size());
  for (std::size_t i : found.picked) out.push_back((*found.all)[i]);
  return out;
}

Result<ResourceService::Selection> ResourceService::SearchShared(const Principal& caller,
                                                                 const ResourceSearch& search) {
  if (search.free) {
    if (!(search.free->start < search.free->end)) return Invalid("to must be after from");
    if (search.free->end - search.free->start > kMaxSearchWindow) {
      return Invalid("the window is longer than 31 days");
    }
  }
  if (search.min_capacity < 0) return Invalid("min_capacity cannot be negative");
  std::string needle = search.location;
  std::transform(needle.begin(), needle.end(), needle.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  Selection out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    out.picked.clear();
    ALMANAC_ASSIGN_OR_RETURN(out.all, AllResources(tx, caller.org_id));
    const std::vector<Resource>& all = *out.all;
    std::vector<Id> ids;
    std::vector<std::vector<TimeSpan>> bookable;  // per pick, with a window
    std::int64_t reach = 0;  // FreeSpans' reach, for the widest buffers
    for (std::size_t i = 0; i < all.size(); ++i) {
      const Resource& r = all[i];
      if (!search.type.empty() && r.type != search.type) continue;
      if (r.capacity < search.min_capacity) continue;
      if (!needle.empty()) {
        std::string loc = r.location;
        std::transform(loc.begin(), loc.end(), loc.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (loc.find(needle) == std::string::npos) continue;
      }
      if (search.free) {
        // Closed then (hours, unavailability): no need to read its bookings.
        std::vector<TimeSpan> open =
            BookableSpans(r, ZoneOf(r), search.free->start, search.free->end);
        if (!Within(open, search.free->start, search.free->end)) continue;
        bookable.push_back(std::move(open));
      }
      reach = std::max<std::int64_t>(reach, (r.buffer_before_min + r.buffer_after_min) * kMinute);
      ids.push_back(r.id);
      out.picked.push_back(i);
    }
    if (!search.free || out.picked.empty()) return OkStatus();
    // Free for the whole window: the blocking bookings of every candidate
    // in one query, then FreeSpans' rule per resource.
    const TimeSpan w = *search.free;
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Booking> blocking,
                             tx.ListBookingsOfResources(caller.org_id, ids,
                                                        (w.start - reach).unix_seconds(),
                                                        (w.end + reach).unix_seconds(), true));
    std::map<Id, std::vector<Booking>> by_resource;
    for (Booking& b : blocking) by_resource[b.resource_id].push_back(std::move(b));
    std::vector<std::size_t> free_ones;
    for (std::size_t k = 0; k < out.picked.size(); ++k) {
      const Resource& r = all[out.picked[k]];
      auto held = by_resource.find(r.id);
      if (held == by_resource.end()) {
        free_ones.push_back(out.picked[k]);  // open for the whole window, nothing booked
        continue;
      }
      const std::vector<TimeSpan> free =
          Subtract(bookable[k],
                   FullSpans(held->second, r.units, r.buffer_before_min, r.buffer_after_min));
      if (Within(free, w.start, w.end)) free_ones.push_back(out.picked[k]);
    }
    out.picked = std::move(free_ones);
    return OkStatus();
  }));
  return out;
}

Result<std::vector<BookingView>> ResourceService::EventBookings(const Principal& caller,
                                                               Id event_id) {
  std::vector<BookingView> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    out.clear();
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Booking> list,
                             tx.ListEventBookings(caller.org_id, event_id));
    if (list.empty()) return OkStatus();
    ALMANAC_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<Resource>> all,
                             AllResources(tx, caller.org_id));
    std::map<Id, const Resource*> by_id;
    for (const Resource& r : *all) by_id[r.id] = &r;
    Names names(tx, caller.org_id);
    for (Booking& b : list) {
      auto r = by_id.find(b.resource_id);
      if (r == by_id.end()) continue;
      out.push_back(ListedView(caller, *r->second, std::move(b), names));
    }
    return OkStatus();
  }));
  return out;
}

Result<std::vector<BookingView>> ResourceService::PendingApprovals(const Principal& caller) {
  std::vector<BookingView> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    out.clear();
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Booking> pending,
                             tx.ListBookingsWithStatus(caller.org_id, BookingStatus::kPending));
    std::map<Id, std::optional<Resource>> resources;
    Names names(tx, caller.org_id);
    for (Booking& b : pending) {
      auto it = resources.find(b.resource_id);
      if (it == resources.end()) {
        Result<Resource> r = tx.GetResource(caller.org_id, b.resource_id);
        it = resources.emplace(b.resource_id, r.ok() ? std::optional<Resource>(*r) : std::nullopt)
                 .first;
      }
      if (!it->second || !IsApprover(caller, *it->second)) continue;
      BookingView v;
      v.details = true;
      v.resource_name = it->second->name;
      v.requester_name = names.Of(b.requester_id);
      v.booking = std::move(b);
      out.push_back(std::move(v));
    }
    return OkStatus();
  }));
  return out;
}

}  // namespace almanac::domain
