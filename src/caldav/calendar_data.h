// The CALDAV:calendar-data element of a calendaring REPORT (RFC 4791 §9.6):
// which parts of each calendar object to return, and the iCalendar text
// that results (partial retrieval §9.6.1-4, expand §9.6.5,
// limit-recurrence-set §9.6.6, limit-freebusy-set §9.6.7).
//
// Thread safety: pure functions over values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "caldav/filter.h"
#include "caldav/xml.h"
#include "core/result.h"
#include "core/time_zone.h"
#include "ical/model.h"

namespace almanac::caldav {

// <C:prop name="..." novalue="yes|no"/>.
struct PropSelection {
  std::string name;  // upper-cased
  bool novalue = false;
  bool operator==(const PropSelection&) const = default;
};

// <C:comp name="..."> with (allprop | prop*) and (allcomp | comp*). A comp
// that lists no prop (and no allprop) keeps every property, one that lists
// no comp (and no allcomp) keeps every sub-component, as in the RFC 4791
// §7.8.1 example where <C:comp name="VTIMEZONE"/> returns whole VTIMEZONEs.
struct CompSelection {
  std::string name;  // upper-cased
  bool all_props = true;
  std::vector<PropSelection> props;  // when !all_props
  bool all_comps = true;
  std::vector<CompSelection> comps;  // when !all_comps
  bool operator==(const CompSelection&) const = default;
};

struct CalendarDataRequest {
  std::optional<CompSelection> comp;              // absent: the whole object
  std::optional<TimeRange> expand;                // both ends set
  std::optional<TimeRange> limit_recurrence_set;  // both ends set
  std::optional<TimeRange> limit_freebusy_set;    // both ends set
  bool operator==(const CalendarDataRequest&) const = default;
};

// Parses a <C:calendar-data> element of a REPORT request (an empty one asks
// for the whole object). Elements of other namespaces are ignored.
// Errors:
//  - kUnimplemented (CALDAV:supported-calendar-data): content-type other
//    than text/calendar (parameters such as charset are ignored) or version
//    other than 2.0.
//  - kInvalidArgument: the top comp is not VCALENDAR; a comp or prop
//    without a name; allprop together with prop, allcomp together with comp;
//    novalue other than "yes"/"no"; expand and limit-recurrence-set
//    together; a repeated or malformed expand / limit-recurrence-set /
//    limit-freebusy-set (both start and end are required, UTC, end > start;
//    see ParseTimeRange); an unknown element in the CalDAV namespace.
Result<CalendarDataRequest> ParseCalendarData(const XmlElement& calendar_data);

// True when RenderCalendarData would return the object unchanged, so the
// caller may send the stored text as is.
bool IsIdentity(const CalendarDataRequest& request);

struct RenderOptions {
  // As MatchOptions::default_zone: floating times and DATEs of the object
  // are read in this zone (the calendar's time zone); null reads them as UTC.
  const core::TimeZone* default_zone = nullptr;
  // Cap on the instances of one recurring component that expand produces.
  std::size_t max_occurrences = 10'000;
};

// The iCalendar text (CRLF, folded) of `vcalendar`, one stored calendar
// object resource, as `request` asks, applied in this order:
//  1. expand (§9.6.5): every VEVENT/VTODO instance overlapping the range
//     under the §9.9 rules (see InstanceOverlaps) becomes its own component,
//     in instance order: the master's or override's properties and
//     sub-components without RRULE, RDATE, EXDATE and EXRULE; DTSTART,
//     DTEND (when present) and DUE (when present) set to the instance's
//     times in UTC ("...Z"); RECURRENCE-ID (for recurring components) set to
//     the instance's original start in UTC without RANGE. All-day instances
//     keep VALUE=DATE values, which have no zone to convert. VTIMEZONEs are
//     dropped; other components (VJOURNAL, VFREEBUSY, ...) are kept as
//     they are.
//  2. limit-recurrence-set (§9.6.6): masters are kept; an override only
//     when its instance overlaps the range, its RECURRENCE-ID lies in the
//     range, or it has RANGE=THISANDFUTURE and starts before the range ends.
//  3. limit-freebusy-set (§9.6.7): in VFREEBUSY components only the
//     FREEBUSY periods overlapping the range are kept (properties left
//     without periods are dropped).
//  4. comp/prop selection (§9.6.1-4): pruning as in CompSelection; a prop
//     with novalue="yes" keeps its name and parameters with an empty value.
// If the object cannot be expanded (malformed stored data), step 1 is
// skipped rather than losing the object.
// Never fails; pure.
std::string RenderCalendarData(const CalendarDataRequest& request, const ical::Component& vcalendar,
                               const RenderOptions& options = {});

}  // namespace almanac::caldav
