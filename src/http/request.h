// One HTTP request as handlers see it: method, decoded path and query,
// headers, body, the path parameters the router matched, and per-request
// attributes that middleware fills (the authenticated principal, say).
//
// Our own type on purpose: Beast's message types stay inside src/http
// (DESIGN.md, "No third-party type crosses a layer boundary").
//
// Thread safety: a value type with no shared state. The server hands each
// request to exactly one handler thread; do not share one Request between
// threads without synchronisation.
#pragma once

#include <any>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace almanac::http {

class Request {
 public:
  using Field = std::pair<std::string, std::string>;

  // Builds a request from its method and request-target (RFC 9112 §3.2).
  // Accepts origin-form ("/a/b%20c?x=1"), absolute-form ("http://h/a", the
  // authority is dropped: the Host header says the same) and "*" (asterisk
  // form, OPTIONS only by RFC 9112 §3.2.4; the router answers it).
  // The path is split on '/' before percent-decoding, so "%2F" stays inside
  // one segment (see path_segments()). The query is decoded as
  // application/x-www-form-urlencoded ('+' is a space).
  // Errors: kInvalidArgument when the target is empty or in authority-form,
  // has a malformed percent-escape or an encoded NUL, or has a "." or ".."
  // path segment (literal or encoded; clients remove them, RFC 3986 §5.2.4,
  // so one arriving here is a path trick).
  static Result<Request> Make(std::string method, std::string_view target);

  // Methods are case-sensitive (RFC 9110 §9.1): "GET", not "get".
  const std::string& method() const { return method_; }
  // The request-target exactly as received.
  const std::string& target() const { return target_; }
  // The decoded path without the query: "/a/b c". Lossy when a segment held
  // "%2F"; route on path_segments() instead. "*" for the asterisk form.
  const std::string& path() const { return path_; }
  // The decoded segments of the path: "/a/b%2Fc/" -> {"a", "b/c", ""}.
  const std::vector<std::string>& path_segments() const { return segments_; }

  // The first value of query parameter `name` (decoded), or nullopt.
  std::optional<std::string> Query(std::string_view name) const;
  // Every value of query parameter `name`, in request order.
  std::vector<std::string> QueryAll(std::string_view name) const;
  // All query parameters, decoded, in request order.
  const std::vector<Field>& query_params() const { return query_; }

  // The first header named `name` (ASCII case-insensitive), or nullopt.
  // The view is valid until the headers are next modified or the request dies.
  std::optional<std::string_view> Header(std::string_view name) const;
  // All headers in arrival order, names as sent.
  const std::vector<Field>& headers() const { return headers_; }
  void AddHeader(std::string name, std::string value);

  // The value of cookie `name` from the Cookie header(s) (RFC 6265 §5.4), with
  // surrounding double quotes removed; nullopt when absent. Parsed per call.
  std::optional<std::string> Cookie(std::string_view name) const;

  const std::string& body() const { return body_; }
  std::string& mutable_body() { return body_; }
  void set_body(std::string body) { body_ = std::move(body); }

  // A path parameter set by the router ("{id}" in the pattern -> Param("id")).
  // Empty when the matched route has no such parameter. The view is valid
  // until SetParam is next called or the request dies.
  std::string_view Param(std::string_view name) const;
  void SetParam(std::string name, std::string value);
  const std::map<std::string, std::string, std::less<>>& params() const { return params_; }

  // Per-request values for later stages (auth middleware stores the
  // principal here, handlers read it). Setting a key again replaces it.
  void SetAttribute(std::string key, std::any value);
  // The attribute stored under `key`, or nullptr. The pointer is valid until
  // the key is next set or the request dies.
  const std::any* Attribute(std::string_view key) const;
  // The attribute under `key` if it holds a T, else nullptr.
  template <typename T>
  const T* AttributeAs(std::string_view key) const {
    const std::any* a = Attribute(key);
    return a == nullptr ? nullptr : std::any_cast<T>(a);
  }

  // The peer's IP address ("127.0.0.1", "::1"); empty when unknown. Behind a
  // proxy this is the proxy: trusting X-Forwarded-For is the app's decision.
  const std::string& remote_address() const { return remote_address_; }
  void set_remote_address(std::string address) { remote_address_ = std::move(address); }

  // The id the server gave this request (16 lowercase hex digits), also sent
  // back in the X-Request-Id response header and written to every log line
  // about the request. Empty for requests not built by the server.
  const std::string& request_id() const { return request_id_; }
  void set_request_id(std::string id) { request_id_ = std::move(id); }

  // 10 for HTTP/1.0, 11 for HTTP/1.1.
  int http_version() const { return http_version_; }
  void set_http_version(int version) { http_version_ = version; }

 private:
  Request() = default;

  std::string method_;
  std::string target_;
  std::string path_;
  std::vector<std::string> segments_;
  std::vector<Field> query_;
  std::vector<Field> headers_;
  std::string body_;
  std::map<std::string, std::string, std::less<>> params_;
  std::map<std::string, std::any, std::less<>> attributes_;
  std::string remote_address_;
  std::string request_id_;
  int http_version_ = 11;
};

// True when `a` and `b` are equal ignoring ASCII case (header and token names).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace almanac::http
