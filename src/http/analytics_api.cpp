#include "http/analytics_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/event_fields.h"
#include "http/internal/accept.h"
#include "http/internal/csv_writer.h"
#include "http/internal/rest.h"

namespace almanac::http {
namespace {

using domain::Principal;
using internal::Fail;

Error Invalid(std::string message) { return internal::BadField(std::move(message)); }

std::string IsoDate(core::Date d) { return domain::FormatIsoDate(d); }

// `x` rounded to `decimals` places, for JSON numbers that read well.
double Rounded(double x, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(x * scale) / scale;
}
double Hours(std::int64_t seconds) { return Rounded(static_cast<double>(seconds) / 3600.0, 2); }
std::optional<double> HoursOpt(std::int64_t seconds) {
  return static_cast<double>(seconds) / 3600.0;
}

Result<core::Date> QueryDate(const Request& req, const char* name) {
  std::optional<std::string> text = req.Query(name);
  if (!text) return Invalid(fmt::format("the query needs {}= (YYYY-MM-DD)", name));
  Result<domain::ApiTime> t = domain::ParseApiTime(*text);
  if (!t.ok() || !t->all_day) return Invalid(fmt::format("{} must be a date (YYYY-MM-DD)", name));
  return t->date;
}

// A whole number in [min, max] from the query, or `fallback` when absent.
Result<std::int64_t> QueryInt(const Request& req, const char* name, std::int64_t fallback,
                              std::int64_t min, std::int64_t max, const char* what) {
  std::optional<std::string> text = req.Query(name);
  if (!text) return fallback;
  const Error bad = Invalid(fmt::format("{} must be {}", name, what));
  if (text->empty() || text->size() > 18 ||
      text->find_first_not_of("0123456789") != std::string::npos) {
    return bad;
  }
  const std::int64_t v = std::stoll(*text);
  if (v < min || v > max) return bad;
  return v;
}

Result<domain::AnalyticsScope> ReadScope(const Request& req) {
  domain::AnalyticsScope s;
  ALMANAC_ASSIGN_OR_RETURN(s.from, QueryDate(req, "from"));
  ALMANAC_ASSIGN_OR_RETURN(s.to, QueryDate(req, "to"));
  s.type = req.Query("type").value_or("");
  if (s.type.size() > 32) {
    return Invalid("type must be a resource type key (1-32 of a-z, 0-9, _ and -)");
  }
  if (req.Query("resource")) {
    ALMANAC_ASSIGN_OR_RETURN(std::int64_t id,
                             QueryInt(req, "resource", 0, 1, INT64_MAX, "a resource id"));
    s.resource_id = id;
  }
  return s;
}

// The q of `type` in an Accept header (RFC 9110 §12.5.1), exact media types
// only; -1 when not listed. `position` gets its index in the list.
double AcceptQ(std::string_view accept, std::string_view type, int* position) {
  const std::vector<internal::AcceptItem> items = internal::ParseAcceptList(accept);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (EqualsIgnoreCase(items[i].value, type)) {
      *position = static_cast<int>(i);
      return items[i].q;
    }
  }
  return -1;
}

// CSV for format=csv, or when Accept prefers text/csv to application/json
// (on a tie, the one listed first). Errors: kInvalidArgument for another format.
Result<bool> WantsCsv(const Request& req) {
  if (std::optional<std::string> format = req.Query("format")) {
    if (*format == "csv") return true;
    if (*format == "json") return false;
    return Invalid("format must be json or csv");
  }
  std::optional<std::string_view> accept = req.Header("Accept");
  if (!accept) return false;
  int csv_at = 0;
  int json_at = 0;
  const double csv = AcceptQ(*accept, "text/csv", &csv_at);
  const double js = AcceptQ(*accept, "application/json", &json_at);
  if (csv <= 0) return false;
  return js < 0 || csv > js || (csv == js && csv_at < json_at);
}

Response CsvResponse(std::string body, const std::string& filename) {
  Response r = Response::Text(200, std::move(body));
  r.AddHeader("Vary", "Accept");
  return std::move(r)
      .With("Content-Type", "text/csv; charset=utf-8; header=present")
      .With("Content-Disposition", fmt::format("attachment; filename=\"{}\"", filename));
}

Response JsonResponse(std::string body) {
  Response r = Response::Json(200, std::move(body));
  r.AddHeader("Vary", "Accept");
  return r;
}

// The JSON answers are written directly (two years of weeks of 200
// resources are 21,000 rows: a nlohmann DOM of them costs ten times the
// query). Keys are literals; strings are escaped per RFC 8259 §7.
class JsonOut {
 public:
  explicit JsonOut(std::string* out) : out_(out) {}
  JsonOut& Raw(std::string_view text) {
    out_->append(text);
    return *this;
  }
  // `"key":` preceded by a comma unless it opens the object.
  JsonOut& Key(std::string_view key, bool first = false) {
    if (!first) out_->push_back(',');
    out_->push_back('"');
    out_->append(key);
    out_->append("\":");
    return *this;
  }
  JsonOut& Str(std::string_view v) {
    out_->push_back('"');
    for (char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out_->push_back('\\');
        out_->push_back(ch);
      } else if (c < 0x20) {
        fmt::format_to(std::back_inserter(*out_), "\\u{:04x}", c);
      } else {
        out_->push_back(ch);
      }
    }
    out_->push_back('"');
    return *this;
  }
  JsonOut& Int(std::int64_t v) {
    fmt::format_to(std::back_inserter(*out_), "{}", v);
    return *this;
  }
  // Shortest text that reads back as `v` (as nlohmann writes doubles).
  JsonOut& Num(double v) {
    fmt::format_to(std::back_inserter(*out_), "{}", v);
    return *this;
  }
  JsonOut& Opt(std::optional<double> v, int decimals) {
    if (v) return Num(Rounded(*v, decimals));
    return Raw("null");
  }

