// The driver-neutral SQL access layer that repositories are written on: one
// API, two drivers (SQLite in WAL mode, PostgreSQL through libpq), so the same
// repository code and the same SQL text run on both.
//
// Portable SQL, as both drivers see it:
//   - Placeholders are PostgreSQL-style `$1, $2, ...` on both drivers; a
//     placeholder may repeat. Every parameter passed must be used and every
//     placeholder bound (a mismatch is kInternal).
//   - Integers are BIGINT (64-bit); booleans are stored as BIGINT/INTEGER 0/1
//     on both (so `WHERE done = 1` reads the same); times are int64 seconds or
//     microseconds since the Unix epoch, chosen by the repository. Text is
//     UTF-8 without NUL bytes (PostgreSQL cannot store NUL in text: both
//     drivers refuse it with kInvalidArgument); bytes go in BLOB/BYTEA.
//   - `INSERT ... RETURNING id`, `ON CONFLICT (...) DO NOTHING / DO UPDATE`
//     and `WITH [RECURSIVE]` work on both (SQLite 3.35+).
//   - Name constraints so both drivers report the same name in errors:
//     uniqueness as `CREATE UNIQUE INDEX <name>`, checks as
//     `CONSTRAINT <name> CHECK (...)`. Unnamed PRIMARY KEY and single-table
//     UNIQUE constraints get PostgreSQL's default names (`<table>_pkey`,
//     `<table>_<col>[_<col>]_key`) on SQLite too.
//   - Where the dialects must differ, branch on Tx::dialect().
//
// Transactions: all access goes through Database::Write / Database::Read,
// which run a function in one transaction and retry it on transient failures.
// After a statement fails, the transaction is poisoned: every later statement
// in it returns the same error and the transaction rolls back even if the
// function returns OK (PostgreSQL would silently roll back an aborted
// transaction at COMMIT; SQLite would commit half of it). To tolerate a
// conflict, express it in SQL (`ON CONFLICT DO NOTHING`), not by catching the
// error.
//
// Errors: a constraint violation maps to a specific code (see Write) with a
// client-safe message naming the constraint; SQL text and driver messages go
// to Error::detail only.
//
// Thread safety: Database is thread-safe; any number of threads may call
// Read/Write concurrently. A Tx and the rows it hands out belong to the thread
// running the transaction function and die with it.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/result.h"

namespace almanac::store {

namespace internal {
class Backend;
class Connection;
struct TxState;
}  // namespace internal

enum class Dialect { kSqlite, kPostgres };

// The SQL NULL, as a parameter.
struct Null {};

// Bytes (BLOB on SQLite, BYTEA on PostgreSQL) as a parameter. May hold NULs.
struct Blob {
  std::string_view bytes;
};

// One statement parameter. A non-owning view: text and blob parameters point
// at the caller's bytes, which must stay alive until the call that takes the
// parameter returns (temporaries in the call expression are fine).
class SqlParam {
 public:
  enum class Kind : std::uint8_t { kNull, kInt, kDouble, kText, kBlob };

  SqlParam(std::nullopt_t) {}  // NOLINT(implicit)
  SqlParam(Null) {}            // NOLINT(implicit)
  // Any integer type, bool included (stored as 0/1).
  // REQUIRES: the value fits in int64_t.
  template <std::integral I>
  SqlParam(I v) : kind_(Kind::kInt), int_(static_cast<std::int64_t>(v)) {}  // NOLINT(implicit)
  template <std::floating_point F>
  SqlParam(F v) : kind_(Kind::kDouble), double_(static_cast<double>(v)) {}  // NOLINT(implicit)
  SqlParam(std::string_view v) : kind_(Kind::kText), bytes_(v) {}           // NOLINT(implicit)
  SqlParam(const std::string& v) : kind_(Kind::kText), bytes_(v) {}         // NOLINT(implicit)
  // REQUIRES: v != nullptr.
  SqlParam(const char* v) : kind_(Kind::kText), bytes_(v) {}  // NOLINT(implicit)
  SqlParam(Blob v) : kind_(Kind::kBlob), bytes_(v.bytes) {}   // NOLINT(implicit)
  // An empty optional binds NULL.
  template <typename T>
  SqlParam(const std::optional<T>& v) : SqlParam(v ? SqlParam(*v) : SqlParam(Null{})) {}  // NOLINT

