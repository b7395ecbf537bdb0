// Organisations, users, and how callers prove who they are: password login
// into a web session (cookie + CSRF token), API bearer tokens, and HTTP
// Basic for CalDAV clients (DESIGN.md "Security model").
//
// Secrets are never stored: sessions and tokens are 256-bit random values
// kept as SHA-256 hashes; passwords as argon2id PHC strings. Login attempts
// (session and Basic) are rate-limited per username and per client address.
// A Basic login that succeeded is remembered for a few minutes (keyed by a
// hash of the credentials and checked against the stored password hash), so
// a CalDAV client's every request does not pay for argon2.
//
// Thread safety: thread-safe. Methods block on the store and on argon2.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/rate_limiter.h"
#include "core/result.h"
#include "domain/model.h"
#include "domain/store.h"

namespace almanac::domain {

struct AccountOptions {
  std::int64_t session_seconds = 12 * 3600;
  core::PasswordHashParams password_params;
  core::RateLimitPolicy login_policy;  // per username and per address
  std::int64_t basic_cache_seconds = 300;
};

struct NewUser {
  std::string username;
  std::string email;
  std::string display_name;
  Role role = Role::kMember;
  std::string password;  // empty: no password login
  std::string timezone = "UTC";
  std::optional<Id> manager_id;  // a user of the same organisation (leave.h)
  std::string team;              // at most 100 bytes
};

// A change of a user by an admin: set fields replace, absent ones keep.
struct UserChange {
  std::optional<std::string> display_name;
  std::optional<std::string> timezone;
  // absent = keep; null = no manager; value = that user of the same
  // organisation (not the user, and not one the user manages, directly or
  // not).
  std::optional<std::optional<Id>> manager_id;
  std::optional<std::string> team;
};

struct LoginResult {
  std::string session_token;  // the cookie value; shown once
  std::string csrf_token;
  Principal principal;
  core::Instant expires_at;
};

struct SessionAuth {
  Principal principal;
  std::string csrf_token;
  core::Instant expires_at;
};

struct CreatedToken {
  ApiTokenRecord record;
  std::string token;  // the secret; shown once
};

class AccountService {
 public:
  // `store`, `clock` must outlive the service.
  AccountService(Store& store, const core::Clock& clock, AccountOptions options = {});

  // Operator commands (no caller): the CLI has the database itself.
  // Errors: kInvalidArgument for a slug outside [a-z0-9-]{1,63} or an empty
  // name; kAlreadyExists when the slug is taken.
  Result<Organisation> CreateOrganisation(std::string_view slug, std::string_view name);
  // Errors: kNotFound for an unknown organisation; kInvalidArgument for a
  // bad username ([A-Za-z0-9._@-]{1,64}), e-mail, time zone or password
  // (8..1024 bytes); kAlreadyExists when the username is taken.
  Result<User> CreateUser(std::string_view org_slug, const NewUser& user);
  // Errors: kNotFound for an unknown user.
  Result<CreatedToken> CreateApiTokenFor(std::string_view username, std::string_view name);
  Result<Organisation> FindOrganisation(std::string_view slug);

  // Callers.
  // Errors: kUnauthenticated (one message for unknown user, wrong password
  // and disabled account); kRateLimited after too many attempts for the user
  // or from the address (the message says when to retry).
  Result<LoginResult> Login(std::string_view username, std::string_view password,
                            std::string_view remote_address);
  // Errors: kUnauthenticated for an unknown or expired session.
  Result<SessionAuth> AuthenticateSession(std::string_view session_token);
  Status Logout(std::string_view session_token);
  // Errors: kUnauthenticated for an unknown or revoked token.
  Result<Principal> AuthenticateBearer(std::string_view token);
  // As Login, without a session.
  Result<Principal> AuthenticateBasic(std::string_view username, std::string_view password,
                                      std::string_view remote_address);

  // Tokens of the caller. Errors: kInvalidArgument for an empty or long name.
  Result<CreatedToken> CreateApiToken(const Principal& caller, std::string_view name);
  Result<std::vector<ApiTokenRecord>> ListApiTokens(const Principal& caller);
  // Errors: kNotFound (also for another user's token unless caller is admin
  // of the same organisation).
  Status RevokeApiToken(const Principal& caller, Id token_id);

  // Users of the caller's organisation.
  Result<std::vector<User>> ListUsers(const Principal& caller);
  // Errors: kNotFound.
  Result<User> GetUser(const Principal& caller, Id user_id);
  // Admins only. Errors: kPermissionDenied; as CreateUser; kInvalidArgument
  // for a manager_id that is no user of the organisation or a team over
  // 100 bytes.
  Result<User> CreateUserAsAdmin(const Principal& caller, const NewUser& user);
  // Admins only: display name, time zone, manager and team. Errors:
  // kPermissionDenied; kNotFound; kInvalidArgument naming the field (a
  // manager of another organisation, the user themself, or one making a
  // cycle of managers).
  Result<User> UpdateUser(const Principal& caller, Id user_id, const UserChange& change);

  // The rate limiter's key for the login of `username` (tests reset it).
  void ResetLoginLimitsForTest();

 private:
  Result<Principal> CheckPassword(std::string_view username, std::string_view password,
                                  std::string_view remote_address);
  Result<User> InsertUser(Id org_id, const NewUser& user);

  Store& store_;
  const core::Clock& clock_;
  AccountOptions options_;
  std::unique_ptr<core::RateLimiter> user_limiter_;
  std::unique_ptr<core::RateLimiter> address_limiter_;

  struct BasicEntry {
    Principal principal;
    std::string password_hash;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex basic_mu_;
  std::unordered_map<std::string, BasicEntry> basic_cache_;  // key: SHA-256 of credentials
};

Principal PrincipalOf(const User& user);

}  // namespace almanac::domain
