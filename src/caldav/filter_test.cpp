#include "caldav/filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ical/parser.h"

namespace almanac::caldav {
namespace {

using core::Instant;

Instant U(const char* t) { return Instant::FromUnixSeconds(core::ParseLocal(t)->seconds()); }

ical::Component Cal(const std::string& body) {
  const std::string text =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + body + "END:VCALENDAR\r\n";
  Result<ical::ParsedCalendar> p = ical::Parse(text);
  EXPECT_TRUE(p.ok()) << p.error().message;
  return p.ok() ? p->components.at(0) : ical::Component{};
}

std::string Event(const std::string& props) {
  return "BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20250101T000000Z\r\n" + props + "END:VEVENT\r\n";
}
std::string Todo(const std::string& props) {
  return "BEGIN:VTODO\r\nUID:t\r\nDTSTAMP:20250101T000000Z\r\n" + props + "END:VTODO\r\n";
}

// <C:filter> around comp-filters under VCALENDAR.
std::string Filter(const std::string& inner) {
  return "<C:filter xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
         "<C:comp-filter name=\"VCALENDAR\">" +
         inner + "</C:comp-filter></C:filter>";
}
std::string TR(const std::string& start, const std::string& end) {
  std::string s = "<C:time-range";
  if (!start.empty()) s += " start=\"" + start + "\"";
  if (!end.empty()) s += " end=\"" + end + "\"";
  return s + "/>";
}
std::string Comp(const std::string& name, const std::string& inner = "") {
  return "<C:comp-filter name=\"" + name + "\">" + inner + "</C:comp-filter>";
}
std::string EventIn(const std::string& start, const std::string& end) {
  return Filter(Comp("VEVENT", TR(start, end)));
}
std::string TodoIn(const std::string& start, const std::string& end) {
  return Filter(Comp("VTODO", TR(start, end)));
}
std::string Prop(const std::string& name, const std::string& inner = "") {
  return "<C:prop-filter name=\"" + name + "\">" + inner + "</C:prop-filter>";
}
std::string Text(const std::string& text, const std::string& attrs = "") {
  return "<C:text-match" + attrs + ">" + text + "</C:text-match>";
}

Result<CompFilter> ParseFilterText(const std::string& xml) {
  Result<XmlElement> e = ParseXml(xml);
  EXPECT_TRUE(e.ok()) << e.error().message;
  if (!e.ok()) return e.error();
  return ParseFilter(*e);
}

struct Case {
  const char* name;
  std::string calendar;  // VCALENDAR body
  std::string filter;
  bool expected;
  const char* zone = nullptr;  // MatchOptions::default_zone
};

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<CompFilter> f = ParseFilterText(c.filter);
    ASSERT_TRUE(f.ok()) << f.error().message;
    ical::Component cal = Cal(c.calendar);
    MatchOptions options;
    if (c.zone != nullptr) options.default_zone = *core::FindIanaZone(c.zone);
    EXPECT_EQ(Matches(*f, cal, options), c.expected);
  }
}

// Mondays 10:00-11:00 Berlin from March 3, 2025, six times; Berlin moves
// to summer time on March 30. March 10 is moved to Wednesday 15:00, March
// 17 is excluded.
const std::string kWeekly = Event(
                                "DTSTART;TZID=Europe/Berlin:20250303T100000\r\n"
                                "DTEND;TZID=Europe/Berlin:20250303T110000\r\n"
                                "RRULE:FREQ=WEEKLY;COUNT=6\r\nSUMMARY:Regular\r\n"
                                "EXDATE;TZID=Europe/Berlin:20250317T100000\r\n") +
                            Event(
                                "RECURRENCE-ID;TZID=Europe/Berlin:20250310T100000\r\n"
                                "DTSTART;TZID=Europe/Berlin:20250312T150000\r\n"
                                "DTEND;TZID=Europe/Berlin:20250312T160000\r\nSUMMARY:Special\r\n");

