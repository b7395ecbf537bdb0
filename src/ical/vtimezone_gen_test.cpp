#include "ical/vtimezone_gen.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "ical/parser.h"
#include "ical/serializer.h"
#include "ical/vtimezone.h"

namespace almanac::ical {
namespace {

using core::Instant;
using core::LocalDateTime;

Instant Utc(int y, int mo = 1, int d = 1, int h = 0, int mi = 0) {
  return Instant::FromUnixSeconds(LocalDateTime::FromCivil(y, mo, d, h, mi, 0).seconds());
}

Component Wrap(Component vtz) {
  Component cal;
  cal.name = "VCALENDAR";
  cal.properties.push_back(Property{"VERSION", {}, "2.0"});
  cal.properties.push_back(Property{"PRODID", {}, "-//Almanac//test//EN"});
  cal.components.push_back(std::move(vtz));
  return cal;
}

// Serializes `vtz` in a VCALENDAR and parses it back strictly.
Component RoundTrip(const Component& vtz) {
  const std::string text = Serialize(Wrap(vtz));
  Result<ParsedCalendar> parsed = Parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message << "\n" << text;
  if (!parsed.ok()) return {};
  EXPECT_TRUE(parsed->warnings.empty()) << parsed->warnings.front().message;
  EXPECT_EQ(parsed->components.size(), 1u);
  EXPECT_EQ(parsed->components.at(0).components.size(), 1u);
  return parsed->components.at(0).components.at(0);
}

// The IANA zone's offset changes in (from, to), walked independently of the
// generator.
std::vector<Instant> IanaChanges(const core::TimeZone& zone, Instant from, Instant to) {
  std::vector<Instant> out;
  for (core::ZoneSpan s = zone.SpanAt(from); s.end < to; s = zone.SpanAt(s.end)) {
    if (zone.OffsetAt(s.end) != zone.OffsetAt(s.end - 1)) out.push_back(s.end);
  }
  return out;
}

// Generates `tzid` for [from, to), writes and parses it, evaluates it with the
// ical VTIMEZONE evaluator and compares offsets with core's IANA zone: at
// every hour boundary from 3 h before to 3 h after each change, a second
// either side of it, and 1000 random instants.
void ExpectExact(const char* tzid, Instant from, Instant to, Component* out = nullptr) {
  SCOPED_TRACE(
      fmt::format("{} [{}, {})", tzid, core::FormatLocal(from.utc()), core::FormatLocal(to.utc())));
  const std::uint64_t fallbacks = VTimezoneRuleFallbacksForTest();
  Result<Component> gen = GenerateVTimezone(tzid, from, to);
  ASSERT_TRUE(gen.ok()) << gen.error().message;
  EXPECT_EQ(VTimezoneRuleFallbacksForTest(), fallbacks) << "rules did not evaluate back";
  const Component parsed = RoundTrip(*gen);
  ASSERT_EQ(parsed, *gen) << Serialize(*gen);

  Result<std::unique_ptr<core::TransitionZone>> built =
      BuildZoneFromVTimezone(parsed, to.utc().date().civil().year + 1);
  ASSERT_TRUE(built.ok()) << built.error().message;
  const core::TimeZone& got = **built;
  const core::TimeZone& iana = **core::FindIanaZone(tzid);
  auto check = [&](Instant t) {
    if (t < from || t >= to) return;
    ASSERT_EQ(got.OffsetAt(t), iana.OffsetAt(t)) << "at " << core::FormatLocal(t.utc()) << "Z\n"
                                                 << Serialize(*gen);
  };
  check(from);
  check(to - 1);
  for (Instant change : IanaChanges(iana, from, to)) {
    check(change - 1);
    check(change);
    const std::int64_t hour =
        change.unix_seconds() - ((change.unix_seconds() % 3600) + 3600) % 3600;
    for (std::int64_t h = -3; h <= 3; ++h) check(Instant::FromUnixSeconds(hour + h * 3600));
    if (::testing::Test::HasFatalFailure()) return;
  }
  const std::uint64_t seed = 20240601;
  SCOPED_TRACE(fmt::format("seed {}", seed));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> pick(from.unix_seconds(), to.unix_seconds() - 1);
  for (int i = 0; i < 1000; ++i) {
    check(Instant::FromUnixSeconds(pick(rng)));
    if (::testing::Test::HasFatalFailure()) return;
  }
  if (out != nullptr) *out = *gen;
}

std::vector<std::string> Values(const Component& vtz, const char* property) {
  std::vector<std::string> out;
  for (const Component& obs : vtz.components) {
    const Property* p = obs.Find(property);
    out.push_back(p == nullptr ? "" : p->value);
  }
  return out;
}

TEST(VTimezoneGenTest, ExactForTheZonesClientsMeet) {
  struct Case {
    const char* tzid;
    int from_year, to_year;
  };
  const Case cases[] = {
      {"Europe/Berlin", 1970, 2040},
      {"Europe/Berlin", 1900, 2040},
      {"America/New_York", 1970, 2040},
      {"America/New_York", 1883, 2040},
      {"Australia/Sydney", 1970, 2040},
      {"Europe/London", 1900, 2040},
      {"Asia/Kolkata", 1900, 2040},
      {"America/Sao_Paulo", 1970, 2040},
      {"Pacific/Chatham", 1970, 2040},
      {"Africa/Casablanca", 1970, 2087},
      {"Asia/Tokyo", 1900, 2040},
      {"UTC", 1970, 2040},
      {"Etc/UTC", 1970, 2040},
      {"Europe/Moscow", 1900, 2040},
      {"Asia/Tehran", 1970, 2040},
      {"Asia/Jerusalem", 1970, 2040},
      {"America/Santiago", 1970, 2040},
      {"Pacific/Auckland", 1970, 2040},
      {"Pacific/Apia", 1970, 2040},
      {"Australia/Lord_Howe", 1970, 2040},
      {"America/St_Johns", 1900, 2040},
      {"Europe/Dublin", 1900, 2040},
      {"Africa/Cairo", 1970, 2040},
      {"America/Havana", 1970, 2040},
      {"Asia/Gaza", 1990, 2040},
      {"Pacific/Kiritimati", 1970, 2040},
      {"Antarctica/Troll", 2000, 2040},
      {"Asia/Amman", 1970, 2040},
      {"America/Asuncion", 1970, 2040},
      {"Europe/Lisbon", 1900, 2040},
      {"America/Mexico_City", 1970, 2040},
      {"Europe/Berlin", 2024, 2300},
  };
  for (const Case& c : cases) {
    ExpectExact(c.tzid, Utc(c.from_year), Utc(c.to_year));
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// Every zone (and link) the system's tzdata names, so that a zone nobody
// thought of cannot fall back to one-offs or come out wrong.
TEST(VTimezoneGenTest, EveryTzdataZoneEvaluatesBackExactly) {
  std::FILE* f = std::fopen("/usr/share/zoneinfo/tzdata.zi", "r");
  if (f == nullptr) GTEST_SKIP() << "no /usr/share/zoneinfo/tzdata.zi";
  std::vector<std::string> names;
  char line[512];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    // "Z Europe/Berlin 0:53:28 - LMT 1893 Ap" and "L Europe/Berlin Arctic/Longyearbyen".
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    if (s.rfind("Z ", 0) == 0) names.push_back(s.substr(2, s.find(' ', 2) - 2));
    if (s.rfind("L ", 0) == 0) names.push_back(s.substr(s.find(' ', 2) + 1));
  }
  std::fclose(f);
  ASSERT_GT(names.size(), 300u);
  for (const std::string& name : names) {
    if (!core::FindIanaZone(name).ok()) continue;  // "Factory" and the like
    ExpectExact(name.c_str(), Utc(1900), Utc(2040));
    ExpectExact(name.c_str(), Utc(2020), Utc(2100));
    if (HasFatalFailure()) return;
  }
}

TEST(VTimezoneGenTest, ExactForRangesThatStartAndEndMidYear) {
  for (const char* tzid : {"Europe/Berlin", "America/New_York", "Australia/Sydney",
                           "Pacific/Chatham", "Africa/Casablanca"}) {
    ExpectExact(tzid, Utc(2003, 7, 15, 13, 17), Utc(2011, 3, 27, 1, 0));
    ExpectExact(tzid, Utc(2024, 6, 1), Utc(2024, 7, 1));  // no change inside
    ExpectExact(tzid, Utc(2024, 3, 31, 1, 0), Utc(2024, 10, 27, 1, 0));
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(VTimezoneGenTest, BerlinSince1996IsTwoOpenRules) {
  Component vtz;
  ExpectExact("Europe/Berlin", Utc(1996), Utc(2040), &vtz);
  ASSERT_EQ(vtz.components.size(), 2u) << Serialize(vtz);
  EXPECT_EQ(vtz.Find("TZID")->value, "Europe/Berlin");
  EXPECT_EQ(vtz.components[0].name, "DAYLIGHT");
  EXPECT_EQ(vtz.components[1].name, "STANDARD");
  EXPECT_EQ(Values(vtz, "DTSTART"),
            (std::vector<std::string>{"19960331T020000", "19961027T030000"}));
  EXPECT_EQ(Values(vtz, "RRULE"), (std::vector<std::string>{"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
                                                            "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"}));
  EXPECT_EQ(Values(vtz, "TZOFFSETFROM"), (std::vector<std::string>{"+0100", "+0200"}));
  EXPECT_EQ(Values(vtz, "TZOFFSETTO"), (std::vector<std::string>{"+0200", "+0100"}));
  EXPECT_EQ(Values(vtz, "TZNAME"), (std::vector<std::string>{"+02", "+01"}));
}

TEST(VTimezoneGenTest, BerlinFrom1990AddsTheSeptemberRuleUntil1995) {
  Component vtz;
  ExpectExact("Europe/Berlin", Utc(1990), Utc(2040), &vtz);
  ASSERT_EQ(vtz.components.size(), 3u) << Serialize(vtz);
  EXPECT_EQ(Values(vtz, "RRULE"),
            (std::vector<std::string>{"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
                                      "FREQ=YEARLY;UNTIL=19950924T010000Z;BYDAY=-1SU;BYMONTH=9",
                                      "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"}));
  EXPECT_EQ(Values(vtz, "DTSTART"),
            (std::vector<std::string>{"19900325T020000", "19900930T030000", "19961027T030000"}));
}

TEST(VTimezoneGenTest, BerlinSince1970IsSmall) {
  Component vtz;
  ExpectExact("Europe/Berlin", Utc(1970), Utc(2037), &vtz);
  const std::string text = Serialize(vtz);
  RecordProperty("berlin_1970_2037_bytes", static_cast<int>(text.size()));
  // 1980's first summer time (first Sunday of April), then the March and
  // September rules, then the October one.
  EXPECT_EQ(vtz.components.size(), 4u) << text;
  EXPECT_LT(text.size(), 1000u) << text;
}

TEST(VTimezoneGenTest, NewYorkAcrossThe2007RuleChange) {
  Component vtz;
  ExpectExact("America/New_York", Utc(2000), Utc(2030), &vtz);
  ASSERT_EQ(vtz.components.size(), 4u) << Serialize(vtz);
  EXPECT_EQ(Values(vtz, "RRULE"),
            (std::vector<std::string>{"FREQ=YEARLY;UNTIL=20060402T070000Z;BYDAY=1SU;BYMONTH=4",
                                      "FREQ=YEARLY;UNTIL=20061029T060000Z;BYDAY=-1SU;BYMONTH=10",
                                      "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
                                      "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"}));
  EXPECT_EQ(Values(vtz, "DTSTART"),
            (std::vector<std::string>{"20000402T020000", "20001029T020000", "20070311T020000",
                                      "20071104T020000"}));
  EXPECT_EQ(Values(vtz, "TZNAME"), (std::vector<std::string>{"-04", "-05", "-04", "-05"}));

  Component since2010;
  ExpectExact("America/New_York", Utc(2010), Utc(2030), &since2010);
  EXPECT_EQ(since2010.components.size(), 2u) << Serialize(since2010);
}

TEST(VTimezoneGenTest, SouthernHemisphereAndOddOffsets) {
  Component sydney;
  ExpectExact("Australia/Sydney", Utc(2010), Utc(2040), &sydney);
  EXPECT_EQ(Values(sydney, "RRULE"),
            (std::vector<std::string>{"FREQ=YEARLY;BYDAY=1SU;BYMONTH=4",
                                      "FREQ=YEARLY;BYDAY=1SU;BYMONTH=10"}));
  EXPECT_EQ(Values(sydney, "TZOFFSETTO"), (std::vector<std::string>{"+1000", "+1100"}));

  Component chatham;
  ExpectExact("Pacific/Chatham", Utc(2010), Utc(2040), &chatham);
  ASSERT_EQ(chatham.components.size(), 2u) << Serialize(chatham);
  EXPECT_EQ(Values(chatham, "TZOFFSETTO"), (std::vector<std::string>{"+1245", "+1345"}));
  EXPECT_EQ(Values(chatham, "TZNAME"), (std::vector<std::string>{"+1245", "+1345"}));
  EXPECT_EQ(Values(chatham, "DTSTART"),
            (std::vector<std::string>{"20100404T034500", "20100926T024500"}));
}

TEST(VTimezoneGenTest, ZonesWithoutChangesGetOneStandard) {
  for (const char* tzid : {"Asia/Kolkata", "Asia/Tokyo", "UTC", "Etc/UTC"}) {
    SCOPED_TRACE(tzid);
    Component vtz;
    ExpectExact(tzid, Utc(2000), Utc(2040), &vtz);
    ASSERT_EQ(vtz.components.size(), 1u) << Serialize(vtz);
    EXPECT_EQ(vtz.components[0].name, "STANDARD");
    EXPECT_EQ(vtz.components[0].Find("RRULE"), nullptr);
  }
  Result<Component> kolkata = GenerateVTimezone("Asia/Kolkata", Utc(2000), Utc(2040));
  ASSERT_TRUE(kolkata.ok());
  EXPECT_EQ(kolkata->components[0].Find("TZOFFSETTO")->value, "+0530");
  EXPECT_EQ(kolkata->components[0].Find("TZNAME")->value, "+0530");
  // Inside one summer: the change that began it, as the yearly rule it is.
  Component summer;
  ExpectExact("Europe/Berlin", Utc(2024, 6, 1), Utc(2024, 7, 1), &summer);
  ASSERT_EQ(summer.components.size(), 1u);
  EXPECT_EQ(summer.components[0].name, "DAYLIGHT");
  EXPECT_EQ(Values(summer, "RRULE"),
            (std::vector<std::string>{"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"}));
  Result<Component> utc = GenerateVTimezone("UTC", Utc(2000), Utc(2040));
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->components[0].Find("DTSTART")->value, "19700101T000000");
  EXPECT_EQ(utc->components[0].Find("TZOFFSETFROM")->value, "+0000");
}

TEST(VTimezoneGenTest, AbolishedSummerTimeEndsItsRules) {
  // Brazil dropped DST in 2019: no rule may stay open past the last change.
  Component vtz;
  ExpectExact("America/Sao_Paulo", Utc(2008), Utc(2040), &vtz);
  for (const Component& obs : vtz.components) {
    if (const Property* rrule = obs.Find("RRULE")) {
      EXPECT_NE(rrule->value.find("UNTIL="), std::string::npos) << rrule->value;
    }
  }
  Result<std::unique_ptr<core::TransitionZone>> z = BuildZoneFromVTimezone(vtz);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ((*z)->OffsetAt(Utc(2100, 1, 15)), -3 * 3600);
}

TEST(VTimezoneGenTest, IrregularZonesUseOneOffs) {
  Component vtz;
  ExpectExact("Africa/Casablanca", Utc(2010), Utc(2040), &vtz);
  std::size_t rdates = 0;
  for (const Component& obs : vtz.components) rdates += obs.FindAll("RDATE").size();
  EXPECT_GT(rdates, 0u);
  EXPECT_LT(vtz.components.size(), 10u) << Serialize(vtz);
}

TEST(VTimezoneGenTest, Errors) {
  EXPECT_EQ(GenerateVTimezone("Mars/Olympus_Mons", Utc(2000), Utc(2001)).status().code(),
            Code::kNotFound);
  EXPECT_EQ(GenerateVTimezone("Europe/Berlin", Utc(2001), Utc(2000)).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(GenerateVTimezone("Europe/Berlin", Utc(1), Utc(2000)).status().code(),
            Code::kOutOfRange);
  EXPECT_EQ(GenerateVTimezone("Europe/Berlin", Utc(2000), Utc(9999, 6)).status().code(),
            Code::kOutOfRange);
  // An empty range is fine: it holds no instant to get wrong.
  EXPECT_TRUE(GenerateVTimezone("Europe/Berlin", Utc(2000), Utc(2000)).ok());
}

TEST(VTimezoneGenTest, CustomTzidUsesTheZonesRules) {
  const core::TimeZone& berlin = **core::FindIanaZone("Europe/Berlin");
  Result<Component> vtz =
      GenerateVTimezone(berlin, "W. Europe Standard Time", Utc(2000), Utc(2030));
  ASSERT_TRUE(vtz.ok());
  EXPECT_EQ(vtz->Find("TZID")->value, "W. Europe Standard Time");
  Result<std::unique_ptr<core::TransitionZone>> z = BuildZoneFromVTimezone(*vtz);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ((*z)->OffsetAt(Utc(2025, 7, 1)), 7200);
}

const char* kTwoZoneEvent =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    "BEGIN:VEVENT\r\nUID:a@example.com\r\nDTSTAMP:20240101T000000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20240108T090000\r\n"
    "DTEND;TZID=Europe/Berlin:20240108T100000\r\n"
    "RRULE:FREQ=WEEKLY;UNTIL=20241230T080000Z\r\n"
    "EXDATE;TZID=America/New_York:20240115T030000\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:b@example.com\r\nDTSTAMP:20240101T000000Z\r\n"
    "DTSTART;TZID=Mars/Olympus_Mons:20240108T090000\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n";

Component ParseCalendar(const std::string& text) {
  Result<ParsedCalendar> p = Parse(text);
  EXPECT_TRUE(p.ok()) << p.error().message;
  if (!p.ok()) return {};
  return p->components.at(0);
}

TEST(VTimezoneGenTest, AddMissingAddsOnePerIanaTzidAndIsIdempotent) {
  Component cal = ParseCalendar(kTwoZoneEvent);
  EXPECT_EQ(AddMissingVTimezones(&cal), 2u);
  ASSERT_EQ(cal.components.size(), 4u);
  EXPECT_EQ(cal.components[0].name, "VTIMEZONE");
  EXPECT_EQ(cal.components[0].Find("TZID")->value, "Europe/Berlin");
  EXPECT_EQ(cal.components[1].name, "VTIMEZONE");
  EXPECT_EQ(cal.components[1].Find("TZID")->value, "America/New_York");
  EXPECT_EQ(cal.components[2].name, "VEVENT");
  EXPECT_EQ(cal.components[3].name, "VEVENT");
  // Compact: the 2023..2025 range is the current rules of each zone.
  EXPECT_EQ(cal.components[0].components.size(), 2u);
  EXPECT_EQ(cal.components[1].components.size(), 2u);

  const Component once = cal;
  EXPECT_EQ(AddMissingVTimezones(&cal), 0u);
  EXPECT_EQ(cal, once);

  // The result is valid iCalendar and a client's view of it agrees with tzdata.
  const Component back = ParseCalendar(Serialize(cal));
  EXPECT_EQ(back, cal);
  Result<std::unique_ptr<core::TransitionZone>> berlin = BuildZoneFromVTimezone(back.components[0]);
  ASSERT_TRUE(berlin.ok());
  EXPECT_EQ((*berlin)->OffsetAt(Utc(2024, 7, 1)), 7200);
  EXPECT_EQ((*berlin)->OffsetAt(Utc(2024, 12, 1)), 3600);
}

TEST(VTimezoneGenTest, AddMissingKeepsExistingAndSkipsUnknown) {
  Component cal = ParseCalendar(kTwoZoneEvent);
  Result<Component> ny = GenerateVTimezone("America/New_York", Utc(2020), Utc(2021));
  ASSERT_TRUE(ny.ok());
  cal.components.push_back(*ny);  // defined already, even though after the events
  EXPECT_EQ(AddMissingVTimezones(&cal), 1u);
  ASSERT_EQ(cal.components.size(), 4u);
  EXPECT_EQ(cal.components[0].Find("TZID")->value, "Europe/Berlin");
  EXPECT_EQ(cal.components[3], *ny);
  for (const Component& c : cal.components) {
    if (c.name == "VTIMEZONE") {
      EXPECT_NE(c.Find("TZID")->value, "Mars/Olympus_Mons");
    }
  }

  Component none = ParseCalendar(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:c\r\n"
      "DTSTAMP:20240101T000000Z\r\nDTSTART:20240108T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  const Component before = none;
  EXPECT_EQ(AddMissingVTimezones(&none), 0u);
  EXPECT_EQ(none, before);
}

TEST(VTimezoneGenTest, AddMissingKeepsTheTzidAsWritten) {
  Component cal = ParseCalendar(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:t\r\n"
      "DTSTAMP:20240101T000000Z\r\n"
      "DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20240108T090000\r\n"
      "DUE;TZID=W. Europe Standard Time:20240109T090000\r\n"
      "END:VTODO\r\nEND:VCALENDAR\r\n");
  EXPECT_EQ(AddMissingVTimezones(&cal), 2u);
  ASSERT_EQ(cal.components.size(), 3u);
  EXPECT_EQ(cal.components[0].Find("TZID")->value, "/mozilla.org/20050126_1/Europe/Berlin");
  EXPECT_EQ(cal.components[1].Find("TZID")->value, "W. Europe Standard Time");
  ZoneResolver resolver(cal);
  Result<const core::TimeZone*> z = resolver.Resolve("W. Europe Standard Time");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ((*z)->OffsetAt(Utc(2024, 7, 1)), 7200);
}

TEST(VTimezoneGenTest, AddMissingCoversUnboundedSeries) {
  // A series from 1990 without end: New York's 2007 change must be in the
  // VTIMEZONE, and the rules in force at the horizon stay open.
  Component cal = ParseCalendar(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u\r\n"
      "DTSTAMP:20240101T000000Z\r\nDTSTART;TZID=America/New_York:19900108T090000\r\n"
      "RRULE:FREQ=MONTHLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  EXPECT_EQ(AddMissingVTimezones(&cal), 1u);
  const Component& vtz = cal.components.at(0);
  EXPECT_EQ(vtz.components.size(), 4u) << Serialize(vtz);
  Result<std::unique_ptr<core::TransitionZone>> z = BuildZoneFromVTimezone(vtz);
  ASSERT_TRUE(z.ok());
  const core::TimeZone& ny = **core::FindIanaZone("America/New_York");
  for (int year = 1989; year < 2100; ++year) {
    for (int month = 1; month <= 12; ++month) {
      const Instant t = Utc(year, month, 9, 12);
      ASSERT_EQ((*z)->OffsetAt(t), ny.OffsetAt(t)) << year << "-" << month;
    }
  }
}

}  // namespace
}  // namespace almanac::ical
