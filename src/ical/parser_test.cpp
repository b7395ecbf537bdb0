#include "ical/parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ical/serializer.h"
#include "ical/values.h"

namespace almanac::ical {
namespace {

// "\n"-separated lines -> CRLF text.
std::string Crlf(std::string_view lines) {
  std::string out;
  for (char c : lines) {
    if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A calendar with METHOD (so DTSTART is optional) and one VEVENT; `extra`
// starts at line 8.
std::string EventCal(std::string_view extra) {
  return Crlf(
      "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//T//EN\nMETHOD:PUBLISH\nBEGIN:VEVENT\nUID:u1\n"
      "DTSTAMP:20240101T000000Z\n" +
      std::string(extra) + "END:VEVENT\nEND:VCALENDAR\n");
}

// A calendar whose body (starting at line 4) is `body`.
std::string Cal(std::string_view body) {
  return Crlf("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//T//EN\n" + std::string(body) +
              "END:VCALENDAR\n");
}

ParseOptions Lenient() {
  ParseOptions o;
  o.lenient = true;
  return o;
}

std::vector<std::string> Messages(const ParsedCalendar& c) {
  std::vector<std::string> out;
  for (const Diagnostic& d : c.warnings) out.push_back(d.message);
  return out;
}

const Component& FirstEvent(const ParsedCalendar& c) { return c.components.at(0).components.at(0); }

// ---------------------------------------------------------------------------
// Structure and syntax.

TEST(ParserTest, ParsesComponentsPropertiesAndLines) {
  Result<ParsedCalendar> r = Parse(EventCal("SUMMARY;LANGUAGE=en:Hello\nX-FOO;X-BAR=1:baz\n"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->warnings.empty());
  ASSERT_EQ(r->components.size(), 1u);
  const Component& cal = r->components[0];
  EXPECT_EQ(cal.name, "VCALENDAR");
  EXPECT_EQ(cal.line, 1);
  ASSERT_EQ(cal.properties.size(), 3u);
  EXPECT_EQ(cal.properties[2].name, "METHOD");
  const Component& ev = FirstEvent(*r);
  EXPECT_EQ(ev.name, "VEVENT");
  EXPECT_EQ(ev.line, 5);
  const Property* summary = ev.Find("SUMMARY");
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(summary->line, 8);
  EXPECT_EQ(summary->value, "Hello");
  EXPECT_EQ(summary->ParamValue("language"), "en");
  const Property* x = ev.Find("X-FOO");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->params, (std::vector<Parameter>{{"X-BAR", {"1"}}}));
  EXPECT_EQ(x->value, "baz");
}

TEST(ParserTest, UnfoldsCrlfAndLfFoldsWithSpaceOrTab) {
  const std::string text =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nMETHOD:PUBLISH\r\n"
      "BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20240101T000000Z\r\n"
      "DESCRIPTION:This is a lo\r\n ng description\r\n\tthat exists \r\n on a "
      "long line.\r\n"
      "SUMMARY:日本\r\n 語\r\n"
      "X-EMOJI:\xF0\x9F\r\n \x8E\x89 split\r\n"
      "X-EMPTY-CONT:a\r\n \r\n b\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  Result<ParsedCalendar> r = Parse(text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->warnings.empty()) << r->warnings[0].message;
  const Component& ev = FirstEvent(*r);
  EXPECT_EQ(ev.Find("DESCRIPTION")->value, "This is a long descriptionthat exists on a long line.");
  EXPECT_EQ(ev.Find("DESCRIPTION")->line, 8);
  EXPECT_EQ(ev.Find("SUMMARY")->value, "日本語");
  EXPECT_EQ(ev.Find("SUMMARY")->line, 12);
  // A UTF-8 sequence split by a sloppy folder is whole after unfolding.
  EXPECT_EQ(ev.Find("X-EMOJI")->value, "🎉 split");
  EXPECT_EQ(ev.Find("X-EMPTY-CONT")->value, "ab");
  EXPECT_EQ(ev.Find("X-EMPTY-CONT")->line, 16);
}

TEST(ParserTest, BareLfIsAcceptedWithOneWarning) {
  std::string text = EventCal("SUMMARY:a\n");
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  text.insert(text.find("SUMMARY"), "DESCRIPTION:fol\n ded\n");
  for (bool lenient : {false, true}) {
    ParseOptions o;
    o.lenient = lenient;
    Result<ParsedCalendar> r = Parse(text, o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(Messages(*r),
              std::vector<std::string>{"line 1: bare LF line ending (CRLF expected)"});
    EXPECT_EQ(FirstEvent(*r).Find("DESCRIPTION")->value, "folded");
  }
}

TEST(ParserTest, ParametersQuotingListsAndCaretEncoding) {
  Result<ParsedCalendar> r = Parse(EventCal(
      "ATTENDEE;MEMBER=\"mailto:a@x\",\"mailto:b@x\";CN=\"Lee, Kim: Ops; Night\";"
      "X-LIST=a,b,\"c,d\";X-CARET=\"say ^'hi^' ^^ ^n next\";X-KEEP=a^b^x;X-EMPTY=:mailto:k@x\n"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Property* p = FirstEvent(*r).Find("ATTENDEE");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->value, "mailto:k@x");
  EXPECT_EQ(p->params, (std::vector<Parameter>{{"MEMBER", {"mailto:a@x", "mailto:b@x"}},
                                               {"CN", {"Lee, Kim: Ops; Night"}},
                                               {"X-LIST", {"a", "b", "c,d"}},
                                               {"X-CARET", {"say \"hi\" ^ \n next"}},
                                               {"X-KEEP", {"a^b^x"}},
                                               {"X-EMPTY", {""}}}));
}

TEST(ParserTest, ValueMayContainColonsAndSemicolons) {
  Result<ParsedCalendar> r =
      Parse(EventCal("X-ALT-DESC;FMTTYPE=text/html:<p style=\"a:b;\">x</p>\n"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(FirstEvent(*r).Find("X-ALT-DESC")->value, "<p style=\"a:b;\">x</p>");
}

TEST(ParserTest, NamesAreUpperCasedWithOneWarning) {
  const std::string text = Crlf(
      "begin:vcalendar\nVersion:2.0\nprodid:-//T//EN\nMETHOD:PUBLISH\nBegin:VEvent\n"
      "uid:u1\ndtstamp;x-param=Yes:20240101T000000Z\nx-custom:v\nend:vevent\nend:VCALENDAR\n");
  for (bool lenient : {false, true}) {
    ParseOptions o;
    o.lenient = lenient;
    Result<ParsedCalendar> r = Parse(text, o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(Messages(*r), std::vector<std::string>{"line 1: lower-case name \"begin\""});
    const Component& cal = r->components.at(0);
    EXPECT_EQ(cal.name, "VCALENDAR");
    EXPECT_EQ(cal.properties[0].name, "VERSION");
    const Component& ev = cal.components.at(0);
    EXPECT_EQ(ev.name, "VEVENT");
    EXPECT_EQ(ev.Find("DTSTAMP")->params, (std::vector<Parameter>{{"X-PARAM", {"Yes"}}}));
    EXPECT_NE(ev.Find("X-CUSTOM"), nullptr);
  }
}

TEST(ParserTest, BlankLinesAtTheEndAreIgnoredInBothModes) {
  for (bool lenient : {false, true}) {
    ParseOptions o;
    o.lenient = lenient;
    Result<ParsedCalendar> r = Parse(Cal("") + "\r\n\r\n", o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(Messages(*r),
              std::vector<std::string>{"line 5: blank lines at the end of the input (ignored)"});
    EXPECT_EQ(r->components.size(), 1u);
  }
}

TEST(ParserTest, SeveralCalendarsInOneStream) {
  const std::string one = Cal("");
  Result<ParsedCalendar> r = Parse(one + one);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->components.size(), 2u);
  EXPECT_EQ(r->components[1].line, 5);
}

TEST(ParserTest, UnknownAndXComponentsAnywhereAreKept) {
  Result<ParsedCalendar> r = Parse(
      Cal("BEGIN:X-SETTINGS\nX-A:1\nBEGIN:X-INNER\nEND:X-INNER\nEND:X-SETTINGS\n"
          "BEGIN:VAVAILABILITY\nUID:a\nBEGIN:AVAILABLE\nUID:b\nEND:AVAILABLE\nEND:VAVAILABILITY\n"
          "BEGIN:VEVENT\nUID:u\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T000000Z\n"
          "BEGIN:X-EXT\nBEGIN:VALARM\nX-NOT-CHECKED:1\nEND:VALARM\nEND:X-EXT\nEND:VEVENT\n"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Component& cal = r->components[0];
  ASSERT_EQ(cal.components.size(), 3u);
  EXPECT_EQ(cal.components[0].components[0].name, "X-INNER");
  EXPECT_EQ(cal.components[1].components[0].name, "AVAILABLE");
  EXPECT_EQ(cal.components[2].components[0].components[0].name, "VALARM");
}

// ---------------------------------------------------------------------------
// Strict-mode rejections: each case is an error in strict mode and a warning
// (with the same text, plus the repair note) in lenient mode.

struct StrictCase {
  std::string text;
  std::string message;
};

void ExpectStrictErrorLenientWarning(const StrictCase& c) {
  Result<ParsedCalendar> strict = Parse(c.text);
  ASSERT_FALSE(strict.ok()) << "strict accepted: " << c.text;
  EXPECT_EQ(strict.error().code, Code::kInvalidArgument);
  EXPECT_EQ(strict.error().message, c.message);
  Result<ParsedCalendar> lenient = Parse(c.text, Lenient());
  ASSERT_TRUE(lenient.ok()) << lenient.error().message;
  const std::vector<std::string> w = Messages(*lenient);
  const bool found = std::any_of(w.begin(), w.end(), [&](const std::string& m) {
    return m.rfind(c.message, 0) == 0;  // lenient may append "(repair)"
  });
  EXPECT_TRUE(found) << "no lenient warning starting with: " << c.message;
}

TEST(ParserStrictTest, InvalidValuesOfKnownProperties) {
  const StrictCase cases[] = {
      {EventCal("DTSTART:2024131\n"), "line 8: DTSTART: invalid DATE-TIME value \"2024131\""},
      {EventCal("DTSTART:20240101\n"),
       "line 8: DTSTART: DATE value \"20240101\" without VALUE=DATE"},
      {EventCal("DTSTART;VALUE=DATE:20240101T100000\n"),
       "line 8: DTSTART: DATE-TIME value \"20240101T100000\" with VALUE=DATE"},
      {EventCal("DTSTART;VALUE=PERIOD:20240101T100000Z/PT1H\n"),
       "line 8: DTSTART: VALUE=PERIOD is not allowed"},
      {EventCal("DTSTART;TZID=Europe/Berlin:20240101T100000Z\n"),
       "line 8: DTSTART: TZID is not allowed with a DATE or UTC value"},
      {EventCal("DTSTART;VALUE=DATE;TZID=Europe/Berlin:20240101\n"),
       "line 8: DTSTART: TZID is not allowed with a DATE or UTC value"},
      {EventCal("DTEND:20240101T10000\n"),
       "line 8: DTEND: invalid DATE-TIME value \"20240101T10000\""},
      {EventCal("RECURRENCE-ID:2024-01-01\n"),
       "line 8: RECURRENCE-ID: invalid DATE-TIME value \"2024-01-01\""},
      {EventCal("EXDATE:20240101T100000,2024\n"),
       "line 8: EXDATE: invalid DATE-TIME value \"2024\""},
      {EventCal("EXDATE:20240101T100000,20240102\n"),
       "line 8: EXDATE: DATE value \"20240101T100000,20240102\" without VALUE=DATE"},
      {EventCal("RDATE;VALUE=PERIOD:20240101T100000Z/20231231T100000Z\n"),
       "line 8: RDATE: invalid PERIOD value \"20240101T100000Z/20231231T100000Z\": end before "
       "start"},
      {EventCal("CREATED:20240101T100000\n"),
       "line 8: CREATED: value \"20240101T100000\" must be a UTC DATE-TIME (ending in Z)"},
      {EventCal("LAST-MODIFIED:20240101\n"),
       "line 8: LAST-MODIFIED: invalid DATE-TIME value \"20240101\""},
      {EventCal("DURATION:1H\n"),
       "line 8: DURATION: invalid DURATION value \"1H\": must start with [+/-]P"},
      {EventCal("PRIORITY:10\n"), "line 8: PRIORITY: value \"10\" is outside 0..9"},
      {EventCal("PRIORITY:high\n"), "line 8: PRIORITY: invalid INTEGER value \"high\""},
      {EventCal("SEQUENCE:-1\n"), "line 8: SEQUENCE: value \"-1\" is outside 0..2147483647"},
      {EventCal("GEO:1.5,2.5\n"),
       "line 8: GEO: invalid GEO value \"1.5,2.5\": expected latitude;longitude"},
      {EventCal("ATTACH;VALUE=BINARY:SGVsbG8=\n"),
       "line 8: ATTACH: VALUE=BINARY requires ENCODING=BASE64"},
      {EventCal("ATTACH;ENCODING=BASE64;VALUE=BINARY:SGVsbG8\n"),
       "line 8: ATTACH: invalid BINARY value: base64 length 7 is not a multiple of 4"},
      {EventCal("ATTACH:Chord\n"), "line 8: ATTACH: invalid URI value \"Chord\": missing scheme"},
      {EventCal("URL:not a url\n"), "line 8: URL: invalid URI value \"not a url\": missing scheme"},
      {EventCal("ORGANIZER:jane@example.com\n"),
       "line 8: ORGANIZER: invalid CAL-ADDRESS value \"jane@example.com\": missing scheme"},
      {EventCal("ATTENDEE;CN=X:mailto:\n"),
       "line 8: ATTENDEE: invalid CAL-ADDRESS value \"mailto:\": nothing after the scheme"},
      {EventCal("SUMMARY:Lunch, then coffee\n"), "line 8: SUMMARY: unescaped ',' in TEXT"},
      {EventCal("LOCATION:A;B\n"), "line 8: LOCATION: unescaped ';' in TEXT"},
      {EventCal("DESCRIPTION:C:\\temp\n"), "line 8: DESCRIPTION: invalid escape \"\\t\" in TEXT"},
      {EventCal("CATEGORIES:a;b\n"), "line 8: CATEGORIES: unescaped ';' in TEXT"},
      {EventCal("REQUEST-STATUS:2.0\n"),
       "line 8: REQUEST-STATUS: invalid value \"2.0\" (expected statcode;description)"},
      {EventCal("RRULE:FREQ=DAILY;COUNT=3;\n"), "line 8: RRULE: trailing ';'"},
      {EventCal("SUMMARY:a\nSUMMARY:b\n"),
       "line 9: VEVENT: SUMMARY may appear only once (first at line 8)"},
      {EventCal("DTSTAMP:20240101T000000Z\n"),
       "line 8: VEVENT: DTSTAMP may appear only once (first at line 7)"},
      {Crlf("BEGIN:VCALENDAR\nVERSION:1.0\nPRODID:x\nEND:VCALENDAR\n"),
       "line 2: VERSION: unsupported version \"1.0\" (expected 2.0)"},
      {Cal("BEGIN:VTIMEZONE\nTZID:\"Europe/Paris\"\nBEGIN:STANDARD\nDTSTART:19701025T030000\n"
           "TZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n"),
       "line 5: TZID: value in double quotes"},
      {Cal("BEGIN:VTIMEZONE\nTZID:X\nBEGIN:STANDARD\nDTSTART:19701025T030000\n"
           "TZOFFSETFROM:-0000\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n"),
       "line 8: TZOFFSETFROM: invalid UTC-OFFSET value \"-0000\": \"-0000\" is not allowed"},
      {Cal("BEGIN:VTIMEZONE\nTZID:X\nBEGIN:STANDARD\nDTSTART:19701025T030000Z\n"
           "TZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n"),
       "line 7: STANDARD: DTSTART must be a local DATE-TIME without TZID or Z"},
      {Cal("BEGIN:VFREEBUSY\nUID:f\nDTSTAMP:20240101T000000Z\n"
           "FREEBUSY:20240101T100000/20240101T110000\nEND:VFREEBUSY\n"),
       "line 7: FREEBUSY: periods must be in UTC (ending in Z)"},
      {Cal("BEGIN:VEVENT\nUID:u\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T000000Z\n"
           "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:x\nTRIGGER;VALUE=DATE-TIME:20240101T000000\n"
           "END:VALARM\nEND:VEVENT\n"),
       "line 11: TRIGGER: DATE-TIME value must be in UTC (ending in Z)"},
      {Cal("BEGIN:VEVENT\nUID:u\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T000000Z\n"
           "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:x\nTRIGGER:15M\nEND:VALARM\nEND:VEVENT\n"),
       "line 11: TRIGGER: invalid DURATION value \"15M\": must start with [+/-]P"},
  };
  for (const StrictCase& c : cases) {
    SCOPED_TRACE(c.message);
    ExpectStrictErrorLenientWarning(c);
  }
}

TEST(ParserStrictTest, ValidValuesOfKnownProperties) {
  const char* ok[] = {
      "DTSTART;TZID=Europe/Berlin:20240101T100000\nDTEND;TZID=Europe/Berlin:20240101T110000\n",
      "DTSTART;VALUE=DATE:20240101\nDTEND;VALUE=DATE:20240102\n",
      "DTSTART:20240101T100000Z\nDURATION:PT1H\n",
      "DTSTART;VALUE=DATE:20240101\nDURATION:P1D\n",
      "EXDATE;VALUE=DATE:20240101,20240108\n",
      "RDATE;VALUE=PERIOD:20240101T100000Z/PT1H,20240102T100000Z/20240102T120000Z\n",
      "RDATE:20240101T100000,20240102T100000\n",
      "GEO:-33.8688;151.2093\n",
      "ATTACH;ENCODING=BASE64;VALUE=BINARY:SGVsbG8=\n",
      "ATTACH;FMTTYPE=application/pdf:https://example.com/a.pdf\n",
      "CATEGORIES:a,b\\,c\nRESOURCES:Projector,Room\n",
      "PRIORITY:0\nSEQUENCE:12\nCLASS:PUBLIC\nSTATUS:CONFIRMED\nTRANSP:OPAQUE\n",
      "DTSTART;TZID=/example.com/Custom:20240101T100000\n",
      "X-ANY;VALUE=X-THING:whatever, really; yes\n",
      "SUMMARY;VALUE=TEXT:Plain\n",
      "REQUEST-STATUS:3.1.4;Invalid property value;DTSTART:96-Apr-01\n",
      "CREATED:20240101T100000Z\nLAST-MODIFIED:20240101T100000Z\n",
      "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20240630T215959Z\n",
      // Different zones: not compared, since we do not know the offsets here.
      "DTSTART;TZID=America/New_York:20240101T100000\nDTEND;TZID=Europe/Berlin:20240101T090000\n",
  };
  for (const char* extra : ok) {
    Result<ParsedCalendar> r = Parse(EventCal(extra));
    EXPECT_TRUE(r.ok()) << extra << " -> " << r.error().message;
    if (r.ok()) {
      EXPECT_TRUE(r->warnings.empty()) << extra << " -> " << r->warnings[0].message;
    }
  }
}

TEST(ParserStrictTest, RruleIsValidatedByTheRecurParser) {
  Result<ParsedCalendar> r = Parse(EventCal("RRULE:FREQ=SOMETIMES\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_EQ(r.error().message.rfind("line 8: RRULE: ", 0), 0u) << r.error().message;
  r = Parse(EventCal("EXRULE:COUNT=2\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("line 8: EXRULE: ", 0), 0u) << r.error().message;
  r = Parse(EventCal("RRULE:FREQ=SOMETIMES\n"), Lenient());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FirstEvent(*r).Find("RRULE")->value, "FREQ=SOMETIMES");
}

TEST(ParserStrictTest, ComponentRules) {
  const std::string ev_head = "BEGIN:VEVENT\nUID:u\nDTSTAMP:20240101T000000Z\n";
  const StrictCase cases[] = {
      {Crlf("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n"),
       "line 1: VCALENDAR: missing required property PRODID"},
      {Crlf("BEGIN:VCALENDAR\nPRODID:x\nEND:VCALENDAR\n"),
       "line 1: VCALENDAR: missing required property VERSION"},
      {Cal("BEGIN:VEVENT\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T000000Z\nEND:VEVENT\n"),
       "line 4: VEVENT: missing required property UID"},
      {Cal("BEGIN:VEVENT\nUID:u\nDTSTART:20240101T000000Z\nEND:VEVENT\n"),
       "line 4: VEVENT: missing required property DTSTAMP"},
      {Cal(ev_head + "END:VEVENT\n"),
       "line 4: VEVENT: missing DTSTART (required when the calendar has no METHOD)"},
      {Cal(ev_head +
           "DTSTART:20240101T100000Z\nDTEND:20240101T110000Z\nDURATION:PT1H\nEND:VEVENT\n"),
       "line 9: VEVENT: DTEND and DURATION must not both appear"},
      {Cal(ev_head + "DTSTART:20240101T100000Z\nDTEND:20240101T090000Z\nEND:VEVENT\n"),
       "line 8: DTEND \"20240101T090000Z\" is before DTSTART \"20240101T100000Z\""},
      {Cal(ev_head + "DTSTART;TZID=A:20240101T100000\nDTEND;TZID=A:20240101T090000\nEND:VEVENT\n"),
       "line 8: DTEND \"20240101T090000\" is before DTSTART \"20240101T100000\""},
      {Cal(ev_head + "DTSTART;VALUE=DATE:20240102\nDTEND;VALUE=DATE:20240101\nEND:VEVENT\n"),
       "line 8: DTEND \"20240101\" is before DTSTART \"20240102\""},
      {Cal(ev_head + "DTSTART:20240101T100000Z\nDTEND;VALUE=DATE:20240102\nEND:VEVENT\n"),
       "line 8: DTEND: value type DATE differs from DTSTART's DATE-TIME"},
      {Cal(ev_head + "DTSTART;VALUE=DATE:20240102\nDURATION:PT1H\nEND:VEVENT\n"),
       "line 8: DURATION: must be in weeks or days when DTSTART is a DATE"},
      {Cal("BEGIN:VTODO\nUID:t\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T000000Z\n"
           "DUE:20240102T000000Z\nDURATION:P1D\nEND:VTODO\n"),
       "line 9: VTODO: DUE and DURATION must not both appear"},
      {Cal("BEGIN:VTODO\nUID:t\nDTSTAMP:20240101T000000Z\nDURATION:P1D\nEND:VTODO\n"),
       "line 7: VTODO: DURATION requires DTSTART"},
      {Cal("BEGIN:VTODO\nUID:t\nDTSTAMP:20240101T000000Z\nDTSTART:20240102T000000Z\n"
           "DUE:20240101T000000Z\nEND:VTODO\n"),
       "line 8: DUE \"20240101T000000Z\" is before DTSTART \"20240102T000000Z\""},
      {Cal("BEGIN:VJOURNAL\nDTSTAMP:20240101T000000Z\nEND:VJOURNAL\n"),
       "line 4: VJOURNAL: missing required property UID"},
      {Cal("BEGIN:VFREEBUSY\nUID:f\nEND:VFREEBUSY\n"),
       "line 4: VFREEBUSY: missing required property DTSTAMP"},
      {Cal(ev_head + "DTSTART:20240101T100000Z\nBEGIN:VALARM\nTRIGGER:-PT5M\nEND:VALARM\n"
                     "END:VEVENT\n"),
       "line 8: VALARM: missing required property ACTION"},
      {Cal(ev_head + "DTSTART:20240101T100000Z\nBEGIN:VALARM\nACTION:AUDIO\nEND:VALARM\n"
                     "END:VEVENT\n"),
       "line 8: VALARM: missing required property TRIGGER"},
      {Cal(ev_head + "DTSTART:20240101T100000Z\nBEGIN:VALARM\nACTION:AUDIO\nTRIGGER:-PT5M\n"
                     "REPEAT:2\nEND:VALARM\nEND:VEVENT\n"),
       "line 8: VALARM: DURATION and REPEAT must appear together"},
      {Cal(ev_head + "DTSTART:20240101T100000Z\nBEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT5M\n"
                     "END:VALARM\nEND:VEVENT\n"),
       "line 8: VALARM: ACTION:DISPLAY needs DESCRIPTION"},
      {Cal(ev_head + "DTSTART:20240101T100000Z\nBEGIN:VALARM\nACTION:EMAIL\nTRIGGER:-PT5M\n"
                     "DESCRIPTION:d\nATTENDEE:mailto:a@x\nEND:VALARM\nEND:VEVENT\n"),
       "line 8: VALARM: ACTION:EMAIL needs SUMMARY"},
      {Cal(ev_head + "DTSTART:20240101T100000Z\nBEGIN:VALARM\nACTION:EMAIL\nTRIGGER:-PT5M\n"
                     "DESCRIPTION:d\nSUMMARY:s\nEND:VALARM\nEND:VEVENT\n"),
       "line 8: VALARM: ACTION:EMAIL needs an ATTENDEE"},
      {Cal(ev_head + "DTSTART:20240101T100000Z\nBEGIN:VALARM\nACTION:AUDIO\nTRIGGER:-PT5M\n"
                     "TRIGGER:-PT6M\nEND:VALARM\nEND:VEVENT\n"),
       "line 11: VALARM: TRIGGER may appear only once (first at line 10)"},
      {Cal("BEGIN:VALARM\nACTION:AUDIO\nTRIGGER:-PT5M\nEND:VALARM\n"),
       "line 4: BEGIN:VALARM not inside VEVENT or VTODO"},
      {Cal("BEGIN:VTIMEZONE\nBEGIN:STANDARD\nDTSTART:19701025T030000\nTZOFFSETFROM:+0200\n"
           "TZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n"),
       "line 4: VTIMEZONE: missing required property TZID"},
      {Cal("BEGIN:VTIMEZONE\nTZID:X\nEND:VTIMEZONE\n"),
       "line 4: VTIMEZONE: needs at least one STANDARD or DAYLIGHT component"},
      {Cal("BEGIN:VTIMEZONE\nTZID:X\nBEGIN:DAYLIGHT\nDTSTART:19700329T020000\nTZOFFSETFROM:+0100\n"
           "END:DAYLIGHT\nEND:VTIMEZONE\n"),
       "line 6: DAYLIGHT: missing required property TZOFFSETTO"},
      {Cal("BEGIN:STANDARD\nDTSTART:19701025T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\n"
           "END:STANDARD\n"),
       "line 4: BEGIN:STANDARD not inside VTIMEZONE"},
      {Cal("BEGIN:VTODO\nUID:t\nDTSTAMP:20240101T000000Z\nBEGIN:VEVENT\nEND:VEVENT\nEND:VTODO\n"),
       "line 7: BEGIN:VEVENT not directly inside VCALENDAR"},
      {Cal("BEGIN:VCALENDAR\nEND:VCALENDAR\n"),
       "line 4: BEGIN:VCALENDAR nested in another component"},
      {Crlf(
           "BEGIN:VEVENT\nUID:u\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T000000Z\nEND:VEVENT\n"),
       "line 1: BEGIN:VEVENT outside of VCALENDAR"},
  };
  for (const StrictCase& c : cases) {
    SCOPED_TRACE(c.message);
    ExpectStrictErrorLenientWarning(c);
  }
}

TEST(ParserStrictTest, SyntaxErrorsNameTheLine) {
  const StrictCase cases[] = {
      {Crlf("BEGIN:VCALENDAR\nPRODID:x\nBEGIN:VTODO\nUID:t\nDTSTAMP:20240101T000000Z\nSUMMARY:x\n"
            "END:VEVENT\nEND:VTODO\nEND:VCALENDAR\n"),
       "line 7: END:VEVENT does not match BEGIN:VTODO at line 3"},
      {Cal("SUMMARY\n"), "line 4: missing ':' in \"SUMMARY\""},
      {Cal(":value\n"), "line 4: missing name in \":value\""},
      {Cal("X_UNDERSCORE:1\n"), "line 4: invalid character in name \"X_UNDERSCORE\""},
      {Cal("X A:1\n"), "line 4: invalid character in name \"X A\""},
      {Cal("X-A;X_B=1:v\n"), "line 4: X-A: invalid character in parameter name \"X_B\""},
      {Cal("X-A;=1:v\n"), "line 4: X-A: empty parameter name"},
      {Cal("X-A;X-B=1\n"), "line 4: X-A: missing ':' after the parameters"},
      {Cal("X-A;X-B=\"1\"x:v\n"), "line 4: X-A: text after the closing quote of parameter X-B"},
      {Cal("X-A;X-B=a\"b:v\n"), "line 4: X-A: '\"' inside the unquoted value of parameter X-B"},
      {Cal("ATTENDEE;RSVP:mailto:a@x\n"), "line 4: ATTENDEE: parameter RSVP has no value"},
      {Cal("BEGIN:V EVENT\n"), "line 4: invalid component name \"V EVENT\" in BEGIN"},
      {Cal("BEGIN:\n"), "line 4: invalid component name \"\" in BEGIN"},
      {Cal("END:VEVENT\n"), "line 4: END:VEVENT does not match BEGIN:VCALENDAR at line 1"},
      {Crlf("END:VCALENDAR\n"), "line 1: END:VCALENDAR without BEGIN"},
      {Crlf("SUMMARY:x\n"), "line 1: property \"SUMMARY\" outside of any component"},
      {Crlf("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n\nEND:VCALENDAR\n"), "line 4: empty line"},
      {"\xEF\xBB\xBF" + Cal(""), "line 1: UTF-8 byte order mark at the start of the input"},
      {Crlf("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nUID:u\n"),
       "line 5: missing END:VEVENT for BEGIN:VEVENT at line 4"},
      {"", "line 1: empty input"},
      {Cal("BEGIN;X=1:X-A\nEND:X-A\n"), "line 4: BEGIN with parameters"},
  };
  for (const StrictCase& c : cases) {
    SCOPED_TRACE(c.message);
    ExpectStrictErrorLenientWarning(c);
  }
}

TEST(ParserStrictTest, UnterminatedQuoteIsFatalInBothModes) {
  const std::string text = Cal("ATTENDEE;CN=\"Kim:mailto:k@x\n");
  for (bool lenient : {false, true}) {
    ParseOptions o;
    o.lenient = lenient;
    Result<ParsedCalendar> r = Parse(text, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::kInvalidArgument);
    EXPECT_EQ(r.error().message, "line 4: ATTENDEE: unterminated quoted value of parameter CN");
  }
}

// ---------------------------------------------------------------------------
// UTF-8 and control characters.

TEST(ParserTest, InvalidUtf8IsRejectedInBothModes) {
  struct Case {
    std::string bytes;
    const char* what;
  } cases[] = {
      {"\xC0\xAF", "overlong 2-octet"},
      {"\xE0\x80\xAF", "overlong 3-octet"},
      {"\xF0\x80\x80\xAF", "overlong 4-octet"},
      {"\xED\xA0\x80", "UTF-16 surrogate"},
      {"\xF4\x90\x80\x80", "above U+10FFFF"},
      {"\xE6\x97", "truncated at end of line"},
      {"\xE6\x97z", "truncated before ASCII"},
      {"\x80", "stray continuation"},
      {"\xFF", "invalid octet"},
  };
  for (const Case& c : cases) {
    const std::string text = EventCal("SUMMARY:ab" + c.bytes + "\n");
    for (bool lenient : {false, true}) {
      ParseOptions o;
      o.lenient = lenient;
      Result<ParsedCalendar> r = Parse(text, o);
      ASSERT_FALSE(r.ok()) << c.what;
      EXPECT_EQ(r.error().code, Code::kInvalidArgument) << c.what;
      EXPECT_EQ(r.error().message, "line 8: invalid UTF-8 at octet 11 of the line") << c.what;
    }
  }
  // Valid multi-octet text of every length passes, also past the 8-octet fast path.
  Result<ParsedCalendar> ok = Parse(EventCal("SUMMARY:é日🎉 abcdefghijklmnop é日🎉\n"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
}

TEST(ParserTest, Utf8AndControlCharactersAreFoundAtEveryOffset) {
  // The whole-input check works in blocks of 32 and 64 octets and the
  // per-line scan in blocks of 16; the error must name the same octet
  // wherever the offending one falls, and valid text must pass anywhere.
  for (std::size_t k = 0; k < 90; ++k) {
    const std::string before = "SUMMARY:" + std::string(k, 'a');
    const std::string octet = std::to_string(before.size() + 1);
    for (const char* bad : {"\xE6\x97", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80", "\x80"}) {
      Result<ParsedCalendar> r = Parse(EventCal(before + bad + "z\n"));
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().message, "line 8: invalid UTF-8 at octet " + octet + " of the line");
    }
    Result<ParsedCalendar> ctl = Parse(EventCal(before + "\x01z\n"));
    ASSERT_FALSE(ctl.ok());
    EXPECT_EQ(ctl.error().message,
              "line 8: control character U+0001 at octet " + octet + " of the line");
    Result<ParsedCalendar> ok = Parse(EventCal(before + "\xC3\xA9\xE6\x97\xA5\xF0\x9F\x8E\x89z\n"));
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(FirstEvent(*ok).Find("SUMMARY")->value,
              std::string(k, 'a') + "\xC3\xA9\xE6\x97\xA5\xF0\x9F\x8E\x89z");
  }
  // A truncated sequence as the very last octets of the input.
  Result<ParsedCalendar> cut =
      Parse(Crlf("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//T//EN\n") + "END:VCALENDAR\xE6\x97");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().message, "line 4: invalid UTF-8 at octet 14 of the line");
}

TEST(ParserTest, NamesAndParameterValuesOfEveryLength) {
  // The name and parameter scanners work 16 octets at a time: every length
  // and every position of the octet that matters, around that block size.
  // (The longer lines are not folded, hence that warning, which is left out.)
  const auto messages = [](const ParsedCalendar& c) {
    std::vector<std::string> out = Messages(c);
    std::erase(out, "line 8: line longer than 75 octets");
    return out;
  };
  for (std::size_t len = 1; len <= 40; ++len) {
    const std::string name = "X-" + std::string(len, 'N');
    const std::string pname = "X-" + std::string(len, 'P');
    const std::string pvalue(len, 'v');
    Result<ParsedCalendar> r =
        Parse(EventCal(name + ";" + pname + "=" + pvalue + "," + pvalue + ":value\n"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(messages(*r).empty());
    const Property* p = FirstEvent(*r).Find(name);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->params.size(), 1u);
    EXPECT_EQ(p->params[0].name, pname);
    EXPECT_EQ(p->params[0].values, (ParamValues{pvalue, pvalue}));
    EXPECT_EQ(p->value, "value");
    for (std::size_t k = 0; k < len; ++k) {
      std::string lower = name;
      lower[2 + k] = 'n';
      std::string caret = pvalue;
      caret.replace(k, 1, "^n");
      Result<ParsedCalendar> lr = Parse(EventCal(lower + ";" + pname + "=" + caret + ":v\n"));
      ASSERT_TRUE(lr.ok()) << lr.error().message;
      EXPECT_EQ(messages(*lr),
                std::vector<std::string>{"line 8: lower-case name \"" + lower + "\""});
      const Property* lp = FirstEvent(*lr).Find(name);
      ASSERT_NE(lp, nullptr);
      std::string decoded = pvalue;
      decoded[k] = '\n';
      EXPECT_EQ(lp->params.at(0).values.front(), decoded);

      if (k > 0) {  // a '"' first would open a quoted value
        std::string quote = pvalue;
        quote[k] = '"';
        Result<ParsedCalendar> qr = Parse(EventCal(name + ";" + pname + "=" + quote + ":v\n"));
        ASSERT_FALSE(qr.ok());
        EXPECT_EQ(qr.error().message,
                  "line 8: " + name + ": '\"' inside the unquoted value of parameter " + pname);
      }

      std::string bad = pname;
      bad[2 + k] = '_';
      Result<ParsedCalendar> br = Parse(EventCal(name + ";" + bad + "=v:v\n"));
      ASSERT_FALSE(br.ok());
      EXPECT_EQ(br.error().message,
                "line 8: " + name + ": invalid character in parameter name \"" + bad + "\"");
    }
  }
}

TEST(ParserTest, LinesAtTheVeryEndOfTheInput) {
  // The last lines have no input after them to read ahead into: they are
  // scanned from a padded copy, with the same results.
  const std::string head = Crlf("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//T//EN\n");
  Result<ParsedCalendar> no_newline = Parse(head + "END:VCALENDAR");
  ASSERT_TRUE(no_newline.ok()) << no_newline.error().message;
  EXPECT_TRUE(no_newline->warnings.empty());
  for (std::size_t len = 0; len < 34; ++len) {  // up to 75 octets
    const std::string tail = "X-T;X-P=" + std::string(len, 'p') + ":" + std::string(len, 'v');
    Result<ParsedCalendar> r = Parse(head + "END:VCALENDAR\r\n" + tail, Lenient());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(Messages(*r),
              std::vector<std::string>{
                  "line 5: property \"X-T\" outside of any component (line dropped)"});
  }
  Result<ParsedCalendar> lower = Parse(head + "end:VCALENDAR");
  ASSERT_TRUE(lower.ok()) << lower.error().message;
  EXPECT_EQ(Messages(*lower), std::vector<std::string>{"line 4: lower-case name \"end\""});
}

TEST(ParserTest, ControlCharactersAreRejectedOrRemoved) {
  for (const std::string& ctl :
       {std::string("\x07"), std::string(1, '\0'), std::string("\x7F"), std::string("\r")}) {
    const std::string text = EventCal("SUMMARY:a" + ctl + "b\n");
    Result<ParsedCalendar> strict = Parse(text);
    ASSERT_FALSE(strict.ok());
    EXPECT_EQ(strict.error().code, Code::kInvalidArgument);
    char expected[80];
    std::snprintf(expected, sizeof expected,
                  "line 8: control character U+%04X at octet 10 of the line",
                  static_cast<unsigned>(static_cast<unsigned char>(ctl[0])));
    EXPECT_EQ(strict.error().message, expected);
    Result<ParsedCalendar> lenient = Parse(text, Lenient());
    ASSERT_TRUE(lenient.ok()) << lenient.error().message;
    EXPECT_EQ(FirstEvent(*lenient).Find("SUMMARY")->value, "ab");
    EXPECT_EQ(Messages(*lenient), std::vector<std::string>{std::string(expected) + " (removed)"});
  }
  // HTAB is allowed.
  Result<ParsedCalendar> tab = Parse(EventCal("SUMMARY:a\tb\n"));
  ASSERT_TRUE(tab.ok());
  EXPECT_EQ(FirstEvent(*tab).Find("SUMMARY")->value, "a\tb");
}

// ---------------------------------------------------------------------------
// Limits.

TEST(ParserLimitsTest, InputSize) {
  ParseOptions o;
  o.limits.max_input_bytes = 10;
  Result<ParsedCalendar> r = Parse(Cal(""), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kResourceExhausted);
  EXPECT_EQ(r.error().message,
            "input of " + std::to_string(Cal("").size()) + " bytes exceeds the limit of 10");
}

TEST(ParserLimitsTest, LogicalLineLength) {
  ParseOptions o;
  o.limits.max_line_octets = 100;
  const std::string long_value(120, 'x');
  for (const std::string& body :
       {"X-LONG:" + long_value + "\n",
        "X-LONG:" + long_value.substr(0, 60) + "\n " + long_value.substr(60) + "\n"}) {
    for (bool lenient : {false, true}) {
      o.lenient = lenient;
      Result<ParsedCalendar> r = Parse(Cal(body), o);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, Code::kResourceExhausted);
      EXPECT_EQ(r.error().message, "line 4: logical line exceeds 100 octets");
    }
  }
  o.limits.max_line_octets = 200;
  EXPECT_TRUE(Parse(Cal("X-LONG:" + long_value + "\n"), o).ok());
}

TEST(ParserLimitsTest, NestingDepth) {
  std::string body;
  for (int i = 0; i < 16; ++i) body += "BEGIN:X-L\n";
  for (int i = 0; i < 16; ++i) body += "END:X-L\n";
  Result<ParsedCalendar> r = Parse(Cal(body));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kResourceExhausted);
  EXPECT_EQ(r.error().message, "line 19: components nested deeper than 16");

  ParseOptions o;
  o.limits.max_depth = 40;
  EXPECT_TRUE(Parse(Cal(body), o).ok());
  o.limits.max_depth = 3;
  r = Parse(Cal("BEGIN:X-A\nBEGIN:X-B\nEND:X-B\nEND:X-A\n"), o);
  ASSERT_TRUE(r.ok());
  r = Parse(Cal("BEGIN:X-A\nBEGIN:X-B\nBEGIN:X-C\nEND:X-C\nEND:X-B\nEND:X-A\n"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kResourceExhausted);
  EXPECT_EQ(r.error().message, "line 6: components nested deeper than 3");
}

TEST(ParserLimitsTest, PropertyAndComponentCounts) {
  ParseOptions o;
  o.limits.max_properties = 3;
  EXPECT_TRUE(Parse(Cal("X-A:1\n"), o).ok());
  Result<ParsedCalendar> r = Parse(Cal("X-A:1\nX-B:2\n"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kResourceExhausted);
  EXPECT_EQ(r.error().message, "line 5: more than 3 properties");

  o = ParseOptions();
  o.limits.max_components = 2;
  EXPECT_TRUE(Parse(Cal("BEGIN:X-A\nEND:X-A\n"), o).ok());
  r = Parse(Cal("BEGIN:X-A\nEND:X-A\nBEGIN:X-B\nEND:X-B\n"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kResourceExhausted);
  EXPECT_EQ(r.error().message, "line 6: more than 2 components");
}

TEST(ParserLimitsTest, WarningsAreCapped) {
  ParseOptions o = Lenient();
  o.limits.max_warnings = 2;
  Result<ParsedCalendar> r =
      Parse(EventCal("SUMMARY:a,b\nLOCATION:a,b\nCOMMENT:a,b\nCONTACT:a,b\n"), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Messages(*r), (std::vector<std::string>{"line 8: SUMMARY: unescaped ',' in TEXT",
                                                    "line 9: LOCATION: unescaped ',' in TEXT",
                                                    "2 more warnings not shown"}));
}

// ---------------------------------------------------------------------------
// Lenient repairs and always-accepted deviations.

TEST(ParserStrictTest, TrailingWhitespaceInDateTimeIsAnError) {
  Result<ParsedCalendar> r = Parse(EventCal("DTSTART:20240101T100000Z \n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_EQ(r.error().message, "line 8: DTSTART: invalid DATE-TIME value \"20240101T100000Z \"");
}

TEST(ParserStrictTest, AppleAlarmSoundNamesAreAccepted) {
  const std::string alarm =
      "BEGIN:VEVENT\nUID:u\nDTSTAMP:20240101T000000Z\nDTSTART:20240101T000000Z\n"
      "BEGIN:VALARM\nTRIGGER:-PT5M\nATTACH;VALUE=URI:Chord\nACTION:AUDIO\nEND:VALARM\n"
      "END:VEVENT\n";
  Result<ParsedCalendar> r = Parse(Cal(alarm));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->warnings.empty());
}

TEST(ParserLenientTest, RepairsUnambiguousValues) {
  Result<ParsedCalendar> r = Parse(
      Cal("BEGIN:VTIMEZONE\nTZID:\"Europe/Paris\"\nBEGIN:STANDARD\nDTSTART:19701025T030000\n"
          "TZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n"
          "BEGIN:VEVENT\nUID:u\nDTSTAMP:20240101T000000Z "
          "\nDTSTART;TZID=Europe/Paris:20240105T090000\t\n"
          "RRULE:FREQ=WEEKLY;COUNT=3;\nEXDATE;TZID=Europe/Paris:20240112T090000 \n"
          "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:x\nTRIGGER:-PT5M\nEND:VALARM\nEND:VEVENT \n"),
      Lenient());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Messages(*r), (std::vector<std::string>{
                              "line 5: TZID: value in double quotes (unquoted)",
                              "line 14: DTSTAMP: trailing whitespace removed",
                              "line 15: DTSTART: trailing whitespace removed",
                              "line 16: RRULE: trailing ';' (removed)",
                              "line 17: EXDATE: trailing whitespace removed",
                              "line 23: END: trailing whitespace removed",
                          }));
  const Component& cal = r->components[0];
  EXPECT_EQ(cal.components[0].Find("TZID")->value, "Europe/Paris");
  const Component& ev = cal.components[1];
  EXPECT_EQ(ev.Find("DTSTAMP")->value, "20240101T000000Z");
  EXPECT_EQ(ev.Find("DTSTART")->value, "20240105T090000");
  EXPECT_EQ(ev.Find("RRULE")->value, "FREQ=WEEKLY;COUNT=3");
  EXPECT_EQ(ev.Find("EXDATE")->value, "20240112T090000");
  // The repaired calendar is strictly valid.
  Result<ParsedCalendar> again = Parse(Serialize(cal));
  ASSERT_TRUE(again.ok()) << again.error().message;
}

TEST(ParserLenientTest, RecoversFromBadStructure) {
  Result<ParsedCalendar> r = Parse(Crlf("SUMMARY:orphan\n"
                                        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
                                        "BEGIN:VEVENT\nUID:u\nDTSTAMP:20240101T000000Z\n"
                                        "DTSTART:20240101T000000Z\nBEGIN:VALARM\nACTION:AUDIO\n"
                                        "TRIGGER:-PT1M\nEND:VEVENT\nEND:VTODO\n"
                                        "BEGIN:VEVENT\nUID:v\nDTSTAMP:20240101T000000Z\n"
                                        "DTSTART:20240101T000000Z\n"),
                                   Lenient());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Messages(*r),
            (std::vector<std::string>{
                "line 1: property \"SUMMARY\" outside of any component (line dropped)",
                "line 12: END:VEVENT does not match BEGIN:VALARM at line 9",
                "line 13: END:VTODO does not match BEGIN:VCALENDAR at line 2",
                "line 17: missing END:VEVENT for BEGIN:VEVENT at line 14",
                "line 17: missing END:VCALENDAR for BEGIN:VCALENDAR at line 2",
            }));
  ASSERT_EQ(r->components.size(), 1u);
  const Component& cal = r->components[0];
  ASSERT_EQ(cal.components.size(), 2u);
  EXPECT_EQ(cal.components[0].components.at(0).name, "VALARM");
  EXPECT_EQ(cal.components[1].Find("UID")->value, "v");
}

TEST(ParserLenientTest, AcceptsMissingRequiredPropertiesAndKeepsValuesVerbatim) {
  Result<ParsedCalendar> r = Parse(Crlf("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20240101\n"
                                        "SUMMARY:Lunch, then coffee; then work\nEND:VEVENT\n"
                                        "END:VCALENDAR\n"),
                                   Lenient());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Messages(*r), (std::vector<std::string>{
                              "line 3: DTSTART: DATE value \"20240101\" without VALUE=DATE",
                              "line 4: SUMMARY: unescaped ',' in TEXT",
                              "line 2: VEVENT: missing required property UID",
                              "line 2: VEVENT: missing required property DTSTAMP",
                              "line 1: VCALENDAR: missing required property PRODID",
                              "line 1: VCALENDAR: missing required property VERSION",
                          }));
  const Component& ev = FirstEvent(*r);
  EXPECT_EQ(ev.Find("DTSTART")->value, "20240101");
  EXPECT_EQ(ev.Find("SUMMARY")->value, "Lunch, then coffee; then work");
  // And it round-trips as is.
  Result<ParsedCalendar> again = Parse(Serialize(r->components[0]), Lenient());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->components, r->components);
}

TEST(ParserLenientTest, KeepsOddParameters) {
  Result<ParsedCalendar> r =
      Parse(Cal("ATTENDEE;RSVP;X-Q=a\"b;X-R=\"q\"tail:mailto:a@x\nX_ODD:1\n"), Lenient());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Property& p = r->components[0].properties.at(2);
  EXPECT_EQ(p.params,
            (std::vector<Parameter>{{"RSVP", {}}, {"X-Q", {"a\"b"}}, {"X-R", {"qtail"}}}));
  EXPECT_EQ(r->components[0].properties.at(3).name, "X_ODD");
  Result<ParsedCalendar> again = Parse(Serialize(r->components[0]), Lenient());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->components, r->components);
}

TEST(ParserLenientTest, AlwaysAcceptedDeviationsWarnOnce) {
  const std::string long_line = "X-LONG:" + std::string(100, 'x');
  const std::string text = Crlf("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n" + long_line + "\n" +
                                long_line + "\nX-FOLD:a\n   b\nX-FOLD2:a\n\t\tb\nEND:VCALENDAR\n");
  for (bool lenient : {false, true}) {
    ParseOptions o;
    o.lenient = lenient;
    Result<ParsedCalendar> r = Parse(text, o);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(Messages(*r),
              (std::vector<std::string>{
                  "line 4: line longer than 75 octets",
                  "line 7: fold followed by more than one whitespace character (only one is "
                  "removed)",
              }));
    // RFC 5545 §3.1 removes exactly one whitespace character.
    EXPECT_EQ(r->components[0].Find("X-FOLD")->value, "a  b");
    EXPECT_EQ(r->components[0].Find("X-FOLD2")->value, "a\tb");
  }
}

// ---------------------------------------------------------------------------
// The sample files: every tests/data/ical/*.ics.
//
//  - foo.ics without foo.warnings must parse in strict mode without warnings.
//  - foo.ics with foo.warnings is lenient-only: strict mode must fail with
//    kInvalidArgument and one of the listed messages; lenient mode must give
//    exactly the listed warnings, in order.
//  - In every mode that accepts the file, Parse(Serialize(x)) == x and
//    serializing again gives the same text.
//  - Serialize(Parse(foo.ics)) must equal foo.expected if it exists, or else
//    (strict files only) foo.ics itself: those files are canonical.

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> ReadLines(const std::filesystem::path& p) {
  std::vector<std::string> lines;
  std::istringstream in(ReadFile(p));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string SerializeAll(const ParsedCalendar& c) {
  std::string out;
  for (const Component& comp : c.components) SerializeTo(comp, &out);
  return out;
}

void ExpectRoundTrip(const ParsedCalendar& parsed, const ParseOptions& o) {
  const std::string text = SerializeAll(parsed);
  Result<ParsedCalendar> again = Parse(text, o);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->components, parsed.components);
  if (!o.lenient) {
    EXPECT_TRUE(again->warnings.empty()) << again->warnings[0].message;
  }
  EXPECT_EQ(SerializeAll(*again), text);
  // Canonical output: CRLF only, every physical line <= 75 octets.
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t crlf = text.find("\r\n", start);
    ASSERT_NE(crlf, std::string::npos);
    EXPECT_LE(crlf - start, 75u);
    EXPECT_EQ(text.substr(start, crlf - start).find('\n'), std::string::npos);
    start = crlf + 2;
  }
}

TEST(ParserDataFilesTest, EveryFileRoundTrips) {
  const std::filesystem::path dir = ALMANAC_SOURCE_DIR "/tests/data/ical";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".ics") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 3u);
  for (const std::filesystem::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    const std::string text = ReadFile(file);
    std::filesystem::path warnings_file = file;
    warnings_file.replace_extension(".warnings");
    std::filesystem::path expected_file = file;
    expected_file.replace_extension(".expected");
    const bool lenient_only = std::filesystem::exists(warnings_file);

    Result<ParsedCalendar> strict = Parse(text);
    Result<ParsedCalendar> lenient = Parse(text, Lenient());
    ASSERT_TRUE(lenient.ok()) << lenient.error().message;
    ASSERT_FALSE(lenient->components.empty());
    ExpectRoundTrip(*lenient, Lenient());
    if (lenient_only) {
      const std::vector<std::string> want = ReadLines(warnings_file);
      EXPECT_EQ(Messages(*lenient), want);
      ASSERT_FALSE(strict.ok());
      EXPECT_EQ(strict.error().code, Code::kInvalidArgument);
      EXPECT_NE(std::find(want.begin(), want.end(), strict.error().message), want.end())
          << strict.error().message;
    } else {
      ASSERT_TRUE(strict.ok()) << strict.error().message;
      EXPECT_TRUE(strict->warnings.empty()) << strict->warnings[0].message;
      EXPECT_TRUE(lenient->warnings.empty()) << lenient->warnings[0].message;
      EXPECT_EQ(strict->components, lenient->components);
      ExpectRoundTrip(*strict, ParseOptions());
    }
    const ParsedCalendar& parsed = lenient_only ? *lenient : *strict;
    if (std::filesystem::exists(expected_file)) {
      EXPECT_EQ(SerializeAll(parsed), ReadFile(expected_file));
    } else if (!lenient_only) {
      EXPECT_EQ(SerializeAll(parsed), text) << "not canonical; add a .expected file";
    }
  }
}

TEST(ParserDataFilesTest, RealWorldShapesAreUnderstood) {
  const std::string dir = ALMANAC_SOURCE_DIR "/tests/data/ical/";
  Result<ParsedCalendar> google = Parse(ReadFile(dir + "google_export.ics"));
  ASSERT_TRUE(google.ok()) << google.error().message;
  const Component& gcal = google->components.at(0);
  EXPECT_EQ(gcal.Find("X-WR-CALNAME")->value, "Team Almanac");
  const std::vector<const Component*> events = gcal.FindComponents("VEVENT");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]->FindAll("EXDATE").size(), 2u);
  EXPECT_EQ(events[0]->FindAll("ATTENDEE").size(), 3u);
  EXPECT_EQ(events[0]->FindAll("ATTENDEE")[2]->ParamValue("CN"), "Chloé Dubois");
  EXPECT_EQ(events[0]->FindComponents("VALARM").size(), 2u);
  EXPECT_EQ(events[1]->Find("RECURRENCE-ID")->value, "20240311T100000");
  EXPECT_NE(UnescapeText(events[2]->Find("DESCRIPTION")->value).find("🚀 tails.\n\nチーム"),
            std::string::npos);

  Result<ParsedCalendar> outlook = Parse(ReadFile(dir + "outlook_export.ics"));
  ASSERT_TRUE(outlook.ok()) << outlook.error().message;
  const Component& ocal = outlook->components.at(0);
  const Component* first = ocal.FindComponents("VEVENT").at(0);
  EXPECT_EQ(first->Find("DTSTART")->ParamValue("TZID"), "W. Europe Standard Time");
  EXPECT_EQ(first->Find("ATTENDEE")->ParamValue("CN"), "Müller, Jörg");
  EXPECT_EQ(first->Find("X-MICROSOFT-CDO-BUSYSTATUS")->value, "BUSY");
  const Component* ny = ocal.FindComponents("VEVENT").at(3);
  EXPECT_EQ(ny->Find("DTSTART")->ParamValue("TZID"), "(UTC-05:00) Eastern Time (US & Canada)");

  Result<ParsedCalendar> apple = Parse(ReadFile(dir + "apple_export.ics"), Lenient());
  ASSERT_TRUE(apple.ok()) << apple.error().message;
  const Component* review = apple->components.at(0).FindComponents("VEVENT").at(0);
  const Property* loc = review->Find("X-APPLE-STRUCTURED-LOCATION");
  ASSERT_NE(loc, nullptr);
  EXPECT_EQ(loc->ParamValue("X-ADDRESS"), "One Apple Park Way, Cupertino CA 95014, United States");
  EXPECT_EQ(loc->ParamValue("X-TITLE"), "Apple Park");
  EXPECT_EQ(loc->value, "geo:37.334900,-122.009020");
  EXPECT_EQ(review->Find("X-APPLE-TRAVEL-ADVISORY-BEHAVIOR")->value, "AUTOMATIC");
}

}  // namespace
}  // namespace almanac::ical
