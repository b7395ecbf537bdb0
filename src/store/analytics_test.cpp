// Resource analytics (domain/analytics.h) over both store drivers, against
// figures computed by hand for a small organisation: approved time without
// buffers, clipping at the window's edges, bookings crossing a period
// boundary, ISO weeks and months read in the resource's time zone (a DST
// change included), unit-hours, cost, status counts and rejection rate, the
// top requesters, permissions, organisation isolation and bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "domain/analytics.h"
#include "domain/resources.h"
#include "store/service_test_support.h"

namespace almanac::store {
namespace {

using domain::AnalyticsPeriod;
using domain::Principal;
using domain::Role;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::int64_t kHour = 3600;

core::Date Day(int y, int m, int d) { return core::Date::FromCivil(y, m, d); }

std::vector<domain::BookableHours> Weekdays9To17() {
  std::vector<domain::BookableHours> h;
  for (int d = 0; d < 5; ++d) h.push_back({d, 9 * 60, 17 * 60});
  return h;
}

class AnalyticsTest : public StoreServiceTest {
 protected:
  void SetUp() override {
    OpenStore();
    if (HasFatalFailure()) return;
    resources_ = std::make_unique<domain::ResourceService>(*store_, clock_);
    analytics_ = std::make_unique<domain::AnalyticsService>(*store_);
    alice_ = AddUser("acme", "alice", Role::kMember);
    bob_ = AddUser("acme", "bob", Role::kMember);
    boss_ = AddUser("acme", "boss", Role::kManager);
    root_ = AddUser("acme", "root", Role::kAdmin);
    guest_ = AddUser("acme", "guest", Role::kViewer);
    mallory_ = AddUser("globex", "mallory", Role::kAdmin);
    Seed();
  }

  domain::Resource Create(const Principal& admin, domain::ResourceChange c) {
    Result<domain::Resource> r = resources_->Create(admin, c);
    EXPECT_TRUE(r.ok()) << DescribeStatus(r.status());
    return r.ok() ? *r : domain::Resource{};
  }

  domain::Id Book(const Principal& p, domain::Id resource, std::string_view start,
                  std::string_view end) {
    domain::BookingRequest b;
    b.resource_id = resource;
    b.start = At(start);
    b.end = At(end);
    b.title = "Analytics fixture";
    Result<domain::BookingCreated> made = resources_->Book(p, b);
    EXPECT_TRUE(made.ok()) << start << ": " << DescribeStatus(made.status());
    return made.ok() ? made->bookings.front().id : 0;
  }
  void Approve(domain::Id id) { EXPECT_TRUE(resources_->Approve(boss_, id, {}).ok()); }
  void Reject(domain::Id id) { EXPECT_TRUE(resources_->Reject(boss_, id, "no").ok()); }

