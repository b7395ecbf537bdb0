// Who is calling: the credentials of a request checked against the
// accounts (DESIGN.md "Security model"). Shared by the REST API and CalDAV.
//
// Thread safety: thread-safe; blocks on the store.
#pragma once

#include <string_view>

#include "core/result.h"
#include "domain/accounts.h"
#include "domain/model.h"
#include "http/request.h"

namespace almanac::http {

// The name of the web session cookie.
inline constexpr std::string_view kSessionCookie = "almanac_session";

enum class SessionUse {
  kAllowed,     // the REST API: a session cookie (with X-CSRF-Token on unsafe methods)
  kNotAllowed,  // CalDAV: Basic or Bearer only (no cookie, so no CSRF exposure)
};

// The principal of `req`'s Authorization header (Bearer token or Basic
// username:password), or of its session cookie when `sessions` allows.
// Errors: kUnauthenticated (no or bad credentials; message says which);
// kPermissionDenied for a session request without its CSRF token;
// kRateLimited after too many wrong passwords.
Result<domain::Principal> AuthenticateRequest(domain::AccountService& accounts,
                                              const Request& req, SessionUse sessions);

// True for methods that change nothing (no CSRF check).
bool IsSafeMethod(std::string_view method);

}  // namespace almanac::http
