#include "core/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace almanac::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr Instant kStart = Instant::FromUnixSeconds(1'735'725'600);  // 2025-01-01T10:00:00Z

RateLimitPolicy Policy(std::uint32_t burst, double per_minute, std::size_t max_keys = 1000) {
  RateLimitPolicy p;
  p.burst = burst;
  p.refill_per_minute = per_minute;
  p.max_keys = max_keys;
  return p;
}

TEST(RateLimitPolicyTest, Validate) {
  EXPECT_TRUE(RateLimitPolicy{}.Validate().ok());
  EXPECT_TRUE(Policy(1, 0.5).Validate().ok());
  EXPECT_EQ(Policy(0, 5).Validate().code(), Code::kInvalidArgument);
  EXPECT_EQ(Policy(5, 0).Validate().code(), Code::kInvalidArgument);
  EXPECT_EQ(Policy(5, -1).Validate().code(), Code::kInvalidArgument);
  EXPECT_EQ(Policy(5, std::numeric_limits<double>::quiet_NaN()).Validate().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Policy(5, std::numeric_limits<double>::infinity()).Validate().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Policy(5, 1e9).Validate().code(), Code::kInvalidArgument);      // < 1 µs per token
  EXPECT_EQ(Policy(1000, 1e-3).Validate().code(), Code::kInvalidArgument);  // refill > 1 year
  EXPECT_EQ(Policy(5, 5, 0).Validate().code(), Code::kInvalidArgument);
}

TEST(RateLimiterTest, BurstThenRefusedUntilATokenReturns) {
  FakeClock clock(kStart);
  RateLimiter limiter(clock, Policy(5, 5));  // 5 at once, then one per 12 s
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Allow("login:alice")) << i;
  const RateLimitDecision refused = limiter.Check("login:alice");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(12));
  EXPECT_EQ(limiter.RetryAfter("login:alice"), seconds(12));

  clock.Advance(seconds(11));
  EXPECT_FALSE(limiter.Allow("login:alice"));
  EXPECT_EQ(limiter.RetryAfter("login:alice"), seconds(1));
  clock.Advance(milliseconds(999));
  EXPECT_EQ(limiter.RetryAfter("login:alice"), milliseconds(1));
  EXPECT_FALSE(limiter.Allow("login:alice"));
  clock.Advance(milliseconds(1));
  EXPECT_EQ(limiter.RetryAfter("login:alice"), milliseconds(0));
  EXPECT_TRUE(limiter.Allow("login:alice"));
  EXPECT_FALSE(limiter.Allow("login:alice"));
}

TEST(RateLimiterTest, RefusedRequestsDoNotLengthenTheWait) {
  FakeClock clock(kStart);
  RateLimiter limiter(clock, Policy(2, 1));  // one per minute
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_TRUE(limiter.Allow("k"));
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.Allow("k"));
  EXPECT_EQ(limiter.RetryAfter("k"), minutes(1));
  clock.Advance(minutes(1));
  EXPECT_TRUE(limiter.Allow("k"));
}

TEST(RateLimiterTest, BucketRefillsToBurstAndNoFurther) {
  FakeClock clock(kStart);
  RateLimiter limiter(clock, Policy(3, 6));  // one per 10 s
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_FALSE(limiter.Allow("k"));
  clock.Advance(seconds(25));  // two tokens back
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_FALSE(limiter.Allow("k"));
  EXPECT_EQ(limiter.RetryAfter("k"), seconds(5));
  clock.Advance(minutes(60));  // an hour of quiet still gives only `burst`
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("k"));
  EXPECT_FALSE(limiter.Allow("k"));
}

TEST(RateLimiterTest, KeysAreIndependentAndResetRefills) {
  FakeClock clock(kStart);
  RateLimiter limiter(clock, Policy(1, 1));
  EXPECT_TRUE(limiter.Allow("login:alice"));
  EXPECT_FALSE(limiter.Allow("login:alice"));
  EXPECT_TRUE(limiter.Allow("login:bob"));
  EXPECT_TRUE(limiter.Allow("login-ip:127.0.0.1"));
  EXPECT_EQ(limiter.RetryAfter("login:carol"), milliseconds(0));
  limiter.Reset("login:alice");
  EXPECT_TRUE(limiter.Allow("login:alice"));
  limiter.Reset("never-seen");
}

TEST(RateLimiterTest, WallClockStepsDoNotMatter) {
  FakeClock clock(kStart);
  RateLimiter limiter(clock, Policy(1, 1));
  EXPECT_TRUE(limiter.Allow("k"));
  clock.SetNow(kStart + 86400 * 365);  // only the steady clock counts
  EXPECT_FALSE(limiter.Allow("k"));
  clock.SetNow(kStart - 86400);
  EXPECT_FALSE(limiter.Allow("k"));
}

TEST(RateLimiterTest, FullyRefilledKeysAreDropped) {
  FakeClock clock(kStart);
  RateLimiter limiter(clock, Policy(2, 60));  // one per second
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Allow("user" + std::to_string(i)));
  EXPECT_EQ(limiter.size(), 100u);
  clock.Advance(seconds(2));
  // Each call, allowed or not, drops a couple of refilled keys, so steady
  // traffic cleans up.
  for (int i = 0; i < 60; ++i) (void)limiter.Allow("fresh");
  EXPECT_EQ(limiter.size(), 1u);
}

TEST(RateLimiterTest, KeyCountIsCappedEvictingTheLeastRecentlyUsed) {
  FakeClock clock(kStart);
  RateLimiter limiter(clock, Policy(1, 1, /*max_keys=*/3));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("b"));
  EXPECT_TRUE(limiter.Allow("c"));
  EXPECT_FALSE(limiter.Allow("a"));  // touches a: b is now the oldest
  EXPECT_TRUE(limiter.Allow("d"));   // evicts b
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("c"));
  EXPECT_FALSE(limiter.Allow("d"));
  EXPECT_TRUE(limiter.Allow("b"));  // forgotten, so full again
  for (int i = 0; i < 10000; ++i) (void)limiter.Allow("spray" + std::to_string(i));
  EXPECT_EQ(limiter.size(), 3u);
}

TEST(RateLimiterTest, LongKeysAreTrackedByDigest) {
  FakeClock clock(kStart);
  RateLimiter limiter(clock, Policy(1, 1));
  const std::string long_a = "login:" + std::string(5000, 'a');
  const std::string long_b = "login:" + std::string(5000, 'a') + "b";
  EXPECT_TRUE(limiter.Allow(long_a));
  EXPECT_FALSE(limiter.Allow(long_a));
  EXPECT_TRUE(limiter.Allow(long_b));
  EXPECT_TRUE(limiter.Allow(long_a.substr(0, RateLimiter::kMaxKeyBytes)));
  EXPECT_GT(limiter.RetryAfter(long_a), milliseconds(0));
  limiter.Reset(long_a);
  EXPECT_TRUE(limiter.Allow(long_a));
}

TEST(RateLimiterTest, ConcurrentCallersNeverExceedTheBurst) {
  FakeClock clock(kStart);
  RateLimiter limiter(clock, Policy(50, 1, 100));
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (limiter.Allow("shared")) allowed.fetch_add(1);
        (void)limiter.Allow("own" + std::to_string(i % 200));
        (void)limiter.RetryAfter("shared");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 50);
  EXPECT_LE(limiter.size(), 100u);
}

}  // namespace
}  // namespace almanac::core