  // The organisation of the hand-computed figures (see each test).
  void Seed() {
    // Hall: UTC, Mon-Fri 09-17, buffers 15/30 min, approval needed,
    // 5.00 a use and 10.00 an hour.
    domain::ResourceChange c;
    c.type = "room";
    c.name = "Hall";
    c.bookable_hours = Weekdays9To17();
    c.buffer_before_min = 15;
    c.buffer_after_min = 30;
    c.requires_approval = true;
    c.cost_per_use = 500;
    c.cost_per_hour = 1000;
    hall_ = Create(root_, c);
    // 2025-03-03 is a Monday: ISO week 10.
    const domain::Id b1 = Book(alice_, hall_.id, "2025-03-03T09:00:00Z", "2025-03-03T11:00:00Z");
    const domain::Id b2 = Book(alice_, hall_.id, "2025-03-04T10:00:00Z", "2025-03-04T11:30:00Z");
    const domain::Id b3 = Book(bob_, hall_.id, "2025-03-05T09:00:00Z", "2025-03-05T10:00:00Z");
    Book(bob_, hall_.id, "2025-03-06T09:00:00Z", "2025-03-06T10:00:00Z");  // stays pending
    const domain::Id b5 = Book(bob_, hall_.id, "2025-03-07T13:00:00Z", "2025-03-07T14:00:00Z");
    const domain::Id b6 = Book(bob_, hall_.id, "2025-03-10T09:00:00Z", "2025-03-10T12:00:00Z");
    const domain::Id b7 = Book(alice_, hall_.id, "2025-03-11T14:00:00Z", "2025-03-11T15:00:00Z");
    const domain::Id b8 = Book(alice_, hall_.id, "2025-03-17T09:00:00Z", "2025-03-17T10:00:00Z");
    for (domain::Id id : {b1, b2, b5, b6, b8}) Approve(id);
    Reject(b3);
    Reject(b7);
    EXPECT_TRUE(resources_->Cancel(bob_, b5, "").ok());

    // Small room: UTC, Mon-Fri 09-17, away all of Tuesday 2025-03-04, no bookings.
    c = {};
    c.type = "room";
    c.name = "Small room";
    c.bookable_hours = Weekdays9To17();
    c.unavailability = std::vector<domain::Unavailability>{
        {"painting", At("2025-03-04T00:00:00Z"), At("2025-03-05T00:00:00Z")}};
    small_ = Create(root_, c);

    // Van: Europe/Berlin (DST from 2025-03-30 01:00Z), any time, two units,
    // 1.00 a use and 6.00 an hour, booked by the manager.
    c = {};
    c.type = "vehicle";
    c.name = "Van";
    c.timezone = "Europe/Berlin";
    c.units = 2;
    c.cost_per_use = 100;
    c.cost_per_hour = 600;
    van_ = Create(root_, c);
    // v1: Sun 23:00 - Mon 02:00 CET, across the start of week 13.
    Book(boss_, van_.id, "2025-03-23T22:00:00Z", "2025-03-24T01:00:00Z");
    // v2: Sun 22:00 - Mon 03:00 CEST, across weeks 13 and 14.
    Book(boss_, van_.id, "2025-03-30T20:00:00Z", "2025-03-31T01:00:00Z");
    // v3: Sun 23:00 - Mon 04:00 CEST, across the end of week 14.
    Book(boss_, van_.id, "2025-04-06T21:00:00Z", "2025-04-07T02:00:00Z");
    // v4: Monday 00:30 CEST, still Sunday in UTC.
    Book(boss_, van_.id, "2025-03-30T22:30:00Z", "2025-03-30T23:30:00Z");
    // v5: Apr 30 23:00 - May 1 01:00 CEST, across a month boundary.
    Book(boss_, van_.id, "2025-04-30T21:00:00Z", "2025-04-30T23:00:00Z");

    // Another organisation's room, booked in the same weeks.
    c = {};
    c.type = "room";
    c.name = "Globex hall";
    globex_ = Create(mallory_, c);
    Book(mallory_, globex_.id, "2025-03-03T09:00:00Z", "2025-03-03T17:00:00Z");
  }

  domain::ResourceUtilisation Utilisation(const Principal& p, core::Date from, core::Date to,
                                          AnalyticsPeriod period, std::string type = "",
                                          std::optional<domain::Id> resource = std::nullopt) {
    domain::AnalyticsScope s{from, to, std::move(type), resource};
    Result<domain::ResourceUtilisation> u = analytics_->Utilisation(p, s, period);
    EXPECT_TRUE(u.ok()) << DescribeStatus(u.status());
    return u.ok() ? *u : domain::ResourceUtilisation{};
  }

  static std::vector<domain::ResourcePeriodUsage> RowsOf(const domain::ResourceUtilisation& u,
                                                         domain::Id resource) {
    std::vector<domain::ResourcePeriodUsage> out;
    for (const auto& r : u.resources) {
      if (r.resource_id == resource) out.push_back(r);
    }
    return out;
  }

