// What a database driver implements for Database and Tx (database.cpp): a
// pool of connections and, per connection, transactions and statements.
// Store-private. Thread safety: a Backend is thread-safe; a Connection is
// used by one thread at a time (the one holding its Lease).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/database.h"

namespace almanac::store::internal {

// Why a statement failed, as far as retrying is concerned.
enum class Transient {
  kNo,
  kBusy,           // SQLite busy/locked: retry
  kSerialization,  // PostgreSQL 40001 / 40P01: retry
  kDisconnected,   // the connection is gone: discard it, retry elsewhere
  kStalePlan,      // PostgreSQL "cached plan must not change result type": retry
};

struct Counters {
  std::atomic<std::int64_t> statements_prepared{0};
  std::atomic<std::int64_t> statement_cache_hits{0};
  std::atomic<std::int64_t> retries{0};
  std::atomic<std::int64_t> connections_opened{0};
  std::atomic<std::int64_t> connections_discarded{0};
};

// The state of one Read/Write attempt, shared by the Tx and Database::Run.
struct TxState {
  Status poison;                         // the first statement error
  Transient transient = Transient::kNo;  // the first transient cause seen
  bool in_foreach = false;
  // ReadStatement: no transaction around fn, so at most one statement (a
  // SELECT) may run; a second would see another snapshot.
  bool single_statement = false;
  int statements = 0;
};

enum class TxMode { kRead, kWrite, kWriteSerializable };

// How Execute consumes rows.
enum class Fetch {
  kAll,     // every row (buffered by PostgreSQL)
  kFirst,   // stop after the first row
  kStream,  // every row, bounded memory (PostgreSQL single-row mode)
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Status Begin(TxMode mode) = 0;
  virtual Status Commit() = 0;
  // Best effort; afterwards the connection is idle or broken().
  virtual void Rollback() = 0;

  // Runs one statement, calling `on_row` for each row (when non-null) until
  // it returns an error or sets `more` to false. Returns rows changed.
  using OnRow = std::function<Status(const RowView&, bool& more)>;
  virtual Result<std::int64_t> Execute(std::string_view sql, Params params, Fetch fetch,
                                       const OnRow* on_row) = 0;
  virtual Status ExecScript(std::string_view sql) = 0;

  // Why the last failed call failed.
  Transient last_transient() const { return last_transient_; }
  // True when the connection must not be reused.
  virtual bool broken() const { return false; }
  // Drops cached statements if there are more than `limit`. Called between
  // transactions.
  virtual void TrimCache(std::size_t limit) = 0;

 protected:
  Transient last_transient_ = Transient::kNo;
};

class Backend;

// A connection borrowed from a Backend; returns it on destruction.
class Lease {
 public:
  Lease(Backend* backend, Connection* conn) : backend_(backend), conn_(conn) {}
  Lease(Lease&& o) noexcept : backend_(o.backend_), conn_(o.conn_) { o.conn_ = nullptr; }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  Connection* get() const { return conn_; }
  Connection* operator->() const { return conn_; }

 private:
  Backend* backend_;
  Connection* conn_;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Errors: kUnavailable, with `*transient` set to kDisconnected when a new
  // connection could not be opened (worth retrying), kNo on a timeout.
  virtual Result<Lease> Acquire(bool write, Transient* transient) = 0;
  virtual void Release(Connection* conn) = 0;
  virtual Status CheckIntegrity() = 0;
  virtual Status Backup(const std::string& path) = 0;
  Counters& counters() { return counters_; }

 protected:
  Counters counters_;
};

inline Lease::~Lease() {
  if (conn_ != nullptr) backend_->Release(conn_);
}

// Driver factories (sqlite_backend.cpp, postgres_backend.cpp).
Result<std::unique_ptr<Backend>> OpenSqlite(const DatabaseOptions& options);
Result<std::unique_ptr<Backend>> OpenPostgres(const DatabaseOptions& options);

// Helpers shared by the drivers (database.cpp).
int EffectivePoolSize(const DatabaseOptions& options);
// The message of a constraint error, in the format ViolatedConstraint parses.
std::string ConstraintMessage(std::string_view kind, std::string_view name);
// Sleeps a jittered, doubling back-off before attempt `attempt` (2, 3, ...).
void BackOff(int attempt);

}  // namespace almanac::store::internal
