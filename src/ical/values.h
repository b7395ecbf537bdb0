// iCalendar property value types (RFC 5545 §3.3): parsers, validators and
// canonical writers for the raw value text kept in Property::value.
//
// RECUR (§3.3.10) lives in rrule.h. Every parser here is strict about the
// RFC grammar; the lenient repairs of sloppy real-world values are done by
// the content-line parser (parser.h), which then stores the repaired text.
// Error messages are short, safe to show to a client, and do not name the
// property ("invalid DATE-TIME value \"2024131\""): the caller prefixes the
// line and property name.
//
// Thread safety: pure functions and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace almanac::ical {

// The value data types of RFC 5545 §3.3, as named by the VALUE parameter.
enum class ValueType : std::uint8_t {
  kBinary,
  kBoolean,
  kCalAddress,
  kDate,
  kDateTime,
  kDuration,
  kFloat,
  kInteger,
  kPeriod,
  kRecur,
  kText,
  kTime,
  kUri,
  kUtcOffset,
};

// "DATE-TIME" -> kDateTime, ASCII case-insensitive; nullopt for any other name
// (X- and IANA value types are not validated).
std::optional<ValueType> ValueTypeFromName(std::string_view name);
// kDateTime -> "DATE-TIME".
const char* ValueTypeName(ValueType type);

// ---- TEXT (§3.3.11) ----

// Decodes the escapes \\ \; \, \n \N. An unknown escape "\x" is kept as "\x"
// and a trailing lone backslash is kept, so this never fails (validate first
// with ValidateText when that matters).
std::string UnescapeText(std::string_view text);
// Escapes '\\' ';' ',' and newline ("\n"); CR of a CRLF pair is dropped.
std::string EscapeText(std::string_view text);
// Splits a multi-valued TEXT value (CATEGORIES, RESOURCES) on unescaped
// commas and unescapes each item. An empty value gives one empty item.
std::vector<std::string> SplitTextList(std::string_view text);
// Checks TEXT escaping. With `list` (multi-valued TEXT) commas separate
// values; otherwise commas must be escaped. Semicolons must always be escaped.
// Errors: kInvalidArgument for an unknown escape ("invalid escape \"\\x\" in
// TEXT"), a trailing backslash, an unescaped ',' or ';'.
Status ValidateText(std::string_view text, bool list);

// ---- DATE (§3.3.4), DATE-TIME (§3.3.5) ----

struct DateTimeValue {
  core::LocalDateTime local;  // for a DATE, midnight starting that date
  bool is_date = false;
  bool utc = false;  // the value ended in 'Z'
  bool operator==(const DateTimeValue&) const = default;
};

// Parses "YYYYMMDD", "YYYYMMDDTHHMMSS" or "YYYYMMDDTHHMMSSZ" (a leap second
// reads as :59, see core::ParseLocal).
// Errors: kInvalidArgument ("invalid DATE-TIME value \"2024131\"").
Result<DateTimeValue> ParseDateTimeValue(std::string_view text);
// Parses a comma-separated list of DATE / DATE-TIME values (EXDATE, RDATE).
// Errors: kInvalidArgument naming the bad item; an empty item is an error.
Result<std::vector<DateTimeValue>> ParseDateTimeList(std::string_view text);
// "20240131", "20240131T090000" or "20240131T090000Z".
// REQUIRES: a year in 0001..9999.
std::string FormatDateTimeValue(const DateTimeValue& value);

// ---- DURATION (§3.3.6) ----

// A signed duration. Weeks and days are nominal (a day across a DST change is
// a calendar day, §3.3.6), so they are kept apart from the exact seconds.
struct DurationValue {
  bool negative = false;
  int weeks = 0;
  int days = 0;
  std::int64_t seconds = 0;  // hours, minutes and seconds together
  bool operator==(const DurationValue&) const = default;
  // The signed length if every day were 86400 s; for ordering checks only.
  std::int64_t NominalSeconds() const;
};

// Parses ["+"/"-"] "P" (nW | nD ["T" ...] | "T" ...), where the time part is
// nH, nM, nS in that order, each optional but at least one present (RFC 5545's
// grammar also demands no gaps such as "PT1H5S"; that form is accepted since
// its meaning is unambiguous). Weeks cannot be combined with days or time.
// Each number has at most 9 digits.
// Errors: kInvalidArgument ("invalid DURATION value \"P1H\"").
Result<DurationValue> ParseDuration(std::string_view text);
// Canonical form: "P2W", "-P1DT2H30M", "PT15M", "PT0S" for zero.
std::string FormatDuration(const DurationValue& value);