  std::unique_ptr<domain::ResourceService> resources_;
  std::unique_ptr<domain::AnalyticsService> analytics_;
  Principal alice_, bob_, boss_, root_, guest_, mallory_;
  domain::Resource hall_, small_, van_, globex_;
};

INSTANTIATE_TEST_SUITE_P(Drivers, AnalyticsTest,
                         testing::Values(Dialect::kSqlite, Dialect::kPostgres), DialectName);

TEST_P(AnalyticsTest, WeeklyFiguresOfARoomWithApprovalsBuffersAndCost) {
  domain::ResourceUtilisation u =
      Utilisation(boss_, Day(2025, 3, 3), Day(2025, 3, 17), AnalyticsPeriod::kWeek);
  std::vector<domain::ResourcePeriodUsage> hall = RowsOf(u, hall_.id);
  ASSERT_EQ(hall.size(), 2u);
  EXPECT_EQ(hall[0].period.label, "2025-W10");
  EXPECT_EQ(hall[0].period.start, Day(2025, 3, 3));
  EXPECT_EQ(hall[0].period.end, Day(2025, 3, 10));
  EXPECT_EQ(hall[0].resource_name, "Hall");
  EXPECT_EQ(hall[0].type, "room");
  EXPECT_EQ(hall[0].timezone, "UTC");
  // Week 10: approved 2 h + 1.5 h (buffers not counted; the cancelled,
  // pending and rejected ones not either) of 5 x 8 bookable hours.
  const domain::UsageFigures& w10 = hall[0].figures;
  EXPECT_EQ(w10.booked_seconds, 3 * kHour + kHour / 2);
  EXPECT_EQ(w10.bookable_seconds, 40 * kHour);
  EXPECT_DOUBLE_EQ(*w10.Utilisation(), 3.5 / 40);
  EXPECT_EQ(w10.bookings.approved, 2);
  EXPECT_EQ(w10.bookings.pending, 1);
  EXPECT_EQ(w10.bookings.rejected, 1);
  EXPECT_EQ(w10.bookings.cancelled, 1);
  EXPECT_DOUBLE_EQ(*w10.RejectionRate(), 1.0 / 3);
  EXPECT_EQ(w10.cost, 2 * 500 + 3500);  // 2 uses, 3.5 h at 10.00
  // Week 11: 3 h approved, one rejected; the 17th lies outside the window.
  EXPECT_EQ(hall[1].period.label, "2025-W11");
  const domain::UsageFigures& w11 = hall[1].figures;
  EXPECT_EQ(w11.booked_seconds, 3 * kHour);
  EXPECT_EQ(w11.bookable_seconds, 40 * kHour);
  EXPECT_EQ(w11.bookings.approved, 1);
  EXPECT_EQ(w11.bookings.rejected, 1);
  EXPECT_EQ(w11.bookings.pending + w11.bookings.cancelled, 0);
  EXPECT_DOUBLE_EQ(*w11.RejectionRate(), 0.5);
  EXPECT_EQ(w11.cost, 500 + 3000);
}

TEST_P(AnalyticsTest, MonthlyFiguresOfTheSameRoom) {
  domain::ResourceUtilisation u =
      Utilisation(root_, Day(2025, 3, 1), Day(2025, 4, 1), AnalyticsPeriod::kMonth, "", hall_.id);
  ASSERT_EQ(u.resources.size(), 1u);
  const domain::ResourcePeriodUsage& m = u.resources[0];
  EXPECT_EQ(m.period.label, "2025-03");
  EXPECT_EQ(m.period.start, Day(2025, 3, 1));
  EXPECT_EQ(m.period.end, Day(2025, 4, 1));
  EXPECT_EQ(m.figures.booked_seconds, 7 * kHour + kHour / 2);
  EXPECT_EQ(m.figures.bookable_seconds, 21 * 8 * kHour);  // 21 weekdays in March 2025
  EXPECT_EQ(m.figures.bookings.approved, 4);
  EXPECT_EQ(m.figures.bookings.rejected, 2);
  EXPECT_EQ(m.figures.bookings.pending, 1);
  EXPECT_EQ(m.figures.bookings.cancelled, 1);
  EXPECT_DOUBLE_EQ(*m.figures.RejectionRate(), 2.0 / 6);
  EXPECT_EQ(m.figures.cost, 4 * 500 + 7500);
  ASSERT_EQ(u.types.size(), 1u);
  EXPECT_EQ(u.types[0].type, "room");
  EXPECT_EQ(u.types[0].resources, 1);
}

TEST_P(AnalyticsTest, WeeksAreReadInTheResourcesZoneAndBookingsAreClipped) {
  domain::ResourceUtilisation u =
      Utilisation(boss_, Day(2025, 3, 24), Day(2025, 4, 7), AnalyticsPeriod::kWeek, "vehicle");
  ASSERT_EQ(u.resources.size(), 2u);
  const domain::ResourcePeriodUsage& w13 = u.resources[0];
  const domain::ResourcePeriodUsage& w14 = u.resources[1];
  EXPECT_EQ(w13.period.label, "2025-W13");
  EXPECT_EQ(w14.period.label, "2025-W14");
  EXPECT_EQ(w13.timezone, "Europe/Berlin");
  EXPECT_EQ(w13.units, 2);
  // Week 13 in Berlin: 2025-03-23T23:00Z .. 2025-03-30T22:00Z, 167 h (the
  // clocks go forward), two units. v1 counts from the window's start (2 h
  // of 3) but started before it; v2's first 2 h.
  EXPECT_EQ(w13.figures.bookable_seconds, 2 * 167 * kHour);
  EXPECT_EQ(w13.figures.booked_seconds, 4 * kHour);
  EXPECT_EQ(w13.figures.bookings.approved, 1);
  EXPECT_EQ(w13.figures.cost, 100 + 4 * 600);
  EXPECT_DOUBLE_EQ(*w13.figures.Utilisation(), 4.0 / 334);
  // Week 14: v2's other 3 h, v4 (Monday in Berlin, Sunday in UTC), v3 up
  // to the window's end (1 h of 5).
  EXPECT_EQ(w14.figures.bookable_seconds, 2 * 168 * kHour);
  EXPECT_EQ(w14.figures.booked_seconds, 5 * kHour);
  EXPECT_EQ(w14.figures.bookings.approved, 2);
  EXPECT_EQ(w14.figures.cost, 2 * 100 + 5 * 600);
  EXPECT_DOUBLE_EQ(*w14.figures.RejectionRate(), 0.0);  // approved without approval
  // The same bookings by month.
  u = Utilisation(boss_, Day(2025, 3, 1), Day(2025, 6, 1), AnalyticsPeriod::kMonth, "", van_.id);
  ASSERT_EQ(u.resources.size(), 3u);
  EXPECT_EQ(u.resources[0].period.label, "2025-03");
  EXPECT_EQ(u.resources[0].figures.booked_seconds, 9 * kHour);  // v1 3 h, v2 5 h, v4 1 h
  EXPECT_EQ(u.resources[0].figures.bookable_seconds, 2 * (31 * 24 - 1) * kHour);
  EXPECT_EQ(u.resources[0].figures.bookings.approved, 3);
  EXPECT_EQ(u.resources[0].figures.cost, 3 * 100 + 9 * 600);
  EXPECT_EQ(u.resources[1].period.label, "2025-04");
  EXPECT_EQ(u.resources[1].figures.booked_seconds, 6 * kHour);  // v3 5 h, v5's first hour
  EXPECT_EQ(u.resources[1].figures.bookable_seconds, 2 * 30 * 24 * kHour);
  EXPECT_EQ(u.resources[1].figures.bookings.approved, 2);
  EXPECT_EQ(u.resources[2].period.label, "2025-05");
  EXPECT_EQ(u.resources[2].figures.booked_seconds, kHour);  // v5's second hour
  EXPECT_EQ(u.resources[2].figures.bookings.approved, 0);
  EXPECT_EQ(u.resources[2].figures.cost, 600);
}

TEST_P(AnalyticsTest, TypeRowsSumTheirResourcesAndUnavailabilityIsNotBookable) {
  // Switched off today: history still counts its bookable hours.
  domain::ResourceChange off;
  off.available = false;
  ASSERT_OK(resources_->Update(root_, small_.id, off));
  domain::ResourceUtilisation u =
      Utilisation(root_, Day(2025, 3, 3), Day(2025, 3, 17), AnalyticsPeriod::kWeek);
  // Hall, Small room and Van, by id; never the other organisation's room.
  ASSERT_EQ(u.resources.size(), 6u);
  for (const auto& r : u.resources) EXPECT_NE(r.resource_id, globex_.id);
  std::vector<domain::ResourcePeriodUsage> small = RowsOf(u, small_.id);
  ASSERT_EQ(small.size(), 2u);
  EXPECT_EQ(small[0].figures.bookable_seconds, 32 * kHour);  // Tuesday away
  EXPECT_EQ(small[1].figures.bookable_seconds, 40 * kHour);
  EXPECT_EQ(small[0].figures.booked_seconds, 0);
  EXPECT_DOUBLE_EQ(*small[0].figures.Utilisation(), 0.0);
  EXPECT_FALSE(small[0].figures.RejectionRate().has_value());
  ASSERT_EQ(u.types.size(), 4u);
  EXPECT_EQ(u.types[0].type, "room");
  EXPECT_EQ(u.types[0].period, "2025-W10");
  EXPECT_EQ(u.types[0].resources, 2);
  EXPECT_EQ(u.types[0].figures.booked_seconds, 3 * kHour + kHour / 2);
  EXPECT_EQ(u.types[0].figures.bookable_seconds, 72 * kHour);
  EXPECT_EQ(u.types[0].figures.bookings.approved, 2);
  EXPECT_EQ(u.types[0].figures.cost, 4500);
  EXPECT_EQ(u.types[1].type, "room");
  EXPECT_EQ(u.types[1].period, "2025-W11");
  EXPECT_EQ(u.types[1].figures.bookable_seconds, 80 * kHour);
  EXPECT_EQ(u.types[2].type, "vehicle");
  EXPECT_EQ(u.types[2].resources, 1);
  EXPECT_EQ(u.types[2].figures.booked_seconds, 0);
  EXPECT_EQ(u.types[2].figures.bookable_seconds, 2 * 7 * 24 * kHour);
}

TEST_P(AnalyticsTest, TopRequestersByBookedTime) {
  domain::AnalyticsScope s{Day(2025, 3, 3), Day(2025, 3, 17), "", std::nullopt};
  Result<domain::RequesterRanking> r = analytics_->TopRequesters(boss_, s, 10);
  ASSERT_OK(r);
  EXPECT_EQ(r->requesters, 2);
  ASSERT_EQ(r->items.size(), 2u);
  EXPECT_EQ(r->items[0].user_id, alice_.user_id);
  EXPECT_EQ(r->items[0].name, "User alice");
  EXPECT_EQ(r->items[0].booked_seconds, 3 * kHour + kHour / 2);
  EXPECT_EQ(r->items[0].bookings.approved, 2);
  EXPECT_EQ(r->items[0].bookings.rejected, 1);
  EXPECT_DOUBLE_EQ(*r->items[0].RejectionRate(), 1.0 / 3);
  EXPECT_EQ(r->items[1].user_id, bob_.user_id);
  EXPECT_EQ(r->items[1].booked_seconds, 3 * kHour);
  EXPECT_EQ(r->items[1].bookings.approved, 1);
  EXPECT_EQ(r->items[1].bookings.pending, 1);
  EXPECT_EQ(r->items[1].bookings.rejected, 1);
  EXPECT_EQ(r->items[1].bookings.cancelled, 1);
  r = analytics_->TopRequesters(boss_, s, 1);
  ASSERT_OK(r);
  EXPECT_EQ(r->requesters, 2);
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].user_id, alice_.user_id);
  // The van's weeks, read in Berlin: v1's last 2 h, v2, v3's first hour, v4.
  s = {Day(2025, 3, 24), Day(2025, 4, 7), "vehicle", std::nullopt};
  r = analytics_->TopRequesters(root_, s, 10);
  ASSERT_OK(r);
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].user_id, boss_.user_id);
  EXPECT_EQ(r->items[0].booked_seconds, 9 * kHour);
  EXPECT_EQ(r->items[0].bookings.approved, 3);
  // The other organisation sees its own requester only.
  s = {Day(2025, 3, 3), Day(2025, 3, 17), "", std::nullopt};
  r = analytics_->TopRequesters(mallory_, s, 10);
  ASSERT_OK(r);
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].user_id, mallory_.user_id);
  EXPECT_EQ(r->items[0].booked_seconds, 8 * kHour);
}

