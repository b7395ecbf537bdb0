// Staff leave and the approvals inbox (domain/leave.h) over both store
// drivers: every workflow transition and who may make it, overlap refusal,
// half days, weekends, balances across a year boundary with carry-over,
// organisation isolation, the staff leave calendar and free/busy, bad
// inputs, concurrent overlapping requests, and the leave summary per team
// and month (domain/analytics.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "core/clock.h"
#include "domain/accounts.h"
#include "domain/analytics.h"
#include "domain/calendars.h"
#include "domain/events.h"
#include "domain/leave.h"
#include "domain/resources.h"
#include "ical/parser.h"
#include "schedule/freebusy.h"
#include "store/service_test_support.h"
#include "store/sql_store.h"

namespace almanac::store {
namespace {

using domain::HalfDay;
using domain::LeaveStatus;
using domain::Principal;
using domain::Role;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

core::Date D(std::string_view iso) { return domain::ParseApiTime(iso).value().date; }

class LeaveTest : public StoreServiceTest {
 protected:
  void SetUp() override {
    OpenStore();
    if (HasFatalFailure()) return;
    events_ = std::make_unique<domain::EventService>(*store_, clock_);
    resources_ = std::make_unique<domain::ResourceService>(*store_, clock_);
    leave_ = std::make_unique<domain::LeaveService>(*store_, clock_);
    approvals_ = std::make_unique<domain::ApprovalService>(*resources_, *leave_);
    boss_ = AddUser("acme", "boss", Role::kManager);
    boss2_ = AddUser("acme", "boss2", Role::kManager);
    alice_ = AddUser("acme", "alice", Role::kMember, boss_.user_id, "Europe/Berlin");
    bob_ = AddUser("acme", "bob", Role::kMember, boss_.user_id);
    carol_ = AddUser("acme", "carol", Role::kMember, boss2_.user_id);
    root_ = AddUser("acme", "root", Role::kAdmin);
    guest_ = AddUser("acme", "guest", Role::kViewer);
    mallory_ = AddUser("globex", "mallory", Role::kAdmin);
  }

  Result<domain::LeaveView> Ask(const Principal& p, std::string_view start, std::string_view end,
                                std::string type = "vacation", HalfDay half = HalfDay::kNone,
                                bool first_half = false, bool last_half = false,
                                domain::LeaveRefusal* refusal = nullptr) {
    domain::LeaveRequestInput in;
    in.type = std::move(type);
    in.start_date = D(start);
    in.end_date = D(end);
    in.half_day = half;
    in.first_day_half = first_half;
    in.last_day_half = last_half;
    in.reason = "time off";
    return leave_->Request(p, in, refusal);
  }

  domain::LeaveType TypeNamed(std::string_view key) {
    Result<std::vector<domain::LeaveType>> types = leave_->ListTypes(root_);
    EXPECT_TRUE(types.ok());
    for (const domain::LeaveType& t : *types) {
      if (t.key == key) return t;
    }
    ADD_FAILURE() << "no type " << key;
    return {};
  }

  domain::LeaveBalance BalanceOf(const Principal& p, int year, std::string_view key,
                                 const Principal* caller = nullptr) {
    Result<std::vector<domain::LeaveBalance>> list =
        leave_->Balances(caller ? *caller : p, p.user_id, year);
    EXPECT_TRUE(list.ok()) << DescribeStatus(list.status());
    if (list.ok()) {
      for (const domain::LeaveBalance& b : *list) {
        if (b.type.key == key) return b;
      }
    }
    ADD_FAILURE() << "no balance of " << key;
    return {};
  }

  // The staff leave calendar's objects (text) overlapping [from, to).
  std::vector<std::string> LeaveEventTexts() {
    Result<domain::Id> cal = leave_->LeaveCalendar(root_);
    EXPECT_TRUE(cal.ok());
    std::vector<std::string> out;
    Status s = store_->Read([&](domain::StoreTx& tx) -> Status {
      return tx.ForEachObject(root_.org_id, *cal, [&](const domain::CalendarObject& o) -> Status {
        out.push_back(o.ics);
        return OkStatus();
      });
    });
    EXPECT_TRUE(s.ok()) << DescribeStatus(s);
    return out;
  }

  // Free/busy of the staff leave calendar in [from, to) as "start/end TYPE".
  std::vector<std::string> FreeBusy(std::string_view from, std::string_view to) {
    std::vector<ical::Component> cals;
    for (const std::string& ics : LeaveEventTexts()) {
      Result<ical::ParsedCalendar> p = ical::Parse(ics);
      EXPECT_TRUE(p.ok());
      if (p.ok()) cals.push_back(p->components.at(0));
    }
    std::vector<std::string> out;
    for (const schedule::BusyPeriod& b :
         schedule::BusyPeriods(std::span<const ical::Component>(cals), {At(from), At(to)})) {
      out.push_back(fmt::format("{}/{} {}", domain::FormatRfc3339(b.start, 0),
                                domain::FormatRfc3339(b.end, 0), schedule::BusyTypeName(b.type)));
    }
    return out;
  }