TEST(MatchesTest, RecurringSeriesAcrossDst) {
  RunCases({
      {"first instance, winter time", kWeekly, EventIn("20250303T090000Z", "20250303T093000Z"),
       true},
      {"a Tuesday", kWeekly, EventIn("20250304T000000Z", "20250305T000000Z"), false},
      {"summer instance at 08:00Z", kWeekly, EventIn("20250331T080000Z", "20250331T083000Z"), true},
      {"no instance at 09:00Z in summer", kWeekly, EventIn("20250331T090000Z", "20250331T100000Z"),
       false},
      {"window ends as the instance starts", kWeekly,
       EventIn("20250331T070000Z", "20250331T080000Z"), false},
      {"window starts as the instance ends", kWeekly,
       EventIn("20250331T090000Z", "20250331T093000Z"), false},
      {"overridden instance's old slot", kWeekly, EventIn("20250310T090000Z", "20250310T100000Z"),
       false},
      {"overridden instance's new slot", kWeekly, EventIn("20250312T140000Z", "20250312T141500Z"),
       true},
      {"excluded instance", kWeekly, EventIn("20250317T000000Z", "20250318T000000Z"), false},
      {"after the last instance", kWeekly, EventIn("20250408T000000Z", "20250501T000000Z"), false},
      {"last instance (COUNT=6)", kWeekly, EventIn("20250407T000000Z", "20250408T000000Z"), true},
      {"open end", kWeekly, EventIn("20250406T000000Z", ""), true},
      {"open end after the series", kWeekly, EventIn("20250408T000000Z", ""), false},
      {"open start", kWeekly, EventIn("", "20250303T090001Z"), true},
      {"open start before the series", kWeekly, EventIn("", "20250303T090000Z"), false},
  });
}

TEST(MatchesTest, ComponentsAreMatchedOneAtATime) {
  const std::string special = Prop("SUMMARY", Text("special"));
  RunCases({
      {"override in range with its summary", kWeekly,
       Filter(Comp("VEVENT", TR("20250312T000000Z", "20250313T000000Z") + special)), true},
      {"master instance in range, summary only on the override", kWeekly,
       Filter(Comp("VEVENT", TR("20250303T000000Z", "20250304T000000Z") + special)), false},
      {"no time-range: any component", kWeekly, Filter(Comp("VEVENT", special)), true},
  });
}

TEST(MatchesTest, UnboundedSeriesIsCheapAndCorrect) {
  const std::string daily =
      Event("DTSTART:20200101T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY\r\n");
  RunCases({
      {"far future", daily, EventIn("20990101T093000Z", "20990101T094000Z"), true},
      {"far future gap", daily, EventIn("20990101T100000Z", "20990102T090000Z"), false},
      {"open end", daily, EventIn("20300101T000000Z", ""), true},
      {"minutely series, window deep inside",
       Event("DTSTART:20200101T000000Z\r\n"
             "RRULE:FREQ=MINUTELY;INTERVAL=7\r\n"),
       EventIn("20250101T000000Z", "20250101T000500Z"), true},
  });
}

