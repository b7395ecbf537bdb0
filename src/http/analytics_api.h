// The REST routes of resource analytics (/api/v1/analytics/...;
// docs/analytics.md, documented in docs/openapi.json), registered by
// RegisterApi:
//   GET /api/v1/analytics/resources?from=&to=&period=week|month&type=&resource=
//   GET /api/v1/analytics/requesters?from=&to=&limit=&type=&resource=
// Each answers JSON, or CSV (RFC 4180, a header row, as an attachment) for
// `format=csv` or an Accept header preferring text/csv over
// application/json; `format=json` forces JSON.
//
// Thin handlers (STYLE.md): parse the query, call domain::AnalyticsService,
// render. Unknown or malformed parameters are 400 naming the parameter.
//
// Thread safety: the registered handlers are safe to call concurrently.
#pragma once

#include "domain/accounts.h"
#include "domain/analytics.h"
#include "http/router.h"

namespace almanac::http {

struct AnalyticsApiServices {
  domain::AccountService* accounts = nullptr;
  domain::AnalyticsService* analytics = nullptr;
};

// Adds the routes to `router`. The services must outlive it. Does nothing
// when services.analytics or services.accounts is null.
void RegisterAnalyticsApi(Router& router, const AnalyticsApiServices& services);

}  // namespace almanac::http
