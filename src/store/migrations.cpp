#include "store/migrations.h"

#include <cstdint>
#include <set>

namespace almanac::store {
namespace {

// The pg_advisory_xact_lock key that serialises migrations ("almanac!").
constexpr std::int64_t kMigrationLockKey = 0x616c6d616e616321;

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

// Serialises migrations across processes for the rest of the transaction.
// SQLite's BEGIN IMMEDIATE already holds the database's only write lock.
Status LockMigrations(Tx& tx) {
  if (tx.dialect() == Dialect::kPostgres) {
    ALMANAC_RETURN_IF_ERROR(tx.Exec("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey}));
  }
  return tx.Exec(kCreateTable).status();
}

Status RefuseNewer(Tx& tx, int known) {
  ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row,
                           tx.QueryOne("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  std::int64_t newest = row ? row->Int(0) : 0;
  if (newest > known) {
    return MakeError(Code::kFailedPrecondition,
                     "the database schema (version " + std::to_string(newest) +
                         ") is newer than this program knows (version " + std::to_string(known) +
                         "); upgrade the program");
  }
  return OkStatus();
}

}  // namespace

Result<int> Migrate(Database& db, std::span<const Migration> migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return MakeError(Code::kInvalidArgument,
                       "migration versions must be positive and strictly increasing",
                       "migration " + std::to_string(m.version) + " (" + m.name + ") after " +
                           std::to_string(previous));
    }
    previous = m.version;
  }
  const int known = previous;

  std::set<std::int64_t> applied;
  ALMANAC_RETURN_IF_ERROR(db.Write([&](Tx& tx) -> Status {
    applied.clear();
    ALMANAC_RETURN_IF_ERROR(LockMigrations(tx));
    ALMANAC_RETURN_IF_ERROR(RefuseNewer(tx, known));
    return tx.ForEach("SELECT version FROM schema_migrations", {},
                      [&applied](const RowView& row) -> Status {
                        applied.insert(row.Int(0));
                        return OkStatus();
                      });
  }));

  const char* now_sql = db.dialect() == Dialect::kPostgres
                            ? "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)"
                            : "CAST(strftime('%s', 'now') AS INTEGER)";
  const std::string record =
      std::string("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, ") +
      now_sql + ")";

  int count = 0;
  for (const Migration& m : migrations) {
    if (applied.count(m.version) != 0) continue;
    bool ran = false;
    Status s = db.Write([&](Tx& tx) -> Status {
      ran = false;
      ALMANAC_RETURN_IF_ERROR(LockMigrations(tx));
      // Another process may have got here first.
      ALMANAC_ASSIGN_OR_RETURN(
          std::optional<Row> done,
          tx.QueryOne("SELECT 1 FROM schema_migrations WHERE version = $1", {m.version}));
      if (done) return OkStatus();
      ALMANAC_RETURN_IF_ERROR(RefuseNewer(tx, known));
      const std::string& sql = db.dialect() == Dialect::kPostgres && !m.postgres_sql.empty()
                                   ? m.postgres_sql
                                   : m.sqlite_sql;
      ALMANAC_RETURN_IF_ERROR(tx.ExecScript(sql));
      ALMANAC_RETURN_IF_ERROR(tx.Exec(record, {m.version, m.name}));
      ran = true;
      return OkStatus();
    });
    if (!s.ok()) {
      Error e = s.error();
      e.message =
          "migration " + std::to_string(m.version) + " (" + m.name + ") failed: " + e.message;
      return e;
    }
    if (ran) ++count;
  }
  return count;
}

Result<int> CurrentSchemaVersion(Database& db) {
  std::int64_t version = 0;
  ALMANAC_RETURN_IF_ERROR(db.Read([&](Tx& tx) -> Status {
    version = 0;
    const char* exists = tx.dialect() == Dialect::kPostgres
                             ? "SELECT to_regclass('schema_migrations') IS NOT NULL"
                             : "SELECT count(*) FROM sqlite_master "
                               "WHERE type = 'table' AND name = 'schema_migrations'";
    ALMANAC_ASSIGN_OR_RETURN(std::optional<Row> row, tx.QueryOne(exists));
    if (!row || !row->Bool(0)) return OkStatus();
    ALMANAC_ASSIGN_OR_RETURN(row, tx.QueryOne("SELECT COALESCE(MAX(version), 0) FROM "
                                              "schema_migrations"));
    version = row ? row->Int(0) : 0;
    return OkStatus();
  }));
  return static_cast<int>(version);
}

}  // namespace almanac::store
