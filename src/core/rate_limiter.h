// RateLimiter: per-key token buckets, e.g. for "Login attempts are
// rate-limited" with keys such as "login:alice" and "login-ip:192.0.2.7".
//
// Each key has a bucket of `burst` tokens that refills at `refill_per_minute`;
// a request takes one token or is refused. Implemented as GCRA (the generic
// cell rate algorithm), which is exactly a token bucket but stores one
// timestamp per key. Time comes from Clock::Steady(), so wall-clock steps do
// not matter and tests drive it with FakeClock.
//
// Memory is bounded: a key whose bucket has refilled completely is the same
// as an absent key and is dropped opportunistically; at most `max_keys` keys
// are tracked, the least recently used being forgotten first (which refills
// its bucket: an attacker must cycle through `max_keys` fresh keys to reset
// someone else's). Keys longer than kMaxKeyBytes are tracked by their SHA-256.
//
// Thread safety: all methods are safe to call concurrently (one mutex; each
// call is O(1) expected and never blocks on I/O).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/result.h"

namespace almanac::core {

struct RateLimitPolicy {
  // Requests a fresh key may make at once.
  std::uint32_t burst = 5;
  // Tokens returned per minute (may be fractional: 0.5 is one per 2 minutes).
  double refill_per_minute = 5.0;
  // Keys tracked at most.
  std::size_t max_keys = 100'000;

  // Errors: kInvalidArgument when burst is 0, refill_per_minute is not a
  // positive finite number or so small that a full refill would take more than
  // a year, a token would come back faster than once per microsecond, or
  // max_keys is 0. Configuration should be checked with this before use.
  Status Validate() const;
};

struct RateLimitDecision {
  bool allowed = false;
  // When refused: how long until one token is back (zero when allowed).
  // Round up to whole seconds for an HTTP Retry-After header.
  std::chrono::milliseconds retry_after{0};
};

class RateLimiter {
 public:
  static constexpr std::size_t kMaxKeyBytes = 256;

  // REQUIRES: policy.Validate().ok(). `clock` must outlive the limiter.
  RateLimiter(const Clock& clock, const RateLimitPolicy& policy);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes a token from `key`'s bucket if one is there. Refused requests take
  // nothing, so hammering does not lengthen the wait.
  RateLimitDecision Check(std::string_view key);
  // Check(key).allowed.
  bool Allow(std::string_view key) { return Check(key).allowed; }
  // How long until `key` has a token; zero when Allow would succeed now.
  // Takes nothing.
  std::chrono::milliseconds RetryAfter(std::string_view key) const;
  // Forgets `key`: its bucket is full again (e.g. after a successful login).
  void Reset(std::string_view key);

  // Keys currently tracked (for metrics and tests).
  std::size_t size() const;
  const RateLimitPolicy& policy() const { return policy_; }

 private:
  struct Entry {
    std::int64_t tat_us;  // GCRA theoretical arrival time, steady microseconds
    std::list<const std::string*>::iterator lru;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;

  std::int64_t NowUs() const;
  // `key`, or its digest stored in `storage` when it is too long.
  static std::string_view NormalizeKey(std::string_view key, std::string& storage);
  // REQUIRES: mu_ held. Drops up to `budget` least recently used keys whose
  // buckets are full at `now_us`.
  void DropRefilledLocked(std::int64_t now_us, int budget);
  void EraseLocked(Map::iterator it);
  std::chrono::milliseconds WaitLocked(std::int64_t tat_us, std::int64_t now_us) const;

  const Clock& clock_;
  const RateLimitPolicy policy_;
  const std::int64_t interval_us_;  // one token
  const std::int64_t capacity_us_;  // interval_us_ * burst

  mutable std::mutex mu_;
  Map map_;
  // Most recently used at the front; points at the keys inside map_'s nodes.
  std::list<const std::string*> lru_;
};

}  // namespace almanac::core
