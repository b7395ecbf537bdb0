// The SQLite driver: one writer connection behind a mutex (BEGIN IMMEDIATE,
// so this process's writers queue on the mutex and other processes' writers
// wait in busy_timeout) and a lazily grown pool of reader connections, all
// on the same file in WAL mode so readers never block the writer or each
// other. Connections are opened with SQLITE_OPEN_NOMUTEX: each is used by one
// thread at a time, which the writer mutex and the reader pool guarantee.
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/internal/backend.h"

namespace almanac::store::internal {
namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

std::string Detail(sqlite3* db, int rc, std::string_view sql) {
  std::string d = "sqlite: ";
  d += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  d += " (code " + std::to_string(rc) + ")";
  if (!sql.empty()) {
    d += " in: ";
    d += sql;
  }
  return d;
}

bool IsBusy(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

class SqliteConnection final : public Connection, private detail::RowSource {
 public:
  SqliteConnection(sqlite3* db, Counters* counters) : db_(db), counters_(counters) {}
  ~SqliteConnection() override {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st.stmt);
    sqlite3_close_v2(db_);
  }

  sqlite3* db() const { return db_; }

  Status Begin(TxMode mode) override {
    return Simple(mode == TxMode::kRead ? "BEGIN" : "BEGIN IMMEDIATE");
  }
  Status Commit() override { return Simple("COMMIT"); }
  void Rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  Result<std::int64_t> Execute(std::string_view sql, Params params, Fetch fetch,
                               const OnRow* on_row) override;
  Status ExecScript(std::string_view sql) override;

  void TrimCache(std::size_t limit) override {
    if (cache_.size() <= limit) return;
    for (auto& [sql, st] : cache_) sqlite3_finalize(st.stmt);
    cache_.clear();
  }

  // Runs a statement with no parameters and no rows wanted.
  Status Simple(const char* sql) {
    last_transient_ = Transient::kNo;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return OkStatus();
    return MapError(rc, sql);
  }

 private:
  struct Prepared {
    sqlite3_stmt* stmt = nullptr;
    // For each bind slot (1-based, slot 0 unused): the $N it stands for.
    std::vector<int> param_of_slot;
    int nparams = 0;  // the highest $N
  };

  Result<Prepared*> Prepare(std::string_view sql);
  Status Bind(const Prepared& p, Params params, std::string_view sql);
  Error MapError(int rc, std::string_view sql);
  std::string UniqueConstraintName(int rc, std::string_view msg);

  // detail::RowSource, over current_.
  int ColumnCount() const override { return sqlite3_column_count(current_); }
  Cell CellAt(int i) const override;
  std::string& ScratchFor(int i) const override {
    if (scratch_.size() <= static_cast<std::size_t>(i))
      scratch_.resize(static_cast<std::size_t>(i) + 1);
    return scratch_[static_cast<std::size_t>(i)];
  }

  sqlite3* db_;
  Counters* counters_;
  std::unordered_map<std::string, Prepared, StringHash, std::equal_to<>> cache_;
  sqlite3_stmt* current_ = nullptr;
  mutable std::vector<std::string> scratch_;
};

Result<SqliteConnection::Prepared*> SqliteConnection::Prepare(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    counters_->statement_cache_hits.fetch_add(1, std::memory_order_relaxed);
    return &it->second;
  }
  Prepared p;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &p.stmt, &tail);
  if (rc != SQLITE_OK) {
    Error e = MapError(rc, sql);
    sqlite3_finalize(p.stmt);
    return e;
  }
  if (p.stmt == nullptr) {
    return MakeError(Code::kInternal, "internal database error",
                     "empty statement: " + std::string(sql));
  }
  int slots = sqlite3_bind_parameter_count(p.stmt);
  p.param_of_slot.assign(static_cast<std::size_t>(slots) + 1, 0);
  for (int j = 1; j <= slots; ++j) {
    const char* name = sqlite3_bind_parameter_name(p.stmt, j);
    int n = 0;
    if (name != nullptr && name[0] == '$') {
      const char* end = name + std::strlen(name);
      auto [ptr, ec] = std::from_chars(name + 1, end, n);
      if (ec != std::errc() || ptr != end) n = 0;
    }
    if (n <= 0) {
      sqlite3_finalize(p.stmt);
      return MakeError(Code::kInternal, "internal database error",
                       "use $1, $2, ... placeholders only: " + std::string(sql));
    }
    p.param_of_slot[static_cast<std::size_t>(j)] = n;
    p.nparams = std::max(p.nparams, n);
  }
  counters_->statements_prepared.fetch_add(1, std::memory_order_relaxed);
  auto [it, inserted] = cache_.emplace(std::string(sql), std::move(p));
  return &it->second;
}

