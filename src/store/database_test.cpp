// The store's contract suite: every test runs on SQLite (a file in a fresh
// temporary directory) and on PostgreSQL (a fresh schema in the database at
// $ALMANAC_TEST_PG_URL, which CTest's `pg` fixture provides). The two drivers
// must behave the same; where they cannot (SQLite names no foreign key),
// the test says so.
#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/database.h"
#include "store/migrations.h"

namespace almanac::store {
namespace {

using namespace std::string_literals;

constexpr const char* kNoPgServer =
    "ALMANAC_TEST_PG_URL is not set, so the PostgreSQL half of the store contract suite "
    "cannot run (it must not be skipped).\n"
    "Run the tests through CTest, whose `pg` fixture starts a throw-away server:\n"
    "  ctest --test-dir build -L pg\n"
    "or start one and point the variable at it:\n"
    "  bash tests/tools/pg_test_server.sh start /tmp/almanac-pg 54329\n"
    "  export ALMANAC_TEST_PG_URL=postgresql://almanac@127.0.0.1:54329/almanac_test\n"
    "  (afterwards: bash tests/tools/pg_test_server.sh stop /tmp/almanac-pg 54329)";

std::string Describe(const Status& s) {
  if (s.ok()) return "OK";
  return std::string(CodeName(s.code())) + ": " + s.error().message + " [" + s.error().detail + "]";
}
template <typename T>
std::string Describe(const Result<T>& r) {
  return Describe(r.status());
}

#define ASSERT_OK(expr)                                   \
  do {                                                    \
    auto&& assert_ok_ = (expr);                           \
    ASSERT_TRUE(assert_ok_.ok()) << Describe(assert_ok_); \
  } while (false)
#define EXPECT_OK(expr)                                   \
  do {                                                    \
    auto&& expect_ok_ = (expr);                           \
    EXPECT_TRUE(expect_ok_.ok()) << Describe(expect_ok_); \
  } while (false)

std::string PgUrl() {
  const char* url = std::getenv("ALMANAC_TEST_PG_URL");
  return url != nullptr ? url : "";
}

std::string DialectName(const testing::TestParamInfo<Dialect>& info) {
  return info.param == Dialect::kSqlite ? "Sqlite" : "Postgres";
}

}  // namespace

// gtest prints parameters with this (found by ADL) in test names and failures.
void PrintTo(Dialect d, std::ostream* os) {
  *os << (d == Dialect::kSqlite ? "Sqlite" : "Postgres");
}

namespace {

class DatabaseTest : public testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    if (GetParam() == Dialect::kSqlite) {
      std::string tmpl = testing::TempDir() + "almanac_store_XXXXXX";
      ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
      dir_ = tmpl;
      // A directory that does not exist yet: Open creates it.
      location_ = dir_ + "/data/almanac.db";
      return;
    }
    std::string url = PgUrl();
    ASSERT_FALSE(url.empty()) << kNoPgServer;
    static std::atomic<int> counter{0};
    schema_ = "almanac_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    DatabaseOptions admin;
    admin.location = url;
    admin.pool_size = 1;
    Result<std::unique_ptr<Database>> db = Database::Open(admin);
    ASSERT_TRUE(db.ok()) << Describe(db) << "\n" << kNoPgServer;
    admin_ = std::move(db).value();
    ASSERT_OK(admin_->Write([this](Tx& tx) -> Status {
      ALMANAC_RETURN_IF_ERROR(tx.ExecScript("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE"));
      return tx.ExecScript("CREATE SCHEMA " + schema_);
    }));
    location_ = url + (url.find('?') == std::string::npos ? "?" : "&") +
                "options=-csearch_path%3D" + schema_;
  }

