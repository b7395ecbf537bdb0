// CalDAV calendar-query filters (RFC 4791 §9.7): parsing the <C:filter>
// element and deciding whether a stored calendar object matches it.
//
// Matching follows RFC 4791 §9.9: a time-range on VEVENT or VTODO matches
// when ANY instance of the recurrence set overlaps it (overrides applied,
// EXDATEs removed, DST resolved by the zone rules), using the §9.9 tables
// for DTEND / DURATION / neither (VEVENT) and DTSTART / DUE / DURATION /
// COMPLETED / CREATED (VTODO). A component filter names the components of
// one master-or-override at a time: a VEVENT comp-filter with a time-range
// and a SUMMARY prop-filter matches when one component (the master or an
// override) has an instance in range AND the matching SUMMARY. Text matching
// follows §9.7.5 with the collations of §7.5 (RFC 4790, RFC 5051).
//
// Thread safety: pure functions over values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caldav/xml.h"
#include "core/result.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "ical/instances.h"
#include "ical/model.h"

namespace almanac::caldav {

// A time range of RFC 4791 §9.9: [start, end) in UTC; an absent end is
// -infinity / +infinity.
struct TimeRange {
  std::optional<core::Instant> start;
  std::optional<core::Instant> end;
  bool operator==(const TimeRange&) const = default;
};

// RFC 4791 §7.5: collations for text-match.
enum class Collation {
  kAsciiCasemap,    // "i;ascii-casemap" (the default): ASCII letters fold
  kUnicodeCasemap,  // "i;unicode-casemap" (RFC 5051): simple case folding
  kOctet,           // "i;octet": bytes compared exactly
};

struct TextMatch {
  std::string text;  // UTF-8, as given (not trimmed)
  Collation collation = Collation::kAsciiCasemap;
  bool negate = false;  // negate-condition="yes"
  bool operator==(const TextMatch&) const = default;
};

struct ParamFilter {
  std::string name;  // upper-cased
  bool is_not_defined = false;
  std::optional<TextMatch> text_match;
  bool operator==(const ParamFilter&) const = default;
};

struct PropFilter {
  std::string name;  // upper-cased
  bool is_not_defined = false;
  std::optional<TimeRange> time_range;
  std::optional<TextMatch> text_match;
  std::vector<ParamFilter> param_filters;
  bool operator==(const PropFilter&) const = default;
};

struct CompFilter {
  std::string name;  // upper-cased
  bool is_not_defined = false;
  std::optional<TimeRange> time_range;
  std::vector<PropFilter> prop_filters;
  std::vector<CompFilter> comp_filters;
  bool operator==(const CompFilter&) const = default;
};

// Reads the start/end attributes of a <C:time-range> (also of <C:expand>,
// <C:limit-recurrence-set>, <C:limit-freebusy-set>): UTC date-times like
// "20250301T000000Z". With `require_both` both must be present (§9.6.5-7),
// otherwise at least one (§9.9).
// Errors: kInvalidArgument when a value is not a UTC DATE-TIME, a required
// attribute is missing, or end <= start.
Result<TimeRange> ParseTimeRange(const XmlElement& element, bool require_both = false);

// The collation called `name` (RFC 4790 names: "i;ascii-casemap",
// "i;unicode-casemap", "i;octet").
// Errors: kUnimplemented for any other name (CALDAV:supported-collation).
Result<Collation> ParseCollation(std::string_view name);

// Parses a <C:filter> element (RFC 4791 §9.7) into its single top-level
// comp-filter, which must name VCALENDAR. Elements of other namespaces
// inside the filter are ignored (RFC 4918 §17 extensibility).
// Errors (the handler answers 403 with the precondition in parentheses):
//  - kInvalidArgument (CALDAV:valid-filter): `filter_element` is not
//    <C:filter>; it has no or several comp-filters; the top one is not
//    VCALENDAR or has is-not-defined or a time-range; a comp-filter,
//    prop-filter or param-filter without a name; is-not-defined combined
//    with other conditions; two time-ranges or text-matches in one filter;
//    a bad time-range (see ParseTimeRange); negate-condition other than
//    "yes"/"no"; an unknown element in the CalDAV namespace.
//  - kUnimplemented (CALDAV:supported-collation): a text-match collation
//    other than the three above.
Result<CompFilter> ParseFilter(const XmlElement& filter_element);

struct MatchOptions {
  // The zone floating DATE-TIMEs and all-day DATEs are read in: the
  // calendar's CALDAV:calendar-timezone (RFC 4791 §9.9 "floating"); null
  // reads them as UTC. Not owned; must outlive the call.
  const core::TimeZone* default_zone = nullptr;
  // Cap on the instances of one recurring component examined per time-range
  // (see ical::ExpandLimits::max_occurrences).
  std::size_t max_occurrences = 10'000;
};

// Whether `vcalendar` (one stored calendar object resource: a VCALENDAR with
// one UID's master and overrides, and its VTIMEZONEs) matches `filter`.
// Beyond the header comment:
//  - prop-filter: some property of that name satisfies its time-range or
//    text-match and all its param-filters; is-not-defined: none exists.
//  - text-match on a property compares the unescaped value; on a parameter,
//    any of its values; a substring match under the collation, inverted by
//    negate-condition.
//  - time-range on a property (DTSTAMP, COMPLETED, ...): some value v with
//    start <= v < end (a DATE covers its day, a PERIOD its span).
//  - VJOURNAL time-range: DTSTART per §9.9 (recurrences expanded);
//    VFREEBUSY: DTSTART/DTEND or its FREEBUSY periods; VALARM: any trigger
//    time (RELATED=START/END, REPEAT/DURATION, absolute) of an instance of
//    its parent in [start, end); other components never match a time-range.
//  - A component whose recurrence cannot be expanded (malformed stored
//    data) is taken to match its time-range, so it is not hidden.
// Pure; bounded by options.max_occurrences per recurring component.
bool Matches(const CompFilter& filter, const ical::Component& vcalendar,
             const MatchOptions& options = {});

// Whether an instance (from ical::ExpandInstances or
// schedule::ExpandInstancesInZone) overlaps `range` under the RFC 4791 §9.9
// table of its component (VEVENT: "start < DTEND AND end > DTSTART", with
// the zero-length and DTEND = DTSTART rows; VTODO: its own table).
bool InstanceOverlaps(const ical::Instance& instance, const TimeRange& range);

// The time-range of the VEVENT or VTODO comp-filter directly under the
// VCALENDAR filter, if any (the first one), so the server can pre-select
// candidates by its range index before calling Matches. Candidates must be
// chosen generously: floating and all-day objects are judged in
// MatchOptions::default_zone.
std::optional<TimeRange> TopLevelTimeRange(const CompFilter& filter);

// Whether `text` is found in `value` under `match`'s collation, before
// negation (RFC 4791 §9.7.5 substring match). Exposed for tests and for the
// CardDAV-like uses of text-match.
bool TextContains(const TextMatch& match, std::string_view value);

// `text` case-folded for i;unicode-casemap: ASCII, Latin-1 Supplement,
// Latin Extended-A, Greek and Coptic, Cyrillic and Cyrillic Supplement fold
// to their simple lower-case/folded forms (U+00DF and other characters
// without a simple folding are kept). Invalid UTF-8 bytes are kept as is.
std::string UnicodeCaseFold(std::string_view text);

}  // namespace almanac::caldav
