#include "http/api.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "domain/event_fields.h"
#include "domain/series_edit.h"
#include "http/auth.h"
#include "http/internal/json_writer.h"
#include "http/internal/rest.h"
#include "http/problem.h"
#include "http/analytics_api.h"
#include "http/leave_api.h"
#include "http/resources_api.h"

namespace almanac::http {
namespace {

using json = nlohmann::json;
using domain::Id;
using domain::Principal;

Error Invalid(std::string message) { return internal::BadField(std::move(message)); }

using internal::Fail;
using internal::JsonOk;
using internal::Unauthenticated;
using Fields = internal::JsonFields;

std::string Rfc3339(core::Instant t) { return domain::FormatRfc3339(t, 0); }

// ---- reading request bodies ------------------------------------------------

Result<domain::EventChange> ReadEventChange(const json& body) {
  Fields f(body);
  domain::EventChange c;
  ALMANAC_RETURN_IF_ERROR(f.String("title", &c.title, 1024));
  ALMANAC_RETURN_IF_ERROR(f.NullableString("location", &c.location));
  ALMANAC_RETURN_IF_ERROR(f.NullableString("description", &c.description));
  ALMANAC_RETURN_IF_ERROR(f.Time("start", &c.start));
  ALMANAC_RETURN_IF_ERROR(f.Time("end", &c.end));
  ALMANAC_RETURN_IF_ERROR(f.String("timezone", &c.timezone, 64));
  ALMANAC_RETURN_IF_ERROR(f.Bool("all_day", &c.all_day));
  ALMANAC_RETURN_IF_ERROR(f.NullableString("rrule", &c.rrule));
  ALMANAC_RETURN_IF_ERROR(f.TimeList("rdates", &c.rdates));
  ALMANAC_RETURN_IF_ERROR(f.TimeList("exdates", &c.exdates));
  ALMANAC_RETURN_IF_ERROR(f.String("status", &c.status, 32));
  ALMANAC_RETURN_IF_ERROR(f.Int("priority", &c.priority));
  ALMANAC_RETURN_IF_ERROR(f.String("visibility", &c.visibility, 32));
  ALMANAC_RETURN_IF_ERROR(f.StringList("categories", &c.categories));
  if (const json* a = f.Get("attendees")) {
    if (!a->is_array()) return Invalid("attendees must be an array of objects");
    std::vector<domain::Attendee> list;
    for (const json& item : *a) {
      if (!item.is_object()) return Invalid("attendees must be an array of objects");
      Fields af(item);
      std::optional<std::string> email, name, role, status;
      ALMANAC_RETURN_IF_ERROR(af.String("email", &email, 254));
      ALMANAC_RETURN_IF_ERROR(af.String("name", &name, 256));
      ALMANAC_RETURN_IF_ERROR(af.String("role", &role, 32));
      ALMANAC_RETURN_IF_ERROR(af.String("status", &status, 32));
      Status unknown = af.NoOthers();
      if (!unknown.ok()) return Invalid("attendees: " + unknown.error().message);
      if (!email) return Invalid("attendees: every attendee needs an email");
      list.push_back(domain::Attendee{*email, name.value_or(""), role.value_or("required"),
                                      status.value_or("needs-action")});
    }
    c.attendees = std::move(list);
  }
  ALMANAC_RETURN_IF_ERROR(f.NoOthers());
  return c;
}

Result<domain::CalendarChange> ReadCalendarChange(const json& body, bool creating) {
  Fields f(body);
  domain::CalendarChange c;
  ALMANAC_RETURN_IF_ERROR(f.String("name", &c.name, 200));
  ALMANAC_RETURN_IF_ERROR(f.String("color", &c.color, 7));
  ALMANAC_RETURN_IF_ERROR(f.String("module", &c.module, 32));
  ALMANAC_RETURN_IF_ERROR(f.String("timezone", &c.timezone, 64));
  ALMANAC_RETURN_IF_ERROR(f.String("description", &c.description));
  if (creating) {
    std::optional<std::string> owner;
    ALMANAC_RETURN_IF_ERROR(f.String("owner", &owner, 16));
    if (owner && *owner != "me" && *owner != "organisation") {
      return Invalid("owner must be \"me\" or \"organisation\"");
    }
    c.organisation_owned = owner == "organisation";
    if (!c.name) return Invalid("name is required");
  }
  if (const json* shares = f.Get("shares")) {
    if (!shares->is_array()) return Invalid("shares must be an array");
    std::vector<domain::CalendarShare> list;
    for (const json& item : *shares) {
      if (!item.is_object()) return Invalid("shares must be an array of objects");
      Fields sf(item);
      domain::CalendarShare s;
      std::optional<int> user;
      std::optional<std::string> role, level;
      ALMANAC_RETURN_IF_ERROR(sf.Int("user_id", &user));
      ALMANAC_RETURN_IF_ERROR(sf.String("role", &role, 16));
      ALMANAC_RETURN_IF_ERROR(sf.String("level", &level, 16));
      Status unknown = sf.NoOthers();
      if (!unknown.ok()) return Invalid("shares: " + unknown.error().message);
      if (user.has_value() == role.has_value()) {
        return Invalid("shares: each share names either user_id or role");
      }
      if (user) s.user_id = *user;
      if (role) {
        s.role = domain::RoleFromName(*role);
        if (!s.role) return Invalid("shares: role must be admin, manager, member or viewer");
      }
      std::optional<domain::ShareLevel> lv = domain::ShareLevelFromName(level.value_or("viewer"));
      if (!lv) return Invalid("shares: level must be viewer or editor");
      s.level = *lv;
      list.push_back(s);
    }
    c.shares = std::move(list);
  }
  ALMANAC_RETURN_IF_ERROR(f.NoOthers());
  return c;
}

// ---- rendering ---------------------------------------------------------------

json UserJson(const domain::User& u) {
  return json{{"id", u.id},
              {"username", u.username},
              {"email", u.email},
              {"display_name", u.display_name},
              {"role", domain::RoleName(u.role)},
              {"timezone", u.timezone},
              {"disabled", u.disabled},
              {"manager_id", u.manager_id ? json(*u.manager_id) : json(nullptr)},
              {"team", u.team}};
}

// manager_id: absent, null, or a positive user id.
Status ReadManagerId(Fields& f, std::optional<std::optional<Id>>* out) {
  const json* v = f.Get("manager_id");
  if (v == nullptr) return OkStatus();
  if (v->is_null()) {
    *out = std::optional<Id>();
    return OkStatus();
  }
  if (!v->is_number_integer() || v->get<std::int64_t>() < 1) {
    return Invalid("manager_id must be a user id or null");
  }
  *out = std::optional<Id>(v->get<Id>());
  return OkStatus();
}

json CalendarJson(const domain::CalendarWithAccess& c) {
  json shares = json::array();
  for (const domain::CalendarShare& s : c.calendar.shares) {
    json j{{"level", domain::ShareLevelName(s.level)}};
    if (s.user_id) j["user_id"] = *s.user_id;
    if (s.role) j["role"] = domain::RoleName(*s.role);
    shares.push_back(std::move(j));
  }
  json out{{"id", c.calendar.id},
           {"name", c.calendar.name},
           {"color", c.calendar.color.empty() ? c.module_color : c.calendar.color},
           {"module", c.calendar.module},
           {"module_color", c.module_color},
           {"timezone", c.calendar.timezone},
           {"description", c.calendar.description},
           {"owner", c.calendar.owner_user_id ? json(*c.calendar.owner_user_id) : json(nullptr)},
           {"access", domain::AccessName(c.access)},
           {"version", c.calendar.version},
           {"created_at", Rfc3339(c.calendar.created_at)},
           {"updated_at", Rfc3339(c.calendar.updated_at)}};
  if (c.access == domain::Access::kOwner) out["shares"] = std::move(shares);
  return out;
}

json AttendeesJson(const std::vector<domain::Attendee>& attendees) {
  json out = json::array();
  for (const domain::Attendee& a : attendees) {
    out.push_back(
        json{{"email", a.email}, {"name", a.name}, {"role", a.role}, {"status", a.status}});
  }
  return out;
}

json ViewJson(const domain::EventView& v) {
  json out{{"title", v.title},
           {"start", v.start},
           {"end", v.end},
           {"timezone", v.timezone},
           {"all_day", v.all_day},
           {"location", v.location},
           {"description", v.description},
           {"status", v.status},
           {"priority", v.priority},
           {"visibility", v.visibility},
           {"categories", v.categories},
           {"attendees", AttendeesJson(v.attendees)},
           {"sequence", v.sequence}};
  if (!v.recurrence_id.empty()) {
    out["recurrence_id"] = v.recurrence_id;
  } else {
    out["rrule"] = v.rrule.empty() ? json(nullptr) : json(v.rrule);
    out["rdates"] = v.rdates;
    out["exdates"] = v.exdates;
  }
  return out;
}

json EventJson(const domain::EventDetails& d) {
  json out = ViewJson(d.master);
  out["id"] = d.ref.id;
  out["uid"] = d.ref.uid;
  out["calendar_id"] = d.ref.calendar_id;
  out["etag"] = d.ref.etag;
  out["recurring"] = d.recurring;
  out["busy_only"] = d.busy_only;
  out["created_at"] = Rfc3339(d.created_at);
  out["updated_at"] = Rfc3339(d.updated_at);
  json overrides = json::array();
  for (const domain::EventView& v : d.overrides) overrides.push_back(ViewJson(v));
  out["overrides"] = std::move(overrides);
  return out;
}

json RefJson(const domain::EventRef& r) {
  return json{{"id", r.id}, {"uid", r.uid}, {"etag", r.etag}, {"calendar_id", r.calendar_id}};
}

// The instance list is the hot response (every calendar view): written
// with the streaming writer, not a DOM.
void InstanceJson(internal::JsonWriter& w, const domain::InstanceItem& i) {
  const domain::InstanceDetails& d = *i.details;
  w.BeginObject();
  w.Member("event_id", i.event_id);
  w.Member("calendar_id", i.calendar_id);
  w.Member("uid", d.uid);
  w.Member("etag", d.etag);
  w.Key("recurrence_id");
  if (i.recurrence_id.empty()) {
    w.Null();
  } else {
    w.String(i.recurrence_id);
  }
  w.Member("title", d.title);
  w.Member("start", i.start);
  w.Member("end", i.end);
  w.Member("timezone", i.timezone);
  w.Member("all_day", i.all_day);
  w.Member("recurring", d.recurring);
  w.Member("overridden", i.overridden);
  w.Member("busy_only", i.busy_only);
  w.Member("status", d.status);
  w.Member("visibility", d.visibility);
  w.Member("module", i.module);
  w.Member("color", i.color);
  if (!i.busy_only) {
    w.Member("location", d.location);
    w.Member("description", d.description);
    w.Member("priority", d.priority);
    w.Key("categories");
    w.BeginArray();
    for (const std::string& c : d.categories) w.String(c);
    w.EndArray();
    w.Key("organizer");
    if (d.organizer_email.empty()) {
      w.Null();
    } else {
      w.BeginObject();
      w.Member("email", d.organizer_email);
      w.Member("name", d.organizer_name);
      w.EndObject();
    }
  }
  w.EndObject();
}

// A run's items as JSON objects separated by commas, rendered once per run.
domain::RenderedRun RenderRun(const domain::InstanceRun& run) {
  domain::RenderedRun out;
  out.text.reserve(run.items.size() * 480);
  out.ends.reserve(run.items.size());
  for (const domain::InstanceItem& i : run.items) {
    if (!out.ends.empty()) out.text.push_back(',');
    internal::JsonWriter w(&out.text);
    InstanceJson(w, i);
    out.ends.push_back(out.text.size());
  }
  return out;
}

// {"items":[...],"truncated":bool}: consecutive items of one run are copied
// as one block of its cached rendering.
std::string InstancesJson(const domain::InstanceList& list) {
  std::string out = "{\"items\":[";
  const domain::InstanceRun* block_run = nullptr;
  std::size_t block_first = 0;
  std::size_t block_end = 0;  // one past the block's last item
  bool first = true;
  auto flush = [&] {
    if (block_run == nullptr) return;
    const domain::RenderedRun& r = block_run->Rendered(RenderRun);
    const std::size_t begin = block_first == 0 ? 0 : r.ends[block_first - 1] + 1;
    if (!first) out.push_back(',');
    first = false;
    out.append(r.text, begin, r.ends[block_end - 1] - begin);
  };
  list.ForEach([&](const domain::InstanceRun& run, std::size_t i) {
    if (&run == block_run && i == block_end) {
      ++block_end;
      return;
    }
    flush();
    block_run = &run;
    block_first = i;
    block_end = i + 1;
  });
  flush();
  out.append(list.truncated ? "],\"truncated\":true}" : "],\"truncated\":false}");
  return out;
}

json OutcomeJson(const domain::EditOutcome& o) {
  json out{{"deleted", o.deleted}, {"dropped_overrides", o.dropped_overrides}};
  out["event"] = o.event ? RefJson(*o.event) : json(nullptr);
  if (o.created) out["created"] = RefJson(*o.created);
  return out;
}

// ---- request helpers ---------------------------------------------------------

Result<Id> ParseId(std::string_view text) {
  std::optional<Id> id = internal::DecimalId(text);
  if (!id) return MakeError(Code::kNotFound, "no such resource");
  return *id;
}

Result<Id> PathId(const Request& req, std::string_view name) {
  return internal::PathId(req, name, "resource");
}

std::optional<std::string> IfMatch(const Request& req) {
  std::optional<std::string_view> h = req.Header("If-Match");
  if (!h) return std::nullopt;
  std::string_view v = *h;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v == "*") return std::nullopt;
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

Result<core::Instant> QueryTime(const Request& req, const char* name) {
  std::optional<std::string> text = req.Query(name);
  if (!text) return Invalid(fmt::format("the query needs {}= (RFC 3339 or YYYY-MM-DD)", name));
  Result<domain::ApiTime> t = domain::ParseApiTime(*text);
  if (!t.ok()) return Invalid(fmt::format("{}: {}", name, t.error().message));
  if (t->all_day)
    return core::Instant::FromUnixSeconds(core::LocalDateTime::FromDate(t->date).seconds());
  return t->instant;
}

struct EditTarget {
  domain::EditScope scope = domain::EditScope::kAll;
  std::optional<domain::ApiTime> recurrence_id;
};

Result<EditTarget> ReadEditTarget(const Request& req) {
  EditTarget t;
  if (std::optional<std::string> rid = req.Query("recurrence_id")) {
    Result<domain::ApiTime> parsed = domain::ParseApiTime(*rid);
    if (!parsed.ok()) return Invalid("recurrence_id: " + parsed.error().message);
    t.recurrence_id = *parsed;
    t.scope = domain::EditScope::kThis;
  }
  if (std::optional<std::string> scope = req.Query("scope")) {
    std::optional<domain::EditScope> s = domain::EditScopeFromName(*scope);
    if (!s) return Invalid("scope must be this, following or all");
    t.scope = *s;
  }
  if (t.scope != domain::EditScope::kAll && !t.recurrence_id) {
    return Invalid("scope=this and scope=following need recurrence_id=");
  }
  return t;
}

std::string SessionCookie(std::string_view value, std::int64_t max_age, bool secure) {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}", kSessionCookie, value,
                     max_age, secure ? "; Secure" : "");
}


