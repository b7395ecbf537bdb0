#include "ical/instances.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ical/parser.h"

namespace almanac::ical {
namespace {

using core::Instant;

Instant U(const char* t) { return Instant::FromUnixSeconds(core::ParseLocal(t)->seconds()); }

std::string Cal(const std::string& body) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + body + "END:VCALENDAR\r\n";
}

struct Expanded {
  ParsedCalendar parsed;
  InstanceResult result;
  std::vector<std::string> Starts() const {
    std::vector<std::string> out;
    for (const Instance& in : result.instances) {
      out.push_back(in.all_day ? core::FormatDate(in.start.date()) : core::FormatLocal(in.start));
    }
    return out;
  }
};

Expanded ExpandText(const std::string& text, const char* from, const char* to) {
  Expanded e;
  Result<ParsedCalendar> p = Parse(text, ParseOptions{true, {}});
  EXPECT_TRUE(p.ok()) << p.error().message;
  e.parsed = std::move(p).value();
  Result<InstanceResult> r = ExpandInstances(e.parsed.components.at(0), U(from), U(to));
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (r.ok()) e.result = std::move(r).value();
  return e;
}

using V = std::vector<std::string>;

const char* kWeekly =
    "BEGIN:VEVENT\r\nUID:w1\r\nDTSTAMP:20240101T000000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20240108T100000\r\nDTEND;TZID=Europe/Berlin:20240108T110000\r\n"
    "RRULE:FREQ=WEEKLY;COUNT=6\r\nSUMMARY:Weekly\r\n"
    "EXDATE:20240122T090000Z\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:w1\r\nDTSTAMP:20240101T000000Z\r\n"
    "RECURRENCE-ID;TZID=Europe/Berlin:20240115T100000\r\n"
    "DTSTART;TZID=Europe/Berlin:20240116T140000\r\nDTEND;TZID=Europe/Berlin:20240116T150000\r\n"
    "SUMMARY:Moved\r\nEND:VEVENT\r\n";

TEST(InstancesTest, OverrideReplacesItsInstanceAndExdateInUtcRemovesOne) {
  Expanded e = ExpandText(Cal(kWeekly), "20240101T000000", "20250101T000000");
  EXPECT_EQ(e.Starts(), (V{"20240108T100000", "20240116T140000", "20240129T100000",
                           "20240205T100000", "20240212T100000"}));
  const Instance& moved = e.result.instances[1];
  EXPECT_TRUE(moved.overridden);
  EXPECT_EQ(core::FormatLocal(*moved.recurrence_id), "20240115T100000");
  EXPECT_EQ(moved.component->Find("SUMMARY")->value, "Moved");
  EXPECT_EQ(moved.zone->name(), "Europe/Berlin");
  EXPECT_EQ(moved.start_instant, U("20240116T130000"));
  EXPECT_FALSE(e.result.instances[0].overridden);
}

TEST(InstancesTest, MovedOverrideIsFoundByItsNewTime) {
  // Only the moved instance (Jan 16) lies in the window, not its original slot (Jan 15).
  Expanded e = ExpandText(Cal(kWeekly), "20240116T000000", "20240117T000000");
  EXPECT_EQ(e.Starts(), (V{"20240116T140000"}));
}

TEST(InstancesTest, CapKeepsTheEarliestInstancesThoughOverridesComeFirst) {
  // The override (Jan 16) is produced before the series; a cap of 1 and of
  // 3 must still keep the earliest instances by start.
  Result<ParsedCalendar> p = Parse(Cal(kWeekly), ParseOptions{true, {}});
  ASSERT_TRUE(p.ok()) << p.error().message;
  for (std::size_t cap : {1u, 3u}) {
    InstanceOptions options;
    options.max_instances = cap;
    Result<InstanceResult> r = ExpandInstances(p->components.at(0), U("20240101T000000"),
                                               U("20250101T000000"), options);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->truncated);
    ASSERT_EQ(r->instances.size(), cap);
    EXPECT_EQ(r->instances[0].start_instant, U("20240108T090000"));
    if (cap == 3) {
      EXPECT_EQ(r->instances[2].start_instant, U("20240129T090000"));
    }
  }
}