TEST_P(AnalyticsTest, ManagersAndAdminsOnlyAndOrganisationsApart) {
  domain::AnalyticsScope s{Day(2025, 3, 3), Day(2025, 3, 17), "", std::nullopt};
  for (const Principal* p : {&alice_, &guest_}) {
    EXPECT_EQ(analytics_->Utilisation(*p, s, AnalyticsPeriod::kWeek).status().code(),
              Code::kPermissionDenied);
    EXPECT_EQ(analytics_->TopRequesters(*p, s, 5).status().code(), Code::kPermissionDenied);
  }
  // Another organisation's resource is not found; its own figures only.
  s.resource_id = hall_.id;
  EXPECT_EQ(analytics_->Utilisation(mallory_, s, AnalyticsPeriod::kWeek).status().code(),
            Code::kNotFound);
  EXPECT_EQ(analytics_->TopRequesters(mallory_, s, 5).status().code(), Code::kNotFound);
  domain::ResourceUtilisation u =
      Utilisation(mallory_, Day(2025, 3, 3), Day(2025, 3, 17), AnalyticsPeriod::kWeek);
  ASSERT_EQ(u.resources.size(), 2u);
  EXPECT_EQ(u.resources[0].resource_id, globex_.id);
  EXPECT_EQ(u.resources[0].figures.booked_seconds, 8 * kHour);
  EXPECT_EQ(u.resources[0].figures.bookable_seconds, 7 * 24 * kHour);
  // A resource of another type than asked: none, not an error.
  u = Utilisation(root_, Day(2025, 3, 3), Day(2025, 3, 17), AnalyticsPeriod::kWeek, "vehicle",
                  hall_.id);
  EXPECT_TRUE(u.resources.empty());
  EXPECT_TRUE(u.types.empty());
}