  std::vector<domain::NotificationEvent> Notifications() {
    std::vector<domain::NotificationEvent> out;
    Status s = store_->Read([&](domain::StoreTx& tx) -> Status {
      ALMANAC_ASSIGN_OR_RETURN(out, tx.ListNotificationEvents(root_.org_id, 0, 1000));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << DescribeStatus(s);
    return out;
  }

  std::vector<std::string> Actions(const domain::LeaveView& v) {
    std::vector<std::string> out;
    for (const domain::LeaveHistoryEntry& e : v.history) out.push_back(e.action);
    return out;
  }

  // Overlapping active requests of one user by the database's own account.
  std::int64_t OverlapsInDatabase() {
    std::int64_t n = -1;
    Status s = store_->database().Read([&](Tx& tx) -> Status {
      ALMANAC_ASSIGN_OR_RETURN(
          std::optional<Row> row,
          tx.QueryOne("SELECT COUNT(*) FROM leave_requests a JOIN leave_requests b ON "
                      "a.user_id = b.user_id AND a.id < b.id AND a.start_slot < b.end_slot AND "
                      "b.start_slot < a.end_slot WHERE a.active = 1 AND b.active = 1"));
      n = row->Int(0);
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << DescribeStatus(s);
    return n;
  }

  std::unique_ptr<domain::EventService> events_;
  std::unique_ptr<domain::ResourceService> resources_;
  std::unique_ptr<domain::LeaveService> leave_;
  std::unique_ptr<domain::ApprovalService> approvals_;
  Principal boss_, boss2_, alice_, bob_, carol_, root_, guest_, mallory_;
};

INSTANTIATE_TEST_SUITE_P(Drivers, LeaveTest, testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         DialectName);

// ---- pure rules -----------------------------------------------------------------------

TEST(LeaveRulesTest, SlotsCountWorkingHalfDays) {
  auto count = [](std::string_view a, std::string_view b, HalfDay h = HalfDay::kNone,
                  bool first = false, bool last = false, int year = 0) {
    auto [s, e] = domain::LeaveSlots(D(a), D(b), h, first, last);
    return domain::WorkingHalfDays(s, e, year);
  };
  EXPECT_EQ(count("2025-03-03", "2025-03-07"), 10);  // Monday to Friday
  EXPECT_EQ(count("2025-03-07", "2025-03-10"), 4);   // Friday to Monday
  EXPECT_EQ(count("2025-03-08", "2025-03-09"), 0);   // a weekend
  EXPECT_EQ(count("2025-03-03", "2025-03-03", HalfDay::kAm), 1);
  EXPECT_EQ(count("2025-03-03", "2025-03-03", HalfDay::kPm), 1);
  EXPECT_EQ(count("2025-03-03", "2025-03-05", HalfDay::kNone, true, true), 4);
  EXPECT_EQ(count("2025-03-07", "2025-03-10", HalfDay::kNone, true, false), 3);
  // Across New Year: Monday 29 December to Friday 2 January.
  EXPECT_EQ(count("2025-12-29", "2026-01-02", HalfDay::kNone, false, false, 2025), 6);
  EXPECT_EQ(count("2025-12-29", "2026-01-02", HalfDay::kNone, false, false, 2026), 4);
  EXPECT_EQ(count("2025-12-29", "2026-01-02", HalfDay::kNone, false, false, 2027), 0);
  auto [am_s, am_e] =
      domain::LeaveSlots(D("2025-03-03"), D("2025-03-03"), HalfDay::kAm, false, false);
  auto [pm_s, pm_e] =
      domain::LeaveSlots(D("2025-03-03"), D("2025-03-03"), HalfDay::kPm, false, false);
  EXPECT_EQ(am_e, pm_s);  // the two halves of one day touch, not overlap
  EXPECT_LT(am_s, am_e);
  EXPECT_LT(pm_s, pm_e);
}

// ---- users: managers and teams ------------------------------------------------------------

TEST_P(LeaveTest, AdminsSetManagersAndTeams) {
  domain::UserChange c;
  c.manager_id = std::optional<domain::Id>(boss2_.user_id);
  c.team = "Field office";
  EXPECT_EQ(accounts_->UpdateUser(boss_, alice_.user_id, c).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(accounts_->UpdateUser(mallory_, alice_.user_id, c).status().code(), Code::kNotFound);
  Result<domain::User> u = accounts_->UpdateUser(root_, alice_.user_id, c);
  ASSERT_OK(u);
  EXPECT_EQ(u->manager_id, boss2_.user_id);
  EXPECT_EQ(u->team, "Field office");
  EXPECT_EQ(accounts_->GetUser(bob_, alice_.user_id)->team, "Field office");
  auto bad = [&](domain::Id user, domain::Id manager, std::string_view message) {
    domain::UserChange m;
    m.manager_id = std::optional<domain::Id>(manager);
    Result<domain::User> r = accounts_->UpdateUser(root_, user, m);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << message;
    if (!r.ok()) {
      EXPECT_THAT(r.error().message, HasSubstr(std::string(message)));
    }
  };
  bad(alice_.user_id, alice_.user_id, "cannot manage themself");
  bad(alice_.user_id, mallory_.user_id, "no user");
  bad(boss2_.user_id, alice_.user_id, "cycle");  // alice reports to boss2
  domain::UserChange clear;
  clear.manager_id = std::optional<domain::Id>();
  u = accounts_->UpdateUser(root_, alice_.user_id, clear);
  ASSERT_OK(u);
  EXPECT_FALSE(u->manager_id.has_value());
  domain::UserChange long_team;
  long_team.team = std::string(101, 'x');
  EXPECT_EQ(accounts_->UpdateUser(root_, alice_.user_id, long_team).status().code(),
            Code::kInvalidArgument);
  domain::NewUser n;
  n.username = "dave";
  n.email = "dave@example.org";
  n.manager_id = mallory_.user_id;
  EXPECT_EQ(accounts_->CreateUserAsAdmin(root_, n).status().code(), Code::kInvalidArgument);
}

// ---- the workflow ---------------------------------------------------------------------------

TEST_P(LeaveTest, ApprovedLeaveIsOutOfOfficeUntilCancelled) {
  Result<domain::LeaveView> r = Ask(alice_, "2025-03-03", "2025-03-07");
  ASSERT_OK(r);
  const domain::Id id = r->request.id;
  EXPECT_EQ(r->request.status, LeaveStatus::kPending);
  EXPECT_EQ(r->request.half_days, 10);
  EXPECT_EQ(r->type_key, "vacation");
  EXPECT_EQ(r->team, "team-alice");
  EXPECT_THAT(Actions(*r), ElementsAre("requested"));
  EXPECT_FALSE(r->may_decide);
  EXPECT_TRUE(r->may_cancel);
  // Nobody approves their own; others in the organisation do not even see it.
  EXPECT_EQ(leave_->Approve(alice_, id, "").status().code(), Code::kPermissionDenied);
  EXPECT_EQ(leave_->Reject(alice_, id, "").status().code(), Code::kPermissionDenied);
  EXPECT_EQ(leave_->Get(bob_, id).status().code(), Code::kNotFound);
  EXPECT_EQ(leave_->Approve(bob_, id, "").status().code(), Code::kNotFound);
  EXPECT_EQ(leave_->Approve(boss2_, id, "").status().code(), Code::kNotFound);  // not her manager
  EXPECT_EQ(leave_->Approve(guest_, id, "").status().code(), Code::kNotFound);
  EXPECT_TRUE(FreeBusy("2025-03-01T00:00:00Z", "2025-03-31T00:00:00Z").empty());
  // Her manager approves.
  Result<domain::LeaveView> seen = leave_->Get(boss_, id);
  ASSERT_OK(seen);
  EXPECT_TRUE(seen->may_decide);
  EXPECT_FALSE(seen->may_cancel);
  Result<domain::LeaveView> a = leave_->Approve(boss_, id, "enjoy");
  ASSERT_OK(a);
  EXPECT_EQ(a->request.status, LeaveStatus::kApproved);
  EXPECT_THAT(Actions(*a), ElementsAre("requested", "approved"));
  EXPECT_EQ(a->history[1].actor_id, boss_.user_id);
  EXPECT_EQ(a->history[1].comment, "enjoy");
  EXPECT_EQ(leave_->Approve(boss_, id, "").status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(leave_->Reject(boss_, id, "").status().code(), Code::kFailedPrecondition);
  // Out of office in free/busy and an all-day event of the staff module,
  // readable by everyone in the organisation.
  EXPECT_THAT(FreeBusy("2025-03-01T00:00:00Z", "2025-03-31T00:00:00Z"),
              ElementsAre("2025-03-03T00:00:00Z/2025-03-08T00:00:00Z BUSY-UNAVAILABLE"));
  std::vector<std::string> texts = LeaveEventTexts();
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_THAT(texts[0], HasSubstr("DTSTART;VALUE=DATE:20250303"));
  EXPECT_THAT(texts[0], HasSubstr("DTEND;VALUE=DATE:20250308"));
  EXPECT_THAT(texts[0], HasSubstr("X-MICROSOFT-CDO-BUSYSTATUS:OOF"));
  EXPECT_THAT(texts[0], HasSubstr("TRANSP:OPAQUE"));
  EXPECT_THAT(texts[0], HasSubstr("CATEGORIES:leave"));
  EXPECT_THAT(texts[0], ::testing::Not(HasSubstr("time off")));  // the reason stays private
  domain::InstanceQuery q;
  q.from = At("2025-03-01T00:00:00Z");
  q.to = At("2025-03-31T00:00:00Z");
  q.modules = {"staff"};
  Result<domain::InstanceList> list = events_->List(carol_, q);
  ASSERT_OK(list);
  std::vector<domain::InstanceItem> items = list->Items();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].details->title, "User alice on leave");
  EXPECT_TRUE(items[0].all_day);
  EXPECT_EQ(items[0].module, "staff");
  EXPECT_THAT(items[0].details->categories, ElementsAre("leave"));
  // Only the person or an admin cancels; cancelling removes the event.
  EXPECT_EQ(leave_->Cancel(boss_, id, "").status().code(), Code::kPermissionDenied);
  EXPECT_EQ(leave_->Cancel(bob_, id, "").status().code(), Code::kNotFound);
  Result<domain::LeaveView> c = leave_->Cancel(alice_, id, "plans changed");
  ASSERT_OK(c);
  EXPECT_EQ(c->request.status, LeaveStatus::kCancelled);
  EXPECT_THAT(Actions(*c), ElementsAre("requested", "approved", "cancelled"));
  EXPECT_EQ(leave_->Cancel(alice_, id, "").status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(LeaveEventTexts().empty());
  EXPECT_TRUE(FreeBusy("2025-03-01T00:00:00Z", "2025-03-31T00:00:00Z").empty());
  // One notification per step: the person's steps go to the manager, the
  // manager's to the person.
  std::vector<domain::NotificationEvent> n = Notifications();
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].action, "requested");
  EXPECT_EQ(n[0].recipient_id, boss_.user_id);
  EXPECT_EQ(n[1].action, "approved");
  EXPECT_EQ(n[1].recipient_id, alice_.user_id);
  EXPECT_EQ(n[1].comment, "enjoy");
  EXPECT_EQ(n[2].action, "cancelled");
  EXPECT_EQ(n[2].recipient_id, boss_.user_id);
  for (const domain::NotificationEvent& e : n) {
    EXPECT_EQ(e.kind, "leave");
    EXPECT_EQ(e.item_id, id);
  }
}

TEST_P(LeaveTest, RejectAdminsAndRoleApprovers) {
  Result<domain::LeaveView> r = Ask(bob_, "2025-04-07", "2025-04-08");
  ASSERT_OK(r);
  // Admins decide anyone's leave; a rejected request holds nothing.
  Result<domain::LeaveView> rejected = leave_->Reject(root_, r->request.id, "audit week");
  ASSERT_OK(rejected);
  EXPECT_EQ(rejected->request.status, LeaveStatus::kRejected);
  EXPECT_EQ(rejected->history.back().comment, "audit week");
  EXPECT_EQ(leave_->Cancel(bob_, r->request.id, "").status().code(), Code::kFailedPrecondition);
  ASSERT_OK(Ask(bob_, "2025-04-07", "2025-04-08"));
  EXPECT_TRUE(LeaveEventTexts().empty());
  // A role named on the type approves too (here every manager).
  Result<domain::LeaveView> c = Ask(carol_, "2025-04-14", "2025-04-14");
  ASSERT_OK(c);
  EXPECT_EQ(leave_->Approve(boss_, c->request.id, "").status().code(), Code::kNotFound);
  domain::LeaveTypeChange change;
  change.approver_roles = std::vector<Role>{Role::kManager};
  ASSERT_OK(leave_->UpdateType(root_, TypeNamed("vacation").id, change));
  Result<std::vector<domain::LeaveView>> inbox = leave_->PendingApprovals(boss_);
  ASSERT_OK(inbox);
  ASSERT_EQ(inbox->size(), 2u);  // bob's (his manager) and carol's (role)
  ASSERT_OK(leave_->Approve(boss_, c->request.id, ""));
  // Still never one's own, even as a role approver.
  Result<domain::LeaveView> own = Ask(boss_, "2025-04-15", "2025-04-15");
  ASSERT_OK(own);
  EXPECT_EQ(leave_->Approve(boss_, own->request.id, "").status().code(), Code::kPermissionDenied);
  ASSERT_OK(leave_->Approve(boss2_, own->request.id, ""));
  // An admin cancels someone's pending request and requests for others.
  Result<domain::LeaveView> pending = Ask(alice_, "2025-05-05", "2025-05-05");
  ASSERT_OK(pending);
  Result<domain::LeaveView> cancelled = leave_->Cancel(root_, pending->request.id, "duplicate");
  ASSERT_OK(cancelled);
  EXPECT_EQ(cancelled->history.back().actor_id, root_.user_id);
  domain::LeaveRequestInput in;
  in.user_id = bob_.user_id;
  in.type = "sick";
  in.start_date = in.end_date = D("2025-05-06");
  Result<domain::LeaveView> sick = leave_->Request(root_, in);
  ASSERT_OK(sick);
  EXPECT_EQ(sick->request.user_id, bob_.user_id);
  EXPECT_EQ(sick->request.created_by, root_.user_id);
  EXPECT_EQ(sick->request.status, LeaveStatus::kApproved);  // sick leave needs no approval
  EXPECT_THAT(Actions(*sick), ElementsAre("requested", "approved"));
  EXPECT_EQ(leave_->Request(alice_, in).status().code(), Code::kPermissionDenied);
  in.user_id = mallory_.user_id;
  EXPECT_EQ(leave_->Request(root_, in).status().code(), Code::kNotFound);
  // Viewers do not request.
  EXPECT_EQ(Ask(guest_, "2025-05-07", "2025-05-07").status().code(), Code::kPermissionDenied);
}

TEST_P(LeaveTest, OverlappingLeaveIsRefused) {
  Result<domain::LeaveView> first = Ask(alice_, "2025-03-03", "2025-03-07");
  ASSERT_OK(first);
  domain::LeaveRefusal refusal;
  Result<domain::LeaveView> again =
      Ask(alice_, "2025-03-07", "2025-03-10", "vacation", HalfDay::kNone, false, false, &refusal);
  EXPECT_EQ(again.status().code(), Code::kConflict);
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.error().message,
              HasSubstr(fmt::format("overlaps leave request {}", first->request.id)));
  ASSERT_TRUE(refusal.overlapping.has_value());
  EXPECT_EQ(refusal.overlapping->id, first->request.id);
  // Another type on the same day overlaps too; other people do not.
  EXPECT_EQ(Ask(alice_, "2025-03-05", "2025-03-05", "sick").status().code(), Code::kConflict);
  ASSERT_OK(Ask(bob_, "2025-03-05", "2025-03-05"));
  // Approved still blocks; cancelled and rejected do not.
  ASSERT_OK(leave_->Approve(boss_, first->request.id, ""));
  EXPECT_EQ(Ask(alice_, "2025-03-03", "2025-03-03").status().code(), Code::kConflict);
  ASSERT_OK(leave_->Cancel(alice_, first->request.id, ""));
  Result<domain::LeaveView> after = Ask(alice_, "2025-03-03", "2025-03-03");
  ASSERT_OK(after);
  ASSERT_OK(leave_->Reject(boss_, after->request.id, ""));
  ASSERT_OK(Ask(alice_, "2025-03-03", "2025-03-03"));
  // The morning and the afternoon of one day do not overlap each other.
  ASSERT_OK(Ask(alice_, "2025-03-12", "2025-03-12", "vacation", HalfDay::kAm));
  ASSERT_OK(Ask(alice_, "2025-03-12", "2025-03-12", "sick", HalfDay::kPm));
  EXPECT_EQ(Ask(alice_, "2025-03-11", "2025-03-12").status().code(), Code::kConflict);
  // A half first day from noon fits after a morning.
  ASSERT_OK(Ask(alice_, "2025-03-13", "2025-03-13", "vacation", HalfDay::kAm));
  ASSERT_OK(Ask(alice_, "2025-03-13", "2025-03-14", "vacation", HalfDay::kNone, true, false));
  EXPECT_EQ(OverlapsInDatabase(), 0);
}

TEST_P(LeaveTest, HalfDaysAndWeekends) {
  // A Monday afternoon in Berlin (UTC+1 in March): 11:00Z to 23:00Z.
  Result<domain::LeaveView> pm = Ask(alice_, "2025-03-10", "2025-03-10", "sick", HalfDay::kPm);
  ASSERT_OK(pm);
  EXPECT_EQ(pm->request.half_days, 1);
  EXPECT_EQ(pm->request.status, LeaveStatus::kApproved);
  EXPECT_THAT(FreeBusy("2025-03-10T00:00:00Z", "2025-03-11T00:00:00Z"),
              ElementsAre("2025-03-10T11:00:00Z/2025-03-10T23:00:00Z BUSY-UNAVAILABLE"));
  // Friday afternoon to Monday: 1.5 days, the weekend not counted.
  Result<domain::LeaveView> long_weekend =
      Ask(bob_, "2025-03-14", "2025-03-17", "vacation", HalfDay::kNone, true, false);
  ASSERT_OK(long_weekend);
  EXPECT_EQ(long_weekend->request.half_days, 3);
  EXPECT_EQ(BalanceOf(bob_, 2025, "vacation").pending, 3);
  ASSERT_OK(leave_->Approve(boss_, long_weekend->request.id, ""));
  EXPECT_EQ(BalanceOf(bob_, 2025, "vacation").used, 3);
  EXPECT_EQ(BalanceOf(bob_, 2025, "vacation").pending, 0);
  EXPECT_THAT(FreeBusy("2025-03-14T00:00:00Z", "2025-03-18T00:00:00Z"),
              ElementsAre("2025-03-14T12:00:00Z/2025-03-18T00:00:00Z BUSY-UNAVAILABLE"));
  // A weekend alone is no leave at all.
  Result<domain::LeaveView> weekend = Ask(alice_, "2025-03-15", "2025-03-16");
  EXPECT_EQ(weekend.status().code(), Code::kInvalidArgument);
  ASSERT_FALSE(weekend.ok());
  EXPECT_THAT(weekend.error().message, HasSubstr("no working day"));
  // Tuesday to Thursday with a half first and last day: two days.
  Result<domain::LeaveView> halves =
      Ask(alice_, "2025-03-18", "2025-03-20", "vacation", HalfDay::kNone, true, true);
  ASSERT_OK(halves);
  EXPECT_EQ(halves->request.half_days, 4);
}

TEST_P(LeaveTest, BalancesAcrossTheYearBoundaryWithCarryOver) {
  // Vacation: 20 days a year, at most 5 carried over. alice was created in
  // 2025, so nothing is carried into 2025.
  domain::LeaveBalance b = BalanceOf(alice_, 2025, "vacation");
  EXPECT_EQ(b.allowance, 40);
  EXPECT_EQ(b.carried_over, 0);
  EXPECT_EQ(b.remaining, 40);
  // Three weeks in June (15 days) approved.
  Result<domain::LeaveView> june = Ask(alice_, "2025-06-02", "2025-06-20");
  ASSERT_OK(june);
  EXPECT_EQ(june->request.half_days, 30);
  ASSERT_OK(leave_->Approve(boss_, june->request.id, ""));
  // Over New Year: 3 days count in 2025, 2 in 2026.
  Result<domain::LeaveView> new_year = Ask(alice_, "2025-12-29", "2026-01-02");
  ASSERT_OK(new_year);
  EXPECT_EQ(new_year->request.half_days, 10);
  b = BalanceOf(alice_, 2025, "vacation");
  EXPECT_EQ(b.used, 30);
  EXPECT_EQ(b.pending, 6);
  EXPECT_EQ(b.remaining, 4);
  domain::LeaveBalance next = BalanceOf(alice_, 2026, "vacation");
  EXPECT_EQ(next.carried_over, 10);  // min(40 - 30 used, cap 10): pending is not used
  EXPECT_EQ(next.pending, 4);
  EXPECT_EQ(next.remaining, 46);
  // Three more days in 2025 do not fit: refused with the figures.
  domain::LeaveRefusal refusal;
  Result<domain::LeaveView> more =
      Ask(alice_, "2025-11-03", "2025-11-05", "vacation", HalfDay::kNone, false, false, &refusal);
  EXPECT_EQ(more.status().code(), Code::kOutOfRange);
  ASSERT_FALSE(more.ok());
  EXPECT_THAT(more.error().message, HasSubstr("needs 3 days of Vacation in 2025, but 2 remain"));
  ASSERT_TRUE(refusal.balance.has_value());
  EXPECT_EQ(refusal.balance->year, 2025);
  EXPECT_EQ(refusal.balance->remaining, 4);
  EXPECT_EQ(refusal.balance->used, 30);
  EXPECT_EQ(refusal.balance->pending, 6);
  EXPECT_EQ(refusal.requested, 6);
  // Two days still fit; the 2026 part is counted against 2026 only.
  ASSERT_OK(Ask(alice_, "2025-11-03", "2025-11-04"));
  ASSERT_OK(leave_->Approve(boss_, new_year->request.id, ""));
  next = BalanceOf(alice_, 2026, "vacation");
  EXPECT_EQ(next.used, 4);
  EXPECT_EQ(next.carried_over, 4);  // 40 - 36 used in 2025
  EXPECT_EQ(next.remaining, 40);
  // The cap: bob took nothing in 2025 and carries 5 days, not 20.
  EXPECT_EQ(BalanceOf(bob_, 2026, "vacation").carried_over, 10);
  EXPECT_EQ(BalanceOf(bob_, 2024, "vacation").carried_over, 0);  // before he existed
  // Types without an allowance count days but never refuse.
  ASSERT_OK(Ask(bob_, "2025-01-06", "2025-12-19", "official_business"));
  domain::LeaveBalance ob = BalanceOf(bob_, 2025, "official_business");
  EXPECT_EQ(ob.allowance, 0);
  EXPECT_GT(ob.pending, 400);
  // Who may look: the person, their manager, admins; not colleagues.
  EXPECT_EQ(BalanceOf(alice_, 2025, "vacation", &boss_).used, 36);
  EXPECT_EQ(BalanceOf(alice_, 2025, "vacation", &root_).used, 36);
  EXPECT_EQ(leave_->Balances(bob_, alice_.user_id, 2025).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(leave_->Balances(boss2_, alice_.user_id, 2025).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(leave_->Balances(alice_, std::nullopt, 10000).status().code(), Code::kInvalidArgument);
}

TEST_P(LeaveTest, ApprovalRechecksTheBalance) {
  Result<domain::LeaveView> r = Ask(alice_, "2025-02-03", "2025-02-14");  // 10 days
  ASSERT_OK(r);
  domain::LeaveTypeChange smaller;
  smaller.allowance_half_days = 10;  // 5 days
  ASSERT_OK(leave_->UpdateType(root_, TypeNamed("vacation").id, smaller));
  Result<domain::LeaveView> a = leave_->Approve(boss_, r->request.id, "");
  EXPECT_EQ(a.status().code(), Code::kOutOfRange);
  EXPECT_EQ(leave_->Get(alice_, r->request.id)->request.status, LeaveStatus::kPending);
  EXPECT_EQ(BalanceOf(alice_, 2025, "vacation").remaining, -10);
  ASSERT_OK(leave_->Reject(boss_, r->request.id, "over the allowance"));
}

TEST_P(LeaveTest, LeaveTypesAreManagedByAdmins) {
  Result<std::vector<domain::LeaveType>> types = leave_->ListTypes(alice_);
  ASSERT_OK(types);
  std::vector<std::string> keys;
  for (const domain::LeaveType& t : *types) keys.push_back(t.key);
  EXPECT_THAT(keys, ElementsAre("vacation", "sick", "emergency", "official_business"));
  EXPECT_TRUE((*types)[0].builtin);
  domain::LeaveTypeChange c;
  c.key = "training";
  c.name = "Training";
  c.color = "#123abc";
  c.allowance_half_days = 10;
  c.carry_over_cap_half_days = 0;
  EXPECT_EQ(leave_->CreateType(boss_, c).status().code(), Code::kPermissionDenied);
  Result<domain::LeaveType> t = leave_->CreateType(root_, c);
  ASSERT_OK(t);
  EXPECT_FALSE(t->builtin);
  EXPECT_TRUE(t->requires_approval);
  EXPECT_EQ(leave_->CreateType(root_, c).status().code(), Code::kAlreadyExists);
  // The other organisation has its own keys.
  ASSERT_OK(leave_->CreateType(mallory_, c));
  EXPECT_EQ(leave_->UpdateType(mallory_, t->id, c).status().code(), Code::kNotFound);
  auto bad = [&](domain::LeaveTypeChange change, std::string_view message) {
    Result<domain::LeaveType> r = leave_->CreateType(root_, change);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << message;
    if (!r.ok()) {
      EXPECT_THAT(r.error().message, HasSubstr(std::string(message)));
    }
  };
  domain::LeaveTypeChange x;
  x.key = "Bad Key";
  x.name = "x";
  bad(x, "key must be");
  x.key = "x";
  x.color = "red";
  bad(x, "color");
  x.color.reset();
  x.allowance_half_days = 1000;
  bad(x, "allowance_days");
  x.allowance_half_days.reset();
  x.approver_roles = std::vector<Role>{Role::kViewer};
  bad(x, "viewer");
  x.approver_roles.reset();
  x.name.reset();
  bad(x, "key and name are required");
  domain::LeaveTypeChange rename;
  rename.key = "holiday";
  EXPECT_EQ(leave_->UpdateType(root_, TypeNamed("vacation").id, rename).status().code(),
            Code::kInvalidArgument);
  rename.key = "vacation";
  EXPECT_EQ(leave_->UpdateType(root_, t->id, rename).status().code(), Code::kAlreadyExists);
  // A custom type with its allowance; inactive types take no requests.
  Result<domain::LeaveView> course = Ask(alice_, "2025-09-01", "2025-09-08", "training");
  EXPECT_EQ(course.status().code(), Code::kOutOfRange);  // 6 days of 5
  ASSERT_OK(Ask(alice_, "2025-09-01", "2025-09-05", "training"));
  domain::LeaveTypeChange off;
  off.active = false;
  ASSERT_OK(leave_->UpdateType(root_, t->id, off));
  Result<domain::LeaveView> inactive = Ask(alice_, "2025-10-01", "2025-10-01", "training");
  EXPECT_EQ(inactive.status().code(), Code::kInvalidArgument);
  ASSERT_FALSE(inactive.ok());
  EXPECT_THAT(inactive.error().message, HasSubstr("unknown leave type \"training\""));
}

TEST_P(LeaveTest, OrganisationsAreIsolated) {
  Result<domain::LeaveView> r = Ask(alice_, "2025-03-03", "2025-03-04");
  ASSERT_OK(r);
  const domain::Id id = r->request.id;
  EXPECT_EQ(leave_->Get(mallory_, id).status().code(), Code::kNotFound);
  EXPECT_EQ(leave_->Approve(mallory_, id, "").status().code(), Code::kNotFound);
  EXPECT_EQ(leave_->Reject(mallory_, id, "").status().code(), Code::kNotFound);
  EXPECT_EQ(leave_->Cancel(mallory_, id, "").status().code(), Code::kNotFound);
  EXPECT_EQ(leave_->Balances(mallory_, alice_.user_id, 2025).status().code(), Code::kNotFound);
  Result<std::vector<domain::LeaveView>> listed = leave_->List(mallory_, {});
  ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());
  EXPECT_TRUE(leave_->PendingApprovals(mallory_)->empty());
  Result<std::vector<domain::ApprovalItem>> inbox = approvals_->Inbox(mallory_);
  ASSERT_OK(inbox);
  EXPECT_TRUE(inbox->empty());
  Result<std::vector<domain::ApprovalOutcome>> bulk =
      approvals_->Decide(mallory_, {{domain::ApprovalKind::kLeave, id}}, true, "");
  ASSERT_OK(bulk);
  EXPECT_EQ((*bulk)[0].status.code(), Code::kNotFound);
  // Globex's admin requests with Globex's types; the same dates are fine.
  Result<domain::LeaveView> own = Ask(mallory_, "2025-03-03", "2025-03-04");
  ASSERT_OK(own);
  EXPECT_NE(own->request.type_id, r->request.type_id);
  EXPECT_EQ(leave_->Get(root_, own->request.id).status().code(), Code::kNotFound);
  ASSERT_OK(leave_->Approve(boss_, id, ""));
  // Each organisation has its own staff leave calendar.
  Result<domain::Id> acme_cal = leave_->LeaveCalendar(root_);
  Result<domain::Id> globex_cal = leave_->LeaveCalendar(mallory_);
  ASSERT_OK(acme_cal);
  ASSERT_OK(globex_cal);
  EXPECT_NE(*acme_cal, *globex_cal);
  EXPECT_EQ(*leave_->LeaveCalendar(root_), *acme_cal);  // made once
}

TEST_P(LeaveTest, ListsShowWhatTheCallerMaySee) {
  ASSERT_OK(Ask(alice_, "2025-03-03", "2025-03-03"));
  Result<domain::LeaveView> bob = Ask(bob_, "2025-03-10", "2025-03-11");
  ASSERT_OK(bob);
  ASSERT_OK(Ask(carol_, "2025-04-01", "2025-04-01"));
  auto ids = [&](const Principal& p, domain::LeaveFilter f = {}) {
    std::vector<domain::Id> out;
    Result<std::vector<domain::LeaveView>> list = leave_->List(p, f);
    EXPECT_TRUE(list.ok()) << DescribeStatus(list.status());
    for (const domain::LeaveView& v : *list) out.push_back(v.request.user_id);
    return out;
  };
  EXPECT_THAT(ids(alice_), ElementsAre(alice_.user_id));               // members: their own
  EXPECT_THAT(ids(boss_), ElementsAre(alice_.user_id, bob_.user_id));  // managers: reports
  EXPECT_THAT(ids(boss2_), ElementsAre(carol_.user_id));
  EXPECT_THAT(ids(root_), ElementsAre(alice_.user_id, bob_.user_id, carol_.user_id));
  EXPECT_TRUE(ids(guest_).empty());
  domain::LeaveFilter f;
  f.user_id = bob_.user_id;
  EXPECT_THAT(ids(root_, f), ElementsAre(bob_.user_id));
  EXPECT_TRUE(ids(alice_, f).empty());
  f = {};
  f.from = D("2025-03-11");
  f.to = D("2025-03-31");
  EXPECT_THAT(ids(root_, f), ElementsAre(bob_.user_id));
  f = {};
  f.status = LeaveStatus::kApproved;
  EXPECT_TRUE(ids(root_, f).empty());
  ASSERT_OK(leave_->Approve(boss_, bob->request.id, ""));
  EXPECT_THAT(ids(root_, f), ElementsAre(bob_.user_id));
  f = {};
  f.from = D("2025-04-02");
  f.to = D("2025-04-01");
  EXPECT_EQ(leave_->List(root_, f).status().code(), Code::kInvalidArgument);
}

TEST_P(LeaveTest, BadInputs) {
  auto bad = [&](domain::LeaveRequestInput in, std::string_view message) {
    Result<domain::LeaveView> r = leave_->Request(alice_, in);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << message;
    if (!r.ok()) {
      EXPECT_THAT(r.error().message, HasSubstr(std::string(message)));
    }
  };
  domain::LeaveRequestInput in;
  in.type = "vacation";
  in.start_date = D("2025-03-05");
  in.end_date = D("2025-03-04");
  bad(in, "end_date is before start_date");
  in.end_date = D("2025-03-05");
  in.type = "holiday";
  bad(in, "unknown leave type \"holiday\"");
  in.type = "vacation";
  in.end_date = D("2025-03-06");
  in.half_day = HalfDay::kAm;
  bad(in, "half_day is for a one-day request");
  in.half_day = HalfDay::kNone;
  in.end_date = in.start_date;
  in.first_day_half = true;
  bad(in, "first_day_half and last_day_half are for several days");
  in.first_day_half = false;
  in.end_date = D("2026-03-06");  // 367 days
  bad(in, "at most 366 days");
  in.start_date = in.end_date = D("1800-01-06");
  bad(in, "dates must lie in the years");
  in.start_date = in.end_date = D("2025-03-05");
  in.reason = std::string(5000, 'x');
  bad(in, "reason is longer");
  in.reason.clear();
  in.attachment = "https://files.example.org/note\n.pdf";
  bad(in, "control characters");
  in.attachment = "https://files.example.org/note.pdf";
  Result<domain::LeaveView> ok = leave_->Request(alice_, in);
  ASSERT_OK(ok);
  EXPECT_EQ(ok->request.attachment, "https://files.example.org/note.pdf");
  EXPECT_EQ(leave_->Approve(boss_, ok->request.id, std::string(5000, 'x')).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(leave_->Get(alice_, 999999).status().code(), Code::kNotFound);
}

TEST_P(LeaveTest, ApprovalsInboxHoldsBookingsAndLeave) {
  domain::ResourceChange rc;
  rc.type = "room";
  rc.name = "Board room";
  rc.requires_approval = true;
  Result<domain::Resource> room = resources_->Create(root_, rc);
  ASSERT_OK(room);
  domain::BookingRequest br;
  br.resource_id = room->id;
  br.start = At("2025-03-03T09:00:00Z");
  br.end = At("2025-03-03T10:00:00Z");
  br.title = "Review";
  Result<domain::BookingCreated> booking = resources_->Book(alice_, br);
  ASSERT_OK(booking);
  const domain::Id booking_id = booking->bookings[0].id;
  Result<domain::LeaveView> one = Ask(alice_, "2025-03-10", "2025-03-10");
  Result<domain::LeaveView> two = Ask(bob_, "2025-03-10", "2025-03-10");
  Result<domain::LeaveView> three = Ask(bob_, "2025-03-17", "2025-03-17");
  ASSERT_OK(one);
  ASSERT_OK(two);
  ASSERT_OK(three);
  Result<std::vector<domain::ApprovalItem>> inbox = approvals_->Inbox(boss_);
  ASSERT_OK(inbox);
  ASSERT_EQ(inbox->size(), 4u);
  EXPECT_EQ((*inbox)[0].kind, domain::ApprovalKind::kBooking);
  EXPECT_EQ((*inbox)[0].booking->booking.id, booking_id);
  EXPECT_EQ((*inbox)[1].kind, domain::ApprovalKind::kLeave);
  EXPECT_EQ((*inbox)[1].leave->request.id, one->request.id);
  // boss2 manages nobody here and is no booking approver... but managers
  // approve bookings of resources naming no approvers.
  Result<std::vector<domain::ApprovalItem>> other = approvals_->Inbox(boss2_);
  ASSERT_OK(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].kind, domain::ApprovalKind::kBooking);
  EXPECT_TRUE(approvals_->Inbox(alice_)->empty());
  EXPECT_TRUE(approvals_->Inbox(guest_)->empty());
  // Bulk approve: each item on its own.
  Result<std::vector<domain::ApprovalOutcome>> out =
      approvals_->Decide(boss_,
                         {{domain::ApprovalKind::kBooking, booking_id},
                          {domain::ApprovalKind::kLeave, one->request.id},
                          {domain::ApprovalKind::kLeave, 999999},
                          {domain::ApprovalKind::kLeave, one->request.id}},
                         true, "fine");
  ASSERT_OK(out);
  ASSERT_EQ(out->size(), 4u);
  EXPECT_TRUE((*out)[0].status.ok());
  EXPECT_EQ((*out)[0].new_status, "approved");
  EXPECT_TRUE((*out)[1].status.ok());
  EXPECT_EQ((*out)[1].new_status, "approved");
  EXPECT_EQ((*out)[2].status.code(), Code::kNotFound);
  EXPECT_EQ((*out)[3].status.code(), Code::kFailedPrecondition);
  // Bulk reject.
  out = approvals_->Decide(boss_,
                           {{domain::ApprovalKind::kLeave, two->request.id},
                            {domain::ApprovalKind::kLeave, three->request.id}},
                           false, "busy month");
  ASSERT_OK(out);
  EXPECT_EQ((*out)[0].new_status, "rejected");
  EXPECT_EQ((*out)[1].new_status, "rejected");
  // The requester sees the outcome.
  Result<domain::LeaveView> seen = leave_->Get(bob_, two->request.id);
  ASSERT_OK(seen);
  EXPECT_EQ(seen->request.status, LeaveStatus::kRejected);
  EXPECT_EQ(seen->history.back().comment, "busy month");
  EXPECT_EQ(resources_->GetBooking(alice_, booking_id)->booking.status,
            domain::BookingStatus::kApproved);
  EXPECT_TRUE(approvals_->Inbox(boss_)->empty());
  EXPECT_EQ(approvals_->Decide(boss_, {}, true, "").status().code(), Code::kInvalidArgument);
  std::vector<domain::ApprovalTarget> many(101, {domain::ApprovalKind::kLeave, 1});
  EXPECT_EQ(approvals_->Decide(boss_, many, true, "").status().code(), Code::kInvalidArgument);
}

TEST_P(LeaveTest, ConcurrentOverlappingRequestsNeverBothHold) {
  constexpr int kThreads = 8;
  constexpr int kAttempts = 12;
  std::atomic<int> made{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kAttempts; ++k) {
        // Overlapping spans of 1-3 days in the first three weeks of May.
        const int day = 5 + (t * 3 + k * 5) % 14;
        const int len = (t + k) % 3;
        domain::LeaveRequestInput in;
        in.type = (t + k) % 2 ? "sick" : "official_business";
        in.start_date = core::Date::FromCivil(2025, 5, day);
        in.end_date = core::Date::FromCivil(2025, 5, day + len);
        Result<domain::LeaveView> r = leave_->Request(alice_, in);
        if (r.ok()) {
          ++made;
        } else if (r.error().code == Code::kConflict ||
                   r.error().code == Code::kInvalidArgument) {  // a weekend alone
          ++refused;
        } else {
          ++other;
          ADD_FAILURE() << DescribeStatus(r.status());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(made.load(), 0);
  EXPECT_EQ(made.load() + refused.load(), kThreads * kAttempts);
  EXPECT_EQ(OverlapsInDatabase(), 0);
  domain::LeaveFilter f;
  f.user_id = alice_.user_id;
  EXPECT_EQ(static_cast<int>(leave_->List(alice_, f)->size()), made.load());
}

// ---- leave summary per team and month (analytics.h) ----------------------------------------

const domain::TeamMonthLeave* RowOf(const std::vector<domain::TeamMonthLeave>& rows,
                                    std::string_view team, std::string_view period) {
  for (const domain::TeamMonthLeave& r : rows) {
    if (r.team == team && r.period.label == period) return &r;
  }
  return nullptr;
}

int TypeDays(const domain::LeaveSummary& s, const domain::LeaveFigures& f, std::string_view key,
             bool approved) {
  for (std::size_t i = 0; i < s.types.size(); ++i) {
    if (s.types[i].key == key) return approved ? f.approved_by_type[i] : f.pending_by_type[i];
  }
  ADD_FAILURE() << "no type " << key;
  return -1;
}

TEST_P(LeaveTest, LeaveSummaryPerTeamAndMonth) {
  domain::AnalyticsService analytics(*store_);
  auto set_team = [&](const Principal& p, std::string team) {
    domain::UserChange c;
    c.team = std::move(team);
    ASSERT_OK(accounts_->UpdateUser(root_, p.user_id, c));
  };
  set_team(alice_, "Field");
  set_team(bob_, "Field");
  set_team(carol_, "Office");
  set_team(boss_, "Office");
  for (const Principal* p : {&boss2_, &root_, &guest_}) set_team(*p, "");

  // Alice: Thursday 27 March to Wednesday 2 April, approved: 3 working days
  // in March, 2 in April.
  Result<domain::LeaveView> a = Ask(alice_, "2025-03-27", "2025-04-02");
  ASSERT_OK(a);
  ASSERT_OK(leave_->Approve(boss_, a->request.id, ""));
  // Bob: a sick morning (approved at once), a pending vacation in April, a
  // rejected one in March.
  ASSERT_OK(Ask(bob_, "2025-03-10", "2025-03-10", "sick", HalfDay::kAm));
  ASSERT_OK(Ask(bob_, "2025-04-14", "2025-04-15"));
  Result<domain::LeaveView> rejected = Ask(bob_, "2025-03-24", "2025-03-24");
  ASSERT_OK(rejected);
  ASSERT_OK(leave_->Reject(boss_, rejected->request.id, "busy week"));
  // Carol: one emergency day approved, one vacation day cancelled.
  Result<domain::LeaveView> c = Ask(carol_, "2025-03-03", "2025-03-03", "emergency");
  ASSERT_OK(c);
  ASSERT_OK(leave_->Approve(boss2_, c->request.id, ""));
  Result<domain::LeaveView> cancelled = Ask(carol_, "2025-03-20", "2025-03-20");
  ASSERT_OK(cancelled);
  ASSERT_OK(leave_->Cancel(carol_, cancelled->request.id, ""));
  // Another organisation's leave in the same weeks.
  ASSERT_OK(Ask(mallory_, "2025-03-03", "2025-03-14", "official_business"));

  domain::LeaveSummaryScope scope{D("2025-03-01"), D("2025-05-01"), std::nullopt};
  Result<domain::LeaveSummary> s = analytics.LeaveByTeam(root_, scope);
  ASSERT_OK(s);
  ASSERT_EQ(s->teams.size(), 6u);  // "", Field, Office x March, April
  EXPECT_EQ(s->teams[0].team, "");
  EXPECT_EQ(s->teams[2].team, "Field");
  EXPECT_EQ(s->teams[4].team, "Office");
  ASSERT_EQ(s->overall.size(), 2u);

  const domain::TeamMonthLeave* field_mar = RowOf(s->teams, "Field", "2025-03");
  ASSERT_NE(field_mar, nullptr);
  const domain::LeaveFigures& fm = field_mar->figures;
  EXPECT_EQ(fm.members, 2);
  EXPECT_EQ(fm.working_days, 21);
  EXPECT_EQ(fm.people_on_leave, 2);
  EXPECT_EQ(fm.requests, 2);
  EXPECT_EQ(fm.approved_half_days, 7);  // 3 days of vacation, a sick morning
  EXPECT_EQ(fm.pending_half_days, 0);   // the rejected day is not counted
  EXPECT_EQ(TypeDays(*s, fm, "vacation", true), 6);
  EXPECT_EQ(TypeDays(*s, fm, "sick", true), 1);
  EXPECT_NEAR(fm.AbsenceRate().value(), 7.0 / 84.0, 1e-12);

  const domain::LeaveFigures& fa = RowOf(s->teams, "Field", "2025-04")->figures;
  EXPECT_EQ(fa.working_days, 22);
  EXPECT_EQ(fa.people_on_leave, 1);
  EXPECT_EQ(fa.requests, 1);
  EXPECT_EQ(fa.approved_half_days, 4);
  EXPECT_EQ(fa.pending_half_days, 4);
  EXPECT_EQ(TypeDays(*s, fa, "vacation", false), 4);

  const domain::LeaveFigures& om = RowOf(s->teams, "Office", "2025-03")->figures;
  EXPECT_EQ(om.members, 2);
  EXPECT_EQ(om.people_on_leave, 1);
  EXPECT_EQ(om.approved_half_days, 2);  // the cancelled day is not counted
  EXPECT_EQ(TypeDays(*s, om, "emergency", true), 2);
  EXPECT_EQ(TypeDays(*s, om, "vacation", true), 0);

  const domain::LeaveFigures& none = RowOf(s->teams, "", "2025-03")->figures;
  EXPECT_EQ(none.members, 3);  // boss2, root, guest
  EXPECT_EQ(none.approved_half_days, 0);
  EXPECT_EQ(none.AbsenceRate().value(), 0.0);

  const domain::LeaveFigures& all_mar = RowOf(s->overall, "", "2025-03")->figures;
  EXPECT_EQ(all_mar.members, 7);
  EXPECT_EQ(all_mar.people_on_leave, 3);
  EXPECT_EQ(all_mar.requests, 3);
  EXPECT_EQ(all_mar.approved_half_days, 9);  // Globex's leave is not here
  const domain::LeaveFigures& all_apr = RowOf(s->overall, "", "2025-04")->figures;
  EXPECT_EQ(all_apr.approved_half_days, 4);
  EXPECT_EQ(all_apr.pending_half_days, 4);

  // One team only; the overall rows sum that team.
  scope.team = "Field";
  Result<domain::LeaveSummary> field = analytics.LeaveByTeam(boss_, scope);
  ASSERT_OK(field);
  ASSERT_EQ(field->teams.size(), 2u);
  EXPECT_EQ(field->teams[0].team, "Field");
  EXPECT_EQ(RowOf(field->overall, "", "2025-03")->figures.members, 2);
  EXPECT_EQ(RowOf(field->overall, "", "2025-03")->figures.approved_half_days, 7);

  // Months are clipped to the window: Monday 31 March and Tuesday 1 April.
  Result<domain::LeaveSummary> edge = analytics.LeaveByTeam(
      root_, domain::LeaveSummaryScope{D("2025-03-31"), D("2025-04-02"), std::string("Field")});
  ASSERT_OK(edge);
  ASSERT_EQ(edge->teams.size(), 2u);
  EXPECT_EQ(edge->teams[0].period.label, "2025-03");
  EXPECT_EQ(edge->teams[0].figures.working_days, 1);
  EXPECT_EQ(edge->teams[0].figures.approved_half_days, 2);
  EXPECT_EQ(edge->teams[1].figures.working_days, 1);
  EXPECT_EQ(edge->teams[1].figures.approved_half_days, 2);
  EXPECT_EQ(edge->teams[1].figures.pending_half_days, 0);

  // Managers and admins only; bad windows and teams.
  EXPECT_EQ(analytics.LeaveByTeam(alice_, scope).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(analytics.LeaveByTeam(guest_, scope).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(analytics
                .LeaveByTeam(root_, domain::LeaveSummaryScope{D("2025-03-01"), D("2025-03-01"),
                                                              std::nullopt})
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(analytics
                .LeaveByTeam(root_, domain::LeaveSummaryScope{D("2025-01-01"), D("2027-01-03"),
                                                              std::nullopt})
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(analytics
                .LeaveByTeam(root_, domain::LeaveSummaryScope{D("2025-03-01"), D("2025-04-01"),
                                                              std::string(101, 't')})
                .status()
                .code(),
            Code::kInvalidArgument);
  // Globex sees only its own leave.
  Result<domain::LeaveSummary> globex = analytics.LeaveByTeam(
      mallory_, domain::LeaveSummaryScope{D("2025-03-01"), D("2025-04-01"), std::nullopt});
  ASSERT_OK(globex);
  ASSERT_EQ(globex->overall.size(), 1u);
  EXPECT_EQ(globex->overall[0].figures.members, 1);
  EXPECT_EQ(globex->overall[0].figures.approved_half_days, 0);
  EXPECT_EQ(globex->overall[0].figures.pending_half_days, 20);  // waits for an approver
}

TEST(LeaveRulesTest, WorkingHalfDaysInAWindow) {
  auto [s, e] = domain::LeaveSlots(D("2025-03-27"), D("2025-04-02"), HalfDay::kNone, true, true);
  EXPECT_EQ(domain::WorkingHalfDaysIn(s, e, D("2025-03-01"), D("2025-04-01")), 5);
  EXPECT_EQ(domain::WorkingHalfDaysIn(s, e, D("2025-04-01"), D("2025-05-01")), 3);
  EXPECT_EQ(domain::WorkingHalfDaysIn(s, e, D("2025-03-28"), D("2025-03-31")), 2);  // Fri only
  EXPECT_EQ(domain::WorkingHalfDaysIn(s, e, D("2025-05-01"), D("2025-06-01")), 0);
}

}  // namespace
}  // namespace almanac::store
