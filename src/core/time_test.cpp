#include "core/time.h"

#include <gtest/gtest.h>

namespace almanac::core {
namespace {

TEST(CivilTest, DaysRoundTripAcrossTheSupportedRange) {
  for (std::int32_t d = DaysFromCivil(1, 1, 1); d <= DaysFromCivil(9999, 12, 31); d += 37) {
    const CivilDate c = CivilFromDays(d);
    ASSERT_EQ(DaysFromCivil(c.year, c.month, c.day), d);
    ASSERT_TRUE(IsValidCivil(c.year, c.month, c.day));
  }
}

TEST(CivilTest, KnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(Date::FromCivil(2024, 2, 29).weekday(), Weekday::kThursday);
  EXPECT_EQ(Date::FromCivil(1969, 12, 31).weekday(), Weekday::kWednesday);
  EXPECT_EQ(Date::FromCivil(1, 1, 1).weekday(), Weekday::kMonday);
}

TEST(CivilTest, LeapYearsAndMonthLengths) {
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2024, 4), 30);
  EXPECT_FALSE(IsValidCivil(2023, 2, 29));
  EXPECT_FALSE(IsValidCivil(10000, 1, 1));
}

TEST(LocalDateTimeTest, FieldsBeforeTheEpochFloorCorrectly) {
  const LocalDateTime t = LocalDateTime::FromCivil(1969, 12, 31, 23, 59, 58);
  EXPECT_EQ(t.seconds(), -2);
  EXPECT_EQ(t.date(), Date::FromCivil(1969, 12, 31));
  EXPECT_EQ(t.hour(), 23);
  EXPECT_EQ(t.minute(), 59);
  EXPECT_EQ(t.second(), 58);
}

TEST(FormatTest, BasicFormatsRoundTrip) {
  const LocalDateTime t = LocalDateTime::FromCivil(2024, 3, 10, 2, 30, 5);
  EXPECT_EQ(FormatLocal(t), "20240310T023005");
  EXPECT_EQ(ParseLocal("20240310T023005"), t);
  EXPECT_EQ(FormatDate(Date::FromCivil(7, 1, 9)), "00070109");
  EXPECT_EQ(ParseDate("00070109"), Date::FromCivil(7, 1, 9));
}

TEST(FormatTest, RejectsMalformedValues) {
  EXPECT_FALSE(ParseDate("2024021"));
  EXPECT_FALSE(ParseDate("20240230"));
  EXPECT_FALSE(ParseDate("2024-02-01"));
  EXPECT_FALSE(ParseDate("00000101"));
  EXPECT_FALSE(ParseLocal("20240101T240000"));
  EXPECT_FALSE(ParseLocal("20240101T126000"));
  EXPECT_FALSE(ParseLocal("20240101X120000"));
  EXPECT_FALSE(ParseLocal("20240101T120000Z"));
}

TEST(FormatTest, LeapSecondReadsAsFiftyNine) {
  EXPECT_EQ(ParseLocal("20161231T235960"), LocalDateTime::FromCivil(2016, 12, 31, 23, 59, 59));
}

}  // namespace
}  // namespace almanac::core
