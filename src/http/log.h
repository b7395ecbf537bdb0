// Where the HTTP layer's log lines go: the access log (channel "access", one
// line per answered request: method, target, status, body bytes, duration in
// microseconds, request id, peer) and the error log (channel "http": handler
// exceptions with their request id, I/O trouble, start-up and shutdown).
//
// By default both go to stderr, at info and above. The app (or a test) can
// route them elsewhere without seeing the logging library behind them.
//
// Thread safety: every function here may be called from any thread at any
// time, also while servers are running.
#pragma once

#include <functional>
#include <string_view>

namespace almanac::http {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Receives one formatted message (no trailing newline). `channel` is "access"
// or "http". The views live only for the duration of the call.
// The sink is called with a lock held: it must not block for long and must
// not call back into SetLogSink.
using LogSink =
    std::function<void(LogLevel level, std::string_view channel, std::string_view message)>;

// Sends the HTTP layer's log lines to `sink` instead of stderr; an empty
// function restores stderr.
void SetLogSink(LogSink sink);

// Drops messages below `level` (default kInfo) on both channels.
void SetLogLevel(LogLevel level);

}  // namespace almanac::http