Status SqliteConnection::Bind(const Prepared& p, Params params, std::string_view sql) {
  int slots = static_cast<int>(p.param_of_slot.size()) - 1;
  // Every $N up to the highest must be used; SQLite only sees the ones that
  // appear, so count distinct numbers.
  if (static_cast<int>(params.size()) != p.nparams || slots != p.nparams) {
    return MakeError(Code::kInternal, "internal database error",
                     "statement takes " + std::to_string(p.nparams) + " parameters, " +
                         std::to_string(params.size()) + " given: " + std::string(sql));
  }
  for (int j = 1; j <= slots; ++j) {
    const SqlParam& v =
        params[static_cast<std::size_t>(p.param_of_slot[static_cast<std::size_t>(j)] - 1)];
    int rc = SQLITE_OK;
    switch (v.kind()) {
      case SqlParam::Kind::kNull:
        rc = sqlite3_bind_null(p.stmt, j);
        break;
      case SqlParam::Kind::kInt:
        rc = sqlite3_bind_int64(p.stmt, j, v.int_value());
        break;
      case SqlParam::Kind::kDouble:
        rc = sqlite3_bind_double(p.stmt, j, v.double_value());
        break;
      case SqlParam::Kind::kText: {
        std::string_view t = v.bytes();
        if (t.find('\0') != std::string_view::npos) {
          return MakeError(Code::kInvalidArgument, "text must not contain NUL characters");
        }
        rc = sqlite3_bind_text64(p.stmt, j, t.data(), t.size(), SQLITE_STATIC, SQLITE_UTF8);
        break;
      }
      case SqlParam::Kind::kBlob: {
        std::string_view b = v.bytes();
        // A null pointer would bind NULL, not an empty blob.
        rc = sqlite3_bind_blob64(p.stmt, j, b.empty() ? "" : b.data(), b.size(), SQLITE_STATIC);
        break;
      }
    }
    if (rc != SQLITE_OK) return MapError(rc, sql);
  }
  return OkStatus();
}

Result<std::int64_t> SqliteConnection::Execute(std::string_view sql, Params params, Fetch fetch,
                                               const OnRow* on_row) {
  last_transient_ = Transient::kNo;
  ALMANAC_ASSIGN_OR_RETURN(Prepared * p, Prepare(sql));
  Status bound = Bind(*p, params, sql);
  if (!bound.ok()) {
    sqlite3_reset(p->stmt);
    return bound;
  }
  sqlite3_int64 before = sqlite3_total_changes64(db_);
  current_ = p->stmt;
  RowView view(this);
  Status failed;
  for (;;) {
    int rc = sqlite3_step(p->stmt);
    if (rc == SQLITE_ROW) {
      if (on_row == nullptr) continue;
      bool more = true;
      Status s = (*on_row)(view, more);
      if (!s.ok()) {
        failed = s;
        break;
      }
      if (!more || fetch == Fetch::kFirst) break;
      continue;
    }
    if (rc == SQLITE_DONE) break;
    failed = MapError(rc, sql);
    break;
  }
  current_ = nullptr;
  std::int64_t changed = sqlite3_total_changes64(db_) != before ? sqlite3_changes64(db_) : 0;
  sqlite3_reset(p->stmt);
  if (!failed.ok()) return failed;
  return changed;
}

Status SqliteConnection::ExecScript(std::string_view sql) {
  last_transient_ = Transient::kNo;
  const char* pos = sql.data();
  const char* end = sql.data() + sql.size();
  while (pos < end) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, pos, static_cast<int>(end - pos), &stmt, &tail);
    if (rc != SQLITE_OK)
      return MapError(rc, std::string_view(pos, static_cast<std::size_t>(end - pos)));
    if (stmt == nullptr) break;  // only whitespace or comments left
    std::string_view one(pos, static_cast<std::size_t>(tail - pos));
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
      Error e = MapError(rc, one);
      sqlite3_finalize(stmt);
      return e;
    }
    sqlite3_finalize(stmt);
    pos = tail;
  }
  return OkStatus();
}