 private:
  std::string* out_;
};

void PutFigures(JsonOut& o, const domain::UsageFigures& f) {
  o.Key("booked_hours").Num(Hours(f.booked_seconds));
  o.Key("bookable_hours").Num(Hours(f.bookable_seconds));
  o.Key("utilisation").Opt(f.Utilisation(), 4);
  o.Key("bookings").Int(f.bookings.approved);
  o.Key("pending").Int(f.bookings.pending);
  o.Key("approved").Int(f.bookings.approved);
  o.Key("rejected").Int(f.bookings.rejected);
  o.Key("cancelled").Int(f.bookings.cancelled);
  o.Key("rejection_rate").Opt(f.RejectionRate(), 4);
  o.Key("cost").Int(f.cost);
}

void CsvFigures(internal::CsvWriter& w, const domain::UsageFigures& f) {
  w.Decimal(HoursOpt(f.booked_seconds), 2);
  w.Decimal(HoursOpt(f.bookable_seconds), 2);
  w.Decimal(f.Utilisation(), 4);
  w.Number(f.bookings.approved);
  w.Number(f.bookings.pending);
  w.Number(f.bookings.approved);
  w.Number(f.bookings.rejected);
  w.Number(f.bookings.cancelled);
  w.Decimal(f.RejectionRate(), 4);
  w.Number(f.cost);
}

