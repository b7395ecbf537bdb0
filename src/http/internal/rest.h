// What the REST handlers (api.cpp, resources_api.cpp, leave_api.cpp) share:
// authenticating the caller, path ids, reading JSON request bodies and
// writing JSON answers. A body must be application/json, within a size
// limit, and an object; its members are read with their types checked and
// unknown ones refused, every refusal a 400 naming the member.
//
// Thread safety: JsonFields is a value used by one thread; the functions
// are pure.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "domain/accounts.h"
#include "domain/event_fields.h"
#include "domain/model.h"
#include "http/auth.h"
#include "http/problem.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace almanac::http::internal {

using json = nlohmann::json;

inline Error BadField(std::string message) {
  return MakeError(Code::kInvalidArgument, std::move(message));
}

inline Response Fail(const Error& e) { return ProblemResponse(e); }
inline Response Fail(const Status& s) { return ProblemResponse(s.error()); }

inline Response JsonOk(const json& body, int status = 200) {
  return Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

inline constexpr std::string_view kWwwAuthenticate =
    "Bearer realm=\"Almanac\", Basic realm=\"Almanac\", charset=\"UTF-8\"";

// A 401 problem with the challenge of every scheme the API takes.
inline Response Unauthenticated(std::string_view message) {
  return ProblemResponse(MakeError(Code::kUnauthenticated, std::string(message)))
      .With("WWW-Authenticate", std::string(kWwwAuthenticate));
}

using AuthedHandler = std::function<Response(Request&, const domain::Principal&)>;

// A handler that authenticates the caller (auth.h; sessions allowed, with
// their CSRF check) and then runs `h`. `accounts` must outlive it.
inline Handler RequireCaller(domain::AccountService& accounts, AuthedHandler h) {
  return [&accounts, h = std::move(h)](Request& req) -> Response {
    Result<domain::Principal> p = AuthenticateRequest(accounts, req, SessionUse::kAllowed);
    if (!p.ok()) {
      if (p.error().code == Code::kUnauthenticated) return Unauthenticated(p.error().message);
      return Fail(p.error());
    }
    return h(req, *p);
  };
}

// `text` as a decimal id (1-18 digits), or nullopt.
inline std::optional<domain::Id> DecimalId(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  domain::Id id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

// The decimal id in path parameter `name`; anything else is kNotFound
// ("no such <what>": a path that names nothing).
inline Result<domain::Id> PathId(const Request& req, std::string_view name, std::string_view what) {
  std::optional<domain::Id> id = DecimalId(req.Param(name));
  if (!id) return MakeError(Code::kNotFound, fmt::format("no such {}", what));
  return *id;
}

// At most `n` bytes of `s`, not cutting a UTF-8 sequence.
inline std::string_view Clip(std::string_view s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// kInvalidArgument naming the first query parameter not in `known`.
inline Status OnlyParams(const Request& req, std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : req.query_params()) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return BadField(fmt::format("unknown query parameter \"{}\"", Clip(name, 64)));
    }
  }
  return OkStatus();
}

// The body as a JSON object. `empty_ok`: an empty body reads as {} (action
// endpoints whose members are all optional).
// Errors: kResourceExhausted over `max_bytes` (413); kUnsupportedMediaType
// without an application/json Content-Type (415); kInvalidArgument for
// malformed JSON or a body that is not an object.
inline Result<json> ParseJsonBody(const Request& req, std::size_t max_bytes,
                                  bool empty_ok = false) {
  if (req.body().size() > max_bytes) {
    return MakeError(Code::kResourceExhausted,
                     fmt::format("the JSON body is larger than {} bytes", max_bytes));
  }
  if (empty_ok && req.body().empty()) return json::object();
  const std::optional<std::string_view> type = req.Header("Content-Type");
  std::string_view t = type ? type->substr(0, type->find(';')) : std::string_view();
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (!EqualsIgnoreCase(t, "application/json")) {
    return MakeError(Code::kUnsupportedMediaType, "send the body as application/json");
  }
  json body = json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return BadField("the body is not valid JSON");
  if (!body.is_object()) return BadField("the body must be a JSON object");
  return body;
}

// Typed access to the members of a JSON object. An absent member leaves
// `*out` alone; NoOthers refuses the members no accessor asked for.
class JsonFields {
 public:
  explicit JsonFields(const json& object) : object_(object) {}