  void TearDown() override {
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
    if (admin_) {
      EXPECT_OK(admin_->Write([this](Tx& tx) -> Status {
        return tx.ExecScript("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      }));
    }
  }

  bool pg() const { return GetParam() == Dialect::kPostgres; }

  DatabaseOptions Options() const {
    DatabaseOptions o;
    o.location = location_;
    return o;
  }

  std::unique_ptr<Database> OpenDb(DatabaseOptions o) {
    o.location = location_;
    Result<std::unique_ptr<Database>> db = Database::Open(o);
    EXPECT_TRUE(db.ok()) << Describe(db);
    if (!db.ok()) return nullptr;
    EXPECT_EQ(db.value()->dialect(), GetParam());
    return std::move(db).value();
  }
  std::unique_ptr<Database> OpenDb() { return OpenDb(Options()); }

  // Runs `script` in one write transaction.
  void Schema(Database& db, const std::string& script) {
    ASSERT_OK(db.Write([&](Tx& tx) { return tx.ExecScript(script); }));
  }

  std::int64_t Count(Database& db, const std::string& table) {
    std::int64_t n = -1;
    EXPECT_OK(db.Read([&](Tx& tx) -> Status {
      ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row,
                               tx.QueryOne("SELECT count(*) FROM " + table));
      n = row->Int(0);
      return OkStatus();
    }));
    return n;
  }

  const char* BlobType() const { return pg() ? "BYTEA" : "BLOB"; }
  const char* AutoId() const {
    return pg() ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY";
  }

  std::string dir_;
  std::string schema_;
  std::string location_;
  std::unique_ptr<Database> admin_;
};

INSTANTIATE_TEST_SUITE_P(Drivers, DatabaseTest,
                         testing::Values(Dialect::kSqlite, Dialect::kPostgres), DialectName);

// What only PostgreSQL has (exclusion constraints, a server connection).
class PostgresOnlyTest : public DatabaseTest {};
INSTANTIATE_TEST_SUITE_P(Drivers, PostgresOnlyTest, testing::Values(Dialect::kPostgres),
                         DialectName);

// --- parameters and rows ----------------------------------------------------------

TEST_P(DatabaseTest, ParametersOfEveryTypeRoundTrip) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db,
         "CREATE TABLE vals (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, t TEXT, b "s +
             BlobType() + ", flag INTEGER)");
  const std::string unicode = "h\xC3\xA9llo \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80";
  const std::string bytes("\0a\0\xff\x01\x00z"s);
  ASSERT_EQ(bytes.size(), 7u);
  const std::string insert =
      "INSERT INTO vals (id, i, d, t, b, flag) VALUES ($1, $2, $3, $4, $5, $6)";
  ASSERT_OK(db->Write([&](Tx& tx) -> Status {
    ALMANAC_RETURN_IF_ERROR(tx.Exec(
        insert, {1, std::numeric_limits<std::int64_t>::max(), 3.25, unicode, Blob{bytes}, true}));
    ALMANAC_RETURN_IF_ERROR(tx.Exec(insert, {2, std::numeric_limits<std::int64_t>::min(), -1e300,
                                             std::string_view(""), Blob{""}, false}));
    ALMANAC_RETURN_IF_ERROR(tx.Exec(insert, {3, std::nullopt, Null{}, std::optional<std::string>{},
                                             std::optional<std::int64_t>{}, std::nullopt}));
    return tx
        .Exec(insert, {4, std::optional<std::int64_t>(42), std::optional<double>(0.1),
                       std::optional<std::string>("x"), Blob{"\x80"}, 7})
        .status();
  }));
  ASSERT_OK(db->Read([&](Tx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Row> rows,
                             tx.Query("SELECT id, i, d, t, b, flag FROM vals ORDER BY id"));
    EXPECT_EQ(rows.size(), 4u);
    if (rows.size() != 4) return OkStatus();
    const Row& r1 = rows[0];
    EXPECT_EQ(r1.size(), 6);
    EXPECT_EQ(r1.Int(1), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(r1.Text(1), "9223372036854775807");
    EXPECT_EQ(r1.Double(2), 3.25);
    EXPECT_EQ(r1.Text(3), unicode);
    EXPECT_EQ(r1.TextCopy(3), unicode);
    EXPECT_EQ(r1.Blob(4), bytes);
    EXPECT_TRUE(r1.Bool(5));
    const Row& r2 = rows[1];
    EXPECT_EQ(r2.Int(1), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(r2.Double(2), -1e300);
    EXPECT_FALSE(r2.IsNull(3));
    EXPECT_EQ(r2.Text(3), "");
    EXPECT_FALSE(r2.IsNull(4)) << "an empty blob is not NULL";
    EXPECT_EQ(r2.Blob(4), "");
    EXPECT_FALSE(r2.Bool(5));
    const Row& r3 = rows[2];
    for (int c = 1; c <= 5; ++c) EXPECT_TRUE(r3.IsNull(c)) << "column " << c;
    EXPECT_EQ(r3.OptInt(1), std::nullopt);
    EXPECT_EQ(r3.OptDouble(2), std::nullopt);
    EXPECT_EQ(r3.OptText(3), std::nullopt);
    EXPECT_EQ(r3.OptTextCopy(4), std::nullopt);
    EXPECT_EQ(r3.Int(1), 0);
    EXPECT_EQ(r3.Text(3), "");
    const Row& r4 = rows[3];
    EXPECT_EQ(r4.OptInt(1), 42);
    EXPECT_EQ(r4.OptDouble(2), 0.1);
    EXPECT_EQ(r4.OptText(3), "x");
    EXPECT_EQ(r4.Blob(4), "\x80");
    EXPECT_EQ(r4.Int(5), 7);
    // Copies keep their bytes.
    Row copy = r1;
    EXPECT_EQ(copy.Blob(4), bytes);
    EXPECT_EQ(copy.Text(1), "9223372036854775807");
    return OkStatus();
  }));
}

TEST_P(DatabaseTest, ParametersCanRepeatAndBeComputed) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  ASSERT_OK(db->Read([&](Tx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(
        std::optional<Row> row,
        tx.QueryOne("SELECT CAST($1 AS BIGINT) * 2, CAST($1 AS BIGINT) + CAST($2 AS BIGINT), "
                    "CAST($3 AS TEXT) || 'b', count(*) FROM (SELECT 1 AS x) AS s",
                    {21, 1, "a"}));
    EXPECT_TRUE(row.has_value());
    EXPECT_EQ(row->Int(0), 42);
    EXPECT_EQ(row->Int(1), 22);
    EXPECT_EQ(row->Text(2), "ab");
    EXPECT_EQ(row->Int(3), 1);
    return OkStatus();
  }));
}

TEST_P(DatabaseTest, ParameterCountMismatchIsInternal) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Status s = db->Read([&](Tx& tx) {
    return tx.Query("SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT)", {1}).status();
  });
  EXPECT_EQ(s.code(), Code::kInternal) << Describe(s);
}

