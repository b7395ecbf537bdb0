#include "core/time_zone.h"

#include <gtest/gtest.h>

namespace almanac::core {
namespace {

LocalDateTime L(int y, int mo, int d, int h, int mi, int s = 0) {
  return LocalDateTime::FromCivil(y, mo, d, h, mi, s);
}
Instant U(int y, int mo, int d, int h, int mi, int s = 0) {
  return Instant::FromUnixSeconds(LocalDateTime::FromCivil(y, mo, d, h, mi, s).seconds());
}

const TimeZone& Zone(const char* name) {
  Result<const TimeZone*> z = FindIanaZone(name);
  EXPECT_TRUE(z.ok()) << name;
  return **z;
}

TEST(IanaZoneTest, UnknownNameIsNotFound) {
  Result<const TimeZone*> z = FindIanaZone("Mars/Olympus_Mons");
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().code, Code::kNotFound);
  EXPECT_NE(z.error().message.find("Mars/Olympus_Mons"), std::string::npos);
  EXPECT_EQ(FindIanaZone("").error().code, Code::kNotFound);
}

TEST(IanaZoneTest, SameZoneIsCached) {
  EXPECT_EQ(*FindIanaZone("Europe/London"), *FindIanaZone("Europe/London"));
}

// RFC 5545 §3.3.5: 02:30 on a spring-forward night means 03:30 EDT.
TEST(IanaZoneTest, NonexistentTimeUsesTheOffsetBeforeTheGap) {
  const TimeZone& ny = Zone("America/New_York");
  const LocalLookup r = ny.Lookup(L(2007, 3, 11, 2, 30));
  EXPECT_EQ(r.kind, LocalKind::kNonexistent);
  EXPECT_EQ(ny.ToInstant(L(2007, 3, 11, 2, 30)), U(2007, 3, 11, 7, 30));
  EXPECT_EQ(ny.ToLocal(U(2007, 3, 11, 7, 30)), L(2007, 3, 11, 3, 30));
}

// RFC 5545 §3.3.5: 01:30 on a fall-back night means the first, EDT.
TEST(IanaZoneTest, AmbiguousTimeMeansTheFirstOccurrence) {
  const TimeZone& ny = Zone("America/New_York");
  EXPECT_EQ(ny.Lookup(L(2007, 11, 4, 1, 30)).kind, LocalKind::kAmbiguous);
  EXPECT_EQ(ny.ToInstant(L(2007, 11, 4, 1, 30)), U(2007, 11, 4, 5, 30));
}

TEST(IanaZoneTest, LordHoweShiftsByThirtyMinutes) {
  const TimeZone& lh = Zone("Australia/Lord_Howe");
  // DST ends 2024-04-07 02:00 local (+11) -> 01:30 (+10:30).
  EXPECT_EQ(lh.OffsetAt(U(2024, 4, 6, 14, 59)), 11 * 3600);
  EXPECT_EQ(lh.OffsetAt(U(2024, 4, 6, 15, 0)), 10 * 3600 + 1800);
  EXPECT_EQ(lh.Lookup(L(2024, 4, 7, 1, 45)).kind, LocalKind::kAmbiguous);
  // DST starts 2024-10-06 02:00 -> 02:30: 02:15 does not exist.
  EXPECT_EQ(lh.Lookup(L(2024, 10, 6, 2, 15)).kind, LocalKind::kNonexistent);
  EXPECT_EQ(lh.ToLocal(lh.ToInstant(L(2024, 10, 6, 2, 15))), L(2024, 10, 6, 2, 45));
}

TEST(IanaZoneTest, ApiaSkippedTheThirtiethOfDecember2011) {
  const TimeZone& apia = Zone("Pacific/Apia");
  EXPECT_EQ(apia.Lookup(L(2011, 12, 30, 12, 0)).kind, LocalKind::kNonexistent);
  // The day before ran at -10 (DST), the day after at +14.
  EXPECT_EQ(apia.ToInstant(L(2011, 12, 29, 12, 0)), U(2011, 12, 29, 22, 0));
  EXPECT_EQ(apia.ToInstant(L(2011, 12, 31, 12, 0)), U(2011, 12, 30, 22, 0));
  // 30th noon read with the offset before the gap lands on the 31st noon.
  EXPECT_EQ(apia.ToLocal(apia.ToInstant(L(2011, 12, 30, 12, 0))), L(2011, 12, 31, 12, 0));
}

TEST(ZoneCursorTest, AgreesWithTheZoneEverywhere) {
  for (const char* name : {"America/New_York", "Europe/London", "Australia/Lord_Howe",
                           "Pacific/Apia", "Asia/Kolkata"}) {
    const TimeZone& z = Zone(name);
    ZoneCursor cursor(z);
    for (LocalDateTime t = L(2010, 1, 1, 0, 0); t < L(2013, 1, 1, 0, 0); t = t + 1800) {
      const Instant want = z.ToInstant(t);
      ASSERT_EQ(cursor.ToInstant(t), want) << name << " " << FormatLocal(t);
      ASSERT_EQ(cursor.Normalize(t), z.ToLocal(want)) << name << " " << FormatLocal(t);
    }
  }
}

TEST(TransitionZoneTest, SpansFollowTheTable) {
  TransitionZone z("Custom", 3600, false,
                   {{U(2024, 3, 31, 1, 0), 7200, true}, {U(2024, 10, 27, 1, 0), 3600, false}});
  EXPECT_EQ(z.name(), "Custom");
  EXPECT_EQ(z.OffsetAt(U(2024, 1, 1, 0, 0)), 3600);
  EXPECT_EQ(z.OffsetAt(U(2024, 3, 31, 1, 0)), 7200);
  EXPECT_TRUE(z.SpanAt(U(2024, 6, 1, 0, 0)).dst);
  EXPECT_EQ(z.OffsetAt(U(2030, 1, 1, 0, 0)), 3600);
  EXPECT_EQ(z.Lookup(L(2024, 3, 31, 2, 30)).kind, LocalKind::kNonexistent);
  EXPECT_EQ(z.Lookup(L(2024, 10, 27, 2, 30)).kind, LocalKind::kAmbiguous);
  EXPECT_EQ(z.ToInstant(L(2024, 10, 27, 2, 30)), U(2024, 10, 27, 0, 30));
}

TEST(ZonedDateTimeTest, RoundTripsThroughAnInstant) {
  const TimeZone& london = Zone("Europe/London");
  const ZonedDateTime summer{L(2024, 7, 1, 9, 0), &london};
  EXPECT_EQ(summer.instant(), U(2024, 7, 1, 8, 0));
  EXPECT_EQ(ZonedDateTime::FromInstant(summer.instant(), london), summer);
  // A time in the spring-forward gap reads back as the time that happened.
  const ZonedDateTime gap{L(2024, 3, 31, 1, 30), &london};
  EXPECT_EQ(ZonedDateTime::FromInstant(gap.instant(), london).local, L(2024, 3, 31, 2, 30));
}

TEST(UtcZoneTest, IsTheIdentity) {
  EXPECT_EQ(UtcZone().ToInstant(L(2024, 5, 5, 5, 5)), U(2024, 5, 5, 5, 5));
  EXPECT_EQ(UtcZone().name(), "UTC");
}

}  // namespace
}  // namespace almanac::core
