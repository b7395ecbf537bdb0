#include "http/auth.h"

#include <optional>
#include <string>

#include "core/crypto.h"

namespace almanac::http {

bool IsSafeMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PROPFIND" || m == "REPORT";
}

Result<domain::Principal> AuthenticateRequest(domain::AccountService& accounts,
                                              const Request& req, SessionUse sessions) {
  if (std::optional<std::string_view> auth = req.Header("Authorization")) {
    std::string_view a = *auth;
    if (a.size() > 7 && EqualsIgnoreCase(a.substr(0, 7), "Bearer ")) {
      return accounts.AuthenticateBearer(a.substr(7));
    }
    if (a.size() > 6 && EqualsIgnoreCase(a.substr(0, 6), "Basic ")) {
      Result<std::string> decoded = core::Base64Decode(a.substr(6));
      const std::size_t colon = decoded.ok() ? decoded->find(':') : std::string::npos;
      if (colon == std::string::npos) {
        return MakeError(Code::kUnauthenticated, "malformed Basic credentials");
      }
      return accounts.AuthenticateBasic(decoded->substr(0, colon), decoded->substr(colon + 1),
                                        req.remote_address());
    }
    return MakeError(Code::kUnauthenticated, "unsupported Authorization scheme");
  }
  if (sessions == SessionUse::kAllowed) {
    if (std::optional<std::string> cookie = req.Cookie(kSessionCookie)) {
      ALMANAC_ASSIGN_OR_RETURN(domain::SessionAuth auth, accounts.AuthenticateSession(*cookie));
      if (!IsSafeMethod(req.method())) {
        std::optional<std::string_view> csrf = req.Header("X-CSRF-Token");
        if (!csrf || !core::ConstantTimeEquals(*csrf, auth.csrf_token)) {
          return MakeError(Code::kPermissionDenied,
                           "missing or wrong X-CSRF-Token header for a session request");
        }
      }
      return auth.principal;
    }
    return MakeError(Code::kUnauthenticated, "sign in, or send a bearer token");
  }
  return MakeError(Code::kUnauthenticated, "send Basic credentials or a bearer token");
}

}  // namespace almanac::http
