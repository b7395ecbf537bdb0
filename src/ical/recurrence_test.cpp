#include "ical/recurrence.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace almanac::ical {
namespace {

using core::LocalDateTime;

LocalDateTime T(const char* s) { return *core::ParseLocal(s); }

SeriesSpec Spec(const char* dtstart, std::vector<const char*> rules, const char* tzid = nullptr) {
  SeriesSpec spec;
  spec.dtstart = T(dtstart);
  for (const char* r : rules) {
    Result<RecurrenceRule> rule = ParseRecurrenceRule(r);
    EXPECT_TRUE(rule.ok()) << r;
    spec.rrules.push_back(*rule);
  }
  if (tzid) spec.zone = *core::FindIanaZone(tzid);
  return spec;
}

std::vector<std::string> Lines(const SeriesSpec& spec, const char* from = "00010101T000000",
                               const char* to = "99991231T235959", std::size_t max = 1000) {
  ExpandLimits limits;
  limits.max_occurrences = max;
  Result<Expansion> e = Expand(spec, T(from), T(to), limits);
  EXPECT_TRUE(e.ok()) << e.error().message;
  std::vector<std::string> out;
  for (const Occurrence& o : e->occurrences) out.push_back(core::FormatLocal(o.start));
  return out;
}

using V = std::vector<std::string>;

TEST(RecurrenceTest, DtstartCountsAsFirstEvenWhenTheRuleSkipsIt) {
  // 2024-01-02 is a Tuesday.
  EXPECT_EQ(Lines(Spec("20240102T090000", {"FREQ=WEEKLY;BYDAY=MO;COUNT=3"})),
            (V{"20240102T090000", "20240108T090000", "20240115T090000"}));
}

// An INTERVAL up to INT_MAX steps past the end of time instead of
// overflowing (the fuzzer's FREQ=WEEKLY;INTERVAL=320240229: 7 x 320240229
// does not fit an int). Each gives its DTSTART and, where one fits before
// year 9999, the next period.
TEST(RecurrenceTest, HugeIntervalsEndTheSeriesWithoutOverflow) {
  EXPECT_EQ(Lines(Spec("20240102T090000", {"FREQ=WEEKLY;INTERVAL=320240229"})),
            (V{"20240102T090000"}));
  EXPECT_EQ(Lines(Spec("20240102T090000", {"FREQ=DAILY;INTERVAL=2147483647"})),
            (V{"20240102T090000"}));
  EXPECT_EQ(Lines(Spec("20240102T090000", {"FREQ=MONTHLY;INTERVAL=2147483647"})),
            (V{"20240102T090000"}));
  EXPECT_EQ(Lines(Spec("20240102T090000", {"FREQ=YEARLY;INTERVAL=2147483647"})),
            (V{"20240102T090000"}));
  EXPECT_EQ(Lines(Spec("20240102T090000", {"FREQ=YEARLY;INTERVAL=7000"})),
            (V{"20240102T090000", "90240102T090000"}));
  // A window far ahead skips by whole periods without overflow either.
  EXPECT_EQ(Lines(Spec("20240102T090000", {"FREQ=WEEKLY;INTERVAL=306783378"}), "50000101T000000"),
            (V{}));
}

TEST(RecurrenceTest, UntilIsInclusive) {
  EXPECT_EQ(Lines(Spec("20240101T090000", {"FREQ=DAILY;UNTIL=20240103T090000"})),
            (V{"20240101T090000", "20240102T090000", "20240103T090000"}));
}

TEST(RecurrenceTest, RdatesMergeAndExdatesDoNotGiveBackCount) {
  SeriesSpec spec = Spec("20240101T090000", {"FREQ=DAILY;COUNT=4"});
  spec.rdates.push_back({T("20240102T090000"), std::nullopt});  // duplicate of a rule date
  spec.rdates.push_back({T("20240110T120000"), std::nullopt});
  spec.exdates.push_back(T("20240103T090000"));
  EXPECT_EQ(Lines(spec),
            (V{"20240101T090000", "20240102T090000", "20240104T090000", "20240110T120000"}));
}

TEST(RecurrenceTest, MultipleRrulesAreUnited) {
  EXPECT_EQ(Lines(Spec("20240101T090000",
                       {"FREQ=WEEKLY;BYDAY=MO;COUNT=2", "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3"})),
            (V{"20240101T090000", "20240103T090000", "20240108T090000"}));
}

TEST(RecurrenceTest, RdatePeriodCarriesItsDuration) {
  SeriesSpec spec = Spec("20240101T090000", {"FREQ=DAILY;COUNT=1"});
  spec.rdates.push_back({T("20240105T100000"), 5400});
  Result<Expansion> e = Expand(spec, T("20240101T000000"), T("20250101T000000"));
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->occurrences.size(), 2u);
  EXPECT_FALSE(e->occurrences[0].duration.has_value());
  EXPECT_EQ(e->occurrences[1].duration, 5400);
}

