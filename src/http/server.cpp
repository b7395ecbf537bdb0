#include "http/server.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/auth.h"
#include "http/internal/gzip.h"
#include "http/internal/logging.h"
#include "http/problem.h"

namespace almanac::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

// A closed connection should not lose its last response to a TCP reset: after
// the final response we half-close and read (discarding) what the client
// still sends for at most this long (the "lingering close" of RFC 9112 §9.6).
constexpr std::chrono::milliseconds kMaxLinger{1000};
constexpr std::size_t kMaxLingerBytes = 1 << 20;
constexpr std::chrono::milliseconds kAcceptRetry{50};

// IMF-fixdate (RFC 9110 §5.6.7), independent of the C locale.
std::string HttpDate(const core::Clock& clock) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(clock.Now().unix_seconds());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

// 64 random bits as 16 hex digits: unique enough to find one request in the
// logs; not a secret.
std::string NewRequestId() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool ValidFieldName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), IsTokenChar);
}

bool ValidFieldValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Headers the server owns; a handler's values for them are ignored.
bool ServerOwnedField(std::string_view name) {
  for (std::string_view owned : {"content-length", "transfer-encoding", "connection", "date",
                                 "server", "x-request-id", "keep-alive"}) {
    if (EqualsIgnoreCase(name, owned)) return true;
  }
  return false;
}

bool StatusHasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

}  // namespace

struct Server::Impl {
  Impl(ServerOptions opts, Handler h)
      : options(std::move(opts)),
        handler(std::move(h)),
        clock(options.clock != nullptr ? *options.clock : core::SystemClock::Instance()),
        ioc(static_cast<int>(options.io_threads)),
        control(asio::make_strand(ioc)),
        acceptor(control),
        drain_timer(control),
        accept_retry_timer(control),
        readers(options.read_threads),
        workers(options.threads) {}

  ~Impl() {
    no_more_posts = true;
    // Running handlers finish before anything they use dies.
    readers.join();
    workers.join();
  }

  void Run();
  void Stop();
  Response Invoke(Request& request);
  void Unregister(Session* session);

 private:
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void WaitSignal();
  void BeginDrain();
  void CheckDrained();
  void FinishDrain();
  void ForceFinish();
  std::vector<std::shared_ptr<Session>> LiveSessions();

 public:
  const ServerOptions options;
  const Handler handler;
  const core::Clock& clock;
  std::atomic<bool> stopping{false};
  std::atomic<bool> no_more_posts{false};
  uint16_t port = 0;

  std::mutex mu;  // guards sessions
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;

  // Declared after `sessions`: destroying the io_context destroys pending
  // handlers and with them sessions, which unregister themselves.
  asio::io_context ioc;
  // Serialises the acceptor, the signal set, the timers, the work guard and
  // `drained`.
  asio::strand<asio::io_context::executor_type> control;
  tcp::acceptor acceptor;
  std::optional<asio::signal_set> signals;
  asio::steady_timer drain_timer;
  asio::steady_timer accept_retry_timer;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  bool drained = false;

  asio::thread_pool readers;  // handlers of safe methods (GET, PROPFIND, ...) run here
  asio::thread_pool workers;  // the other handlers run here
};

namespace {

// One client connection. All members are used on the connection's strand,
// except while a handler runs on a worker: then only request_ is touched, by
// that worker, and the strand leaves the session alone until the response is
// posted back (the post orders the two).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, tcp::socket socket, std::string remote)
      : server_(server),
        stream_(std::move(socket)),
        strand_(stream_.get_executor()),
        remote_(std::move(remote)) {}

  ~Session() { server_.Unregister(this); }

  const asio::any_io_executor& strand() const { return strand_; }

  void Start() { NextRequest(); }

  // Stop() was called: an idle keep-alive connection closes now; one that is
  // reading or being answered finishes (its answer says Connection: close).
  void OnDrain() {
    if (state_ == State::kIdle) CloseNow();
  }

