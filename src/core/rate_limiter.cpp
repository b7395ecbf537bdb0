#include "core/rate_limiter.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "core/crypto.h"

namespace almanac::core {
namespace {

constexpr double kMicrosPerMinute = 60e6;
constexpr double kMaxCapacityUs = 366.0 * 24 * 3600 * 1e6;

}  // namespace

Status RateLimitPolicy::Validate() const {
  if (burst == 0) return MakeError(Code::kInvalidArgument, "rate limit burst must be at least 1");
  if (max_keys == 0) {
    return MakeError(Code::kInvalidArgument, "rate limit key cap must be at least 1");
  }
  if (!std::isfinite(refill_per_minute) || refill_per_minute <= 0) {
    return MakeError(Code::kInvalidArgument, "rate limit refill must be a positive number");
  }
  const double interval = kMicrosPerMinute / refill_per_minute;
  if (interval < 1 || interval * burst > kMaxCapacityUs) {
    return MakeError(Code::kInvalidArgument, "rate limit refill rate out of range");
  }
  return OkStatus();
}

RateLimiter::RateLimiter(const Clock& clock, const RateLimitPolicy& policy)
    : clock_(clock),
      policy_(policy),
      interval_us_(std::llround(kMicrosPerMinute / policy.refill_per_minute)),
      capacity_us_(interval_us_ * static_cast<std::int64_t>(policy.burst)) {
  assert(policy.Validate().ok());
}

std::int64_t RateLimiter::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_.Steady().time_since_epoch())
      .count();
}

std::string_view RateLimiter::NormalizeKey(std::string_view key, std::string& storage) {
  if (key.size() <= kMaxKeyBytes) return key;
  // kMaxKeyBytes + 1 bytes long, so it can never equal a key kept verbatim.
  storage = Sha256(key);
  storage.resize(kMaxKeyBytes + 1, '\0');
  return storage;
}

void RateLimiter::EraseLocked(Map::iterator it) {
  lru_.erase(it->second.lru);
  map_.erase(it);
}

void RateLimiter::DropRefilledLocked(std::int64_t now_us, int budget) {
  while (budget-- > 0 && !lru_.empty()) {
    const auto it = map_.find(*lru_.back());
    assert(it != map_.end());
    if (it->second.tat_us > now_us) return;
    EraseLocked(it);
  }
}

std::chrono::milliseconds RateLimiter::WaitLocked(std::int64_t tat_us, std::int64_t now_us) const {
  // A request at now is allowed while max(tat, now) + interval - now <= capacity.
  const std::int64_t wait_us = std::max(tat_us, now_us) + interval_us_ - now_us - capacity_us_;
  if (wait_us <= 0) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(std::chrono::microseconds(wait_us));
}

RateLimitDecision RateLimiter::Check(std::string_view key) {
  std::string storage;
  const std::string_view normalized = NormalizeKey(key, storage);
  const std::int64_t now = NowUs();
  std::lock_guard<std::mutex> lock(mu_);
  DropRefilledLocked(now, 2);
  auto it = map_.find(normalized);
  const std::int64_t tat = it == map_.end() ? now : std::max(it->second.tat_us, now);
  if (const std::chrono::milliseconds wait = WaitLocked(tat, now); wait.count() > 0) {
    // Keep a busy key from being the next one evicted.
    if (it != map_.end()) lru_.splice(lru_.begin(), lru_, it->second.lru);
    return RateLimitDecision{false, wait};
  }
  if (it == map_.end()) {
    if (map_.size() >= policy_.max_keys) {
      DropRefilledLocked(now, static_cast<int>(std::min<std::size_t>(map_.size(), 16)));
    }
    if (map_.size() >= policy_.max_keys) EraseLocked(map_.find(*lru_.back()));
    it = map_.emplace(normalized, Entry{tat + interval_us_, {}}).first;
    lru_.push_front(&it->first);
    it->second.lru = lru_.begin();
  } else {
    it->second.tat_us = tat + interval_us_;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  return RateLimitDecision{true, std::chrono::milliseconds(0)};
}

std::chrono::milliseconds RateLimiter::RetryAfter(std::string_view key) const {
  std::string storage;
  const std::string_view normalized = NormalizeKey(key, storage);
  const std::int64_t now = NowUs();
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = map_.find(normalized);
  if (it == map_.end()) return std::chrono::milliseconds(0);
  return WaitLocked(it->second.tat_us, now);
}

void RateLimiter::Reset(std::string_view key) {
  std::string storage;
  const std::string_view normalized = NormalizeKey(key, storage);
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = map_.find(normalized);
  if (it != map_.end()) EraseLocked(it);
}

std::size_t RateLimiter::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return map_.size();
}

}  // namespace almanac::core
