// The CalDAV server (RFC 4791) with WebDAV (RFC 4918), sync-collection (RFC
// 6578), extended MKCOL (RFC 5689) and Apple's calendar-color, under /dav/
// on http's router, over the same calendars and events as the REST API.
//
// URL space (every segment URL-safe by construction):
//   /.well-known/caldav              301 to /dav/ (RFC 6764 §5)
//   /dav/                            the root: current-user-principal
//   /dav/principals/<user>/          the caller's principal
//   /dav/calendars/<user>/           the caller's calendar home
//   /dav/calendars/<user>/<cal>/     a calendar collection (DavService)
//   /dav/calendars/<user>/<cal>/<name>   a calendar object resource
// Authentication: HTTP Basic (or a bearer token) on every request but
// OPTIONS; 401 with WWW-Authenticate otherwise. A home or principal of
// another user is 403.
//
// Thread safety: the handlers are thread-safe.
#pragma once

#include <cstddef>

#include "core/clock.h"
#include "domain/accounts.h"
#include "domain/dav.h"
#include "domain/events.h"
#include "http/router.h"

namespace almanac::caldav {

struct CalDavServices {
  domain::AccountService* accounts = nullptr;
  domain::DavService* dav = nullptr;
  domain::EventService* events = nullptr;
  const core::Clock* clock = nullptr;
};

struct CalDavOptions {
  std::size_t max_xml_bytes = 1u << 20;  // PROPFIND/REPORT/PROPPATCH bodies
  // Responses of REPORT and PROPFIND on a collection are kept per calendar
  // version, caller and request (bytes, estimated), so a client polling an
  // unchanged calendar is answered without reading it again.
  std::size_t response_cache_bytes = 64u << 20;
};

// Adds the /.well-known/caldav and /dav/ routes. The services must outlive
// the router.
void RegisterCalDav(http::Router& router, const CalDavServices& services,
                    const CalDavOptions& options = {});

}  // namespace almanac::caldav
