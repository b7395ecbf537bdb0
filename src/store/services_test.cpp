// The domain services against both real store drivers (DESIGN.md: "Its
// services are tested against both real store drivers ... through one
// contract suite, never a mock database"): accounts, permissions,
// organisation isolation, series edits, import/export, concurrent edits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "core/clock.h"
#include "domain/accounts.h"
#include "domain/calendars.h"
#include "domain/dav.h"
#include "domain/events.h"
#include "store/sql_store.h"
#include "store/test_support.h"

namespace almanac::store {
namespace {

using domain::Access;
using domain::CalendarObject;
using domain::ApiTime;
using domain::EditScope;
using domain::EventChange;
using domain::Principal;
using domain::Role;
using ::testing::HasSubstr;

#define ASSERT_OK(expr)                                                \
  do {                                                                 \
    auto&& assert_ok_ = (expr);                                        \
    ASSERT_TRUE(assert_ok_.ok()) << DescribeStatus(assert_ok_.status()); \
  } while (false)

ApiTime T(std::string_view s) { return domain::ParseApiTime(s).value(); }

class ServicesTest : public testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    location_.SetUp(GetParam());
    ASSERT_FALSE(location_.location().empty());
    DatabaseOptions o;
    o.location = location_.location();
    o.sqlite_sync = SqliteSync::kNormal;
    Result<std::unique_ptr<SqlStore>> store = SqlStore::Open(o);
    ASSERT_TRUE(store.ok()) << DescribeStatus(store.status());
    store_ = std::move(store).value();
    domain::AccountOptions ao;
    ao.password_params = core::PasswordHashParams::ForTest();
    accounts_ = std::make_unique<domain::AccountService>(*store_, clock_, ao);
    calendars_ = std::make_unique<domain::CalendarService>(*store_, clock_);
    events_ = std::make_unique<domain::EventService>(*store_, clock_);
    ASSERT_OK(accounts_->CreateOrganisation("acme", "Acme"));
    ASSERT_OK(accounts_->CreateOrganisation("globex", "Globex"));
    alice_ = AddUser("acme", "alice", Role::kMember);
    bob_ = AddUser("acme", "bob", Role::kMember);
    boss_ = AddUser("acme", "boss", Role::kManager);
    root_ = AddUser("acme", "root", Role::kAdmin);
    guest_ = AddUser("acme", "guest", Role::kViewer);
    mallory_ = AddUser("globex", "mallory", Role::kAdmin);
  }

  Principal AddUser(std::string_view org, std::string_view name, Role role) {
    domain::NewUser u;
    u.username = std::string(name);
    u.email = std::string(name) + "@example.org";
    u.role = role;
    u.password = "correct horse " + std::string(name);
    Result<domain::User> user = accounts_->CreateUser(org, u);
    EXPECT_TRUE(user.ok()) << DescribeStatus(user.status());
    return user.ok() ? domain::PrincipalOf(*user) : Principal{};
  }

  domain::Id NewCalendar(const Principal& p, std::string_view name = "Work") {
    domain::CalendarChange c;
    c.name = std::string(name);
    c.timezone = "Europe/Berlin";
    Result<domain::CalendarWithAccess> cal = calendars_->Create(p, c);
    EXPECT_TRUE(cal.ok()) << DescribeStatus(cal.status());
    return cal.ok() ? cal->calendar.id : 0;
  }

  EventChange Weekly(std::string_view title = "Standup") {
    EventChange c;
    c.title = std::string(title);
    c.start = T("2025-03-03T09:00:00+01:00");
    c.end = T("2025-03-03T09:15:00+01:00");
    c.timezone = "Europe/Berlin";
    c.rrule = std::optional<std::string>("FREQ=WEEKLY;COUNT=6");
    return c;
  }

  std::vector<std::string> Starts(const Principal& p, domain::Id calendar,
                                  std::string_view from = "2025-03-01T00:00:00Z",
                                  std::string_view to = "2025-05-01T00:00:00Z") {
    domain::InstanceQuery q;
    q.from = T(from).instant;
    q.to = T(to).instant;
    q.calendar_ids = {calendar};
    Result<domain::InstanceList> list = events_->List(p, q);
    EXPECT_TRUE(list.ok()) << DescribeStatus(list.status());
    std::vector<std::string> out;
    if (!list.ok()) return out;
    for (const domain::InstanceItem& i : list->Items()) out.push_back(i.start + " " + i.details->title);
    return out;
  }