  Kind kind() const { return kind_; }
  std::int64_t int_value() const { return int_; }
  double double_value() const { return double_; }
  // Text or blob bytes.
  std::string_view bytes() const { return bytes_; }

 private:
  Kind kind_ = Kind::kNull;
  std::int64_t int_ = 0;
  double double_ = 0;
  std::string_view bytes_;
};

// The parameters of one statement: `{1, "x", Blob{b}, std::nullopt}`, or a
// span/vector of SqlParam. A view: the parameters must outlive the call.
class Params {
 public:
  Params() = default;
  Params(std::initializer_list<SqlParam> list) : span_(list.begin(), list.size()) {}  // NOLINT
  Params(std::span<const SqlParam> span) : span_(span) {}                             // NOLINT
  Params(const std::vector<SqlParam>& v) : span_(v) {}                                // NOLINT
  std::span<const SqlParam> span() const { return span_; }
  std::size_t size() const { return span_.size(); }
  const SqlParam& operator[](std::size_t i) const { return span_[i]; }

 private:
  std::span<const SqlParam> span_;
};

// One column value as the driver produced it. Internal to the accessors
// below; text and blob bytes are views whose lifetime is the row's.
struct Cell {
  enum class Kind : std::uint8_t { kNull, kInt, kDouble, kText, kBlob };
  Kind kind = Kind::kNull;
  std::int64_t int_value = 0;
  double double_value = 0;
  std::string_view bytes;
};

namespace detail {

// The accessors shared by RowView and Row. Conversions are lenient and the
// same on both drivers: NULL reads as 0 / "" (use IsNull or Opt* to tell);
// Int and Double convert between each other and parse decimal text; Text and
// Blob are interchangeable; Text of a number is its decimal form.
// REQUIRES for every accessor: 0 <= i < size().
template <typename Derived>
class RowAccess {
 public:
  int size() const { return self().ColumnCount(); }
  bool IsNull(int i) const { return self().CellAt(i).kind == Cell::Kind::kNull; }
  std::int64_t Int(int i) const;
  double Double(int i) const;
  bool Bool(int i) const { return Int(i) != 0; }
  // Valid as long as the row (RowView: until the cursor moves on).
  std::string_view Text(int i) const;
  std::string TextCopy(int i) const { return std::string(Text(i)); }
  // Valid as long as the row (RowView: until the cursor moves on).
  std::string_view Blob(int i) const { return Text(i); }
  std::optional<std::int64_t> OptInt(int i) const {
    return IsNull(i) ? std::nullopt : std::optional<std::int64_t>(Int(i));
  }
  std::optional<double> OptDouble(int i) const {
    return IsNull(i) ? std::nullopt : std::optional<double>(Double(i));
  }
  std::optional<std::string_view> OptText(int i) const {
    return IsNull(i) ? std::nullopt : std::optional<std::string_view>(Text(i));
  }
  std::optional<std::string> OptTextCopy(int i) const {
    return IsNull(i) ? std::nullopt : std::optional<std::string>(TextCopy(i));
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

// Out-of-line helpers for RowAccess (database.cpp).
std::int64_t CellToInt(const Cell& c);
double CellToDouble(const Cell& c);
// Formats a numeric cell into `scratch` and returns a view of it; returns the
// bytes of text/blob cells as they are.
std::string_view CellToText(const Cell& c, std::string& scratch);

template <typename D>
std::int64_t RowAccess<D>::Int(int i) const {
  return CellToInt(self().CellAt(i));
}
template <typename D>
double RowAccess<D>::Double(int i) const {
  return CellToDouble(self().CellAt(i));
}
template <typename D>
std::string_view RowAccess<D>::Text(int i) const {
  Cell c = self().CellAt(i);
  if (c.kind == Cell::Kind::kText || c.kind == Cell::Kind::kBlob) return c.bytes;
  if (c.kind == Cell::Kind::kNull) return {};
  return CellToText(c, self().ScratchFor(i));
}

// What a driver's cursor offers a RowView.
class RowSource {
 public:
  virtual int ColumnCount() const = 0;
  virtual Cell CellAt(int i) const = 0;
  virtual std::string& ScratchFor(int i) const = 0;

 protected:
  ~RowSource() = default;
};

}  // namespace detail

// The current row of a running statement, without copying. Valid only inside
// the ForEach callback it is passed to; its views die when the cursor moves.
class RowView : public detail::RowAccess<RowView> {
 public:
  explicit RowView(const detail::RowSource* source) : source_(source) {}
  int ColumnCount() const { return source_->ColumnCount(); }
  Cell CellAt(int i) const { return source_->CellAt(i); }
  std::string& ScratchFor(int i) const { return source_->ScratchFor(i); }