TEST(InstancesTest, ThisAndFutureShiftsLaterInstances) {
  Expanded e =
      ExpandText(Cal("BEGIN:VEVENT\r\nUID:t\r\nDTSTAMP:20240101T000000Z\r\n"
                     "DTSTART:20240101T090000Z\r\nDURATION:PT1H\r\n"
                     "RRULE:FREQ=DAILY;COUNT=5\r\nSUMMARY:Old\r\nEND:VEVENT\r\n"
                     "BEGIN:VEVENT\r\nUID:t\r\nDTSTAMP:20240101T000000Z\r\n"
                     "RECURRENCE-ID;RANGE=THISANDFUTURE:20240103T090000Z\r\n"
                     "DTSTART:20240103T113000Z\r\nDURATION:PT30M\r\nSUMMARY:New\r\nEND:VEVENT\r\n"),
                 "20240101T000000", "20250101T000000");
  EXPECT_EQ(e.Starts(), (V{"20240101T090000", "20240102T090000", "20240103T113000",
                           "20240104T113000", "20240105T113000"}));
  const Instance& last = e.result.instances[4];
  EXPECT_TRUE(last.overridden);
  EXPECT_EQ(last.end_instant - last.start_instant, 1800);
  EXPECT_EQ(last.component->Find("SUMMARY")->value, "New");
  EXPECT_EQ(core::FormatLocal(*last.recurrence_id), "20240105T090000");
}

TEST(InstancesTest, EachInstanceTakesTheLatestThisAndFutureBeforeIt) {
  Expanded e = ExpandText(
      Cal("BEGIN:VEVENT\r\nUID:t2\r\nDTSTAMP:20240101T000000Z\r\n"
          "DTSTART:20240101T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=6\r\nEND:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:t2\r\nDTSTAMP:20240101T000000Z\r\n"
          "RECURRENCE-ID;RANGE=THISANDFUTURE:20240105T090000Z\r\n"
          "DTSTART:20240105T120000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:t2\r\nDTSTAMP:20240101T000000Z\r\n"
          "RECURRENCE-ID;RANGE=THISANDFUTURE:20240103T090000Z\r\n"
          "DTSTART:20240103T100000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:t2\r\nDTSTAMP:20240101T000000Z\r\n"
          "RECURRENCE-ID:20240104T090000Z\r\nDTSTART:20240104T160000Z\r\n"
          "DURATION:PT1H\r\nEND:VEVENT\r\n"),
      "20240101T000000", "20250101T000000");
  EXPECT_EQ(e.Starts(), (V{"20240101T090000", "20240102T090000", "20240103T100000",
                           "20240104T160000", "20240105T120000", "20240106T120000"}));
}

TEST(InstancesTest, DurationIsNominalAndDtendIsExactAcrossDst) {
  // New York springs forward on 2024-03-10.
  Expanded nominal =
      ExpandText(Cal("BEGIN:VEVENT\r\nUID:n\r\nDTSTAMP:20240101T000000Z\r\n"
                     "DTSTART;TZID=America/New_York:20240309T120000\r\nDURATION:P1D\r\n"
                     "RRULE:FREQ=DAILY;COUNT=2\r\nEND:VEVENT\r\n"),
                 "20240101T000000", "20250101T000000");
  ASSERT_EQ(nominal.result.instances.size(), 2u);
  // P1D ends at the same wall-clock time the next day: 23 hours.
  EXPECT_EQ(core::FormatLocal(nominal.result.instances[0].end), "20240310T120000");
  EXPECT_EQ(nominal.result.instances[0].end_instant - nominal.result.instances[0].start_instant,
            23 * 3600);

  Expanded exact = ExpandText(Cal("BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20240101T000000Z\r\n"
                                  "DTSTART;TZID=America/New_York:20240309T120000\r\n"
                                  "DTEND;TZID=America/New_York:20240310T120000\r\n"
                                  "RRULE:FREQ=DAILY;COUNT=2\r\nEND:VEVENT\r\n"),
                              "20240101T000000", "20250101T000000");
  ASSERT_EQ(exact.result.instances.size(), 2u);
  // DTEND gives an exact 23 h that every instance keeps (RFC 5545 §3.8.5.3).
  EXPECT_EQ(core::FormatLocal(exact.result.instances[1].end), "20240311T110000");
}

