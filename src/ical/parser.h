// The iCalendar (RFC 5545) stream parser: text in, a Component tree out.
//
// One pass over the input: physical lines are found with memchr, unfolded
// (RFC 5545 §3.1: a CRLF or LF followed by one space or HTAB is removed)
// into a logical line that is a view into the input unless it was folded,
// checked for UTF-8 and control characters, split into name, parameters and
// value, and appended to the component being built. Known properties have
// their values validated by their default type or VALUE= (RFC 5545 §3.8);
// RRULE/EXRULE through rrule.h. Component rules (§3.6) are checked at END.
//
// STRICT MODE (the default) rejects, with kInvalidArgument and a message
// "line N: ..." naming the line:
//  - a line without ':' or with a malformed parameter; an empty name;
//    characters other than ALPHA, DIGIT and '-' in a name;
//  - BEGIN/END that do not match ("line 7: END:VEVENT does not match
//    BEGIN:VTODO at line 3"), END without BEGIN, a missing END at EOF,
//    a property outside any component, a top-level component other than
//    VCALENDAR, a VCALENDAR nested in something;
//  - blank lines, a UTF-8 byte-order mark;
//  - an invalid value of a known property (by its default type or VALUE=),
//    a VALUE= type the property does not allow, VALUE=DATE missing on a DATE
//    value, TZID on a DATE or UTC value, a DATE-TIME that must be UTC
//    (DTSTAMP, CREATED, LAST-MODIFIED, COMPLETED, TRIGGER;VALUE=DATE-TIME,
//    FREEBUSY) that is not, ATTACH;VALUE=BINARY without ENCODING=BASE64,
//    bad TEXT escapes and unescaped ',' / ';' in TEXT, RRULE errors
//    reported by ParseRecurrenceRule, VERSION other than 2.0, a TZID
//    property value in double quotes, DTSTART in STANDARD/DAYLIGHT that is
//    not a local (floating) DATE-TIME;
//  - component rules: VCALENDAR needs PRODID and VERSION; VEVENT, VTODO,
//    VJOURNAL and VFREEBUSY need UID and DTSTAMP; VEVENT needs DTSTART when
//    the calendar has no METHOD; DTEND and DURATION (VEVENT), DUE and
//    DURATION (VTODO) are exclusive; DURATION in VTODO needs DTSTART;
//    DTEND/DUE must have DTSTART's value type (DATE vs DATE-TIME) and must
//    not be before DTSTART (compared when both are in the same frame: both
//    DATE, both UTC, or both local with the same TZID); a DATE DTSTART takes
//    only a whole-day DURATION; VALARM needs ACTION and TRIGGER, DURATION
//    and REPEAT together, DESCRIPTION for DISPLAY/EMAIL, SUMMARY and an
//    ATTENDEE for EMAIL, and sits in a VEVENT or VTODO; VTIMEZONE needs TZID
//    and at least one STANDARD/DAYLIGHT, each of those DTSTART, TZOFFSETFROM
//    and TZOFFSETTO; a property RFC 5545 allows once appears at most once.
//
// ALWAYS FATAL (both modes): invalid UTF-8 (overlong forms, surrogates,
// > U+10FFFF, truncated sequences) and a '"' left open in the parameters —
// kInvalidArgument; and the ParseLimits — kResourceExhausted.
//
// ALWAYS ACCEPTED, reported as a warning in both modes (RFC 5545 allows them
// or they are harmless): bare LF line ends (once per input); lines longer than
// 75 octets (once); folds followed by more than one space/HTAB (once; RFC
// 5545 removes exactly one, the rest stays content); lower-case names (once;
// names are case-insensitive and are stored upper-cased); blank lines at the
// very end of the input (ignored). A TZID starting
// with the RFC's globally-unique prefix '/' is accepted silently (see
// NormalizeTzid). An empty VCALENDAR is accepted.
//
// LENIENT MODE turns every strict-mode rejection above into a warning and
// carries on, except the always-fatal ones. Where the intended value is
// unambiguous the stored value is REPAIRED so that consumers using the strict
// value parsers of values.h / rrule.h succeed; otherwise it is kept verbatim:
//  - a UTF-8 BOM and blank lines are skipped;
//  - control characters other than HTAB are removed from the line (they
//    would also break XML in CalDAV responses);
//  - a missing END at EOF is supplied; an END that matches an enclosing
//    component closes the ones in between; an END matching nothing is
//    ignored; a property outside any component or a malformed line is
//    dropped (with its line in the warning);
//  - characters outside ALPHA/DIGIT/'-' in a property or parameter name are
//    kept (a property name with whitespace drops the line); a parameter
//    without '=' is kept with no values; a '"' inside an unquoted parameter
//    value, or text after a closing quote, is kept as part of the value;
//  - trailing whitespace after a DATE / DATE-TIME / PERIOD value or list
//    ("20240101T100000Z ") is trimmed; a trailing ';' in RRULE/EXRULE is
//    removed; a TZID property value in double quotes is unquoted;
//  - everything else (missing UID/DTSTAMP/PRODID/VERSION, invalid values,
//    unescaped ',' and ';' in TEXT, missing VALUE=DATE, rule violations) is
//    kept verbatim.
// Warnings are capped at ParseLimits::max_warnings; one last warning says
// how many more were dropped.
//
// Accepted silently in both modes: ATTACH in a VALARM whose URI value has no
// scheme (Apple writes built-in sound names: "ATTACH;VALUE=URI:Chord").
//
// Not checked (by design): anything inside an X- or IANA component (a VALARM
// nested in X-FOO is opaque and kept as is); that a TZID parameter has a matching VTIMEZONE
// (RFC 7809 lets servers omit them), enumerated values such as STATUS or
// PARTSTAT, the content of X- and IANA properties, property placement in
// the wrong component.
//
// Thread safety: Parse is a pure function; safe to call concurrently.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ical/model.h"

namespace almanac::ical {

// Bounds on the work and memory one Parse call may use. Exceeding one is
// kResourceExhausted.
struct ParseLimits {
  std::size_t max_input_bytes = 256u << 20;
  std::size_t max_line_octets = 1u << 20;  // unfolded logical line
  int max_depth = 16;                      // nesting of BEGIN blocks
  std::size_t max_properties = 5'000'000;
  std::size_t max_components = 1'000'000;
  std::size_t max_warnings = 1000;  // further warnings are counted, not kept
};

struct ParseOptions {
  bool lenient = false;
  ParseLimits limits;
};

// A deviation accepted by the parser. `message` starts with "line N: ".
struct Diagnostic {
  int line;
  std::string message;  // like "line 12: DTSTART: invalid DATE-TIME value \"2024131\""
};

struct ParsedCalendar {
  std::vector<Component> components;  // top-level, normally VCALENDARs
  std::vector<Diagnostic> warnings;
};

// Parses an iCalendar stream (one or more VCALENDARs, RFC 5545 §3.4).
// Returns the top-level components and the warnings (see above for what is
// accepted in which mode).
// Errors: kInvalidArgument with "line N: <what is wrong>" for malformed
// input; kResourceExhausted when a ParseLimits bound is exceeded ("input of
// 300000000 bytes exceeds the limit of 268435456", "line 9: logical line
// exceeds 1048576 octets", "line 40: components nested deeper than 16").
// Pure; `text` need not outlive the result.
Result<ParsedCalendar> Parse(std::string_view text, const ParseOptions& options = {});

}  // namespace almanac::ical
