// The spdlog loggers behind http/log.h. Module-private: spdlog types must not
// leave src/http (DESIGN.md, "No third-party type crosses a layer boundary").
//
// Thread safety: the loggers are thread-safe; the references stay valid for the
// life of the process.
#pragma once

#include <spdlog/logger.h>

namespace almanac::http::internal {

spdlog::logger& AccessLog();  // channel "access"
spdlog::logger& ErrorLog();   // channel "http"

}  // namespace almanac::http::internal
