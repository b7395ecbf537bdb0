#include "http/resources_api.h"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "domain/event_fields.h"
#include "http/auth.h"
#include "http/internal/json_writer.h"
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
using Fields = internal::JsonFields;

Error Invalid(std::string message) { return internal::BadField(std::move(message)); }
std::string Rfc3339(core::Instant t) { return domain::FormatRfc3339(t, 0); }

// "HH:MM" (00:00-24:00) as minutes.
std::optional<int> ParseClock(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (int i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

std::string FormatClock(int minutes) {
  return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

constexpr const char* kWeekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

Result<domain::ResourceChange> ReadResourceChange(const json& body, bool creating) {
  Fields f(body);
  domain::ResourceChange c;
  ALMANAC_RETURN_IF_ERROR(f.String("type", &c.type, 32));
  ALMANAC_RETURN_IF_ERROR(f.String("name", &c.name, 200));
  ALMANAC_RETURN_IF_ERROR(f.String("description", &c.description, 64 * 1024));
  ALMANAC_RETURN_IF_ERROR(f.String("location", &c.location, 1000));
  ALMANAC_RETURN_IF_ERROR(f.String("timezone", &c.timezone, 64));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("capacity", &c.capacity, 0, 100'000));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("units", &c.units, 1, 10'000));
  ALMANAC_RETURN_IF_ERROR(f.Bool("available", &c.available));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("buffer_before_min", &c.buffer_before_min, 0, 1440));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("buffer_after_min", &c.buffer_after_min, 0, 1440));
  ALMANAC_RETURN_IF_ERROR(f.Bool("requires_approval", &c.requires_approval));
  ALMANAC_RETURN_IF_ERROR(f.Ids("approver_user_ids", &c.approver_user_ids));
  if (const json* role = f.Get("approver_role")) {
    if (role->is_null()) {
      c.approver_role = std::optional<domain::Role>();
    } else {
      std::optional<domain::Role> r =
          role->is_string() ? domain::RoleFromName(role->get<std::string>()) : std::nullopt;
      if (!r) return Invalid("approver_role must be admin, manager, member, viewer or null");
      c.approver_role = r;
    }
  }
  ALMANAC_RETURN_IF_ERROR(f.Ranged("cost_per_use", &c.cost_per_use, 0, 1'000'000'000'000));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("cost_per_hour", &c.cost_per_hour, 0, 1'000'000'000'000));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("horizon_days", &c.horizon_days, 0, 3660));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("min_notice_min", &c.min_notice_min, 0, 525'600));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("min_duration_min", &c.min_duration_min, 0, 525'600));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("max_duration_min", &c.max_duration_min, 0, 525'600));
  ALMANAC_RETURN_IF_ERROR(f.Ids("booker_user_ids", &c.booker_user_ids));
  if (const json* roles = f.Get("booker_roles")) {
    if (!roles->is_array()) return Invalid("booker_roles must be an array of roles");
    std::vector<domain::Role> list;
    for (const json& item : *roles) {
      std::optional<domain::Role> r =
          item.is_string() ? domain::RoleFromName(item.get<std::string>()) : std::nullopt;
      if (!r) return Invalid("booker_roles: each must be admin, manager, member or viewer");
      list.push_back(*r);
    }
    c.booker_roles = std::move(list);
  }
  ALMANAC_RETURN_IF_ERROR(f.Bool("pending_blocks", &c.pending_blocks));
  ALMANAC_RETURN_IF_ERROR(f.Ranged("auto_release_min", &c.auto_release_min, 0, 525'600));
  if (const json* hours = f.Get("bookable_hours")) {
    if (!hours->is_array() || hours->size() > 100) {
      return Invalid("bookable_hours must be an array of at most 100 {weekday, from, to}");
    }
    std::vector<domain::BookableHours> list;
    for (const json& item : *hours) {
      if (!item.is_object()) return Invalid("bookable_hours must be an array of objects");
      Fields hf(item);
      std::optional<std::string> weekday, from, to;
      ALMANAC_RETURN_IF_ERROR(hf.String("weekday", &weekday, 3));
      ALMANAC_RETURN_IF_ERROR(hf.String("from", &from, 5));
      ALMANAC_RETURN_IF_ERROR(hf.String("to", &to, 5));
      ALMANAC_RETURN_IF_ERROR(hf.NoOthers("bookable_hours: "));
      domain::BookableHours h;
      h.weekday = -1;
      for (int i = 0; i < 7; ++i) {
        if (weekday == kWeekdays[i]) h.weekday = i;
      }
      if (h.weekday < 0) return Invalid("bookable_hours: weekday must be mon, tue, ... sun");
      std::optional<int> a = from ? ParseClock(*from) : std::nullopt;
      std::optional<int> b = to ? ParseClock(*to) : std::nullopt;
      if (!a || !b || *a >= *b) {
        return Invalid("bookable_hours: from and to must be HH:MM with from before to");
      }
      h.from_minute = *a;
      h.to_minute = *b;
      list.push_back(h);
    }
    c.bookable_hours = std::move(list);
  }
  if (const json* periods = f.Get("unavailability")) {
    if (!periods->is_array() || periods->size() > 1000) {
      return Invalid("unavailability must be an array of at most 1000 {reason, from, to}");
    }
    std::vector<domain::Unavailability> list;
    for (const json& item : *periods) {
      if (!item.is_object()) return Invalid("unavailability must be an array of objects");
      Fields uf(item);
      std::optional<std::string> reason;
      std::optional<core::Instant> from, to;
      ALMANAC_RETURN_IF_ERROR(uf.String("reason", &reason, 1000));
      ALMANAC_RETURN_IF_ERROR(uf.Instant("from", &from));
      ALMANAC_RETURN_IF_ERROR(uf.Instant("to", &to));
      ALMANAC_RETURN_IF_ERROR(uf.NoOthers("unavailability: "));
      if (!from || !to) return Invalid("unavailability: from and to are required");
      list.push_back(domain::Unavailability{reason.value_or(""), *from, *to});
    }
    c.unavailability = std::move(list);
  }
  ALMANAC_RETURN_IF_ERROR(f.NoOthers());
  if (creating && (!c.name || !c.type)) return Invalid("type and name are required");
  return c;
}

// A resource as JSON, written straight into `w` (a search answers with a
// hundred of these: a nlohmann DOM of them cost most of the request). Keys
// in alphabetical order, as the DOM wrote them.
void WriteResource(internal::JsonWriter& w, const domain::Resource& r) {
  const auto ids = [&w](std::string_view key, const std::vector<Id>& list) {
    w.Key(key);
    w.BeginArray();
    for (Id id : list) w.Int(id);
    w.EndArray();
  };
  w.BeginObject();
  w.Key("approver_role");
  if (r.approver_role) {
    w.String(domain::RoleName(*r.approver_role));
  } else {
    w.Null();
  }
  ids("approver_user_ids", r.approver_user_ids);
  w.Member("auto_release_min", r.auto_release_min);
  w.Member("available", r.available);
  w.Key("bookable_hours");
  w.BeginArray();
  for (const domain::BookableHours& h : r.bookable_hours) {
    w.BeginObject();
    w.Member("from", FormatClock(h.from_minute));
    w.Member("to", FormatClock(h.to_minute));
    w.Member("weekday", kWeekdays[h.weekday % 7]);
    w.EndObject();
  }
  w.EndArray();
  w.Key("booker_roles");
  w.BeginArray();
  for (domain::Role role : r.booker_roles) w.String(domain::RoleName(role));
  w.EndArray();
  ids("booker_user_ids", r.booker_user_ids);
  w.Member("buffer_after_min", r.buffer_after_min);
  w.Member("buffer_before_min", r.buffer_before_min);
  w.Member("calendar_id", r.calendar_id);
  w.Member("capacity", r.capacity);
  w.Member("cost_per_hour", r.cost_per_hour);
  w.Member("cost_per_use", r.cost_per_use);
  w.Member("created_at", Rfc3339(r.created_at));
  w.Member("description", r.description);
  w.Member("horizon_days", r.horizon_days);
  w.Member("id", r.id);
  w.Member("location", r.location);
  w.Member("max_duration_min", r.max_duration_min);
  w.Member("min_duration_min", r.min_duration_min);
  w.Member("min_notice_min", r.min_notice_min);
  w.Member("name", r.name);
  w.Member("pending_blocks", r.pending_blocks);
  w.Member("requires_approval", r.requires_approval);
  w.Member("timezone", r.timezone);
  w.Member("type", r.type);
  w.Key("unavailability");
  w.BeginArray();
  for (const domain::Unavailability& u : r.unavailability) {
    w.BeginObject();
    w.Member("from", Rfc3339(u.from));
    w.Member("reason", u.reason);
    w.Member("to", Rfc3339(u.to));
    w.EndObject();
  }
  w.EndArray();
  w.Member("units", r.units);
  w.Member("updated_at", Rfc3339(r.updated_at));
  w.EndObject();
}

Response ResourceResponse(const domain::Resource& r, int status = 200) {
  std::string out;
  out.reserve(900);
  internal::JsonWriter w(&out);
  WriteResource(w, r);
  return Response::Json(status, std::move(out));
}

// {"items":[...]}.
Response ResourceListResponse(const std::vector<domain::Resource>& list) {
  std::string out;
  out.reserve(list.size() * 900 + 16);
  internal::JsonWriter w(&out);
  w.BeginObject();
  w.Key("items");
  w.BeginArray();
  for (const domain::Resource& r : list) WriteResource(w, r);
  w.EndArray();
  w.EndObject();
  return Response::Json(200, std::move(out));
}

json BookingJson(const domain::BookingView& v) {
  const domain::Booking& b = v.booking;
  json out{{"id", b.id},
           {"resource_id", b.resource_id},
           {"resource_name", v.resource_name},
           {"status", domain::BookingStatusName(b.status)},
           {"start", Rfc3339(b.start)},
           {"end", Rfc3339(b.end)},
           {"block_start", Rfc3339(b.block_start)},
           {"block_end", Rfc3339(b.block_end)},
           {"blocking", b.blocking},
           {"event_id", b.event_id ? json(*b.event_id) : json(nullptr)},
           {"recurrence_id", b.recurrence_id.empty() ? json(nullptr) : json(b.recurrence_id)},
           {"group_id", b.group_id ? json(*b.group_id) : json(nullptr)},
           {"details", v.details},
           {"checked_in_at", b.checked_in_at ? json(Rfc3339(*b.checked_in_at)) : json(nullptr)},
           {"created_at", Rfc3339(b.created_at)},
           {"updated_at", Rfc3339(b.updated_at)}};
  if (v.details) {
    out["title"] = b.title;
    out["notes"] = b.notes;
    out["requester_id"] = b.requester_id;
    out["requester_name"] = v.requester_name;
    json history = json::array();
    for (const domain::BookingHistoryEntry& e : v.history) {
      history.push_back(json{{"actor_id", e.actor_id},
                             {"action", e.action},
                             {"status", domain::BookingStatusName(e.status)},
                             {"comment", e.comment},
                             {"at", Rfc3339(e.at)}});
    }
    out["history"] = std::move(history);
  } else {
    out["title"] = "busy";
  }
  return out;
}

json ClashJson(const domain::BookingClash& c) {
  json out{
      {"start", Rfc3339(c.requested.start)}, {"end", Rfc3339(c.requested.end)}, {"kind", c.kind}};
  if (!c.recurrence_id.empty()) out["recurrence_id"] = c.recurrence_id;
  if (!c.reason.empty()) out["reason"] = c.reason;
  if (c.holder_booking_id) out["booking_id"] = *c.holder_booking_id;
  if (c.holder_span) {
    out["holder_start"] = Rfc3339(c.holder_span->start);
    out["holder_end"] = Rfc3339(c.holder_span->end);
  }
  if (c.kind == "booking") {
    out["holder"] = c.holder_name.empty() ? c.holder_title
                                          : fmt::format("{} ({})", c.holder_title, c.holder_name);
    out["title"] = c.holder_title;
    if (!c.holder_name.empty()) out["requester"] = c.holder_name;
  }
  return out;
}

json SpansJson(const std::vector<domain::TimeSpan>& spans) {
  json out = json::array();
  for (const domain::TimeSpan& s : spans) {
    out.push_back(json{{"start", Rfc3339(s.start)}, {"end", Rfc3339(s.end)}});
  }
  return out;
}

Result<core::Instant> QueryTime(const Request& req, const char* name) {
  std::optional<std::string> text = req.Query(name);
  if (!text) return Invalid(fmt::format("the query needs {}= (RFC 3339 or YYYY-MM-DD)", name));
  Result<domain::ApiTime> t = domain::ParseApiTime(*text);
  if (!t.ok()) return Invalid(fmt::format("{}: {}", name, t.error().message));
  if (t->all_day) {
    return core::Instant::FromUnixSeconds(core::LocalDateTime::FromDate(t->date).seconds());
  }
  return t->instant;
}

// The JSON of every resource of a cached resource list (ResourceService::
// SearchShared), rendered once per list: the list object lives, unchanged,
// until a resource of its organisation changes, and a "free rooms now"
// search would otherwise render the same hundred resources every time.
class ResourceJsonCache {
 public:
  using List = std::shared_ptr<const std::vector<domain::Resource>>;
  using Texts = std::shared_ptr<const std::vector<std::string>>;

  Texts For(const List& list) {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(entries_, [](const Entry& e) { return e.list.expired(); });
    for (const Entry& e : entries_) {
      if (e.list.lock() == list) return e.texts;
    }
    auto texts = std::make_shared<std::vector<std::string>>();
    texts->reserve(list->size());
    for (const domain::Resource& r : *list) {
      std::string text;
      internal::JsonWriter w(&text);
      WriteResource(w, r);
      texts->push_back(std::move(text));
    }
    entries_.push_back(Entry{list, texts});
    return texts;
  }

 private:
  struct Entry {
    std::weak_ptr<const std::vector<domain::Resource>> list;
    Texts texts;
  };
  std::mutex mu_;
  std::vector<Entry> entries_;  // one per organisation with a live list, about
};

class ResourceApi {
 public:
  explicit ResourceApi(const ResourceApiServices& s) : s_(s) {}

  Handler Authed(internal::AuthedHandler h) const {
    return internal::RequireCaller(*s_.accounts, std::move(h));
  }

  // POST /api/v1/bookings/{id}/<action> with an optional {comment}.
  Handler Decide(std::string action) const {
    return Authed([this, action](Request& req, const Principal& p) -> Response {
      Result<Id> id = PathId(req, "id", "booking");
      if (!id.ok()) return Fail(id.error());
      Result<json> body = internal::ParseJsonBody(req, s_.max_json_bytes, true);
      if (!body.ok()) return Fail(body.error());
      Fields f(*body);
      std::optional<std::string> comment;
      std::optional<bool> reject_conflicting;
      Status st = f.String("comment", &comment, 4096);
      if (st.ok() && action == "approve") st = f.Bool("reject_conflicting", &reject_conflicting);
      if (st.ok()) st = f.NoOthers();
      if (!st.ok()) return Fail(st);
      json extra = json::object();
      if (action == "approve") {
        domain::ApproveOptions o;
        o.comment = comment.value_or("");
        o.reject_conflicting = reject_conflicting.value_or(true);
        Result<domain::Approved> a = s_.resources->Approve(p, *id, o);
        if (!a.ok()) return Fail(a.error());
        extra["auto_rejected"] = a->auto_rejected;
      } else if (action == "reject") {
        Result<domain::Booking> b = s_.resources->Reject(p, *id, comment.value_or(""));
        if (!b.ok()) return Fail(b.error());
      } else if (action == "check-in") {
        Result<domain::Booking> b = s_.resources->CheckIn(p, *id);
        if (!b.ok()) return Fail(b.error());
      } else {
        Result<domain::Booking> b = s_.resources->Cancel(p, *id, comment.value_or(""));
        if (!b.ok()) return Fail(b.error());
      }
      Result<domain::BookingView> v = s_.resources->GetBooking(p, *id);
      if (!v.ok()) return Fail(v.error());
      json out = BookingJson(*v);
      for (auto& [k, val] : extra.items()) out[k] = val;
      return JsonOk(out);
    });
  }

  void Register(Router& r) {
    r.Add("GET", "/api/v1/resources", Authed([this](Request&, const Principal& p) -> Response {
            Result<std::vector<domain::Resource>> list = s_.resources->List(p);
            if (!list.ok()) return Fail(list.error());
            return ResourceListResponse(*list);
          }));
    r.Add("POST", "/api/v1/resources", Authed([this](Request& req, const Principal& p) -> Response {
            Result<json> body = internal::ParseJsonBody(req, s_.max_json_bytes, false);
            if (!body.ok()) return Fail(body.error());
            Result<domain::ResourceChange> change = ReadResourceChange(*body, true);
            if (!change.ok()) return Fail(change.error());
            Result<domain::Resource> x = s_.resources->Create(p, *change);
            if (!x.ok()) return Fail(x.error());
            return ResourceResponse(*x, 201).With("Location",
                                                  fmt::format("/api/v1/resources/{}", x->id));
          }));
    r.Add("GET", "/api/v1/resources/search",
          Authed([this](Request& req, const Principal& p) -> Response {
            domain::ResourceSearch q;
            q.type = req.Query("type").value_or("");
            q.location = req.Query("location").value_or("");
            if (q.location.size() > 1000) return Fail(Invalid("location is too long"));
            if (std::optional<std::string> cap = req.Query("min_capacity")) {
              if (cap->empty() || cap->size() > 6 ||
                  cap->find_first_not_of("0123456789") != std::string::npos) {
                return Fail(Invalid("min_capacity must be a whole number 0-999999"));
              }
              q.min_capacity = std::stoi(*cap);
            }
            const bool has_from = req.Query("from").has_value();
            const bool has_to = req.Query("to").has_value();
            if (has_from != has_to) return Fail(Invalid("give both from= and to=, or neither"));
            if (has_from) {
              Result<core::Instant> from = QueryTime(req, "from");
              if (!from.ok()) return Fail(from.error());
              Result<core::Instant> to = QueryTime(req, "to");
              if (!to.ok()) return Fail(to.error());
              q.free = domain::TimeSpan{*from, *to};
            }
            Result<domain::ResourceService::Selection> found = s_.resources->SearchShared(p, q);
            if (!found.ok()) return Fail(found.error());
            ResourceJsonCache::Texts texts = json_cache_->For(found->all);
            std::string out = "{\"items\":[";
            std::size_t size = out.size() + 2;
            for (std::size_t i : found->picked) size += (*texts)[i].size() + 1;
            out.reserve(size);
            for (std::size_t k = 0; k < found->picked.size(); ++k) {
              if (k > 0) out.push_back(',');
              out.append((*texts)[found->picked[k]]);
            }
            out.append("]}");
            return Response::Json(200, std::move(out));
          }));
    r.Add("GET", "/api/v1/resources/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id", "resource");
            if (!id.ok()) return Fail(id.error());
            Result<domain::Resource> x = s_.resources->Get(p, *id);
            if (!x.ok()) return Fail(x.error());
            return ResourceResponse(*x);
          }));
    r.Add("PATCH", "/api/v1/resources/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id", "resource");
            if (!id.ok()) return Fail(id.error());
            Result<json> body = internal::ParseJsonBody(req, s_.max_json_bytes, false);
            if (!body.ok()) return Fail(body.error());
            Result<domain::ResourceChange> change = ReadResourceChange(*body, false);
            if (!change.ok()) return Fail(change.error());
            Result<domain::Resource> x = s_.resources->Update(p, *id, *change);
            if (!x.ok()) return Fail(x.error());
            return ResourceResponse(*x);
          }));
    r.Add("DELETE", "/api/v1/resources/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id", "resource");
            if (!id.ok()) return Fail(id.error());
            Status st = s_.resources->Delete(p, *id);
            if (!st.ok()) return Fail(st);
            return Response::NoContent();
          }));
    r.Add("GET", "/api/v1/resources/{id}/bookings",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id", "resource");
            if (!id.ok()) return Fail(id.error());
            Result<core::Instant> from = QueryTime(req, "from");
            if (!from.ok()) return Fail(from.error());
            Result<core::Instant> to = QueryTime(req, "to");
            if (!to.ok()) return Fail(to.error());
            Result<std::vector<domain::BookingView>> list =
                s_.resources->ListBookings(p, *id, *from, *to);
            if (!list.ok()) return Fail(list.error());
            json items = json::array();
            for (const domain::BookingView& v : *list) items.push_back(BookingJson(v));
            return JsonOk(json{{"items", std::move(items)}});
          }));
    r.Add("GET", "/api/v1/resources/{id}/availability",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id", "resource");
            if (!id.ok()) return Fail(id.error());
            Result<core::Instant> from = QueryTime(req, "from");
            if (!from.ok()) return Fail(from.error());
            Result<core::Instant> to = QueryTime(req, "to");
            if (!to.ok()) return Fail(to.error());
            Result<std::vector<domain::TimeSpan>> free =
                s_.resources->Availability(p, *id, *from, *to);
            if (!free.ok()) return Fail(free.error());
            return JsonOk(json{{"resource_id", *id}, {"free", SpansJson(*free)}});
          }));

    r.Add("POST", "/api/v1/bookings", Authed([this](Request& req, const Principal& p) -> Response {
            Result<json> body = internal::ParseJsonBody(req, s_.max_json_bytes, false);
            if (!body.ok()) return Fail(body.error());
            Fields f(*body);
            std::optional<Id> resource_id, event_id;
            std::optional<core::Instant> start, end;
            std::optional<std::string> title, notes, on_conflict;
            Status st = f.Ranged("resource_id", &resource_id, 1, INT64_MAX);
            if (st.ok()) st = f.Ranged("event_id", &event_id, 1, INT64_MAX);
            if (st.ok()) st = f.Instant("start", &start);
            if (st.ok()) st = f.Instant("end", &end);
            if (st.ok()) st = f.String("title", &title, 1024);
            if (st.ok()) st = f.String("notes", &notes, 64 * 1024);
            if (st.ok()) st = f.String("on_conflict", &on_conflict, 16);
            if (st.ok()) st = f.NoOthers();
            if (st.ok() && !resource_id) st = Invalid("resource_id is required");
            if (st.ok() && on_conflict && *on_conflict != "fail" && *on_conflict != "skip") {
              st = Invalid("on_conflict must be fail or skip");
            }
            if (!st.ok()) return Fail(st);
            domain::BookingRequest b;
            b.resource_id = *resource_id;
            b.event_id = event_id;
            b.start = start;
            b.end = end;
            b.title = title.value_or("");
            b.notes = notes.value_or("");
            b.on_conflict =
                on_conflict == "skip" ? domain::OnConflict::kSkip : domain::OnConflict::kFail;
            domain::BookingConflict conflict;
            Result<domain::BookingCreated> made = s_.resources->Book(p, b, &conflict);
            if (!made.ok()) {
              if (made.error().code != Code::kConflict) return Fail(made.error());
              json clashes = json::array();
              for (const domain::BookingClash& c : conflict.clashes)
                clashes.push_back(ClashJson(c));
              json extra{{"clashes", std::move(clashes)},
                         {"free_slots", SpansJson(conflict.free_slots)}};
              return ProblemResponse(made.error(), extra.dump());
            }
            json bookings = json::array();
            for (const domain::Booking& x : made->bookings) {
              bookings.push_back(
                  json{{"id", x.id},
                       {"status", domain::BookingStatusName(x.status)},
                       {"start", Rfc3339(x.start)},
                       {"end", Rfc3339(x.end)},
                       {"recurrence_id",
                        x.recurrence_id.empty() ? json(nullptr) : json(x.recurrence_id)}});
            }
            json skipped = json::array();
            for (const domain::BookingClash& c : made->skipped) skipped.push_back(ClashJson(c));
            const domain::Booking& first = made->bookings.front();
            json out{{"id", first.id},
                     {"status", domain::BookingStatusName(first.status)},
                     {"group_id", made->group_id ? json(*made->group_id) : json(nullptr)},
                     {"bookings", std::move(bookings)},
                     {"skipped", std::move(skipped)}};
            return JsonOk(out, 201).With("Location", fmt::format("/api/v1/bookings/{}", first.id));
          }));
    r.Add("GET", "/api/v1/bookings", Authed([this](Request& req, const Principal& p) -> Response {
            if (Status s = internal::OnlyParams(req, {"event_id"}); !s.ok()) return Fail(s);
            std::optional<std::string> event = req.Query("event_id");
            if (!event) return Fail(Invalid("the query needs event_id="));
            std::optional<Id> id = internal::DecimalId(*event);
            if (!id) return Fail(Invalid("event_id must be an event id"));
            Result<std::vector<domain::BookingView>> list = s_.resources->EventBookings(p, *id);
            if (!list.ok()) return Fail(list.error());
            json items = json::array();
            for (const domain::BookingView& v : *list) items.push_back(BookingJson(v));
            return JsonOk(json{{"items", std::move(items)}});
          }));
    r.Add("GET", "/api/v1/bookings/{id}",
          Authed([this](Request& req, const Principal& p) -> Response {
            Result<Id> id = PathId(req, "id", "booking");
            if (!id.ok()) return Fail(id.error());
            Result<domain::BookingView> v = s_.resources->GetBooking(p, *id);
            if (!v.ok()) return Fail(v.error());
            return JsonOk(BookingJson(*v));
          }));
    r.Add("POST", "/api/v1/bookings/{id}/approve", Decide("approve"));
    r.Add("POST", "/api/v1/bookings/{id}/reject", Decide("reject"));
    r.Add("POST", "/api/v1/bookings/{id}/cancel", Decide("cancel"));
    r.Add("POST", "/api/v1/bookings/{id}/check-in", Decide("check-in"));
    // GET /api/v1/approvals, across bookings and leave, is in leave_api.cpp.
  }

 private:
  ResourceApiServices s_;
  std::shared_ptr<ResourceJsonCache> json_cache_ = std::make_shared<ResourceJsonCache>();
};

}  // namespace

void RegisterResourceApi(Router& router, const ResourceApiServices& services) {
  if (services.resources == nullptr || services.accounts == nullptr) return;
  auto api = std::make_shared<ResourceApi>(services);
  api->Register(router);
  // The handlers capture the object by pointer; this no-op middleware owns it.
  router.Use([api](Request&) -> std::optional<Response> { return std::nullopt; });
}

}  // namespace almanac::http
