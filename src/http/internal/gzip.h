// gzip (RFC 1952) for responses, and reading Accept-Encoding (RFC 9110
// §12.5.3): shared by the static site (static_site.cpp) and the server's
// compression of API answers (server.cpp).
//
// Thread safety: pure functions.
#pragma once

#include <zlib.h>

#include <string>
#include <string_view>

#include "http/internal/accept.h"

namespace almanac::http::internal {

// gzip of `data` at zlib level `level` (1 fastest .. 9 smallest); empty on
// failure.
inline std::string Gzip(std::string_view data, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

// Whether the coding "gzip" is acceptable in an Accept-Encoding value:
// listed (or "x-gzip", or "*") with a q above 0.
inline bool AcceptsGzip(std::string_view accept) {
  bool star = false;
  for (const AcceptItem& a : ParseAcceptList(accept)) {
    if (a.value == "gzip" || a.value == "x-gzip") return a.q > 0;
    if (a.value == "*") star = a.q > 0;
  }
  return star;
}

}  // namespace almanac::http::internal