TEST_P(DatabaseTest, TextWithNulIsRefused) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db, "CREATE TABLE t (s TEXT)");
  const std::string with_nul("a\0b", 3);
  Status s = db->Write(
      [&](Tx& tx) { return tx.Exec("INSERT INTO t (s) VALUES ($1)", {with_nul}).status(); });
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << Describe(s);
  EXPECT_EQ(Count(*db, "t"), 0);
}

TEST_P(DatabaseTest, ExecCountsChangedRowsOnly) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  ASSERT_OK(db->Write([&](Tx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::int64_t n, tx.Exec("CREATE TABLE t (id BIGINT, v BIGINT)"));
    EXPECT_EQ(n, 0);
    ALMANAC_ASSIGN_OR_RETURN(n, tx.Exec("INSERT INTO t (id, v) VALUES (1, 0), (2, 0), (3, 0)"));
    EXPECT_EQ(n, 3);
    ALMANAC_ASSIGN_OR_RETURN(n, tx.Exec("UPDATE t SET v = v + 1 WHERE id >= $1", {2}));
    EXPECT_EQ(n, 2);
    ALMANAC_ASSIGN_OR_RETURN(n, tx.Exec("SELECT * FROM t"));
    EXPECT_EQ(n, 0) << "rows selected are not rows changed";
    ALMANAC_ASSIGN_OR_RETURN(n, tx.Exec("DELETE FROM t WHERE id = $1", {99}));
    EXPECT_EQ(n, 0);
    ALMANAC_ASSIGN_OR_RETURN(n, tx.Exec("DELETE FROM t"));
    EXPECT_EQ(n, 3);
    return OkStatus();
  }));
}

TEST_P(DatabaseTest, InsertReturningIdAndQueryOne) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db, "CREATE TABLE items (id "s + AutoId() + ", name TEXT NOT NULL UNIQUE)");
  ASSERT_OK(db->Write([&](Tx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(
        std::int64_t a,
        tx.InsertReturningId("INSERT INTO items (name) VALUES ($1) RETURNING id", {"a"}));
    ALMANAC_ASSIGN_OR_RETURN(
        std::int64_t b,
        tx.InsertReturningId("INSERT INTO items (name) VALUES ($1) RETURNING id", {"b"}));
    EXPECT_GT(a, 0);
    EXPECT_EQ(b, a + 1);
    Result<std::int64_t> skipped = tx.InsertReturningId(
        "INSERT INTO items (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id", {"a"});
    EXPECT_EQ(skipped.status().code(), Code::kAlreadyExists) << Describe(skipped);
    ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> none,
                             tx.QueryOne("SELECT id FROM items WHERE name = $1", {"zzz"}));
    EXPECT_FALSE(none.has_value());
    ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> first,
                             tx.QueryOne("SELECT name FROM items ORDER BY id"));
    EXPECT_TRUE(first.has_value());
    EXPECT_EQ(first->Text(0), "a");
    return OkStatus();
  }));
}

// --- transactions ---------------------------------------------------------------

TEST_P(DatabaseTest, FailedFunctionRollsBack) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db, "CREATE TABLE t (id BIGINT PRIMARY KEY)");
  Status s = db->Write([&](Tx& tx) -> Status {
    ALMANAC_RETURN_IF_ERROR(tx.Exec("INSERT INTO t (id) VALUES (1)"));
    return MakeError(Code::kNotFound, "calendar not found");
  });
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.error().message, "calendar not found");
  EXPECT_EQ(Count(*db, "t"), 0);
}

TEST_P(DatabaseTest, StatementErrorPoisonsTransaction) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db, "CREATE TABLE t (id BIGINT PRIMARY KEY); INSERT INTO t (id) VALUES (1)");
  int calls = 0;
  Status s = db->Write([&](Tx& tx) -> Status {
    ++calls;
    EXPECT_OK(tx.Exec("INSERT INTO t (id) VALUES (2)"));
    Result<std::int64_t> dup = tx.Exec("INSERT INTO t (id) VALUES (1)");
    EXPECT_EQ(dup.status().code(), Code::kAlreadyExists);
    Result<std::int64_t> after = tx.Exec("INSERT INTO t (id) VALUES (3)");
    EXPECT_EQ(after.status().code(), Code::kAlreadyExists) << "later statements repeat the error";
    return OkStatus();  // ignoring the error does not commit half a transaction
  });
  EXPECT_EQ(s.code(), Code::kAlreadyExists) << Describe(s);
  EXPECT_EQ(calls, 1) << "a constraint violation is not retried";
  EXPECT_EQ(Count(*db, "t"), 1);
}

