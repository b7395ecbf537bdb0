// The clocks the benchmarks time with.
//
// kCpu (the default) is the calling thread's CPU time, user + system, so page
// faults and the kernel's page zeroing count but time spent preempted by other
// processes does not: on a shared 2-core machine it gives the figures a quiet
// machine would give by wall clock, and both engines are measured the same
// way. kWall is std::chrono::steady_clock, for a quiet, dedicated machine.
//
// Thread safety: pure functions.
#pragma once

#include <time.h>

#include <chrono>
#include <string_view>

namespace almanac::bench {

enum class TimerKind { kCpu, kWall };

inline double TimerNow(TimerKind kind) {
  if (kind == TimerKind::kWall) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline const char* TimerKindName(TimerKind kind) {
  return kind == TimerKind::kCpu ? "cpu" : "wall";
}

// Accepts "cpu" or "wall".
inline bool ParseTimerKind(std::string_view text, TimerKind* kind) {
  if (text == "cpu") {
    *kind = TimerKind::kCpu;
  } else if (text == "wall") {
    *kind = TimerKind::kWall;
  } else {
    return false;
  }
  return true;
}

}  // namespace almanac::bench