  void ForceClose() { CloseNow(); }

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kClosing };

  void NextRequest() {
    request_.reset();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(static_cast<std::uint64_t>(server_.options.max_body_bytes));
    request_id_ = NewRequestId();
    is_head_ = false;
    version_ = 11;
    if (server_.stopping.load()) {
      LingeringClose();
      return;
    }
    if (buffer_.size() > 0) {  // pipelined: the next request is already here
      BeginRequest();
      return;
    }
    state_ = State::kIdle;
    stream_.expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->OnIdleRead(ec, n);
                            });
  }

  void OnIdleRead(beast::error_code ec, std::size_t n) {
    if (ec) {
      if (ec == beast::error::timeout) {
        internal::ErrorLog().debug("{}: idle keep-alive connection closed", remote_);
      }
      CloseNow();
      return;
    }
    buffer_.commit(n);
    BeginRequest();
  }

  void BeginRequest() {
    state_ = State::kReading;
    started_ = server_.clock.Steady();
    // One deadline for the whole request, however many reads it takes.
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      ReadFailed(ec);
      return;
    }
    const auto& msg = parser_->get();
    version_ = msg.version() == 10 ? 10 : 11;
    is_head_ = msg.method() == bhttp::verb::head;
    // RFC 9110 §10.1.1: say 100 before the client sends the body. An
    // over-long declared body was already refused (body_limit) above.
    if (version_ == 11 && !parser_->is_done() &&
        EqualsIgnoreCase(msg[bhttp::field::expect], "100-continue")) {
      auto cont =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *cont,
                         [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                           if (ec) {
                             self->CloseNow();
                             return;
                           }
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) {
      OnRequestRead();
      return;
    }
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) {
                          self->ReadFailed(ec);
                          return;
                        }
                        self->OnRequestRead();
                      });
  }

  void ReadFailed(beast::error_code ec) {
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      SendError(431, "The request line and header fields exceed " +
                         std::to_string(server_.options.max_header_bytes) + " bytes");
      return;
    }
    if (ec == bhttp::error::body_limit) {
      SendError(413, "The request body exceeds " + std::to_string(server_.options.max_body_bytes) +
                         " bytes");
      return;
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      SendError(400, "Malformed HTTP request: " + ec.message());
      return;
    }
    if (ec == beast::error::timeout) {
      internal::ErrorLog().info("{}: request not complete within the read timeout; closed",
                                remote_);
    }
    CloseNow();  // the peer went away, or timed out
  }

  void OnRequestRead() {
    state_ = State::kHandling;
    stream_.expires_never();
    auto& msg = parser_->get();
    // RFC 9112 §3.2: exactly one Host header in HTTP/1.1.
    if (version_ == 11 && msg.count(bhttp::field::host) != 1) {
      SendError(400, "An HTTP/1.1 request needs exactly one Host header");
      return;
    }
    Result<Request> made = Request::Make(std::string(msg.method_string()), msg.target());
    if (!made.ok()) {
      SendError(400, made.error().message);
      return;
    }
    Request& req = request_.emplace(std::move(made).value());
    for (const auto& field : msg) {
      req.AddHeader(std::string(field.name_string()), std::string(field.value()));
    }
    req.set_body(std::move(msg.body()));
    req.set_http_version(version_);
    req.set_remote_address(remote_);
    req.set_request_id(request_id_);
    keep_alive_ = msg.keep_alive();
    asio::thread_pool& pool = IsSafeMethod(req.method()) ? server_.readers : server_.workers;
    asio::post(pool, [self = shared_from_this()] {
      Response response = self->server_.Invoke(*self->request_);
      asio::post(self->strand_, [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
  }

  // Answers an unreadable request and closes the connection.
  void SendError(int status, std::string detail) {
    keep_alive_ = false;
    Write(Problem(status, {}, detail));
  }

  void Write(Response response) {
    if (state_ == State::kClosing) return;  // force-closed while the handler ran
    state_ = State::kWriting;
    int status = response.status();
    if (status < 100 || status > 599) {
      internal::ErrorLog().error("request {}: handler returned status {}; answering 500",
                                 request_id_, status);
      response = Problem(500, {}, "Internal error");
      status = 500;
    }
    bool keep = keep_alive_ && !server_.stopping.load();
    if (auto c = response.Header("Connection"); c && EqualsIgnoreCase(*c, "close")) keep = false;

    try {
      Send(response, status, keep);
    } catch (const std::exception& e) {  // e.g. a header value over Beast's 64 KiB
      internal::ErrorLog().error("request {}: cannot send the response: {}", request_id_, e.what());
      Response fallback = Problem(500, {}, "Internal error");
      Send(fallback, 500, false);
    }
  }

  void Send(Response& response, int status, bool keep) {
    status_ = status;
    if (is_head_ || StatusHasNoBody(status)) {
      auto msg = Build<bhttp::empty_body>(response, status, keep);
      if (!StatusHasNoBody(status)) {  // HEAD: the length the GET would have
        std::uint64_t length = response.body().size();
        if (auto cl = response.Header("Content-Length")) {
          std::uint64_t v = 0;
          auto [p, e] = std::from_chars(cl->data(), cl->data() + cl->size(), v);
          if (e == std::errc() && p == cl->data() + cl->size()) length = v;
        }
        msg->content_length(length);
      }
      bytes_ = 0;
      Transmit(std::move(msg), keep);
    } else {
      auto msg = Build<bhttp::string_body>(response, status, keep);
      msg->body() = std::move(response.mutable_body());
      msg->prepare_payload();
      bytes_ = msg->body().size();
      Transmit(std::move(msg), keep);
    }
  }

  template <class Body>
  std::shared_ptr<bhttp::response<Body>> Build(const Response& response, int status, bool keep) {
    auto msg = std::make_shared<bhttp::response<Body>>();
    msg->version(version_);
    msg->result(static_cast<unsigned>(status));
    std::string_view reason = ReasonPhrase(status);
    if (reason != "Unknown") msg->reason(reason);
    for (const auto& [name, value] : response.headers()) {
      if (ServerOwnedField(name)) continue;
      if (!ValidFieldName(name) || !ValidFieldValue(value)) {
        internal::ErrorLog().warn(
            "request {}: dropped a response header with an invalid name or value", request_id_);
        continue;
      }
      msg->insert(name, value);
    }
    msg->set(bhttp::field::server, "almanac");
    msg->set(bhttp::field::date, HttpDate(server_.clock));
    msg->set("X-Request-Id", request_id_);
    msg->keep_alive(keep);  // after the handler's headers: it owns Connection
    return msg;
  }

  template <class Message>
  void Transmit(std::shared_ptr<Message> msg, bool keep) {
    stream_.expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, *msg,
                       [self = shared_from_this(), msg, keep](beast::error_code ec, std::size_t) {
                         self->OnWritten(ec, keep);
                       });
  }

  void OnWritten(beast::error_code ec, bool keep) {
    if (ec) {
      internal::ErrorLog().debug("request {}: writing the response failed: {}", request_id_,
                                 ec.message());
      CloseNow();
      return;
    }
    LogAccess();
    if (keep) {
      NextRequest();
    } else {
      LingeringClose();
    }
  }

  void LogAccess() {
    auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(server_.clock.Steady() - started_)
            .count();
    std::string_view method = "-";
    std::string_view target = "-";
    if (parser_ && parser_->got_some()) {
      const auto& msg = parser_->get();
      if (!msg.method_string().empty()) method = msg.method_string();
      if (!msg.target().empty()) target = msg.target();
    }
    // Secrets never reach the log: feed URLs carry their token in the path,
    // and query strings may carry anything.
    std::string logged(target.substr(0, target.find('?')));
    if (logged.starts_with("/feeds/")) logged = "/feeds/***";
    internal::AccessLog().info("{} {} {} {} {}us id={} peer={}", method, logged, status_, bytes_,
                               us, request_id_, remote_);
  }

  void LingeringClose() {
    state_ = State::kClosing;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.consume(buffer_.size());
    lingered_ = 0;
    stream_.expires_after(
        std::min<std::chrono::milliseconds>(kMaxLinger, server_.options.read_timeout));
    Discard();
  }

  void Discard() {
    stream_.async_read_some(buffer_.prepare(16384),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kMaxLingerBytes) {
                                self->CloseNow();
                                return;
                              }
                              self->Discard();
                            });
  }

  void CloseNow() {
    state_ = State::kClosing;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  Server::Impl& server_;
  beast::tcp_stream stream_;
  const asio::any_io_executor strand_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<Request> request_;
  State state_ = State::kIdle;
  std::string request_id_;
  std::chrono::steady_clock::time_point started_ = server_.clock.Steady();
  int version_ = 11;
  bool is_head_ = false;
  bool keep_alive_ = false;
  int status_ = 0;
  std::size_t bytes_ = 0;
  std::size_t lingered_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------
// Server::Impl

namespace {

bool Compressible(std::string_view type) {
  return type.starts_with("application/json") || type.starts_with("application/problem+json") ||
         type.starts_with("text/") || type.starts_with("application/xml") ||
         type.starts_with("application/calendar");
}

// Compresses the body with gzip (level 1: a third of the bytes of JSON for
// little CPU) when the client accepts it and it is worth it: a compressible
// type, 1 KiB or more, no Content-Encoding yet, and no ETag — a strong
// validator names one representation, and CalDAV clients send it back in
// If-Match, so bodies with one are sent as they are. Vary says the body
// depends on Accept-Encoding.
void CompressIfWorth(const Request& req, Response& r) {
  if (r.body().size() < 1024 || r.status() == 206 || r.Header("Content-Encoding") ||
      r.Header("ETag")) {
    return;
  }
  std::optional<std::string_view> type = r.Header("Content-Type");
  if (!type || !Compressible(*type)) return;
  std::string vary(r.Header("Vary").value_or(""));
  r.With("Vary", vary.empty() ? "Accept-Encoding" : vary + ", Accept-Encoding");
  std::optional<std::string_view> accept = req.Header("Accept-Encoding");
  if (!accept || !internal::AcceptsGzip(*accept)) return;
  std::string gz = internal::Gzip(r.body(), 1);
  if (gz.empty() || gz.size() >= r.body().size()) return;
  r.set_body(std::move(gz));
  r.AddHeader("Content-Encoding", "gzip");
}

}  // namespace

Response Server::Impl::Invoke(Request& request) {
  try {
    Response r = handler(request);
    CompressIfWorth(request, r);
    return r;
  } catch (const std::exception& e) {
    internal::ErrorLog().error("request {} {} {}: handler threw: {}", request.request_id(),
                               request.method(), request.target(), e.what());
  } catch (...) {
    internal::ErrorLog().error("request {} {} {}: handler threw a non-std exception",
                               request.request_id(), request.method(), request.target());
  }
  return Problem(500, {}, "Internal error; quote the request id when reporting it",
                 R"({"request_id":")" + request.request_id() + "\"}");
}

void Server::Impl::Unregister(Session* session) {
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(session);
    last = sessions.empty() && stopping.load();
  }
  if (last && !no_more_posts.load()) asio::post(control, [this] { CheckDrained(); });
}