TEST_P(DatabaseTest, BadSqlIsInternalAndKeepsSqlOutOfTheMessage) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Status s =
      db->Read([&](Tx& tx) { return tx.Query("SELECT secret_column FROM nowhere").status(); });
  ASSERT_EQ(s.code(), Code::kInternal) << Describe(s);
  EXPECT_EQ(s.error().message.find("nowhere"), std::string::npos);
  EXPECT_NE(s.error().detail.find("SELECT secret_column FROM nowhere"), std::string::npos);
}

TEST_P(DatabaseTest, WriteInsideReadIsRefused) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db, "CREATE TABLE t (id BIGINT)");
  Status s = db->Read([&](Tx& tx) { return tx.Exec("INSERT INTO t (id) VALUES (1)").status(); });
  EXPECT_EQ(s.code(), Code::kInternal) << Describe(s);
  EXPECT_EQ(Count(*db, "t"), 0);
}

TEST_P(DatabaseTest, NestedTransactionIsRefused) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Status inner;
  Status outer = db->Write([&](Tx&) {
    inner = db->Read([](Tx&) { return OkStatus(); });
    return OkStatus();
  });
  EXPECT_OK(outer);
  EXPECT_EQ(inner.code(), Code::kInternal) << Describe(inner);
}

// --- constraint errors ----------------------------------------------------------

TEST_P(DatabaseTest, UniqueViolationsNameTheConstraint) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db,
         "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL, org BIGINT, code TEXT,"
         " UNIQUE (org, code));"
         "CREATE UNIQUE INDEX users_email_unique ON users (email);"
         "INSERT INTO users (id, email, org, code) VALUES (1, 'a@x', 1, 'A')");
  auto insert = [&](int id, const char* email, int org, const char* code) {
    return db->Write([&](Tx& tx) {
      return tx
          .Exec("INSERT INTO users (id, email, org, code) VALUES ($1, $2, $3, $4)",
                {id, email, org, code})
          .status();
    });
  };
  Status s = insert(2, "a@x", 1, "B");
  ASSERT_EQ(s.code(), Code::kAlreadyExists) << Describe(s);
  EXPECT_EQ(ViolatedConstraint(s.error()), "users_email_unique") << s.error().message;
  EXPECT_EQ(s.error().message.find("a@x"), std::string::npos) << "no values in the message";
  s = insert(1, "b@x", 1, "B");
  ASSERT_EQ(s.code(), Code::kAlreadyExists) << Describe(s);
  EXPECT_EQ(ViolatedConstraint(s.error()), "users_pkey");
  s = insert(3, "c@x", 1, "A");
  ASSERT_EQ(s.code(), Code::kAlreadyExists) << Describe(s);
  EXPECT_EQ(ViolatedConstraint(s.error()), "users_org_code_key");
  EXPECT_OK(insert(4, "d@x", 2, "A"));
}

TEST_P(DatabaseTest, ForeignKeyViolationIsFailedPrecondition) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db,
         "CREATE TABLE parent (id BIGINT PRIMARY KEY);"
         "CREATE TABLE child (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES parent "
         "(id));"
         "INSERT INTO parent (id) VALUES (1);"
         "INSERT INTO child (id, parent_id) VALUES (1, 1)");
  Status s = db->Write(
      [&](Tx& tx) { return tx.Exec("INSERT INTO child (id, parent_id) VALUES (2, 99)").status(); });
  ASSERT_EQ(s.code(), Code::kFailedPrecondition) << Describe(s);
  // SQLite does not say which foreign key failed.
  EXPECT_EQ(ViolatedConstraint(s.error()), pg() ? "child_parent_id_fkey" : "");
  s = db->Write([&](Tx& tx) { return tx.Exec("DELETE FROM parent WHERE id = 1").status(); });
  EXPECT_EQ(s.code(), Code::kFailedPrecondition) << Describe(s);
  EXPECT_EQ(Count(*db, "parent"), 1);
}

TEST_P(DatabaseTest, CheckAndNotNullViolationsAreInvalidArgument) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db,
         "CREATE TABLE payments (id BIGINT PRIMARY KEY, amount BIGINT NOT NULL,"
         " CONSTRAINT amount_positive CHECK (amount > 0))");
  Status s = db->Write([&](Tx& tx) {
    return tx.Exec("INSERT INTO payments (id, amount) VALUES (1, $1)", {-5}).status();
  });
  ASSERT_EQ(s.code(), Code::kInvalidArgument) << Describe(s);
  EXPECT_EQ(ViolatedConstraint(s.error()), "amount_positive");
  s = db->Write([&](Tx& tx) {
    return tx.Exec("INSERT INTO payments (id, amount) VALUES (1, $1)", {std::nullopt}).status();
  });
  ASSERT_EQ(s.code(), Code::kInvalidArgument) << Describe(s);
  EXPECT_EQ(ViolatedConstraint(s.error()), "payments.amount");
}