 private:
  const detail::RowSource* source_;
};

// An owned copy of a row. Views it returns live until the Row is destroyed,
// assigned or moved from.
class Row : public detail::RowAccess<Row> {
 public:
  Row() = default;
  explicit Row(const RowView& view);
  Row(const Row& other);
  Row(Row&&) noexcept = default;
  Row& operator=(const Row& other);
  Row& operator=(Row&&) noexcept = default;

  int ColumnCount() const { return static_cast<int>(cells_.size()); }
  Cell CellAt(int i) const;
  std::string& ScratchFor(int i) const;

 private:
  struct Stored {
    Cell::Kind kind;
    std::int64_t int_value;
    double double_value;
    std::size_t offset;
    std::size_t length;
  };
  std::vector<Stored> cells_;
  std::string bytes_;
  mutable std::unique_ptr<std::vector<std::string>> scratch_;
};

// A transaction in progress, handed to the function given to Database::Read or
// Database::Write. Every method blocks on the database. Errors of every
// statement method: the constraint codes listed at Database::Write;
// kInvalidArgument for text containing NUL or values the column cannot hold;
// kUnavailable for a transient failure (busy, serialization failure, lost
// connection: the enclosing Read/Write retries the whole function);
// kInternal for bad SQL, a parameter-count mismatch, a write inside Read, or a
// statement issued from inside a ForEach callback. Once one statement fails,
// every later one returns the same error (see the header comment).
class Tx {
 public:
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  Dialect dialect() const { return dialect_; }

  // Runs one statement; returns the number of rows it inserted, updated or
  // deleted (0 for other statements). Rows it returns are discarded.
  Result<std::int64_t> Exec(std::string_view sql, Params params = {});

  // Runs one statement and returns all its rows, copied.
  Result<std::vector<Row>> Query(std::string_view sql, Params params = {});

  // Returns the first row, or nullopt when there is none. Later rows are
  // not read.
  Result<std::optional<Row>> QueryOne(std::string_view sql, Params params = {});

  // Runs an `INSERT ... RETURNING id` (any one integer column) and returns
  // the value of the first row. Errors: as above, and kAlreadyExists when the
  // statement returned no row (e.g. `ON CONFLICT DO NOTHING` skipped it).
  Result<std::int64_t> InsertReturningId(std::string_view sql, Params params = {});

