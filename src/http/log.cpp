#include "http/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "http/internal/logging.h"

namespace almanac::http {
namespace {

// Forwards to the callback set by SetLogSink, or to stderr when there is none.
class SwitchSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  SwitchSink() : stderr_(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()) {
    stderr_->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v");
  }

  void Set(LogSink sink) {
    std::lock_guard<std::mutex> lock(mutex_);
    callback_ = std::move(sink);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {  // under mutex_
    if (!callback_) {
      stderr_->log(msg);
      return;
    }
    LogLevel level = LogLevel::kError;
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        level = LogLevel::kDebug;
        break;
      case spdlog::level::info:
        level = LogLevel::kInfo;
        break;
      case spdlog::level::warn:
        level = LogLevel::kWarning;
        break;
      default:
        level = LogLevel::kError;
        break;
    }
    callback_(level, std::string_view(msg.logger_name.data(), msg.logger_name.size()),
              std::string_view(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override { stderr_->flush(); }

 private:
  std::shared_ptr<spdlog::sinks::sink> stderr_;
  LogSink callback_;
};

struct Loggers {
  std::shared_ptr<SwitchSink> sink = std::make_shared<SwitchSink>();
  // Not registered with spdlog's global registry, so the app's own logger
  // names and settings cannot clash with ours.
  spdlog::logger access{"access", sink};
  spdlog::logger error{"http", sink};
  Loggers() {
    access.set_level(spdlog::level::info);
    error.set_level(spdlog::level::info);
  }
};

Loggers& Get() {
  static Loggers* loggers = new Loggers();  // never destroyed: usable during exit
  return *loggers;
}

}  // namespace

void SetLogSink(LogSink sink) { Get().sink->Set(std::move(sink)); }

void SetLogLevel(LogLevel level) {
  spdlog::level::level_enum l = spdlog::level::info;
  switch (level) {
    case LogLevel::kDebug:
      l = spdlog::level::debug;
      break;
    case LogLevel::kInfo:
      l = spdlog::level::info;
      break;
    case LogLevel::kWarning:
      l = spdlog::level::warn;
      break;
    case LogLevel::kError:
      l = spdlog::level::err;
      break;
  }
  Get().access.set_level(l);
  Get().error.set_level(l);
}

namespace internal {
spdlog::logger& AccessLog() { return Get().access; }
spdlog::logger& ErrorLog() { return Get().error; }
}  // namespace internal

}  // namespace almanac::http