TEST_P(PostgresOnlyTest, ExclusionViolationIsConflict) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db,
         "CREATE TABLE bookings (id BIGINT PRIMARY KEY, during int8range NOT NULL,"
         " CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&))");
  const char* insert = "INSERT INTO bookings (id, during) VALUES ($1, int8range($2, $3))";
  ASSERT_OK(db->Write([&](Tx& tx) { return tx.Exec(insert, {1, 100, 200}).status(); }));
  Status s = db->Write([&](Tx& tx) { return tx.Exec(insert, {2, 150, 250}).status(); });
  ASSERT_EQ(s.code(), Code::kConflict) << Describe(s);
  EXPECT_EQ(ViolatedConstraint(s.error()), "bookings_no_overlap");
  EXPECT_OK(db->Write([&](Tx& tx) { return tx.Exec(insert, {3, 200, 300}).status(); }));
}

// --- concurrency ------------------------------------------------------------------

// Two handles (like two server processes) with two threads each hammer one
// row; writers queue (mutex, busy_timeout, or row locks) and none fails.
TEST_P(DatabaseTest, ConcurrentWritersAllSucceed) {
  auto a = OpenDb();
  auto b = OpenDb();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Schema(*a,
         "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
         "INSERT INTO counter (id, n) VALUES (1, 0);"
         "CREATE TABLE log (writer BIGINT NOT NULL, seq BIGINT NOT NULL)");
  constexpr int kPerThread = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Database* db = t % 2 == 0 ? a.get() : b.get();
    threads.emplace_back([db, t, &failures] {
      for (int i = 0; i < kPerThread; ++i) {
        Status s = db->Write([&](Tx& tx) -> Status {
          ALMANAC_RETURN_IF_ERROR(tx.Exec("UPDATE counter SET n = n + 1 WHERE id = 1"));
          return tx.Exec("INSERT INTO log (writer, seq) VALUES ($1, $2)", {t, i}).status();
        });
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << Describe(s);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK(a->Read([&](Tx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row, tx.QueryOne("SELECT n FROM counter"));
    EXPECT_EQ(row->Int(0), 4 * kPerThread);
    return OkStatus();
  }));
  EXPECT_EQ(Count(*b, "log"), 4 * kPerThread);
}

// A read-modify-write in SERIALIZABLE must not lose updates: conflicting
// transactions fail (SQLite busy with busy_timeout 0; PostgreSQL 40001) and
// Write re-runs them.
TEST_P(DatabaseTest, ConflictingWritesAreRetriedNotLost) {
  DatabaseOptions o = Options();
  o.busy_timeout = std::chrono::milliseconds(0);
  o.max_attempts = 200;
  auto a = OpenDb(o);
  auto b = OpenDb(o);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Schema(*a,
         "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
         "INSERT INTO counter (id, n) VALUES (1, 0)");
  constexpr int kPerThread = 60;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Database* db = t % 2 == 0 ? a.get() : b.get();
    threads.emplace_back([db] {
      for (int i = 0; i < kPerThread; ++i) {
        Status s = db->Write(
            [&](Tx& tx) -> Status {
              ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row,
                                       tx.QueryOne("SELECT n FROM counter WHERE id = 1"));
              std::int64_t n = row->Int(0);
              return tx.Exec("UPDATE counter SET n = $1 WHERE id = 1", {n + 1}).status();
            },
            WriteOptions{.serializable = true});
        EXPECT_TRUE(s.ok()) << Describe(s);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_OK(a->Read([&](Tx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row, tx.QueryOne("SELECT n FROM counter"));
    EXPECT_EQ(row->Int(0), 4 * kPerThread);
    return OkStatus();
  }));
  std::int64_t retries = a->stats().retries + b->stats().retries;
  EXPECT_GT(retries, 0) << "the test should have provoked conflicts";
}

TEST_P(DatabaseTest, ReadersSeeASnapshotAndAreNotBlockedByAWriter) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db, "CREATE TABLE t (id BIGINT PRIMARY KEY); INSERT INTO t (id) VALUES (1)");
  std::promise<void> inserted;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread writer([&] {
    EXPECT_OK(db->Write([&](Tx& tx) -> Status {
      ALMANAC_RETURN_IF_ERROR(tx.Exec("INSERT INTO t (id) VALUES (2)"));
      inserted.set_value();
      // Hold the write transaction open while the readers run.
      EXPECT_EQ(released.wait_for(std::chrono::seconds(30)), std::future_status::ready);
      return OkStatus();
    }));
  });
  inserted.get_future().wait();
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        EXPECT_OK(db->Read([&](Tx& tx) -> Status {
          ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row, tx.QueryOne("SELECT count(*) FROM t"));
          EXPECT_EQ(row->Int(0), 1) << "uncommitted rows are invisible";
          return OkStatus();
        }));
        ++reads;
      }
    });
  }
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(reads.load(), 100);
  release.set_value();
  writer.join();
  EXPECT_EQ(Count(*db, "t"), 2);
}

// --- streaming and statement cache ------------------------------------------------