Response Utilisation(const Request& req, const Principal& p, domain::AnalyticsService& analytics) {
  if (Status s = internal::OnlyParams(req, {"from", "to", "period", "type", "resource", "format"});
      !s.ok()) {
    return Fail(s.error());
  }
  Result<domain::AnalyticsScope> scope = ReadScope(req);
  if (!scope.ok()) return Fail(scope.error());
  const std::string period_name = req.Query("period").value_or("month");
  std::optional<domain::AnalyticsPeriod> period = domain::AnalyticsPeriodFromName(period_name);
  if (!period) return Fail(Invalid("period must be week or month"));
  Result<bool> csv = WantsCsv(req);
  if (!csv.ok()) return Fail(csv.error());
  Result<domain::ResourceUtilisation> u = analytics.Utilisation(p, *scope, *period);
  if (!u.ok()) return Fail(u.error());

  if (*csv) {
    std::string body;
    internal::CsvWriter w(&body);
    w.Row({"level", "type", "resource_id", "resource_name", "timezone", "units", "period", "start",
           "end", "booked_hours", "bookable_hours", "utilisation", "bookings", "pending",
           "approved", "rejected", "cancelled", "rejection_rate", "cost"});
    for (const domain::ResourcePeriodUsage& r : u->resources) {
      w.Text("resource");
      w.Text(r.type);
      w.Number(r.resource_id);
      w.Text(r.resource_name);
      w.Text(r.timezone);
      w.Number(r.units);
      w.Text(r.period.label);
      w.Text(IsoDate(r.period.start));
      w.Text(IsoDate(r.period.end));
      CsvFigures(w, r.figures);
      w.EndRow();
    }
    for (const domain::TypePeriodUsage& t : u->types) {
      w.Text("type");
      w.Text(t.type);
      w.Empty();
      w.Empty();
      w.Empty();
      w.Empty();
      w.Text(t.period);
      w.Empty();
      w.Empty();
      CsvFigures(w, t.figures);
      w.EndRow();
    }
    return CsvResponse(std::move(body),
                       fmt::format("resource-utilisation_{}_{}_{}.csv", IsoDate(scope->from),
                                   IsoDate(scope->to), domain::AnalyticsPeriodName(*period)));
  }

  std::string body;
  body.reserve(u->resources.size() * 420 + u->types.size() * 300 + 100);
  JsonOut o(&body);
  o.Raw("{").Key("from", true).Str(IsoDate(scope->from));
  o.Key("to").Str(IsoDate(scope->to));
  o.Key("period").Str(domain::AnalyticsPeriodName(*period));
  o.Key("resources").Raw("[");
  bool first = true;
  for (const domain::ResourcePeriodUsage& r : u->resources) {
    o.Raw(first ? "{" : ",{");
    first = false;
    o.Key("resource_id", true).Int(r.resource_id);
    o.Key("resource_name").Str(r.resource_name);
    o.Key("type").Str(r.type);
    o.Key("timezone").Str(r.timezone);
    o.Key("units").Int(r.units);
    o.Key("period").Str(r.period.label);
    o.Key("start").Str(IsoDate(r.period.start));
    o.Key("end").Str(IsoDate(r.period.end));
    PutFigures(o, r.figures);
    o.Raw("}");
  }
  o.Raw("]").Key("types").Raw("[");
  first = true;
  for (const domain::TypePeriodUsage& t : u->types) {
    o.Raw(first ? "{" : ",{");
    first = false;
    o.Key("type", true).Str(t.type);
    o.Key("period").Str(t.period);
    o.Key("resources").Int(t.resources);
    PutFigures(o, t.figures);
    o.Raw("}");
  }
  o.Raw("]}");
  return JsonResponse(std::move(body));
}

