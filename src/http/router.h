// Maps (method, path) to a handler, with path parameters, a trailing
// wildcard, middleware, and the answers HTTP expects for what is not
// registered: 404, 405 with Allow, HEAD from GET, automatic OPTIONS.
//
// Patterns are absolute paths of '/'-separated segments; a segment is a
// literal, a parameter "{name}" (matches one non-empty decoded segment), or,
// as the last segment only, a wildcard "{name*}" (matches the rest of the
// path, possibly empty, decoded segments joined by '/'):
//   router.Add("GET", "/api/v1/calendars/{id}/events", ListEvents);
//   router.Add("PROPFIND", "/dav/{path*}", Propfind);  // "/dav/", "/dav/a/b"
// When several patterns match, literal segments beat parameters, which beat
// wildcards, left to right ("/a/new" wins over "/a/{id}" for "/a/new").
// Matching is on Request::path_segments(), so "%2F" never splits a segment,
// and a trailing slash is significant ("/a/" is not "/a").
//
// Thread safety: Add and Use are for start-up and must not race with
// anything. After that, Dispatch is const and may run on many threads at
// once; handlers and middleware must be thread-safe themselves.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace almanac::http {

// Handles one request. May block (database calls): the server runs handlers
// on worker threads, never on the network threads. An exception escaping a
// handler is answered with a 500 problem by the server, and logged with the
// request id: report expected failures with ProblemResponse instead.
using Handler = std::function<Response(Request&)>;

// Runs before the handler of a matched route, in the order added. Returning a
// Response answers the request with it and skips the rest (an auth check that
// rejects); returning nullopt continues. May store attributes on the request.
using Middleware = std::function<std::optional<Response>(Request&)>;

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Registers `handler` for `method` (case-sensitive token, "GET") on
  // `pattern`. Start-up code: a bad pattern (not starting with '/', an empty
  // or unclosed "{", a wildcard that is not last, a parameter name used
  // twice) or a second registration of the same method and pattern shape is
  // a programmer error and throws std::invalid_argument with a message naming
  // the pattern (STYLE.md: start-up failures may throw).
  void Add(std::string method, std::string_view pattern, Handler handler);

  // Appends a middleware run for every matched route (not for 404, 405,
  // automatic OPTIONS or the asterisk form).
  void Use(Middleware middleware);

  // Answers `request`: sets its path parameters, runs middleware and the
  // handler, or answers itself:
  //   404 problem  no pattern matches the path;
  //   405 problem  the path matches but not the method, with Allow (RFC 9110
  //                §15.5.6) listing the methods of every matching pattern;
  //   HEAD         without a HEAD route runs the GET route and drops the body,
  //                keeping its length in Content-Length (RFC 9110 §9.3.2);
  //   OPTIONS      without an OPTIONS route: 204 with Allow (RFC 9110 §9.3.7);
  //   "*"          OPTIONS * gets 204; any other method on "*" a 400 problem.
  // Exceptions from handlers and middleware propagate (the server catches).
  // Blocks for as long as the handler does.
  Response Dispatch(Request& request) const;

  // A Handler that calls Dispatch on this router.
  // REQUIRES: the router outlives every use of the returned function.
  Handler AsHandler() const;

  struct Node;  // opaque: the route tree, defined in router.cpp

 private:
  std::unique_ptr<Node> root_;
  std::vector<Middleware> middleware_;
};

}  // namespace almanac::http
