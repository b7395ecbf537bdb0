#include "domain/analytics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "core/time_zone.h"
#include "domain/leave.h"
#include "domain/resources.h"

namespace almanac::domain {

std::optional<AnalyticsPeriod> AnalyticsPeriodFromName(std::string_view name) {
  if (name == "week") return AnalyticsPeriod::kWeek;
  if (name == "month") return AnalyticsPeriod::kMonth;
  return std::nullopt;
}

const char* AnalyticsPeriodName(AnalyticsPeriod period) {
  return period == AnalyticsPeriod::kWeek ? "week" : "month";
}

std::optional<double> UsageFigures::Utilisation() const {
  if (bookable_seconds <= 0) return std::nullopt;
  return static_cast<double>(booked_seconds) / static_cast<double>(bookable_seconds);
}

namespace {

using core::Date;
using core::Instant;

std::optional<double> Rate(const BookingCounts& c) {
  const std::int64_t decided = c.approved + c.rejected;
  if (decided == 0) return std::nullopt;
  return static_cast<double>(c.rejected) / static_cast<double>(decided);
}

}  // namespace

std::optional<double> UsageFigures::RejectionRate() const { return Rate(bookings); }

std::optional<double> LeaveFigures::AbsenceRate() const {
  const std::int64_t capacity = 2 * static_cast<std::int64_t>(members) * working_days;
  if (capacity <= 0) return std::nullopt;
  return static_cast<double>(approved_half_days) / static_cast<double>(capacity);
}
std::optional<double> RequesterUsage::RejectionRate() const { return Rate(bookings); }

namespace {

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }

// Hours x price can pass 2^63 before the division (a price of 10^12 minor
// units an hour over two years of seconds); the quotient fits.
__extension__ typedef __int128 Wide;

std::int64_t HourlyCost(std::int64_t per_hour, std::int64_t seconds) {
  if (per_hour <= 0 || seconds <= 0) return 0;
  const Wide v = static_cast<Wide>(per_hour) * seconds;
  return static_cast<std::int64_t>((v + 1800) / 3600);  // to the nearest minor unit
}

void Add(BookingCounts* to, BookingStatus status, std::int64_t n) {
  switch (status) {
    case BookingStatus::kPending:
      to->pending += n;
      return;
    case BookingStatus::kApproved:
      to->approved += n;
      return;
    case BookingStatus::kRejected:
      to->rejected += n;
      return;
    case BookingStatus::kCancelled:
      to->cancelled += n;
      return;
  }
}

void Add(UsageFigures* to, const UsageFigures& from) {
  to->booked_seconds += from.booked_seconds;
  to->bookable_seconds += from.bookable_seconds;
  to->bookings.pending += from.bookings.pending;
  to->bookings.approved += from.bookings.approved;
  to->bookings.rejected += from.bookings.rejected;
  to->bookings.cancelled += from.bookings.cancelled;
  to->cost += from.cost;
}

// As ResourceService reads a resource's zone: UTC when unset or unknown.
const core::TimeZone& ZoneOf(const Resource& r) {
  if (r.timezone.empty() || r.timezone == "UTC") return core::UtcZone();
  Result<const core::TimeZone*> z = core::FindIanaZone(r.timezone);
  return z.ok() ? **z : core::UtcZone();
}

bool ValidTypeKey(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Status CheckCaller(const Principal& caller) {
  if (caller.role != Role::kAdmin && caller.role != Role::kManager) {
    return MakeError(Code::kPermissionDenied, "analytics are for managers and admins");
  }
  return OkStatus();
}

Status CheckScope(const AnalyticsScope& scope) {
  if (!(scope.from < scope.to)) return Invalid("to must be after from");
  if (scope.to.days() - scope.from.days() > kMaxAnalyticsDays) {
    return Invalid(fmt::format("the window is longer than {} days", kMaxAnalyticsDays));
  }
  if (!scope.type.empty() && !ValidTypeKey(scope.type)) {
    return Invalid("type must be a resource type key (1-32 of a-z, 0-9, _ and -)");
  }
  return OkStatus();
}

// The resources of the caller's organisation in `scope`, by id.
Result<std::vector<Resource>> ResourcesInScope(StoreTx& tx, Id org_id,
                                               const AnalyticsScope& scope) {
  ALMANAC_ASSIGN_OR_RETURN(std::vector<Resource> all, tx.ListResources(org_id));
  std::vector<Resource> out;
  for (Resource& r : all) {
    if (scope.resource_id && r.id != *scope.resource_id) continue;
    if (!scope.type.empty() && r.type != scope.type) continue;
    out.push_back(std::move(r));
  }
  if (scope.resource_id && out.empty()) {
    // Another type, or no such resource: tell the two apart.
    const bool exists = std::any_of(all.begin(), all.end(),
                                    [&](const Resource& r) { return r.id == *scope.resource_id; });
    if (!exists) return MakeError(Code::kNotFound, "no such resource");
  }
  return out;
}

// Local midnight of `day` in `zone`.
std::int64_t MidnightIn(const core::TimeZone& zone, Date day) {
  return zone.ToInstant(core::LocalDateTime::FromDate(day)).unix_seconds();
}

// The resources of one time zone, and the bucket boundaries of the periods
// read in it.
struct ZoneGroup {
  const core::TimeZone* zone = nullptr;
  std::vector<std::size_t> members;  // indexes into the resource list
  std::vector<std::int64_t> boundaries;
};

std::vector<ZoneGroup> GroupByZone(const std::vector<Resource>& resources,
                                   const std::vector<AnalyticsPeriodSpan>& periods) {
  std::map<const core::TimeZone*, std::size_t> index;
  std::vector<ZoneGroup> out;
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const core::TimeZone* zone = &ZoneOf(resources[i]);
    auto [it, fresh] = index.emplace(zone, out.size());
    if (fresh) {
      ZoneGroup g;
      g.zone = zone;
      for (const AnalyticsPeriodSpan& p : periods) {
        g.boundaries.push_back(MidnightIn(*zone, p.start));
      }
      g.boundaries.push_back(MidnightIn(*zone, periods.back().end));
      out.push_back(std::move(g));
    }
    out[it->second].members.push_back(i);
  }
  return out;
}

std::vector<TimeSpan> MergedUnavailability(const Resource& r) {
  std::vector<TimeSpan> spans;
  for (const Unavailability& u : r.unavailability) {
    if (u.from < u.to) spans.push_back(TimeSpan{u.from, u.to});
  }
  std::sort(spans.begin(), spans.end(),
            [](const TimeSpan& a, const TimeSpan& b) { return a.start < b.start; });
  std::vector<TimeSpan> out;
  for (const TimeSpan& s : spans) {
    if (!out.empty() && !(out.back().end < s.start)) {
      out.back().end = std::max(out.back().end, s.end);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

// Bookable spans by (zone, bookable hours): the expansion of weekly hours
// over two years is the expensive part, and resources mostly share a few.
class BookableCache {
 public:
  const std::vector<TimeSpan>& Hours(const Resource& r, const core::TimeZone& zone, Instant from,
                                     Instant to) {
    std::string key = zone.name();
    for (const BookableHours& h : r.bookable_hours) {
      key += fmt::format("|{}:{}-{}", h.weekday, h.from_minute, h.to_minute);
    }
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    Resource bare;
    bare.available = true;  // a switch without dates: not applied to history
    bare.bookable_hours = r.bookable_hours;
    return cache_.emplace(std::move(key), BookableSpans(bare, zone, from, to)).first->second;
  }

 private:
  std::map<std::string, std::vector<TimeSpan>> cache_;
};

// Adds the bookable unit-seconds of `r` in each bucket to figures[k].
void AddBookable(const Resource& r, const core::TimeZone& zone,
                 const std::vector<std::int64_t>& boundaries, BookableCache& cache,
                 std::vector<UsageFigures>* figures) {
  const Instant from = Instant::FromUnixSeconds(boundaries.front());
  const Instant to = Instant::FromUnixSeconds(boundaries.back());
  const std::vector<TimeSpan>& hours = cache.Hours(r, zone, from, to);
  std::vector<TimeSpan> owned;
  const std::vector<TimeSpan>* spans = &hours;
  if (!r.unavailability.empty()) {
    owned = Subtract(hours, MergedUnavailability(r));
    spans = &owned;
  }
  const std::size_t n = boundaries.size() - 1;
  const std::int64_t units = std::max(1, r.units);
  std::size_t k = 0;
  for (const TimeSpan& s : *spans) {
    const std::int64_t s0 = s.start.unix_seconds();
    const std::int64_t s1 = s.end.unix_seconds();
    while (k < n && boundaries[k + 1] <= s0) ++k;
    for (std::size_t j = k; j < n && boundaries[j] < s1; ++j) {
      const std::int64_t part = std::min(s1, boundaries[j + 1]) - std::max(s0, boundaries[j]);
      if (part > 0) (*figures)[j].bookable_seconds += part * units;
    }
  }
}

std::map<Id, std::string> UserNames(StoreTx& tx, Id org_id) {
  std::map<Id, std::string> out;
  Result<std::vector<User>> users = tx.ListUsers(org_id);
  if (!users.ok()) return out;
  for (const User& u : *users) out[u.id] = u.display_name.empty() ? u.username : u.display_name;
  return out;
}

}  // namespace

// ---- pure helpers ------------------------------------------------------------

std::string IsoWeekLabel(Date day) {
  const int weekday = static_cast<int>(day.weekday());  // 0 = Monday
  const Date thursday = Date::FromDays(day.days() - weekday + 3);
  const int year = thursday.civil().year;
  const int week = (thursday.days() - Date::FromCivil(year, 1, 1).days()) / 7 + 1;
  return fmt::format("{:04}-W{:02}", year, week);
}

std::vector<AnalyticsPeriodSpan> PeriodsOf(Date from, Date to, AnalyticsPeriod period) {
  std::vector<AnalyticsPeriodSpan> out;
  Date cur = from;
  while (cur < to) {
    AnalyticsPeriodSpan p;
    p.start = cur;
    Date next;
    if (period == AnalyticsPeriod::kWeek) {
      next = Date::FromDays(cur.days() - static_cast<int>(cur.weekday()) + 7);
      p.label = IsoWeekLabel(cur);
    } else {
      const core::CivilDate c = cur.civil();
      next = c.month == 12 ? Date::FromCivil(c.year + 1, 1, 1)
                           : Date::FromCivil(c.year, c.month + 1, 1);
      p.label = fmt::format("{:04}-{:02}", c.year, c.month);
    }
    p.end = std::min(next, to);
    out.push_back(std::move(p));
    cur = next;
  }
  return out;
}

int SpreadSpanGroup(const BookingSpanGroup& g, const std::vector<std::int64_t>& boundaries,
                    std::vector<std::int64_t>* seconds) {
  const int n = static_cast<int>(seconds->size());
  const int first = g.first_bucket;
  const int last = g.last_bucket;
  if (first == last) {
    if (first >= 0 && first < n) (*seconds)[first] += g.sum_end - g.sum_start;
  } else {
    for (int k = std::max(first, 0); k <= std::min(last, n - 1); ++k) {
      const std::int64_t lo = k == first ? g.sum_start : g.count * boundaries[k];
      const std::int64_t hi = k == last ? g.sum_end : g.count * boundaries[k + 1];
      (*seconds)[k] += hi - lo;
    }
  }
  return first >= 0 && first < n ? first : -1;
}

// ---- the service ---------------------------------------------------------------

AnalyticsService::AnalyticsService(Store& store) : store_(store) {}

Result<ResourceUtilisation> AnalyticsService::Utilisation(const Principal& caller,
                                                          const AnalyticsScope& scope,
                                                          AnalyticsPeriod period) {
  ALMANAC_RETURN_IF_ERROR(CheckCaller(caller));
  ALMANAC_RETURN_IF_ERROR(CheckScope(scope));
  const std::vector<AnalyticsPeriodSpan> periods = PeriodsOf(scope.from, scope.to, period);
  const std::size_t n = periods.size();
  std::vector<Resource> resources;
  // figures[i][k]: resource i, period k.
  std::vector<std::vector<UsageFigures>> figures;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(resources, ResourcesInScope(tx, caller.org_id, scope));
    figures.assign(resources.size(), std::vector<UsageFigures>(n));
    if (resources.empty()) return OkStatus();
    BookableCache cache;
    for (const ZoneGroup& zg : GroupByZone(resources, periods)) {
      BookingSpanQuery q;
      q.org_id = caller.org_id;
      q.boundaries = zg.boundaries;
      std::map<Id, std::size_t> by_id;
      for (std::size_t i : zg.members) {
        q.resource_ids.push_back(resources[i].id);
        by_id[resources[i].id] = i;
      }
      ALMANAC_ASSIGN_OR_RETURN(std::vector<BookingSpanGroup> groups, tx.GroupBookingSpans(q));
      std::vector<std::vector<std::int64_t>> booked(resources.size());
      for (const BookingSpanGroup& g : groups) {
        auto it = by_id.find(g.key);
        if (it == by_id.end()) continue;
        const std::size_t i = it->second;
        if (g.status == BookingStatus::kApproved) {
          if (booked[i].empty()) booked[i].assign(n, 0);
          SpreadSpanGroup(g, zg.boundaries, &booked[i]);
        }
        if (g.first_bucket >= 0 && static_cast<std::size_t>(g.first_bucket) < n) {
          Add(&figures[i][g.first_bucket].bookings, g.status, g.count);
        }
      }
      for (std::size_t i : zg.members) {
        const Resource& r = resources[i];
        AddBookable(r, *zg.zone, zg.boundaries, cache, &figures[i]);
        for (std::size_t k = 0; k < n; ++k) {
          UsageFigures& f = figures[i][k];
          if (!booked[i].empty()) f.booked_seconds = booked[i][k];
          f.cost =
              r.cost_per_use * f.bookings.approved + HourlyCost(r.cost_per_hour, f.booked_seconds);
        }
      }
    }
    return OkStatus();
  }));

