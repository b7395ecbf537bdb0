// Clock: the one way Almanac code learns the time.
//
// Everything that needs "now" takes a `const Clock&` so tests can drive time
// with FakeClock. SystemClock is the only code in the project that reads the
// system clocks (DESIGN.md, "Time comes from an injected Clock").
//
// Thread safety: all Clock methods are safe to call concurrently, including
// FakeClock's setters against readers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/time.h"

namespace almanac::core {

class Clock {
 public:
  virtual ~Clock();

  // The current UTC instant (whole seconds, rounded down). May jump backward
  // or forward when the system time is set; use Steady() to measure intervals.
  virtual Instant Now() const = 0;

  // A monotonic reading for timeouts, rate limits and durations: never goes
  // backward and is unrelated to calendar time. Only differences between two
  // readings from the same Clock mean anything.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

// The real clocks: std::chrono::system_clock and steady_clock.
class SystemClock final : public Clock {
 public:
  // The process-wide instance. Never destroyed, so it stays usable during exit.
  static SystemClock& Instance();

  Instant Now() const override;
  std::chrono::steady_clock::time_point Steady() const override;

 private:
  SystemClock() = default;
};

// A clock that moves only when told to, for tests. Its wall time has
// microsecond resolution internally (Now() still rounds down to seconds) and
// covers the years 0001..9999; its steady time starts at an arbitrary fixed
// origin.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start);

  Instant Now() const override;
  std::chrono::steady_clock::time_point Steady() const override;

  // Sets the wall time, forward or backward, leaving the steady time alone
  // (as an NTP step would).
  void SetNow(Instant t);
  // Moves both wall and steady time forward by `d`. REQUIRES: d >= 0.
  // The two moves are separate atomic steps: a concurrent reader may briefly
  // see one advanced and not the other.
  void Advance(std::chrono::microseconds d);

 private:
  std::atomic<std::int64_t> wall_us_;    // since the Unix epoch
  std::atomic<std::int64_t> steady_us_;  // since the fake steady origin
};

}  // namespace almanac::core
