// The REST view of an event and its translation to and from iCalendar.
//
// The stored truth of an event is its iCalendar resource (a VCALENDAR with
// the master VEVENT and its overrides); the REST API reads and writes a flat
// set of fields. This unit maps between the two:
//  - EventChange: the fields a client sends (all of them on create, the ones
//    present on PATCH), applied to one VEVENT with ApplyChange.
//  - EventView: the fields read back from one VEVENT with ReadEvent.
// Times on the API are RFC 3339 with an offset ("2025-03-10T09:00:00-04:00"
// or "...Z"); all-day values are ISO dates ("2025-03-10", end exclusive, as
// DTEND;VALUE=DATE). A timed event is written DTSTART;TZID=<timezone> in its
// time zone (or in UTC when the zone is "UTC"), so recurrence follows the
// zone's wall clock across DST (RFC 5545 §3.3.10).
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "ical/model.h"
#include "ical/vtimezone.h"

namespace almanac::domain {

// A time as the API writes it: an ISO date, or an instant with the offset
// it was written with.
struct ApiTime {
  bool all_day = false;
  core::Date date;        // all_day
  core::Instant instant;  // !all_day
  int offset = 0;         // seconds east of UTC the text carried (!all_day)
};

// Parses "YYYY-MM-DD" or RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"
// (fractions are dropped; "t"/"z" accepted as RFC 3339 §5.6 allows).
// Errors: kInvalidArgument naming the value and what a valid one looks like.
Result<ApiTime> ParseApiTime(std::string_view text);
// "2025-03-10T09:00:00-04:00", or "...Z" for offset 0.
std::string FormatRfc3339(core::Instant t, int offset_seconds);
// "2025-03-10".
std::string FormatIsoDate(core::Date d);

// absent = leave as is; null = remove; value = set.
template <typename T>
using Nullable = std::optional<std::optional<T>>;

struct Attendee {
  std::string email;
  std::string name;
  std::string role = "required";       // chair | required | optional | non-participant
  std::string status = "needs-action";  // needs-action | accepted | declined | tentative | delegated
};

// The fields a client sends. On create every absent field takes its default;
// on PATCH only present fields change.
struct EventChange {
  std::optional<std::string> title;
  Nullable<std::string> location;
  Nullable<std::string> description;
  std::optional<ApiTime> start;
  std::optional<ApiTime> end;
  std::optional<std::string> timezone;  // IANA name or "UTC"
  std::optional<bool> all_day;
  Nullable<std::string> rrule;  // RFC 5545 RRULE value, without "RRULE:"
  std::optional<std::vector<ApiTime>> rdates;
  std::optional<std::vector<ApiTime>> exdates;
  std::optional<std::string> status;      // confirmed | tentative | cancelled
  std::optional<int> priority;            // 0 (undefined) .. 9
  std::optional<std::string> visibility;  // public | private | confidential
  std::optional<std::vector<Attendee>> attendees;
  std::optional<std::vector<std::string>> categories;