TEST(RecurrenceTest, FarWindowCostsWorkProportionalToTheWindow) {
  SeriesSpec spec = Spec("20000101T080000", {"FREQ=DAILY"});
  Result<RecurrenceIterator> it = RecurrenceIterator::Create(spec);
  ASSERT_TRUE(it.ok());
  it->SeekTo(T("90000101T000000"));
  Occurrence o;
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(it->Next(&o));
  EXPECT_EQ(core::FormatLocal(o.start), "90000107T080000");
  EXPECT_LT(it->iterations(), 200u);  // not 2.5 million days
}

TEST(RecurrenceTest, UnboundedSecondlyIsLazy) {
  SeriesSpec spec = Spec("20240101T000000", {"FREQ=SECONDLY"});
  Result<RecurrenceIterator> it = RecurrenceIterator::Create(spec);
  ASSERT_TRUE(it.ok());
  Occurrence o;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(it->Next(&o));
  EXPECT_EQ(core::FormatLocal(o.start), "20240101T000009");
  EXPECT_LT(it->iterations(), 200u);
}

TEST(RecurrenceTest, OutputCapIsReported) {
  Result<Expansion> e = Expand(Spec("20240101T000000", {"FREQ=SECONDLY"}), core::kMinLocal,
                               core::kMaxLocal, ExpandLimits{5, 1000000});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->occurrences.size(), 5u);
  EXPECT_EQ(e->stop, StopReason::kOutputCap);
}

TEST(RecurrenceTest, IteratorStopsAtTheOutputCap) {
  Result<RecurrenceIterator> it =
      RecurrenceIterator::Create(Spec("20240101T000000", {"FREQ=SECONDLY"}), ExpandLimits{3, 1000});
  ASSERT_TRUE(it.ok());
  Occurrence o;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(it->Next(&o));
  EXPECT_FALSE(it->Next(&o));
  EXPECT_EQ(it->stop_reason(), StopReason::kOutputCap);
}

TEST(RecurrenceTest, ExactlyMaxInTheWindowIsComplete) {
  Result<Expansion> e = Expand(Spec("20240101T000000", {"FREQ=DAILY;COUNT=3"}), core::kMinLocal,
                               core::kMaxLocal, ExpandLimits{3, 1000});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->occurrences.size(), 3u);
  EXPECT_EQ(e->stop, StopReason::kComplete);
}

TEST(RecurrenceTest, ImpossibleMonthDayIsReportedAsNeverMatching) {
  for (const char* rule :
       {"FREQ=YEARLY;BYMONTHDAY=30;BYMONTH=2", "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4,6,9,11"}) {
    Result<Expansion> e = Expand(Spec("20240101T000000", {rule}), core::kMinLocal, core::kMaxLocal);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->stop, StopReason::kNeverMatches) << rule;
    ASSERT_EQ(e->occurrences.size(), 1u) << rule;  // DTSTART alone
  }
}

