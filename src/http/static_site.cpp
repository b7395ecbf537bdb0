#include "http/static_site.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/crypto.h"
#include "http/internal/gzip.h"
#include "http/problem.h"

namespace almanac::http {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxFiles = 5000;
constexpr std::uintmax_t kMaxBytes = 64ull << 20;

constexpr std::string_view kSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'";

bool Compressible(std::string_view type) {
  return type.starts_with("text/") || type.starts_with("application/javascript") ||
         type.starts_with("application/json") || type.starts_with("application/manifest+json") ||
         type.starts_with("image/svg+xml");
}

// Whether If-None-Match (RFC 9110 §13.1.2) matches `etag` (weak comparison).
bool NoneMatch(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

Response WithSecurityHeaders(Response r) {
  r.AddHeader("Content-Security-Policy", std::string(kSecurityPolicy));
  r.AddHeader("X-Content-Type-Options", "nosniff");
  r.AddHeader("X-Frame-Options", "DENY");
  r.AddHeader("Referrer-Policy", "no-referrer");
  return r;
}

const char kNotBuiltPage[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Almanac</title></head>"
    "<body><h1>Almanac</h1><p>The web app is not built. Build it with "
    "<code>npm ci &amp;&amp; npm run build</code> in <code>web/</code> (scripts/run.sh does), or "
    "point <code>almanac serve --web-root</code> at a built <code>dist</code> folder. The REST "
    "API is at <a href=\"/api/v1/openapi.json\">/api/v1</a> and CalDAV at <code>/dav/</code>.</p>"
    "</body></html>";

}  // namespace

std::string MediaTypeOf(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".mjs", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const std::size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string ext(name.substr(dot));
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [e, type] : kTypes) {
      if (ext == e) return std::string(type);
    }
  }
  return "application/octet-stream";
}

Result<std::shared_ptr<const StaticSite>> StaticSite::Load(const std::string& root) {
  auto site = std::make_shared<StaticSite>();
  site->root_ = root;
  std::error_code ec;
  if (root.empty() || !fs::exists(root, ec)) return std::shared_ptr<const StaticSite>(site);
  if (!fs::is_directory(root, ec)) {
    return MakeError(Code::kInvalidArgument, fmt::format("web root {} is not a directory", root));
  }
  const fs::path base = fs::canonical(root, ec);
  if (ec) return MakeError(Code::kInternal, fmt::format("web root {}: {}", root, ec.message()));
  std::uintmax_t total = 0;
  for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string leaf = p.filename().string();
    if (leaf.starts_with(".")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    // A symlink must stay inside the tree.
    const fs::path real = fs::canonical(p, ec);
    if (ec) break;
    const std::string rel_to_base = fs::relative(real, base, ec).generic_string();
    if (ec || rel_to_base.starts_with("..")) continue;
    if (site->files_.size() >= kMaxFiles) {
      return MakeError(Code::kInvalidArgument,
                       fmt::format("web root {} holds more than {} files", root, kMaxFiles));
    }
    total += it->file_size();
    if (total > kMaxBytes) {
      return MakeError(Code::kInvalidArgument,
                       fmt::format("web root {} holds more than 64 MiB", root));
    }
    std::ifstream in(p, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in.good() && !in.eof()) {
      return MakeError(Code::kInternal, fmt::format("cannot read {}", p.string()));
    }
    File f;
    f.body = std::move(content).str();
    const std::string rel = p.lexically_relative(base).generic_string();
    f.content_type = MediaTypeOf(rel);
    f.etag = "\"" + core::Sha256Hex(f.body).substr(0, 32) + "\"";
    f.immutable = rel.starts_with("assets/");
    if (Compressible(f.content_type) && f.body.size() >= 256) {
      std::string gz = internal::Gzip(f.body, Z_BEST_COMPRESSION);
      if (!gz.empty() && gz.size() * 10 <= f.body.size() * 9) f.gzip = std::move(gz);
    }
    site->files_.emplace(rel, std::move(f));
  }
  if (ec) return MakeError(Code::kInternal, fmt::format("web root {}: {}", root, ec.message()));
  return std::shared_ptr<const StaticSite>(site);
}

const StaticSite::File* StaticSite::Find(std::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

std::vector<std::string> StaticSite::FileNames() const {
  std::vector<std::string> out;
  out.reserve(files_.size());
  for (const auto& [name, file] : files_) out.push_back(name);
  return out;
}

Response StaticSite::Serve(const Request& request) const {
  std::string_view path = request.path();
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) {
    path = "index.html";
    if (!has_app()) {
      Response r = Response::Text(200, kNotBuiltPage);
      r.With("Content-Type", "text/html; charset=utf-8").With("Cache-Control", "no-cache");
      return WithSecurityHeaders(std::move(r));
    }
  }
  const File* f = Find(path);
  if (f == nullptr) {
    return ProblemResponse(MakeError(Code::kNotFound, "no such file"));
  }
  Response r(200);
  r.AddHeader("ETag", f->etag);
  r.AddHeader("Cache-Control",
              f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.AddHeader("Vary", "Accept-Encoding");
  if (std::optional<std::string_view> inm = request.Header("If-None-Match");
      inm && NoneMatch(*inm, f->etag)) {
    r.set_status(304);
    return WithSecurityHeaders(std::move(r));
  }
  r.AddHeader("Content-Type", f->content_type);
  std::optional<std::string_view> accept = request.Header("Accept-Encoding");
  if (!f->gzip.empty() && accept && internal::AcceptsGzip(*accept)) {
    r.AddHeader("Content-Encoding", "gzip");
    r.set_body(f->gzip);
  } else {
    r.set_body(f->body);
  }
  return WithSecurityHeaders(std::move(r));
}

void RegisterStaticSite(Router& router, std::shared_ptr<const StaticSite> site) {
  const auto serve = [site](Request& req) { return site->Serve(req); };
  const auto add = [&](const std::string& pattern) {
    try {
      router.Add("GET", pattern, serve);
    } catch (const std::invalid_argument&) {
      // The router has this name already (an API path): the API wins.
    }
  };
  add("/");
  std::set<std::string> dirs;
  for (const std::string& name : site->FileNames()) {
    const std::size_t slash = name.find('/');
    if (slash == std::string::npos) {
      add("/" + name);
    } else if (dirs.insert(name.substr(0, slash)).second) {
      add("/" + name.substr(0, slash) + "/{path*}");
    }
  }
}

}  // namespace almanac::http