  TestDatabaseLocation location_;
  core::FakeClock clock_{core::Instant::FromUnixSeconds(1735689600)};
  std::unique_ptr<SqlStore> store_;
  std::unique_ptr<domain::AccountService> accounts_;
  std::unique_ptr<domain::CalendarService> calendars_;
  std::unique_ptr<domain::EventService> events_;
  Principal alice_, bob_, boss_, root_, guest_, mallory_;
};

INSTANTIATE_TEST_SUITE_P(Drivers, ServicesTest,
                         testing::Values(Dialect::kSqlite, Dialect::kPostgres), DialectName);

TEST_P(ServicesTest, LoginSessionsTokensAndBasic) {
  Result<domain::LoginResult> login = accounts_->Login("alice", "correct horse alice", "10.0.0.1");
  ASSERT_OK(login);
  EXPECT_EQ(login->session_token.size(), 43u);
  Result<domain::SessionAuth> auth = accounts_->AuthenticateSession(login->session_token);
  ASSERT_OK(auth);
  EXPECT_EQ(auth->principal.user_id, alice_.user_id);
  EXPECT_EQ(auth->csrf_token, login->csrf_token);
  // Sessions expire.
  clock_.Advance(std::chrono::hours(13));
  EXPECT_EQ(accounts_->AuthenticateSession(login->session_token).status().code(),
            Code::kUnauthenticated);

  Result<domain::LoginResult> wrong = accounts_->Login("alice", "wrong password", "10.0.0.1");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(accounts_->Login("nobody", "whatever1", "10.0.0.1").status().code(),
            Code::kUnauthenticated);
  // After the burst of failures, even the right password is refused for a while.
  for (int i = 0; i < 5; ++i) (void)accounts_->Login("alice", "wrong again", "10.0.0.2");
  Result<domain::LoginResult> limited =
      accounts_->Login("alice", "correct horse alice", "10.0.0.3");
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), Code::kRateLimited);
  EXPECT_THAT(limited.status().error().message, HasSubstr("try again in"));
  clock_.Advance(std::chrono::minutes(2));
  ASSERT_OK(accounts_->Login("alice", "correct horse alice", "10.0.0.3"));

  Result<domain::CreatedToken> token = accounts_->CreateApiToken(alice_, "cli");
  ASSERT_OK(token);
  Result<Principal> bearer = accounts_->AuthenticateBearer(token->token);
  ASSERT_OK(bearer);
  EXPECT_EQ(bearer->user_id, alice_.user_id);
  // Bob cannot revoke Alice's token; Alice can.
  EXPECT_EQ(accounts_->RevokeApiToken(bob_, token->record.id).code(), Code::kNotFound);
  ASSERT_TRUE(accounts_->RevokeApiToken(alice_, token->record.id).ok());
  EXPECT_EQ(accounts_->AuthenticateBearer(token->token).status().code(), Code::kUnauthenticated);

  ASSERT_OK(accounts_->AuthenticateBasic("bob", "correct horse bob", "10.0.0.4"));
  ASSERT_OK(accounts_->AuthenticateBasic("bob", "correct horse bob", "10.0.0.4"));  // cached
  EXPECT_EQ(accounts_->AuthenticateBasic("bob", "not bob's", "10.0.0.4").status().code(),
            Code::kUnauthenticated);
}

TEST_P(ServicesTest, BadUserInputIsRefused) {
  domain::NewUser u;
  u.username = "alice";
  u.email = "a@example.org";
  u.password = "long enough";
  EXPECT_EQ(accounts_->CreateUser("acme", u).status().code(), Code::kAlreadyExists);
  u.username = "bad name";
  EXPECT_EQ(accounts_->CreateUser("acme", u).status().code(), Code::kInvalidArgument);
  u.username = "carol";
  u.password = "short";
  EXPECT_EQ(accounts_->CreateUser("acme", u).status().code(), Code::kInvalidArgument);
  u.password = "long enough";
  EXPECT_EQ(accounts_->CreateUser("nowhere", u).status().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->CreateOrganisation("acme", "Again").status().code(), Code::kAlreadyExists);
  EXPECT_EQ(accounts_->CreateOrganisation("Bad Slug", "x").status().code(),
            Code::kInvalidArgument);
}

