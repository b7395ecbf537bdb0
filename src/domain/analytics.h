// Resource analytics (issue #5, "Analytics"; docs/analytics.md): how much
// each resource and each resource type is used per ISO week or calendar
// month, what it costs, who books most, and how often requests are
// rejected. For managers and admins of the organisation.
//
// The figures, per resource and period (the period clipped to the window,
// both read in the resource's own time zone):
//   booked       the time of approved bookings inside the period, without
//                set-up/clean-up buffers (a booking crossing a period
//                boundary counts in both, each with its own part);
//   bookable     the resource's bookable hours inside the period minus its
//                unavailability periods, times its units (unit-hours; the
//                current `available` switch carries no dates and is not
//                applied to history); no bookable hours set: all the time;
//   utilisation  booked / bookable (none when nothing was bookable; above 1
//                when bookings lie outside today's bookable hours);
//   bookings     bookings that START in the period, by status (approved is
//                the headline number);
//   cost         cost_per_use x approved bookings + cost_per_hour x booked
//                hours (rounded to the minor unit), with today's prices;
//   rejection    rejected / (approved + rejected) of the bookings starting
//                in the period (auto-approved bookings count as decided).
// Per type, the figures of the resources of the type are summed per period
// label. Bucketing and sums run in the database (StoreTx::GroupBookingSpans),
// so a query reads a few thousand groups, not every booking.
//
// Thread safety: thread-safe; methods block on the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "domain/model.h"
#include "domain/store.h"

namespace almanac::domain {

enum class AnalyticsPeriod { kWeek, kMonth };

// "week" or "month"; nullopt for anything else.
std::optional<AnalyticsPeriod> AnalyticsPeriodFromName(std::string_view name);
const char* AnalyticsPeriodName(AnalyticsPeriod period);

// The longest window a query may cover: two years and a leap day.
inline constexpr int kMaxAnalyticsDays = 731;

// Which resources, over which days.
struct AnalyticsScope {
  core::Date from;                // the first day
  core::Date to;                  // the day after the last one (exclusive)
  std::string type;               // resource type key; "" = every type
  std::optional<Id> resource_id;  // one resource only
};

struct BookingCounts {
  std::int64_t pending = 0;
  std::int64_t approved = 0;
  std::int64_t rejected = 0;
  std::int64_t cancelled = 0;
};

struct UsageFigures {
  std::int64_t booked_seconds = 0;
  std::int64_t bookable_seconds = 0;  // unit-seconds
  BookingCounts bookings;             // by the period the booking starts in
  std::int64_t cost = 0;              // minor currency units
  // booked / bookable; nullopt when nothing was bookable.
  std::optional<double> Utilisation() const;
  // rejected / (approved + rejected); nullopt when none was decided.
  std::optional<double> RejectionRate() const;
};

// One period of the window: an ISO week (Monday to Sunday) or a calendar
// month, clipped to the window.
struct AnalyticsPeriodSpan {
  std::string label;  // "2025-W03" (ISO 8601 week of the year) or "2025-01"
  core::Date start;   // first day, >= the window's from
  core::Date end;     // the day after the last, <= the window's to
};

struct ResourcePeriodUsage {
  Id resource_id = 0;
  std::string resource_name;
  std::string type;
  std::string timezone;  // the zone the period's days are read in
  int units = 1;
  AnalyticsPeriodSpan period;
  UsageFigures figures;
};

struct TypePeriodUsage {
  std::string type;
  std::string period;  // label, as in ResourcePeriodUsage
  int resources = 0;   // resources of the type in the figures
  UsageFigures figures;
};

struct ResourceUtilisation {
  std::vector<ResourcePeriodUsage> resources;  // by resource id, then period
  std::vector<TypePeriodUsage> types;          // by type, then period
};

struct RequesterUsage {
  Id user_id = 0;
  std::string name;                 // display name, else username
  std::int64_t booked_seconds = 0;  // approved bookings inside the window
  BookingCounts bookings;           // bookings starting in the window, by status
  std::optional<double> RejectionRate() const;
};

struct RequesterRanking {
  // By booked time, then approved bookings, then user id; at most `limit`.
  std::vector<RequesterUsage> items;
  std::int64_t requesters = 0;  // requesters with any booking in the window
};

// ---- leave summary per team and month ----

// Which teams, over which days (whole months are clipped to the window).
struct LeaveSummaryScope {
  core::Date from;                  // the first day
  core::Date to;                    // the day after the last one (exclusive)
  std::optional<std::string> team;  // one team ("" = users without one); nullopt = every team
};

// The leave of one team (or of the whole organisation) in one month.
// Amounts are working half days (Monday to Friday) inside the period.
struct LeaveFigures {
  int members = 0;          // see LeaveSummary
  int working_days = 0;     // Monday to Friday days in the period
  int people_on_leave = 0;  // members with approved leave in the period
  int requests = 0;         // approved requests touching the period
  int approved_half_days = 0;
  int pending_half_days = 0;
  // Per type, indexed like LeaveSummary::types.
  std::vector<int> approved_by_type;
  std::vector<int> pending_by_type;
  // approved / (members x working days); nullopt when that is 0.
  std::optional<double> AbsenceRate() const;
};

struct TeamMonthLeave {
  std::string team;  // "" = users without a team
  AnalyticsPeriodSpan period;
  LeaveFigures figures;
};

struct LeaveSummary {
  std::vector<LeaveType> types;         // every type of the organisation, by id
  std::vector<TeamMonthLeave> teams;    // by team name, then period
  std::vector<TeamMonthLeave> overall;  // the teams in scope summed, per period (team "")
};

class AnalyticsService {
 public:
  explicit AnalyticsService(Store& store);

