#include "ical/rrule.h"

#include <gtest/gtest.h>

namespace almanac::ical {
namespace {

using core::Weekday;

TEST(RruleParseTest, ReadsEveryPart) {
  Result<RecurrenceRule> r = ParseRecurrenceRule(
      "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYSECOND=0,30;BYMINUTE=15;BYHOUR=9,17;BYDAY=MO,-1FR,+2TU;"
      "BYMONTHDAY=1,-1;BYMONTH=1,6;BYSETPOS=1,-1;WKST=SU");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->freq, Frequency::kYearly);
  EXPECT_EQ(r->interval, 2);
  EXPECT_EQ(r->count, 10);
  EXPECT_EQ(r->by_second, (std::vector<int>{0, 30}));
  EXPECT_EQ(r->by_hour, (std::vector<int>{9, 17}));
  ASSERT_EQ(r->by_day.size(), 3u);
  EXPECT_EQ(r->by_day[1], (WeekdayNum{-1, Weekday::kFriday}));
  EXPECT_EQ(r->by_day[2], (WeekdayNum{2, Weekday::kTuesday}));
  EXPECT_EQ(r->by_month_day, (std::vector<int>{1, -1}));
  EXPECT_EQ(r->by_set_pos, (std::vector<int>{1, -1}));
  EXPECT_EQ(r->wkst, Weekday::kSunday);
}

TEST(RruleParseTest, UntilForms) {
  Result<RecurrenceRule> utc = ParseRecurrenceRule("FREQ=DAILY;UNTIL=20241103T133000Z");
  ASSERT_TRUE(utc.ok());
  EXPECT_TRUE(utc->until->utc);
  EXPECT_FALSE(utc->until->is_date);
  Result<RecurrenceRule> date = ParseRecurrenceRule("FREQ=DAILY;UNTIL=20241103");
  ASSERT_TRUE(date.ok());
  EXPECT_TRUE(date->until->is_date);
  EXPECT_EQ(ParseRecurrenceRule("FREQ=DAILY;UNTIL=2024110").error().code, Code::kInvalidArgument);
}

struct BadRule {
  const char* text;
  const char* message;  // a substring of the expected error
};

class RruleErrorTest : public testing::TestWithParam<BadRule> {};

TEST_P(RruleErrorTest, NamesTheBadPart) {
  Result<RecurrenceRule> r = ParseRecurrenceRule(GetParam().text);
  ASSERT_FALSE(r.ok()) << GetParam().text;
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find(GetParam().message), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    All, RruleErrorTest,
    testing::Values(
        BadRule{"", "empty"}, BadRule{"BYDAY=MO", "FREQ is required"},
        BadRule{"FREQ=FOO", "FREQ=FOO"}, BadRule{"FREQ=DAILY;FREQ=WEEKLY", "more than once"},
        BadRule{"FREQ=DAILY;COUNT=5;UNTIL=20250101T000000", "COUNT and UNTIL"},
        BadRule{"FREQ=DAILY;COUNT=0", "COUNT"}, BadRule{"FREQ=DAILY;INTERVAL=-1", "INTERVAL"},
        BadRule{"FREQ=DAILY;BYMONTHDAY=0", "BYMONTHDAY=0"},
        BadRule{"FREQ=DAILY;BYMONTHDAY=32", "BYMONTHDAY=32"},
        BadRule{"FREQ=DAILY;BYHOUR=24", "BYHOUR=24"},
        BadRule{"FREQ=DAILY;BYMINUTE=60", "BYMINUTE=60"},
        BadRule{"FREQ=DAILY;BYSECOND=61", "BYSECOND=61"},
        BadRule{"FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY=367"},
        BadRule{"FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO=54"},
        BadRule{"FREQ=YEARLY;BYMONTH=13", "BYMONTH=13"},
        BadRule{"FREQ=MONTHLY;BYDAY=XX", "BYDAY=XX"}, BadRule{"FREQ=MONTHLY;BYDAY=0MO", "ordinal"},
        BadRule{"FREQ=WEEKLY;BYDAY=1MO", "ordinal"},
        BadRule{"FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY is not allowed"},
        BadRule{"FREQ=MONTHLY;BYYEARDAY=1", "BYYEARDAY is not allowed"},
        BadRule{"FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO is not allowed"},
        BadRule{"FREQ=DAILY;BYSETPOS=1", "BYSETPOS requires"},
        BadRule{"FREQ=DAILY;WKST=XY", "WKST"}, BadRule{"FREQ=DAILY;FOO=1", "unknown rule part"},
        BadRule{"FREQ=DAILY;;COUNT=1", "empty rule part"},
        BadRule{"FREQ=DAILY;BYDAY=MO,,TU", "empty list item"}, BadRule{"freq=daily", "upper case"},
        BadRule{"FREQ=DAILY;", "empty rule part"}));

TEST(RruleLenientTest, AcceptsSloppyRulesWithWarnings) {
  std::vector<std::string> warnings;
  Result<RecurrenceRule> r =
      ParseRecurrenceRule("freq=weekly;byday=1mo,we;", RuleParseOptions{true}, &warnings);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->freq, Frequency::kWeekly);
  // The ordinal is meaningless for WEEKLY and dropped.
  EXPECT_EQ(r->by_day[0], (WeekdayNum{0, Weekday::kMonday}));
  EXPECT_GE(warnings.size(), 3u);
}

TEST(RruleFormatTest, RoundTrips) {
  for (const char* text :
       {"FREQ=DAILY", "FREQ=WEEKLY;UNTIL=20241231T235959Z;INTERVAL=2;BYDAY=TU,TH;WKST=SU",
        "FREQ=MONTHLY;COUNT=12;BYDAY=-1FR,2MO;BYSETPOS=-1", "FREQ=YEARLY;UNTIL=21001231;BYMONTH=11",
        "FREQ=YEARLY;BYYEARDAY=100,-1;BYWEEKNO=1,-1",
        "FREQ=HOURLY;BYSECOND=0;BYMINUTE=0,30;BYHOUR=9", "FREQ=DAILY;X-NAME=Value"}) {
    Result<RecurrenceRule> r = ParseRecurrenceRule(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.error().message;
    EXPECT_EQ(FormatRecurrenceRule(*r), text);
    Result<RecurrenceRule> again = ParseRecurrenceRule(FormatRecurrenceRule(*r));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *r);
  }
}

}  // namespace
}  // namespace almanac::ical
