// Resources and bookings (domain/resources.h) over both store drivers: the
// workflow and its permissions, the booking rules, buffers, units,
// recurring-event bookings, approval re-checks, and the race the conflict
// rule must survive (16 threads of overlapping attempts).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "core/clock.h"
#include "domain/accounts.h"
#include "domain/calendars.h"
#include "domain/events.h"
#include "domain/resources.h"
#include "store/service_test_support.h"
#include "store/sql_store.h"

namespace almanac::store {
namespace {

using domain::BookingStatus;
using domain::Principal;
using domain::Role;
using ::testing::HasSubstr;

class BookingsTest : public StoreServiceTest {
 protected:
  void SetUp() override {
    OpenStore();
    if (HasFatalFailure()) return;
    calendars_ = std::make_unique<domain::CalendarService>(*store_, clock_);
    events_ = std::make_unique<domain::EventService>(*store_, clock_);
    resources_ = std::make_unique<domain::ResourceService>(*store_, clock_);
    alice_ = AddUser("acme", "alice", Role::kMember);
    bob_ = AddUser("acme", "bob", Role::kMember);
    boss_ = AddUser("acme", "boss", Role::kManager);
    root_ = AddUser("acme", "root", Role::kAdmin);
    guest_ = AddUser("acme", "guest", Role::kViewer);
    mallory_ = AddUser("globex", "mallory", Role::kAdmin);
  }

  domain::Resource Room(domain::ResourceChange c = {}) {
    if (!c.type) c.type = "room";
    if (!c.name) c.name = fmt::format("Room {}", ++rooms_);
    if (!c.capacity) c.capacity = 10;
    Result<domain::Resource> r = resources_->Create(root_, c);
    EXPECT_TRUE(r.ok()) << DescribeStatus(r.status());
    return r.ok() ? *r : domain::Resource{};
  }

  Result<domain::BookingCreated> Book(const Principal& p, domain::Id resource,
                                      std::string_view start, std::string_view end,
                                      std::string title = "Meeting",
                                      domain::BookingConflict* conflict = nullptr) {
    domain::BookingRequest b;
    b.resource_id = resource;
    b.start = At(start);
    b.end = At(end);
    b.title = std::move(title);
    return resources_->Book(p, b, conflict);
  }

  BookingStatus StatusOf(domain::Id booking) {
    Result<domain::BookingView> v = resources_->GetBooking(root_, booking);
    EXPECT_TRUE(v.ok()) << DescribeStatus(v.status());
    return v.ok() ? v->booking.status : BookingStatus::kCancelled;
  }

