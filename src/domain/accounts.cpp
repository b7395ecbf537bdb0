#include "domain/accounts.h"

#include <fmt/format.h>

#include "core/time_zone.h"
#include "domain/access.h"
#include "domain/leave.h"

namespace almanac::domain {
namespace {

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }

Error BadCredentials() {
  return MakeError(Code::kUnauthenticated, "wrong username or password");
}

bool ValidSlug(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool ValidUsername(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '_' || c == '@' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool ValidEmail(std::string_view s) {
  const std::size_t at = s.find('@');
  if (s.size() > 254 || at == 0 || at == std::string_view::npos || at + 1 >= s.size()) {
    return false;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>' || c == ',' ||
        c == ';' || c == ':' || c == '\\') {
      return false;
    }
  }
  return true;
}

core::RateLimitPolicy AddressPolicy(const core::RateLimitPolicy& per_user) {
  // An office behind one address has many users: allow six times as many.
  core::RateLimitPolicy p = per_user;
  p.burst *= 6;
  p.refill_per_minute *= 6;
  return p;
}

Error Limited(std::chrono::milliseconds wait) {
  const auto seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
  return MakeError(Code::kRateLimited,
                   fmt::format("too many login attempts: try again in {} seconds", seconds));
}

}  // namespace

Principal PrincipalOf(const User& user) {
  Principal p;
  p.user_id = user.id;
  p.org_id = user.org_id;
  p.username = user.username;
  p.role = user.role;
  return p;
}

AccountService::AccountService(Store& store, const core::Clock& clock, AccountOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      user_limiter_(std::make_unique<core::RateLimiter>(clock, options_.login_policy)),
      address_limiter_(
          std::make_unique<core::RateLimiter>(clock, AddressPolicy(options_.login_policy))) {}

Result<Organisation> AccountService::CreateOrganisation(std::string_view slug,
                                                        std::string_view name) {
  if (!ValidSlug(slug)) {
    return Invalid("organisation slug must be 1-63 of a-z, 0-9 and '-', not starting with '-'");
  }
  if (name.empty() || name.size() > 200) return Invalid("organisation name must be 1-200 bytes");
  Organisation org;
  org.slug = std::string(slug);
  org.name = std::string(name);
  org.created_at = clock_.Now();
  Status s = store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(org.id, tx.InsertOrganisation(org));
    // The modules every organisation starts with; admins add and recolour.
    const Module defaults[] = {{"coordination", "Coordination", "#3b82f6"},
                               {"staff", "Staff", "#10b981"},
                               {"planning", "Planning", "#f59e0b"},
                               {"community", "Community", "#8b5cf6"},
                               {"resources", "Resources", "#ef4444"}};
    for (const Module& m : defaults) {
      ALMANAC_RETURN_IF_ERROR(tx.PutModule(org.id, m));
    }
    for (const LeaveType& t : BuiltinLeaveTypes(org.id, org.created_at)) {
      ALMANAC_RETURN_IF_ERROR(tx.InsertLeaveType(t).status());
    }
    return OkStatus();
  });
  if (!s.ok()) {
    if (s.error().code == Code::kAlreadyExists) {
      return MakeError(Code::kAlreadyExists,
                       fmt::format("an organisation with slug \"{}\" exists", org.slug));
    }
    return s.error();
  }
  return org;
}

Result<Organisation> AccountService::FindOrganisation(std::string_view slug) {
  Organisation org;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(org, tx.GetOrganisationBySlug(slug));
    return OkStatus();
  }));
  return org;
}

