// Background work of `almanac serve` that no request triggers: every
// interval, the bookings nobody checked in to are released
// (ResourceService::ReleaseUnclaimed). One thread; failures are reported on
// stderr and retried at the next tick.
//
// Thread safety: Start and Stop are called from one thread (the server's);
// the destructor stops the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "domain/resources.h"

namespace almanac::app {

class Housekeeper {
 public:
  Housekeeper(domain::ResourceService& resources, std::chrono::milliseconds interval);
  ~Housekeeper();
  Housekeeper(const Housekeeper&) = delete;
  Housekeeper& operator=(const Housekeeper&) = delete;

  // Runs one round now, then one per interval until Stop.
  void Start();
  // Waits for a running round to finish. Idempotent.
  void Stop();

 private:
  void Round();

  domain::ResourceService& resources_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace almanac::app