  ResourceUtilisation out;
  out.resources.reserve(resources.size() * n);
  std::map<std::pair<std::string, std::string>, TypePeriodUsage> types;
  std::map<std::string, int> type_counts;
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const Resource& r = resources[i];
    ++type_counts[r.type];
    for (std::size_t k = 0; k < n; ++k) {
      ResourcePeriodUsage row;
      row.resource_id = r.id;
      row.resource_name = r.name;
      row.type = r.type;
      row.timezone = r.timezone.empty() ? "UTC" : r.timezone;
      row.units = r.units;
      row.period = periods[k];
      row.figures = figures[i][k];
      TypePeriodUsage& t = types[{r.type, periods[k].label}];
      t.type = r.type;
      t.period = periods[k].label;
      Add(&t.figures, row.figures);
      out.resources.push_back(std::move(row));
    }
  }
  for (auto& [key, t] : types) {
    t.resources = type_counts[t.type];
    out.types.push_back(std::move(t));
  }
  return out;
}

Result<RequesterRanking> AnalyticsService::TopRequesters(const Principal& caller,
                                                         const AnalyticsScope& scope, int limit) {
  ALMANAC_RETURN_IF_ERROR(CheckCaller(caller));
  ALMANAC_RETURN_IF_ERROR(CheckScope(scope));
  if (limit < 1 || limit > 1000) return Invalid("limit must be 1-1000");
  // The whole window as one period.
  const std::vector<AnalyticsPeriodSpan> window = {AnalyticsPeriodSpan{"", scope.from, scope.to}};
  std::map<Id, RequesterUsage> by_user;
  std::map<Id, std::string> names;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    by_user.clear();
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Resource> resources,
                             ResourcesInScope(tx, caller.org_id, scope));
    if (resources.empty()) return OkStatus();
    for (const ZoneGroup& zg : GroupByZone(resources, window)) {
      BookingSpanQuery q;
      q.org_id = caller.org_id;
      q.boundaries = zg.boundaries;
      q.by_requester = true;
      for (std::size_t i : zg.members) q.resource_ids.push_back(resources[i].id);
      ALMANAC_ASSIGN_OR_RETURN(std::vector<BookingSpanGroup> groups, tx.GroupBookingSpans(q));
      for (const BookingSpanGroup& g : groups) {
        RequesterUsage& u = by_user[g.key];
        u.user_id = g.key;
        if (g.status == BookingStatus::kApproved) {
          std::vector<std::int64_t> seconds(1, 0);
          SpreadSpanGroup(g, zg.boundaries, &seconds);
          u.booked_seconds += seconds[0];
        }
        if (g.first_bucket == 0) Add(&u.bookings, g.status, g.count);
      }
    }
    names = UserNames(tx, caller.org_id);
    return OkStatus();
  }));

  RequesterRanking out;
  for (auto& [id, u] : by_user) {
    const BookingCounts& c = u.bookings;
    if (u.booked_seconds == 0 && c.pending + c.approved + c.rejected + c.cancelled == 0) continue;
    auto name = names.find(id);
    u.name = name == names.end() ? "" : name->second;
    out.items.push_back(std::move(u));
  }
  out.requesters = static_cast<std::int64_t>(out.items.size());
  std::sort(out.items.begin(), out.items.end(),
            [](const RequesterUsage& a, const RequesterUsage& b) {
              if (a.booked_seconds != b.booked_seconds) return a.booked_seconds > b.booked_seconds;
              if (a.bookings.approved != b.bookings.approved) {
                return a.bookings.approved > b.bookings.approved;
              }
              return a.user_id < b.user_id;
            });
  if (out.items.size() > static_cast<std::size_t>(limit)) out.items.resize(limit);
  return out;
}