Cell SqliteConnection::CellAt(int i) const {
  Cell c;
  switch (sqlite3_column_type(current_, i)) {
    case SQLITE_INTEGER:
      c.kind = Cell::Kind::kInt;
      c.int_value = sqlite3_column_int64(current_, i);
      break;
    case SQLITE_FLOAT:
      c.kind = Cell::Kind::kDouble;
      c.double_value = sqlite3_column_double(current_, i);
      break;
    case SQLITE_TEXT: {
      c.kind = Cell::Kind::kText;
      const unsigned char* t = sqlite3_column_text(current_, i);
      int n = sqlite3_column_bytes(current_, i);
      if (t != nullptr)
        c.bytes = std::string_view(reinterpret_cast<const char*>(t), static_cast<std::size_t>(n));
      break;
    }
    case SQLITE_BLOB: {
      c.kind = Cell::Kind::kBlob;
      const void* b = sqlite3_column_blob(current_, i);
      int n = sqlite3_column_bytes(current_, i);
      if (b != nullptr)
        c.bytes = std::string_view(static_cast<const char*>(b), static_cast<std::size_t>(n));
      break;
    }
    default:
      break;
  }
  return c;
}

// SQLite says "UNIQUE constraint failed: t.a, t.b". Report the name
// PostgreSQL would: the index's name for CREATE UNIQUE INDEX, else
// PostgreSQL's default names for primary keys and UNIQUE constraints.
std::string SqliteConnection::UniqueConstraintName(int rc, std::string_view msg) {
  constexpr std::string_view kPrefix = "UNIQUE constraint failed: ";
  if (msg.substr(0, kPrefix.size()) != kPrefix) return {};
  std::string_view rest = msg.substr(kPrefix.size());
  std::string table;
  std::vector<std::string> cols;
  while (!rest.empty()) {
    std::size_t comma = rest.find(", ");
    std::string_view item = rest.substr(0, comma);
    std::size_t dot = item.find('.');
    if (dot == std::string_view::npos) return {};
    table = std::string(item.substr(0, dot));
    cols.emplace_back(item.substr(dot + 1));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 2);
  }
  if (table.empty()) return {};
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return table + "_pkey";
  std::string found;
  std::string origin;
  sqlite3_stmt* list = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT name, origin FROM pragma_index_list(?1) WHERE \"unique\"", -1,
                         &list, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(list, 1, table.c_str(), -1, SQLITE_TRANSIENT);
    while (found.empty() && sqlite3_step(list) == SQLITE_ROW) {
      std::string index = reinterpret_cast<const char*>(sqlite3_column_text(list, 0));
      std::vector<std::string> icols;
      sqlite3_stmt* info = nullptr;
      if (sqlite3_prepare_v2(db_, "SELECT name FROM pragma_index_info(?1) ORDER BY seqno", -1,
                             &info, nullptr) == SQLITE_OK) {
        sqlite3_bind_text(info, 1, index.c_str(), -1, SQLITE_TRANSIENT);
        while (sqlite3_step(info) == SQLITE_ROW) {
          const unsigned char* n = sqlite3_column_text(info, 0);
          icols.emplace_back(n != nullptr ? reinterpret_cast<const char*>(n) : "");
        }
      }
      sqlite3_finalize(info);
      if (icols == cols) {
        found = index;
        origin = reinterpret_cast<const char*>(sqlite3_column_text(list, 1));
      }
    }
  }
  sqlite3_finalize(list);
  if (!found.empty() && origin == "c") return found;
  if (origin == "pk") return table + "_pkey";
  std::string name = table;
  for (const std::string& c : cols) name += "_" + c;
  return name + "_key";
}

