#include "ical/vtimezone.h"

#include <gtest/gtest.h>

#include "ical/parser.h"

namespace almanac::ical {
namespace {

using core::Instant;
using core::LocalDateTime;

Component ParseOne(const std::string& text) {
  Result<ParsedCalendar> p = Parse(text, ParseOptions{true, {}});
  EXPECT_TRUE(p.ok()) << p.error().message;
  return p->components.at(0);
}

// US Eastern time since 2007, under a TZID that is not an IANA name.
const char* kCustomEastern =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Custom Eastern\r\n"
    "BEGIN:STANDARD\r\nDTSTART:20071104T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"
    "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:20070311T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n"
    "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nEND:DAYLIGHT\r\n"
    "END:VTIMEZONE\r\nEND:VCALENDAR\r\n";

TEST(VTimezoneTest, RulesAgreeWithTheIanaZone) {
  Component cal = ParseOne(kCustomEastern);
  ZoneResolver resolver(cal);
  Result<const core::TimeZone*> custom = resolver.Resolve("Custom Eastern");
  ASSERT_TRUE(custom.ok()) << custom.error().message;
  EXPECT_EQ((*custom)->name(), "Custom Eastern");
  const core::TimeZone& ny = **core::FindIanaZone("America/New_York");
  for (LocalDateTime t = LocalDateTime::FromCivil(2008, 1, 1, 0, 30, 0);
       t < LocalDateTime::FromCivil(2030, 1, 1, 0, 0, 0); t = t + 3600 * 7) {
    ASSERT_EQ((*custom)->ToInstant(t), ny.ToInstant(t)) << core::FormatLocal(t);
  }
  // Gap and overlap resolve the same way as an IANA zone (RFC 5545 §3.3.5).
  const LocalDateTime gap = LocalDateTime::FromCivil(2024, 3, 10, 2, 30, 0);
  EXPECT_EQ((*custom)->ToInstant(gap), ny.ToInstant(gap));
  const LocalDateTime overlap = LocalDateTime::FromCivil(2024, 11, 3, 1, 30, 0);
  EXPECT_EQ((*custom)->Lookup(overlap).kind, core::LocalKind::kAmbiguous);
}

TEST(VTimezoneTest, OutlookStyleRulesFrom1601) {
  Component cal = ParseOne(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:W. Europe Custom\r\n"
      "BEGIN:STANDARD\r\nDTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
      "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
      "BEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
      "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nEND:"
      "VCALENDAR\r\n");
  ZoneResolver resolver(cal);
  Result<const core::TimeZone*> z = resolver.Resolve("W. Europe Custom");
  ASSERT_TRUE(z.ok()) << z.error().message;
  const core::TimeZone& berlin = **core::FindIanaZone("Europe/Berlin");
  for (int year = 1997; year < 2040; ++year) {
    for (int month : {1, 3, 4, 7, 10, 11}) {
      const LocalDateTime t = LocalDateTime::FromCivil(year, month, 28, 12, 0, 0);
      ASSERT_EQ((*z)->ToInstant(t), berlin.ToInstant(t)) << core::FormatLocal(t);
    }
  }
}

TEST(VTimezoneTest, RdatesAndUtcUntil) {
  // DST observed only in 2020 and 2021 (RDATE), standard onsets by a rule
  // that ends with a UTC UNTIL.
  Component cal = ParseOne(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:Islandish\r\n"
      "BEGIN:DAYLIGHT\r\nDTSTART:20200401T020000\r\nRDATE:20210401T020000\r\n"
      "TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0400\r\nEND:DAYLIGHT\r\n"
      "BEGIN:STANDARD\r\nDTSTART:20201001T030000\r\n"
      "RRULE:FREQ=YEARLY;UNTIL=20210930T230000Z\r\n"
      "TZOFFSETFROM:+0400\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:"
      "VCALENDAR\r\n");
  Result<std::unique_ptr<core::TransitionZone>> z = BuildZoneFromVTimezone(cal.components.at(0));
  ASSERT_TRUE(z.ok()) << z.error().message;
  EXPECT_EQ((*z)->transition_count(), 4u);
  auto offset = [&](int y, int m, int d) {
    return (*z)->OffsetAt(
        Instant::FromUnixSeconds(LocalDateTime::FromCivil(y, m, d, 12, 0, 0).seconds()));
  };
  EXPECT_EQ(offset(2019, 6, 1), 3 * 3600);
  EXPECT_EQ(offset(2020, 6, 1), 4 * 3600);
  EXPECT_EQ(offset(2020, 12, 1), 3 * 3600);
  EXPECT_EQ(offset(2021, 6, 1), 4 * 3600);
  EXPECT_EQ(offset(2021, 12, 1), 3 * 3600);
  EXPECT_EQ(offset(2022, 6, 1), 3 * 3600);
}

TEST(VTimezoneTest, IanaNamesWinAndPrefixesAreDropped) {
  Component cal = ParseOne(kCustomEastern);
  ZoneResolver resolver(cal);
  EXPECT_EQ(*resolver.Resolve("Europe/Paris"), *core::FindIanaZone("Europe/Paris"));
  EXPECT_EQ(*resolver.Resolve("/mozilla.org/20050126_1/Europe/Berlin"),
            *core::FindIanaZone("Europe/Berlin"));
  EXPECT_EQ(*resolver.Resolve("Eastern Standard Time"), *core::FindIanaZone("America/New_York"));
  Result<const core::TimeZone*> missing = resolver.Resolve("Nowhere Standard Time");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Code::kNotFound);
  EXPECT_NE(missing.error().message.find("Nowhere Standard Time"), std::string::npos);
}

TEST(VTimezoneTest, MalformedObservanceIsAnError) {
  Component cal = ParseOne(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTIMEZONE\r\nTZID:Broken\r\n"
      "BEGIN:STANDARD\r\nDTSTART:20201001T030000\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\n"
      "END:VTIMEZONE\r\nEND:VCALENDAR\r\n");
  Result<std::unique_ptr<core::TransitionZone>> z = BuildZoneFromVTimezone(cal.components.at(0));
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().code, Code::kInvalidArgument);
  EXPECT_NE(z.error().message.find("TZOFFSETFROM is required"), std::string::npos);
}

}  // namespace
}  // namespace almanac::ical