  bool ChangesTiming() const {
    return start || end || timezone || all_day || rrule || rdates || exdates;
  }
};

// The fields of one VEVENT as the API shows them.
struct EventView {
  std::string uid;
  std::string title;
  std::string location;
  std::string description;
  bool all_day = false;
  std::string timezone;  // IANA name, "UTC", or empty for floating
  std::string start;     // RFC 3339 or ISO date
  std::string end;
  std::string rrule;
  std::vector<std::string> rdates;
  std::vector<std::string> exdates;
  std::string status;      // lower-case, "confirmed" when absent
  int priority = 0;
  std::string visibility;  // lower-case, "public" when absent
  std::vector<Attendee> attendees;
  std::vector<std::string> categories;
  std::int64_t sequence = 0;
  std::string recurrence_id;  // for an override: the instance it replaces
};

// How a VEVENT's DTSTART is anchored; RDATE, EXDATE and RECURRENCE-ID
// values are written in the same frame.
struct TimeFrame {
  enum class Kind { kDate, kUtc, kZoned, kFloating } kind = Kind::kUtc;
  std::string tzid;                      // kZoned
  const core::TimeZone* zone = nullptr;  // kZoned; owned by a ZoneResolver or the IANA cache
};

// Reads the frame of `vevent`'s DTSTART.
// Errors: kInvalidArgument without a readable DTSTART; kNotFound for a TZID
// that neither IANA nor the calendar's VTIMEZONEs know.
Result<TimeFrame> FrameOf(const ical::Component& vevent, ical::ZoneResolver& zones);
// The frame a new event gets from its API timezone (`tz`: IANA name, "UTC";
// empty means UTC). Errors: kInvalidArgument for an unknown zone name.
Result<TimeFrame> FrameForZone(std::string_view tz, bool all_day);

// The wall-clock reading of an API time in `frame` (for kDate: midnight of the date).
// Errors: kInvalidArgument when a date is given for a timed frame or the
// other way round.
Result<core::LocalDateTime> LocalInFrame(const ApiTime& t, const TimeFrame& frame);
// The API text of a wall-clock time in `frame`.
std::string ApiTextInFrame(core::LocalDateTime local, const TimeFrame& frame);
// The instant of a wall-clock time in `frame` (floating read as UTC).
core::Instant InstantInFrame(core::LocalDateTime local, const TimeFrame& frame);

// Sets (or replaces) a DATE/DATE-TIME property such as DTSTART, RECURRENCE-ID
// in `frame`.
void SetTimeProperty(ical::Component* c, std::string_view name, core::LocalDateTime local,
                     const TimeFrame& frame);
// Reads a DATE/DATE-TIME property into `frame`'s wall clock (converting a
// value given in another zone or in UTC).
Result<core::LocalDateTime> ReadTimeProperty(const ical::Property& p, const TimeFrame& frame,
                                             ical::ZoneResolver& zones);

// Edits of a property list.
void RemoveProperties(ical::Component* c, std::string_view name);
void SetProperty(ical::Component* c, std::string_view name, std::string value);
// Replaces every property called `name` with one per value (value lists of
// RDATE/EXDATE are written one per line).
void SetTimeList(ical::Component* c, std::string_view name,
                 const std::vector<core::LocalDateTime>& values, const TimeFrame& frame);
// Every value of every `name` property in `frame`'s wall clock.
Result<std::vector<core::LocalDateTime>> ReadTimeList(const ical::Component& c,
                                                      std::string_view name,
                                                      const TimeFrame& frame,
                                                      ical::ZoneResolver& zones);

// The DTSTART and DTEND (DUE for a VTODO; or DURATION) of a component: wall
// clock in its frame, and the exact instants (an end written in UTC can lie
// in a repeated hour that the wall clock cannot name).
struct Timing {
  TimeFrame frame;
  core::LocalDateTime start;
  core::LocalDateTime end;
  core::Instant start_at;
  core::Instant end_at;
};
// Absent when the component has no DTSTART.
// Errors: kInvalidArgument for unreadable values; as FrameOf.
Result<std::optional<Timing>> ReadTiming(const ical::Component& c, ical::ZoneResolver& zones);

// Writes DTEND (or DUE) ending at `end_at`: in the frame's wall clock
// (`end`) when that names the instant, else in UTC.
void SetEndTime(ical::Component* c, std::string_view name, core::LocalDateTime end,
                core::Instant end_at, const TimeFrame& frame);

// The API text of a time that is `local` in `frame` and exactly `at`: the
// offset is the one in force at `at` (so the second 01:30 of a fall-back
// night reads -05:00, not -04:00).
std::string ApiTextAt(core::LocalDateTime local, core::Instant at, const TimeFrame& frame);

// The user making a change, as ORGANIZER: "" e-mail = unknown.
struct Organizer {
  std::string email;
  std::string name;
};

struct ApplyOptions {
  bool is_override = false;          // an occurrence: rrule/rdates/exdates are refused
  std::string default_timezone;      // for a new event without "timezone"
  core::Instant now;                 // DTSTAMP / LAST-MODIFIED
  bool creating = false;             // apply defaults for absent fields
  Organizer organizer;               // ORGANIZER of an event that gains attendees without one
};

// Applies `change` to `vevent` (a VEVENT, new or existing) and bumps
// SEQUENCE, DTSTAMP and LAST-MODIFIED (unless creating). A VEVENT that has
// attendees afterwards but no ORGANIZER gets `options.organizer` (RFC 5545
// 3.8.4.3: a group-scheduled event must name its organizer); an ORGANIZER
// already there is kept.
// Errors: kInvalidArgument naming the field: end before start, all-day with
// a timed start, an unknown time zone, an invalid RRULE (the parser's
// message), a bad status/visibility/priority/attendee e-mail, rrule on an
// occurrence, no start on create. On error `vevent` may be partly changed:
// callers apply to a copy.
Status ApplyChange(ical::Component* vevent, const EventChange& change, ical::ZoneResolver& zones,
                   const ApplyOptions& options);

// The API view of `vevent`.
// Errors: kInvalidArgument when DTSTART cannot be read.
Result<EventView> ReadEvent(const ical::Component& vevent, ical::ZoneResolver& zones);

// A wall-clock time shifted by `seconds` in `frame` (for kDate: whole days).
core::LocalDateTime Shift(core::LocalDateTime t, std::int64_t seconds);

// The first starts of a series as the event would be stored and expanded
// (the recurrence editor's preview, POST /api/v1/recurrence/preview): the
// same rule normalisation as ApplyChange and the same engine as every view.
struct RecurrencePreview {
  std::string rrule;                // normalised as it would be stored
  std::vector<std::string> starts;  // API texts in the event's zone, at most `count`
  bool more = false;                // the series goes on after the last one
};
inline constexpr int kMaxPreviewCount = 366;
// Errors: kInvalidArgument naming the field (an unknown zone, an invalid
// rrule, a date start with a time-zone... as ApplyChange; count outside
// 1-kMaxPreviewCount; a rule that produces no date).
Result<RecurrencePreview> PreviewRecurrence(const ApiTime& start, std::string_view timezone,
                                            std::string_view rrule,
                                            const std::vector<ApiTime>& exdates, int count);

}  // namespace almanac::domain