Error SqliteConnection::MapError(int rc, std::string_view sql) {
  std::string detail = Detail(db_, rc, sql);
  std::string msg = sqlite3_errmsg(db_);
  if (IsBusy(rc)) {
    last_transient_ = Transient::kBusy;
    return MakeError(Code::kUnavailable, "the database is busy; try again", detail);
  }
  auto after_colon = [&msg]() -> std::string {
    std::size_t c = msg.find(": ");
    return c == std::string::npos ? std::string() : msg.substr(c + 2);
  };
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return MakeError(Code::kAlreadyExists,
                       ConstraintMessage("unique", UniqueConstraintName(rc, msg)), detail);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      // SQLite does not say which foreign key.
      return MakeError(Code::kFailedPrecondition, ConstraintMessage("foreign key", ""), detail);
    case SQLITE_CONSTRAINT_CHECK:
      return MakeError(Code::kInvalidArgument, ConstraintMessage("check", after_colon()), detail);
    case SQLITE_CONSTRAINT_NOTNULL:
      return MakeError(Code::kInvalidArgument, ConstraintMessage("not-null", after_colon()),
                       detail);
    case SQLITE_CONSTRAINT_TRIGGER:
      return MakeError(Code::kFailedPrecondition, msg, detail);
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return MakeError(Code::kInvalidArgument, ConstraintMessage("database", ""), detail);
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return MakeError(Code::kInvalidArgument, "a value does not fit the database column", detail);
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return MakeError(Code::kUnavailable, "the database is not available", detail);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return MakeError(Code::kInternal, "the database file is damaged", detail);
    case SQLITE_READONLY:
      return MakeError(Code::kInternal, "internal database error",
                       "write in a read-only transaction; " + detail);
    default:
      return MakeError(Code::kInternal, "internal database error", detail);
  }
}

Result<std::unique_ptr<SqliteConnection>> OpenConnection(const DatabaseOptions& options,
                                                         bool writer, Counters* counters) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(options.location.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = Detail(db, rc, "") + " opening " + options.location;
    sqlite3_close_v2(db);
    return MakeError(Code::kUnavailable, "cannot open the database file", detail);
  }
  auto conn = std::make_unique<SqliteConnection>(db, counters);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  std::string pragmas = "PRAGMA foreign_keys=ON;";
  pragmas += options.sqlite_sync == SqliteSync::kFull ? "PRAGMA synchronous=FULL;"
                                                      : "PRAGMA synchronous=NORMAL;";
  if (!writer) pragmas += "PRAGMA query_only=ON;";
  if (writer) {
    // journal_mode answers with the mode in force: anything but "wal" (a
    // file system without shared memory, say) is refused.
    std::string mode;
    rc = sqlite3_exec(
        db, "PRAGMA journal_mode=WAL",
        [](void* out, int, char** values, char**) {
          if (values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
          return 0;
        },
        &mode, nullptr);
    if (rc != SQLITE_OK || mode != "wal") {
      return MakeError(Code::kUnavailable, "cannot open the database file",
                       Detail(db, rc, "PRAGMA journal_mode=WAL") + " (mode " + mode + ")");
    }
  }
  rc = sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return MakeError(Code::kUnavailable, "cannot open the database file", Detail(db, rc, pragmas));
  }
  counters->connections_opened.fetch_add(1, std::memory_order_relaxed);
  return conn;
}

class SqliteBackend final : public Backend {
 public:
  explicit SqliteBackend(const DatabaseOptions& options)
      : options_(options), max_readers_(EffectivePoolSize(options)) {}

  ~SqliteBackend() override {
    // Readers first: the last connection to close checkpoints the WAL.
    idle_.clear();
    readers_.clear();
    writer_.reset();
  }

  Status Init() {
    ALMANAC_ASSIGN_OR_RETURN(writer_, OpenConnection(options_, true, &counters_));
    return OkStatus();
  }

