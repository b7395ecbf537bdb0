// Time zones named by TZID parameters: IANA names from the system tzdata, and
// VTIMEZONE components (RFC 5545 §3.6.5) evaluated from their own STANDARD
// and DAYLIGHT rules when their TZID is not an IANA name.
//
// Thread safety: BuildZoneFromVTimezone is pure. A ZoneResolver caches the
// zones it builds and is not thread-safe; the zones it returns live as long
// as the resolver.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time_zone.h"
#include "ical/model.h"

namespace almanac::ical {

// Evaluates a VTIMEZONE into a table of UTC-offset transitions, from each
// STANDARD/DAYLIGHT onset (DTSTART, RDATEs and RRULE occurrences; an onset at
// local time L happens at the instant L - TZOFFSETFROM) up to the start of
// `until_year`. Before the first onset the first onset's TZOFFSETFROM holds.
// Errors: kInvalidArgument naming the line when TZID is missing, there is no
// STANDARD or DAYLIGHT, or a DTSTART, TZOFFSETFROM, TZOFFSETTO, RDATE or
// RRULE value is invalid.
Result<std::unique_ptr<core::TransitionZone>> BuildZoneFromVTimezone(const Component& vtimezone,
                                                                     int until_year = 2200);

// Finds the zone for a TZID within one calendar object.
class ZoneResolver {
 public:
  // Indexes the VTIMEZONEs among `calendar`'s sub-components. `calendar`
  // must outlive the resolver.
  explicit ZoneResolver(const Component& calendar);

  // In order: an IANA name (after dropping a globally-unique "/vendor/.../"
  // prefix such as "/mozilla.org/20050126_1/Europe/Berlin"); the calendar's
  // VTIMEZONE with that TZID, evaluated from its rules; a Windows zone name
  // that Outlook writes without a VTIMEZONE ("W. Europe Standard Time").
  // Errors: kNotFound naming the TZID when none applies; kInvalidArgument
  // when the VTIMEZONE is malformed.
  Result<const core::TimeZone*> Resolve(std::string_view tzid);

 private:
  std::map<std::string, const Component*, std::less<>> vtimezones_;
  std::map<std::string, std::unique_ptr<core::TransitionZone>, std::less<>> built_;
};

// The IANA zone a Windows time-zone name stands for ("Eastern Standard
// Time" -> "America/New_York"), or an empty view when unknown.
std::string_view WindowsZoneToIana(std::string_view windows_name);

}  // namespace almanac::ical
