#include "http/router.h"

#include <set>
#include <stdexcept>
#include <utility>

#include "http/problem.h"

namespace almanac::http {

namespace {

struct Route {
  Handler handler;
  std::vector<std::string> param_names;  // one per "{name}" segment, in order
  std::string wildcard_name;             // empty unless the pattern ends in "{name*}"
};

using RoutesByMethod = std::map<std::string, Route, std::less<>>;

[[noreturn]] void BadPattern(std::string_view pattern, std::string_view why) {
  throw std::invalid_argument("Router::Add: pattern \"" + std::string(pattern) +
                              "\": " + std::string(why));
}

}  // namespace

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;  // shared by every "{name}" at this position
  RoutesByMethod routes;        // patterns that end at this node
  RoutesByMethod wildcard;      // patterns that end with "{name*}" after this node
};

namespace {

struct Match {
  const RoutesByMethod* routes;
  std::vector<std::string> values;  // positional "{name}" values
  std::string wildcard_value;
};

// Appends every match of segs[i..] below `node`, most specific first.
void Collect(const Router::Node& node, const std::vector<std::string>& segs, std::size_t i,
             std::vector<std::string>& values, std::vector<Match>& out) {
  if (i == segs.size()) {
    if (!node.routes.empty()) out.push_back(Match{&node.routes, values, {}});
    return;  // a wildcard needs at least one (possibly empty) segment
  }
  if (auto it = node.literals.find(segs[i]); it != node.literals.end()) {
    Collect(*it->second, segs, i + 1, values, out);
  }
  if (node.param != nullptr && !segs[i].empty()) {
    values.push_back(segs[i]);
    Collect(*node.param, segs, i + 1, values, out);
    values.pop_back();
  }
  if (!node.wildcard.empty()) {
    std::string rest;
    for (std::size_t j = i; j < segs.size(); ++j) {
      if (j > i) rest += '/';
      rest += segs[j];
    }
    out.push_back(Match{&node.wildcard, values, std::move(rest)});
  }
}

std::string AllowHeader(const std::vector<Match>& matches) {
  std::set<std::string> methods{"OPTIONS"};
  for (const Match& m : matches) {
    for (const auto& [method, route] : *m.routes) {
      methods.insert(method);
      if (method == "GET") methods.insert("HEAD");
    }
  }
  std::string out;
  for (const std::string& m : methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

bool StatusHasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

// RFC 9110 §9.3.2: a HEAD answer has no content but may say how long the GET
// content would be.
void StripBodyForHead(Response& r) {
  if (!StatusHasNoBody(r.status()) && !r.Header("Content-Length")) {
    r.With("Content-Length", std::to_string(r.body().size()));
  }
  r.set_body({});
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::Add(std::string method, std::string_view pattern, Handler handler) {
  if (method.empty()) BadPattern(pattern, "empty method");
  if (!handler) BadPattern(pattern, "empty handler");
  if (pattern.empty() || pattern.front() != '/') BadPattern(pattern, "must start with '/'");
  Route route;
  route.handler = std::move(handler);
  std::set<std::string, std::less<>> names;
  Node* node = root_.get();
  std::string_view rest = pattern.substr(1);
  bool wildcard = false;
  while (true) {
    std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (!seg.empty() && seg.front() == '{') {
      if (seg.size() < 3 || seg.back() != '}') BadPattern(pattern, "malformed parameter");
      std::string_view name = seg.substr(1, seg.size() - 2);
      bool star = name.back() == '*';
      if (star) name.remove_suffix(1);
      if (name.empty() || name.find_first_of("{}*/") != std::string_view::npos) {
        BadPattern(pattern, "malformed parameter name");
      }
      if (!names.emplace(name).second) BadPattern(pattern, "parameter name used twice");
      if (star) {
        if (!last) BadPattern(pattern, "a wildcard must be the last segment");
        route.wildcard_name = std::string(name);
        wildcard = true;
        break;
      }
      route.param_names.emplace_back(name);
      if (node->param == nullptr) node->param = std::make_unique<Node>();
      node = node->param.get();
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos) {
        BadPattern(pattern, "'{' or '}' inside a literal segment");
      }
      auto& child = node->literals[std::string(seg)];
      if (child == nullptr) child = std::make_unique<Node>();
      node = child.get();
    }
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  RoutesByMethod& table = wildcard ? node->wildcard : node->routes;
  if (!table.emplace(std::move(method), std::move(route)).second) {
    BadPattern(pattern, "method already registered for this pattern");
  }
}

void Router::Use(Middleware middleware) { middleware_.push_back(std::move(middleware)); }

Response Router::Dispatch(Request& request) const {
  const std::string& method = request.method();
  if (request.path() == "*") {
    if (method == "OPTIONS") return Response::NoContent();
    return Problem(400, {}, "The asterisk request-target is only valid for OPTIONS");
  }
  std::vector<Match> matches;
  std::vector<std::string> values;
  Collect(*root_, request.path_segments(), 0, values, matches);
  if (matches.empty()) return Problem(404, {}, "No resource at this path");

  auto run = [&](const Match& match, const Route& route) {
    for (std::size_t i = 0; i < route.param_names.size() && i < match.values.size(); ++i) {
      request.SetParam(route.param_names[i], match.values[i]);
    }
    if (!route.wildcard_name.empty()) request.SetParam(route.wildcard_name, match.wildcard_value);
    for (const Middleware& m : middleware_) {
      if (std::optional<Response> early = m(request)) return std::move(*early);
    }
    return route.handler(request);
  };

  for (const Match& match : matches) {
    if (auto it = match.routes->find(method); it != match.routes->end()) {
      Response r = run(match, it->second);
      if (method == "HEAD") StripBodyForHead(r);
      return r;
    }
  }
  if (method == "HEAD") {
    for (const Match& match : matches) {
      if (auto it = match.routes->find("GET"); it != match.routes->end()) {
        Response r = run(match, it->second);
        StripBodyForHead(r);
        return r;
      }
    }
  }
  if (method == "OPTIONS") {
    return Response::NoContent().With("Allow", AllowHeader(matches));
  }
  return Problem(405, {}, "Method " + method + " is not allowed on this resource")
      .With("Allow", AllowHeader(matches));
}

Handler Router::AsHandler() const {
  return [this](Request& request) { return Dispatch(request); };
}

}  // namespace almanac::http
