#include "core/clock.h"

#include <cassert>

namespace almanac::core {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

// Floor division, so instants before 1970 round down too.
constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Far from zero so that a default-constructed time_point never equals a reading.
constexpr std::chrono::steady_clock::time_point kFakeSteadyOrigin{std::chrono::hours(1)};

}  // namespace

Clock::~Clock() = default;

SystemClock& SystemClock::Instance() {
  static SystemClock* const instance = new SystemClock();
  return *instance;
}

Instant SystemClock::Now() const {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Instant::FromUnixSeconds(std::chrono::floor<std::chrono::seconds>(since_epoch).count());
}

std::chrono::steady_clock::time_point SystemClock::Steady() const {
  return std::chrono::steady_clock::now();
}

FakeClock::FakeClock(Instant start)
    : wall_us_(start.unix_seconds() * kMicrosPerSecond), steady_us_(0) {}

Instant FakeClock::Now() const {
  return Instant::FromUnixSeconds(
      FloorDiv(wall_us_.load(std::memory_order_acquire), kMicrosPerSecond));
}

std::chrono::steady_clock::time_point FakeClock::Steady() const {
  return kFakeSteadyOrigin + std::chrono::microseconds(steady_us_.load(std::memory_order_acquire));
}

void FakeClock::SetNow(Instant t) {
  wall_us_.store(t.unix_seconds() * kMicrosPerSecond, std::memory_order_release);
}

void FakeClock::Advance(std::chrono::microseconds d) {
  assert(d.count() >= 0);
  wall_us_.fetch_add(d.count(), std::memory_order_acq_rel);
  steady_us_.fetch_add(d.count(), std::memory_order_acq_rel);
}

}  // namespace almanac::core
