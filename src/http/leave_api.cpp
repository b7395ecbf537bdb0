#include "http/leave_api.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "domain/event_fields.h"
#include "http/auth.h"
#include "http/internal/rest.h"
#include "http/problem.h"

namespace almanac::http {
namespace {

using json = nlohmann::json;
using domain::Id;
using domain::Principal;

using internal::Fail;
using internal::JsonOk;
using internal::PathId;

Error Invalid(std::string message) { return internal::BadField(std::move(message)); }
std::string Rfc3339(core::Instant t) { return domain::FormatRfc3339(t, 0); }

// The shared accessors, and leave's own: day counts and dates.
class Fields : public internal::JsonFields {
 public:
  using JsonFields::JsonFields;

  // A number of days 0-365 in steps of 0.5, as half days.
  Status Days(const char* key, std::optional<int>* out) {
    const json* v = Get(key);
    if (v == nullptr) return OkStatus();
    const double d = v->is_number() ? v->get<double>() : -1;
    const double halves = d * 2;
    if (!v->is_number() || d < 0 || d > 365 || halves != std::floor(halves)) {
      return Invalid(fmt::format("{} must be a number of days 0-365 in steps of 0.5", key));
    }
    *out = static_cast<int>(halves);
    return OkStatus();
  }
  Status Date(const char* key, std::optional<core::Date>* out) {
    std::optional<std::string> text;
    ALMANAC_RETURN_IF_ERROR(String(key, &text, 64));
    if (!text) return OkStatus();
    Result<domain::ApiTime> t = domain::ParseApiTime(*text);
    if (!t.ok() || !t->all_day) return Invalid(fmt::format("{} must be a date YYYY-MM-DD", key));
    *out = t->date;
    return OkStatus();
  }
};

Result<core::Date> QueryDate(const std::string& text, const char* name) {
  Result<domain::ApiTime> t = domain::ParseApiTime(text);
  if (!t.ok() || !t->all_day) return Invalid(fmt::format("{} must be a date YYYY-MM-DD", name));
  return t->date;
}

// Half days as days: an integer when whole, else x.5.
json DaysJson(int half_days) {
  if (half_days % 2 == 0) return json(half_days / 2);
  return json(half_days / 2.0);
}

json RolesJson(const std::vector<domain::Role>& roles) {
  json out = json::array();
  for (domain::Role r : roles) out.push_back(domain::RoleName(r));
  return out;
}

json TypeJson(const domain::LeaveType& t) {
  return json{{"id", t.id},
              {"key", t.key},
              {"name", t.name},
              {"color", t.color},
              {"builtin", t.builtin},
              {"counts_against_allowance", t.counts_against_allowance},
              {"allowance_days", DaysJson(t.allowance_half_days)},
              {"carry_over_cap_days", DaysJson(t.carry_over_cap_half_days)},
              {"requires_approval", t.requires_approval},
              {"approver_roles", RolesJson(t.approver_roles)},
              {"active", t.active},
              {"created_at", Rfc3339(t.created_at)},
              {"updated_at", Rfc3339(t.updated_at)}};
}

json HalfDayJson(domain::HalfDay h) {
  if (h == domain::HalfDay::kAm) return "am";
  if (h == domain::HalfDay::kPm) return "pm";
  return nullptr;
}

json LeaveJson(const domain::LeaveView& v, bool with_history) {
  const domain::LeaveRequest& r = v.request;
  json out{{"id", r.id},
           {"user_id", r.user_id},
           {"user_name", v.user_name},
           {"team", v.team},
           {"type", v.type_key},
           {"type_name", v.type_name},
           {"color", v.type_color},
           {"start_date", domain::FormatIsoDate(r.start_date)},
           {"end_date", domain::FormatIsoDate(r.end_date)},
           {"half_day", HalfDayJson(r.half_day)},
           {"first_day_half", r.first_day_half},
           {"last_day_half", r.last_day_half},
           {"days", DaysJson(r.half_days)},
           {"reason", r.reason},
           {"attachment", r.attachment},
           {"status", domain::LeaveStatusName(r.status)},
           {"created_by", r.created_by},
           {"may_decide", v.may_decide},
           {"may_cancel", v.may_cancel},
           {"created_at", Rfc3339(r.created_at)},
           {"updated_at", Rfc3339(r.updated_at)}};
  if (with_history) {
    json history = json::array();
    for (const domain::LeaveHistoryEntry& e : v.history) {
      history.push_back(json{{"actor_id", e.actor_id},
                             {"action", e.action},
                             {"status", domain::LeaveStatusName(e.status)},
                             {"comment", e.comment},
                             {"at", Rfc3339(e.at)}});
    }
    out["history"] = std::move(history);
  }
  return out;
}

json BalanceJson(const domain::LeaveBalance& b) {
  const bool counts = b.type.counts_against_allowance;
  return json{{"user_id", b.user_id},
              {"year", b.year},
              {"type", b.type.key},
              {"type_name", b.type.name},
              {"counts_against_allowance", counts},
              {"allowance_days", DaysJson(b.allowance)},
              {"carried_over_days", DaysJson(b.carried_over)},
              {"used_days", DaysJson(b.used)},
              {"pending_days", DaysJson(b.pending)},
              {"remaining_days", counts ? DaysJson(b.remaining) : json(nullptr)}};
}

// A pending booking as the approvals inbox lists it (the approver sees
// its details; the full booking is at /api/v1/bookings/{id}).
json BookingItemJson(const domain::BookingView& v) {
  const domain::Booking& b = v.booking;
  return json{{"kind", "booking"},
              {"id", b.id},
              {"resource_id", b.resource_id},
              {"resource_name", v.resource_name},
              {"status", domain::BookingStatusName(b.status)},
              {"start", Rfc3339(b.start)},
              {"end", Rfc3339(b.end)},
              {"title", b.title},
              {"notes", b.notes},
              {"requester_id", b.requester_id},
              {"requester_name", v.requester_name},
              {"group_id", b.group_id ? json(*b.group_id) : json(nullptr)},
              {"created_at", Rfc3339(b.created_at)}};
}

json ProblemJson(const Error& e) {
  const int status = HttpStatusFor(e.code);
  return json{{"type", "about:blank"},
              {"title", std::string(ReasonPhrase(status))},
              {"status", status},
              {"detail", e.message},
              {"code", CodeName(e.code)}};
}

Result<domain::LeaveTypeChange> ReadTypeChange(const json& body) {
  Fields f(body);
  domain::LeaveTypeChange c;
  ALMANAC_RETURN_IF_ERROR(f.String("key", &c.key, 32));
  ALMANAC_RETURN_IF_ERROR(f.String("name", &c.name, 200));
  ALMANAC_RETURN_IF_ERROR(f.String("color", &c.color, 7));
  ALMANAC_RETURN_IF_ERROR(f.Bool("counts_against_allowance", &c.counts_against_allowance));
  ALMANAC_RETURN_IF_ERROR(f.Days("allowance_days", &c.allowance_half_days));
  ALMANAC_RETURN_IF_ERROR(f.Days("carry_over_cap_days", &c.carry_over_cap_half_days));
  ALMANAC_RETURN_IF_ERROR(f.Bool("requires_approval", &c.requires_approval));
  ALMANAC_RETURN_IF_ERROR(f.Bool("active", &c.active));
  if (const json* roles = f.Get("approver_roles")) {
    if (!roles->is_array() || roles->size() > 4) {
      return Invalid("approver_roles must be an array of at most 4 roles");
    }
    std::vector<domain::Role> list;
    for (const json& item : *roles) {
      std::optional<domain::Role> r =
          item.is_string() ? domain::RoleFromName(item.get<std::string>()) : std::nullopt;
      if (!r || *r == domain::Role::kViewer) {
        return Invalid("approver_roles: each must be admin, manager or member");
      }
      list.push_back(*r);
    }
    c.approver_roles = std::move(list);
  }
  ALMANAC_RETURN_IF_ERROR(f.NoOthers());
  return c;
}

class LeaveApi {
 public:
  explicit LeaveApi(const LeaveApiServices& s) : s_(s) {}

