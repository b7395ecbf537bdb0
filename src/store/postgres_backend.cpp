// The PostgreSQL driver: a lazily grown pool of libpq connections. Each SQL
// text is prepared once per connection (PQprepare, generated names) and
// described, which decides its result format: binary when every column is a
// type decoded here (integers, bool, floats, text, bytea: no parsing, no hex),
// text otherwise (numeric, timestamps, ...). Parameters go as text (the
// server converts to the inferred type) except blobs, which go binary.
// A connection that fails at the socket level (or is terminated by the
// server) is discarded and the transaction retried on a fresh one.
#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/internal/backend.h"

namespace almanac::store::internal {
namespace {

// Type OIDs (pg_type.dat); stable across PostgreSQL versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kNameOid = 19;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kBpcharOid = 1042;
constexpr Oid kVarcharOid = 1043;

bool BinaryDecodable(Oid t) {
  switch (t) {
    case kBoolOid:
    case kByteaOid:
    case kNameOid:
    case kInt8Oid:
    case kInt2Oid:
    case kInt4Oid:
    case kTextOid:
    case kOidOid:
    case kFloat4Oid:
    case kFloat8Oid:
    case kBpcharOid:
    case kVarcharOid:
      return true;
    default:
      return false;
  }
}

std::uint64_t BigEndian(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string Field(const PGresult* r, int field) {
  const char* v = r != nullptr ? PQresultErrorField(r, field) : nullptr;
  return v != nullptr ? v : "";
}

class PgConnection final : public Connection, private detail::RowSource {
 public:
  PgConnection(PGconn* conn, Counters* counters) : conn_(conn), counters_(counters) {}
  ~PgConnection() override { PQfinish(conn_); }

  Status Begin(TxMode mode) override {
    switch (mode) {
      case TxMode::kRead:
        return Simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      case TxMode::kWrite:
        return Simple("BEGIN ISOLATION LEVEL READ COMMITTED");
      case TxMode::kWriteSerializable:
        return Simple("BEGIN ISOLATION LEVEL SERIALIZABLE");
    }
    return Simple("BEGIN");
  }

  Status Commit() override {
    last_transient_ = Transient::kNo;
    ResultPtr r(PQexec(conn_, "COMMIT"));
    if (r == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      return MapError(r.get(), "COMMIT");
    }
    // An aborted transaction "commits" as ROLLBACK; Tx's poisoning should
    // make this unreachable.
    if (std::strcmp(PQcmdStatus(r.get()), "COMMIT") != 0) {
      return MakeError(Code::kInternal, "internal database error",
                       "COMMIT of an aborted transaction rolled back");
    }
    return OkStatus();
  }

  void Rollback() override {
    if (broken_) return;
    if (PQstatus(conn_) != CONNECTION_OK) {
      broken_ = true;
      return;
    }
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    ResultPtr r(PQexec(conn_, "ROLLBACK"));
    if (PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      broken_ = true;
    }
  }

  Result<std::int64_t> Execute(std::string_view sql, Params params, Fetch fetch,
                               const OnRow* on_row) override;
  Status ExecScript(std::string_view sql) override {
    last_transient_ = Transient::kNo;
    std::string text(sql);
    ResultPtr r(PQexec(conn_, text.c_str()));
    ExecStatusType st = r != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
      return OkStatus();
    }
    return MapError(r.get(), sql);
  }

  bool broken() const override { return broken_; }

  void TrimCache(std::size_t limit) override {
    if (cache_.size() > limit) {
      ResultPtr r(PQexec(conn_, "DEALLOCATE ALL"));
      cache_.clear();
      stale_.clear();
      return;
    }
    for (const std::string& name : stale_) {
      ResultPtr r(PQexec(conn_, ("DEALLOCATE " + name).c_str()));
    }
    stale_.clear();
  }

  Status Simple(const char* sql) {
    last_transient_ = Transient::kNo;
    ResultPtr r(PQexec(conn_, sql));
    if (r == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return MapError(r.get(), sql);
    return OkStatus();
  }

 private:
  struct Prepared {
    std::string name;
    int nparams = 0;
    int result_format = 0;  // 1 = binary
  };

  Result<Prepared*> Prepare(std::string_view sql);
  Error MapError(const PGresult* r, std::string_view sql);
  std::int64_t Changed(const PGresult* r) const;
  Status EmitRows(const PGresult* r, Fetch fetch, const OnRow* on_row, bool* stop);

  // detail::RowSource over (current_, row_).
  int ColumnCount() const override { return PQnfields(current_); }
  Cell CellAt(int i) const override;
  std::string& ScratchFor(int i) const override {
    if (scratch_.size() <= static_cast<std::size_t>(i))
      scratch_.resize(static_cast<std::size_t>(i) + 1);
    return scratch_[static_cast<std::size_t>(i)];
  }

  PGconn* conn_;
  Counters* counters_;
  bool broken_ = false;
  int next_name_ = 0;
  std::unordered_map<std::string, Prepared, StringHash, std::equal_to<>> cache_;
  std::vector<std::string> stale_;  // to DEALLOCATE outside a transaction
  const PGresult* current_ = nullptr;
  int row_ = 0;
  mutable std::vector<std::string> scratch_;
};

Result<PgConnection::Prepared*> PgConnection::Prepare(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    counters_->statement_cache_hits.fetch_add(1, std::memory_order_relaxed);
    return &it->second;
  }
  Prepared p;
  p.name = "almanac_" + std::to_string(next_name_++);
  std::string text(sql);
  ResultPtr r(PQprepare(conn_, p.name.c_str(), text.c_str(), 0, nullptr));
  if (r == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return MapError(r.get(), sql);
  ResultPtr d(PQdescribePrepared(conn_, p.name.c_str()));
  if (d == nullptr || PQresultStatus(d.get()) != PGRES_COMMAND_OK) return MapError(d.get(), sql);
  p.nparams = PQnparams(d.get());
  int nfields = PQnfields(d.get());
  bool binary = nfields > 0;
  for (int i = 0; i < nfields && binary; ++i) binary = BinaryDecodable(PQftype(d.get(), i));
  p.result_format = binary ? 1 : 0;
  counters_->statements_prepared.fetch_add(1, std::memory_order_relaxed);
  auto [it, inserted] = cache_.emplace(text, std::move(p));
  return &it->second;
}

std::int64_t PgConnection::Changed(const PGresult* r) const {
  // Rows changed, as SQLite's sqlite3_changes counts them: not rows selected.
  std::string_view status = PQcmdStatus(const_cast<PGresult*>(r));
  if (status.rfind("INSERT", 0) != 0 && status.rfind("UPDATE", 0) != 0 &&
      status.rfind("DELETE", 0) != 0 && status.rfind("MERGE", 0) != 0) {
    return 0;
  }
  std::int64_t n = 0;
  const char* t = PQcmdTuples(const_cast<PGresult*>(r));
  std::from_chars(t, t + std::strlen(t), n);
  return n;
}

Status PgConnection::EmitRows(const PGresult* r, Fetch fetch, const OnRow* on_row, bool* stop) {
  if (on_row == nullptr) return OkStatus();
  current_ = r;
  RowView view(this);
  int n = PQntuples(r);
  Status s;
  for (row_ = 0; row_ < n && !*stop; ++row_) {
    bool more = true;
    s = (*on_row)(view, more);
    if (!s.ok() || !more || fetch == Fetch::kFirst) *stop = true;
  }
  current_ = nullptr;
  return s;
}

Result<std::int64_t> PgConnection::Execute(std::string_view sql, Params params, Fetch fetch,
                                           const OnRow* on_row) {
  last_transient_ = Transient::kNo;
  ALMANAC_ASSIGN_OR_RETURN(Prepared * p, Prepare(sql));
  if (static_cast<int>(params.size()) != p->nparams) {
    return MakeError(Code::kInternal, "internal database error",
                     "statement takes " + std::to_string(p->nparams) + " parameters, " +
                         std::to_string(params.size()) + " given: " + std::string(sql));
  }
  // Text parameters must be NUL-terminated: copy them into one arena.
  std::size_t n = params.size();
  std::vector<const char*> values(n, nullptr);
  std::vector<int> lengths(n, 0);
  std::vector<int> formats(n, 0);
  std::vector<std::size_t> offsets(n, 0);
  std::string arena;
  for (std::size_t i = 0; i < n; ++i) {
    const SqlParam& v = params[i];
    char buf[64];
    switch (v.kind()) {
      case SqlParam::Kind::kNull:
        break;
      case SqlParam::Kind::kInt: {
        auto r = std::to_chars(buf, buf + sizeof buf, v.int_value());
        offsets[i] = arena.size();
        arena.append(buf, r.ptr).push_back('\0');
        break;
      }
      case SqlParam::Kind::kDouble: {
        auto r = std::to_chars(buf, buf + sizeof buf, v.double_value());
        offsets[i] = arena.size();
        arena.append(buf, r.ptr).push_back('\0');
        break;
      }
      case SqlParam::Kind::kText:
        if (v.bytes().find('\0') != std::string_view::npos) {
          return MakeError(Code::kInvalidArgument, "text must not contain NUL characters");
        }
        offsets[i] = arena.size();
        arena.append(v.bytes()).push_back('\0');
        break;
      case SqlParam::Kind::kBlob:
        values[i] = v.bytes().empty() ? "" : v.bytes().data();
        lengths[i] = static_cast<int>(v.bytes().size());
        formats[i] = 1;
        break;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    SqlParam::Kind k = params[i].kind();
    if (k == SqlParam::Kind::kInt || k == SqlParam::Kind::kDouble || k == SqlParam::Kind::kText) {
      values[i] = arena.data() + offsets[i];
    }
  }
  int count = static_cast<int>(n);

  if (fetch != Fetch::kStream) {
    ResultPtr r(PQexecPrepared(conn_, p->name.c_str(), count, values.data(), lengths.data(),
                               formats.data(), p->result_format));
    ExecStatusType st = r != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return MapError(r.get(), sql);
    bool stop = false;
    ALMANAC_RETURN_IF_ERROR(EmitRows(r.get(), fetch, on_row, &stop));
    return Changed(r.get());
  }

  if (PQsendQueryPrepared(conn_, p->name.c_str(), count, values.data(), lengths.data(),
                          formats.data(), p->result_format) == 0) {
    return MapError(nullptr, sql);
  }
  PQsetSingleRowMode(conn_);
  // Read every result to the end, even after the callback stopped or failed:
  // the connection is only usable again once the query is drained.
  Status callback_status;
  std::optional<Error> failure;
  std::int64_t changed = 0;
  bool stop = false;
  while (PGresult* raw = PQgetResult(conn_)) {
    ResultPtr r(raw);
    ExecStatusType st = PQresultStatus(raw);
    if (st == PGRES_SINGLE_TUPLE) {
      if (!stop && !failure) callback_status = EmitRows(raw, fetch, on_row, &stop);
    } else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      changed = Changed(raw);
    } else if (!failure) {
      failure = MapError(raw, sql);
    }
  }
  if (failure) return *failure;
  if (PQstatus(conn_) != CONNECTION_OK) return MapError(nullptr, sql);
  if (!callback_status.ok()) return callback_status;
  return changed;
}

Cell PgConnection::CellAt(int i) const {
  Cell c;
  if (PQgetisnull(current_, row_, i)) return c;
  const char* v = PQgetvalue(current_, row_, i);
  int len = PQgetlength(current_, row_, i);
  std::string_view bytes(v, static_cast<std::size_t>(len));
  Oid type = PQftype(current_, i);
  if (PQfformat(current_, i) == 1) {
    switch (type) {
      case kInt8Oid:
        c.kind = Cell::Kind::kInt;
        c.int_value = static_cast<std::int64_t>(BigEndian(v, 8));
        return c;
      case kInt4Oid:
        c.kind = Cell::Kind::kInt;
        c.int_value = static_cast<std::int32_t>(BigEndian(v, 4));
        return c;
      case kInt2Oid:
        c.kind = Cell::Kind::kInt;
        c.int_value = static_cast<std::int16_t>(BigEndian(v, 2));
        return c;
      case kOidOid:
        c.kind = Cell::Kind::kInt;
        c.int_value = static_cast<std::uint32_t>(BigEndian(v, 4));
        return c;
      case kBoolOid:
        c.kind = Cell::Kind::kInt;
        c.int_value = v[0] != 0 ? 1 : 0;
        return c;
      case kFloat8Oid: {
        std::uint64_t bits = BigEndian(v, 8);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        c.kind = Cell::Kind::kDouble;
        c.double_value = d;
        return c;
      }
      case kFloat4Oid: {
        auto bits = static_cast<std::uint32_t>(BigEndian(v, 4));
        float f;
        std::memcpy(&f, &bits, sizeof f);
        c.kind = Cell::Kind::kDouble;
        c.double_value = f;
        return c;
      }
      case kByteaOid:
        c.kind = Cell::Kind::kBlob;
        c.bytes = bytes;
        return c;
      default:
        c.kind = Cell::Kind::kText;
        c.bytes = bytes;
        return c;
    }
  }
  switch (type) {
    case kInt8Oid:
    case kInt4Oid:
    case kInt2Oid:
    case kOidOid:
      c.kind = Cell::Kind::kInt;
      std::from_chars(v, v + len, c.int_value);
      return c;
    case kBoolOid:
      c.kind = Cell::Kind::kInt;
      c.int_value = (len > 0 && v[0] == 't') ? 1 : 0;
      return c;
    case kFloat4Oid:
    case kFloat8Oid:
      c.kind = Cell::Kind::kDouble;
      std::from_chars(v, v + len, c.double_value);
      return c;
    case kByteaOid: {
      // Hex format ("\x0a1b..."), the default since PostgreSQL 9.0.
      std::string& out = ScratchFor(i);
      out.clear();
      if (len >= 2 && v[0] == '\\' && v[1] == 'x') {
        for (int k = 2; k + 1 < len; k += 2) {
          out.push_back(static_cast<char>(HexValue(v[k]) * 16 + HexValue(v[k + 1])));
        }
      }
      c.kind = Cell::Kind::kBlob;
      c.bytes = out;
      return c;
    }
    default:
      c.kind = Cell::Kind::kText;
      c.bytes = bytes;
      return c;
  }
}

Error PgConnection::MapError(const PGresult* r, std::string_view sql) {
  std::string state = Field(r, PG_DIAG_SQLSTATE);
  std::string primary = Field(r, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) primary = PQerrorMessage(conn_);
  std::string detail = "postgres: " + state + " " + primary;
  if (std::string d = Field(r, PG_DIAG_MESSAGE_DETAIL); !d.empty()) detail += " (" + d + ")";
  if (!sql.empty()) {
    detail += " in: ";
    detail += sql;
  }
  std::string constraint = Field(r, PG_DIAG_CONSTRAINT_NAME);
  auto cls = [&state](std::string_view prefix) { return state.rfind(prefix, 0) == 0; };

  bool gone = PQstatus(conn_) != CONNECTION_OK || cls("08") || state == "57P01" ||
              state == "57P02" || state == "57P03";
  if (gone) {
    broken_ = true;
    last_transient_ = Transient::kDisconnected;
    return MakeError(Code::kUnavailable, "the database connection was lost; try again", detail);
  }
  if (state == "40001" || state == "40P01") {
    last_transient_ = Transient::kSerialization;
    return MakeError(Code::kUnavailable, "the database is busy; try again", detail);
  }
  if (state == "0A000" && primary.find("cached plan") != std::string::npos) {
    // The schema changed under a prepared statement: prepare it afresh.
    if (auto it = cache_.find(sql); it != cache_.end()) {
      stale_.push_back(it->second.name);
      cache_.erase(it);
    }
    last_transient_ = Transient::kStalePlan;
    return MakeError(Code::kUnavailable, "the database is busy; try again", detail);
  }
  if (state == "23505") {
    return MakeError(Code::kAlreadyExists, ConstraintMessage("unique", constraint), detail);
  }
  if (state == "23503") {
    return MakeError(Code::kFailedPrecondition, ConstraintMessage("foreign key", constraint),
                     detail);
  }
  if (state == "23514") {
    return MakeError(Code::kInvalidArgument, ConstraintMessage("check", constraint), detail);
  }
  if (state == "23502") {
    std::string column = Field(r, PG_DIAG_TABLE_NAME) + "." + Field(r, PG_DIAG_COLUMN_NAME);
    return MakeError(Code::kInvalidArgument, ConstraintMessage("not-null", column), detail);
  }
  if (state == "23P01") {
    return MakeError(Code::kConflict, ConstraintMessage("exclusion", constraint), detail);
  }
  if (cls("23"))
    return MakeError(Code::kInvalidArgument, ConstraintMessage("database", constraint), detail);
  if (cls("22")) {
    return MakeError(Code::kInvalidArgument, "a value does not fit the database column", detail);
  }
  if (state == "57014") {
    return MakeError(Code::kUnavailable, "the database took too long to answer", detail);
  }
  if (cls("53") || state == "55P03" || state == "57P04") {
    return MakeError(Code::kUnavailable, "the database is not available", detail);
  }
  if (state == "P0001") return MakeError(Code::kFailedPrecondition, primary, detail);
  return MakeError(Code::kInternal, "internal database error", detail);
}

class PgBackend final : public Backend {
 public:
  explicit PgBackend(const DatabaseOptions& options)
      : options_(options), max_connections_(EffectivePoolSize(options)) {}

  Result<Lease> Acquire(bool /*write*/, Transient* transient) override {
    *transient = Transient::kNo;
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, options_.acquire_timeout,
                      [this] { return !idle_.empty() || open_ < max_connections_; })) {
      return MakeError(Code::kUnavailable, "the database is busy; try again",
                       "timed out waiting for a pooled PostgreSQL connection");
    }
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      conn->TrimCache(options_.statement_cache_size);
      return Lease(this, conn.release());
    }
    ++open_;
    lock.unlock();
    Result<std::unique_ptr<PgConnection>> conn = Connect();
    if (!conn.ok()) {
      {
        std::lock_guard relock(mu_);
        --open_;
      }
      cv_.notify_one();
      *transient = Transient::kDisconnected;
      return conn.error();
    }
    return Lease(this, std::move(conn).value().release());
  }