std::vector<std::shared_ptr<Session>> Server::Impl::LiveSessions() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard<std::mutex> lock(mu);
  for (auto& [raw, weak] : sessions) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

void Server::Impl::Run() {
  guard.emplace(ioc.get_executor());
  asio::post(control, [this] {
    if (!stopping.load()) DoAccept();
    if (signals && !drained) WaitSignal();
  });
  auto run = [this] {
    while (true) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {  // a bug in I/O code; keep serving
        internal::ErrorLog().error("I/O thread caught: {}", e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < options.io_threads; ++i) threads.emplace_back(run);
  run();
  for (std::thread& t : threads) t.join();
  if (signals) {
    beast::error_code ignored;
    signals->clear(ignored);  // back to the default dispositions
  }
  internal::ErrorLog().info("server on port {} stopped", port);
}

void Server::Impl::Stop() {
  if (stopping.exchange(true)) return;
  asio::post(control, [this] { BeginDrain(); });
}

void Server::Impl::DoAccept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping.load() || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of file descriptors, say: do not spin, try again shortly.
    internal::ErrorLog().warn("accept failed: {}", ec.message());
    accept_retry_timer.expires_after(kAcceptRetry);
    accept_retry_timer.async_wait([this](beast::error_code e) {
      if (!e && !stopping.load()) DoAccept();
    });
    return;
  }
  beast::error_code ignored;
  std::string remote = socket.remote_endpoint(ignored).address().to_string();
  socket.set_option(tcp::no_delay(true), ignored);
  auto session = std::make_shared<Session>(*this, std::move(socket), std::move(remote));
  {
    std::lock_guard<std::mutex> lock(mu);
    sessions.emplace(session.get(), session);
  }
  asio::dispatch(session->strand(), [session] { session->Start(); });
  DoAccept();
}