TEST(MatchesTest, AllDayAndEventsWithoutDtend) {
  const std::string allday = Event("DTSTART;VALUE=DATE:20250305\r\n");
  const std::string three_days =
      Event("DTSTART;VALUE=DATE:20250305\r\nDTEND;VALUE=DATE:20250308\r\n");
  const std::string instant = Event("DTSTART:20250305T100000Z\r\n");
  const std::string empty_dtend = Event("DTSTART:20250305T100000Z\r\nDTEND:20250305T100000Z\r\n");
  const std::string zero_duration = Event("DTSTART:20250305T100000Z\r\nDURATION:PT0S\r\n");
  const std::string weekly_allday =
      Event("DTSTART;VALUE=DATE:20250301\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n");
  RunCases({
      {"all-day: last hour of the day", allday, EventIn("20250305T230000Z", "20250306T000000Z"),
       true},
      {"all-day: next day", allday, EventIn("20250306T000000Z", "20250307T000000Z"), false},
      {"all-day in New York: next UTC day", allday, EventIn("20250306T020000Z", "20250306T030000Z"),
       true, "America/New_York"},
      {"all-day in New York: its UTC morning", allday,
       EventIn("20250305T000000Z", "20250305T050000Z"), false, "America/New_York"},
      {"all-day DTEND exclusive", three_days, EventIn("20250308T000000Z", "20250309T000000Z"),
       false},
      {"all-day DTEND last day", three_days, EventIn("20250307T120000Z", "20250308T000000Z"), true},
      {"all-day series, second week", weekly_allday,
       EventIn("20250308T120000Z", "20250308T130000Z"), true},
      {"all-day series, a gap day", weekly_allday, EventIn("20250309T000000Z", "20250310T000000Z"),
       false},
      {"no DTEND: start == DTSTART", instant, EventIn("20250305T100000Z", "20250305T110000Z"),
       true},
      {"no DTEND: end == DTSTART", instant, EventIn("20250305T090000Z", "20250305T100000Z"), false},
      {"DURATION:PT0S: start == DTSTART", zero_duration,
       EventIn("20250305T100000Z", "20250305T110000Z"), true},
      {"DTEND == DTSTART: start == DTSTART", empty_dtend,
       EventIn("20250305T100000Z", "20250305T110000Z"), false},
      {"DTEND == DTSTART: around it", empty_dtend, EventIn("20250305T095959Z", "20250305T110000Z"),
       true},
  });
}

TEST(MatchesTest, FloatingTimesUseTheDefaultZone) {
  const std::string floating = Event("DTSTART:20250305T090000\r\nDTEND:20250305T100000\r\n");
  RunCases({
      {"as UTC", floating, EventIn("20250305T090000Z", "20250305T091000Z"), true},
      {"as Berlin: 08:00Z", floating, EventIn("20250305T080000Z", "20250305T081000Z"), true,
       "Europe/Berlin"},
      {"as Berlin: not 09:00Z", floating, EventIn("20250305T090000Z", "20250305T091000Z"), false,
       "Europe/Berlin"},
  });
}

