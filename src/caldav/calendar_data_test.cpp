#include "caldav/calendar_data.h"

#include <gtest/gtest.h>

#include <string>

#include "ical/parser.h"
#include "ical/serializer.h"

namespace almanac::caldav {
namespace {

using core::Instant;

Instant U(const char* t) { return Instant::FromUnixSeconds(core::ParseLocal(t)->seconds()); }

const std::string kHead = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n";
const std::string kTail = "END:VCALENDAR\r\n";

ical::Component Cal(const std::string& body) {
  Result<ical::ParsedCalendar> p = ical::Parse(kHead + body + kTail);
  EXPECT_TRUE(p.ok()) << p.error().message;
  return p.ok() ? p->components.at(0) : ical::Component{};
}

std::string Event(const std::string& props) {
  return "BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20250101T000000Z\r\n" + props + "END:VEVENT\r\n";
}

Result<CalendarDataRequest> ParseText(const std::string& inner, const std::string& attrs = "") {
  Result<XmlElement> e = ParseXml("<C:calendar-data xmlns:C=\"urn:ietf:params:xml:ns:caldav\"" +
                                  attrs + ">" + inner + "</C:calendar-data>");
  EXPECT_TRUE(e.ok()) << e.error().message;
  if (!e.ok()) return e.error();
  return ParseCalendarData(*e);
}

CalendarDataRequest MustParse(const std::string& inner, const std::string& attrs = "") {
  Result<CalendarDataRequest> r = ParseText(inner, attrs);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : CalendarDataRequest{};
}

const std::string kBerlinTz =
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

// Mondays 10:00-11:00 Berlin from March 17, 2025, five times (summer time
// from March 30); March 24 moved to 14:00, April 7 excluded.
const std::string kWeekly =
    kBerlinTz +
    Event(
        "DTSTART;TZID=Europe/Berlin:20250317T100000\r\n"
        "DTEND;TZID=Europe/Berlin:20250317T110000\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20250407T100000\r\n"
        "SUMMARY:Regular\r\n") +
    Event(
        "RECURRENCE-ID;TZID=Europe/Berlin:20250324T100000\r\n"
        "DTSTART;TZID=Europe/Berlin:20250324T140000\r\n"
        "DTEND;TZID=Europe/Berlin:20250324T150000\r\nSUMMARY:Moved\r\n");

TEST(ParseCalendarDataTest, EmptyIsIdentity) {
  CalendarDataRequest r = MustParse("");
  EXPECT_TRUE(IsIdentity(r));
  EXPECT_TRUE(IsIdentity(MustParse("",
                                   " content-type=\"text/calendar; charset=utf-8\" "
                                   "version=\"2.0\"")));
  EXPECT_TRUE(
      IsIdentity(MustParse("<C:comp name=\"VCALENDAR\"><C:allprop/><C:allcomp/></C:comp>")));
  EXPECT_FALSE(
      IsIdentity(MustParse("<C:comp name=\"VCALENDAR\"><C:prop name=\"VERSION\"/></C:comp>")));
}

TEST(ParseCalendarDataTest, ParsesCompPropAndRanges) {
  CalendarDataRequest r = MustParse(
      "<C:comp name=\"VCALENDAR\"><C:prop name=\"VERSION\"/>"
      "<C:comp name=\"vevent\"><C:prop name=\"SUMMARY\"/><C:prop name=\"uid\" novalue=\"yes\"/>"
      "<C:allcomp/></C:comp><C:comp name=\"VTIMEZONE\"/></C:comp>"
      "<C:expand start=\"20060103T000000Z\" end=\"20060105T000000Z\"/>"
      "<C:limit-freebusy-set start=\"20060102T000000Z\" end=\"20060103T000000Z\"/>");
  CalendarDataRequest want;
  CompSelection cal{"VCALENDAR", false, {{"VERSION", false}}, false, {}};
  cal.comps.push_back(
      CompSelection{"VEVENT", false, {{"SUMMARY", false}, {"UID", true}}, true, {}});
  cal.comps.push_back(CompSelection{"VTIMEZONE", true, {}, true, {}});
  want.comp = cal;
  want.expand = TimeRange{U("20060103T000000"), U("20060105T000000")};
  want.limit_freebusy_set = TimeRange{U("20060102T000000"), U("20060103T000000")};
  EXPECT_EQ(r, want);
  EXPECT_FALSE(IsIdentity(r));
}

TEST(ParseCalendarDataTest, Errors) {
  const std::pair<const char*, std::string> unimplemented[] = {
      {"json", " content-type=\"application/calendar+json\""},
      {"version 3", " version=\"3.0\""},
  };
  for (const auto& [name, attrs] : unimplemented) {
    SCOPED_TRACE(name);
    Result<CalendarDataRequest> r = ParseText("", attrs);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::kUnimplemented);
  }
  const std::pair<const char*, std::string> invalid[] = {
      {"top comp VEVENT", "<C:comp name=\"VEVENT\"/>"},
      {"comp without name", "<C:comp/>"},
      {"allprop and prop",
       "<C:comp name=\"VCALENDAR\"><C:allprop/><C:prop name=\"VERSION\"/></C:comp>"},
      {"allcomp and comp",
       "<C:comp name=\"VCALENDAR\"><C:allcomp/><C:comp name=\"VEVENT\"/></C:comp>"},
      {"bad novalue", "<C:comp name=\"VCALENDAR\"><C:prop name=\"X\" novalue=\"1\"/></C:comp>"},
      {"expand without end", "<C:expand start=\"20060103T000000Z\"/>"},
      {"expand in local time", "<C:expand start=\"20060103T000000\" end=\"20060104T000000Z\"/>"},
      {"expand backwards", "<C:expand start=\"20060104T000000Z\" end=\"20060103T000000Z\"/>"},
      {"two expands",
       "<C:expand start=\"20060103T000000Z\" end=\"20060104T000000Z\"/>"
       "<C:expand start=\"20060103T000000Z\" end=\"20060104T000000Z\"/>"},
      {"expand and limit-recurrence-set",
       "<C:expand start=\"20060103T000000Z\" end=\"20060104T000000Z\"/>"
       "<C:limit-recurrence-set start=\"20060103T000000Z\" end=\"20060104T000000Z\"/>"},
      {"unknown element", "<C:bogus/>"},
  };
  for (const auto& [name, inner] : invalid) {
    SCOPED_TRACE(name);
    Result<CalendarDataRequest> r = ParseText(inner);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::kInvalidArgument) << r.error().message;
  }
}