  // Streams the rows of one statement to `fn` without copying them; memory
  // stays bounded on both drivers (PostgreSQL: single-row mode). `fn`
  // returns Status (a non-OK status stops the stream and is returned) or
  // bool (false stops the stream; ForEach then returns OK). `fn` must not run
  // statements on this Tx (kInternal): collect what you need, query after.
  // Stopping early on PostgreSQL still reads and discards the rest.
  template <typename Fn>
  Status ForEach(std::string_view sql, Params params, Fn&& fn) {
    using R = std::invoke_result_t<Fn&, const RowView&>;
    if constexpr (std::is_same_v<R, bool>) {
      return ForEachRow(sql, params, [&fn](const RowView& row, bool& more) -> Status {
        more = fn(row);
        return OkStatus();
      });
    } else {
      static_assert(std::is_convertible_v<R, Status>, "ForEach callback returns Status or bool");
      return ForEachRow(sql, params,
                        [&fn](const RowView& row, bool&) -> Status { return fn(row); });
    }
  }

  using RowCallback = std::function<Status(const RowView&, bool& more)>;
  Status ForEachRow(std::string_view sql, Params params, const RowCallback& fn);

  // Runs several `;`-separated statements without parameters (schema
  // scripts, migrations). PostgreSQL: the simple query protocol.
  Status ExecScript(std::string_view sql);

 private:
  friend class Database;
  Tx(internal::Connection* conn, internal::TxState* state, Dialect dialect)
      : conn_(conn), state_(state), dialect_(dialect) {}
  Status Guard(std::string_view sql) const;
  Status Fail(Status s);

  internal::Connection* conn_;
  internal::TxState* state_;
  Dialect dialect_;
};

// SQLite's durability of a commit (PRAGMA synchronous in WAL mode).
enum class SqliteSync {
  // fsync the WAL at each commit: an acknowledged write survives power loss.
  kFull,
  // fsync only at checkpoints: survives a process crash (kill -9), the last
  // commits may be lost on power loss. Faster.
  kNormal,
};

struct DatabaseOptions {
  // A SQLite file path (its parent directory is created), or a
  // `postgresql://` / `postgres://` URL (libpq syntax, parameters allowed).
  std::string location;
  // SQLite: reader connections; PostgreSQL: connections. Grown lazily up to
  // this. 0 picks max(5, 5 per hardware thread), as many as the server has
  // request workers (4 per core for writes, 1 for reads).
  int pool_size = 0;
  // SQLite: how long a statement waits for another process's lock.
  std::chrono::milliseconds busy_timeout{5000};
  SqliteSync sqlite_sync = SqliteSync::kFull;
  // PostgreSQL: statement_timeout of each session; 0 = none. A timed-out
  // statement fails with kUnavailable (not retried).
  std::chrono::milliseconds statement_timeout{0};
  // How long Read/Write wait for a pooled connection (or SQLite's writer)
  // before failing with kUnavailable.
  std::chrono::milliseconds acquire_timeout{30000};
  // Attempts of one Read/Write on transient failures, back-off between them
  // jittered, doubling from 2 ms up to 200 ms.
  int max_attempts = 10;
  // Prepared statements kept per connection; when a transaction starts on a
  // connection holding more, its cache is emptied.
  std::size_t statement_cache_size = 512;
};

struct WriteOptions {
  // PostgreSQL: SERIALIZABLE instead of READ COMMITTED. SQLite transactions
  // are always serializable (one writer).
  bool serializable = false;
};

// Counters since Open, for tests and metrics.
struct DatabaseStats {
  std::int64_t statements_prepared = 0;
  std::int64_t statement_cache_hits = 0;
  std::int64_t retries = 0;
  std::int64_t connections_opened = 0;
  std::int64_t connections_discarded = 0;
};

class Database {
 public:
  // Opens the database; for SQLite creates the file (WAL, foreign_keys=ON),
  // for PostgreSQL opens one connection to check the URL.
  // Errors: kInvalidArgument for an empty location or bad option;
  // kUnavailable when the file cannot be created/opened or the server
  // cannot be reached (detail says why).
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const { return dialect_; }