TEST(MatchesTest, TodoRules) {
  const std::string start_due = Todo("DTSTART:20250305T100000Z\r\nDUE:20250305T120000Z\r\n");
  const std::string due_only = Todo("DUE:20250305T120000Z\r\n");
  const std::string start_only = Todo("DTSTART:20250305T100000Z\r\n");
  const std::string start_duration = Todo("DTSTART:20250305T100000Z\r\nDURATION:PT1H\r\n");
  const std::string completed = Todo("COMPLETED:20250305T100000Z\r\n");
  const std::string created = Todo("CREATED:20250305T100000Z\r\n");
  const std::string both = Todo("CREATED:20250301T100000Z\r\nCOMPLETED:20250305T100000Z\r\n");
  const std::string undated = Todo("SUMMARY:Someday\r\n");
  const std::string recurring =
      Todo("DTSTART:20250303T090000Z\r\nDUE:20250303T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n");
  RunCases({
      {"DTSTART+DUE inside", start_due, TodoIn("20250305T110000Z", "20250305T113000Z"), true},
      {"DTSTART+DUE before", start_due, TodoIn("20250305T080000Z", "20250305T100000Z"), false},
      {"DTSTART+DUE: end == DUE", start_due, TodoIn("20250305T120000Z", "20250305T130000Z"), false},
      {"DUE only: end == DUE", due_only, TodoIn("20250305T110000Z", "20250305T120000Z"), true},
      {"DUE only: start == DUE", due_only, TodoIn("20250305T120000Z", "20250305T130000Z"), false},
      {"DTSTART only: start == DTSTART", start_only, TodoIn("20250305T100000Z", "20250305T110000Z"),
       true},
      {"DTSTART only: later", start_only, TodoIn("20250305T100001Z", "20250306T000000Z"), false},
      {"DTSTART+DURATION: start == end of duration", start_duration,
       TodoIn("20250305T110000Z", "20250305T120000Z"), true},
      {"DTSTART+DURATION: after", start_duration, TodoIn("20250305T110001Z", "20250305T120000Z"),
       false},
      {"COMPLETED inside", completed, TodoIn("20250305T000000Z", "20250306T000000Z"), true},
      {"COMPLETED: end == COMPLETED", completed, TodoIn("20250305T000000Z", "20250305T100000Z"),
       true},
      {"COMPLETED before", completed, TodoIn("20250306T000000Z", "20250307T000000Z"), false},
      {"CREATED: end after", created, TodoIn("20250301T000000Z", "20250305T100001Z"), true},
      {"CREATED: end at", created, TodoIn("20250301T000000Z", "20250305T100000Z"), false},
      {"CREATED+COMPLETED spanning", both, TodoIn("20250302T000000Z", "20250303T000000Z"), true},
      {"CREATED+COMPLETED after", both, TodoIn("20250306T000000Z", "20250307T000000Z"), false},
      {"no dates: always", undated, TodoIn("19990101T000000Z", "19990102T000000Z"), true},
      {"recurring todo, third week", recurring, TodoIn("20250317T093000Z", "20250317T094000Z"),
       true},
      {"recurring todo, fifth week", recurring, TodoIn("20250331T000000Z", "20250401T000000Z"),
       false},
      {"a VEVENT filter does not see todos", start_due,
       EventIn("20250305T000000Z", "20250306T000000Z"), false},
  });
}

TEST(MatchesTest, JournalFreeBusyAndAlarms) {
  const std::string journal =
      "BEGIN:VJOURNAL\r\nUID:j\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250305\r\n"
      "RRULE:FREQ=DAILY;COUNT=2\r\nEND:VJOURNAL\r\n";
  const std::string undated_journal =
      "BEGIN:VJOURNAL\r\nUID:j2\r\nDTSTAMP:20250101T000000Z\r\nEND:VJOURNAL\r\n";
  const std::string freebusy =
      "BEGIN:VFREEBUSY\r\nUID:f\r\nDTSTAMP:20250101T000000Z\r\n"
      "FREEBUSY:20250305T100000Z/PT1H\r\nEND:VFREEBUSY\r\n";
  const std::string alarm = Event(
      "DTSTART:20250310T100000Z\r\nDTEND:20250310T110000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
      "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n");
  const std::string end_alarm = Event(
      "DTSTART:20250310T100000Z\r\nDTEND:20250310T110000Z\r\n"
      "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER;RELATED=END:PT5M\r\n"
      "REPEAT:2\r\nDURATION:PT10M\r\nEND:VALARM\r\n");
  const std::string absolute_alarm = Event(
      "DTSTART:20250310T100000Z\r\n"
      "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n"
      "TRIGGER;VALUE=DATE-TIME:20250309T180000Z\r\nEND:VALARM\r\n");
  const auto alarm_in = [](const char* s, const char* e) {
    return Filter(Comp("VEVENT", Comp("VALARM", TR(s, e))));
  };
  RunCases({
      {"journal second day", journal,
       Filter(Comp("VJOURNAL", TR("20250306T120000Z", "20250306T130000Z"))), true},
      {"journal third day", journal,
       Filter(Comp("VJOURNAL", TR("20250307T000000Z", "20250308T000000Z"))), false},
      {"journal without DTSTART", undated_journal,
       Filter(Comp("VJOURNAL", TR("20250307T000000Z", "20250308T000000Z"))), false},
      {"freebusy period", freebusy,
       Filter(Comp("VFREEBUSY", TR("20250305T103000Z", "20250305T120000Z"))), true},
      {"freebusy after", freebusy,
       Filter(Comp("VFREEBUSY", TR("20250305T110000Z", "20250305T120000Z"))), false},
      {"alarm before first instance", alarm, alarm_in("20250310T094000Z", "20250310T095000Z"),
       true},
      {"alarm window misses the trigger", alarm, alarm_in("20250310T095000Z", "20250310T100000Z"),
       false},
      {"alarm of the third instance", alarm, alarm_in("20250312T094500Z", "20250312T094501Z"),
       true},
      {"alarm of a fourth instance", alarm, alarm_in("20250313T094500Z", "20250313T094501Z"),
       false},
      {"RELATED=END repeat 2", end_alarm, alarm_in("20250310T112500Z", "20250310T112600Z"), true},
      {"RELATED=END after the repeats", end_alarm, alarm_in("20250310T112600Z", "20250310T120000Z"),
       false},
      {"absolute trigger", absolute_alarm, alarm_in("20250309T000000Z", "20250310T000000Z"), true},
      {"absolute trigger outside", absolute_alarm, alarm_in("20250310T000000Z", "20250311T000000Z"),
       false},
      {"alarm exists", alarm, Filter(Comp("VEVENT", Comp("VALARM"))), true},
      {"alarm does not exist", kWeekly, Filter(Comp("VEVENT", Comp("VALARM"))), false},
  });
}

