// The REST routes of staff leave and of the approvals inbox across types
// (/api/v1/leave..., /api/v1/approvals, /api/v1/approvals/bulk;
// docs/leave.md, documented in docs/openapi.json), registered by RegisterApi.
//
// Thin handlers (STYLE.md): parse and check the JSON and the query, call
// domain::LeaveService or domain::ApprovalService, render. Bodies are
// application/json and refuse unknown fields and wrong types (400 naming
// the field). Amounts are days (numbers in steps of 0.5). An overlapping
// request is a 409 problem with the extension member `overlapping`; a
// request the balance cannot hold a 422 problem with `balance`,
// `requested_days` and `year`. A bulk decision answers 200 with one result
// per item: its new status, or its problem.
//
// Thread safety: the registered handlers are safe to call concurrently.
#pragma once

#include <cstddef>

#include "core/clock.h"
#include "domain/accounts.h"
#include "domain/leave.h"
#include "http/router.h"

namespace almanac::http {

struct LeaveApiServices {
  domain::AccountService* accounts = nullptr;
  domain::LeaveService* leave = nullptr;
  domain::ApprovalService* approvals = nullptr;
  const core::Clock* clock = nullptr;  // the default year of balances
  std::size_t max_json_bytes = 1u << 20;
};

// Adds the routes to `router`. The services must outlive it. Does nothing
// when leave, approvals, accounts or clock is null (a server wired without
// leave).
void RegisterLeaveApi(Router& router, const LeaveApiServices& services);

}  // namespace almanac::http