TEST_P(ServicesTest, OrganisationsNeverSeeEachOther) {
  const domain::Id cal = NewCalendar(alice_);
  Result<domain::EventRef> ev = events_->Create(alice_, cal, Weekly());
  ASSERT_OK(ev);
  // Globex's admin: nothing of Acme exists.
  EXPECT_EQ(calendars_->Get(mallory_, cal).status().code(), Code::kNotFound);
  EXPECT_EQ(events_->Get(mallory_, ev->id).status().code(), Code::kNotFound);
  EXPECT_EQ(events_->Update(mallory_, ev->id, EditScope::kAll, std::nullopt, Weekly("pwned"),
                            std::nullopt)
                .status()
                .code(),
            Code::kNotFound);
  EXPECT_EQ(events_->Delete(mallory_, ev->id, EditScope::kAll, std::nullopt, std::nullopt)
                .status()
                .code(),
            Code::kNotFound);
  EXPECT_EQ(events_->Export(mallory_, cal).status().code(), Code::kNotFound);
  EXPECT_EQ(events_->Create(mallory_, cal, Weekly()).status().code(), Code::kNotFound);
  Result<std::vector<domain::CalendarWithAccess>> list = calendars_->List(mallory_);
  ASSERT_OK(list);
  EXPECT_TRUE(list->empty());
  domain::InstanceQuery q;
  q.from = T("2025-01-01T00:00:00Z").instant;
  q.to = T("2025-12-01T00:00:00Z").instant;
  Result<domain::InstanceList> all = events_->List(mallory_, q);
  ASSERT_OK(all);
  EXPECT_TRUE(all->Items().empty());
  EXPECT_EQ(accounts_->GetUser(mallory_, alice_.user_id).status().code(), Code::kNotFound);
  // A share cannot name a user of another organisation.
  domain::CalendarChange share;
  share.shares = std::vector<domain::CalendarShare>{
      {mallory_.user_id, std::nullopt, domain::ShareLevel::kEditor}};
  EXPECT_EQ(calendars_->Update(alice_, cal, share).status().code(), Code::kInvalidArgument);
  // Alice still sees her event, unchanged.
  EXPECT_EQ(Starts(alice_, cal).size(), 6u);
  EXPECT_EQ(Starts(alice_, cal).front(), "2025-03-03T09:00:00+01:00 Standup");
}