TEST(RecurrenceTest, RuleThatNeverMatchesEndsAtTheEndOfTime) {
  // Week 53 never falls in June; nothing static catches it, the year range does.
  SeriesSpec spec = Spec("20240101T000000", {"FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6"});
  Result<RecurrenceIterator> it = RecurrenceIterator::Create(spec);
  ASSERT_TRUE(it.ok());
  Occurrence o;
  ASSERT_TRUE(it->Next(&o));
  EXPECT_FALSE(it->Next(&o));
  EXPECT_EQ(it->stop_reason(), StopReason::kComplete);
  EXPECT_LT(it->iterations(), 100000u);
}

TEST(RecurrenceTest, WorkCapStopsAHopelessSearch) {
  SeriesSpec spec = Spec("20240101T000000", {"FREQ=MINUTELY;BYMONTH=12;BYHOUR=23;BYMINUTE=59"});
  Result<Expansion> e = Expand(spec, T("20240102T000000"), core::kMaxLocal, ExpandLimits{10, 1000});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->stop, StopReason::kWorkCap);
}

TEST(RecurrenceTest, AllDaySeriesCannotRecurByHour) {
  SeriesSpec spec = Spec("20240101T000000", {"FREQ=DAILY;BYHOUR=9"});
  spec.all_day = true;
  Result<RecurrenceIterator> it = RecurrenceIterator::Create(spec);
  ASSERT_FALSE(it.ok());
  EXPECT_EQ(it.error().code, Code::kInvalidArgument);
}

TEST(RecurrenceTest, LeapDayYearlySkipsCommonYears) {
  SeriesSpec spec = Spec("20000229T000000", {"FREQ=YEARLY;COUNT=3"});
  spec.all_day = true;
  EXPECT_EQ(Lines(spec), (V{"20000229T000000", "20040229T000000", "20080229T000000"}));
}

TEST(RecurrenceTest, BySetPosWithinAnHour) {
  EXPECT_EQ(Lines(Spec("20240101T090000", {"FREQ=HOURLY;BYMINUTE=0,20,40;BYSETPOS=-1;COUNT=3"})),
            (V{"20240101T090000", "20240101T094000", "20240101T104000"}));
}

TEST(RecurrenceTest, NegativeByYearDayAndByWeekNo) {
  EXPECT_EQ(Lines(Spec("20241231T090000", {"FREQ=YEARLY;BYYEARDAY=-1;COUNT=3"})),
            (V{"20241231T090000", "20251231T090000", "20261231T090000"}));
  // The last ISO week's Monday (2026 has 53 ISO weeks: it starts on a Thursday).
  EXPECT_EQ(Lines(Spec("20241223T090000", {"FREQ=YEARLY;BYWEEKNO=-1;BYDAY=MO;COUNT=3"})),
            (V{"20241223T090000", "20251222T090000", "20261228T090000"}));
}

TEST(RecurrenceTest, ByWeekNoAloneTakesTheWeekdayFromDtstart) {
  // RFC 5545 §3.3.10: what the rule leaves out comes from DTSTART (a Monday).
  EXPECT_EQ(Lines(Spec("19970512T090000", {"FREQ=YEARLY;BYWEEKNO=20;COUNT=3"})),
            (V{"19970512T090000", "19980511T090000", "19990517T090000"}));
}

TEST(RecurrenceTest, OrdinalBeyondAMonthNeverMatchesThere) {
  // -53SU is valid syntax; within a month it matches nothing, WE still does.
  EXPECT_EQ(Lines(Spec("20100106T160000", {"FREQ=YEARLY;BYDAY=-53SU,WE;BYMONTH=1;COUNT=3"})),
            (V{"20100106T160000", "20100113T160000", "20100120T160000"}));
}