  Result<Lease> Acquire(bool write, Transient* transient) override {
    *transient = Transient::kNo;
    if (write) {
      if (!writer_mu_.try_lock_for(options_.acquire_timeout)) {
        return MakeError(Code::kUnavailable, "the database is busy; try again",
                         "timed out waiting for the SQLite writer");
      }
      writer_->TrimCache(options_.statement_cache_size);
      return Lease(this, writer_.get());
    }
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, options_.acquire_timeout, [this] {
          return !idle_.empty() || static_cast<int>(readers_.size()) < max_readers_;
        })) {
      return MakeError(Code::kUnavailable, "the database is busy; try again",
                       "timed out waiting for a SQLite reader connection");
    }
    SqliteConnection* conn = nullptr;
    if (!idle_.empty()) {
      conn = idle_.back();
      idle_.pop_back();
    } else {
      Result<std::unique_ptr<SqliteConnection>> opened =
          OpenConnection(options_, false, &counters_);
      if (!opened.ok()) {
        *transient = Transient::kDisconnected;
        return opened.error();
      }
      conn = opened->get();
      readers_.push_back(std::move(opened).value());
    }
    lock.unlock();
    conn->TrimCache(options_.statement_cache_size);
    return Lease(this, conn);
  }

  void Release(Connection* conn) override {
    if (conn == writer_.get()) {
      writer_mu_.unlock();
      return;
    }
    {
      std::lock_guard lock(mu_);
      idle_.push_back(static_cast<SqliteConnection*>(conn));
    }
    cv_.notify_one();
  }

  Status CheckIntegrity() override {
    Transient transient;
    ALMANAC_ASSIGN_OR_RETURN(Lease lease, Acquire(false, &transient));
    auto* conn = static_cast<SqliteConnection*>(lease.get());
    std::vector<std::string> problems;
    Connection::OnRow collect = [&problems](const RowView& row, bool&) -> Status {
      std::string line;
      for (int i = 0; i < row.size(); ++i) {
        if (i > 0) line += ' ';
        line += row.Text(i);
      }
      problems.push_back(line);
      return OkStatus();
    };
    ALMANAC_RETURN_IF_ERROR(conn->Begin(TxMode::kRead));
    Result<std::int64_t> r = conn->Execute("PRAGMA integrity_check", {}, Fetch::kAll, &collect);
    if (r.ok() && problems.size() == 1 && problems[0] == "ok") {
      problems.clear();
      r = conn->Execute("PRAGMA foreign_key_check", {}, Fetch::kAll, &collect);
    }
    conn->Rollback();
    if (!r.ok()) return r.status();
    if (!problems.empty()) {
      std::string detail;
      for (const std::string& p : problems) detail += p + "\n";
      return MakeError(Code::kInternal, "the database failed its integrity check", detail);
    }
    return OkStatus();
  }

  Status Backup(const std::string& path) override {
    std::error_code ec;
    std::filesystem::path target(path);
    if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
    std::string tmp = path + ".tmp";
    std::filesystem::remove(tmp, ec);
    sqlite3* dest = nullptr;
    int rc =
        sqlite3_open_v2(tmp.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
      std::string detail = Detail(dest, rc, "") + " opening " + tmp;
      sqlite3_close_v2(dest);
      return MakeError(Code::kUnavailable, "cannot write the backup file", detail);
    }
    Status result;
    {
      Transient transient;
      Result<Lease> lease = Acquire(false, &transient);
      if (!lease.ok()) {
        sqlite3_close_v2(dest);
        return lease.status();
      }
      sqlite3* src = static_cast<SqliteConnection*>(lease->get())->db();
      sqlite3_backup* b = sqlite3_backup_init(dest, "main", src, "main");
      if (b == nullptr) {
        result = MakeError(Code::kUnavailable, "cannot write the backup file", Detail(dest, 0, ""));
      } else {
        // In WAL mode the copy reads one snapshot; busy only while another
        // process recovers the WAL.
        for (int tries = 0;; ++tries) {
          rc = sqlite3_backup_step(b, -1);
          if (rc == SQLITE_DONE || !IsBusy(rc) || tries > 100) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        sqlite3_backup_finish(b);
        if (rc != SQLITE_DONE) {
          result =
              MakeError(Code::kUnavailable, "cannot write the backup file", Detail(dest, rc, ""));
        }
      }
    }
    rc = sqlite3_close_v2(dest);
    if (result.ok() && rc != SQLITE_OK) {
      result = MakeError(Code::kUnavailable, "cannot write the backup file", sqlite3_errstr(rc));
    }
    if (result.ok()) {
      std::filesystem::rename(tmp, path, ec);
      if (ec) result = MakeError(Code::kUnavailable, "cannot write the backup file", ec.message());
    }
    if (!result.ok()) std::filesystem::remove(tmp, ec);
    return result;
  }

 private:
  DatabaseOptions options_;
  int max_readers_;
  std::unique_ptr<SqliteConnection> writer_;
  std::timed_mutex writer_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  std::vector<SqliteConnection*> idle_;
};

}  // namespace

Result<std::unique_ptr<Backend>> OpenSqlite(const DatabaseOptions& options) {
  std::filesystem::path path(options.location);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return MakeError(Code::kUnavailable, "cannot create the database directory",
                       path.parent_path().string() + ": " + ec.message());
    }
  }
  auto backend = std::make_unique<SqliteBackend>(options);
  ALMANAC_RETURN_IF_ERROR(backend->Init());
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace almanac::store::internal
