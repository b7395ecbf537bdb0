// Test support for suites that run on both drivers: a temporary SQLite file,
// or a fresh schema in the PostgreSQL database at $ALMANAC_TEST_PG_URL
// (CTest's `pg` fixture starts that server). Test-only: never include from
// production code.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "store/database.h"

namespace almanac::store {

inline constexpr const char* kNoPgServer =
    "ALMANAC_TEST_PG_URL is not set, so the PostgreSQL half of the store contract suite "
    "cannot run (it must not be skipped).\n"
    "Run the tests through CTest, whose `pg` fixture starts a throw-away server:\n"
    "  ctest --test-dir build -L pg\n"
    "or start one and point the variable at it:\n"
    "  bash tests/tools/pg_test_server.sh start /tmp/almanac-pg 54329\n"
    "  export ALMANAC_TEST_PG_URL=postgresql://almanac@127.0.0.1:54329/almanac_test\n"
    "  (afterwards: bash tests/tools/pg_test_server.sh stop /tmp/almanac-pg 54329)";

inline std::string DescribeStatus(const Status& s) {
  if (s.ok()) return "OK";
  return std::string(CodeName(s.code())) + ": " + s.error().message + " [" + s.error().detail + "]";
}

inline std::string DialectName(const testing::TestParamInfo<Dialect>& info) {
  return info.param == Dialect::kSqlite ? "Sqlite" : "Postgres";
}

// A database location that lives as long as the object: SetUp() makes it,
// the destructor removes it.
class TestDatabaseLocation {
 public:
  // Fails the current test (gtest ASSERT) when PostgreSQL is asked for and
  // unavailable; `location()` is then empty.
  void SetUp(Dialect dialect) {
    if (dialect == Dialect::kSqlite) {
      std::string tmpl = testing::TempDir() + "almanac_store_XXXXXX";
      ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
      dir_ = tmpl;
      location_ = dir_ + "/data/almanac.db";
      return;
    }
    const char* env = std::getenv("ALMANAC_TEST_PG_URL");
    const std::string url = env != nullptr ? env : "";
    ASSERT_FALSE(url.empty()) << kNoPgServer;
    static std::atomic<int> counter{0};
    schema_ = "almanac_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    DatabaseOptions admin;
    admin.location = url;
    admin.pool_size = 1;
    Result<std::unique_ptr<Database>> db = Database::Open(admin);
    ASSERT_TRUE(db.ok()) << DescribeStatus(db.status()) << "\n" << kNoPgServer;
    admin_ = std::move(db).value();
    Status s = admin_->Write([this](Tx& tx) -> Status {
      ALMANAC_RETURN_IF_ERROR(tx.ExecScript("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE"));
      return tx.ExecScript("CREATE SCHEMA " + schema_);
    });
    ASSERT_TRUE(s.ok()) << DescribeStatus(s);
    location_ = url + (url.find('?') == std::string::npos ? "?" : "&") +
                "options=-csearch_path%3D" + schema_;
  }

  ~TestDatabaseLocation() {
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
    if (admin_) {
      Status s = admin_->Write([this](Tx& tx) -> Status {
        return tx.ExecScript("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      });
      EXPECT_TRUE(s.ok()) << DescribeStatus(s);
    }
  }

  const std::string& location() const { return location_; }
  // SQLite: the temporary directory holding the database; empty for PostgreSQL.
  const std::string& dir() const { return dir_; }
  // PostgreSQL: a connection to the server outside the test's schema; null for SQLite.
  Database* admin() const { return admin_.get(); }

 private:
  std::string dir_;
  std::string schema_;
  std::string location_;
  std::unique_ptr<Database> admin_;
};

}  // namespace almanac::store