namespace {

int WorkingDays(Date from, Date to) {
  int n = 0;
  for (std::int32_t d = from.days(); d < to.days(); ++d) {
    if (static_cast<int>(Date::FromDays(d).weekday()) < 5) ++n;
  }
  return n;
}

std::int64_t FirstSlot(Date d) { return 2 * static_cast<std::int64_t>(d.days()); }

// Adds one request's half days in each period to the figures of its team
// and of the organisation; `on_leave` collects who was away per period.
void AddLeave(const LeaveRequest& r, std::size_t type_index,
              const std::vector<AnalyticsPeriodSpan>& periods, std::vector<LeaveFigures>* team,
              std::vector<LeaveFigures>* overall,
              std::vector<std::vector<std::pair<std::string, Id>>>* on_leave,
              const std::string& team_name) {
  const bool approved = r.status == LeaveStatus::kApproved;
  for (std::size_t k = 0; k < periods.size(); ++k) {
    const AnalyticsPeriodSpan& p = periods[k];
    if (r.end_slot <= FirstSlot(p.start) || r.start_slot >= FirstSlot(p.end)) continue;
    const int half_days = WorkingHalfDaysIn(r.start_slot, r.end_slot, p.start, p.end);
    for (LeaveFigures* f : {&(*team)[k], &(*overall)[k]}) {
      if (approved) {
        f->approved_half_days += half_days;
        f->approved_by_type[type_index] += half_days;
        ++f->requests;
      } else {
        f->pending_half_days += half_days;
        f->pending_by_type[type_index] += half_days;
      }
    }
    if (approved) (*on_leave)[k].emplace_back(team_name, r.user_id);
  }
}

}  // namespace