TEST_P(AnalyticsTest, BadInputsAreInvalidArgument) {
  auto bad = [&](domain::AnalyticsScope s, std::string_view message) {
    for (const Status& st : {analytics_->Utilisation(boss_, s, AnalyticsPeriod::kMonth).status(),
                             analytics_->TopRequesters(boss_, s, 10).status()}) {
      EXPECT_EQ(st.code(), Code::kInvalidArgument) << message;
      if (!st.ok()) {
        EXPECT_THAT(st.error().message, HasSubstr(std::string(message)));
      }
    }
  };
  bad({Day(2025, 3, 3), Day(2025, 3, 3), "", std::nullopt}, "to must be after from");
  bad({Day(2025, 3, 3), Day(2025, 3, 1), "", std::nullopt}, "to must be after from");
  bad({Day(2024, 1, 1), Day(2026, 1, 3), "", std::nullopt}, "longer than 731 days");
  bad({Day(2025, 3, 3), Day(2025, 3, 17), "Room!", std::nullopt}, "type must be");
  domain::AnalyticsScope ok{Day(2024, 1, 1), Day(2026, 1, 1), "", std::nullopt};  // 731 days
  EXPECT_TRUE(analytics_->Utilisation(boss_, ok, AnalyticsPeriod::kWeek).ok());
  for (int limit : {0, -1, 1001}) {
    EXPECT_EQ(analytics_->TopRequesters(boss_, ok, limit).status().code(), Code::kInvalidArgument);
  }
  ok.resource_id = 999999;
  EXPECT_EQ(analytics_->Utilisation(boss_, ok, AnalyticsPeriod::kWeek).status().code(),
            Code::kNotFound);
}