TEST(MatchesTest, TextMatchCollationsAndNegation) {
  const std::string ev = Event(
      "DTSTART:20250305T100000Z\r\nSUMMARY:Team Meeting\r\n"
      "DESCRIPTION:\xC3\x84pfel\\, Birnen \xCE\xA3\xCE\x9F\xCE\xA6\xCE\x8A\xCE\x91 "
      "\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2\r\n");
  const auto summary = [](const std::string& text, const std::string& attrs = "") {
    return Filter(Comp("VEVENT", Prop("SUMMARY", Text(text, attrs))));
  };
  const auto description = [](const std::string& text, const std::string& attrs = "") {
    return Filter(Comp("VEVENT", Prop("DESCRIPTION", Text(text, attrs))));
  };
  const std::string unicode = " collation=\"i;unicode-casemap\"";
  RunCases({
      {"ascii-casemap default", ev, summary("team MEET"), true},
      {"ascii-casemap explicit", ev, summary("meeting", " collation=\"i;ascii-casemap\""), true},
      {"octet: case differs", ev, summary("meeting", " collation=\"i;octet\""), false},
      {"octet: exact", ev, summary("Meeting", " collation=\"i;octet\""), true},
      {"negated match", ev, summary("meeting", " negate-condition=\"yes\""), false},
      {"negated miss", ev, summary("lunch", " negate-condition=\"yes\""), true},
      {"negate no", ev, summary("meeting", " negate-condition=\"no\""), true},
      {"missing property never matches", ev,
       Filter(Comp("VEVENT", Prop("LOCATION", Text("x", " negate-condition=\"yes\"")))), false},
      {"unescaped value", ev, description("\xC3\x84pfel, Birnen", " collation=\"i;octet\""), true},
      {"unicode-casemap folds Latin-1", ev, description("\xC3\xA4PFEL", unicode), true},
      {"ascii-casemap keeps non-ASCII apart", ev, description("\xC3\xA4pfel"), false},
      {"unicode-casemap folds Greek", ev,
       description("\xCF\x83\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1", unicode), true},
      {"unicode-casemap folds Cyrillic", ev,
       description("\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82", unicode), true},
      {"empty text matches", ev, summary(""), true},
  });
}