void Server::Impl::WaitSignal() {
  signals->async_wait([this](beast::error_code ec, int signal) {
    if (ec) return;
    if (!stopping.load()) {
      internal::ErrorLog().info("signal {}: shutting down", signal);
      Stop();
      WaitSignal();
    } else {
      internal::ErrorLog().warn("signal {} during shutdown: dropping connections", signal);
      ForceFinish();
    }
  });
}

void Server::Impl::BeginDrain() {
  beast::error_code ignored;
  acceptor.close(ignored);
  accept_retry_timer.cancel();
  std::vector<std::shared_ptr<Session>> live = LiveSessions();
  internal::ErrorLog().info("server on port {} shutting down; {} connection(s) open", port,
                            live.size());
  for (const auto& s : live) asio::post(s->strand(), [s] { s->OnDrain(); });
  live.clear();
  drain_timer.expires_after(options.drain_timeout);
  drain_timer.async_wait([this](beast::error_code ec) {
    if (!ec) ForceFinish();
  });
  CheckDrained();
}

void Server::Impl::CheckDrained() {
  if (drained || !stopping.load()) return;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!sessions.empty()) return;
  }
  FinishDrain();
}

void Server::Impl::FinishDrain() {
  drained = true;
  drain_timer.cancel();
  accept_retry_timer.cancel();
  if (signals) signals->cancel();
  guard.reset();  // the io_context runs out of work and Run() returns
}