class Api {
 public:
  Api(const ApiServices& s, const ApiOptions& o) : s_(s), o_(o) {}

  // Authenticates the caller, then runs `h`.
  Handler Authed(internal::AuthedHandler h) const {
    return internal::RequireCaller(*s_.accounts, std::move(h));
  }

  void Register(Router& r) {
    r.Add("GET", "/healthz", [this](Request&) {
      Status s = s_.store->Read(
          [](domain::StoreTx& tx) -> Status { return tx.ListOrganisations().status(); });
      if (!s.ok()) return Fail(s);
      return JsonOk(json{{"status", "ok"}});
    });
    r.Add("GET", "/api/v1/openapi.json",
          [this](Request&) { return Response::Json(200, o_.openapi_json); });

    r.Add("POST", "/api/v1/session", [this](Request& req) -> Response {
      Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
      if (!body.ok()) return Fail(body.error());
      Fields f(*body);
      std::optional<std::string> username, password;
      Status s = f.String("username", &username, 256);
      if (s.ok()) s = f.String("password", &password, 1024);
      if (s.ok()) s = f.NoOthers();
      if (s.ok() && (!username || !password)) s = Invalid("username and password are required");
      if (!s.ok()) return Fail(s);
      Result<domain::LoginResult> login =
          s_.accounts->Login(*username, *password, req.remote_address());
      if (!login.ok()) {
        Response resp = Fail(login.error());
        if (login.error().code == Code::kRateLimited) resp.AddHeader("Retry-After", "60");
        return resp;
      }
      Result<domain::User> user = s_.accounts->GetUser(login->principal, login->principal.user_id);
      if (!user.ok()) return Fail(user.error());
      const std::int64_t max_age = login->expires_at - s_.clock->Now();
      return JsonOk(json{{"user", UserJson(*user)},
                         {"csrf_token", login->csrf_token},
                         {"expires_at", Rfc3339(login->expires_at)}})
          .With("Set-Cookie", SessionCookie(login->session_token, max_age, o_.secure_cookies))
          .With("Cache-Control", "no-store");
    });
    // The signed-in session of the cookie, with its CSRF token, so that a
    // reloaded page need not keep the token itself. Only the cookie counts
    // here (a bearer token has no session). Safe to answer: another site
    // cannot read the body (no CORS), and the cookie is SameSite=Lax.
    r.Add("GET", "/api/v1/session", [this](Request& req) -> Response {
      std::optional<std::string> cookie = req.Cookie(kSessionCookie);
      if (!cookie) return internal::Unauthenticated("no session: sign in");
      Result<domain::SessionAuth> auth = s_.accounts->AuthenticateSession(*cookie);
      if (!auth.ok()) {
        if (auth.error().code == Code::kUnauthenticated) {
          return internal::Unauthenticated(auth.error().message);
        }
        return Fail(auth.error());
      }
      Result<domain::User> user = s_.accounts->GetUser(auth->principal, auth->principal.user_id);
      if (!user.ok()) return Fail(user.error());
      return JsonOk(json{{"user", UserJson(*user)},
                         {"csrf_token", auth->csrf_token},
                         {"expires_at", Rfc3339(auth->expires_at)}})
          .With("Cache-Control", "no-store");
    });
    r.Add("DELETE", "/api/v1/session", [this](Request& req) -> Response {
      if (std::optional<std::string> cookie = req.Cookie(kSessionCookie)) {
        Result<domain::SessionAuth> auth = s_.accounts->AuthenticateSession(*cookie);
        if (auth.ok()) {
          std::optional<std::string_view> csrf = req.Header("X-CSRF-Token");
          if (!csrf || !core::ConstantTimeEquals(*csrf, auth->csrf_token)) {
            return Fail(MakeError(Code::kPermissionDenied, "missing or wrong X-CSRF-Token header"));
          }
          Status s = s_.accounts->Logout(*cookie);
          if (!s.ok()) return Fail(s);
        }
      }
      return Response::NoContent().With("Set-Cookie", SessionCookie("", 0, o_.secure_cookies));
    });

    r.Add("GET", "/api/v1/me", Authed([this](Request&, const Principal& p) -> Response {
            Result<domain::User> u = s_.accounts->GetUser(p, p.user_id);
            if (!u.ok()) return Fail(u.error());
            return JsonOk(UserJson(*u));
          }));
    r.Add("GET", "/api/v1/users", Authed([this](Request&, const Principal& p) -> Response {
            Result<std::vector<domain::User>> users = s_.accounts->ListUsers(p);
            if (!users.ok()) return Fail(users.error());
            json items = json::array();
            for (const domain::User& u : *users) items.push_back(UserJson(u));
            return JsonOk(json{{"items", std::move(items)}});
          }));
    r.Add("POST", "/api/v1/users", Authed([this](Request& req, const Principal& p) -> Response {
            Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
            if (!body.ok()) return Fail(body.error());
            Fields f(*body);
            std::optional<std::string> username, email, display_name, role, password, timezone,
                team;
            std::optional<std::optional<Id>> manager_id;
            Status s = f.String("username", &username, 64);
            if (s.ok()) s = f.String("email", &email, 254);
            if (s.ok()) s = f.String("display_name", &display_name, 200);
            if (s.ok()) s = f.String("role", &role, 16);
            if (s.ok()) s = f.String("password", &password, 1024);
            if (s.ok()) s = f.String("timezone", &timezone, 64);
            if (s.ok()) s = ReadManagerId(f, &manager_id);
            if (s.ok()) s = f.String("team", &team, 100);
            if (s.ok()) s = f.NoOthers();
            if (!s.ok()) return Fail(s);
            domain::NewUser n;
            n.username = username.value_or("");
            n.email = email.value_or("");
            n.display_name = display_name.value_or("");
            std::optional<domain::Role> r = domain::RoleFromName(role.value_or("member"));
            if (!r) return Fail(Invalid("role must be admin, manager, member or viewer"));
            n.role = *r;
            n.password = password.value_or("");
            n.timezone = timezone.value_or("UTC");
            n.manager_id = manager_id.value_or(std::nullopt);
            n.team = team.value_or("");
            Result<domain::User> u = s_.accounts->CreateUserAsAdmin(p, n);
            if (!u.ok()) return Fail(u.error());
            return JsonOk(UserJson(*u), 201);
          }));
    r.Add("PATCH", "/api/v1/users/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(MakeError(Code::kNotFound, "no such user"));
            Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
            if (!body.ok()) return Fail(body.error());
            Fields f(*body);
            domain::UserChange c;
            Status s = f.String("display_name", &c.display_name, 200);
            if (s.ok()) s = f.String("timezone", &c.timezone, 64);
            if (s.ok()) s = ReadManagerId(f, &c.manager_id);
            if (s.ok()) s = f.String("team", &c.team, 100);
            if (s.ok()) s = f.NoOthers();
            if (!s.ok()) return Fail(s);
            Result<domain::User> u = s_.accounts->UpdateUser(p, *id, c);
            if (!u.ok()) return Fail(u.error());
            return JsonOk(UserJson(*u));
          }));

    r.Add("GET", "/api/v1/tokens", Authed([this](Request&, const Principal& p) -> Response {
            Result<std::vector<domain::ApiTokenRecord>> tokens = s_.accounts->ListApiTokens(p);
            if (!tokens.ok()) return Fail(tokens.error());
            json items = json::array();
            for (const domain::ApiTokenRecord& t : *tokens) {
              items.push_back(json{
                  {"id", t.id},
                  {"name", t.name},
                  {"created_at", Rfc3339(t.created_at)},
                  {"last_used_at", t.last_used_at ? json(Rfc3339(*t.last_used_at)) : json(nullptr)},
                  {"revoked_at", t.revoked_at ? json(Rfc3339(*t.revoked_at)) : json(nullptr)}});
            }
            return JsonOk(json{{"items", std::move(items)}});
          }));
    r.Add("POST", "/api/v1/tokens", Authed([this](Request& req, const Principal& p) -> Response {
            Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
            if (!body.ok()) return Fail(body.error());
            Fields f(*body);
            std::optional<std::string> name;
            Status s = f.String("name", &name, 200);
            if (s.ok()) s = f.NoOthers();
            if (!s.ok()) return Fail(s);
            Result<domain::CreatedToken> t = s_.accounts->CreateApiToken(p, name.value_or(""));
            if (!t.ok()) return Fail(t.error());
            return JsonOk(json{{"id", t->record.id}, {"name", t->record.name}, {"token", t->token}},
                          201)
                .With("Cache-Control", "no-store");
          }));
    r.Add("DELETE", "/api/v1/tokens/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Status s = s_.accounts->RevokeApiToken(p, *id);
            if (!s.ok()) return Fail(s);
            return Response::NoContent();
          }));

    r.Add("GET", "/api/v1/modules", Authed([this](Request&, const Principal& p) -> Response {
            Result<std::vector<domain::Module>> modules = s_.calendars->ListModules(p);
            if (!modules.ok()) return Fail(modules.error());
            json items = json::array();
            for (const domain::Module& m : *modules) {
              items.push_back(json{{"key", m.key}, {"name", m.name}, {"color", m.color}});
            }
            return JsonOk(json{{"items", std::move(items)}});
          }));
    r.Add("PUT", "/api/v1/modules/{key}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
            if (!body.ok()) return Fail(body.error());
            Fields f(*body);
            std::optional<std::string> name, color;
            Status s = f.String("name", &name, 100);
            if (s.ok()) s = f.String("color", &color, 7);
            if (s.ok()) s = f.NoOthers();
            if (!s.ok()) return Fail(s);
            domain::Module m{std::string(req.Param("key")), name.value_or(""), color.value_or("")};
            s = s_.calendars->PutModule(p, m);
            if (!s.ok()) return Fail(s);
            return JsonOk(json{{"key", m.key}, {"name", m.name}, {"color", m.color}});
          }));

    r.Add("GET", "/api/v1/calendars", Authed([this](Request&, const Principal& p) -> Response {
            Result<std::vector<domain::CalendarWithAccess>> cals = s_.calendars->List(p);
            if (!cals.ok()) return Fail(cals.error());
            json items = json::array();
            for (const domain::CalendarWithAccess& c : *cals) items.push_back(CalendarJson(c));
            return JsonOk(json{{"items", std::move(items)}});
          }));
    r.Add("POST", "/api/v1/calendars", Authed([this](Request& req, const Principal& p) -> Response {
            Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
            if (!body.ok()) return Fail(body.error());
            Result<domain::CalendarChange> change = ReadCalendarChange(*body, true);
            if (!change.ok()) return Fail(change.error());
            Result<domain::CalendarWithAccess> c = s_.calendars->Create(p, *change);
            if (!c.ok()) return Fail(c.error());
            return JsonOk(CalendarJson(*c), 201)
                .With("Location", fmt::format("/api/v1/calendars/{}", c->calendar.id));
          }));
    r.Add("GET", "/api/v1/calendars/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Result<domain::CalendarWithAccess> c = s_.calendars->Get(p, *id);
            if (!c.ok()) return Fail(c.error());
            return JsonOk(CalendarJson(*c));
          }));
    r.Add("PATCH", "/api/v1/calendars/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
            if (!body.ok()) return Fail(body.error());
            Result<domain::CalendarChange> change = ReadCalendarChange(*body, false);
            if (!change.ok()) return Fail(change.error());
            Result<domain::CalendarWithAccess> c = s_.calendars->Update(p, *id, *change);
            if (!c.ok()) return Fail(c.error());
            return JsonOk(CalendarJson(*c));
          }));
    r.Add("DELETE", "/api/v1/calendars/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Status s = s_.calendars->Delete(p, *id);
            if (!s.ok()) return Fail(s);
            return Response::NoContent();
          }));
    r.Add("POST", "/api/v1/calendars/{id}/feed",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Result<std::string> token = s_.calendars->RotateFeedToken(p, *id);
            if (!token.ok()) return Fail(token.error());
            return JsonOk(json{{"token", *token},
                               {"ics_url", fmt::format("/feeds/{}.ics", *token)},
                               {"json_url", fmt::format("/feeds/{}.json", *token)}},
                          201)
                .With("Cache-Control", "no-store");
          }));
    r.Add("POST", "/api/v1/calendars/{id}/events",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
            if (!body.ok()) return Fail(body.error());
            Result<domain::EventChange> change = ReadEventChange(*body);
            if (!change.ok()) return Fail(change.error());
            Result<domain::EventRef> ref = s_.events->Create(p, *id, *change);
            if (!ref.ok()) return Fail(ref.error());
            return JsonOk(RefJson(*ref), 201)
                .With("Location", fmt::format("/api/v1/events/{}", ref->id))
                .With("ETag", fmt::format("\"{}\"", ref->etag));
          }));
    r.Add("GET", "/api/v1/calendars/{id}/export.ics",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Result<std::string> ics = s_.events->Export(p, *id);
            if (!ics.ok()) return Fail(ics.error());
            return Response::Text(200, std::move(ics).value())
                .With("Content-Type", "text/calendar; charset=utf-8");
          }));
    r.Add("POST", "/api/v1/calendars/{id}/import",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            std::optional<std::string_view> type = req.Header("Content-Type");
            if (!type || !EqualsIgnoreCase(type->substr(0, type->find(';')), "text/calendar")) {
              return Fail(
                  MakeError(Code::kUnsupportedMediaType, "send the calendar as text/calendar"));
            }
            Result<domain::ImportReport> report = s_.events->Import(p, *id, req.body());
            if (!report.ok()) return Fail(report.error());
            return JsonOk(json{{"created", report->created},
                               {"updated", report->updated},
                               {"warnings", report->warnings}});
          }));

    r.Add("GET", "/api/v1/events", Authed([this](Request& req, const Principal& p) -> Response {
            domain::InstanceQuery q;
            Result<core::Instant> from = QueryTime(req, "from");
            if (!from.ok()) return Fail(from.error());
            Result<core::Instant> to = QueryTime(req, "to");
            if (!to.ok()) return Fail(to.error());
            q.from = *from;
            q.to = *to;
            for (const std::string& c : req.QueryAll("calendar")) {
              Result<Id> id = ParseId(c);
              if (!id.ok()) return Fail(Invalid("calendar must be a calendar id"));
              q.calendar_ids.push_back(*id);
            }
            q.modules = req.QueryAll("module");
            q.text = req.Query("q").value_or("");
            for (const std::string& st : req.QueryAll("status")) {
              if (st != "confirmed" && st != "tentative" && st != "cancelled") {
                return Fail(Invalid("status must be confirmed, tentative or cancelled"));
              }
              q.statuses.push_back(st);
            }
            for (auto [name, bound] : {std::pair<const char*, int*>{"priority_min", &q.priority_min},
                                       {"priority_max", &q.priority_max}}) {
              if (std::optional<std::string> v = req.Query(name)) {
                if (v->size() != 1 || (*v)[0] < '0' || (*v)[0] > '9') {
                  return Fail(Invalid(fmt::format("{} must be 0-9", name)));
                }
                *bound = (*v)[0] - '0';
              }
            }
            if (q.priority_min > q.priority_max) {
              return Fail(Invalid("priority_min must not be above priority_max"));
            }
            q.organizer = req.Query("organizer").value_or("");
            if (q.organizer.size() > 320) return Fail(Invalid("organizer is too long"));
            if (std::optional<std::string> limit = req.Query("limit")) {
              const int n = std::atoi(limit->c_str());
              if (n < 1 || n > 10'000) return Fail(Invalid("limit must be 1-10000"));
              q.limit = static_cast<std::size_t>(n);
            }
            Result<domain::InstanceList> list = s_.events->List(p, q);
            if (!list.ok()) return Fail(list.error());
            return Response::Json(200, InstancesJson(*list));
          }));
    r.Add("GET", "/api/v1/events/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Result<domain::EventDetails> d = s_.events->Get(p, *id);
            if (!d.ok()) return Fail(d.error());
            return JsonOk(EventJson(*d)).With("ETag", fmt::format("\"{}\"", d->ref.etag));
          }));
    r.Add("PATCH", "/api/v1/events/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Result<EditTarget> target = ReadEditTarget(req);
            if (!target.ok()) return Fail(target.error());
            Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
            if (!body.ok()) return Fail(body.error());
            Result<domain::EventChange> change = ReadEventChange(*body);
            if (!change.ok()) return Fail(change.error());
            Result<domain::EditOutcome> out = s_.events->Update(
                p, *id, target->scope, target->recurrence_id, *change, IfMatch(req));
            if (!out.ok()) return Fail(out.error());
            Response resp = JsonOk(OutcomeJson(*out));
            if (out->event) resp.AddHeader("ETag", fmt::format("\"{}\"", out->event->etag));
            return resp;
          }));
    r.Add("DELETE", "/api/v1/events/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id");
            if (!id.ok()) return Fail(id.error());
            Result<EditTarget> target = ReadEditTarget(req);
            if (!target.ok()) return Fail(target.error());
            Result<domain::EditOutcome> out =
                s_.events->Delete(p, *id, target->scope, target->recurrence_id, IfMatch(req));
            if (!out.ok()) return Fail(out.error());
            if (out->deleted) return Response::NoContent();
            return JsonOk(OutcomeJson(*out));
          }));

    r.Add("POST", "/api/v1/recurrence/preview",
          Authed([this](Request& req, const Principal&) -> Response {
            Result<json> body = internal::ParseJsonBody(req, o_.max_json_bytes);
            if (!body.ok()) return Fail(body.error());
            Fields f(*body);
            std::optional<domain::ApiTime> start;
            std::optional<std::string> timezone, rrule;
            std::optional<std::vector<domain::ApiTime>> exdates;
            std::optional<int> count;
            Status s = f.Time("start", &start);
            if (s.ok()) s = f.String("timezone", &timezone, 64);
            if (s.ok()) s = f.String("rrule", &rrule, 4096);
            if (s.ok()) s = f.TimeList("exdates", &exdates);
            if (s.ok()) s = f.Int("count", &count);
            if (s.ok()) s = f.NoOthers();
            if (s.ok() && (!start || !rrule)) s = Invalid("start and rrule are required");
            if (!s.ok()) return Fail(s);
            const std::string zone = timezone && !timezone->empty() ? *timezone : "UTC";
            Result<domain::RecurrencePreview> preview = domain::PreviewRecurrence(
                *start, zone, *rrule, exdates.value_or(std::vector<domain::ApiTime>{}),
                count.value_or(10));
            if (!preview.ok()) return Fail(preview.error());
            return JsonOk(json{{"rrule", preview->rrule},
                               {"timezone", zone},
                               {"occurrences", preview->starts},
                               {"more", preview->more}});
          }));

    r.Add("GET", "/feeds/{file}", [this](Request& req) -> Response {
      std::string_view file = req.Param("file");
      if (file.ends_with(".ics")) {
        Result<std::string> ics = s_.events->FeedIcs(file.substr(0, file.size() - 4));
        if (!ics.ok()) return Fail(ics.error());
        return Response::Text(200, std::move(ics).value())
            .With("Content-Type", "text/calendar; charset=utf-8")
            .With("Cache-Control", "private, max-age=300");
      }
      if (file.ends_with(".json")) {
        const core::Instant now = s_.clock->Now();
        core::Instant from = now - 30 * core::kSecondsPerDay;
        core::Instant to = now + 365 * core::kSecondsPerDay;
        if (req.Query("from")) {
          Result<core::Instant> f = QueryTime(req, "from");
          if (!f.ok()) return Fail(f.error());
          from = *f;
        }
        if (req.Query("to")) {
          Result<core::Instant> t = QueryTime(req, "to");
          if (!t.ok()) return Fail(t.error());
          to = *t;
        }
        Result<domain::InstanceList> list =
            s_.events->FeedInstances(file.substr(0, file.size() - 5), from, to);
        if (!list.ok()) return Fail(list.error());
        return Response::Json(200, InstancesJson(*list)).With("Cache-Control", "private, max-age=300");
      }
      return Fail(MakeError(Code::kNotFound, "no such feed"));
    });
  }

 private:
  ApiServices s_;
  ApiOptions o_;
};

}  // namespace

void RegisterApi(Router& router, const ApiServices& services, const ApiOptions& options) {
  // The Api object lives as long as the handlers that capture it.
  auto api = std::make_shared<Api>(services, options);
  api->Register(router);
  // Resources and bookings (resources_api.h).
  RegisterResourceApi(router, ResourceApiServices{services.accounts, services.resources,
                                                  options.max_json_bytes});
  // Staff leave and the approvals inbox across types (leave_api.h).
  RegisterLeaveApi(router, LeaveApiServices{services.accounts, services.leave, services.approvals,
                                            services.clock, options.max_json_bytes});
  // Resource analytics (analytics_api.h).
  RegisterAnalyticsApi(router, AnalyticsApiServices{services.accounts, services.analytics});
  // The handlers capture the Api by pointer; this no-op middleware owns it,
  // so it lives exactly as long as the router.
  router.Use([api](Request&) -> std::optional<Response> { return std::nullopt; });
}

}  // namespace almanac::http