// ---- PERIOD (§3.3.9) ----

// An explicit period (start/end) or a start with a duration.
struct PeriodValue {
  DateTimeValue start;
  std::optional<DateTimeValue> end;       // set for "start/end"
  std::optional<DurationValue> duration;  // set for "start/duration"
  bool operator==(const PeriodValue&) const = default;
};

// Parses "start/end" or "start/duration". Both times must be DATE-TIMEs with
// the same UTC-ness; the end must not precede the start; the duration must be
// positive (not negative, not zero).
// Errors: kInvalidArgument ("invalid PERIOD value \"...\": ...").
Result<PeriodValue> ParsePeriod(std::string_view text);
// Parses a comma-separated list of periods (FREEBUSY, RDATE;VALUE=PERIOD).
Result<std::vector<PeriodValue>> ParsePeriodList(std::string_view text);
std::string FormatPeriod(const PeriodValue& value);

// ---- UTC-OFFSET (§3.3.14) ----

// Parses "+HHMM", "-HHMM", "+HHMMSS" into seconds east of UTC. "-0000" and
// "-000000" are invalid (§3.3.14); hours 0..23, minutes and seconds 0..59.
// Errors: kInvalidArgument.
Result<int> ParseUtcOffset(std::string_view text);
// "+0100", "-0530", "+013045" (seconds only when non-zero); zero is "+0000".
std::string FormatUtcOffset(int seconds);

// ---- INTEGER (§3.3.8), FLOAT (§3.3.7), BOOLEAN (§3.3.2) ----

// ["+"/"-"] 1*DIGIT within the signed 32-bit range.
// Errors: kInvalidArgument for syntax, kOutOfRange outside -2147483648..2147483647.
Result<std::int32_t> ParseInteger(std::string_view text);
// ["+"/"-"] 1*DIGIT ["." 1*DIGIT]; no exponent, no "inf"/"nan".
// Errors: kInvalidArgument.
Result<double> ParseFloat(std::string_view text);
// "TRUE" / "FALSE", case-insensitive. Errors: kInvalidArgument.
Result<bool> ParseBoolean(std::string_view text);

// GEO (§3.8.1.6): "lat;lon" as two FLOATs, latitude -90..90, longitude -180..180.
struct GeoValue {
  double latitude = 0;
  double longitude = 0;
  bool operator==(const GeoValue&) const = default;
};
// Errors: kInvalidArgument for syntax or a coordinate out of range.
Result<GeoValue> ParseGeo(std::string_view text);

// ---- URI (§3.3.13), CAL-ADDRESS (§3.3.3) ----

// Basic syntax check: a scheme (ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")),
// ':', then at least one character, none of them whitespace, a control
// character, '"', '<' or '>'. Non-ASCII UTF-8 is allowed (IRIs are common).
// Errors: kInvalidArgument ("invalid URI value \"...\": ...").
Status ValidateUri(std::string_view text);
// A CAL-ADDRESS is a URI (normally "mailto:"). Errors as ValidateUri, with
// "CAL-ADDRESS" in the message.
Status ValidateCalAddress(std::string_view text);

// ---- BINARY (§3.3.1) ----

// Checks RFC 4648 base64 (padding required, no whitespace) without decoding.
// Errors: kInvalidArgument ("invalid BINARY value: ...").
Status ValidateBase64(std::string_view text);
// Decodes RFC 4648 base64. Errors: as ValidateBase64.
Result<std::string> DecodeBase64(std::string_view text);
// Encodes with padding, no line breaks.
std::string EncodeBase64(std::string_view bytes);

// ---- TZID (§3.2.19, §3.8.3.1) ----

// The zone name to look up for a TZID parameter or property value: strips
// surrounding double quotes and the "globally unique" prefix '/'. The view
// points into `tzid`.
std::string_view NormalizeTzid(std::string_view tzid);

// Validates `text` as a value of `type`. kRecur is checked by rrule.h's parser
// (strict); kTime accepts "HHMMSS" with an optional 'Z'. DATE and DATE-TIME
// are distinguished (a DATE is not a valid DATE-TIME here).
// Errors: kInvalidArgument (or kOutOfRange for an INTEGER out of range).
Status ValidateValue(ValueType type, std::string_view text);

// The value shortened for an error message: at most 60 octets, cut on a UTF-8
// boundary, with "..." appended when cut.
std::string ShortForMessage(std::string_view text);

}  // namespace almanac::ical