  void Release(Connection* raw) override {
    std::unique_ptr<PgConnection> conn(static_cast<PgConnection*>(raw));
    {
      std::lock_guard lock(mu_);
      if (conn->broken()) {
        --open_;
        counters_.connections_discarded.fetch_add(1, std::memory_order_relaxed);
      } else {
        idle_.push_back(std::move(conn));
      }
    }
    cv_.notify_one();
    // A broken connection is closed here, outside the lock.
  }

  Status CheckIntegrity() override {
    Transient transient;
    ALMANAC_ASSIGN_OR_RETURN(Lease lease, Acquire(false, &transient));
    ALMANAC_RETURN_IF_ERROR(lease->Begin(TxMode::kRead));
    Result<std::int64_t> r = lease->Execute("SELECT 1", {}, Fetch::kAll, nullptr);
    lease->Rollback();
    return r.status();
  }

  Status Backup(const std::string&) override {
    return MakeError(Code::kUnimplemented,
                     "back up a PostgreSQL database with pg_dump (or base backups and WAL "
                     "archiving)");
  }

 private:
  Result<std::unique_ptr<PgConnection>> Connect() {
    // Keywords before "dbname" are defaults the URL may override; those
    // after it are forced.
    const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname",
                              "client_encoding", nullptr};
    const char* values[] = {"10", "almanac", options_.location.c_str(), "UTF8", nullptr};
    PGconn* raw = PQconnectdbParams(keywords, values, 1);
    if (raw == nullptr) {
      return MakeError(Code::kUnavailable, "cannot connect to the database", "out of memory");
    }
    auto conn = std::make_unique<PgConnection>(raw, &counters_);
    // NOTICEs ("relation already exists, skipping") are not errors; libpq
    // would print them on stderr.
    PQsetNoticeProcessor(
        raw, [](void*, const char*) {}, nullptr);
    if (PQstatus(raw) != CONNECTION_OK) {
      return MakeError(Code::kUnavailable, "cannot connect to the database",
                       std::string("postgres: cannot connect: ") + PQerrorMessage(raw));
    }
    if (options_.statement_timeout.count() > 0) {
      std::string set =
          "SET statement_timeout = " + std::to_string(options_.statement_timeout.count());
      ALMANAC_RETURN_IF_ERROR(conn->Simple(set.c_str()));
    }
    counters_.connections_opened.fetch_add(1, std::memory_order_relaxed);
    return conn;
  }

  DatabaseOptions options_;
  int max_connections_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;  // idle + leased
};

}  // namespace

Result<std::unique_ptr<Backend>> OpenPostgres(const DatabaseOptions& options) {
  auto backend = std::make_unique<PgBackend>(options);
  Transient transient;
  // Check the URL and the server now rather than at the first request.
  Result<Lease> lease = backend->Acquire(false, &transient);
  if (!lease.ok()) return lease.error();
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace almanac::store::internal