Response Requesters(const Request& req, const Principal& p, domain::AnalyticsService& analytics) {
  if (Status s = internal::OnlyParams(req, {"from", "to", "limit", "type", "resource", "format"});
      !s.ok()) {
    return Fail(s.error());
  }
  Result<domain::AnalyticsScope> scope = ReadScope(req);
  if (!scope.ok()) return Fail(scope.error());
  Result<std::int64_t> limit = QueryInt(req, "limit", 10, 1, 1000, "a whole number 1-1000");
  if (!limit.ok()) return Fail(limit.error());
  Result<bool> csv = WantsCsv(req);
  if (!csv.ok()) return Fail(csv.error());
  Result<domain::RequesterRanking> ranking =
      analytics.TopRequesters(p, *scope, static_cast<int>(*limit));
  if (!ranking.ok()) return Fail(ranking.error());

  if (*csv) {
    std::string body;
    internal::CsvWriter w(&body);
    w.Row({"rank", "user_id", "name", "booked_hours", "bookings", "pending", "approved", "rejected",
           "cancelled", "rejection_rate"});
    int rank = 0;
    for (const domain::RequesterUsage& u : ranking->items) {
      w.Number(++rank);
      w.Number(u.user_id);
      w.Text(u.name);
      w.Decimal(HoursOpt(u.booked_seconds), 2);
      w.Number(u.bookings.approved);
      w.Number(u.bookings.pending);
      w.Number(u.bookings.approved);
      w.Number(u.bookings.rejected);
      w.Number(u.bookings.cancelled);
      w.Decimal(u.RejectionRate(), 4);
      w.EndRow();
    }
    return CsvResponse(std::move(body), fmt::format("top-requesters_{}_{}.csv",
                                                    IsoDate(scope->from), IsoDate(scope->to)));
  }

  std::string body;
  JsonOut o(&body);
  o.Raw("{").Key("from", true).Str(IsoDate(scope->from));
  o.Key("to").Str(IsoDate(scope->to));
  o.Key("requesters").Int(ranking->requesters);
  o.Key("items").Raw("[");
  int rank = 0;
  for (const domain::RequesterUsage& u : ranking->items) {
    o.Raw(rank == 0 ? "{" : ",{");
    o.Key("rank", true).Int(++rank);
    o.Key("user_id").Int(u.user_id);
    o.Key("name").Str(u.name);
    o.Key("booked_hours").Num(Hours(u.booked_seconds));
    o.Key("bookings").Int(u.bookings.approved);
    o.Key("pending").Int(u.bookings.pending);
    o.Key("approved").Int(u.bookings.approved);
    o.Key("rejected").Int(u.bookings.rejected);
    o.Key("cancelled").Int(u.bookings.cancelled);
    o.Key("rejection_rate").Opt(u.RejectionRate(), 4);
    o.Raw("}");
  }
  o.Raw("]}");
  return JsonResponse(std::move(body));
}

double DaysOf(int half_days) { return half_days / 2.0; }

void PutLeaveFigures(JsonOut& o, const domain::LeaveFigures& f,
                     const std::vector<domain::LeaveType>& types) {
  o.Key("members").Int(f.members);
  o.Key("working_days").Int(f.working_days);
  o.Key("people_on_leave").Int(f.people_on_leave);
  o.Key("requests").Int(f.requests);
  o.Key("approved_days").Num(DaysOf(f.approved_half_days));
  o.Key("pending_days").Num(DaysOf(f.pending_half_days));
  o.Key("absence_rate").Opt(f.AbsenceRate(), 4);
  o.Key("by_type").Raw("{");
  for (std::size_t i = 0; i < types.size(); ++i) {
    o.Key(types[i].key, i == 0).Raw("{");
    o.Key("approved_days", true).Num(DaysOf(f.approved_by_type[i]));
    o.Key("pending_days").Num(DaysOf(f.pending_by_type[i]));
    o.Raw("}");
  }
  o.Raw("}");
}

void CsvLeaveRow(internal::CsvWriter& w, std::string_view level, const domain::TeamMonthLeave& t) {
  const domain::LeaveFigures& f = t.figures;
  w.Text(level);
  w.Text(t.team);
  w.Text(t.period.label);
  w.Text(IsoDate(t.period.start));
  w.Text(IsoDate(t.period.end));
  w.Number(f.members);
  w.Number(f.working_days);
  w.Number(f.people_on_leave);
  w.Number(f.requests);
  w.Decimal(DaysOf(f.approved_half_days), 1);
  w.Decimal(DaysOf(f.pending_half_days), 1);
  w.Decimal(f.AbsenceRate(), 4);
  for (std::size_t i = 0; i < f.approved_by_type.size(); ++i) {
    w.Decimal(DaysOf(f.approved_by_type[i]), 1);
    w.Decimal(DaysOf(f.pending_by_type[i]), 1);
  }
  w.EndRow();
}