Result<User> AccountService::InsertUser(Id org_id, const NewUser& n) {
  if (!ValidUsername(n.username)) {
    return Invalid("username must be 1-64 of letters, digits and . _ @ -");
  }
  if (!ValidEmail(n.email)) return Invalid("email is not an e-mail address");
  if (n.display_name.size() > 200) return Invalid("display name is longer than 200 bytes");
  if (!n.password.empty() && (n.password.size() < 8 || n.password.size() > 1024)) {
    return Invalid("password must be 8-1024 bytes");
  }
  const std::string tz = n.timezone.empty() ? "UTC" : n.timezone;
  if (tz != "UTC" && !core::FindIanaZone(tz).ok()) {
    return Invalid(fmt::format("unknown time zone \"{}\"", tz));
  }
  if (n.team.size() > 100) return Invalid("team is longer than 100 bytes");
  User user;
  user.org_id = org_id;
  user.username = n.username;
  user.email = n.email;
  user.display_name = n.display_name.empty() ? n.username : n.display_name;
  user.role = n.role;
  user.timezone = tz;
  user.manager_id = n.manager_id;
  user.team = n.team;
  user.created_at = clock_.Now();
  if (!n.password.empty()) {
    ALMANAC_ASSIGN_OR_RETURN(user.password_hash,
                             core::HashPassword(n.password, options_.password_params));
  }
  Status s = store_.Write([&](StoreTx& tx) -> Status {
    if (user.manager_id) {
      Result<User> manager = tx.GetUser(org_id, *user.manager_id);
      if (!manager.ok()) {
        if (manager.error().code != Code::kNotFound) return manager.status();
        return Invalid(fmt::format("manager_id: no user {} in the organisation", *user.manager_id));
      }
    }
    ALMANAC_ASSIGN_OR_RETURN(user.id, tx.InsertUser(user));
    return OkStatus();
  });
  if (!s.ok()) {
    if (s.error().code == Code::kAlreadyExists) {
      return MakeError(Code::kAlreadyExists,
                       fmt::format("the username \"{}\" is taken", user.username));
    }
    return s.error();
  }
  return user;
}

Result<User> AccountService::CreateUser(std::string_view org_slug, const NewUser& n) {
  ALMANAC_ASSIGN_OR_RETURN(Organisation org, FindOrganisation(org_slug));
  return InsertUser(org.id, n);
}

Result<User> AccountService::CreateUserAsAdmin(const Principal& caller, const NewUser& n) {
  if (caller.role != Role::kAdmin) {
    return MakeError(Code::kPermissionDenied, "only an admin can add users");
  }
  return InsertUser(caller.org_id, n);
}

Result<CreatedToken> AccountService::CreateApiTokenFor(std::string_view username,
                                                       std::string_view name) {
  User user;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(user, tx.GetUserByUsername(username));
    return OkStatus();
  }));
  return CreateApiToken(PrincipalOf(user), name);
}

Result<Principal> AccountService::CheckPassword(std::string_view username,
                                                std::string_view password,
                                                std::string_view remote_address) {
  const std::string user_key = fmt::format("user:{}", username);
  const std::string addr_key = fmt::format("addr:{}", remote_address);
  const auto wait = std::max(user_limiter_->RetryAfter(user_key),
                             address_limiter_->RetryAfter(addr_key));
  if (wait.count() > 0) return Limited(wait);
  std::optional<User> user;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    Result<User> u = tx.GetUserByUsername(username);
    if (u.ok()) {
      user = std::move(u).value();
    } else if (u.error().code != Code::kNotFound) {
      return u.status();
    }
    return OkStatus();
  }));
  bool ok = false;
  if (user && !user->disabled && !user->password_hash.empty()) {
    ALMANAC_ASSIGN_OR_RETURN(ok, core::VerifyPassword(password, user->password_hash));
  } else {
    // Spend the same time as a real check so timing does not reveal names.
    static const std::string kDummy = [] {
      Result<std::string> h = core::HashPassword("not-a-real-password");
      return h.ok() ? *h : std::string();
    }();
    if (!kDummy.empty()) (void)core::VerifyPassword(password, kDummy);
  }
  if (!ok) {
    user_limiter_->Check(user_key);
    address_limiter_->Check(addr_key);
    return BadCredentials();
  }
  user_limiter_->Reset(user_key);
  return PrincipalOf(*user);
}

Result<LoginResult> AccountService::Login(std::string_view username, std::string_view password,
                                          std::string_view remote_address) {
  ALMANAC_ASSIGN_OR_RETURN(Principal principal, CheckPassword(username, password, remote_address));
  LoginResult out;
  out.principal = principal;
  ALMANAC_ASSIGN_OR_RETURN(out.session_token, core::RandomToken());
  ALMANAC_ASSIGN_OR_RETURN(out.csrf_token, core::RandomToken());
  SessionRecord rec;
  rec.token_hash = core::Sha256Hex(out.session_token);
  rec.user_id = principal.user_id;
  rec.org_id = principal.org_id;
  rec.csrf_token = out.csrf_token;
  rec.created_at = clock_.Now();
  rec.expires_at = rec.created_at + options_.session_seconds;
  out.expires_at = rec.expires_at;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_RETURN_IF_ERROR(tx.DeleteExpiredSessions(rec.created_at));
    return tx.InsertSession(rec);
  }));
  return out;
}

