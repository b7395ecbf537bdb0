#include "http/request.h"

#include <cstddef>

namespace almanac::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in` (RFC 3986 §2.1); '+' becomes a space when `plus_is_space`
// (HTML form encoding of the query). nullopt on a malformed escape or a NUL.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error BadTarget(std::string message, std::string_view target) {
  return MakeError(Code::kInvalidArgument, std::move(message),
                   "request-target: " + std::string(target.substr(0, 200)));
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

Result<Request> Request::Make(std::string method, std::string_view target) {
  Request r;
  r.method_ = std::move(method);
  r.target_ = std::string(target);
  if (target == "*") {
    r.path_.assign(1, '*');  // not = "*": GCC 12 -O3 warns -Wrestrict falsely
    return r;
  }
  std::string_view rest = target;
  // absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (rest.size() >= scheme.size() && EqualsIgnoreCase(rest.substr(0, scheme.size()), scheme)) {
      rest.remove_prefix(scheme.size());
      std::size_t slash = rest.find_first_of("/?");
      rest = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
      if (rest.front() == '?') return BadTarget("Request-target has no path", target);
      break;
    }
  }
  if (rest.empty() || rest.front() != '/') {
    return BadTarget("Request-target must be an absolute path", target);
  }
  if (std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  std::string_view raw_path = rest;
  std::string_view raw_query;
  if (std::size_t q = rest.find('?'); q != std::string_view::npos) {
    raw_path = rest.substr(0, q);
    raw_query = rest.substr(q + 1);
  }

  // Split first, then decode, so "%2F" cannot forge a segment boundary.
  std::string_view segs = raw_path.substr(1);
  while (true) {
    std::size_t slash = segs.find('/');
    std::string_view raw = segs.substr(0, slash);
    std::optional<std::string> seg = PercentDecode(raw, false);
    if (!seg) return BadTarget("Malformed percent-encoding in the path", target);
    if (*seg == "." || *seg == "..") {
      return BadTarget("Path must not contain '.' or '..' segments", target);
    }
    r.path_ += '/';
    r.path_ += *seg;
    r.segments_.push_back(std::move(*seg));
    if (slash == std::string_view::npos) break;
    segs.remove_prefix(slash + 1);
  }

  while (!raw_query.empty()) {
    std::size_t amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::optional<std::string> key = PercentDecode(pair.substr(0, eq), true);
    std::optional<std::string> value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return BadTarget("Malformed percent-encoding in the query", target);
    r.query_.emplace_back(std::move(*key), std::move(*value));
  }
  return r;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  for (const Field& f : query_) {
    if (f.first == name) return f.second;
  }
  return std::nullopt;
}

std::vector<std::string> Request::QueryAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const Field& f : query_) {
    if (f.first == name) out.push_back(f.second);
  }
  return out;
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const Field& f : headers_) {
    if (EqualsIgnoreCase(f.first, name)) return std::string_view(f.second);
  }
  return std::nullopt;
}

void Request::AddHeader(std::string name, std::string value) {
  headers_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> Request::Cookie(std::string_view name) const {
  // RFC 6265 §4.2.1: cookie-string = cookie-pair *( ";" SP cookie-pair ).
  // HTTP/2 proxies may split it over several Cookie headers, so read them all.
  for (const Field& f : headers_) {
    if (!EqualsIgnoreCase(f.first, "cookie")) continue;
    std::string_view rest = f.second;
    while (!rest.empty()) {
      std::size_t semi = rest.find(';');
      std::string_view pair = Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (Trim(pair.substr(0, eq)) != name) continue;
      std::string_view value = Trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
  }
  return std::nullopt;
}

std::string_view Request::Param(std::string_view name) const {
  auto it = params_.find(name);
  return it == params_.end() ? std::string_view() : std::string_view(it->second);
}

void Request::SetParam(std::string name, std::string value) {
  params_.insert_or_assign(std::move(name), std::move(value));
}

void Request::SetAttribute(std::string key, std::any value) {
  attributes_.insert_or_assign(std::move(key), std::move(value));
}

const std::any* Request::Attribute(std::string_view key) const {
  auto it = attributes_.find(key);
  return it == attributes_.end() ? nullptr : &it->second;
}

}  // namespace almanac::http