TEST_P(DatabaseTest, ForEachStreams100kRows) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db,
         "CREATE TABLE big (id BIGINT PRIMARY KEY, label TEXT NOT NULL);"
         "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000)"
         " INSERT INTO big (id, label) SELECT i, 'row ' || i FROM s");
  ASSERT_OK(db->Read([&](Tx& tx) -> Status {
    std::int64_t count = 0;
    std::int64_t sum = 0;
    std::int64_t expected_id = 1;
    bool in_order = true;
    ALMANAC_RETURN_IF_ERROR(tx.ForEach("SELECT id, label FROM big WHERE id >= $1 ORDER BY id", {1},
                                       [&](const RowView& row) -> Status {
                                         std::int64_t id = row.Int(0);
                                         in_order = in_order && id == expected_id++;
                                         if (row.Text(1) != "row " + std::to_string(id)) {
                                           return MakeError(Code::kInternal, "bad label");
                                         }
                                         ++count;
                                         sum += id;
                                         return OkStatus();
                                       }));
    EXPECT_EQ(count, 100000);
    EXPECT_EQ(sum, 100000LL * 100001 / 2);
    EXPECT_TRUE(in_order);

    // A bool callback stops early; the transaction goes on.
    int seen = 0;
    ALMANAC_RETURN_IF_ERROR(tx.ForEach("SELECT id FROM big ORDER BY id", {},
                                       [&](const RowView&) { return ++seen < 10; }));
    EXPECT_EQ(seen, 10);

    // A callback's error is returned and does not poison the transaction.
    Status stopped = tx.ForEach("SELECT id FROM big", {}, [](const RowView&) -> Status {
      return MakeError(Code::kOutOfRange, "enough");
    });
    EXPECT_EQ(stopped.code(), Code::kOutOfRange);
    ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row, tx.QueryOne("SELECT count(*) FROM big"));
    EXPECT_EQ(row->Int(0), 100000);

    // Statements from inside the callback are refused on both drivers.
    Status nested = tx.ForEach("SELECT id FROM big WHERE id <= 2", {},
                               [&](const RowView&) { return tx.Exec("SELECT 1").status(); });
    EXPECT_EQ(nested.code(), Code::kInternal) << Describe(nested);
    return OkStatus();
  }));
}

TEST_P(DatabaseTest, PreparedStatementsAreCachedPerConnection) {
  DatabaseOptions o = Options();
  o.pool_size = 1;
  auto db = OpenDb(o);
  ASSERT_NE(db, nullptr);
  Schema(*db, "CREATE TABLE t (id BIGINT PRIMARY KEY); INSERT INTO t (id) VALUES (1), (2), (3)");
  const char* sql = "SELECT count(*) FROM t WHERE id > $1";
  DatabaseStats before = db->stats();
  for (int round = 0; round < 2; ++round) {
    ASSERT_OK(db->Read([&](Tx& tx) -> Status {
      for (int i = 0; i < 10; ++i) {
        ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row, tx.QueryOne(sql, {i % 3}));
        EXPECT_EQ(row->Int(0), 3 - i % 3);
      }
      return OkStatus();
    }));
  }
  DatabaseStats after = db->stats();
  EXPECT_EQ(after.statements_prepared - before.statements_prepared, 1);
  EXPECT_EQ(after.statement_cache_hits - before.statement_cache_hits, 19);
}

TEST_P(PostgresOnlyTest, ReconnectsAfterTheConnectionIsTerminated) {
  DatabaseOptions o = Options();
  o.pool_size = 1;
  auto db = OpenDb(o);
  ASSERT_NE(db, nullptr);
  Schema(*db, "CREATE TABLE t (id BIGINT PRIMARY KEY)");
  auto backend_pid = [&]() -> std::int64_t {
    std::int64_t pid = 0;
    EXPECT_OK(db->Read([&](Tx& tx) -> Status {
      ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row, tx.QueryOne("SELECT pg_backend_pid()"));
      pid = row->Int(0);
      return OkStatus();
    }));
    return pid;
  };
  std::int64_t pid = backend_pid();
  ASSERT_GT(pid, 0);
  ASSERT_OK(admin_->Write([&](Tx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row,
                             tx.QueryOne("SELECT pg_terminate_backend($1)", {pid}));
    EXPECT_TRUE(row->Bool(0));
    return OkStatus();
  }));
  // The pooled connection is dead; the write retries on a new one.
  int calls = 0;
  EXPECT_OK(db->Write([&](Tx& tx) {
    ++calls;
    return tx.Exec("INSERT INTO t (id) VALUES (1)").status();
  }));
  EXPECT_EQ(Count(*db, "t"), 1);
  EXPECT_NE(backend_pid(), pid);
  DatabaseStats stats = db->stats();
  EXPECT_EQ(stats.connections_discarded, 1);
  EXPECT_GE(stats.retries, 1);
  EXPECT_GE(calls, 1);
}

// --- integrity, backup, durability -----------------------------------------------------