TEST(RenderCalendarDataTest, IdentityIsTheSerializedObject) {
  ical::Component cal = Cal(kWeekly);
  EXPECT_EQ(RenderCalendarData(CalendarDataRequest{}, cal), ical::Serialize(cal));
}

TEST(RenderCalendarDataTest, ExpandWeeklySeriesWithOverrideAndExdateAcrossDst) {
  CalendarDataRequest req;
  req.expand = TimeRange{U("20250320T000000"), U("20250410T000000")};
  EXPECT_EQ(RenderCalendarData(req, Cal(kWeekly)),
            kHead +
                "BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20250101T000000Z\r\n"
                "RECURRENCE-ID:20250324T090000Z\r\nDTSTART:20250324T130000Z\r\n"
                "DTEND:20250324T140000Z\r\nSUMMARY:Moved\r\nEND:VEVENT\r\n"
                "BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20250101T000000Z\r\n"
                "DTSTART:20250331T080000Z\r\nRECURRENCE-ID:20250331T080000Z\r\n"
                "DTEND:20250331T090000Z\r\nSUMMARY:Regular\r\nEND:VEVENT\r\n" +
                kTail);
  // The winter instance, and the range edge: [start, end) of §9.9.
  req.expand = TimeRange{U("20250317T000000"), U("20250324T130000")};
  const std::string text = RenderCalendarData(req, Cal(kWeekly));
  EXPECT_NE(text.find("DTSTART:20250317T090000Z\r\nRECURRENCE-ID:20250317T090000Z\r\n"
                      "DTEND:20250317T100000Z\r\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("Moved"), std::string::npos) << text;
  EXPECT_EQ(text.find("VTIMEZONE"), std::string::npos) << text;
  // The result is itself a valid calendar object.
  EXPECT_TRUE(ical::Parse(text).ok());
}

TEST(RenderCalendarDataTest, ExpandAllDaySeries) {
  CalendarDataRequest req;
  req.expand = TimeRange{U("20250305T000000"), U("20250320T000000")};
  EXPECT_EQ(RenderCalendarData(
                req, Cal(Event("DTSTART;VALUE=DATE:20250301\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n"
                               "SUMMARY:Bins\r\n"))),
            kHead +
                "BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20250101T000000Z\r\n"
                "DTSTART;VALUE=DATE:20250308\r\nRECURRENCE-ID;VALUE=DATE:20250308\r\n"
                "SUMMARY:Bins\r\nEND:VEVENT\r\n"
                "BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20250101T000000Z\r\n"
                "DTSTART;VALUE=DATE:20250315\r\nRECURRENCE-ID;VALUE=DATE:20250315\r\n"
                "SUMMARY:Bins\r\nEND:VEVENT\r\n" +
                kTail);
}

TEST(RenderCalendarDataTest, ExpandFloatingInTheCalendarZoneAndKeepsOtherComponents) {
  CalendarDataRequest req;
  req.expand = TimeRange{U("20250301T000000"), U("20250302T000000")};
  RenderOptions options;
  options.default_zone = *core::FindIanaZone("Europe/Berlin");
  const std::string text = RenderCalendarData(
      req,
      Cal(Event("DTSTART:20250301T090000\r\nDURATION:PT1H\r\n") +
          "BEGIN:VTODO\r\nUID:t\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:Someday\r\nEND:VTODO\r\n"),
      options);
  EXPECT_NE(text.find("BEGIN:VTODO\r\nUID:t\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("DTSTART:20250301T080000Z\r\nDURATION:PT1H\r\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("RECURRENCE-ID"), std::string::npos) << text;
}

TEST(RenderCalendarDataTest, ExpandFallsBackWhenTheObjectCannotBeExpanded) {
  ical::Component cal = Cal(Event("DTSTART:20250301T090000Z\r\n"));
  cal.components[0].properties.push_back({"RRULE", {}, "FREQ=NEVER"});
  CalendarDataRequest req;
  req.expand = TimeRange{U("20250301T000000"), U("20250302T000000")};
  EXPECT_EQ(RenderCalendarData(req, cal), ical::Serialize(cal));
}

TEST(RenderCalendarDataTest, LimitRecurrenceSet) {
  const std::string text =
      Event("DTSTART:20250301T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=10\r\n") +
      Event(
          "RECURRENCE-ID:20250302T090000Z\r\nDTSTART:20250302T100000Z\r\nDURATION:PT1H\r\n"
          "SUMMARY:early\r\n") +
      Event(
          "RECURRENCE-ID:20250305T090000Z\r\nDTSTART:20250305T100000Z\r\nDURATION:PT1H\r\n"
          "SUMMARY:in range\r\n") +
      Event(
          "RECURRENCE-ID:20250306T090000Z\r\nDTSTART:20250320T100000Z\r\nDURATION:PT1H\r\n"
          "SUMMARY:moved away\r\n") +
      Event(
          "RECURRENCE-ID:20250308T090000Z\r\nDTSTART:20250308T100000Z\r\nDURATION:PT1H\r\n"
          "SUMMARY:late\r\n");
  CalendarDataRequest req;
  req.limit_recurrence_set = TimeRange{U("20250304T000000"), U("20250307T000000")};
  const std::string out = RenderCalendarData(req, Cal(text));
  EXPECT_NE(out.find("RRULE:FREQ=DAILY;COUNT=10"), std::string::npos) << out;
  EXPECT_NE(out.find("SUMMARY:in range"), std::string::npos) << out;
  EXPECT_NE(out.find("SUMMARY:moved away"), std::string::npos) << out;
  EXPECT_EQ(out.find("SUMMARY:early"), std::string::npos) << out;
  EXPECT_EQ(out.find("SUMMARY:late"), std::string::npos) << out;
}

TEST(RenderCalendarDataTest, LimitFreeBusySet) {
  CalendarDataRequest req;
  req.limit_freebusy_set = TimeRange{U("20250301T100000"), U("20250301T120000")};
  const std::string out =
      RenderCalendarData(req, Cal("BEGIN:VFREEBUSY\r\nUID:f\r\nDTSTAMP:20250101T000000Z\r\n"
                                  "FREEBUSY:20250301T080000Z/PT1H,20250301T093000Z/PT1H\r\n"
                                  "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20250301T130000Z/PT1H\r\n"
                                  "END:VFREEBUSY\r\n"));
  EXPECT_NE(out.find("FREEBUSY:20250301T093000Z/PT1H\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("20250301T080000Z"), std::string::npos) << out;
  EXPECT_EQ(out.find("BUSY-TENTATIVE"), std::string::npos) << out;
}

TEST(RenderCalendarDataTest, CompAndPropSelection) {
  CalendarDataRequest req = MustParse(
      "<C:comp name=\"VCALENDAR\"><C:prop name=\"VERSION\"/>"
      "<C:comp name=\"VEVENT\"><C:prop name=\"SUMMARY\"/><C:prop name=\"UID\"/>"
      "<C:prop name=\"DTSTART\" novalue=\"yes\"/></C:comp>"
      "<C:comp name=\"VTIMEZONE\"/></C:comp>");
  const std::string out = RenderCalendarData(req, Cal(kWeekly));
  EXPECT_EQ(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + kBerlinTz +
                     "BEGIN:VEVENT\r\nUID:e\r\nDTSTART;TZID=Europe/Berlin:\r\n"
                     "SUMMARY:Regular\r\nEND:VEVENT\r\n"
                     "BEGIN:VEVENT\r\nUID:e\r\nDTSTART;TZID=Europe/Berlin:\r\n"
                     "SUMMARY:Moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
}

TEST(RenderCalendarDataTest, ExpandThenSelect) {
  // The VCALENDAR lists no prop, so it keeps all of its own properties.
  CalendarDataRequest req = MustParse(
      "<C:comp name=\"VCALENDAR\"><C:comp name=\"VEVENT\"><C:prop name=\"DTSTART\"/>"
      "<C:prop name=\"RECURRENCE-ID\"/></C:comp></C:comp>"
      "<C:expand start=\"20250331T000000Z\" end=\"20250401T000000Z\"/>");
  EXPECT_EQ(RenderCalendarData(req, Cal(kWeekly)),
            kHead +
                "BEGIN:VEVENT\r\nDTSTART:20250331T080000Z\r\n"
                "RECURRENCE-ID:20250331T080000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
}

}  // namespace
}  // namespace almanac::caldav
