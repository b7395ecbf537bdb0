// Black-box tests of the HTTP server over real sockets on 127.0.0.1, port 0,
// with a small blocking client written against POSIX sockets so that hostile
// and malformed input can be sent byte for byte.
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/log.h"
#include "http/problem.h"
#include "http/router.h"

namespace almanac::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct RawResponse {
  std::string version;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (EqualsIgnoreCase(k, name)) return v;
    }
    return std::nullopt;
  }
};

// A blocking HTTP/1.1 client that sends raw bytes and parses responses with
// Content-Length bodies (all this server sends).
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      connect_errno_ = errno;
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads one response; nullopt on timeout, EOF or a malformed response.
  // `head`: the response to a HEAD request has no body whatever its length.
  std::optional<RawResponse> Read(bool head = false, std::chrono::milliseconds timeout = 5s) {
    Clock::time_point deadline = Clock::now() + timeout;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse r;
    std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    std::size_t line_end = head_text.find("\r\n");
    std::string status_line = head_text.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    r.version = status_line.substr(0, 8);
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head_text.size() : line_end + 2;
    while (pos < head_text.size()) {
      std::size_t next = head_text.find("\r\n", pos);
      if (next == std::string::npos) next = head_text.size();
      std::string line = head_text.substr(pos, next - pos);
      std::size_t colon = line.find(':');
      if (colon == std::string::npos) return std::nullopt;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace_back(line.substr(0, colon), value);
      pos = next + 2;
    }
    std::size_t length = 0;
    if (auto cl = r.Header("Content-Length"); cl && !head) length = std::stoul(*cl);
    while (buf_.size() < length) {
      if (!Fill(deadline)) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // True when the server closes the connection (EOF or reset) within
  // `timeout`, discarding anything it still sends.
  bool WaitClosed(std::chrono::milliseconds timeout = 3s) {
    Clock::time_point deadline = Clock::now() + timeout;
    while (true) {
      int r = Receive(deadline);
      if (r == 0) return true;
      if (r < 0) return false;
    }
  }

 private:
  // 1: got bytes, 0: EOF or reset, -1: timeout.
  int Receive(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) return -1;
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready == 0) return -1;
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return 0;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return 1;
  }
  bool Fill(Clock::time_point deadline) { return Receive(deadline) == 1; }

  int fd_ = -1;
  int connect_errno_ = 0;
  std::string buf_;
};

std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
         "\r\n";
}