TEST(RecurrenceTest, LeapSecondBySecondReadsAsFiftyNine) {
  EXPECT_EQ(Lines(Spec("20161231T235959", {"FREQ=YEARLY;BYSECOND=60;COUNT=2"})),
            (V{"20161231T235959", "20171231T235959"}));
}

// --- time zones ---------------------------------------------------------------------------

TEST(RecurrenceZoneTest, GapMovesForwardByTheGap) {
  EXPECT_EQ(Lines(Spec("20240309T023000", {"FREQ=DAILY;COUNT=3"}, "America/New_York")),
            (V{"20240309T023000", "20240310T033000", "20240311T023000"}));
}

TEST(RecurrenceZoneTest, GapTimesThatCollideAreOneOccurrence) {
  EXPECT_EQ(
      Lines(Spec("20240310T010000", {"FREQ=HOURLY;BYMINUTE=0,30;COUNT=8"}, "America/New_York")),
      (V{"20240310T010000", "20240310T013000", "20240310T030000", "20240310T033000",
         "20240310T040000", "20240310T043000"}));
}

TEST(RecurrenceZoneTest, OverlapMeansTheFirstOccurrence) {
  SeriesSpec spec = Spec("20241102T013000", {"FREQ=DAILY;COUNT=3"}, "America/New_York");
  Result<Expansion> e = Expand(spec, core::kMinLocal, core::kMaxLocal);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->occurrences.size(), 3u);
  // 2024-11-03 01:30 EDT = 05:30Z.
  EXPECT_EQ(e->occurrences[1].instant,
            core::Instant::FromUnixSeconds(T("20241103T053000").seconds()));
  EXPECT_EQ(e->occurrences[2].instant,
            core::Instant::FromUnixSeconds(T("20241104T063000").seconds()));
}

TEST(RecurrenceZoneTest, UtcUntilCutsAZonedSeriesAtTheInstant) {
  // 09:00 EST = 14:00Z; UNTIL 14:00Z on Nov 5 keeps Nov 5, and 13:59:59Z drops it.
  EXPECT_EQ(
      Lines(Spec("20241104T090000", {"FREQ=DAILY;UNTIL=20241105T140000Z"}, "America/New_York"))
          .size(),
      2u);
  EXPECT_EQ(
      Lines(Spec("20241104T090000", {"FREQ=DAILY;UNTIL=20241105T135959Z"}, "America/New_York"))
          .size(),
      1u);
  // Across the DST change: 09:00 EDT is 13:00Z, so 13:30Z UNTIL keeps Nov 2 but not Nov 3 (14:00Z).
  EXPECT_EQ(
      Lines(Spec("20241101T090000", {"FREQ=DAILY;UNTIL=20241103T133000Z"}, "America/New_York")),
      (V{"20241101T090000", "20241102T090000"}));
}

TEST(RecurrenceZoneTest, ApiaSkippedDayIsOneOccurrence) {
  EXPECT_EQ(Lines(Spec("20111228T100000", {"FREQ=DAILY;COUNT=5"}, "Pacific/Apia")),
            (V{"20111228T100000", "20111229T100000", "20111231T100000", "20120101T100000"}));
}

TEST(RecurrenceZoneTest, LordHoweHalfHourGap) {
  // DST starts 2024-10-06 at 02:00, clocks go to 02:30.
  EXPECT_EQ(Lines(Spec("20241005T021500", {"FREQ=DAILY;COUNT=3"}, "Australia/Lord_Howe")),
            (V{"20241005T021500", "20241006T024500", "20241007T021500"}));
}

TEST(RecurrenceZoneTest, SeekWithZoneFindsGapShiftedOccurrence) {
  SeriesSpec spec = Spec("20240101T023000", {"FREQ=DAILY"}, "America/New_York");
  EXPECT_EQ(Lines(spec, "20240310T030000", "20240311T000000"), (V{"20240310T033000"}));
}

}  // namespace
}  // namespace almanac::ical