  // Runs `fn` in one read-write transaction and commits it if `fn` returns
  // OK, otherwise rolls it back and returns fn's error. On a transient
  // failure (SQLite busy/locked, PostgreSQL serialization failure or
  // deadlock 40001/40P01, a lost connection before COMMIT) the whole of `fn`
  // runs again, up to max_attempts times: `fn` must be safe to re-run (no
  // side effects outside the transaction).
  // SQLite: one writer connection, BEGIN IMMEDIATE, so writers of this
  // process queue; concurrent writers are committed in groups (one fsync
  // for many, each under its own savepoint, see GroupWrite). PostgreSQL:
  // BEGIN ISOLATION LEVEL READ COMMITTED (or SERIALIZABLE).
  // Errors: whatever `fn` returns; from statements: kAlreadyExists (unique
  // or primary key), kFailedPrecondition (foreign key), kInvalidArgument
  // (check, not-null, bad value), kConflict (exclusion constraint), each
  // message naming the constraint; kUnavailable when retries are exhausted,
  // a pooled connection is not available in time, or the connection dropped
  // during COMMIT (the outcome is then unknown); kInternal for bugs,
  // including calling Read/Write from inside `fn` (which would deadlock).
  // Blocks.
  Status Write(const std::function<Status(Tx&)>& fn, WriteOptions options = {});

  // Runs `fn` in a read-only transaction that sees one consistent snapshot
  // (SQLite: a pooled reader connection, never blocked by the writer in WAL
  // mode; PostgreSQL: REPEATABLE READ READ ONLY). Retries like Write.
  // Errors: as Write; a write statement in `fn` is kInternal. Blocks.
  Status Read(const std::function<Status(Tx&)>& fn);

  // Runs `fn`, which issues one SELECT, without a transaction around it:
  // one statement sees one snapshot on its own, and skipping BEGIN and
  // COMMIT saves two round trips on PostgreSQL. A second statement, or one
  // that is not a SELECT, is kInternal. Otherwise as Read.
  Status ReadStatement(const std::function<Status(Tx&)>& fn);

  // SQLite: PRAGMA integrity_check and foreign_key_check; PostgreSQL: checks
  // the server answers (use amcheck/pg_amcheck for more).
  // Errors: kInternal naming the first problem; kUnavailable. Blocks.
  Status CheckIntegrity();

  // SQLite: writes a consistent copy of the database to `path` (through a
  // temporary file renamed into place) with the online backup API, while
  // readers and writers go on. PostgreSQL: kUnimplemented (use pg_dump).
  // Errors: kUnavailable when `path` cannot be written. Blocks.
  Status Backup(const std::string& path);

  DatabaseStats stats() const;

 private:
  Database(std::unique_ptr<internal::Backend> backend, Dialect dialect,
           const DatabaseOptions& options);
  Status Run(bool write, bool serializable, const std::function<Status(Tx&)>& fn,
             bool single_statement = false);
  // SQLite group commit: concurrent writers queue; one of them (the
  // leader) runs a batch of their functions in one transaction, each under
  // its own SAVEPOINT (a failing one is rolled back alone), and commits
  // once, so a batch costs one fsync. Each caller returns only after the
  // commit that holds its change. A function that failed transiently, or
  // whose batch failed to commit, runs again alone through Run.
  struct GroupItem;
  Status GroupWrite(const std::function<Status(Tx&)>& fn);
  void RunGroup(const std::vector<GroupItem*>& batch);

  std::mutex group_mu_;
  std::condition_variable group_cv_;
  std::deque<GroupItem*> group_queue_;
  bool group_leader_ = false;

  std::unique_ptr<internal::Backend> backend_;
  Dialect dialect_;
  int max_attempts_;
};

// The name of the violated constraint in a constraint error's message
// (`unique constraint "users_email_key" violated` gives users_email_key), or
// "" when the message names none.
std::string ViolatedConstraint(const Error& error);

}  // namespace almanac::store
