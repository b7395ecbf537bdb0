#include "app/housekeeping.h"

#include <cstdio>

namespace almanac::app {

Housekeeper::Housekeeper(domain::ResourceService& resources, std::chrono::milliseconds interval)
    : resources_(resources), interval_(interval) {}

Housekeeper::~Housekeeper() { Stop(); }

void Housekeeper::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      Round();
      lock.lock();
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  });
}

void Housekeeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Housekeeper::Round() {
  Result<int> released = resources_.ReleaseUnclaimed();
  if (!released.ok()) {
    std::fprintf(stderr, "almanac: housekeeping: releasing unclaimed bookings failed: %s\n",
                 released.error().message.c_str());
  } else if (*released > 0) {
    std::fprintf(stderr, "almanac: housekeeping: released %d booking%s nobody checked in to\n",
                 *released, *released == 1 ? "" : "s");
  }
}

}  // namespace almanac::app