TEST(MatchesTest, ParamFiltersAndIsNotDefined) {
  const std::string ev = Event(
      "DTSTART:20250305T100000Z\r\nSUMMARY:x\r\n"
      "ATTENDEE;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:alice@example.com\r\n"
      "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\n");
  const auto attendee = [](const std::string& inner) {
    return Filter(Comp("VEVENT", Prop("ATTENDEE", inner)));
  };
  const std::string nd = "<C:is-not-defined/>";
  RunCases({
      {"PARTSTAT NEEDS-ACTION", ev,
       attendee("<C:param-filter name=\"PARTSTAT\">" + Text("NEEDS-ACTION") + "</C:param-filter>"),
       true},
      {"bob needs action", ev,
       attendee(Text("bob@") + "<C:param-filter name=\"PARTSTAT\">" + Text("NEEDS-ACTION") +
                "</C:param-filter>"),
       true},
      {"alice does not need action", ev,
       attendee(Text("alice@") + "<C:param-filter name=\"PARTSTAT\">" + Text("NEEDS-ACTION") +
                "</C:param-filter>"),
       false},
      {"PARTSTAT DECLINED", ev,
       attendee("<C:param-filter name=\"partstat\">" + Text("DECLINED") + "</C:param-filter>"),
       false},
      {"ROLE not defined on bob", ev,
       attendee(Text("bob") + "<C:param-filter name=\"ROLE\">" + nd + "</C:param-filter>"), true},
      {"ROLE not defined on alice", ev,
       attendee(Text("alice") + "<C:param-filter name=\"ROLE\">" + nd + "</C:param-filter>"),
       false},
      {"param exists", ev, attendee("<C:param-filter name=\"ROLE\"/>"), true},
      {"DESCRIPTION not defined", ev, Filter(Comp("VEVENT", Prop("DESCRIPTION", nd))), true},
      {"SUMMARY not defined", ev, Filter(Comp("VEVENT", Prop("SUMMARY", nd))), false},
      {"property exists", ev, Filter(Comp("VEVENT", Prop("SUMMARY"))), true},
      {"VTODO not defined", ev, Filter(Comp("VTODO", nd)), true},
      {"VEVENT not defined", ev, Filter(Comp("VEVENT", nd)), false},
      {"any VEVENT", ev, Filter(Comp("VEVENT")), true},
      {"any VTODO", ev, Filter(Comp("VTODO")), false},
      {"only VCALENDAR", ev, Filter(""), true},
      {"prop-filter on VCALENDAR", ev, Filter(Prop("VERSION", Text("2.0"))), true},
  });
}

TEST(MatchesTest, PropertyTimeRanges) {
  const std::string todo = Todo(
      "DTSTART:20250301T100000Z\r\nCOMPLETED:20250305T100000Z\r\n"
      "RDATE;VALUE=PERIOD:20250310T100000Z/PT1H\r\n");
  const auto prop_in = [](const char* name, const char* s, const char* e) {
    return Filter(Comp("VTODO", Prop(name, TR(s, e))));
  };
  RunCases({
      {"DTSTAMP in 2025", todo, prop_in("DTSTAMP", "20250101T000000Z", "20260101T000000Z"), true},
      {"DTSTAMP in 2024", todo, prop_in("DTSTAMP", "20240101T000000Z", "20250101T000000Z"), false},
      {"COMPLETED at start", todo, prop_in("COMPLETED", "20250305T100000Z", "20250305T100001Z"),
       true},
      {"COMPLETED at end", todo, prop_in("COMPLETED", "20250305T090000Z", "20250305T100000Z"),
       false},
      {"PERIOD overlaps", todo, prop_in("RDATE", "20250310T103000Z", "20250310T120000Z"), true},
      {"PERIOD before", todo, prop_in("RDATE", "20250310T110000Z", "20250310T120000Z"), false},
  });
}