TEST_P(ServicesTest, PermissionsPerRoleAndShare) {
  const domain::Id cal = NewCalendar(alice_);
  EventChange secret = Weekly("Doctor");
  secret.visibility = "private";
  secret.rrule = std::nullopt;
  ASSERT_OK(events_->Create(alice_, cal, secret));
  ASSERT_OK(events_->Create(alice_, cal, Weekly("Team sync")));

  // Bob, unshared: free/busy only, every event is "Busy"; no writes.
  Result<domain::CalendarWithAccess> seen = calendars_->Get(bob_, cal);
  ASSERT_OK(seen);
  EXPECT_EQ(seen->access, Access::kFreeBusy);
  for (const std::string& s : Starts(bob_, cal)) EXPECT_THAT(s, HasSubstr("Busy"));
  EXPECT_EQ(events_->Create(bob_, cal, Weekly()).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(events_->Export(bob_, cal).status().code(), Code::kPermissionDenied);

  // Shared with Bob as viewer: details, except the private event.
  domain::CalendarChange share;
  share.shares = std::vector<domain::CalendarShare>{
      {bob_.user_id, std::nullopt, domain::ShareLevel::kViewer},
      {std::nullopt, Role::kManager, domain::ShareLevel::kEditor}};
  ASSERT_OK(calendars_->Update(alice_, cal, share));
  std::vector<std::string> bob_view = Starts(bob_, cal);
  EXPECT_THAT(bob_view, ::testing::Contains(HasSubstr("Team sync")));
  EXPECT_THAT(bob_view, ::testing::Contains(HasSubstr("Busy")));
  EXPECT_THAT(bob_view, ::testing::Not(::testing::Contains(HasSubstr("Doctor"))));
  EXPECT_EQ(events_->Create(bob_, cal, Weekly()).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(calendars_->Update(bob_, cal, share).status().code(), Code::kPermissionDenied);
  Result<std::string> bob_export = events_->Export(bob_, cal);
  ASSERT_OK(bob_export);
  EXPECT_THAT(*bob_export, ::testing::Not(HasSubstr("Doctor")));

  // Managers (by role share) edit and see private details.
  EXPECT_THAT(Starts(boss_, cal), ::testing::Contains(HasSubstr("Doctor")));
  ASSERT_OK(events_->Create(boss_, cal, Weekly("Review")));
  EXPECT_EQ(calendars_->Delete(boss_, cal).code(), Code::kPermissionDenied);

  // Viewers never write, even their own calendars; admins do everything.
  domain::CalendarChange mine;
  mine.name = "Guest's";
  EXPECT_EQ(calendars_->Create(guest_, mine).status().code(), Code::kPermissionDenied);
  ASSERT_OK(events_->Create(root_, cal, Weekly("Admin was here")));
  domain::CalendarChange org_cal;
  org_cal.name = "Holidays";
  org_cal.organisation_owned = true;
  EXPECT_EQ(calendars_->Create(alice_, org_cal).status().code(), Code::kPermissionDenied);
  Result<domain::CalendarWithAccess> holidays = calendars_->Create(boss_, org_cal);
  ASSERT_OK(holidays);
  EXPECT_EQ(calendars_->Get(guest_, holidays->calendar.id)->access, Access::kRead);
  EXPECT_EQ(calendars_->Get(alice_, holidays->calendar.id)->access, Access::kRead);
  ASSERT_TRUE(calendars_->Delete(root_, cal).ok());
  EXPECT_EQ(calendars_->Get(alice_, cal).status().code(), Code::kNotFound);
}

TEST_P(ServicesTest, WindowCacheFollowsEveryChange) {
  const domain::Id cal = NewCalendar(alice_);
  Result<domain::EventRef> standup = events_->Create(alice_, cal, Weekly("Standup"));
  ASSERT_OK(standup);
  const std::vector<std::string> first = Starts(alice_, cal);
  ASSERT_EQ(first.size(), 6u);
  const domain::WindowCacheStats before = events_->window_cache_stats();
  EXPECT_EQ(Starts(alice_, cal), first);
  EXPECT_EQ(events_->window_cache_stats().hits, before.hits + 1);

  // A change made elsewhere (another process on the same database: here a
  // second service with its own caches) shows at once.
  domain::EventService elsewhere(*store_, clock_);
  EventChange rename;
  rename.title = std::string("Standup v2");
  ASSERT_OK(elsewhere.Update(alice_, standup->id, EditScope::kAll, std::nullopt, rename,
                             std::nullopt));
  std::vector<std::string> renamed = Starts(alice_, cal);
  ASSERT_EQ(renamed.size(), 6u);
  for (const std::string& s : renamed) EXPECT_THAT(s, HasSubstr("Standup v2"));

  // The module's colour is not part of the calendar, yet shows.
  auto colors = [&] {
    domain::InstanceQuery q;
    q.from = T("2025-03-01T00:00:00Z").instant;
    q.to = T("2025-05-01T00:00:00Z").instant;
    q.calendar_ids = {cal};
    std::set<std::string> out;
    for (const domain::InstanceItem& i : events_->List(alice_, q)->Items()) out.insert(i.color);
    return out;
  };
  ASSERT_TRUE(calendars_->PutModule(root_, domain::Module{"coordination", "Coordination", "#123456"}).ok());
  EXPECT_EQ(colors(), std::set<std::string>{"#123456"});
  ASSERT_TRUE(calendars_->PutModule(root_, domain::Module{"coordination", "Coordination", "#abcdef"}).ok());
  EXPECT_EQ(colors(), std::set<std::string>{"#abcdef"});

  // Several calendars merge in start order; the limit cuts across them.
  const domain::Id other = NewCalendar(alice_, "Other");
  EventChange daily = Weekly("Daily");
  daily.start = T("2025-03-04T08:00:00+01:00");
  daily.end = T("2025-03-04T08:30:00+01:00");
  daily.rrule = std::optional<std::string>("FREQ=DAILY;COUNT=3");
  ASSERT_OK(events_->Create(alice_, other, daily));
  domain::InstanceQuery q;
  q.from = T("2025-03-01T00:00:00Z").instant;
  q.to = T("2025-05-01T00:00:00Z").instant;
  for (int pass = 0; pass < 2; ++pass) {  // built, then from the cache
    Result<domain::InstanceList> all = events_->List(alice_, q);
    ASSERT_OK(all);
    std::vector<std::string> titles;
    std::int64_t last = 0;
    for (const domain::InstanceItem& i : all->Items()) {
      EXPECT_GE(i.start_unix, last);
      last = i.start_unix;
      titles.push_back(i.details->title);
    }
    EXPECT_EQ(titles, (std::vector<std::string>{"Standup v2", "Daily", "Daily", "Daily",
                                                "Standup v2", "Standup v2", "Standup v2",
                                                "Standup v2", "Standup v2"}));
    EXPECT_FALSE(all->truncated);
  }
  q.limit = 3;
  Result<domain::InstanceList> cut = events_->List(alice_, q);
  ASSERT_OK(cut);
  ASSERT_EQ(cut->Items().size(), 3u);
  EXPECT_TRUE(cut->truncated);
  EXPECT_EQ(cut->Items()[2].details->title, "Daily");

  // Losing access drops the cached details too: Bob had them as a viewer.
  domain::CalendarChange share;
  share.shares = std::vector<domain::CalendarShare>{
      {bob_.user_id, std::nullopt, domain::ShareLevel::kViewer}};
  ASSERT_OK(calendars_->Update(alice_, cal, share));
  EXPECT_THAT(Starts(bob_, cal), ::testing::Each(HasSubstr("Standup v2")));
  share.shares = std::vector<domain::CalendarShare>{};
  ASSERT_OK(calendars_->Update(alice_, cal, share));
  EXPECT_THAT(Starts(bob_, cal), ::testing::Each(HasSubstr("Busy")));
  // A calendar named twice is listed once.
  q.limit = 10'000;
  q.calendar_ids = {cal, cal};
  EXPECT_EQ(events_->List(alice_, q)->Items().size(), 6u);
}

std::string DavEvent(std::string_view uid, std::string_view summary,
                     std::string_view extra = "") {
  return fmt::format(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{}\r\n"
      "DTSTAMP:20250101T000000Z\r\nDTSTART:20250310T090000Z\r\nDTEND:20250310T100000Z\r\n"
      "SUMMARY:{}\r\n{}END:VEVENT\r\nEND:VCALENDAR\r\n",
      uid, summary, extra);
}

TEST_P(ServicesTest, DavResourcesSyncAndPreconditions) {
  domain::DavService dav(*store_, clock_, *events_, *calendars_);
  // MKCALENDAR at a client-chosen segment; it is in the home.
  domain::CalendarChange change;
  change.name = std::string("Phone");
  Result<domain::DavCollection> col = dav.MakeCollection(alice_, "phone-cal", change);
  ASSERT_OK(col);
  EXPECT_EQ(col->segment, "phone-cal");
  EXPECT_EQ(dav.MakeCollection(alice_, "phone-cal", change).status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(dav.MakeCollection(alice_, "123", change).status().code(), Code::kAlreadyExists);
  Result<std::vector<domain::DavCollection>> home = dav.Home(alice_);
  ASSERT_OK(home);
  ASSERT_EQ(home->size(), 1u);
  EXPECT_EQ(home->front().segment, "phone-cal");
  // Bob cannot reach it by name (names are per home) nor by id (free/busy only).
  EXPECT_EQ(dav.Collection(bob_, "phone-cal").status().code(), Code::kNotFound);
  EXPECT_EQ(dav.Collection(bob_, std::to_string(col->calendar.id)).status().code(),
            Code::kNotFound);

  // Create, with If-None-Match: *; a second create with it is refused.
  domain::PutConditions create;
  create.if_none_match_any = true;
  Result<domain::PutOutcome> put = dav.Put(alice_, *col, "a.ics", DavEvent("uid-a", "Alpha"), create);
  ASSERT_OK(put);
  ASSERT_FALSE(put->refused);
  EXPECT_TRUE(put->created);
  EXPECT_TRUE(put->stored_as_sent);
  EXPECT_EQ(dav.Put(alice_, *col, "a.ics", DavEvent("uid-a", "Alpha"), create).status().code(),
            Code::kFailedPrecondition);
  Result<domain::DavChanges> initial = dav.Changes(alice_, *col, std::nullopt);
  ASSERT_OK(initial);
  ASSERT_EQ(initial->changes.size(), 1u);
  const std::int64_t token = initial->token;

  // The REST API sees it; an event made there shows in CalDAV by name.
  EXPECT_THAT(Starts(alice_, col->calendar.id), ::testing::ElementsAre(HasSubstr("Alpha")));
  Result<domain::EventRef> rest = events_->Create(alice_, col->calendar.id, Weekly("Rest"));
  ASSERT_OK(rest);
  Result<CalendarObject> via_dav = dav.Get(alice_, *col, rest->uid + ".ics");
  ASSERT_OK(via_dav);
  EXPECT_THAT(via_dav->ics, HasSubstr("SUMMARY:Rest"));

  // The same UID under another name: no-uid-conflict naming the holder.
  Result<domain::PutOutcome> dup = dav.Put(alice_, *col, "b.ics", DavEvent("uid-a", "Dup"), {});
  ASSERT_OK(dup);
  ASSERT_TRUE(dup->refused);
  EXPECT_EQ(*dup->refused, domain::PutRule::kNoUidConflict);
  EXPECT_EQ(dup->conflict_name, "a.ics");
  // Bad bodies are refused with the rule and change nothing.
  Result<domain::PutOutcome> junk = dav.Put(alice_, *col, "c.ics", "not ical", {});
  ASSERT_OK(junk);
  EXPECT_EQ(junk->refused, domain::PutRule::kValidCalendarData);
  std::string method = DavEvent("uid-m", "M");
  method.insert(method.find("PRODID"), "METHOD:PUBLISH\r\n");
  EXPECT_EQ(dav.Put(alice_, *col, "m.ics", method, {})->refused,
            domain::PutRule::kValidObjectResource);
  EXPECT_EQ(dav.Put(alice_, *col, "../x", DavEvent("u", "x"), {}).status().code(),
            Code::kNotFound);

  // If-Match: a stale ETag is refused, the current one accepted.
  domain::PutConditions stale;
  stale.has_if_match = true;
  stale.if_match = {"0123"};
  EXPECT_EQ(dav.Put(alice_, *col, "a.ics", DavEvent("uid-a", "Alpha 2"), stale).status().code(),
            Code::kFailedPrecondition);
  domain::PutConditions fresh;
  fresh.has_if_match = true;
  fresh.if_match = {put->object.etag};
  Result<domain::PutOutcome> updated =
      dav.Put(alice_, *col, "a.ics", DavEvent("uid-a", "Alpha 2"), fresh);
  ASSERT_OK(updated);
  EXPECT_FALSE(updated->created);

  // Sync: exactly the changed and the deleted names come back.
  ASSERT_TRUE(dav.Delete(alice_, *col, "a.ics", {}).ok());
  EXPECT_EQ(dav.Delete(alice_, *col, "a.ics", {}).code(), Code::kNotFound);
  Result<domain::DavChanges> since = dav.Changes(alice_, *col, token);
  ASSERT_OK(since);
  std::map<std::string, bool> changed;
  for (const domain::ObjectChange& c : since->changes) changed[c.name] = c.deleted;
  EXPECT_EQ(changed, (std::map<std::string, bool>{{"a.ics", true}, {rest->uid + ".ics", false}}));
  Result<domain::DavChanges> none = dav.Changes(alice_, *col, since->token);
  ASSERT_OK(none);
  EXPECT_TRUE(none->changes.empty());
  EXPECT_EQ(dav.Changes(alice_, *col, since->token + 100).status().code(),
            Code::kFailedPrecondition);
  // A name re-created after deletion is a change, not a deletion.
  ASSERT_OK(dav.Put(alice_, *col, "a.ics", DavEvent("uid-a2", "Again"), create));
  Result<domain::DavChanges> again = dav.Changes(alice_, *col, since->token);
  ASSERT_OK(again);
  ASSERT_EQ(again->changes.size(), 1u);
  EXPECT_FALSE(again->changes.front().deleted);

  // Shared read-only: Bob sees it in his home, cannot write, and private
  // events are masked (with their own ETag).
  domain::CalendarChange share;
  share.shares = std::vector<domain::CalendarShare>{
      {bob_.user_id, std::nullopt, domain::ShareLevel::kViewer}};
  ASSERT_OK(calendars_->Update(alice_, col->calendar.id, share));
  ASSERT_OK(dav.Put(alice_, *col, "p.ics", DavEvent("uid-p", "Secret", "CLASS:PRIVATE\r\n"), {}));
  Result<domain::DavCollection> bobs = dav.Collection(bob_, std::to_string(col->calendar.id));
  ASSERT_OK(bobs);
  EXPECT_EQ(bobs->access, Access::kRead);
  Result<std::vector<domain::DavCollection>> bob_home = dav.Home(bob_);
  ASSERT_OK(bob_home);
  EXPECT_EQ(bob_home->size(), 1u);
  EXPECT_EQ(dav.Put(bob_, *bobs, "x.ics", DavEvent("uid-x", "X"), {}).status().code(),
            Code::kPermissionDenied);
  Result<CalendarObject> masked = dav.Get(bob_, *bobs, "p.ics");
  ASSERT_OK(masked);
  EXPECT_THAT(masked->ics, ::testing::Not(HasSubstr("Secret")));
  EXPECT_NE(masked->etag, dav.Get(alice_, *col, "p.ics")->etag);
  std::vector<std::string> seen;
  ASSERT_TRUE(dav.Candidates(bob_, *bobs, std::nullopt,
                             [&](const CalendarObject& o, const ical::Component&) {
                               seen.push_back(o.ics);
                             })
                  .ok());
  EXPECT_EQ(seen.size(), 3u);
  for (const std::string& t : seen) EXPECT_THAT(t, ::testing::Not(HasSubstr("Secret")));
}

TEST_P(ServicesTest, SeriesEditsThroughTheStore) {
  const domain::Id cal = NewCalendar(alice_);
  Result<domain::EventRef> ev = events_->Create(alice_, cal, Weekly());
  ASSERT_OK(ev);
  // Crosses the DST change in Berlin (2025-03-30) at 09:00 wall clock.
  EXPECT_EQ(Starts(alice_, cal)[4], "2025-03-31T09:00:00+02:00 Standup");

  // "this": move the 2nd occurrence.
  EventChange moved;
  moved.start = T("2025-03-10T11:00:00+01:00");
  Result<domain::EditOutcome> a = events_->Update(alice_, ev->id, EditScope::kThis,
                                                  T("2025-03-10T09:00:00+01:00"), moved, ev->etag);
  ASSERT_OK(a);
  EXPECT_NE(a->event->etag, ev->etag);
  // A stale ETag is refused and changes nothing.
  EventChange rename;
  rename.title = "Stale";
  Result<domain::EditOutcome> stale = events_->Update(alice_, ev->id, EditScope::kAll,
                                                      std::nullopt, rename, ev->etag);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kFailedPrecondition);

  // "following" from the 4th: renamed; new series.
  rename.title = "Standup v2";
  Result<domain::EditOutcome> b = events_->Update(alice_, ev->id, EditScope::kFollowing,
                                                  T("2025-03-24T09:00:00+01:00"), rename,
                                                  a->event->etag);
  ASSERT_OK(b);
  ASSERT_TRUE(b->created.has_value());
  EXPECT_NE(b->created->uid, ev->uid);
  EXPECT_THAT(Starts(alice_, cal),
              ::testing::ElementsAre("2025-03-03T09:00:00+01:00 Standup",
                                     "2025-03-10T11:00:00+01:00 Standup",
                                     "2025-03-17T09:00:00+01:00 Standup",
                                     "2025-03-24T09:00:00+01:00 Standup v2",
                                     "2025-03-31T09:00:00+02:00 Standup v2",
                                     "2025-04-07T09:00:00+02:00 Standup v2"));
  // "all" on the first part: an hour later; the moved occurrence keeps its time.
  EventChange later;
  later.start = T("2025-03-03T10:00:00+01:00");
  ASSERT_OK(events_->Update(alice_, ev->id, EditScope::kAll, std::nullopt, later, std::nullopt));
  EXPECT_EQ(Starts(alice_, cal)[0], "2025-03-03T10:00:00+01:00 Standup");
  EXPECT_EQ(Starts(alice_, cal)[1], "2025-03-10T11:00:00+01:00 Standup");
  EXPECT_EQ(Starts(alice_, cal)[2], "2025-03-17T10:00:00+01:00 Standup");
  // Delete one occurrence of the new series, then the rest of it.
  ASSERT_OK(events_->Delete(alice_, b->created->id, EditScope::kThis,
                            T("2025-03-31T09:00:00+02:00"), std::nullopt));
  EXPECT_EQ(Starts(alice_, cal).size(), 5u);
  Result<domain::EditOutcome> gone =
      events_->Delete(alice_, b->created->id, EditScope::kAll, std::nullopt, std::nullopt);
  ASSERT_OK(gone);
  EXPECT_TRUE(gone->deleted);
  EXPECT_EQ(Starts(alice_, cal).size(), 3u);
  EXPECT_EQ(events_->Get(alice_, b->created->id).status().code(), Code::kNotFound);
  // Unknown occurrence.
  EXPECT_EQ(events_->Update(alice_, ev->id, EditScope::kThis, T("2025-03-04T10:00:00+01:00"),
                            rename, std::nullopt)
                .status()
                .code(),
            Code::kNotFound);
}

TEST_P(ServicesTest, ConcurrentEditsWithIfMatchOneWins) {
  const domain::Id cal = NewCalendar(alice_);
  Result<domain::EventRef> ev = events_->Create(alice_, cal, Weekly());
  ASSERT_OK(ev);
  std::atomic<int> ok{0}, stale{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      EventChange c;
      c.title = "Writer " + std::to_string(i);
      Result<domain::EditOutcome> r =
          events_->Update(alice_, ev->id, EditScope::kAll, std::nullopt, c, ev->etag);
      if (r.ok()) {
        ++ok;
      } else if (r.status().code() == Code::kFailedPrecondition) {
        ++stale;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(stale.load(), 5);
}

TEST_P(ServicesTest, ImportExportRoundTripAndAtomicFailure) {
  const domain::Id cal = NewCalendar(alice_);
  const std::string ics =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n"
      "BEGIN:VTIMEZONE\r\nTZID:Custom/Zone\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
      "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
      "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\n"
      "TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
      "END:VTIMEZONE\r\n"
      "BEGIN:VEVENT\r\nUID:one@test\r\nDTSTAMP:20250101T000000Z\r\n"
      "DTSTART;TZID=Custom/Zone:20250303T090000\r\nDTEND;TZID=Custom/Zone:20250303T100000\r\n"
      "RRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Imported\r\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n"
      "X-CUSTOM;X-PARAM=keep:me\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:one@test\r\nDTSTAMP:20250101T000000Z\r\n"
      "RECURRENCE-ID;TZID=Custom/Zone:20250304T090000\r\n"
      "DTSTART;TZID=Custom/Zone:20250304T140000\r\nDTEND;TZID=Custom/Zone:20250304T150000\r\n"
      "SUMMARY:Imported (moved)\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:two@test\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250310\r\n"
      "SUMMARY:All day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  int progress_calls = 0;
  domain::ImportOptions options;
  options.progress = [&](std::string_view, std::size_t, std::size_t) { ++progress_calls; };
  Result<domain::ImportReport> report = events_->Import(alice_, cal, ics, options);
  ASSERT_OK(report);
  EXPECT_EQ(report->created, 2u);
  EXPECT_GT(progress_calls, 0);
  EXPECT_THAT(Starts(alice_, cal),
              ::testing::ElementsAre("2025-03-03T09:00:00+01:00 Imported",
                                     "2025-03-04T14:00:00+01:00 Imported (moved)",
                                     "2025-03-05T09:00:00+01:00 Imported", "2025-03-10 All day"));
  Result<std::string> exported = events_->Export(alice_, cal);
  ASSERT_OK(exported);
  EXPECT_THAT(*exported, HasSubstr("X-CUSTOM;X-PARAM=keep:me"));
  EXPECT_THAT(*exported, HasSubstr("X-MICROSOFT-CDO-BUSYSTATUS:BUSY"));
  EXPECT_THAT(*exported, HasSubstr("BEGIN:VTIMEZONE"));
  // Export -> import into another calendar -> export: the same objects.
  const domain::Id copy = NewCalendar(alice_, "Copy");
  ASSERT_OK(events_->Import(alice_, copy, *exported));
  Result<std::string> again = events_->Export(alice_, copy);
  ASSERT_OK(again);
  auto body = [](const std::string& s) { return s.substr(s.find("BEGIN:VTIMEZONE")); };
  EXPECT_EQ(body(*again), body(*exported));
  // Re-import updates in place.
  Result<domain::ImportReport> re = events_->Import(alice_, copy, *exported);
  ASSERT_OK(re);
  EXPECT_EQ(re->updated, 2u);
  EXPECT_EQ(re->created, 0u);

  // A bad file in the middle changes nothing and names the line.
  const std::string bad =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:three@test\r\n"
      "DTSTART:20250311T090000Z\r\nSUMMARY:ok\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:four@test\r\n"
      "DTSTART:2025031109000Z\r\nSUMMARY:broken\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  Result<domain::ImportReport> failed = events_->Import(alice_, cal, bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(failed.status().error().message, HasSubstr("line 11"));
  EXPECT_EQ(Starts(alice_, cal).size(), 4u);
}

TEST_P(ServicesTest, FeedsShowPrivateEventsAsBusy) {
  const domain::Id cal = NewCalendar(alice_);
  EventChange secret = Weekly("Doctor");
  secret.visibility = "private";
  secret.description = std::optional<std::string>("diagnosis");
  ASSERT_OK(events_->Create(alice_, cal, secret));
  ASSERT_OK(events_->Create(alice_, cal, Weekly("Open day")));
  Result<std::string> token = calendars_->RotateFeedToken(alice_, cal);
  ASSERT_OK(token);
  EXPECT_EQ(calendars_->RotateFeedToken(bob_, cal).status().code(), Code::kPermissionDenied);
  Result<std::string> ics = events_->FeedIcs(*token);
  ASSERT_OK(ics);
  EXPECT_THAT(*ics, HasSubstr("Open day"));
  EXPECT_THAT(*ics, ::testing::Not(HasSubstr("Doctor")));
  EXPECT_THAT(*ics, ::testing::Not(HasSubstr("diagnosis")));
  Result<domain::InstanceList> json =
      events_->FeedInstances(*token, T("2025-03-01T00:00:00Z").instant,
                             T("2025-04-01T00:00:00Z").instant);
  ASSERT_OK(json);
  EXPECT_EQ(json->Items().size(), 10u);
  EXPECT_EQ(events_->FeedIcs("not-a-token").status().code(), Code::kNotFound);
  // Rotating the token retires the old one.
  Result<std::string> rotated = calendars_->RotateFeedToken(alice_, cal);
  ASSERT_OK(rotated);
  EXPECT_EQ(events_->FeedIcs(*token).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace almanac::store