TEST_P(AnalyticsTest, TwoYearsOfWeeksHaveEveryPeriodOnce) {
  domain::ResourceUtilisation u =
      Utilisation(root_, Day(2024, 1, 1), Day(2026, 1, 1), AnalyticsPeriod::kWeek, "", hall_.id);
  // 2024-W01 (from Monday 2024-01-01) .. 2026-W01 (from 2025-12-29, clipped).
  ASSERT_EQ(u.resources.size(), 105u);
  EXPECT_EQ(u.resources.front().period.label, "2024-W01");
  EXPECT_EQ(u.resources.back().period.label, "2026-W01");
  EXPECT_EQ(u.resources.back().period.end, Day(2026, 1, 1));
  std::int64_t booked = 0;
  std::int64_t approved = 0;
  for (const auto& r : u.resources) {
    booked += r.figures.booked_seconds;
    approved += r.figures.bookings.approved;
  }
  EXPECT_EQ(booked, 7 * kHour + kHour / 2);
  EXPECT_EQ(approved, 4);
}

// The store's grouping at the edges: a booking ending on a boundary stays in
// the bucket before it; one starting on it belongs to the next.
TEST_P(AnalyticsTest, GroupBookingSpansEdges) {
  domain::BookingSpanQuery q;
  q.org_id = hall_.org_id;
  q.resource_ids = {hall_.id};
  q.boundaries = {At("2025-03-03T09:00:00Z").unix_seconds(),
                  At("2025-03-03T11:00:00Z").unix_seconds(),
                  At("2025-03-10T09:00:00Z").unix_seconds()};
  std::vector<domain::BookingSpanGroup> groups;
  ASSERT_OK(store_->Read([&](domain::StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(groups, tx.GroupBookingSpans(q));
    return OkStatus();
  }));
  std::map<std::tuple<domain::BookingStatus, int, int>, std::int64_t> counts;
  for (const auto& g : groups) counts[{g.status, g.first_bucket, g.last_bucket}] += g.count;
  // b1 09:00-11:00 ends on the boundary: bucket 0 only. b2, b5 (cancelled),
  // b3 (rejected), b4 (pending) in bucket 1; b6 starts on the last boundary: outside.
  EXPECT_EQ((counts[{domain::BookingStatus::kApproved, 0, 0}]), 1);
  EXPECT_EQ((counts[{domain::BookingStatus::kApproved, 1, 1}]), 1);
  EXPECT_EQ((counts[{domain::BookingStatus::kCancelled, 1, 1}]), 1);
  EXPECT_EQ((counts[{domain::BookingStatus::kRejected, 1, 1}]), 1);
  EXPECT_EQ((counts[{domain::BookingStatus::kPending, 1, 1}]), 1);
  std::int64_t total = 0;
  for (const auto& [k, n] : counts) total += n;
  EXPECT_EQ(total, 5);
}