  // Overlapping blocking bookings by the database's own account.
  std::int64_t OverlapsInDatabase() {
    std::int64_t n = -1;
    Status s = store_->database().Read([&](Tx& tx) -> Status {
      ALMANAC_ASSIGN_OR_RETURN(
          std::optional<Row> row,
          tx.QueryOne("SELECT COUNT(*) FROM bookings a JOIN bookings b ON a.resource_id = "
                      "b.resource_id AND a.id < b.id AND a.block_start < b.block_end AND "
                      "b.block_start < a.block_end JOIN resources r ON r.id = a.resource_id "
                      "WHERE a.blocking = 1 AND b.blocking = 1 AND r.units = 1"));
      n = row->Int(0);
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << DescribeStatus(s);
    return n;
  }

  std::unique_ptr<domain::CalendarService> calendars_;
  std::unique_ptr<domain::EventService> events_;
  std::unique_ptr<domain::ResourceService> resources_;
  Principal alice_, bob_, boss_, root_, guest_, mallory_;
  int rooms_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Drivers, BookingsTest,
                         testing::Values(Dialect::kSqlite, Dialect::kPostgres), DialectName);

TEST_P(BookingsTest, OnlyAdminsManageResources) {
  domain::ResourceChange c;
  c.type = "room";
  c.name = "Board room";
  for (const Principal* p : {&alice_, &boss_, &guest_}) {
    EXPECT_EQ(resources_->Create(*p, c).status().code(), Code::kPermissionDenied);
  }
  domain::Resource r = Room(c);
  EXPECT_GT(r.calendar_id, 0);
  domain::ResourceChange rename;
  rename.name = "Big board room";
  EXPECT_EQ(resources_->Update(boss_, r.id, rename).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(resources_->Update(mallory_, r.id, rename).status().code(), Code::kNotFound);
  Result<domain::Resource> renamed = resources_->Update(root_, r.id, rename);
  ASSERT_OK(renamed);
  EXPECT_EQ(renamed->name, "Big board room");
  // Its calendar follows and is in the resources module.
  Result<domain::CalendarWithAccess> cal = calendars_->Get(alice_, r.calendar_id);
  ASSERT_OK(cal);
  EXPECT_EQ(cal->calendar.name, "Big board room");
  EXPECT_EQ(cal->calendar.module, "resources");
  EXPECT_EQ(resources_->Delete(alice_, r.id).code(), Code::kPermissionDenied);
  EXPECT_EQ(resources_->Delete(mallory_, r.id).code(), Code::kNotFound);
  ASSERT_OK(resources_->Delete(root_, r.id));
  EXPECT_EQ(resources_->Get(alice_, r.id).status().code(), Code::kNotFound);
  EXPECT_EQ(calendars_->Get(root_, r.calendar_id).status().code(), Code::kNotFound);
}

TEST_P(BookingsTest, BadResourceInputs) {
  auto bad = [&](domain::ResourceChange c, std::string_view message) {
    if (!c.type) c.type = "room";
    if (!c.name) c.name = "X";
    Result<domain::Resource> r = resources_->Create(root_, c);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << message;
    if (!r.ok()) {
      EXPECT_THAT(r.error().message, HasSubstr(std::string(message)));
    }
  };
  domain::ResourceChange c;
  c.name = "";
  bad(c, "name must be 1-200 bytes");
  c = {};
  c.type = "Room!";
  bad(c, "type must be");
  c = {};
  c.timezone = "Mars/Olympus";
  bad(c, "unknown time zone");
  c = {};
  c.units = 0;
  bad(c, "units must be 1-10000");
  c = {};
  c.bookable_hours = std::vector<domain::BookableHours>{{0, 600, 540}};
  bad(c, "bookable_hours");
  c = {};
  c.unavailability = std::vector<domain::Unavailability>{
      {"x", At("2025-02-02T00:00:00Z"), At("2025-02-01T00:00:00Z")}};
  bad(c, "unavailability: from must be before to");
  c = {};
  c.approver_user_ids = std::vector<domain::Id>{mallory_.user_id};
  bad(c, "no user");
  c = {};
  c.min_duration_min = 60;
  c.max_duration_min = 30;
  bad(c, "max_duration_min is below min_duration_min");
}

TEST_P(BookingsTest, AutoApprovedBookingShowsInTheResourceCalendar) {
  domain::Resource r = Room();
  Result<domain::BookingCreated> b =
      Book(alice_, r.id, "2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z", "Planning");
  ASSERT_OK(b);
  ASSERT_EQ(b->bookings.size(), 1u);
  const domain::Booking& booking = b->bookings[0];
  EXPECT_EQ(booking.status, BookingStatus::kApproved);
  EXPECT_TRUE(booking.blocking);
  // The VEVENT in the resource's calendar, readable by everyone.
  domain::InstanceQuery q;
  q.from = At("2025-03-01T00:00:00Z");
  q.to = At("2025-03-31T00:00:00Z");
  q.calendar_ids = {r.calendar_id};
  Result<domain::InstanceList> list = events_->List(bob_, q);
  ASSERT_OK(list);
  std::vector<domain::InstanceItem> items = list->Items();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].details->title, "Planning");
  EXPECT_EQ(items[0].details->status, "confirmed");
  // History: requested, approved (no approval needed).
  Result<domain::BookingView> v = resources_->GetBooking(alice_, booking.id);
  ASSERT_OK(v);
  ASSERT_EQ(v->history.size(), 2u);
  EXPECT_EQ(v->history[0].action, "requested");
  EXPECT_EQ(v->history[1].action, "approved");
  // Others see busy only; other organisations nothing.
  Result<domain::BookingView> seen = resources_->GetBooking(bob_, booking.id);
  ASSERT_OK(seen);
  EXPECT_FALSE(seen->details);
  EXPECT_TRUE(seen->history.empty());
  EXPECT_EQ(resources_->GetBooking(mallory_, booking.id).status().code(), Code::kNotFound);
  // Cancelling removes the VEVENT.
  EXPECT_EQ(resources_->Cancel(bob_, booking.id, "").status().code(), Code::kPermissionDenied);
  ASSERT_OK(resources_->Cancel(alice_, booking.id, "plans changed"));
  EXPECT_EQ(StatusOf(booking.id), BookingStatus::kCancelled);
  EXPECT_EQ(resources_->Cancel(alice_, booking.id, "").status().code(),
            Code::kFailedPrecondition);
  list = events_->List(bob_, q);
  ASSERT_OK(list);
  EXPECT_TRUE(list->Items().empty());
}

TEST_P(BookingsTest, ClashNamesTheHolderAsTheCallerMaySeeAndSuggestsFreeSlots) {
  domain::ResourceChange c;
  c.bookable_hours = std::vector<domain::BookableHours>{};
  for (int d = 0; d < 5; ++d) c.bookable_hours->push_back({d, 9 * 60, 17 * 60});
  domain::Resource r = Room(c);
  ASSERT_OK(Book(alice_, r.id, "2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z", "Alice's review"));
  domain::BookingConflict conflict;
  Result<domain::BookingCreated> clash =
      Book(bob_, r.id, "2025-03-03T10:30:00Z", "2025-03-03T11:30:00Z", "Bob", &conflict);
  EXPECT_EQ(clash.status().code(), Code::kConflict);
  ASSERT_EQ(conflict.clashes.size(), 1u);
  EXPECT_EQ(conflict.clashes[0].kind, "booking");
  EXPECT_EQ(conflict.clashes[0].holder_title, "busy");
  EXPECT_EQ(conflict.clashes[0].holder_name, "");
  ASSERT_EQ(conflict.free_slots.size(), 2u);
  EXPECT_EQ(conflict.free_slots[0], (domain::TimeSpan{At("2025-03-03T09:00:00Z"),
                                                       At("2025-03-03T10:00:00Z")}));
  EXPECT_EQ(conflict.free_slots[1], (domain::TimeSpan{At("2025-03-03T11:00:00Z"),
                                                       At("2025-03-03T12:00:00Z")}));
  // A manager sees who holds it.
  conflict = {};
  EXPECT_EQ(Book(boss_, r.id, "2025-03-03T10:30:00Z", "2025-03-03T11:30:00Z", "x", &conflict)
                .status()
                .code(),
            Code::kConflict);
  ASSERT_EQ(conflict.clashes.size(), 1u);
  EXPECT_EQ(conflict.clashes[0].holder_title, "Alice's review");
  EXPECT_EQ(conflict.clashes[0].holder_name, "User alice");
  // Touching ends do not clash.
  ASSERT_OK(Book(bob_, r.id, "2025-03-03T11:00:00Z", "2025-03-03T12:00:00Z"));
  // Free slots stay within bookable hours: before 09:00 there is none that day.
  conflict = {};
  EXPECT_EQ(Book(bob_, r.id, "2025-03-03T09:30:00Z", "2025-03-03T12:00:00Z", "x", &conflict)
                .status()
                .code(),
            Code::kConflict);
  ASSERT_FALSE(conflict.free_slots.empty());
  for (const domain::TimeSpan& s : conflict.free_slots) {
    EXPECT_EQ(s.end - s.start, 9000);
    EXPECT_FALSE(s.start < At("2025-02-24T09:00:00Z"));
  }
}

TEST_P(BookingsTest, BuffersAreBlocked) {
  domain::ResourceChange c;
  c.buffer_before_min = 15;
  c.buffer_after_min = 30;
  domain::Resource r = Room(c);
  ASSERT_OK(Book(alice_, r.id, "2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z"));
  // Starts inside the clean-up time.
  EXPECT_EQ(Book(bob_, r.id, "2025-03-03T11:20:00Z", "2025-03-03T12:00:00Z").status().code(),
            Code::kConflict);
  // Its set-up time would overlap the booking's clean-up: 11:30 - 15 min < 11:30.
  EXPECT_EQ(Book(bob_, r.id, "2025-03-03T11:40:00Z", "2025-03-03T12:00:00Z").status().code(),
            Code::kConflict);
  ASSERT_OK(Book(bob_, r.id, "2025-03-03T11:45:00Z", "2025-03-03T12:00:00Z"));
  // Before: the new one's clean-up meets the first's set-up at 09:45.
  EXPECT_EQ(Book(bob_, r.id, "2025-03-03T09:00:00Z", "2025-03-03T09:20:00Z").status().code(),
            Code::kConflict);
  ASSERT_OK(Book(bob_, r.id, "2025-03-03T09:00:00Z", "2025-03-03T09:15:00Z"));
  Result<std::vector<domain::TimeSpan>> free =
      resources_->Availability(bob_, r.id, At("2025-03-03T08:00:00Z"), At("2025-03-03T13:00:00Z"));
  ASSERT_OK(free);
  // Free for a booking with the same buffers: before 08:00+... up to the
  // first's set-up minus the new clean-up, and after the last clean-up plus set-up.
  ASSERT_EQ(free->size(), 2u);
  EXPECT_EQ((*free)[0].start, At("2025-03-03T08:00:00Z"));
  EXPECT_EQ((*free)[0].end, At("2025-03-03T08:15:00Z"));
  EXPECT_EQ((*free)[1].start, At("2025-03-03T12:45:00Z"));
  // A search reads the bookings within the buffers' reach of its window:
  // 12:40 is inside the last booking's clean-up plus the new set-up.
  domain::ResourceSearch q;
  q.free = domain::TimeSpan{At("2025-03-03T12:40:00Z"), At("2025-03-03T13:00:00Z")};
  EXPECT_TRUE(resources_->Search(bob_, q)->empty());
  q.free = domain::TimeSpan{At("2025-03-03T12:45:00Z"), At("2025-03-03T13:00:00Z")};
  ASSERT_EQ(resources_->Search(bob_, q)->size(), 1u);
  q.free = domain::TimeSpan{At("2025-03-03T08:00:00Z"), At("2025-03-03T08:20:00Z")};
  EXPECT_TRUE(resources_->Search(bob_, q)->empty());  // 08:15 meets the first set-up
}

TEST_P(BookingsTest, UnitsAllowThatManyAtOnce) {
  domain::ResourceChange c;
  c.type = "equipment";
  c.name = "Projectors";
  c.units = 3;
  domain::Resource r = Room(c);
  ASSERT_OK(Book(alice_, r.id, "2025-03-03T09:00:00Z", "2025-03-03T12:00:00Z"));
  ASSERT_OK(Book(bob_, r.id, "2025-03-03T10:00:00Z", "2025-03-03T11:00:00Z"));
  // Two hold 10-11, one 11-12 besides: a third fits 11:00-13:00 (only 2 at once).
  ASSERT_OK(Book(bob_, r.id, "2025-03-03T11:00:00Z", "2025-03-03T13:00:00Z"));
  ASSERT_OK(Book(alice_, r.id, "2025-03-03T10:30:00Z", "2025-03-03T11:00:00Z"));
  // Now three hold 10:30-11:00.
  domain::BookingConflict conflict;
  EXPECT_EQ(Book(boss_, r.id, "2025-03-03T10:45:00Z", "2025-03-03T10:50:00Z", "x", &conflict)
                .status()
                .code(),
            Code::kConflict);
  EXPECT_EQ(conflict.clashes.size(), 3u);
  ASSERT_OK(Book(boss_, r.id, "2025-03-03T11:00:00Z", "2025-03-03T11:30:00Z"));
  EXPECT_EQ(Book(boss_, r.id, "2025-03-03T11:15:00Z", "2025-03-03T11:20:00Z").status().code(),
            Code::kConflict);
  // Reducing units below what is booked is refused.
  domain::ResourceChange fewer;
  fewer.units = 2;
  EXPECT_EQ(resources_->Update(root_, r.id, fewer).status().code(), Code::kConflict);
}

TEST_P(BookingsTest, BookingRules) {
  domain::ResourceChange c;
  c.horizon_days = 30;
  c.min_notice_min = 120;
  c.min_duration_min = 30;
  c.max_duration_min = 240;
  c.timezone = "Europe/Berlin";
  c.bookable_hours = std::vector<domain::BookableHours>{{0, 8 * 60, 18 * 60}};  // Mondays
  c.booker_roles = std::vector<Role>{Role::kManager};
  c.booker_user_ids = std::vector<domain::Id>{alice_.user_id};
  domain::Resource r = Room(c);
  auto code = [&](const Principal& p, std::string_view s, std::string_view e) {
    return Book(p, r.id, s, e).status();
  };
  // 2025-01-06 is a Monday; 08:00 Berlin is 07:00Z.
  ASSERT_OK(code(alice_, "2025-01-06T07:00:00Z", "2025-01-06T08:00:00Z"));
  ASSERT_OK(code(boss_, "2025-01-06T16:00:00Z", "2025-01-06T17:00:00Z"));
  EXPECT_EQ(code(bob_, "2025-01-06T09:00:00Z", "2025-01-06T10:00:00Z").code(),
            Code::kPermissionDenied);
  EXPECT_EQ(code(guest_, "2025-01-06T09:00:00Z", "2025-01-06T10:00:00Z").code(),
            Code::kPermissionDenied);
  Status s = code(alice_, "2025-01-06T06:30:00Z", "2025-01-06T07:30:00Z");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.error().message, HasSubstr("outside the bookable hours"));
  s = code(alice_, "2025-01-07T09:00:00Z", "2025-01-07T10:00:00Z");  // Tuesday
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  s = code(alice_, "2025-01-06T09:00:00Z", "2025-01-06T09:15:00Z");
  EXPECT_THAT(s.error().message, HasSubstr("at least 30 minutes"));
  s = code(alice_, "2025-01-06T07:00:00Z", "2025-01-06T12:00:00Z");
  EXPECT_THAT(s.error().message, HasSubstr("at most 240 minutes"));
  s = code(alice_, "2025-02-10T09:00:00Z", "2025-02-10T10:00:00Z");
  EXPECT_THAT(s.error().message, HasSubstr("at most 30 days ahead"));
  clock_.SetNow(At("2025-01-06T08:30:00Z"));
  s = code(alice_, "2025-01-06T10:00:00Z", "2025-01-06T11:00:00Z");
  EXPECT_THAT(s.error().message, HasSubstr("120 minutes' notice"));
  s = code(alice_, "2025-01-06T08:00:00Z", "2025-01-06T09:00:00Z");
  EXPECT_THAT(s.error().message, HasSubstr("in the past"));
  ASSERT_OK(code(alice_, "2025-01-06T10:30:00Z", "2025-01-06T11:00:00Z"));
  // Bad inputs.
  EXPECT_EQ(code(alice_, "2025-01-13T10:30:00Z", "2025-01-13T10:30:00Z").code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Book(alice_, 999999, "2025-01-13T10:00:00Z", "2025-01-13T11:00:00Z").status().code(),
            Code::kNotFound);
  EXPECT_EQ(Book(mallory_, r.id, "2025-01-13T10:00:00Z", "2025-01-13T11:00:00Z").status().code(),
            Code::kNotFound);
  domain::BookingRequest none;
  none.resource_id = r.id;
  EXPECT_EQ(resources_->Book(alice_, none).status().code(), Code::kInvalidArgument);
}

TEST_P(BookingsTest, UnavailabilityAndAvailableFlag) {
  domain::ResourceChange c;
  c.unavailability = std::vector<domain::Unavailability>{
      {"maintenance", At("2025-03-04T00:00:00Z"), At("2025-03-05T00:00:00Z")}};
  domain::Resource r = Room(c);
  domain::BookingConflict conflict;
  EXPECT_EQ(Book(alice_, r.id, "2025-03-04T09:00:00Z", "2025-03-04T10:00:00Z", "x", &conflict)
                .status()
                .code(),
            Code::kConflict);
  ASSERT_EQ(conflict.clashes.size(), 1u);
  EXPECT_EQ(conflict.clashes[0].kind, "unavailable");
  EXPECT_EQ(conflict.clashes[0].reason, "maintenance");
  ASSERT_EQ(conflict.free_slots.size(), 2u);
  EXPECT_EQ(conflict.free_slots[0].end, At("2025-03-04T00:00:00Z"));
  EXPECT_EQ(conflict.free_slots[1].start, At("2025-03-05T00:00:00Z"));
  domain::ResourceChange off;
  off.available = false;
  ASSERT_OK(resources_->Update(root_, r.id, off));
  EXPECT_EQ(Book(alice_, r.id, "2025-03-06T09:00:00Z", "2025-03-06T10:00:00Z").status().code(),
            Code::kInvalidArgument);
  Result<std::vector<domain::TimeSpan>> free =
      resources_->Availability(alice_, r.id, At("2025-03-06T00:00:00Z"), At("2025-03-07T00:00:00Z"));
  ASSERT_OK(free);
  EXPECT_TRUE(free->empty());
}

TEST_P(BookingsTest, ApprovalWorkflowAndPermissions) {
  domain::ResourceChange c;
  c.requires_approval = true;
  c.approver_user_ids = std::vector<domain::Id>{bob_.user_id};
  domain::Resource r = Room(c);
  Result<domain::BookingCreated> b =
      Book(alice_, r.id, "2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z", "Offsite prep");
  ASSERT_OK(b);
  const domain::Id id = b->bookings[0].id;
  EXPECT_EQ(b->bookings[0].status, BookingStatus::kPending);
  // Pending blocks by default.
  EXPECT_EQ(Book(boss_, r.id, "2025-03-03T09:30:00Z", "2025-03-03T10:30:00Z").status().code(),
            Code::kConflict);
  // The named approver and admins decide; the manager is not named, so not.
  EXPECT_EQ(resources_->Approve(boss_, id, {}).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(resources_->Approve(alice_, id, {}).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(resources_->Reject(guest_, id, "").status().code(), Code::kPermissionDenied);
  EXPECT_EQ(resources_->Approve(mallory_, id, {}).status().code(), Code::kNotFound);
  Result<std::vector<domain::BookingView>> inbox = resources_->PendingApprovals(bob_);
  ASSERT_OK(inbox);
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].booking.id, id);
  EXPECT_TRUE(resources_->PendingApprovals(boss_)->empty());
  EXPECT_TRUE(resources_->PendingApprovals(alice_)->empty());
  domain::ApproveOptions o;
  o.comment = "ok";
  Result<domain::Approved> a = resources_->Approve(bob_, id, o);
  ASSERT_OK(a);
  EXPECT_EQ(a->booking.status, BookingStatus::kApproved);
  EXPECT_EQ(resources_->Approve(bob_, id, o).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(resources_->Reject(bob_, id, "").status().code(), Code::kFailedPrecondition);
  Result<domain::BookingView> v = resources_->GetBooking(alice_, id);
  ASSERT_OK(v);
  ASSERT_EQ(v->history.size(), 2u);
  EXPECT_EQ(v->history[1].action, "approved");
  EXPECT_EQ(v->history[1].actor_id, bob_.user_id);
  EXPECT_EQ(v->history[1].comment, "ok");
  // Approved bookings can be cancelled by the requester.
  ASSERT_OK(resources_->Cancel(alice_, id, "done"));
  // Reject with a comment; managers decide when no approvers are named.
  domain::ResourceChange unnamed;
  unnamed.approver_user_ids = std::vector<domain::Id>{};
  ASSERT_OK(resources_->Update(root_, r.id, unnamed));
  b = Book(alice_, r.id, "2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z");
  ASSERT_OK(b);
  EXPECT_EQ(resources_->Reject(bob_, b->bookings[0].id, "").status().code(),
            Code::kPermissionDenied);
  ASSERT_OK(resources_->Reject(boss_, b->bookings[0].id, "room is needed for audit"));
  EXPECT_EQ(StatusOf(b->bookings[0].id), BookingStatus::kRejected);
  EXPECT_EQ(resources_->Cancel(alice_, b->bookings[0].id, "").status().code(),
            Code::kFailedPrecondition);
  // A rejected request no longer blocks.
  ASSERT_OK(Book(bob_, r.id, "2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z"));
  // Approver role.
  domain::ResourceChange by_role;
  by_role.approver_role = std::optional<Role>(Role::kMember);
  ASSERT_OK(resources_->Update(root_, r.id, by_role));
  b = Book(boss_, r.id, "2025-03-05T09:00:00Z", "2025-03-05T10:00:00Z");
  ASSERT_OK(b);
  ASSERT_OK(resources_->Approve(alice_, b->bookings[0].id, {}));
}

TEST_P(BookingsTest, ApprovalRechecksAndRejectsClashingRequests) {
  domain::ResourceChange c;
  c.requires_approval = true;
  c.pending_blocks = false;
  domain::Resource r = Room(c);
  Result<domain::BookingCreated> a = Book(alice_, r.id, "2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z");
  Result<domain::BookingCreated> b = Book(bob_, r.id, "2025-03-03T09:30:00Z", "2025-03-03T10:30:00Z");
  Result<domain::BookingCreated> d = Book(bob_, r.id, "2025-03-03T11:00:00Z", "2025-03-03T12:00:00Z");
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(d);
  EXPECT_FALSE(a->bookings[0].blocking);
  Result<domain::Approved> ok = resources_->Approve(boss_, a->bookings[0].id, {});
  ASSERT_OK(ok);
  EXPECT_EQ(ok->auto_rejected, std::vector<domain::Id>{b->bookings[0].id});
  EXPECT_EQ(StatusOf(b->bookings[0].id), BookingStatus::kRejected);
  EXPECT_EQ(StatusOf(d->bookings[0].id), BookingStatus::kPending);
  Result<domain::BookingView> v = resources_->GetBooking(bob_, b->bookings[0].id);
  ASSERT_OK(v);
  EXPECT_EQ(v->history.back().action, "auto-rejected");
  EXPECT_THAT(v->history.back().comment, HasSubstr("clashes with booking"));
  // A new request that clashes with an approved booking is refused at once.
  EXPECT_EQ(Book(bob_, r.id, "2025-03-03T09:45:00Z", "2025-03-03T10:15:00Z").status().code(),
            Code::kConflict);
  // Without auto-rejection the clashing request stays, and cannot be approved.
  Result<domain::BookingCreated> e = Book(bob_, r.id, "2025-03-03T11:30:00Z", "2025-03-03T12:30:00Z");
  ASSERT_OK(e);
  domain::ApproveOptions keep;
  keep.reject_conflicting = false;
  ok = resources_->Approve(boss_, d->bookings[0].id, keep);
  ASSERT_OK(ok);
  EXPECT_TRUE(ok->auto_rejected.empty());
  EXPECT_EQ(StatusOf(e->bookings[0].id), BookingStatus::kPending);
  Result<domain::Approved> refused = resources_->Approve(boss_, e->bookings[0].id, {});
  EXPECT_EQ(refused.status().code(), Code::kConflict);
  EXPECT_THAT(refused.error().message, HasSubstr("no longer fits"));
  EXPECT_EQ(StatusOf(e->bookings[0].id), BookingStatus::kPending);
  // Turning pending_blocks on while pending requests overlap approved ones fails.
  domain::ResourceChange blocks;
  blocks.pending_blocks = true;
  EXPECT_EQ(resources_->Update(root_, r.id, blocks).status().code(), Code::kConflict);
  ASSERT_OK(resources_->Reject(boss_, e->bookings[0].id, "clash"));
  ASSERT_OK(resources_->Update(root_, r.id, blocks));
  // Now pending requests block.
  ASSERT_OK(Book(alice_, r.id, "2025-03-03T13:00:00Z", "2025-03-03T14:00:00Z"));
  EXPECT_EQ(Book(bob_, r.id, "2025-03-03T13:30:00Z", "2025-03-03T13:45:00Z").status().code(),
            Code::kConflict);
  EXPECT_EQ(OverlapsInDatabase(), 0);
}

TEST_P(BookingsTest, RecurringEventBookingsFailOrSkipClashingInstances) {
  Result<domain::CalendarWithAccess> cal = [&] {
    domain::CalendarChange c;
    c.name = "Team";
    c.timezone = "Europe/Berlin";
    return calendars_->Create(alice_, c);
  }();
  ASSERT_OK(cal);
  domain::EventChange ev;
  ev.title = "Weekly sync";
  ev.start = domain::ParseApiTime("2025-03-03T09:00:00+01:00").value();
  ev.end = domain::ParseApiTime("2025-03-03T10:00:00+01:00").value();
  ev.timezone = "Europe/Berlin";
  ev.rrule = std::optional<std::string>("FREQ=WEEKLY;COUNT=5");
  Result<domain::EventRef> event = events_->Create(alice_, cal->calendar.id, ev);
  ASSERT_OK(event);
  domain::Resource r = Room();
  // Someone holds the second and fourth Mondays.
  ASSERT_OK(Book(bob_, r.id, "2025-03-10T08:30:00Z", "2025-03-10T09:00:00Z", "Bob 1"));
  ASSERT_OK(Book(bob_, r.id, "2025-03-24T07:00:00Z", "2025-03-24T08:30:00Z", "Bob 2"));
  domain::BookingRequest req;
  req.resource_id = r.id;
  req.event_id = event->id;
  domain::BookingConflict conflict;
  Result<domain::BookingCreated> fail = resources_->Book(alice_, req, &conflict);
  EXPECT_EQ(fail.status().code(), Code::kConflict);
  EXPECT_THAT(fail.error().message, HasSubstr("2 of 5 instances clash"));
  ASSERT_EQ(conflict.clashes.size(), 2u);
  EXPECT_EQ(conflict.clashes[0].recurrence_id, "2025-03-10T08:00:00Z");
  EXPECT_EQ(conflict.clashes[1].recurrence_id, "2025-03-24T08:00:00Z");
  Result<std::vector<domain::BookingView>> none =
      resources_->ListBookings(alice_, r.id, At("2025-03-01T00:00:00Z"), At("2025-04-30T00:00:00Z"));
  ASSERT_OK(none);
  EXPECT_EQ(none->size(), 2u);  // Bob's only: nothing was stored
  // Bob cannot attach a booking to Alice's private event (he sees free/busy only).
  EXPECT_EQ(resources_->Book(bob_, req).status().code(), Code::kNotFound);
  // Start/end with an event is refused.
  domain::BookingRequest both = req;
  both.start = At("2025-03-03T08:00:00Z");
  EXPECT_EQ(resources_->Book(alice_, both).status().code(), Code::kInvalidArgument);
  req.on_conflict = domain::OnConflict::kSkip;
  Result<domain::BookingCreated> skip = resources_->Book(alice_, req);
  ASSERT_OK(skip);
  ASSERT_EQ(skip->bookings.size(), 3u);
  ASSERT_EQ(skip->skipped.size(), 2u);
  EXPECT_EQ(skip->skipped[0].holder_title, "busy");
  ASSERT_TRUE(skip->group_id.has_value());
  for (const domain::Booking& b : skip->bookings) {
    EXPECT_EQ(b.group_id, skip->group_id);
    EXPECT_EQ(b.event_id, event->id);
    EXPECT_EQ(b.title, "Weekly sync");
  }
  EXPECT_EQ(skip->bookings[0].recurrence_id, "2025-03-03T08:00:00Z");
  EXPECT_EQ(skip->bookings[1].recurrence_id, "2025-03-17T08:00:00Z");
  EXPECT_EQ(skip->bookings[2].recurrence_id, "2025-03-31T07:00:00Z");  // CEST from March 30
  // Every instance clashes now: skip is a conflict too.
  EXPECT_EQ(resources_->Book(alice_, req).status().code(), Code::kConflict);
}

// ---- bookings that follow their event (FollowEventBookings) ----

class EventBookingsTest : public BookingsTest {
 protected:
  domain::Id Calendar() {
    domain::CalendarChange c;
    c.name = "Team";
    c.timezone = "Europe/Berlin";
    Result<domain::CalendarWithAccess> cal = calendars_->Create(alice_, c);
    EXPECT_TRUE(cal.ok()) << DescribeStatus(cal.status());
    return cal.ok() ? cal->calendar.id : 0;
  }
  domain::EventRef Event(domain::Id calendar, std::string_view start, std::string_view end,
                         std::optional<std::string> rrule = std::nullopt) {
    domain::EventChange ev;
    ev.title = "Planning";
    ev.start = domain::ParseApiTime(start).value();
    ev.end = domain::ParseApiTime(end).value();
    ev.timezone = "Europe/Berlin";
    if (rrule) ev.rrule = rrule;
    Result<domain::EventRef> e = events_->Create(alice_, calendar, ev);
    EXPECT_TRUE(e.ok()) << DescribeStatus(e.status());
    return e.ok() ? *e : domain::EventRef{};
  }
  std::vector<domain::Booking> BookEvent(domain::Id resource, domain::Id event) {
    domain::BookingRequest req;
    req.resource_id = resource;
    req.event_id = event;
    Result<domain::BookingCreated> made = resources_->Book(alice_, req);
    EXPECT_TRUE(made.ok()) << DescribeStatus(made.status());
    return made.ok() ? made->bookings : std::vector<domain::Booking>{};
  }
  domain::Booking Get(domain::Id booking) {
    Result<domain::BookingView> v = resources_->GetBooking(root_, booking);
    EXPECT_TRUE(v.ok()) << DescribeStatus(v.status());
    return v.ok() ? v->booking : domain::Booking{};
  }
  std::vector<std::string> Actions(domain::Id booking) {
    Result<domain::BookingView> v = resources_->GetBooking(root_, booking);
    std::vector<std::string> out;
    if (v.ok()) {
      for (const domain::BookingHistoryEntry& e : v->history) out.push_back(e.action);
    }
    return out;
  }
  Result<domain::EditOutcome> Move(domain::Id event, domain::EditScope scope,
                                   std::optional<std::string_view> rid, std::string_view start,
                                   std::string_view end) {
    domain::EventChange c;
    c.start = domain::ParseApiTime(start).value();
    c.end = domain::ParseApiTime(end).value();
    std::optional<domain::ApiTime> r;
    if (rid) r = domain::ParseApiTime(*rid).value();
    return events_->Update(alice_, event, scope, r, c, std::nullopt);
  }
  // The start of the resource calendar's object for `booking`, from its ICS.
  std::string CalendarStart(const domain::Resource& r, domain::Id booking) {
    std::string out;
    Status s = store_->Read([&](domain::StoreTx& tx) -> Status {
      Result<domain::CalendarObject> o =
          tx.GetObjectByName(r.org_id, r.calendar_id, fmt::format("booking-{}.ics", booking));
      if (!o.ok()) return o.error().code == Code::kNotFound ? OkStatus() : o.status();
      const std::size_t at = o->ics.find("DTSTART:");
      out = o->ics.substr(at + 8, 16);
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << DescribeStatus(s);
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(Drivers, EventBookingsTest,
                         testing::Values(Dialect::kSqlite, Dialect::kPostgres), DialectName);

TEST_P(EventBookingsTest, MovingAnEventMovesItsBookingUnderTheConflictRule) {
  const domain::Id cal = Calendar();
  domain::ResourceChange rc;
  rc.buffer_after_min = 15;
  domain::Resource room = Room(rc);
  domain::EventRef ev = Event(cal, "2025-02-03T10:00:00+01:00", "2025-02-03T11:00:00+01:00");
  std::vector<domain::Booking> made = BookEvent(room.id, ev.id);
  ASSERT_EQ(made.size(), 1u);
  const domain::Id id = made[0].id;
  EXPECT_EQ(made[0].recurrence_id, "");
  // Resize and move: the booking follows, with its buffer.
  ASSERT_OK(Move(ev.id, domain::EditScope::kAll, std::nullopt, "2025-02-03T14:00:00+01:00",
                 "2025-02-03T15:30:00+01:00"));
  domain::Booking b = Get(id);
  EXPECT_EQ(b.start, At("2025-02-03T13:00:00Z"));
  EXPECT_EQ(b.end, At("2025-02-03T14:30:00Z"));
  EXPECT_EQ(b.block_end, At("2025-02-03T14:45:00Z"));
  EXPECT_EQ(b.status, BookingStatus::kApproved);
  EXPECT_TRUE(b.blocking);
  EXPECT_EQ(Actions(id), (std::vector<std::string>{"requested", "approved", "moved"}));
  EXPECT_EQ(CalendarStart(room, id), "20250203T130000Z");
  // Bob holds 16:00-17:00 (15:00Z-16:00Z): moving onto it (or its buffer) is
  // a conflict naming his booking, and neither the event nor the booking changes.
  Result<domain::BookingCreated> bob =
      Book(bob_, room.id, "2025-02-03T15:00:00Z", "2025-02-03T16:00:00Z", "Bob's");
  ASSERT_OK(bob);
  Result<domain::EditOutcome> clash =
      Move(ev.id, domain::EditScope::kAll, std::nullopt, "2025-02-03T15:00:00+01:00",
           "2025-02-03T16:00:00+01:00");  // ends 15:00Z + 15 min buffer > Bob's start
  ASSERT_EQ(clash.status().code(), Code::kConflict);
  EXPECT_THAT(clash.error().message, HasSubstr(room.name));
  EXPECT_THAT(clash.error().message,
              HasSubstr(fmt::format("booking {} (busy)", bob->bookings[0].id)));
  Result<domain::EventDetails> kept = events_->Get(alice_, ev.id);
  ASSERT_OK(kept);
  EXPECT_EQ(kept->master.start, "2025-02-03T14:00:00+01:00");
  EXPECT_EQ(Get(id).start, At("2025-02-03T13:00:00Z"));
  EXPECT_EQ(OverlapsInDatabase(), 0);
  // A change that leaves the times alone leaves the booking alone.
  domain::EventChange title;
  title.title = "Renamed";
  ASSERT_OK(events_->Update(alice_, ev.id, domain::EditScope::kAll, std::nullopt, title,
                            std::nullopt));
  EXPECT_EQ(Actions(id).size(), 3u);
  // Deleting the event releases the booking and frees its slot.
  ASSERT_OK(events_->Delete(alice_, ev.id, domain::EditScope::kAll, std::nullopt, std::nullopt));
  EXPECT_EQ(Get(id).status, BookingStatus::kCancelled);
  EXPECT_FALSE(Get(id).blocking);
  EXPECT_EQ(Actions(id).back(), "released");
  EXPECT_EQ(CalendarStart(room, id), "");
  ASSERT_OK(Book(bob_, room.id, "2025-02-03T13:00:00Z", "2025-02-03T14:00:00Z"));
}

TEST_P(EventBookingsTest, SeriesEditsCarryEachInstancesBookingAcrossDst) {
  const domain::Id cal = Calendar();
  domain::Resource room = Room();
  // Mondays 09:00 Berlin, five weeks across the switch to CEST on March 30.
  domain::EventRef ev = Event(cal, "2025-03-17T09:00:00+01:00", "2025-03-17T10:00:00+01:00",
                              "FREQ=WEEKLY;COUNT=5");
  std::vector<domain::Booking> made = BookEvent(room.id, ev.id);
  ASSERT_EQ(made.size(), 5u);
  EXPECT_EQ(made[3].start, At("2025-04-07T07:00:00Z"));  // 09:00 CEST
  // This occurrence: the second Monday moves to the afternoon; only its booking moves.
  ASSERT_OK(Move(ev.id, domain::EditScope::kThis, "2025-03-24T09:00:00+01:00",
                 "2025-03-24T15:00:00+01:00", "2025-03-24T16:00:00+01:00"));
  EXPECT_EQ(Get(made[1].id).start, At("2025-03-24T14:00:00Z"));
  EXPECT_EQ(Get(made[1].id).recurrence_id, made[1].recurrence_id);
  for (int i : {0, 2, 3, 4}) EXPECT_EQ(Get(made[i].id).start, made[i].start) << i;
  // The moved occurrence moves again: found by its RECURRENCE-ID, not its time.
  ASSERT_OK(Move(ev.id, domain::EditScope::kThis, "2025-03-24T09:00:00+01:00",
                 "2025-03-24T16:00:00+01:00", "2025-03-24T17:00:00+01:00"));
  EXPECT_EQ(Get(made[1].id).start, At("2025-03-24T15:00:00Z"));
  // Deleting one occurrence releases its booking alone.
  ASSERT_OK(events_->Delete(alice_, ev.id, domain::EditScope::kThis,
                            domain::ParseApiTime("2025-03-31T09:00:00+02:00").value(),
                            std::nullopt));
  EXPECT_EQ(Get(made[2].id).status, BookingStatus::kCancelled);
  EXPECT_EQ(Actions(made[2].id).back(), "released");
  // This and following from April 7: 11:00 local from then on. The split-off
  // series takes over the bookings of April 7 and 14, at 11:00 CEST.
  Result<domain::EditOutcome> split =
      Move(ev.id, domain::EditScope::kFollowing, "2025-04-07T09:00:00+02:00",
           "2025-04-07T11:00:00+02:00", "2025-04-07T12:00:00+02:00");
  ASSERT_OK(split);
  ASSERT_TRUE(split->created.has_value());
  for (int i : {3, 4}) {
    domain::Booking b = Get(made[i].id);
    EXPECT_EQ(b.event_id, split->created->id) << i;
    EXPECT_EQ(b.status, BookingStatus::kApproved) << i;
    EXPECT_EQ(b.start, made[i].start + 2 * 3600) << i;
  }
  EXPECT_EQ(Get(made[0].id).event_id, ev.id);
  EXPECT_EQ(Get(made[0].id).start, made[0].start);
  // The new series moves as a whole: its bookings follow it, not the old one.
  ASSERT_OK(Move(split->created->id, domain::EditScope::kAll, std::nullopt,
                 "2025-04-07T13:00:00+02:00", "2025-04-07T14:00:00+02:00"));
  EXPECT_EQ(Get(made[4].id).start, At("2025-04-14T11:00:00Z"));
  EXPECT_EQ(OverlapsInDatabase(), 0);
}

TEST_P(EventBookingsTest, AMovedBookingNeedsApprovalAgainAndCalendarDeletionReleases) {
  const domain::Id cal = Calendar();
  domain::ResourceChange rc;
  rc.requires_approval = true;
  domain::Resource van = Room(rc);
  domain::EventRef ev = Event(cal, "2025-02-10T10:00:00+01:00", "2025-02-10T11:00:00+01:00");
  std::vector<domain::Booking> made = BookEvent(van.id, ev.id);
  ASSERT_EQ(made.size(), 1u);
  ASSERT_OK(resources_->Approve(boss_, made[0].id, {}));
  ASSERT_OK(Move(ev.id, domain::EditScope::kAll, std::nullopt, "2025-02-11T10:00:00+01:00",
                 "2025-02-11T11:00:00+01:00"));
  domain::Booking b = Get(made[0].id);
  EXPECT_EQ(b.status, BookingStatus::kPending);
  EXPECT_TRUE(b.blocking);  // pending blocks by default
  EXPECT_EQ(b.start, At("2025-02-11T09:00:00Z"));
  Result<domain::BookingView> view = resources_->GetBooking(root_, made[0].id);
  ASSERT_OK(view);
  EXPECT_THAT(view->history.back().comment, HasSubstr("needs approval again"));
  // Deleting the calendar releases what its events booked.
  ASSERT_OK(calendars_->Delete(alice_, cal));
  EXPECT_EQ(Get(made[0].id).status, BookingStatus::kCancelled);
  EXPECT_FALSE(Get(made[0].id).blocking);
}

TEST_P(BookingsTest, DecisionsLeaveNotificationEventsForTheOtherSide) {
  domain::ResourceChange rc;
  rc.requires_approval = true;
  domain::Resource van = Room(rc);
  domain::Resource room = Room();
  Result<domain::BookingCreated> asked =
      Book(alice_, van.id, "2025-01-03T09:00:00Z", "2025-01-03T10:00:00Z");
  ASSERT_OK(asked);
  ASSERT_OK(Book(alice_, room.id, "2025-01-03T09:00:00Z", "2025-01-03T10:00:00Z"));  // none
  const domain::Id id = asked->bookings[0].id;
  ASSERT_OK(resources_->Approve(boss_, id, {"ok", true}));
  ASSERT_OK(resources_->Cancel(alice_, id, "plans changed"));
  std::vector<domain::NotificationEvent> events;
  ASSERT_OK(store_->Read([&](domain::StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(events, tx.ListNotificationEvents(alice_.org_id, 0, 100));
    return OkStatus();
  }));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].action, "requested");  // to the approvers
  EXPECT_FALSE(events[0].recipient_id.has_value());
  EXPECT_EQ(events[1].action, "approved");  // to Alice, with the comment
  EXPECT_EQ(events[1].recipient_id, alice_.user_id);
  EXPECT_EQ(events[1].actor_id, boss_.user_id);
  EXPECT_EQ(events[1].comment, "ok");
  EXPECT_EQ(events[2].action, "cancelled");
  EXPECT_FALSE(events[2].recipient_id.has_value());
  for (const domain::NotificationEvent& e : events) {
    EXPECT_EQ(e.kind, "booking");
    EXPECT_EQ(e.item_id, id);
  }
}

TEST_P(BookingsTest, ALongBookingStillBlocksItsMiddle) {
  // Range reads start max_block_s (the resource's longest block) before the
  // window: a ten-day booking is seen from its fifth day, short ones around it too.
  domain::Resource van = Room();
  ASSERT_OK(Book(alice_, van.id, "2025-01-20T09:00:00Z", "2025-01-20T10:00:00Z"));
  ASSERT_OK(Book(alice_, van.id, "2025-02-01T00:00:00Z", "2025-02-11T00:00:00Z", "Expedition"));
  domain::BookingConflict conflict;
  Result<domain::BookingCreated> mid =
      Book(bob_, van.id, "2025-02-06T10:00:00Z", "2025-02-06T11:00:00Z", "Errand", &conflict);
  ASSERT_EQ(mid.status().code(), Code::kConflict);
  ASSERT_EQ(conflict.clashes.size(), 1u);
  EXPECT_EQ(conflict.clashes[0].holder_span->start, At("2025-02-01T00:00:00Z"));
  domain::ResourceSearch search;
  search.free = domain::TimeSpan{At("2025-02-06T10:00:00Z"), At("2025-02-06T11:00:00Z")};
  Result<std::vector<domain::Resource>> found = resources_->Search(bob_, search);
  ASSERT_OK(found);
  for (const domain::Resource& r : *found) EXPECT_NE(r.id, van.id);
  Result<std::vector<domain::TimeSpan>> free = resources_->Availability(
      bob_, van.id, At("2025-02-06T00:00:00Z"), At("2025-02-07T00:00:00Z"));
  ASSERT_OK(free);
  EXPECT_TRUE(free->empty());
}

TEST_P(BookingsTest, CheckInWindowAndAutoReleaseOfUnclaimedBookings) {
  domain::ResourceChange rc;
  rc.auto_release_min = 10;
  domain::Resource room = Room(rc);
  domain::Resource plain = Room();
  Result<domain::BookingCreated> a =
      Book(alice_, room.id, "2025-01-02T09:00:00Z", "2025-01-02T10:00:00Z", "Claimed");
  Result<domain::BookingCreated> b =
      Book(bob_, room.id, "2025-01-02T11:00:00Z", "2025-01-02T12:00:00Z", "Unclaimed");
  Result<domain::BookingCreated> c =
      Book(bob_, plain.id, "2025-01-02T11:00:00Z", "2025-01-02T12:00:00Z", "No rule");
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(c);
  const domain::Id claimed = a->bookings[0].id, unclaimed = b->bookings[0].id;
  // Too early, someone else's, then in the window.
  clock_.SetNow(At("2025-01-02T08:40:00Z"));
  Result<domain::Booking> early = resources_->CheckIn(alice_, claimed);
  EXPECT_EQ(early.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(early.error().message, HasSubstr("2025-01-02T08:45:00Z"));
  clock_.SetNow(At("2025-01-02T08:50:00Z"));
  EXPECT_EQ(resources_->CheckIn(bob_, claimed).status().code(), Code::kPermissionDenied);
  ASSERT_OK(resources_->CheckIn(alice_, claimed));
  EXPECT_EQ(resources_->CheckIn(alice_, claimed).status().code(), Code::kFailedPrecondition);
  // Ten minutes after each start: only the unclaimed booking with the rule goes.
  clock_.SetNow(At("2025-01-02T09:30:00Z"));
  ASSERT_OK(resources_->ReleaseUnclaimed());
  EXPECT_EQ(StatusOf(claimed), BookingStatus::kApproved);
  EXPECT_EQ(StatusOf(unclaimed), BookingStatus::kApproved);  // not started yet
  clock_.SetNow(At("2025-01-02T11:09:59Z"));
  Result<int> none = resources_->ReleaseUnclaimed();
  ASSERT_OK(none);
  EXPECT_EQ(*none, 0);
  clock_.SetNow(At("2025-01-02T11:10:00Z"));
  Result<int> one = resources_->ReleaseUnclaimed();
  ASSERT_OK(one);
  EXPECT_EQ(*one, 1);
  EXPECT_EQ(StatusOf(unclaimed), BookingStatus::kCancelled);
  EXPECT_EQ(StatusOf(c->bookings[0].id), BookingStatus::kApproved);
  Result<domain::BookingView> v = resources_->GetBooking(root_, unclaimed);
  ASSERT_OK(v);
  EXPECT_EQ(v->history.back().action, "auto-released");
  EXPECT_FALSE(v->booking.blocking);
  // The slot is free again at once.
  ASSERT_OK(Book(alice_, room.id, "2025-01-02T11:30:00Z", "2025-01-02T12:00:00Z"));
  Result<int> again = resources_->ReleaseUnclaimed();
  ASSERT_OK(again);
  EXPECT_EQ(*again, 0);  // a booking is released once
}

// Search and List read a cached resource list, checked against the store's
// ResourcesVersion: a change through another service (another server
// process on the same database) is seen at once, as are creates and deletes.
TEST_P(BookingsTest, TheCachedResourceListFollowsEveryChange) {
  domain::ResourceService other(*store_, clock_);  // as if another process
  domain::Resource a = Room();
  domain::ResourceSearch q;
  q.type = "room";
  q.min_capacity = 12;
  ASSERT_OK(resources_->Search(bob_, q));
  EXPECT_TRUE(resources_->Search(bob_, q)->empty());
  domain::ResourceChange bigger;
  bigger.capacity = 14;
  ASSERT_OK(other.Update(root_, a.id, bigger));
  Result<std::vector<domain::Resource>> found = resources_->Search(bob_, q);
  ASSERT_OK(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].capacity, 14);
  domain::ResourceChange away;
  away.unavailability = std::vector<domain::Unavailability>{
      {"painting", At("2025-03-04T00:00:00Z"), At("2025-03-05T00:00:00Z")}};
  ASSERT_OK(other.Update(root_, a.id, away));
  q.free = domain::TimeSpan{At("2025-03-04T10:00:00Z"), At("2025-03-04T11:00:00Z")};
  EXPECT_TRUE(resources_->Search(bob_, q)->empty());  // closed for painting
  q.free.reset();
  domain::Resource b = [&] {
    domain::ResourceChange c;
    c.type = "room";
    c.name = "Made elsewhere";
    c.capacity = 30;
    return *other.Create(root_, c);
  }();
  EXPECT_EQ(resources_->Search(bob_, q)->size(), 2u);
  EXPECT_EQ(resources_->List(bob_)->size(), 2u);
  ASSERT_OK(other.Delete(root_, b.id));
  EXPECT_EQ(resources_->List(bob_)->size(), 1u);
  // Another organisation's list is its own.
  EXPECT_TRUE(resources_->List(mallory_)->empty());
}

TEST_P(BookingsTest, SearchAndAvailability) {
  domain::ResourceChange c;
  c.location = "Building B, floor 2";
  c.capacity = 12;
  domain::Resource b12 = Room(c);
  c.capacity = 20;
  domain::Resource b20 = Room(c);
  c.location = "Building A";
  domain::Resource a20 = Room(c);
  domain::ResourceChange car;
  car.type = "vehicle";
  car.name = "Van";
  car.capacity = 3;
  car.location = "Building B garage";
  domain::Resource van = Room(car);
  ASSERT_OK(Book(alice_, b20.id, "2025-03-04T10:30:00Z", "2025-03-04T11:00:00Z"));
  domain::ResourceSearch q;
  q.type = "room";
  q.min_capacity = 12;
  q.location = "building b";
  q.free = domain::TimeSpan{At("2025-03-04T10:00:00Z"), At("2025-03-04T11:30:00Z")};
  Result<std::vector<domain::Resource>> found = resources_->Search(bob_, q);
  ASSERT_OK(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, b12.id);
  q.free.reset();
  found = resources_->Search(bob_, q);
  ASSERT_OK(found);
  EXPECT_EQ(found->size(), 2u);
  q = {};
  q.type = "vehicle";
  EXPECT_EQ(resources_->Search(bob_, q)->size(), 1u);
  q = {};
  q.free = domain::TimeSpan{At("2025-03-04T10:00:00Z"), At("2025-03-04T10:00:00Z")};
  EXPECT_EQ(resources_->Search(bob_, q).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(resources_->Search(mallory_, {})->empty());
  (void)a20;
  (void)van;
  Result<std::vector<domain::TimeSpan>> free =
      resources_->Availability(bob_, b20.id, At("2025-03-04T00:00:00Z"), At("2025-03-05T00:00:00Z"));
  ASSERT_OK(free);
  ASSERT_EQ(free->size(), 2u);
  EXPECT_EQ((*free)[0].end, At("2025-03-04T10:30:00Z"));
  EXPECT_EQ((*free)[1].start, At("2025-03-04T11:00:00Z"));
  EXPECT_EQ(resources_->Availability(bob_, b20.id, At("2025-03-05T00:00:00Z"),
                                     At("2025-03-04T00:00:00Z"))
                .status()
                .code(),
            Code::kInvalidArgument);
}

// 16 threads each make overlapping attempts on two single-unit rooms and a
// 3-unit resource; afterwards no two blocking bookings of a room overlap,
// never more than 3 units are out, every attempt was answered ok or
// kConflict, and every ok booking is stored.
TEST_P(BookingsTest, ConcurrentOverlappingBookingsNeverDoubleBook) {
  int attempts = 500;
  if (const char* env = std::getenv("ALMANAC_BOOKING_RACE_ATTEMPTS")) attempts = std::atoi(env);
  constexpr int kThreads = 16;
  domain::Resource room1 = Room();
  domain::Resource room2 = Room();
  domain::ResourceChange c;
  c.type = "equipment";
  c.name = "Cameras";
  c.units = 3;
  c.buffer_after_min = 5;
  domain::Resource cameras = Room(c);
  std::vector<Principal> users;
  for (int t = 0; t < kThreads; ++t) {
    users.push_back(AddUser("acme", fmt::format("racer{}", t), Role::kMember));
  }
  const core::Instant base = At("2025-06-02T08:00:00Z");
  std::atomic<int> ok{0}, conflicts{0}, other{0};
  std::vector<std::vector<domain::Id>> made(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::uint64_t seed = 0x9e3779b97f4a7c15ull * (t + 1);
      for (int i = 0; i < attempts; ++i) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        const domain::Resource& r = (seed % 3 == 0) ? room1 : (seed % 3 == 1) ? room2 : cameras;
        // 15-minute steps within one day; 15 to 120 minutes long.
        const std::int64_t start = static_cast<std::int64_t>((seed >> 8) % 40) * 900;
        const std::int64_t length = (1 + static_cast<std::int64_t>((seed >> 20) % 8)) * 900;
        domain::BookingRequest b;
        b.resource_id = r.id;
        b.start = base + start;
        b.end = base + start + length;
        Result<domain::BookingCreated> res = resources_->Book(users[t], b);
        if (res.ok()) {
          ++ok;
          made[t].push_back(res->bookings[0].id);
        } else if (res.status().code() == Code::kConflict) {
          ++conflicts;
        } else {
          ++other;
          errors[t] = DescribeStatus(res.status());
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(ok + conflicts, kThreads * attempts);
  EXPECT_GT(ok.load(), 3);
  EXPECT_GT(conflicts.load(), 0);
  EXPECT_EQ(OverlapsInDatabase(), 0);
  // Every ok booking is stored, approved and blocking.
  std::int64_t stored = 0;
  std::vector<domain::Booking> camera_bookings;
  Status s = store_->Read([&](domain::StoreTx& tx) -> Status {
    for (const auto& ids : made) {
      for (domain::Id id : ids) {
        ALMANAC_ASSIGN_OR_RETURN(domain::Booking b, tx.GetBooking(root_.org_id, id));
        if (b.status == BookingStatus::kApproved && b.blocking) ++stored;
      }
    }
    ALMANAC_ASSIGN_OR_RETURN(camera_bookings,
                             tx.ListResourceBookings(root_.org_id, cameras.id, 0,
                                                     domain::kUnboundedEnd, true));
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << DescribeStatus(s);
  EXPECT_EQ(stored, ok.load());
  // At no instant more than 3 cameras out (buffers included).
  std::vector<std::pair<std::int64_t, int>> edges;
  for (const domain::Booking& b : camera_bookings) {
    edges.emplace_back(b.block_start.unix_seconds(), 1);
    edges.emplace_back(b.block_end.unix_seconds(), -1);
  }
  std::sort(edges.begin(), edges.end());
  int out = 0, peak = 0;
  for (const auto& [t, d] : edges) peak = std::max(peak, out += d);
  EXPECT_LE(peak, 3);
  EXPECT_GE(peak, 1);
}

}  // namespace
}  // namespace almanac::store