  const json* Get(const char* key) {
    seen_.insert(key);
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  Status String(const char* key, std::optional<std::string>* out, std::size_t max = 64 * 1024) {
    const json* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_string()) return BadField(fmt::format("{} must be a string", key));
    if (v->get_ref<const std::string&>().size() > max) {
      return BadField(fmt::format("{} is longer than {} bytes", key, max));
    }
    *out = v->get<std::string>();
    return OkStatus();
  }
  // A string, or null to clear.
  Status NullableString(const char* key, domain::Nullable<std::string>* out) {
    const json* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (v->is_null()) {
      *out = std::optional<std::string>();
      return OkStatus();
    }
    if (!v->is_string()) return BadField(fmt::format("{} must be a string or null", key));
    *out = std::optional<std::string>(v->get<std::string>());
    return OkStatus();
  }
  Status Bool(const char* key, std::optional<bool>* out) {
    const json* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_boolean()) return BadField(fmt::format("{} must be true or false", key));
    *out = v->get<bool>();
    return OkStatus();
  }
  // An integer within ±10^9 (the domain checks the meaningful range).
  Status Int(const char* key, std::optional<int>* out) {
    const json* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_number_integer()) return BadField(fmt::format("{} must be an integer", key));
    const auto n = v->get<std::int64_t>();
    if (n < -1'000'000'000 || n > 1'000'000'000) {
      return BadField(fmt::format("{} is out of range", key));
    }
    *out = static_cast<int>(n);
    return OkStatus();
  }
  // An integer in [min, max], refused naming the range.
  template <typename I>
  Status Ranged(const char* key, std::optional<I>* out, std::int64_t min, std::int64_t max) {
    const json* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_number_integer()) return BadField(fmt::format("{} must be an integer", key));
    const auto n = v->get<std::int64_t>();
    if (n < min || n > max) return BadField(fmt::format("{} must be {}-{}", key, min, max));
    *out = static_cast<I>(n);
    return OkStatus();
  }
  Status PositiveId(const char* key, std::optional<domain::Id>* out) {
    const json* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_number_integer() || v->get<std::int64_t>() < 1) {
      return BadField(fmt::format("{} must be a positive integer id", key));
    }
    *out = v->get<domain::Id>();
    return OkStatus();
  }
  // An array of at most 1000 user ids.
  Status Ids(const char* key, std::optional<std::vector<domain::Id>>* out) {
    const json* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_array() || v->size() > 1000) {
      return BadField(fmt::format("{} must be an array of at most 1000 user ids", key));
    }
    std::vector<domain::Id> ids;
    for (const json& item : *v) {
      if (!item.is_number_integer() || item.get<std::int64_t>() < 1) {
        return BadField(fmt::format("{} must be an array of user ids", key));
      }
      ids.push_back(item.get<domain::Id>());
    }
    *out = std::move(ids);
    return OkStatus();
  }
  // An RFC 3339 date-time or an ISO date (all-day).
  Status Time(const char* key, std::optional<domain::ApiTime>* out) {
    std::optional<std::string> text;
    ALMANAC_RETURN_IF_ERROR(String(key, &text, 64));
    if (!text) return OkStatus();
    Result<domain::ApiTime> t = domain::ParseApiTime(*text);
    if (!t.ok()) return BadField(fmt::format("{}: {}", key, t.error().message));
    *out = *t;
    return OkStatus();
  }
  // An RFC 3339 date-time only.
  Status Instant(const char* key, std::optional<core::Instant>* out) {
    std::optional<domain::ApiTime> t;
    ALMANAC_RETURN_IF_ERROR(Time(key, &t));
    if (!t) return OkStatus();
    if (t->all_day) return BadField(fmt::format("{} must be an RFC 3339 date-time", key));
    *out = t->instant;
    return OkStatus();
  }
  Status StringList(const char* key, std::optional<std::vector<std::string>>* out) {
    const json* v = Get(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_array()) return BadField(fmt::format("{} must be an array of strings", key));
    if (v->size() > 1000) return BadField(fmt::format("{} has more than 1000 items", key));
    std::vector<std::string> list;
    for (const json& item : *v) {
      if (!item.is_string()) return BadField(fmt::format("{} must be an array of strings", key));
      list.push_back(item.get<std::string>());
    }
    *out = std::move(list);
    return OkStatus();
  }
  Status TimeList(const char* key, std::optional<std::vector<domain::ApiTime>>* out) {
    std::optional<std::vector<std::string>> texts;
    ALMANAC_RETURN_IF_ERROR(StringList(key, &texts));
    if (!texts) return OkStatus();
    std::vector<domain::ApiTime> times;
    for (const std::string& s : *texts) {
      Result<domain::ApiTime> t = domain::ParseApiTime(s);
      if (!t.ok()) return BadField(fmt::format("{}: {}", key, t.error().message));
      times.push_back(*t);
    }
    *out = std::move(times);
    return OkStatus();
  }
  // Refuses members that no accessor asked for; `where` prefixes the
  // message (e.g. "bookable_hours[2]: ").
  Status NoOthers(std::string_view where = "") const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (!seen_.contains(it.key())) {
        return BadField(fmt::format("{}unknown field \"{}\"", where, it.key()));
      }
    }
    return OkStatus();
  }

 private:
  const json& object_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace almanac::http::internal