TEST(ParseFilterTest, ParsesTheFullStructure) {
  Result<CompFilter> f = ParseFilterText(
      "<C:filter xmlns:C=\"urn:ietf:params:xml:ns:caldav\" xmlns:X=\"urn:x\">"
      "<C:comp-filter name=\"VCALENDAR\"><X:ignored/><C:comp-filter name=\"vevent\">"
      "<C:time-range start=\"20060104T000000Z\" end=\"20060105T000000Z\"/>"
      "<C:prop-filter name=\"ATTENDEE\"><C:text-match collation=\"i;octet\" "
      "negate-condition=\"yes\">mailto:lisa@example.com</C:text-match>"
      "<C:param-filter name=\"PARTSTAT\"><C:text-match>NEEDS-ACTION</C:text-match>"
      "</C:param-filter></C:prop-filter>"
      "<C:prop-filter name=\"X-FOO\"><C:is-not-defined/></C:prop-filter>"
      "<C:comp-filter name=\"VALARM\"><C:time-range start=\"20060104T000000Z\"/></C:comp-filter>"
      "</C:comp-filter></C:comp-filter></C:filter>");
  ASSERT_TRUE(f.ok()) << f.error().message;
  CompFilter want;
  want.name = "VCALENDAR";
  CompFilter& ev = want.comp_filters.emplace_back();
  ev.name = "VEVENT";
  ev.time_range = TimeRange{U("20060104T000000"), U("20060105T000000")};
  PropFilter& att = ev.prop_filters.emplace_back();
  att.name = "ATTENDEE";
  att.text_match = TextMatch{"mailto:lisa@example.com", Collation::kOctet, true};
  att.param_filters.push_back(ParamFilter{"PARTSTAT", false, TextMatch{"NEEDS-ACTION"}});
  ev.prop_filters.push_back(PropFilter{"X-FOO", true, {}, {}, {}});
  CompFilter& alarm = ev.comp_filters.emplace_back();
  alarm.name = "VALARM";
  alarm.time_range = TimeRange{U("20060104T000000"), std::nullopt};
  EXPECT_EQ(*f, want);
  EXPECT_EQ(TopLevelTimeRange(*f), ev.time_range);
  EXPECT_EQ(TopLevelTimeRange(*ParseFilterText(Filter(Comp("VEVENT")))), std::nullopt);
  EXPECT_EQ(TopLevelTimeRange(*ParseFilterText(TodoIn("", "20250101T000000Z"))),
            (TimeRange{std::nullopt, U("20250101T000000")}));
}

TEST(ParseFilterTest, InvalidFilters) {
  const char* ns = " xmlns:C=\"urn:ietf:params:xml:ns:caldav\"";
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"not a filter", std::string("<C:comp-filter") + ns + " name=\"VCALENDAR\"/>"},
      {"no comp-filter", std::string("<C:filter") + ns + "/>"},
      {"two comp-filters", std::string("<C:filter") + ns +
                               "><C:comp-filter name=\"VCALENDAR\"/>"
                               "<C:comp-filter name=\"VCALENDAR\"/></C:filter>"},
      {"top is VEVENT",
       std::string("<C:filter") + ns + "><C:comp-filter name=\"VEVENT\"/></C:filter>"},
      {"top without name", std::string("<C:filter") + ns + "><C:comp-filter/></C:filter>"},
      {"time-range on VCALENDAR", std::string("<C:filter") + ns +
                                      "><C:comp-filter name=\"VCALENDAR\">" +
                                      TR("20250101T000000Z", "") + "</C:comp-filter></C:filter>"},
      {"comp-filter without name", Filter("<C:comp-filter/>")},
      {"prop-filter without name", Filter(Comp("VEVENT", "<C:prop-filter/>"))},
      {"param-filter without name", Filter(Comp("VEVENT", Prop("ATTENDEE", "<C:param-filter/>")))},
      {"local time", EventIn("20250101T000000", "20250102T000000Z")},
      {"date only", EventIn("20250101", "")},
      {"garbage time", EventIn("yesterday", "")},
      {"end before start", EventIn("20250102T000000Z", "20250101T000000Z")},
      {"end equals start", EventIn("20250101T000000Z", "20250101T000000Z")},
      {"no start or end", Filter(Comp("VEVENT", "<C:time-range/>"))},
      {"two time-ranges",
       Filter(Comp("VEVENT", TR("20250101T000000Z", "") + TR("20250101T000000Z", "")))},
      {"bad negate-condition",
       Filter(Comp("VEVENT", Prop("SUMMARY", Text("x", " negate-condition=\"maybe\""))))},
      {"is-not-defined with time-range",
       Filter(Comp("VEVENT", "<C:is-not-defined/>" + TR("20250101T000000Z", "")))},
      {"is-not-defined with text-match",
       Filter(Comp("VEVENT", Prop("SUMMARY", "<C:is-not-defined/>" + Text("x"))))},
      {"text-match and time-range",
       Filter(Comp("VEVENT", Prop("DTSTART", Text("x") + TR("20250101T000000Z", ""))))},
      {"unknown CalDAV element", Filter(Comp("VEVENT", "<C:bogus/>"))},
      {"text-match in comp-filter", Filter(Comp("VEVENT", Text("x")))},
  };
  for (const auto& [name, xml] : cases) {
    SCOPED_TRACE(name);
    Result<CompFilter> f = ParseFilterText(xml);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().code, Code::kInvalidArgument) << f.error().message;
  }
}