  Handler Authed(internal::AuthedHandler h) const {
    return internal::RequireCaller(*s_.accounts, std::move(h));
  }

  // POST /api/v1/leave/{id}/<action> with an optional {comment}.
  Handler Decide(std::string action) const {
    return Authed([this, action](Request& req, const Principal& p) -> Response {
      Result<Id> id = PathId(req, "id", "leave request");
      if (!id.ok()) return Fail(id.error());
      Result<json> body = internal::ParseJsonBody(req, s_.max_json_bytes, true);
      if (!body.ok()) return Fail(body.error());
      Fields f(*body);
      std::optional<std::string> comment;
      Status st = f.String("comment", &comment, 4096);
      if (st.ok()) st = f.NoOthers();
      if (!st.ok()) return Fail(st);
      Result<domain::LeaveView> v =
          action == "approve"  ? s_.leave->Approve(p, *id, comment.value_or(""))
          : action == "reject" ? s_.leave->Reject(p, *id, comment.value_or(""))
                               : s_.leave->Cancel(p, *id, comment.value_or(""));
      if (!v.ok()) return RefusalResponse(v.error(), {});
      return JsonOk(LeaveJson(*v, true));
    });
  }

  // A problem, with the figures of a refused request as extension members.
  static Response RefusalResponse(const Error& e, const domain::LeaveRefusal& refusal) {
    json extra = json::object();
    if (refusal.overlapping) {
      const domain::LeaveRequest& o = *refusal.overlapping;
      extra["overlapping"] = json{{"id", o.id},
                                  {"start_date", domain::FormatIsoDate(o.start_date)},
                                  {"end_date", domain::FormatIsoDate(o.end_date)},
                                  {"status", domain::LeaveStatusName(o.status)},
                                  {"days", DaysJson(o.half_days)}};
    }
    if (refusal.balance) {
      extra["balance"] = BalanceJson(*refusal.balance);
      extra["requested_days"] = DaysJson(refusal.requested);
      extra["year"] = refusal.balance->year;
    }
    if (extra.empty()) return Fail(e);
    return ProblemResponse(e, extra.dump());
  }

