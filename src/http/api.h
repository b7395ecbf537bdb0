// The REST API (/api/v1, JSON) and the public feeds (/feeds), on a Router.
//
// Handlers are thin (STYLE.md "Thin edges"): parse and check the JSON,
// authenticate, call one domain service, render. Authentication, in order:
// `Authorization: Bearer <token>`, `Authorization: Basic ...`, the
// `almanac_session` cookie (then a state-changing request also needs the
// session's CSRF token in `X-CSRF-Token`). Every answer that is not a
// success is an RFC 9457 problem (problem.h).
//
// Bodies: JSON endpoints take `application/json` up to ApiOptions::max_json_bytes
// and refuse unknown fields and wrong types (400, naming the field); the
// import endpoint takes `text/calendar`.
//
// The full surface is documented in docs/openapi.json, served at
// /api/v1/openapi.json.
//
// Thread safety: the registered handlers are safe to call concurrently.
#pragma once

#include <cstddef>
#include <string>

#include "core/clock.h"
#include "domain/accounts.h"
#include "domain/analytics.h"
#include "domain/calendars.h"
#include "domain/events.h"
#include "domain/leave.h"
#include "domain/resources.h"
#include "domain/store.h"
#include "http/router.h"

namespace almanac::http {

struct ApiServices {
  domain::Store* store = nullptr;  // for /healthz
  domain::AccountService* accounts = nullptr;
  domain::CalendarService* calendars = nullptr;
  domain::EventService* events = nullptr;
  const core::Clock* clock = nullptr;
  // Resources and bookings (resources_api.h); null: those routes are not served.
  domain::ResourceService* resources = nullptr;
  // Staff leave and the approvals inbox (leave_api.h); null: not served.
  domain::LeaveService* leave = nullptr;
  domain::ApprovalService* approvals = nullptr;
  // Resource analytics (analytics_api.h); null: those routes are not served.
  domain::AnalyticsService* analytics = nullptr;
};

struct ApiOptions {
  bool secure_cookies = false;  // add `Secure` to the session cookie (behind HTTPS)
  std::size_t max_json_bytes = 1u << 20;
  std::string openapi_json;  // the document served at /api/v1/openapi.json
};

// Adds every route of the API to `router`. The services must outlive it.
void RegisterApi(Router& router, const ApiServices& services, const ApiOptions& options);

}  // namespace almanac::http
