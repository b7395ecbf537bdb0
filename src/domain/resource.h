// Calendar object resources (RFC 4791 §4.1): one VCALENDAR holding the
// components of one UID — a master and its overrides — and the VTIMEZONEs
// they use. This unit checks a resource and derives what the store indexes.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "ical/model.h"

namespace almanac::domain {

struct ResourceInfo {
  std::string uid;
  std::string component;  // "VEVENT" or "VTODO"
  std::string summary;    // the master's (or first override's) SUMMARY, unescaped
  std::int64_t sequence = 0;
  bool recurring = false;
  // Every instance overlaps [first_start, last_end) (unix seconds);
  // last_end is kUnboundedEnd for a series without end.
  std::int64_t first_start = 0;
  std::int64_t last_end = 0;
};

// Checks `vcalendar` is one calendar object resource and describes it.
// Errors: kInvalidArgument (message names what is wrong) when it is not a
// VCALENDAR, holds no VEVENT/VTODO, mixes component types or UIDs, lacks a
// UID, has two masters or two overrides with one RECURRENCE-ID, or when a
// DTSTART/RRULE cannot be read (the message names the line).
Result<ResourceInfo> AnalyzeResource(const ical::Component& vcalendar);

// The master (the VEVENT/VTODO without RECURRENCE-ID) of a resource, or null
// when the resource holds only overrides.
ical::Component* MasterOf(ical::Component& vcalendar);
const ical::Component* MasterOf(const ical::Component& vcalendar);

// The strong ETag of a resource text: 32 hex digits of its SHA-256.
std::string ETagOf(std::string_view ics);

// The resource name an object created outside CalDAV gets in its calendar:
// "<uid>.ics" when the UID is 1-200 of [A-Za-z0-9._@+-] (safe in a URL path
// segment unescaped), else 32 hex digits of the UID's SHA-256 + ".ics".
std::string ResourceNameFor(std::string_view uid);

// True for a name a client may PUT: 1-255 bytes of unreserved URL
// characters [A-Za-z0-9._~@+-], not "." or "..".
bool ValidResourceName(std::string_view name);

// Repairs what lenient parsing let through so the stored object is valid
// RFC 5545 for every client that reads it later: adds a missing DTSTAMP
// (`now`), adds VALUE=DATE to 8-digit date values that lack it, and keeps
// only the first of properties that may occur once (RFC 5545 §3.6.1). The
// lenient parser has already reported each of these as a warning.
void NormalizeObject(ical::Component* vevent_or_vtodo, core::Instant now);

// A new VCALENDAR wrapper (VERSION, PRODID) with no components.
ical::Component NewCalendarShell();

}  // namespace almanac::domain