// Collects the HTTP layer's log lines for the duration of a test.
class LogCapture {
 public:
  LogCapture() {
    SetLogSink([this](LogLevel, std::string_view channel, std::string_view message) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(std::string(channel) + ": " + std::string(message));
    });
  }
  ~LogCapture() { SetLogSink(nullptr); }
  bool Contains(std::string_view a, std::string_view b = "") const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& l : lines_) {
      if (l.find(a) != std::string::npos && l.find(b) != std::string::npos) return true;
    }
    return false;
  }
  // Contains(), waiting up to `timeout` for the line: the access log is
  // written after the response has gone out, so maybe after the client read it.
  bool WaitFor(std::string_view a, std::string_view b = "",
               std::chrono::milliseconds timeout = 2s) {
    Clock::time_point deadline = Clock::now() + timeout;
    while (!Contains(a, b)) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
  std::string All() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const std::string& l : lines_) out += l + "\n";
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// A server on a free port, running on a background thread.
class Running {
 public:
  Running(ServerOptions options, Handler handler) {
    options.listen = "127.0.0.1:0";
    Result<std::unique_ptr<Server>> created =
        Server::Create(std::move(options), std::move(handler));
    if (!created.ok()) throw std::runtime_error(created.error().message);
    server_ = std::move(created).value();
    thread_ = std::thread([this] {
      server_->Run();
      returned_.set_value();
    });
  }
  ~Running() {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  Server& server() { return *server_; }
  uint16_t port() const { return server_->port(); }
  // True when Run() returns within `timeout`.
  bool WaitReturned(std::chrono::milliseconds timeout) {
    return returned_future_.wait_for(timeout) == std::future_status::ready;
  }

 private:
  std::unique_ptr<Server> server_;
  std::promise<void> returned_;
  std::future<void> returned_future_ = returned_.get_future();
  std::thread thread_;
};

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    router_.Add("GET", "/hello", [](Request&) { return Response::Text(200, "hello"); });
    router_.Add("GET", "/calendars/{id}/events", [](Request& r) {
      return Response::Json(200, R"({"calendar":")" + std::string(r.Param("id")) + "\"}");
    });
    router_.Add("GET", "/dav/{path*}",
                [](Request& r) { return Response::Text(200, std::string(r.Param("path"))); });
    router_.Add("POST", "/echo", [this](Request& r) {
      ++handled_;
      return Response::Text(200, r.body());
    });
    router_.Add("GET", "/echo-path", [](Request& r) { return Response::Text(200, r.path()); });
    router_.Add("GET", "/slow", [this](Request& r) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        slow_started_ = true;
      }
      cv_.notify_all();
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::stoi(r.Query("ms").value_or("300"))));
      return Response::Text(200, "slept");
    });
    router_.Add("GET", "/throw",
                [](Request&) -> Response { throw std::runtime_error("database exploded"); });
    router_.Add("GET", "/throw-int", [](Request&) -> Response { throw 42; });
    router_.Add("GET", "/evil-header", [](Request&) {
      return Response::Text(200, "ok").With("X-Evil", "a\r\nInjected: 1").With("X-Fine", "yes");
    });
    router_.Add("GET", "/close",
                [](Request&) { return Response::Text(200, "bye").With("Connection", "close"); });
    options_.threads = 4;
  }

  void WaitSlowStarted() {
    std::unique_lock<std::mutex> lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, 5s, [this] { return slow_started_; }));
  }

  Running Start() { return Running(options_, router_.AsHandler()); }

  LogCapture logs_;
  Router router_;
  ServerOptions options_;
  std::atomic<int> handled_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool slow_started_ = false;
};

TEST_F(ServerTest, RoutesWithParamsAndWildcard) {
  Running s = Start();
  Client c(s.port());
  ASSERT_TRUE(c.connected());
  c.Send(Get("/calendars/42/events"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"calendar":"42"})");
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  c.Send(Get("/dav/cal/ada%20l/x.ics"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "cal/ada l/x.ics");
}

TEST_F(ServerTest, StandardHeaders) {
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/hello"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, "HTTP/1.1");
  EXPECT_EQ(r->Header("Server"), "almanac");
  EXPECT_EQ(r->Header("Content-Length"), "5");
  ASSERT_TRUE(r->Header("Date"));
  EXPECT_NE(r->Header("Date")->find(" GMT"), std::string::npos);
  ASSERT_TRUE(r->Header("X-Request-Id"));
  EXPECT_EQ(r->Header("X-Request-Id")->size(), 16u);
  EXPECT_EQ(r->Header("X-Request-Id")->find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST_F(ServerTest, DateComesFromTheInjectedClock) {
  core::FakeClock clock(core::Instant::FromUnixSeconds(784111777));
  options_.clock = &clock;
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/hello"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Date"), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110 §5.6.7
}

TEST_F(ServerTest, UnknownPathIs404ProblemJson) {
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/nope"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->Header("Content-Type"), "application/problem+json");
  nlohmann::json body = nlohmann::json::parse(r->body);
  EXPECT_EQ(body["type"], "about:blank");
  EXPECT_EQ(body["title"], "Not Found");
  EXPECT_EQ(body["status"], 404);
  EXPECT_TRUE(body["detail"].is_string());
  // A 404 does not cost the connection.
  c.Send(Get("/hello"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  Running s = Start();
  Client c(s.port());
  c.Send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("Allow"), "GET, HEAD, OPTIONS");
}

TEST_F(ServerTest, HeadHasLengthButNoBody) {
  Running s = Start();
  Client c(s.port());
  c.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r = c.Read(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Length"), "5");
  // Had the server sent a body, it would be read as the next response.
  c.Send(Get("/hello"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

TEST_F(ServerTest, OptionsIsAutomatic) {
  Running s = Start();
  Client c(s.port());
  c.Send("OPTIONS /echo HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->Header("Allow"), "OPTIONS, POST");
  EXPECT_FALSE(r->Header("Content-Length"));  // RFC 9110 §8.6
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/hello"));
  auto first = c.Read();
  c.Send(Get("/hello"));
  auto second = c.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->body, "hello");
  EXPECT_FALSE(first->Header("Connection"));
  EXPECT_NE(first->Header("X-Request-Id"), second->Header("X-Request-Id"));
  EXPECT_TRUE(logs_.WaitFor("access: GET /hello 200 5 ", *second->Header("X-Request-Id")))
      << logs_.All();
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/hello", "Connection: close\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, HandlerMayAskToClose) {
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/close"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveAsked) {
  Running s = Start();
  {
    Client c(s.port());
    c.Send("GET /hello HTTP/1.0\r\n\r\n");
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->version, "HTTP/1.0");
    EXPECT_EQ(r->body, "hello");
    EXPECT_TRUE(c.WaitClosed());
  }
  Client c(s.port());
  c.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Connection"), "keep-alive");
  c.Send("GET /hello HTTP/1.0\r\n\r\n");
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello");
}

TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/slow?ms=50") + Get("/echo-path?n=2") +
         "POST /echo HTTP/1.1\r\nHost: t\r\n"
         "Content-Length: 5\r\n\r\nthree" +
         Get("/hello"));
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) {
    auto r = c.Read();
    ASSERT_TRUE(r) << i;
    bodies.push_back(r->body);
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"slept", "/echo-path", "three", "hello"}));
}

TEST_F(ServerTest, ChunkedBodyIsAccepted) {
  Running s = Start();
  Client c(s.port());
  c.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello, world");
}

TEST_F(ServerTest, ExpectContinue) {
  Running s = Start();
  Client c(s.port());
  c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  auto cont = c.Read();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  c.Send("body");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "body");
}

