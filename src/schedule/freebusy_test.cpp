#include "schedule/freebusy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ical/parser.h"

namespace almanac::schedule {
namespace {

using core::Instant;

Instant U(const char* t) { return Instant::FromUnixSeconds(core::ParseLocal(t)->seconds()); }

FreeBusyWindow W(const char* from, const char* to) { return {U(from), U(to)}; }

ical::Component Cal(const std::string& body) {
  const std::string text =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + body + "END:VCALENDAR\r\n";
  Result<ical::ParsedCalendar> p = ical::Parse(text);
  EXPECT_TRUE(p.ok()) << p.error().message;
  return p.ok() ? p->components.at(0) : ical::Component{};
}

std::string Event(const std::string& uid, const std::string& props) {
  return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20250101T000000Z\r\n" + props +
         "END:VEVENT\r\n";
}

// "20250301T090000Z/20250301T100000Z BUSY" per period.
std::vector<std::string> Show(const std::vector<BusyPeriod>& periods) {
  std::vector<std::string> out;
  for (const BusyPeriod& p : periods) {
    out.push_back(core::FormatLocal(p.start.utc()) + "Z/" + core::FormatLocal(p.end.utc()) + "Z " +
                  BusyTypeName(p.type));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(FreeBusyTest, WeeklySeriesAcrossDstWithOverrideAndExdate) {
  // 10:00 Berlin every Monday: 09:00Z in winter, 08:00Z from March 31 on.
  // The March 24 instance is excluded; the March 17 one moved to Tuesday.
  ical::Component cal =
      Cal(Event("w",
                "DTSTART;TZID=Europe/Berlin:20250303T100000\r\nDTEND;TZID=Europe/"
                "Berlin:20250303T110000\r\n"
                "RRULE:FREQ=WEEKLY;COUNT=6\r\nEXDATE;TZID=Europe/Berlin:20250324T100000\r\n") +
          Event("w",
                "RECURRENCE-ID;TZID=Europe/Berlin:20250317T100000\r\n"
                "DTSTART;TZID=Europe/Berlin:20250318T150000\r\nDTEND;TZID=Europe/"
                "Berlin:20250318T153000\r\n"));
  const std::vector<const ical::Component*> cals = {&cal};
  EXPECT_EQ(Show(BusyPeriods(cals, W("20250301T000000", "20250501T000000"))),
            (V{"20250303T090000Z/20250303T100000Z BUSY", "20250310T090000Z/20250310T100000Z BUSY",
               "20250318T140000Z/20250318T143000Z BUSY", "20250331T080000Z/20250331T090000Z BUSY",
               "20250407T080000Z/20250407T090000Z BUSY"}));
}

TEST(FreeBusyTest, TransparentCancelledAndTentative) {
  ical::Component cal = Cal(
      Event("opaque", "DTSTART:20250301T090000Z\r\nDTEND:20250301T100000Z\r\nTRANSP:OPAQUE\r\n") +
      Event("transparent",
            "DTSTART:20250301T110000Z\r\nDTEND:20250301T120000Z\r\nTRANSP:TRANSPARENT\r\n") +
      Event("cancelled",
            "DTSTART:20250301T130000Z\r\nDTEND:20250301T140000Z\r\nSTATUS:CANCELLED\r\n") +
      Event("tentative",
            "DTSTART:20250301T150000Z\r\nDTEND:20250301T160000Z\r\nSTATUS:TENTATIVE\r\n") +
      Event("confirmed",
            "DTSTART:20250301T170000Z\r\nDTEND:20250301T180000Z\r\nSTATUS:CONFIRMED\r\n") +
      Event("instant", "DTSTART:20250301T190000Z\r\n"));
  const std::vector<const ical::Component*> cals = {&cal};
  EXPECT_EQ(Show(BusyPeriods(cals, W("20250301T000000", "20250302T000000"))),
            (V{"20250301T090000Z/20250301T100000Z BUSY",
               "20250301T150000Z/20250301T160000Z BUSY-TENTATIVE",
               "20250301T170000Z/20250301T180000Z BUSY"}));
}

TEST(FreeBusyTest, OutOfOfficeIsBusyUnavailable) {
  // Approved leave (all day) and an Outlook out-of-office block; a
  // transparent OOF event is still free.
  ical::Component cal =
      Cal(Event("leave",
                "DTSTART;VALUE=DATE:20250303\r\nDTEND;VALUE=DATE:20250305\r\nTRANSP:OPAQUE\r\n"
                "X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n") +
          Event("oof",
                "DTSTART:20250306T120000Z\r\nDTEND:20250306T170000Z\r\n"
                "STATUS:TENTATIVE\r\nX-MICROSOFT-CDO-BUSYSTATUS:oof\r\n") +
          Event("free",
                "DTSTART:20250307T090000Z\r\nDTEND:20250307T100000Z\r\n"
                "TRANSP:TRANSPARENT\r\nX-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n"));
  const std::vector<const ical::Component*> cals = {&cal};
  EXPECT_EQ(Show(BusyPeriods(cals, W("20250301T000000", "20250310T000000"))),
            (V{"20250303T000000Z/20250305T000000Z BUSY-UNAVAILABLE",
               "20250306T120000Z/20250306T170000Z BUSY-UNAVAILABLE"}));
}

TEST(FreeBusyTest, CancelledOverrideFreesOneInstance) {
  ical::Component cal =
      Cal(Event("d", "DTSTART:20250301T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=3\r\n") +
          Event("d",
                "RECURRENCE-ID:20250302T090000Z\r\nDTSTART:20250302T090000Z\r\nDURATION:PT1H\r\n"
                "STATUS:CANCELLED\r\n"));
  const std::vector<const ical::Component*> cals = {&cal};
  EXPECT_EQ(
      Show(BusyPeriods(cals, W("20250301T000000", "20250310T000000"))),
      (V{"20250301T090000Z/20250301T100000Z BUSY", "20250303T090000Z/20250303T100000Z BUSY"}));
}

TEST(FreeBusyTest, OverlapsMergeAcrossObjectsPerTypeAndClipToTheWindow) {
  std::vector<ical::Component> cals = {
      Cal(Event("a", "DTSTART:20250301T080000Z\r\nDTEND:20250301T100000Z\r\n")),
      Cal(Event("b", "DTSTART:20250301T093000Z\r\nDTEND:20250301T110000Z\r\n")),
      Cal(Event("c", "DTSTART:20250301T110000Z\r\nDTEND:20250301T113000Z\r\n")),  // touching
      Cal(Event("d", "DTSTART:20250301T100000Z\r\nDTEND:20250301T120000Z\r\nSTATUS:TENTATIVE\r\n")),
      Cal(Event("e", "DTSTART:20250301T230000Z\r\nDTEND:20250302T020000Z\r\n")),
  };
  EXPECT_EQ(Show(BusyPeriods(cals, W("20250301T090000", "20250302T000000"))),
            (V{"20250301T090000Z/20250301T113000Z BUSY",
               "20250301T100000Z/20250301T120000Z BUSY-TENTATIVE",
               "20250301T230000Z/20250302T000000Z BUSY"}));
}

TEST(FreeBusyTest, VFreeBusyPeriodsCount) {
  ical::Component cal =
      Cal("BEGIN:VFREEBUSY\r\nUID:fb\r\nDTSTAMP:20250101T000000Z\r\n"
          "FREEBUSY:20250301T090000Z/PT1H,20250301T120000Z/20250301T130000Z\r\n"
          "FREEBUSY;FBTYPE=FREE:20250301T140000Z/PT1H\r\n"
          "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20250301T150000Z/PT2H\r\n"
          "FREEBUSY;FBTYPE=X-OUT-OF-OFFICE:20250301T200000Z/PT1H\r\n"
          "END:VFREEBUSY\r\n"
          "BEGIN:VAVAILABILITY\r\nUID:av\r\nDTSTAMP:20250101T000000Z\r\nEND:VAVAILABILITY\r\n");
  const std::vector<const ical::Component*> cals = {&cal};
  EXPECT_EQ(Show(BusyPeriods(cals, W("20250301T000000", "20250302T000000"))),
            (V{"20250301T090000Z/20250301T100000Z BUSY", "20250301T120000Z/20250301T130000Z BUSY",
               "20250301T150000Z/20250301T170000Z BUSY-UNAVAILABLE",
               "20250301T200000Z/20250301T210000Z BUSY"}));
}

TEST(FreeBusyTest, AllDayAndFloatingEventsUseTheCalendarZone) {
  ical::Component cal =
      Cal(Event("allday", "DTSTART;VALUE=DATE:20250301\r\n") +
          Event("floating", "DTSTART:20250303T090000\r\nDTEND:20250303T100000\r\n"));
  const std::vector<const ical::Component*> cals = {&cal};
  EXPECT_EQ(
      Show(BusyPeriods(cals, W("20250201T000000", "20250401T000000"))),
      (V{"20250301T000000Z/20250302T000000Z BUSY", "20250303T090000Z/20250303T100000Z BUSY"}));
  FreeBusyOptions options;
  options.floating_zone = *core::FindIanaZone("America/New_York");
  EXPECT_EQ(
      Show(BusyPeriods(cals, W("20250201T000000", "20250401T000000"), options)),
      (V{"20250301T050000Z/20250302T050000Z BUSY", "20250303T140000Z/20250303T150000Z BUSY"}));
  // The window edge is judged on the zoned instants.
  EXPECT_EQ(Show(BusyPeriods(cals, W("20250303T143000", "20250304T000000"), options)),
            (V{"20250303T143000Z/20250303T150000Z BUSY"}));
}

TEST(FreeBusyTest, UnreadableObjectIsSkippedWithAWarning) {
  ical::Component bad;
  bad.name = "VCALENDAR";
  ical::Component ev;
  ev.name = "VEVENT";
  ev.properties.push_back({"UID", {}, "x"});
  ev.properties.push_back({"DTSTART", {}, "not-a-date"});
  bad.components.push_back(ev);
  ical::Component good = Cal(Event("g", "DTSTART:20250301T090000Z\r\nDURATION:PT1H\r\n"));
  const std::vector<const ical::Component*> cals = {&bad, &good};
  FreeBusyResult r = CollectFreeBusy(cals, W("20250301T000000", "20250302T000000"));
  EXPECT_EQ(Show(r.periods), (V{"20250301T090000Z/20250301T100000Z BUSY"}));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("object 0"), std::string::npos) << r.warnings[0];
}

TEST(FreeBusyTest, MergeBusyPeriodsDropsEmptyAndSorts) {
  const FreeBusyWindow w = W("20250301T000000", "20250302T000000");
  std::vector<BusyPeriod> in = {
      {U("20250301T120000"), U("20250301T130000"), BusyType::kBusy},
      {U("20250301T100000"), U("20250301T100000"), BusyType::kBusy},  // empty
      {U("20250228T100000"), U("20250228T110000"), BusyType::kBusy},  // outside
      {U("20250301T080000"), U("20250301T090000"), BusyType::kBusyUnavailable},
      {U("20250301T125000"), U("20250301T124000") + 3600, BusyType::kBusy},
  };
  EXPECT_EQ(Show(MergeBusyPeriods(in, w)), (V{"20250301T080000Z/20250301T090000Z BUSY-UNAVAILABLE",
                                              "20250301T120000Z/20250301T134000Z BUSY"}));
}

TEST(FreeBusyCalendarTest, RendersTheRfc4791Response) {
  std::vector<BusyPeriod> periods = {
      {U("20060104T190000"), U("20060104T200000"), BusyType::kBusy},
      {U("20060104T150000"), U("20060104T160000"), BusyType::kBusyTentative},
  };
  const std::string text =
      FreeBusyCalendar(periods, W("20060104T140000", "20060105T220000"), U("20050125T090000"));
  EXPECT_EQ(text,
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac//Almanac Calendar Server//EN\r\n"
            "BEGIN:VFREEBUSY\r\nDTSTAMP:20050125T090000Z\r\nDTSTART:20060104T140000Z\r\n"
            "DTEND:20060105T220000Z\r\n"
            "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20060104T150000Z/20060104T160000Z\r\n"
            "FREEBUSY:20060104T190000Z/20060104T200000Z\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n");
  // With a UID the result is a valid iCalendar object for the strict parser.
  FreeBusyCalendarOptions options;
  options.uid = "fb-1";
  Result<ical::ParsedCalendar> parsed = ical::Parse(FreeBusyCalendar(
      periods, W("20060104T140000", "20060105T220000"), U("20050125T090000"), options));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->components.at(0).components.at(0).FindAll("FREEBUSY").size(), 2u);
}

TEST(ExpandInstancesInZoneTest, WithoutZoneIsExpandInstances) {
  ical::Component cal = Cal(Event("f", "DTSTART:20250303T090000\r\nDTEND:20250303T100000\r\n"));
  Result<ical::InstanceResult> plain =
      ExpandInstancesInZone(cal, U("20250303T000000"), U("20250304T000000"), nullptr);
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(plain->instances.size(), 1u);
  EXPECT_EQ(plain->instances[0].start_instant, U("20250303T090000"));
  Result<ical::InstanceResult> tokyo = ExpandInstancesInZone(
      cal, U("20250303T000000"), U("20250303T003000"), *core::FindIanaZone("Asia/Tokyo"));
  ASSERT_TRUE(tokyo.ok());
  ASSERT_EQ(tokyo->instances.size(), 1u);
  EXPECT_EQ(tokyo->instances[0].start_instant, U("20250303T000000"));
}

}  // namespace
}  // namespace almanac::schedule