void Server::Impl::ForceFinish() {
  if (drained) return;
  std::vector<std::shared_ptr<Session>> live = LiveSessions();
  internal::ErrorLog().warn("drain incomplete: dropping {} connection(s)", live.size());
  for (const auto& s : live) asio::post(s->strand(), [s] { s->ForceClose(); });
  live.clear();
  // Sessions still waiting for a handler now have no I/O pending, so once the
  // closes above have run the io_context runs out of work and Run() returns.
  FinishDrain();
}

// ---------------------------------------------------------------------------
// Server

namespace {

struct ListenAddress {
  asio::ip::address address;
  uint16_t port = 0;
};

Result<ListenAddress> ParseListen(const std::string& listen) {
  auto bad = [&](std::string why) {
    return MakeError(Code::kInvalidArgument,
                     "Invalid listen address \"" + listen + "\": " + std::move(why));
  };
  std::string_view s = listen;
  std::string_view host;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    std::size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return bad("expected [IPv6]:port");
    }
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return bad("expected host:port");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("put IPv6 addresses in brackets");
  }
  unsigned value = 0;
  auto [p, e] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || e != std::errc() || p != port.data() + port.size() || value > 65535) {
    return bad("port must be a number from 0 to 65535");
  }
  ListenAddress out;
  out.port = static_cast<uint16_t>(value);
  if (host == "localhost") {
    out.address = asio::ip::address_v4::loopback();
    return out;
  }
  beast::error_code ec;
  out.address = asio::ip::make_address(std::string(host), ec);
  if (ec) return bad("host must be an IP address or localhost");
  return out;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options, Handler handler) {
  auto invalid = [](std::string message) { return MakeError(Code::kInvalidArgument, message); };
  if (!handler) return invalid("Server needs a handler");
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (options.threads == 0) options.threads = 4 * cores;
  if (options.read_threads == 0) options.read_threads = cores;
  if (options.io_threads == 0) return invalid("io_threads must be at least 1");
  if (options.max_header_bytes == 0 ||
      options.max_header_bytes > std::numeric_limits<std::uint32_t>::max()) {
    return invalid("max_header_bytes must be between 1 and 4294967295");
  }
  using std::chrono::milliseconds;
  for (milliseconds t :
       {options.read_timeout, options.idle_timeout, options.write_timeout, options.drain_timeout}) {
    if (t <= milliseconds::zero()) return invalid("timeouts must be positive");
  }
  ALMANAC_ASSIGN_OR_RETURN(ListenAddress where, ParseListen(options.listen));

  auto impl = std::make_unique<Impl>(options, std::move(handler));
  tcp::endpoint endpoint(where.address, where.port);
  beast::error_code ec;
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string message = "Cannot listen on " + options.listen + ": " + ec.message();
    Code code = (ec == asio::error::access_denied || ec == asio::error::no_permission)
                    ? Code::kPermissionDenied
                    : Code::kUnavailable;
    return MakeError(code, message, ec.message());
  }
  impl->port = impl->acceptor.local_endpoint(ec).port();
  if (options.handle_signals) impl->signals.emplace(impl->control, SIGINT, SIGTERM);
  internal::ErrorLog().info(
      "listening on {} (port {}), {} reader(s), {} writer(s), {} I/O thread(s)", options.listen,
      impl->port, options.read_threads, options.threads, options.io_threads);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

void Server::Run() { impl_->Run(); }

void Server::Stop() { impl_->Stop(); }

uint16_t Server::port() const { return impl_->port; }

}  // namespace almanac::http