  // One row per resource in scope per period of the window (periods
  // without bookings included), and per type per period.
  // Errors: kPermissionDenied (not a manager or admin); kInvalidArgument
  // (to <= from, a window over kMaxAnalyticsDays, a malformed type key);
  // kNotFound (scope.resource_id is not a resource of the organisation).
  Result<ResourceUtilisation> Utilisation(const Principal& caller, const AnalyticsScope& scope,
                                          AnalyticsPeriod period);

  // The requesters of bookings of the resources in scope with the most
  // booked time in the window (each resource's days read in its zone), at
  // most `limit` of them. Errors: as Utilisation; kInvalidArgument also
  // for a limit outside 1-1000.
  Result<RequesterRanking> TopRequesters(const Principal& caller, const AnalyticsScope& scope,
                                         int limit);

  // Staff leave per team and calendar month of the window: approved
  // ("taken", past or planned) and pending half days per type, people on
  // leave, requests, and the absence rate. A team's members are its users
  // today that are not disabled, plus disabled ones with leave in the
  // window; leave counts under the team its person is in today. Every team
  // appears in every period, with zeros where nobody was away.
  // Errors: kPermissionDenied (not a manager or admin); kInvalidArgument
  // (to <= from, a window over kMaxAnalyticsDays, a team over 100 bytes).
  Result<LeaveSummary> LeaveByTeam(const Principal& caller, const LeaveSummaryScope& scope);

 private:
  Store& store_;
};

// ---- pure helpers, exposed for unit tests ----

// The periods of [from, to): consecutive, the first starting at `from`, the
// last ending at `to`. REQUIRES: from < to.
std::vector<AnalyticsPeriodSpan> PeriodsOf(core::Date from, core::Date to, AnalyticsPeriod period);

// The ISO 8601 week of `day`: "2025-W01" for 2024-12-30 .. 2025-01-05.
std::string IsoWeekLabel(core::Date day);

// Spreads `group` over buckets: adds each bucket's share of the booked time
// to seconds[k] (k in [0, seconds.size()); bucket k is [boundaries[k],
// boundaries[k + 1])) and returns the bucket the bookings start in, or -1
// when they start before the first. REQUIRES: boundaries.size() ==
// seconds.size() + 1.
int SpreadSpanGroup(const BookingSpanGroup& group, const std::vector<std::int64_t>& boundaries,
                    std::vector<std::int64_t>* seconds);

}  // namespace almanac::domain
