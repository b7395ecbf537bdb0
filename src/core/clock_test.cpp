#include "core/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace almanac::core {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr Instant kStart = Instant::FromUnixSeconds(1'735'725'600);  // 2025-01-01T10:00:00Z

TEST(SystemClockTest, NowIsAfterThisCodeWasWrittenAndSteadyIsMonotonic) {
  const Clock& clock = SystemClock::Instance();
  EXPECT_EQ(&SystemClock::Instance(), &SystemClock::Instance());
  EXPECT_GT(clock.Now(), Instant::FromUnixSeconds(1'735'689'600));  // 2025-01-01
  const auto a = clock.Steady();
  const auto b = clock.Steady();
  EXPECT_LE(a, b);
}

TEST(FakeClockTest, StartsWhereToldAndMovesOnlyWhenTold) {
  FakeClock clock(kStart);
  const auto steady0 = clock.Steady();
  EXPECT_EQ(clock.Now(), kStart);
  EXPECT_EQ(clock.Now(), kStart);
  EXPECT_EQ(clock.Steady(), steady0);

  clock.Advance(minutes(90));
  EXPECT_EQ(clock.Now(), kStart + 5400);
  EXPECT_EQ(clock.Steady() - steady0, minutes(90));
}

TEST(FakeClockTest, SubSecondAdvancesAccumulate) {
  FakeClock clock(kStart);
  const auto steady0 = clock.Steady();
  clock.Advance(milliseconds(600));
  EXPECT_EQ(clock.Now(), kStart);  // Now() rounds down to whole seconds
  clock.Advance(milliseconds(600));
  EXPECT_EQ(clock.Now(), kStart + 1);
  EXPECT_EQ(clock.Steady() - steady0, milliseconds(1200));
}

TEST(FakeClockTest, SetNowMovesWallTimeOnly) {
  FakeClock clock(kStart);
  const auto steady0 = clock.Steady();
  clock.SetNow(kStart - 86400);
  EXPECT_EQ(clock.Now(), kStart - 86400);
  EXPECT_EQ(clock.Steady(), steady0);
}

TEST(FakeClockTest, CoversTheSupportedYears) {
  const Instant first = Instant::FromUnixSeconds(kMinLocal.seconds());
  const Instant last = Instant::FromUnixSeconds(kMaxLocal.seconds());
  FakeClock clock(first);
  EXPECT_EQ(clock.Now(), first);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(clock.Now(), first);  // rounds down before 1970 too
  clock.SetNow(last);
  EXPECT_EQ(clock.Now(), last);
  clock.SetNow(Instant::FromUnixSeconds(-1));
  clock.Advance(milliseconds(999));
  EXPECT_EQ(clock.Now(), Instant::FromUnixSeconds(-1));
}

TEST(FakeClockTest, ConcurrentAdvancesAreAllCounted) {
  FakeClock clock(kStart);
  const auto steady0 = clock.Steady();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&clock] {
      for (int i = 0; i < 1000; ++i) {
        clock.Advance(milliseconds(1));
        (void)clock.Now();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.Steady() - steady0, seconds(4));
  EXPECT_EQ(clock.Now(), kStart + 4);
}

TEST(FakeClockTest, UsableThroughTheInterface) {
  FakeClock fake(kStart);
  const Clock& clock = fake;
  fake.Advance(hours(24));
  EXPECT_EQ(clock.Now().utc().date(), Date::FromCivil(2025, 1, 2));
}

}  // namespace
}  // namespace almanac::core