  void Register(Router& r) {
    r.Add("GET", "/api/v1/leave", Authed([this](Request& req, const Principal& p) -> Response {
            domain::LeaveFilter filter;
            if (std::optional<std::string> user = req.Query("user")) {
              if (user->empty() || user->size() > 18 ||
                  user->find_first_not_of("0123456789") != std::string::npos) {
                return Fail(Invalid("user must be a user id"));
              }
              filter.user_id = std::stoll(*user);
            }
            if (std::optional<std::string> status = req.Query("status")) {
              filter.status = domain::LeaveStatusFromName(*status);
              if (!filter.status) {
                return Fail(Invalid("status must be pending, approved, rejected or cancelled"));
              }
            }
            for (const char* name : {"from", "to"}) {
              std::optional<std::string> text = req.Query(name);
              if (!text) continue;
              Result<core::Date> d = QueryDate(*text, name);
              if (!d.ok()) return Fail(d.error());
              (std::string_view(name) == "from" ? filter.from : filter.to) = *d;
            }
            Result<std::vector<domain::LeaveView>> list = s_.leave->List(p, filter);
            if (!list.ok()) return Fail(list.error());
            json items = json::array();
            for (const domain::LeaveView& v : *list) items.push_back(LeaveJson(v, false));
            return JsonOk(json{{"items", std::move(items)}});
          }));
    r.Add("POST", "/api/v1/leave", Authed([this](Request& req, const Principal& p) -> Response {
            Result<json> body = internal::ParseJsonBody(req, s_.max_json_bytes, false);
            if (!body.ok()) return Fail(body.error());
            Fields f(*body);
            std::optional<Id> user_id;
            std::optional<std::string> type, half_day, reason, attachment;
            std::optional<core::Date> start, end;
            std::optional<bool> first_half, last_half;
            Status st = f.PositiveId("user_id", &user_id);
            if (st.ok()) st = f.String("type", &type, 32);
            if (st.ok()) st = f.Date("start_date", &start);
            if (st.ok()) st = f.Date("end_date", &end);
            if (st.ok()) st = f.String("half_day", &half_day, 16);
            if (st.ok()) st = f.Bool("first_day_half", &first_half);
            if (st.ok()) st = f.Bool("last_day_half", &last_half);
            if (st.ok()) st = f.String("reason", &reason, 4096);
            if (st.ok()) st = f.String("attachment", &attachment, 2048);
            if (st.ok()) st = f.NoOthers();
            if (st.ok() && (!type || !start)) st = Invalid("type and start_date are required");
            if (st.ok() && half_day && *half_day != "am" && *half_day != "pm") {
              st = Invalid("half_day must be am or pm");
            }
            if (!st.ok()) return Fail(st);
            domain::LeaveRequestInput in;
            in.user_id = user_id;
            in.type = *type;
            in.start_date = *start;
            in.end_date = end.value_or(*start);
            in.half_day = !half_day           ? domain::HalfDay::kNone
                          : *half_day == "am" ? domain::HalfDay::kAm
                                              : domain::HalfDay::kPm;
            in.first_day_half = first_half.value_or(false);
            in.last_day_half = last_half.value_or(false);
            in.reason = reason.value_or("");
            in.attachment = attachment.value_or("");
            domain::LeaveRefusal refusal;
            Result<domain::LeaveView> v = s_.leave->Request(p, in, &refusal);
            if (!v.ok()) return RefusalResponse(v.error(), refusal);
            return JsonOk(LeaveJson(*v, true), 201)
                .With("Location", fmt::format("/api/v1/leave/{}", v->request.id));
          }));
    r.Add(
        "GET", "/api/v1/leave/balances",
        Authed([this](Request& req, const Principal& p) -> Response {
          std::optional<Id> user;
          if (std::optional<std::string> text = req.Query("user")) {
            if (text->empty() || text->size() > 18 ||
                text->find_first_not_of("0123456789") != std::string::npos) {
              return Fail(Invalid("user must be a user id"));
            }
            user = std::stoll(*text);
          }
          int year = s_.clock->Now().utc().date().civil().year;
          if (std::optional<std::string> text = req.Query("year")) {
            if (text->size() != 4 || text->find_first_not_of("0123456789") != std::string::npos) {
              return Fail(Invalid("year must be four digits"));
            }
            year = std::stoi(*text);
          }
          Result<std::vector<domain::LeaveBalance>> list = s_.leave->Balances(p, user, year);
          if (!list.ok()) return Fail(list.error());
          json items = json::array();
          for (const domain::LeaveBalance& b : *list) items.push_back(BalanceJson(b));
          return JsonOk(json{
              {"user_id", user.value_or(p.user_id)}, {"year", year}, {"items", std::move(items)}});
        }));
    r.Add("GET", "/api/v1/leave/types", Authed([this](Request&, const Principal& p) -> Response {
            Result<std::vector<domain::LeaveType>> list = s_.leave->ListTypes(p);
            if (!list.ok()) return Fail(list.error());
            json items = json::array();
            for (const domain::LeaveType& t : *list) items.push_back(TypeJson(t));
            return JsonOk(json{{"items", std::move(items)}});
          }));
    r.Add("POST", "/api/v1/leave/types",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<json> body = internal::ParseJsonBody(req, s_.max_json_bytes, false);
            if (!body.ok()) return Fail(body.error());
            Result<domain::LeaveTypeChange> change = ReadTypeChange(*body);
            if (!change.ok()) return Fail(change.error());
            Result<domain::LeaveType> t = s_.leave->CreateType(p, *change);
            if (!t.ok()) return Fail(t.error());
            return JsonOk(TypeJson(*t), 201)
                .With("Location", fmt::format("/api/v1/leave/types/{}", t->id));
          }));
    r.Add("PATCH", "/api/v1/leave/types/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id", "leave type");
            if (!id.ok()) return Fail(id.error());
            Result<json> body = internal::ParseJsonBody(req, s_.max_json_bytes, false);
            if (!body.ok()) return Fail(body.error());
            Result<domain::LeaveTypeChange> change = ReadTypeChange(*body);
            if (!change.ok()) return Fail(change.error());
            Result<domain::LeaveType> t = s_.leave->UpdateType(p, *id, *change);
            if (!t.ok()) return Fail(t.error());
            return JsonOk(TypeJson(*t));
          }));
    r.Add("GET", "/api/v1/leave/{id}", Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id", "leave request");
            if (!id.ok()) return Fail(id.error());
            Result<domain::LeaveView> v = s_.leave->Get(p, *id);
            if (!v.ok()) return Fail(v.error());
            return JsonOk(LeaveJson(*v, true));
          }));
    r.Add("POST", "/api/v1/leave/{id}/approve", Decide("approve"));
    r.Add("POST", "/api/v1/leave/{id}/reject", Decide("reject"));
    r.Add("POST", "/api/v1/leave/{id}/cancel", Decide("cancel"));

    // The approvals inbox across types (bookings and leave).
    r.Add("GET", "/api/v1/approvals", Authed([this](Request&, const Principal& p) -> Response {
            Result<std::vector<domain::ApprovalItem>> list = s_.approvals->Inbox(p);
            if (!list.ok()) return Fail(list.error());
            json items = json::array();
            for (const domain::ApprovalItem& item : *list) {
              if (item.booking) {
                items.push_back(BookingItemJson(*item.booking));
              } else if (item.leave) {
                json j = LeaveJson(*item.leave, false);
                j["kind"] = "leave";
                items.push_back(std::move(j));
              }
            }
            return JsonOk(json{{"items", std::move(items)}});
          }));
    r.Add("POST", "/api/v1/approvals/bulk",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<json> body = internal::ParseJsonBody(req, s_.max_json_bytes, false);
            if (!body.ok()) return Fail(body.error());
            Fields f(*body);
            std::optional<std::string> action, comment;
            Status st = f.String("action", &action, 16);
            if (st.ok()) st = f.String("comment", &comment, 4096);
            const json* items = f.Get("items");
            if (st.ok()) st = f.NoOthers();
            if (st.ok() && (!action || (*action != "approve" && *action != "reject"))) {
              st = Invalid("action must be approve or reject");
            }
            if (st.ok() &&
                (items == nullptr || !items->is_array() || items->empty() || items->size() > 100)) {
              st = Invalid("items must be an array of 1-100 {kind, id}");
            }
            std::vector<domain::ApprovalTarget> targets;
            for (std::size_t i = 0; st.ok() && i < items->size(); ++i) {
              const json& item = (*items)[i];
              if (!item.is_object()) {
                st = Invalid("items must be an array of {kind, id} objects");
                break;
              }
              Fields itf(item);
              std::optional<std::string> kind;
              std::optional<Id> id;
              st = itf.String("kind", &kind, 16);
              if (st.ok()) st = itf.PositiveId("id", &id);
              if (st.ok()) st = itf.NoOthers("items: ");
              if (!st.ok()) break;
              std::optional<domain::ApprovalKind> k =
                  kind ? domain::ApprovalKindFromName(*kind) : std::nullopt;
              if (!k || !id) {
                st = Invalid(fmt::format("items[{}] needs kind (booking or leave) and id", i));
                break;
              }
              targets.push_back(domain::ApprovalTarget{*k, *id});
            }
            if (!st.ok()) return Fail(st);
            const bool approve = *action == "approve";
            Result<std::vector<domain::ApprovalOutcome>> outcomes =
                s_.approvals->Decide(p, targets, approve, comment.value_or(""));
            if (!outcomes.ok()) return Fail(outcomes.error());
            json results = json::array();
            int decided = 0;
            for (const domain::ApprovalOutcome& o : *outcomes) {
              json j{{"kind", domain::ApprovalKindName(o.target.kind)},
                     {"id", o.target.id},
                     {"ok", o.status.ok()}};
              if (o.status.ok()) {
                ++decided;
                j["status"] = o.new_status;
                if (o.target.kind == domain::ApprovalKind::kBooking && approve) {
                  j["auto_rejected"] = o.auto_rejected;
                }
              } else {
                j["problem"] = ProblemJson(o.status.error());
              }
              results.push_back(std::move(j));
            }
            return JsonOk(json{{"action", *action},
                               {"decided", decided},
                               {"failed", static_cast<int>(outcomes->size()) - decided},
                               {"results", std::move(results)}});
          }));
  }

 private:
  LeaveApiServices s_;
};

}  // namespace

void RegisterLeaveApi(Router& router, const LeaveApiServices& services) {
  if (services.leave == nullptr || services.approvals == nullptr || services.accounts == nullptr ||
      services.clock == nullptr) {
    return;
  }
  auto api = std::make_shared<LeaveApi>(services);
  api->Register(router);
  // The handlers capture the object by pointer; this no-op middleware owns it.
  router.Use([api](Request&) -> std::optional<Response> { return std::nullopt; });
}

}  // namespace almanac::http
