// The web app's files (web/dist, built by Vite; docs/web.md), served by
// `almanac serve` at "/" from memory.
//
// StaticSite::Load reads a directory tree once at start-up: every regular
// file (no dot-files, no symlinks leaving the tree), with its media type by
// extension, a strong ETag (a SHA-256 prefix of the content) and, for text
// types, a gzip copy made once when it saves at least a tenth. Answers:
//   GET/HEAD "/"             index.html;
//   GET/HEAD "/<path>"       that file; 404 problem when there is none;
//   other methods            405 (the router's, with Allow: GET, HEAD);
//   If-None-Match            304 when it names the current ETag;
//   Accept-Encoding: gzip    the gzip copy, Content-Encoding: gzip (always
//                            Vary: Accept-Encoding);
//   Cache-Control            "public, max-age=31536000, immutable" under
//                            /assets/ (Vite puts a content hash in those
//                            names), "no-cache" for the rest (index.html,
//                            the service worker, the manifest: revalidated
//                            with the ETag on every load);
//   security headers         a Content-Security-Policy that allows only the
//                            site itself (styles inline too: FullCalendar
//                            sets element styles), nosniff, no framing, no
//                            referrer.
// Without a built app (no directory, or no index.html in it), "/" answers a
// short HTML page saying how to build it, and other paths 404.
//
// Thread safety: immutable after Load; Serve may run on many threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace almanac::http {

class StaticSite {
 public:
  struct File {
    std::string content_type;
    std::string etag;  // quoted
    std::string body;
    std::string gzip;  // empty: not worth compressing
    bool immutable = false;
  };

  // Loads the tree under `root`. A missing directory is not an error (the
  // site is then empty and says so at "/"). Errors: kInvalidArgument when
  // `root` exists but is not a directory, or holds more than 5,000 files or
  // 64 MiB; kInternal when a file cannot be read.
  static Result<std::shared_ptr<const StaticSite>> Load(const std::string& root);

  // Answers a GET or HEAD for request.path() (see above).
  Response Serve(const Request& request) const;

  bool has_app() const { return files_.count("index.html") != 0; }
  const std::string& root() const { return root_; }
  // The file at `path` ("index.html", "assets/app-1a2b.js"), or nullptr.
  const File* Find(std::string_view path) const;
  // Every file's path, sorted.
  std::vector<std::string> FileNames() const;

 private:
  std::string root_;
  std::map<std::string, File, std::less<>> files_;
};

// Registers GET "/", each top-level file ("/index.html", "/sw.js") and
// "/<dir>/{path*}" for each top-level directory of `site` ("/assets/..."),
// all literal, so paths outside the site keep the router's own 404 and 405
// answers. The app routes in the URL fragment (#/week/...), so no other path
// needs index.html. A top-level name the router already has (api, dav,
// healthz, ...) is skipped. REQUIRES: `site` is not null.
void RegisterStaticSite(Router& router, std::shared_ptr<const StaticSite> site);

// The media type for a file name's extension ("application/octet-stream"
// when unknown).
std::string MediaTypeOf(std::string_view file_name);

}  // namespace almanac::http
