// VTIMEZONE generation (RFC 5545 §3.6.5) from IANA time zones, so that a
// calendar object using TZID=Europe/Berlin carries the definition RFC 4791
// §4.1 asks for and that clients without (or with an older) tz database need.
//
// The output is the inverse of BuildZoneFromVTimezone (vtimezone.h): the
// zone's UTC-offset changes in a range are grouped into observances, one per
// run of consecutive years that follow one rule (an RRULE), and one per kind
// of change for the irregular rest (DTSTART plus an RDATE list). Every
// generated component is checked by evaluating it back; see
// GenerateVTimezone.
//
// TZNAME: core::TimeZone exposes offsets and the DST flag but not the tzdata
// abbreviations, so TZNAME is the numeric form tzdata itself uses for zones
// without an established abbreviation ("+01", "+0530", "-03", "+1245").
// Clients show the zone's name from TZID; TZNAME is informational
// (RFC 5545 §3.8.3.2).
//
// Thread safety: pure functions; they read core's process-wide zone cache,
// which is thread-safe. The first call may block while tzdata loads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "ical/model.h"

namespace almanac::ical {

// A VTIMEZONE with TZID `tzid` for the IANA zone of that name, exact for every
// instant in [from, to): evaluated by BuildZoneFromVTimezone it gives the same
// UTC offset as core::FindIanaZone(tzid) at each of those instants.
//  - Each observance is STANDARD or DAYLIGHT by the zone's DST flag after the
//    change and has DTSTART (the wall-clock time just before the change, read
//    with TZOFFSETFROM, §3.6.5), TZOFFSETFROM, TZOFFSETTO and TZNAME.
//  - Three or more consecutive years whose changes share kind, month and wall
//    time and fall on one day rule become one observance with
//    RRULE:FREQ=YEARLY;BYMONTH=m and BYDAY=nDD (n in 1..4 or -1), BYMONTHDAY=d,
//    or BYMONTHDAY=d..d+6;BYDAY=DD ("Sunday on or after the d-th"). The rule
//    has UNTIL (UTC, the last change it stands for) unless the zone's own
//    next change after `to` is the one the rule predicts; then it is left
//    open, which describes the future as well as tzdata knows it. A run that
//    is still in force at `to` is kept as a rule even when shorter.
//  - The remaining changes of one kind (same offsets and DST flag) share one
//    observance: DTSTART is the first, one RDATE lists the rest.
//  - A zone with no offset change in the range (Asia/Tokyo, Asia/Kolkata)
//    gets one observance: the zone's last change before `from` (its
//    TZOFFSETFROM the offset before it; STANDARD unless the zone is in DST,
//    and an open rule when that change recurs yearly, as for a range inside
//    one European summer), or, for a zone that never changed (UTC), a
//    STANDARD at 19700101T000000 with equal offsets.
// Changes of DST flag or abbreviation alone (same UTC offset) are not
// emitted. Europe/Berlin for 1996..2040 is two observances; from 1990 it is
// three (autumn moved from September to October in 1996).
// Should the grouped rules fail to evaluate back exactly (a safety net; no
// zone in the tests needs it), the changes are written as plain one-offs.
// Errors: kNotFound for an unknown zone name; kInvalidArgument when
// from > to; kOutOfRange when `from` or `to` lies outside the years
// 0002..9998 (wall-clock times must stay in 0001..9999); kInternal if even
// the plain one-offs do not evaluate back (a bug; never seen).
Result<Component> GenerateVTimezone(std::string_view tzid, core::Instant from, core::Instant to);

// As above for an already-resolved zone, written under the TZID `tzid`
// (which may differ from zone.name(), e.g. a Windows zone name).
// REQUIRES: tzid non-empty, without control characters.
Result<Component> GenerateVTimezone(const core::TimeZone& zone, std::string_view tzid,
                                    core::Instant from, core::Instant to);

// Adds to `vcalendar` a generated VTIMEZONE for every TZID parameter used by a
// DTSTART, DTEND, DUE, RECURRENCE-ID, EXDATE or RDATE of its (nested)
// components that no VTIMEZONE in it defines yet and that names a zone
// without one: an IANA name, an IANA name behind a globally-unique prefix
// ("/Europe/Berlin", "/mozilla.org/20050126_1/Europe/Berlin"), or a Windows
// zone name Outlook writes ("W. Europe Standard Time", see
// WindowsZoneToIana), so that clients without such tables read it too. The
// VTIMEZONE's TZID is the parameter value as written, so the references
// match. Other (unknown) TZIDs are left alone.
// Range, one for all the zones added: from a year before the earliest of
// those properties' instants to a year after the latest (or after an RRULE's
// UNTIL); an RRULE without UNTIL (unbounded, or COUNT, whose end is not
// computed) extends it to 20 years past the later of the latest instant and
// 2037-01-01, so every change tzdata knows of is included. Rules still in
// force then stay open (see above), so later instances are described too.
// Values that do not parse are ignored. New VTIMEZONEs go before the first
// sub-component that is not a VTIMEZONE, in order of first use.
// Returns how many VTIMEZONEs were added (0 on a second call: idempotent).
// REQUIRES: vcalendar != null.
std::size_t AddMissingVTimezones(Component* vcalendar);

// How many times GenerateVTimezone fell back to plain one-offs because the
// grouped rules did not evaluate back exactly. Test hook.
std::uint64_t VTimezoneRuleFallbacksForTest();

}  // namespace almanac::ical
