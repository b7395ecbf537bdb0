// Free/busy time (RFC 5545 §3.6.4 VFREEBUSY, §3.2.9 FBTYPE; RFC 4791 §7.10
// free-busy-query): which stretches of a window stored calendar objects make
// busy, merged, and rendered as the VCALENDAR a free-busy-query answers with.
// The meeting-time finder and resource bookings reuse the BusyPeriod list.
//
// Also home of ExpandInstancesInZone, the instance expansion that reads
// floating times in a calendar's time zone, which CalDAV filters and
// calendar-data rendering share with free/busy.
//
// Thread safety: pure functions; no clock is read (DTSTAMP is passed in).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "ical/instances.h"
#include "ical/model.h"

namespace almanac::schedule {

// FBTYPE values that mean busy (RFC 5545 §3.2.9). FREE periods are not busy
// and are never produced.
enum class BusyType : std::uint8_t { kBusy, kBusyTentative, kBusyUnavailable };

// "BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE".
const char* BusyTypeName(BusyType type);

struct BusyPeriod {
  core::Instant start;  // inclusive
  core::Instant end;    // exclusive; end > start
  BusyType type = BusyType::kBusy;
  bool operator==(const BusyPeriod&) const = default;
};

// A window of UTC time [start, end). REQUIRES: start < end.
struct FreeBusyWindow {
  core::Instant start;
  core::Instant end;
};

struct FreeBusyOptions {
  // The zone floating DATE-TIMEs and all-day DATEs are read in (RFC 4791
  // §7.10: the calendar's CALDAV:calendar-timezone); null reads them as UTC.
  // Not owned; must outlive the call.
  const core::TimeZone* floating_zone = nullptr;
  // Caps on the expansion of each calendar object.
  ical::InstanceOptions instances;
};

struct FreeBusyResult {
  // Clipped to the window, merged per type, sorted by start then type.
  std::vector<BusyPeriod> periods;
  // One line per object that could not be read or was read with a problem
  // ("object 3: line 12: VEVENT: unknown TZID ..."); that object is
  // skipped or read as ical::ExpandInstances does. For logs.
  std::vector<std::string> warnings;
  bool truncated = false;  // an expansion cap cut some recurrence short
};

// The busy time in `window` of the calendar objects `vcalendars` (each a
// stored VCALENDAR: one UID with its overrides and VTIMEZONEs), per RFC 4791
// §7.10:
//  - every VEVENT instance (overrides applied, EXDATEs removed) whose
//    TRANSP is not TRANSPARENT and STATUS is not CANCELLED, judged per
//    instance from the component supplying it; X-MICROSOFT-CDO-BUSYSTATUS:OOF
//    (out of office, e.g. approved leave) gives BUSY-UNAVAILABLE,
//    STATUS:TENTATIVE BUSY-TENTATIVE, anything else BUSY; zero-length
//    instances are not busy;
//  - every FREEBUSY period of a VFREEBUSY component, with its FBTYPE (default
//    BUSY; FREE ignored; an unknown FBTYPE counts as BUSY);
//  - VTODO, VJOURNAL and VAVAILABILITY are ignored.
// Periods are clipped to the window; overlapping or touching periods of the
// same type are merged; periods of different types are kept apart.
// Never fails: an object that cannot be expanded is skipped with a warning.
FreeBusyResult CollectFreeBusy(std::span<const ical::Component* const> vcalendars,
                               FreeBusyWindow window, const FreeBusyOptions& options = {});

// The periods of CollectFreeBusy alone: the plain list the meeting-time
// finder and resource bookings use.
std::vector<BusyPeriod> BusyPeriods(std::span<const ical::Component* const> vcalendars,
                                    FreeBusyWindow window, const FreeBusyOptions& options = {});
std::vector<BusyPeriod> BusyPeriods(std::span<const ical::Component> vcalendars,
                                    FreeBusyWindow window, const FreeBusyOptions& options = {});

// Clips `periods` to `window`, drops empty ones, merges overlapping or
// touching periods of the same type and sorts by start, then type.
std::vector<BusyPeriod> MergeBusyPeriods(std::vector<BusyPeriod> periods, FreeBusyWindow window);

struct FreeBusyCalendarOptions {
  std::string prodid = "-//Almanac//Almanac Calendar Server//EN";
  // UID of the VFREEBUSY; omitted when empty, as in the RFC 4791 §7.10
  // example (an iTIP REPLY needs one).
  std::string uid;
};

// The VCALENDAR answering a free-busy-query (RFC 4791 §7.10): VERSION and
// PRODID, no METHOD, and one VFREEBUSY with DTSTAMP = `dtstamp`, DTSTART
// and DTEND = the window, and one FREEBUSY line per period in UTC
// ("FREEBUSY;FBTYPE=BUSY-TENTATIVE:20060104T150000Z/20060104T160000Z"; the
// FBTYPE parameter is left out for BUSY), in the order given (MergeBusyPeriods
// order expected). CRLF line ends, folded as ical::Serialize does.
// REQUIRES: years 0001..9999.
std::string FreeBusyCalendar(const std::vector<BusyPeriod>& periods, FreeBusyWindow window,
                             core::Instant dtstamp, const FreeBusyCalendarOptions& options = {});

// As ical::ExpandInstances(vcalendar, from, to, options), except that
// floating DATE-TIMEs and all-day DATEs are read as wall-clock times in
// `floating_zone` (null: as UTC, exactly like ExpandInstances): each such
// instance's start_instant and end_instant are the instants its wall-clock
// start and end have in that zone, and the overlap rule of instances.h is
// applied to those. Instances stay sorted by start_instant, then UID.
// Errors: as ical::ExpandInstances.
Result<ical::InstanceResult> ExpandInstancesInZone(const ical::Component& vcalendar,
                                                   core::Instant from, core::Instant to,
                                                   const core::TimeZone* floating_zone,
                                                   const ical::InstanceOptions& options = {});

}  // namespace almanac::schedule
