// The comma-separated lists of Accept and Accept-Encoding (RFC 9110 §12.5):
// each element's value (a media range or a coding) and its weight q.
//
// Thread safety: pure functions.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace almanac::http::internal {

struct AcceptItem {
  std::string_view value;  // trimmed, parameters removed
  double q = 1.0;          // the "q" parameter, 1 when absent
};

// The elements of `header` in order; empty elements are skipped.
inline std::vector<AcceptItem> ParseAcceptList(std::string_view header) {
  std::vector<AcceptItem> out;
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const std::size_t semi = item.find(';');
    AcceptItem a;
    a.value = trim(item.substr(0, semi));
    if (a.value.empty()) continue;
    if (semi != std::string_view::npos) {
      std::string_view params = item.substr(semi + 1);
      const std::size_t at = params.find("q=");
      if (at != std::string_view::npos) {
        std::string_view v = params.substr(at + 2);
        v = v.substr(0, v.find_first_of(" \t;"));
        a.q = std::strtod(std::string(v).c_str(), nullptr);
      }
    }
    out.push_back(a);
  }
  return out;
}

}  // namespace almanac::http::internal
