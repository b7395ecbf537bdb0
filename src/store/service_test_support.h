// The base of the domain-over-store tests (services, bookings, leave,
// analytics): one store per test on the driver the test is instantiated
// with (SQLite or PostgreSQL, test_support.h), an AccountService with cheap
// password hashing, two organisations ("acme" and "globex"), a FakeClock,
// and a helper that adds users.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/crypto.h"
#include "domain/accounts.h"
#include "domain/event_fields.h"
#include "store/sql_store.h"
#include "store/test_support.h"

// Fails the test (ASSERT) unless `expr`, a Status or a Result, is OK.
#define ASSERT_OK(expr)                                                                        \
  do {                                                                                         \
    auto&& assert_ok_ = (expr);                                                                \
    ASSERT_TRUE(assert_ok_.ok()) << DescribeStatus(::almanac::internal::ToStatus(assert_ok_)); \
  } while (false)

namespace almanac::store {

// The instant of an RFC 3339 text. REQUIRES: it parses.
inline core::Instant At(std::string_view rfc3339) {
  return domain::ParseApiTime(rfc3339).value().instant;
}

class StoreServiceTest : public testing::TestWithParam<Dialect> {
 protected:
  // Opens the store and the accounts and adds the two organisations; the
  // deriving test's SetUp calls it first, then makes its services.
  void OpenStore(int pool_size = 20) {
    location_.SetUp(GetParam());
    ASSERT_FALSE(location_.location().empty());
    DatabaseOptions o;
    o.location = location_.location();
    o.sqlite_sync = SqliteSync::kNormal;
    o.pool_size = pool_size;
    Result<std::unique_ptr<SqlStore>> store = SqlStore::Open(o);
    ASSERT_TRUE(store.ok()) << DescribeStatus(store.status());
    store_ = std::move(store).value();
    domain::AccountOptions ao;
    ao.password_params = core::PasswordHashParams::ForTest();
    accounts_ = std::make_unique<domain::AccountService>(*store_, clock_, ao);
    ASSERT_OK(accounts_->CreateOrganisation("acme", "Acme"));
    ASSERT_OK(accounts_->CreateOrganisation("globex", "Globex"));
  }

  // A user "<name>" (display name "User <name>", e-mail <name>@example.org,
  // team "team-<name>") of organisation `org`.
  domain::Principal AddUser(std::string_view org, std::string_view name, domain::Role role,
                            std::optional<domain::Id> manager = std::nullopt,
                            std::string timezone = "UTC") {
    domain::NewUser u;
    u.username = std::string(name);
    u.email = std::string(name) + "@example.org";
    u.display_name = "User " + std::string(name);
    u.role = role;
    u.timezone = std::move(timezone);
    u.manager_id = manager;
    u.team = "team-" + std::string(name);
    u.password = "correct horse " + std::string(name);
    Result<domain::User> user = accounts_->CreateUser(org, u);
    EXPECT_TRUE(user.ok()) << DescribeStatus(user.status());
    return user.ok() ? domain::PrincipalOf(*user) : domain::Principal{};
  }

  TestDatabaseLocation location_;
  core::FakeClock clock_{At("2025-01-01T00:00:00Z")};
  std::unique_ptr<SqlStore> store_;
  std::unique_ptr<domain::AccountService> accounts_;
};

}  // namespace almanac::store