// ---- pure helpers (no database; run once) ----

TEST(AnalyticsHelpers, IsoWeekLabels) {
  EXPECT_EQ(domain::IsoWeekLabel(Day(2024, 12, 30)), "2025-W01");
  EXPECT_EQ(domain::IsoWeekLabel(Day(2025, 1, 5)), "2025-W01");
  EXPECT_EQ(domain::IsoWeekLabel(Day(2021, 1, 3)), "2020-W53");
  EXPECT_EQ(domain::IsoWeekLabel(Day(2026, 12, 31)), "2026-W53");
  EXPECT_EQ(domain::IsoWeekLabel(Day(2025, 3, 3)), "2025-W10");
}

TEST(AnalyticsHelpers, PeriodsAreClippedToTheWindow) {
  // Wednesday to Wednesday: a partial week on each side.
  std::vector<domain::AnalyticsPeriodSpan> w =
      domain::PeriodsOf(Day(2025, 3, 5), Day(2025, 3, 19), AnalyticsPeriod::kWeek);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].label, "2025-W10");
  EXPECT_EQ(w[0].start, Day(2025, 3, 5));
  EXPECT_EQ(w[0].end, Day(2025, 3, 10));
  EXPECT_EQ(w[2].start, Day(2025, 3, 17));
  EXPECT_EQ(w[2].end, Day(2025, 3, 19));
  std::vector<domain::AnalyticsPeriodSpan> m =
      domain::PeriodsOf(Day(2024, 12, 15), Day(2025, 2, 2), AnalyticsPeriod::kMonth);
  std::vector<std::string> labels;
  for (const auto& p : m) labels.push_back(p.label);
  EXPECT_THAT(labels, ElementsAre("2024-12", "2025-01", "2025-02"));
  EXPECT_EQ(m[0].start, Day(2024, 12, 15));
  EXPECT_EQ(m[1].start, Day(2025, 1, 1));
  EXPECT_EQ(m[2].end, Day(2025, 2, 2));
}

TEST(AnalyticsHelpers, SpreadSpanGroupSplitsAcrossBuckets) {
  const std::vector<std::int64_t> b = {100, 200, 300, 400};
  std::vector<std::int64_t> s(3, 0);
  // Two bookings from 150 and 170 to 350 and 330: first bucket 0, last 2.
  domain::BookingSpanGroup g;
  g.first_bucket = 0;
  g.last_bucket = 2;
  g.count = 2;
  g.sum_start = 150 + 170;
  g.sum_end = 350 + 330;
  EXPECT_EQ(domain::SpreadSpanGroup(g, b, &s), 0);
  EXPECT_THAT(s, ElementsAre(50 + 30, 200, 50 + 30));
  // Starting before the window and ending after it: whole buckets.
  s.assign(3, 0);
  g = {};
  g.first_bucket = -1;
  g.last_bucket = 3;
  g.count = 1;
  g.sum_start = 50;
  g.sum_end = 450;
  EXPECT_EQ(domain::SpreadSpanGroup(g, b, &s), -1);
  EXPECT_THAT(s, ElementsAre(100, 100, 100));
  // Inside one bucket.
  s.assign(3, 0);
  g = {};
  g.first_bucket = g.last_bucket = 1;
  g.count = 3;
  g.sum_start = 3 * 210;
  g.sum_end = 3 * 220;
  EXPECT_EQ(domain::SpreadSpanGroup(g, b, &s), 1);
  EXPECT_THAT(s, ElementsAre(0, 30, 0));
}

}  // namespace
}  // namespace almanac::store
