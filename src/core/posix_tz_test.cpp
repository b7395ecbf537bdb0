#include "core/internal/posix_tz.h"

#include <gtest/gtest.h>

#include "core/time_zone.h"

namespace almanac::core::internal {
namespace {

Instant U(int y, int mo, int d, int h, int mi) {
  return Instant::FromUnixSeconds(LocalDateTime::FromCivil(y, mo, d, h, mi, 0).seconds());
}

TEST(PosixTzTest, ParsesTheForms) {
  EXPECT_TRUE(PosixTzRule::Parse("EST5EDT,M3.2.0,M11.1.0"));
  EXPECT_TRUE(PosixTzRule::Parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"));
  EXPECT_TRUE(PosixTzRule::Parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0"));
  EXPECT_TRUE(PosixTzRule::Parse("IST-5:30"));
  EXPECT_TRUE(PosixTzRule::Parse("XXX3YYY,J60/2,300/3"));
  EXPECT_FALSE(PosixTzRule::Parse(""));
  EXPECT_FALSE(PosixTzRule::Parse("EST"));
  EXPECT_FALSE(PosixTzRule::Parse("EST5EDT,M13.2.0,M11.1.0"));
  EXPECT_FALSE(PosixTzRule::Parse("EST5EDT,M3.2.0"));
}

TEST(PosixTzTest, NewYorkRule) {
  const PosixTzRule r = *PosixTzRule::Parse("EST5EDT,M3.2.0,M11.1.0");
  // 2080: DST from Sunday March 10 02:00 EST (07:00Z) to Sunday November 3 02:00 EDT (06:00Z).
  const ZoneSpan summer = r.SpanAt(U(2080, 7, 1, 0, 0));
  EXPECT_EQ(summer.offset, -4 * 3600);
  EXPECT_TRUE(summer.dst);
  EXPECT_EQ(summer.begin, U(2080, 3, 10, 7, 0));
  EXPECT_EQ(summer.end, U(2080, 11, 3, 6, 0));
  EXPECT_EQ(r.SpanAt(U(2080, 12, 1, 0, 0)).offset, -5 * 3600);
}

TEST(PosixTzTest, SouthernHemisphereHalfHour) {
  const PosixTzRule r = *PosixTzRule::Parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
  EXPECT_EQ(r.SpanAt(U(2050, 1, 15, 0, 0)).offset, 11 * 3600);
  EXPECT_EQ(r.SpanAt(U(2050, 6, 15, 0, 0)).offset, 10 * 3600 + 1800);
}

TEST(PosixTzTest, IanaZonesAreRightAfter2037) {
  struct Case {
    const char* zone;
    int month;
    std::int32_t offset;
  } cases[] = {{"America/New_York", 7, -4 * 3600},
               {"America/New_York", 1, -5 * 3600},
               {"Europe/London", 7, 3600},
               {"Europe/Berlin", 7, 7200},
               {"Australia/Lord_Howe", 1, 11 * 3600},
               {"Australia/Sydney", 7, 10 * 3600}};
  for (int year : {2038, 2050, 2099, 2500}) {
    for (const Case& c : cases) {
      const TimeZone& z = **FindIanaZone(c.zone);
      EXPECT_EQ(z.OffsetAt(U(year, c.month, 15, 12, 0)), c.offset) << c.zone << " " << year;
    }
  }
  // The transition itself: Berlin leaves DST on 2040-10-28 at 01:00Z.
  const TimeZone& berlin = **FindIanaZone("Europe/Berlin");
  EXPECT_EQ(berlin.OffsetAt(U(2040, 10, 28, 0, 59)), 7200);
  EXPECT_EQ(berlin.OffsetAt(U(2040, 10, 28, 1, 0)), 3600);
}

}  // namespace
}  // namespace almanac::core::internal