TEST_F(ServerTest, DeclaredBodyOverLimitIs413BeforeTheBody) {
  options_.max_body_bytes = 1024;
  Running s = Start();
  Client c(s.port());
  c.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n"
      "Expect: 100-continue\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(r->body)["status"], 413);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413AndNothingReachesTheHandler) {
  options_.max_body_bytes = 1024;
  Running s = Start();
  Client c(s.port());
  std::string chunk(600, 'x');
  std::string req = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) req += "258\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  c.Send(req);
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(handled_.load(), 0);
  // A body at the limit is fine.
  Client ok(s.port());
  ok.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" +
          std::string(1024, 'y'));
  r = ok.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 1024u);
}

TEST_F(ServerTest, OversizeHeadersRejected) {
  options_.max_header_bytes = 1024;
  Running s = Start();
  Client c(s.port());
  c.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->Header("Content-Type"), "application/problem+json");
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, MalformedRequestIs400AndClosed) {
  Running s = Start();
  for (std::string bad : {std::string("GARBAGE\r\n\r\n"), std::string("GET /x HTTP/9.9\r\n\r\n"),
                          std::string("GET /x HTTP/1.1\r\nBad Header\r\n\r\n"),
                          std::string("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      "zz\r\n"),
                          Get("/a/../etc/passwd"), Get("/a%zz"), Get("/a%00")}) {
    Client c(s.port());
    c.Send(bad);
    auto r = c.Read();
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_EQ(r->Header("Content-Type"), "application/problem+json") << bad;
    EXPECT_TRUE(c.WaitClosed()) << bad;
  }
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, Http11WithoutHostIs400) {
  Running s = Start();
  Client c(s.port());
  c.Send("GET /hello HTTP/1.1\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(ServerTest, HugeHeaderFieldCannotCrashTheServer) {
  options_.max_header_bytes = 256 * 1024;  // lets one field exceed the parser's 64 KiB
  router_.Add("GET", "/big-header", [](Request&) {
    return Response::Text(200, "x").With("X-Big", std::string(70000, 'b'));
  });
  Running s = Start();
  {
    Client c(s.port());
    c.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(100000, 'a') + "\r\n\r\n");
    EXPECT_TRUE(c.WaitClosed());
  }
  Client c(s.port());
  c.Send(Get("/big-header"));  // a response field too big to send: 500
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_TRUE(c.WaitClosed());
  Client after(s.port());
  after.Send(Get("/hello"));
  r = after.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, HandlerThatThrowsGets500AndServerKeepsServing) {
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/throw"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->Header("Content-Type"), "application/problem+json");
  nlohmann::json body = nlohmann::json::parse(r->body);
  ASSERT_TRUE(r->Header("X-Request-Id"));
  std::string id = *r->Header("X-Request-Id");
  EXPECT_EQ(body["request_id"], id);
  EXPECT_EQ(body["status"], 500);
  EXPECT_EQ(r->body.find("exploded"), std::string::npos) << "exception text must not leak";
  EXPECT_TRUE(logs_.Contains(id, "database exploded")) << logs_.All();

  c.Send(Get("/throw-int"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_TRUE(logs_.Contains(*r->Header("X-Request-Id"), "non-std exception"));

  c.Send(Get("/hello"));  // same connection, still served
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, HeaderInjectionIsDropped) {
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/evil-header"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->Header("Injected"));
  EXPECT_FALSE(r->Header("X-Evil"));
  EXPECT_EQ(r->Header("X-Fine"), "yes");
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  options_.idle_timeout = 200ms;
  Running s = Start();
  Client c(s.port());
  c.Send(Get("/hello"));
  ASSERT_TRUE(c.Read());
  Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(c.WaitClosed(3s));
  EXPECT_GE(Clock::now() - t0, 150ms);
}

TEST_F(ServerTest, SlowlorisIsCutOffByTheReadTimeout) {
  options_.read_timeout = 300ms;
  Running s = Start();
  Client c(s.port());
  c.Send("GET /hello HTTP/1.1\r\nHost: t\r\n");
  Clock::time_point t0 = Clock::now();
  bool closed = false;
  // One header byte every 50 ms keeps resetting nothing: the deadline is for
  // the whole request.
  for (int i = 0; i < 60 && !closed; ++i) {
    if (!c.Send("X")) {
      closed = true;
      break;
    }
    closed = c.WaitClosed(50ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_GE(Clock::now() - t0, 250ms);
}

TEST_F(ServerTest, ConcurrentClientsAllAnswered) {
  options_.threads = 4;
  Running s = Start();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::optional<Client> c;
      for (int i = 0; i < kPerThread; ++i) {
        if (i % 5 == 0) c.emplace(s.port());  // a new connection every 5 requests
        std::string body = "t" + std::to_string(t) + "-" + std::to_string(i);
        c->Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body);
        auto r = c->Read();
        if (r && r->status == 200 && r->body == body) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(handled_.load(), kThreads * kPerThread);
}

TEST_F(ServerTest, AWriteNeverWaitsBehindReads) {
  // One reader and one writer: two slow GETs hold the reader (one running,
  // one queued), and a POST is answered at once on the writer.
  options_.read_threads = 1;
  options_.threads = 1;
  Running s = Start();
  Client slow1(s.port()), slow2(s.port()), writer(s.port());
  slow1.Send(Get("/slow?ms=1500"));
  WaitSlowStarted();
  slow2.Send(Get("/slow?ms=1500"));
  const auto t0 = std::chrono::steady_clock::now();
  writer.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi");
  auto w = writer.Read();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->body, "hi");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1000ms);
  ASSERT_TRUE(slow1.Read());
  ASSERT_TRUE(slow2.Read());
}

TEST_F(ServerTest, StopLetsInFlightRequestFinishThenRunReturns) {
  Running s = Start();
  Client idle(s.port());  // a keep-alive connection with nothing in flight
  idle.Send(Get("/hello"));
  ASSERT_TRUE(idle.Read());

  Client busy(s.port());
  busy.Send(Get("/slow?ms=400"));
  WaitSlowStarted();
  s.server().Stop();
  s.server().Stop();  // idempotent

  // The idle connection is closed at once.
  EXPECT_TRUE(idle.WaitClosed(1s));
  // New connections are refused once the listener is closed.
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    Client probe(s.port());
    refused = !probe.connected() && probe.connect_errno() == ECONNREFUSED;
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(refused);
  // The in-flight request is still answered, and the connection then closed.
  auto r = busy.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slept");
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(busy.WaitClosed());
  EXPECT_TRUE(s.WaitReturned(3s));
}

TEST_F(ServerTest, DrainDeadlineDropsStragglers) {
  options_.drain_timeout = 100ms;
  Running s = Start();
  Client busy(s.port());
  busy.Send(Get("/slow?ms=800"));
  WaitSlowStarted();
  Clock::time_point t0 = Clock::now();
  s.server().Stop();
  EXPECT_TRUE(s.WaitReturned(3s));
  EXPECT_LT(Clock::now() - t0, 700ms);  // did not wait for the handler
  EXPECT_TRUE(busy.WaitClosed());
  // ~Running waits for the handler's worker to finish.
}

TEST(ServerLifecycleTest, StopBeforeRunReturnsAtOnce) {
  LogCapture logs;
  auto created = Server::Create(ServerOptions{"127.0.0.1:0"}, [](Request&) { return Response(); });
  ASSERT_TRUE(created.ok());
  std::unique_ptr<Server> server = std::move(created).value();
  EXPECT_NE(server->port(), 0);
  server->Stop();
  server->Run();  // returns: nothing to drain
}

TEST(ServerLifecycleTest, SigtermStopsTheServer) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.handle_signals = true;
  LogCapture logs;
  auto created = Server::Create(options, [](Request&) { return Response(); });
  ASSERT_TRUE(created.ok());
  std::unique_ptr<Server> server = std::move(created).value();
  std::raise(SIGTERM);  // caught by the server's signal set, acted on in Run
  server->Run();
  EXPECT_TRUE(logs.Contains("signal 15"));
}

TEST(ServerLifecycleTest, CreateReportsBadOptions) {
  LogCapture logs;
  Handler h = [](Request&) { return Response(); };
  auto expect_code = [&](ServerOptions o, Code code) {
    auto r = Server::Create(o, h);
    ASSERT_FALSE(r.ok()) << o.listen;
    EXPECT_EQ(r.error().code, code) << o.listen << ": " << r.error().message;
  };
  for (std::string bad : {"", "8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999",
                          "127.0.0.1:http", "example.org:80", "::1:80", "[::1]80", "[::1"}) {
    ServerOptions o;
    o.listen = bad;
    expect_code(o, Code::kInvalidArgument);
  }
  ServerOptions zero_timeout;
  zero_timeout.listen = "127.0.0.1:0";
  zero_timeout.read_timeout = 0ms;
  expect_code(zero_timeout, Code::kInvalidArgument);
  ServerOptions zero_headers;
  zero_headers.listen = "127.0.0.1:0";
  zero_headers.max_header_bytes = 0;
  expect_code(zero_headers, Code::kInvalidArgument);
  EXPECT_EQ(Server::Create(ServerOptions{"127.0.0.1:0"}, Handler()).error().code,
            Code::kInvalidArgument);

  // The port is taken: reported at Create, not at Run.
  auto first = Server::Create(ServerOptions{"127.0.0.1:0"}, h);
  ASSERT_TRUE(first.ok());
  ServerOptions taken;
  taken.listen = "127.0.0.1:" + std::to_string((*first)->port());
  expect_code(taken, Code::kUnavailable);
}

TEST(ServerLifecycleTest, ListensOnIpv6AndLocalhost) {
  LogCapture logs;
  Handler h = [](Request&) { return Response::Text(200, "v6"); };
  auto local = Server::Create(ServerOptions{"localhost:0"}, h);
  ASSERT_TRUE(local.ok()) << local.error().message;
  auto v6 = Server::Create(ServerOptions{"[::1]:0"}, h);
  if (!v6.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << v6.error().message;
  EXPECT_NE((*v6)->port(), 0);
}

}  // namespace
}  // namespace almanac::http