TEST(ParseFilterTest, UnsupportedCollationIsUnimplemented) {
  Result<CompFilter> f =
      ParseFilterText(Filter(Comp("VEVENT", Prop("SUMMARY", Text("x", " collation=\"i;basic\"")))));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Code::kUnimplemented);
  EXPECT_EQ(ParseCollation("i;unicode-casemap").value(), Collation::kUnicodeCasemap);
}

TEST(UnicodeCaseFoldTest, FoldsTheSupportedScripts) {
  EXPECT_EQ(UnicodeCaseFold("ABC xyz \xC3\x84\xC3\x96\xC3\x9C\xC3\x9F \xC3\x97"),
            "abc xyz \xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F \xC3\x97");
  EXPECT_EQ(UnicodeCaseFold("\xC5\x81\xC3\x93"
                            "D\xC5\xB9"),
            "\xC5\x82\xC3\xB3"
            "d\xC5\xBA");                              // ŁÓDŹ
  EXPECT_EQ(UnicodeCaseFold("\xC5\xB8"), "\xC3\xBF");  // Ÿ
  EXPECT_EQ(UnicodeCaseFold("\xCE\xA3\xCE\x9F\xCF\x86\xCE\xAF\xCE\xB1\xCF\x82"),
            "\xCF\x83\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1\xCF\x83");  // ΣΟφίας -> σοφίασ
  EXPECT_EQ(UnicodeCaseFold("\xD0\x81\xD0\x96\xD0\xAF"), "\xD1\x91\xD0\xB6\xD1\x8F");  // ЁЖЯ
  EXPECT_EQ(UnicodeCaseFold("\xE1\xBA\xA0"), "\xE1\xBA\xA1");                          // Ạ
  EXPECT_EQ(UnicodeCaseFold("a\xFF"
                            "B\xC3"),
            "a\xFF"
            "b\xC3");  // invalid bytes kept
}

TEST(InstanceOverlapsTest, ZeroLengthAndOpenEnds) {
  ical::Component ev = Cal(Event("DTSTART:20250305T100000Z\r\n")).components.at(0);
  ical::Instance in;
  in.component = &ev;
  in.start_instant = in.end_instant = U("20250305T100000");
  EXPECT_TRUE(InstanceOverlaps(in, TimeRange{U("20250305T100000"), std::nullopt}));
  EXPECT_FALSE(InstanceOverlaps(in, TimeRange{std::nullopt, U("20250305T100000")}));
  EXPECT_TRUE(InstanceOverlaps(in, TimeRange{std::nullopt, U("20250305T100001")}));
}

}  // namespace
}  // namespace almanac::caldav
