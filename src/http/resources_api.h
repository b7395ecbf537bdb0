// The REST routes of resources and bookings (/api/v1/resources,
// /api/v1/bookings; docs/resources.md, documented in docs/openapi.json),
// registered by RegisterApi. The approvals inbox across bookings and leave
// is in leave_api.h.
//
// Thin handlers (STYLE.md): parse and check the JSON and the query, call
// domain::ResourceService, render. Bodies are application/json and refuse
// unknown fields and wrong types (400 naming the field). A booking clash is
// a 409 problem with the extension members `clashes` and `free_slots`.
//
// Thread safety: the registered handlers are safe to call concurrently.
#pragma once

#include <cstddef>

#include "domain/accounts.h"
#include "domain/resources.h"
#include "http/router.h"

namespace almanac::http {

struct ResourceApiServices {
  domain::AccountService* accounts = nullptr;
  domain::ResourceService* resources = nullptr;
  std::size_t max_json_bytes = 1u << 20;
};

// Adds the routes to `router`. The services must outlive it. Does nothing
// when services.resources is null (a server wired without resources).
void RegisterResourceApi(Router& router, const ResourceApiServices& services);

}  // namespace almanac::http