TEST_P(DatabaseTest, CheckIntegrityAndBackup) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Schema(*db, "CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one')");
  EXPECT_OK(db->CheckIntegrity());
  if (pg()) {
    EXPECT_EQ(db->Backup("/nonexistent/backup.db").code(), Code::kUnimplemented);
    return;
  }
  std::string copy = dir_ + "/backups/copy.db";
  ASSERT_OK(db->Backup(copy));
  EXPECT_FALSE(std::filesystem::exists(copy + ".tmp"));
  DatabaseOptions o;
  o.location = copy;
  Result<std::unique_ptr<Database>> restored = Database::Open(o);
  ASSERT_TRUE(restored.ok()) << Describe(restored);
  EXPECT_OK((*restored)->CheckIntegrity());
  EXPECT_EQ(Count(**restored, "t"), 1);
}

// A child process writes rows, reporting each acknowledged id, and is killed
// with SIGKILL mid-stream: every acknowledged row must be there afterwards.
TEST_P(DatabaseTest, AcknowledgedWritesSurviveKill9) {
  {
    auto db = OpenDb();
    ASSERT_NE(db, nullptr);
    Schema(*db, "CREATE TABLE acks (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)");
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    DatabaseOptions o = Options();
    o.pool_size = 1;
    Result<std::unique_ptr<Database>> db = Database::Open(o);
    if (!db.ok()) _exit(3);
    const std::string payload(200, 'x');
    for (std::int64_t id = 1;; ++id) {
      Status s = (*db)->Write([&](Tx& tx) {
        return tx.Exec("INSERT INTO acks (id, payload) VALUES ($1, $2)", {id, payload}).status();
      });
      if (!s.ok()) _exit(4);
      std::string line = std::to_string(id) + "\n";
      if (write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
    }
  }
  close(fds[1]);
  std::string received;
  std::int64_t acknowledged = 0;
  char buf[4096];
  while (acknowledged < 300) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    received.append(buf, static_cast<std::size_t>(n));
    acknowledged = std::count(received.begin(), received.end(), '\n');
  }
  kill(child, SIGKILL);
  int wstatus = 0;
  waitpid(child, &wstatus, 0);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "the writer exited by itself, status " << wstatus;
  // Acknowledgements written before the kill are still in the pipe.
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    received.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  std::set<std::int64_t> acked;
  std::size_t start = 0;
  for (std::size_t nl; (nl = received.find('\n', start)) != std::string::npos; start = nl + 1) {
    acked.insert(std::stoll(received.substr(start, nl - start)));
  }
  ASSERT_GE(acked.size(), 300u);

  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  EXPECT_OK(db->CheckIntegrity());
  std::set<std::int64_t> stored;
  ASSERT_OK(db->Read([&](Tx& tx) {
    return tx.ForEach("SELECT id FROM acks", {}, [&](const RowView& row) {
      stored.insert(row.Int(0));
      return true;
    });
  }));
  for (std::int64_t id : acked) {
    if (stored.count(id) == 0) {
      ADD_FAILURE() << "acknowledged row " << id << " is missing";
      break;
    }
  }
  // At most the one write in flight at the kill is there unacknowledged.
  EXPECT_LE(stored.size(), acked.size() + 1);
}

// --- migrations -------------------------------------------------------------------

std::vector<Migration> SampleMigrations() {
  return {
      {1, "calendars", "CREATE TABLE calendars (id BIGINT PRIMARY KEY, name TEXT NOT NULL)", ""},
      {2, "events and a default calendar",
       "CREATE TABLE events (id BIGINT PRIMARY KEY,"
       " calendar_id BIGINT NOT NULL REFERENCES calendars (id));\n"
       "-- several statements in one migration\n"
       "INSERT INTO calendars (id, name) VALUES (1, 'default');",
       ""},
      {5, "dialect-specific", "CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)",
       "CREATE TABLE blobs (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, data BYTEA)"},
  };
}

TEST_P(DatabaseTest, MigrationsApplyInOrderOnce) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  Result<int> version = CurrentSchemaVersion(*db);
  ASSERT_OK(version);
  EXPECT_EQ(*version, 0);

  std::vector<Migration> migrations = SampleMigrations();
  Result<int> applied = Migrate(*db, migrations);
  ASSERT_OK(applied);
  EXPECT_EQ(*applied, 3);
  version = CurrentSchemaVersion(*db);
  ASSERT_OK(version);
  EXPECT_EQ(*version, 5);
  ASSERT_OK(db->Read([&](Tx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        tx.Query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version"));
    EXPECT_EQ(rows.size(), 3u);
    for (std::size_t i = 0; i < rows.size() && i < migrations.size(); ++i) {
      EXPECT_EQ(rows[i].Int(0), migrations[i].version);
      EXPECT_EQ(rows[i].Text(1), migrations[i].name);
      EXPECT_GT(rows[i].Int(2), 1700000000);  // seconds since the epoch, after 2023
    }
    ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> cal, tx.QueryOne("SELECT name FROM calendars"));
    EXPECT_EQ(cal->Text(0), "default");
    return OkStatus();
  }));

  applied = Migrate(*db, migrations);
  ASSERT_OK(applied);
  EXPECT_EQ(*applied, 0) << "idempotent";

  migrations.push_back({7, "later", "ALTER TABLE calendars ADD COLUMN colour TEXT", ""});
  applied = Migrate(*db, migrations);
  ASSERT_OK(applied);
  EXPECT_EQ(*applied, 1);
  EXPECT_EQ(*CurrentSchemaVersion(*db), 7);
}

