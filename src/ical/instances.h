// The instances of a calendar object: every VEVENT/VTODO occurrence in a
// window, with overrides (RECURRENCE-ID, including RANGE=THISANDFUTURE)
// applied. This is what `almanac ics expand`, free/busy and CalDAV
// time-range queries are built on.
//
// Semantics (RFC 5545 §3.8.5, §3.8.4.4, §3.8.2.5, RFC 4791 §9.9):
//  - A master (no RECURRENCE-ID) and its overrides share a UID. An override
//    replaces the instance whose recurrence id equals its RECURRENCE-ID; with
//    RANGE=THISANDFUTURE it also applies to every later instance up to the
//    next such override: each is shifted by the override's
//    DTSTART - RECURRENCE-ID, takes the override's duration and properties.
//  - End: DTEND (or DUE) gives an exact duration applied to every instance;
//    DURATION is nominal (P1D is one calendar day even across DST); a DATE
//    DTSTART without either lasts one day; a DATE-TIME one lasts zero.
//  - An instance is in [from, to) when it overlaps it (start < to and
//    end > from), a zero-length one when from <= start < to.
//  - Floating times are compared as if they were UTC.
//
// Thread safety: pure functions. The Instances point into the Component
// passed in, which must outlive them, and to zones owned by the result.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "ical/model.h"
#include "ical/recurrence.h"
#include "ical/vtimezone.h"

namespace almanac::ical {

struct Instance {
  const Component* component = nullptr;  // the master or override supplying the properties
  std::string uid;
  core::LocalDateTime start;  // wall clock in `zone` (or floating / UTC)
  core::LocalDateTime end;
  core::Instant start_instant;
  core::Instant end_instant;
  bool all_day = false;
  bool utc = false;                      // DTSTART was UTC
  const core::TimeZone* zone = nullptr;  // null for floating, UTC and all-day
  // The instance's RECURRENCE-ID in the master's DTSTART frame; absent for a
  // non-recurring component.
  std::optional<core::LocalDateTime> recurrence_id;
  bool overridden = false;
};

struct InstanceOptions {
  ExpandLimits limits;  // per recurring component
  std::size_t max_instances = 100'000;  // the earliest ones are kept (then `truncated`)
  bool include_todos = true;
};

struct InstanceResult {
  std::vector<Instance> instances;    // sorted by start_instant, then UID
  std::vector<std::string> warnings;  // "line 12: VEVENT: unknown TZID ..." (kept going)
  bool truncated = false;             // a cap cut the list short
  // Owns the zones built from VTIMEZONEs that Instance::zone points to.
  std::shared_ptr<ZoneResolver> zones;
};

// Expands every VEVENT (and VTODO unless excluded) of `calendar` (a
// VCALENDAR) into the instances overlapping [from, to), with `from` and `to`
// as UTC instants.
// Errors: kInvalidArgument when a component's DTSTART/DTEND/DURATION/RRULE
// cannot be read at all (the message names the line); components with an
// unknown TZID are expanded as floating with a warning instead.
Result<InstanceResult> ExpandInstances(const Component& calendar, core::Instant from,
                                       core::Instant to, const InstanceOptions& options = {});

}  // namespace almanac::ical