TEST(InstancesTest, AllDayDefaultsToOneDayAndOverlapIsHalfOpen) {
  const std::string cal =
      Cal("BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20240101T000000Z\r\nDTSTART;VALUE=DATE:20240315\r\n"
          "END:VEVENT\r\n");
  Expanded in = ExpandText(cal, "20240315T230000", "20240316T000000");
  ASSERT_EQ(in.Starts(), (V{"20240315"}));
  EXPECT_EQ(core::FormatDate(in.result.instances[0].end.date()), "20240316");
  EXPECT_TRUE(ExpandText(cal, "20240316T000000", "20240317T000000").result.instances.empty());
}

TEST(InstancesTest, TodoWithOnlyADueDate) {
  Expanded e =
      ExpandText(Cal("BEGIN:VTODO\r\nUID:todo\r\nDTSTAMP:20240101T000000Z\r\n"
                     "DUE:20240320T170000Z\r\nSUMMARY:File report\r\nEND:VTODO\r\n"
                     "BEGIN:VTODO\r\nUID:undated\r\nDTSTAMP:20240101T000000Z\r\nEND:VTODO\r\n"),
                 "20240320T000000", "20240321T000000");
  ASSERT_EQ(e.Starts(), (V{"20240320T170000"}));
  EXPECT_EQ(e.result.instances[0].component->name, "VTODO");
}

TEST(InstancesTest, UnknownTzidIsFloatingWithAWarning) {
  Expanded e = ExpandText(Cal("BEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20240101T000000Z\r\n"
                              "DTSTART;TZID=Atlantis/Capital:20240301T090000\r\nEND:VEVENT\r\n"),
                          "20240301T000000", "20240302T000000");
  ASSERT_EQ(e.Starts(), (V{"20240301T090000"}));
  EXPECT_EQ(e.result.instances[0].zone, nullptr);
  ASSERT_EQ(e.result.warnings.size(), 1u);
  EXPECT_NE(e.result.warnings[0].find("Atlantis/Capital"), std::string::npos);
}

TEST(InstancesTest, ZonesFromVtimezoneOutliveTheCall) {
  Expanded e = ExpandText(
      Cal("BEGIN:VTIMEZONE\r\nTZID:My Zone\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
          "TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
          "BEGIN:VEVENT\r\nUID:z\r\nDTSTAMP:20240101T000000Z\r\n"
          "DTSTART;TZID=My Zone:20240301T090000\r\nEND:VEVENT\r\n"),
      "20240301T000000", "20240302T000000");
  ASSERT_EQ(e.result.instances.size(), 1u);
  EXPECT_EQ(e.result.instances[0].zone->name(), "My Zone");
  EXPECT_EQ(e.result.instances[0].start_instant, U("20240301T060000"));
}

TEST(InstancesTest, BadRruleNamesTheLine) {
  Result<ParsedCalendar> p = Parse(Cal("BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20240101T000000Z\r\n"
                                       "DTSTART:20240101T090000Z\r\nRRULE:FREQ=DAILY;BYHOUR=99\r\n"
                                       "END:VEVENT\r\n"),
                                   ParseOptions{true, {}});
  ASSERT_TRUE(p.ok());
  Result<InstanceResult> r =
      ExpandInstances(p->components[0], U("20240101T000000"), U("20250101T000000"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("line 8: RRULE"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace almanac::ical