TEST_P(DatabaseTest, FailingMigrationRollsBackAloneAndNamesItself) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  std::vector<Migration> migrations = {
      {1, "ok", "CREATE TABLE a (id BIGINT)", ""},
      {2, "broken", "CREATE TABLE b (id BIGINT); SELECT * FROM no_such_table", ""},
      {3, "never", "CREATE TABLE c (id BIGINT)", ""},
  };
  Result<int> applied = Migrate(*db, migrations);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, Code::kInternal);
  EXPECT_NE(applied.error().message.find("migration 2 (broken)"), std::string::npos)
      << applied.error().message;
  EXPECT_EQ(*CurrentSchemaVersion(*db), 1);
  Status b_exists = db->Read([](Tx& tx) { return tx.Query("SELECT * FROM b").status(); });
  EXPECT_EQ(b_exists.code(), Code::kInternal) << "table b must have been rolled back";
}

TEST_P(DatabaseTest, NewerSchemaIsRefused) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  std::vector<Migration> migrations = SampleMigrations();
  ASSERT_OK(Migrate(*db, migrations));
  migrations.pop_back();
  Result<int> applied = Migrate(*db, migrations);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, Code::kFailedPrecondition) << applied.error().message;
  EXPECT_EQ(*CurrentSchemaVersion(*db), 5);
}

TEST_P(DatabaseTest, MigrationListMustBeOrdered) {
  auto db = OpenDb();
  ASSERT_NE(db, nullptr);
  std::vector<Migration> unordered = {{2, "b", "SELECT 1", ""}, {1, "a", "SELECT 1", ""}};
  EXPECT_EQ(Migrate(*db, unordered).error().code, Code::kInvalidArgument);
  std::vector<Migration> duplicate = {{1, "a", "SELECT 1", ""}, {1, "b", "SELECT 1", ""}};
  EXPECT_EQ(Migrate(*db, duplicate).error().code, Code::kInvalidArgument);
  std::vector<Migration> zero = {{0, "a", "SELECT 1", ""}};
  EXPECT_EQ(Migrate(*db, zero).error().code, Code::kInvalidArgument);
  EXPECT_EQ(*CurrentSchemaVersion(*db), 0);
}

// Server processes starting together: each version is applied once (the
// migrations below would fail if run twice).
TEST_P(DatabaseTest, ConcurrentMigrationsApplyEachVersionOnce) {
  std::vector<Migration> migrations;
  for (int v = 1; v <= 6; ++v) {
    migrations.push_back({v, "table " + std::to_string(v),
                          "CREATE TABLE m" + std::to_string(v) + " (id BIGINT PRIMARY KEY)", ""});
  }
  std::vector<std::unique_ptr<Database>> dbs;
  for (int i = 0; i < 4; ++i) {
    dbs.push_back(OpenDb());
    ASSERT_NE(dbs.back(), nullptr);
  }
  std::atomic<int> total{0};
  std::vector<std::thread> threads;
  for (auto& db : dbs) {
    threads.emplace_back([&migrations, &total, d = db.get()] {
      Result<int> applied = Migrate(*d, migrations);
      EXPECT_TRUE(applied.ok()) << Describe(applied);
      if (applied.ok()) total += *applied;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(total.load(), 6);
  EXPECT_EQ(Count(*dbs[0], "schema_migrations"), 6);
}

// --- opening ------------------------------------------------------------------------

TEST(DatabaseOpenTest, SqliteFileThatCannotBeCreatedIsUnavailable) {
  std::string tmpl = testing::TempDir() + "almanac_store_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  std::ofstream(tmpl + "/file") << "not a directory";
  DatabaseOptions o;
  o.location = tmpl + "/file/sub/almanac.db";
  Result<std::unique_ptr<Database>> db = Database::Open(o);
  EXPECT_EQ(db.ok() ? Code::kOk : db.error().code, Code::kUnavailable);
  std::filesystem::remove_all(tmpl);
}

TEST(DatabaseOpenTest, UnreachablePostgresIsUnavailable) {
  DatabaseOptions o;
  o.location = "postgresql://almanac@127.0.0.1:1/nothing?connect_timeout=2";
  Result<std::unique_ptr<Database>> db = Database::Open(o);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Code::kUnavailable);
  EXPECT_EQ(db.error().message.find("127.0.0.1"), std::string::npos);
}

TEST(DatabaseOpenTest, EmptyLocationIsInvalid) {
  Result<std::unique_ptr<Database>> db = Database::Open(DatabaseOptions{});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, Code::kInvalidArgument);
}

}  // namespace
}  // namespace almanac::store
