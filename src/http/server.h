// The HTTP/1.1 server behind `almanac serve`: accepts connections, reads
// requests within size and time limits, hands each to a Handler (usually a
// Router) on a worker pool, writes the answer, and shuts down gracefully.
//
// Threading (issue #3): network I/O runs on `io_threads` threads (each
// connection on its own strand); handlers run on two separate pools, one of
// `read_threads` for safe methods and one of `threads` for the others, and
// the answer is posted back to the connection's strand. Handlers
// may therefore block on the database without stalling accept, reads, writes
// or timeouts of other connections. When every worker is busy, parsed
// requests queue for the next free worker (bounded by the connections open).
// Beast and Asio stay inside server.cpp (DESIGN.md).
//
// Per connection, one request at a time; pipelining is safe (RFC 9112 §9.3.2:
// requests sent back-to-back are read and answered in order). Keep-alive by
// default for HTTP/1.1, on request for HTTP/1.0 (answered as HTTP/1.0);
// "Connection: close" from the client or in the handler's Response is
// honoured. "Expect: 100-continue" is answered with 100 before the body is
// read (or with 413 if the declared length is over the limit). Chunked request
// bodies are accepted. Answers carry Date, Server: almanac, X-Request-Id and,
// unless the status forbids a body (1xx, 204, 304), Content-Length; never
// chunked. After the last answer on a connection the server half-closes and
// discards late input for up to 1 s, so a reset cannot destroy the answer
// (RFC 9112 §9.6). Errors the server answers itself, as problem details
// (problem.h), closing the connection afterwards:
//   400  malformed request line, header or chunking; bad request-target;
//        HTTP/1.1 without exactly one Host header (RFC 9112 §3.2)
//   413  body over max_body_bytes (nothing reaches the handler)
//   431  request line + headers over max_header_bytes
//   500  the handler threw (logged with the request id; the connection stays
//        usable)
// A connection that sends nothing for idle_timeout between requests, or does
// not complete a request within read_timeout of its first byte (slowloris),
// is closed without an answer.
//
// Shutdown: Stop() stops accepting (new connections are refused), closes
// idle keep-alive connections, lets requests already being read or handled
// finish and be answered (with Connection: close), then Run() returns. If
// that takes longer than drain_timeout, remaining connections are dropped and
// Run() returns anyway; a handler still running then keeps its worker thread
// until it returns, and ~Server waits for it.
//
// Thread safety: Stop() and port() may be called from any thread. Run() is
// called once, from one thread. ~Server must not run concurrently with Run().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "http/router.h"

namespace almanac::http {

struct ServerOptions {
  // "host:port": an IPv4 literal, "[IPv6 literal]", or "localhost"
  // (127.0.0.1). "0.0.0.0:8080" or "[::]:8080" listen on every interface.
  // Port 0 picks a free port (see Server::port()).
  std::string listen = "127.0.0.1:8080";
  // Worker threads for the handlers of methods that change things (POST,
  // PUT, PATCH, DELETE, ...); 0 means 4 per core: they block on the
  // database (a PostgreSQL round trip, an fsync), and writers that wait
  // together are committed together.
  unsigned threads = 0;
  // Worker threads for the handlers of safe methods (GET, HEAD, OPTIONS,
  // PROPFIND, REPORT); 0 means one per core: reads are CPU-bound (cached
  // views, rendering), and more threads than cores only queue for the CPU
  // and stretch the tail. A write never waits behind a read.
  unsigned read_threads = 0;
  // Network threads. One keeps up with plain HTTP behind a proxy.
  unsigned io_threads = 1;
  // Largest accepted request body, after de-chunking.
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  // Largest accepted request line plus header fields. Whatever this says, one
  // field value over 64 KiB drops the connection (a limit of the parser).
  std::size_t max_header_bytes = 64 * 1024;
  // Time to receive one whole request, from its first byte.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  // Time a keep-alive connection may wait for the first byte of its next request.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  // Time to write one whole response (a slow reader holds its connection no longer).
  std::chrono::milliseconds write_timeout = std::chrono::seconds(60);
  // How long Stop() waits for in-flight requests before dropping them.
  std::chrono::milliseconds drain_timeout = std::chrono::seconds(20);
  // Watch SIGINT and SIGTERM: the first calls Stop(), a second one ends the
  // drain at once. Installed by Create (signals that arrive before Run are
  // acted on when Run starts) and restored to the default when Run returns.
  bool handle_signals = false;
  // The time for Date headers; nullptr means core::SystemClock::Instance().
  // Must outlive the server. (Timeouts run on Asio's steady timers.)
  const core::Clock* clock = nullptr;
};

class Server {
 public:
  // Validates `options`, binds and listens (so port errors surface here and
  // port() is known before Run), and starts the worker pool. Does not accept
  // until Run(). `handler` answers every well-formed request; for a Router,
  // pass router.AsHandler() and keep the router alive longer than the server.
  // Errors:
  //   kInvalidArgument   listen is not "host:port" with an IP literal or
  //                      localhost; a limit or timeout is zero; handler empty;
  //   kPermissionDenied  the port needs privileges;
  //   kUnavailable       the address is in use or cannot be bound.
  static Result<std::unique_ptr<Server>> Create(ServerOptions options, Handler handler);

  // Waits for running handlers to return (see Shutdown above).
  // REQUIRES: Run() is not running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until Stop() and the drain have finished. Blocks the calling
  // thread, which becomes one of the io_threads.
  // REQUIRES: called at most once.
  void Run();

  // Begins graceful shutdown and returns at once. Idempotent; may be called
  // from any thread, before or during Run() (before: Run() returns as soon as
  // it has nothing to drain). Not async-signal-safe: from a signal handler,
  // use handle_signals instead.
  void Stop();

  // The bound port (the chosen one when options.listen asked for port 0).
  uint16_t port() const;

  struct Impl;  // opaque: defined in server.cpp

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace almanac::http