Result<LeaveSummary> AnalyticsService::LeaveByTeam(const Principal& caller,
                                                   const LeaveSummaryScope& scope) {
  ALMANAC_RETURN_IF_ERROR(CheckCaller(caller));
  ALMANAC_RETURN_IF_ERROR(CheckScope(AnalyticsScope{scope.from, scope.to, "", std::nullopt}));
  if (scope.team && scope.team->size() > 100) return Invalid("team is at most 100 bytes");
  const std::vector<AnalyticsPeriodSpan> periods =
      PeriodsOf(scope.from, scope.to, AnalyticsPeriod::kMonth);
  LeaveSummary out;
  std::vector<User> users;
  std::vector<LeaveRequest> requests;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(out.types, tx.ListLeaveTypes(caller.org_id));
    ALMANAC_ASSIGN_OR_RETURN(users, tx.ListUsers(caller.org_id));
    StoreTx::LeaveQuery q;
    q.statuses = {LeaveStatus::kApproved, LeaveStatus::kPending};
    q.from_slot = FirstSlot(scope.from);
    q.to_slot = FirstSlot(scope.to);
    ALMANAC_ASSIGN_OR_RETURN(requests, tx.ListLeaveRequests(caller.org_id, q));
    return OkStatus();
  }));

  std::map<Id, std::size_t> type_index;
  for (std::size_t i = 0; i < out.types.size(); ++i) type_index[out.types[i].id] = i;
  std::map<Id, const User*> user_by_id;
  for (const User& u : users) user_by_id[u.id] = &u;
  const auto in_scope = [&](const User& u) { return !scope.team || u.team == *scope.team; };

  // Members per team: enabled users, and disabled ones with leave in the window.
  std::map<std::string, std::set<Id>> members;
  for (const User& u : users) {
    if (!u.disabled && in_scope(u)) members[u.team].insert(u.id);
  }
  for (const LeaveRequest& r : requests) {
    auto u = user_by_id.find(r.user_id);
    if (u != user_by_id.end() && in_scope(*u->second)) members[u->second->team].insert(r.user_id);
  }

  const std::size_t n = periods.size();
  const std::size_t types = out.types.size();
  LeaveFigures blank;
  blank.approved_by_type.assign(types, 0);
  blank.pending_by_type.assign(types, 0);
  std::map<std::string, std::vector<LeaveFigures>> by_team;
  for (const auto& [team, ids] : members) by_team[team].assign(n, blank);
  std::vector<LeaveFigures> overall(n, blank);
  std::vector<std::vector<std::pair<std::string, Id>>> on_leave(n);
  for (const LeaveRequest& r : requests) {
    auto u = user_by_id.find(r.user_id);
    auto t = type_index.find(r.type_id);
    if (u == user_by_id.end() || t == type_index.end() || !in_scope(*u->second)) continue;
    AddLeave(r, t->second, periods, &by_team[u->second->team], &overall, &on_leave,
             u->second->team);
  }

  int all_members = 0;
  for (const auto& [team, ids] : members) all_members += static_cast<int>(ids.size());
  for (std::size_t k = 0; k < n; ++k) {
    std::sort(on_leave[k].begin(), on_leave[k].end());
    on_leave[k].erase(std::unique(on_leave[k].begin(), on_leave[k].end()), on_leave[k].end());
    const int working = WorkingDays(periods[k].start, periods[k].end);
    overall[k].working_days = working;
    overall[k].members = all_members;
    overall[k].people_on_leave = static_cast<int>(on_leave[k].size());
    for (auto& [team, figures] : by_team) {
      figures[k].working_days = working;
      figures[k].members = static_cast<int>(members[team].size());
    }
    for (const auto& [team, user] : on_leave[k]) ++by_team[team][k].people_on_leave;
  }
  for (auto& [team, figures] : by_team) {
    for (std::size_t k = 0; k < n; ++k) {
      out.teams.push_back(TeamMonthLeave{team, periods[k], std::move(figures[k])});
    }
  }
  for (std::size_t k = 0; k < n; ++k) {
    out.overall.push_back(TeamMonthLeave{"", periods[k], std::move(overall[k])});
  }
  return out;
}

}  // namespace almanac::domain