Response LeaveByTeam(const Request& req, const Principal& p, domain::AnalyticsService& analytics) {
  if (Status s = internal::OnlyParams(req, {"from", "to", "team", "format"}); !s.ok())
    return Fail(s.error());
  domain::LeaveSummaryScope scope;
  Result<core::Date> from = QueryDate(req, "from");
  if (!from.ok()) return Fail(from.error());
  Result<core::Date> to = QueryDate(req, "to");
  if (!to.ok()) return Fail(to.error());
  scope.from = *from;
  scope.to = *to;
  scope.team = req.Query("team");
  Result<bool> csv = WantsCsv(req);
  if (!csv.ok()) return Fail(csv.error());
  Result<domain::LeaveSummary> summary = analytics.LeaveByTeam(p, scope);
  if (!summary.ok()) return Fail(summary.error());

  if (*csv) {
    std::string body;
    internal::CsvWriter w(&body);
    for (std::string_view h :
         {"level", "team", "period", "start", "end", "members", "working_days", "people_on_leave",
          "requests", "approved_days", "pending_days", "absence_rate"}) {
      w.Text(h);
    }
    for (const domain::LeaveType& t : summary->types) {
      w.Text(t.key + "_approved_days");
      w.Text(t.key + "_pending_days");
    }
    w.EndRow();
    for (const domain::TeamMonthLeave& t : summary->teams) CsvLeaveRow(w, "team", t);
    for (const domain::TeamMonthLeave& t : summary->overall) CsvLeaveRow(w, "organisation", t);
    return CsvResponse(std::move(body), fmt::format("leave-summary_{}_{}.csv", IsoDate(scope.from),
                                                    IsoDate(scope.to)));
  }

  std::string body;
  body.reserve(
      (summary->teams.size() + summary->overall.size()) * (300 + 60 * summary->types.size()) + 200);
  JsonOut o(&body);
  o.Raw("{").Key("from", true).Str(IsoDate(scope.from));
  o.Key("to").Str(IsoDate(scope.to));
  o.Key("types").Raw("[");
  for (std::size_t i = 0; i < summary->types.size(); ++i) {
    const domain::LeaveType& t = summary->types[i];
    o.Raw(i == 0 ? "{" : ",{");
    o.Key("key", true).Str(t.key);
    o.Key("name").Str(t.name);
    o.Key("color").Str(t.color);
    o.Key("active").Raw(t.active ? "true" : "false");
    o.Raw("}");
  }
  o.Raw("]");
  const auto rows = [&](const char* key, const std::vector<domain::TeamMonthLeave>& list,
                        bool with_team) {
    o.Key(key).Raw("[");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const domain::TeamMonthLeave& t = list[i];
      o.Raw(i == 0 ? "{" : ",{");
      if (with_team) o.Key("team", true).Str(t.team);
      o.Key("period", !with_team).Str(t.period.label);
      o.Key("start").Str(IsoDate(t.period.start));
      o.Key("end").Str(IsoDate(t.period.end));
      PutLeaveFigures(o, t.figures, summary->types);
      o.Raw("}");
    }
    o.Raw("]");
  };
  rows("teams", summary->teams, true);
  rows("overall", summary->overall, false);
  o.Raw("}");
  return JsonResponse(std::move(body));
}

}  // namespace

void RegisterAnalyticsApi(Router& router, const AnalyticsApiServices& services) {
  if (services.analytics == nullptr || services.accounts == nullptr) return;
  domain::AnalyticsService* analytics = services.analytics;
  router.Add(
      "GET", "/api/v1/analytics/resources",
      internal::RequireCaller(*services.accounts, [analytics](Request& req, const Principal& p) {
        return Utilisation(req, p, *analytics);
      }));
  router.Add(
      "GET", "/api/v1/analytics/requesters",
      internal::RequireCaller(*services.accounts, [analytics](Request& req, const Principal& p) {
        return Requesters(req, p, *analytics);
      }));
  router.Add(
      "GET", "/api/v1/analytics/leave",
      internal::RequireCaller(*services.accounts, [analytics](Request& req, const Principal& p) {
        return LeaveByTeam(req, p, *analytics);
      }));
}

}  // namespace almanac::http