Result<SessionAuth> AccountService::AuthenticateSession(std::string_view token) {
  if (token.empty() || token.size() > 128) {
    return MakeError(Code::kUnauthenticated, "the session has ended: sign in again");
  }
  SessionAuth out;
  Status s = store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(SessionRecord rec,
                             tx.GetSession(core::Sha256Hex(token), clock_.Now()));
    ALMANAC_ASSIGN_OR_RETURN(User user, tx.GetUser(rec.org_id, rec.user_id));
    if (user.disabled) return MakeError(Code::kNotFound, "disabled");
    out.principal = PrincipalOf(user);
    out.csrf_token = rec.csrf_token;
    out.expires_at = rec.expires_at;
    return OkStatus();
  });
  if (!s.ok()) {
    if (s.error().code == Code::kNotFound) {
      return MakeError(Code::kUnauthenticated, "the session has ended: sign in again");
    }
    return s.error();
  }
  return out;
}

Status AccountService::Logout(std::string_view token) {
  return store_.Write(
      [&](StoreTx& tx) -> Status { return tx.DeleteSession(core::Sha256Hex(token)); });
}

Result<Principal> AccountService::AuthenticateBearer(std::string_view token) {
  if (token.empty() || token.size() > 128) {
    return MakeError(Code::kUnauthenticated, "unknown or revoked API token");
  }
  Principal out;
  std::optional<Id> touch;
  const core::Instant now = clock_.Now();
  Status s = store_.ReadStatement([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(auto found, tx.GetApiTokenWithUser(core::Sha256Hex(token)));
    const auto& [rec, user] = found;
    if (rec.revoked_at) return MakeError(Code::kNotFound, "revoked");
    if (user.disabled) return MakeError(Code::kNotFound, "disabled");
    out = PrincipalOf(user);
    // Record use at most once a minute: a write per request would cost more
    // than the request.
    if (!rec.last_used_at || now - *rec.last_used_at >= 60) touch = rec.id;
    return OkStatus();
  });
  if (!s.ok()) {
    if (s.error().code == Code::kNotFound) {
      return MakeError(Code::kUnauthenticated, "unknown or revoked API token");
    }
    return s.error();
  }
  if (touch) {
    (void)store_.Write([&](StoreTx& tx) -> Status { return tx.TouchApiToken(*touch, now); });
  }
  return out;
}

Result<Principal> AccountService::AuthenticateBasic(std::string_view username,
                                                    std::string_view password,
                                                    std::string_view remote_address) {
  const std::string key = core::Sha256(fmt::format("{}\n{}", username, password));
  const auto steady = clock_.Steady();
  std::optional<BasicEntry> cached;
  {
    std::lock_guard<std::mutex> lock(basic_mu_);
    auto it = basic_cache_.find(key);
    if (it != basic_cache_.end()) {
      if (it->second.expires > steady) {
        cached = it->second;
      } else {
        basic_cache_.erase(it);
      }
    }
  }
  if (cached) {
    // Still the same password and account state?
    std::optional<User> user;
    ALMANAC_RETURN_IF_ERROR(store_.ReadStatement([&](StoreTx& tx) -> Status {
      Result<User> u = tx.GetUser(cached->principal.org_id, cached->principal.user_id);
      if (u.ok()) user = std::move(u).value();
      return OkStatus();
    }));
    if (user && !user->disabled && user->password_hash == cached->password_hash) {
      return PrincipalOf(*user);
    }
    std::lock_guard<std::mutex> lock(basic_mu_);
    basic_cache_.erase(key);
  }
  ALMANAC_ASSIGN_OR_RETURN(Principal p, CheckPassword(username, password, remote_address));
  std::string hash;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(User u, tx.GetUser(p.org_id, p.user_id));
    hash = u.password_hash;
    return OkStatus();
  }));
  std::lock_guard<std::mutex> lock(basic_mu_);
  if (basic_cache_.size() > 10'000) basic_cache_.clear();
  basic_cache_[key] =
      BasicEntry{p, hash, steady + std::chrono::seconds(options_.basic_cache_seconds)};
  return p;
}

