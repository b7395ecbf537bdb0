// One HTTP response as handlers build it: status, headers, body.
//
// Our own type on purpose: Beast's message types stay inside src/http
// (DESIGN.md). The server adds Content-Length, Date, Server, Connection and
// X-Request-Id itself and ignores handler-set Content-Length (except on HEAD,
// see router.h), Transfer-Encoding and Connection. Header names or values
// containing CR, LF or NUL are dropped (and logged) when the response is
// sent, so a value echoed from user input cannot split the response.
//
// Thread safety: a value type with no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace almanac::http {

class Response {
 public:
  using Field = std::pair<std::string, std::string>;

  // 200 with no headers and an empty body.
  Response() = default;
  explicit Response(int status) : status_(status) {}

  // `status` with `json` (already-serialized JSON text) as the body,
  // Content-Type application/json.
  static Response Json(int status, std::string json);
  // `status` with `text` as the body, Content-Type text/plain; charset=utf-8.
  static Response Text(int status, std::string text);
  // 204 No Content.
  static Response NoContent();
  // A redirect to `location` (RFC 9110 §15.4). REQUIRES: status is 301, 302,
  // 303, 307 or 308; 303 ("see other") suits answers to a POST.
  static Response Redirect(std::string location, int status = 303);

  int status() const { return status_; }
  void set_status(int status) { status_ = status; }

  // Sets header `name` to `value`, replacing any header of that name (ASCII
  // case-insensitive), except Set-Cookie: RFC 6265 §3 forbids folding it, so
  // each call adds one more. Returns *this for chaining:
  //   return Response::Json(201, body).With("Location", url).With("ETag", tag);
  Response& With(std::string name, std::string value) &;
  Response&& With(std::string name, std::string value) &&;
  // Appends a header without replacing others of the same name.
  void AddHeader(std::string name, std::string value);
  // Removes every header named `name`.
  void RemoveHeader(std::string_view name);
  // The first header named `name` (case-insensitive), or nullopt. The view is
  // valid until the headers are next modified or the response dies.
  std::optional<std::string_view> Header(std::string_view name) const;
  const std::vector<Field>& headers() const { return headers_; }

  const std::string& body() const { return body_; }
  std::string& mutable_body() { return body_; }
  void set_body(std::string body) { body_ = std::move(body); }

 private:
  int status_ = 200;
  std::vector<Field> headers_;
  std::string body_;
};

}  // namespace almanac::http