Result<CreatedToken> AccountService::CreateApiToken(const Principal& caller,
                                                    std::string_view name) {
  if (name.size() > 200) return Invalid("token name is longer than 200 bytes");
  CreatedToken out;
  ALMANAC_ASSIGN_OR_RETURN(out.token, core::RandomToken());
  out.token = "alm_" + out.token;
  out.record.org_id = caller.org_id;
  out.record.user_id = caller.user_id;
  out.record.name = name.empty() ? "token" : std::string(name);
  out.record.token_hash = core::Sha256Hex(out.token);
  out.record.created_at = clock_.Now();
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(out.record.id, tx.InsertApiToken(out.record));
    return OkStatus();
  }));
  return out;
}

Result<std::vector<ApiTokenRecord>> AccountService::ListApiTokens(const Principal& caller) {
  std::vector<ApiTokenRecord> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(out, tx.ListApiTokens(caller.org_id, caller.user_id));
    return OkStatus();
  }));
  return out;
}

Status AccountService::RevokeApiToken(const Principal& caller, Id token_id) {
  return store_.Write([&](StoreTx& tx) -> Status {
    if (caller.role != Role::kAdmin) {
      ALMANAC_ASSIGN_OR_RETURN(std::vector<ApiTokenRecord> mine,
                               tx.ListApiTokens(caller.org_id, caller.user_id));
      bool found = false;
      for (const ApiTokenRecord& t : mine) found = found || t.id == token_id;
      if (!found) return MakeError(Code::kNotFound, "no such token");
    }
    return tx.RevokeApiToken(caller.org_id, token_id, clock_.Now());
  });
}

Result<std::vector<User>> AccountService::ListUsers(const Principal& caller) {
  std::vector<User> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(out, tx.ListUsers(caller.org_id));
    return OkStatus();
  }));
  for (User& u : out) u.password_hash.clear();
  return out;
}

Result<User> AccountService::GetUser(const Principal& caller, Id user_id) {
  User out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(out, tx.GetUser(caller.org_id, user_id));
    return OkStatus();
  }));
  out.password_hash.clear();
  return out;
}

Result<User> AccountService::UpdateUser(const Principal& caller, Id user_id,
                                        const UserChange& change) {
  if (caller.role != Role::kAdmin) {
    return MakeError(Code::kPermissionDenied, "only an admin can change users");
  }
  if (change.display_name && change.display_name->size() > 200) {
    return Invalid("display name is longer than 200 bytes");
  }
  if (change.timezone && *change.timezone != "UTC" && !core::FindIanaZone(*change.timezone).ok()) {
    return Invalid(fmt::format("unknown time zone \"{}\"", *change.timezone));
  }
  if (change.team && change.team->size() > 100) return Invalid("team is longer than 100 bytes");
  User out;
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(out, tx.GetUser(caller.org_id, user_id));
    if (change.display_name) {
      out.display_name = change.display_name->empty() ? out.username : *change.display_name;
    }
    if (change.timezone) out.timezone = *change.timezone;
    if (change.team) out.team = *change.team;
    if (change.manager_id) {
      out.manager_id = *change.manager_id;
      // Walk up from the new manager: reaching the user again is a cycle.
      std::optional<Id> next = out.manager_id;
      for (int depth = 0; next; ++depth) {
        if (*next == out.id) {
          return Invalid(depth == 0 ? "manager_id: a user cannot manage themself"
                                    : "manager_id: that would make a cycle of managers");
        }
        if (depth > 1000) return Invalid("manager_id: the chain of managers is too long");
        Result<User> m = tx.GetUser(caller.org_id, *next);
        if (!m.ok()) {
          if (m.error().code != Code::kNotFound) return m.status();
          return Invalid(fmt::format("manager_id: no user {} in the organisation", *next));
        }
        next = m->manager_id;
      }
    }
    return tx.UpdateUser(out);
  }));
  out.password_hash.clear();
  return out;
}

void AccountService::ResetLoginLimitsForTest() {
  user_limiter_ = std::make_unique<core::RateLimiter>(clock_, options_.login_policy);
  address_limiter_ =
      std::make_unique<core::RateLimiter>(clock_, AddressPolicy(options_.login_policy));
}

}  // namespace almanac::domain
