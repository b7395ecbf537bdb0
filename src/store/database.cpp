#include "store/database.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>
#include <thread>

#include "store/internal/backend.h"

namespace almanac::store {

namespace detail {

std::int64_t CellToInt(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kNull:
      return 0;
    case Cell::Kind::kInt:
      return c.int_value;
    case Cell::Kind::kDouble: {
      double d = c.double_value;
      if (std::isnan(d)) return 0;
      // 2^63 is exactly representable; anything at or beyond it saturates.
      if (d >= 9223372036854775808.0) return std::numeric_limits<std::int64_t>::max();
      if (d <= -9223372036854775808.0) return std::numeric_limits<std::int64_t>::min();
      return static_cast<std::int64_t>(d);
    }
    case Cell::Kind::kText:
    case Cell::Kind::kBlob: {
      std::int64_t v = 0;
      const char* b = c.bytes.data();
      std::from_chars(b, b + c.bytes.size(), v);
      return v;
    }
  }
  return 0;
}

double CellToDouble(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kNull:
      return 0;
    case Cell::Kind::kInt:
      return static_cast<double>(c.int_value);
    case Cell::Kind::kDouble:
      return c.double_value;
    case Cell::Kind::kText:
    case Cell::Kind::kBlob: {
      double v = 0;
      const char* b = c.bytes.data();
      std::from_chars(b, b + c.bytes.size(), v);
      return v;
    }
  }
  return 0;
}

std::string_view CellToText(const Cell& c, std::string& scratch) {
  char buf[64];
  std::to_chars_result r{};
  if (c.kind == Cell::Kind::kInt) {
    r = std::to_chars(buf, buf + sizeof buf, c.int_value);
  } else if (c.kind == Cell::Kind::kDouble) {
    r = std::to_chars(buf, buf + sizeof buf, c.double_value);
  } else {
    return c.bytes;
  }
  scratch.assign(buf, r.ptr);
  return scratch;
}

}  // namespace detail

// --- Row ---------------------------------------------------------------------

Row::Row(const RowView& view) {
  int n = view.ColumnCount();
  cells_.reserve(static_cast<std::size_t>(n));
  std::size_t total = 0;
  for (int i = 0; i < n; ++i) {
    Cell c = view.CellAt(i);
    if (c.kind == Cell::Kind::kText || c.kind == Cell::Kind::kBlob) total += c.bytes.size();
  }
  bytes_.reserve(total);
  for (int i = 0; i < n; ++i) {
    Cell c = view.CellAt(i);
    Stored s{c.kind, c.int_value, c.double_value, bytes_.size(), 0};
    if (c.kind == Cell::Kind::kText || c.kind == Cell::Kind::kBlob) {
      bytes_.append(c.bytes);
      s.length = c.bytes.size();
    }
    cells_.push_back(s);
  }
}

Row::Row(const Row& other) : cells_(other.cells_), bytes_(other.bytes_) {}

Row& Row::operator=(const Row& other) {
  if (this != &other) {
    cells_ = other.cells_;
    bytes_ = other.bytes_;
    scratch_.reset();
  }
  return *this;
}

Cell Row::CellAt(int i) const {
  assert(i >= 0 && i < ColumnCount());
  const Stored& s = cells_[static_cast<std::size_t>(i)];
  Cell c;
  c.kind = s.kind;
  c.int_value = s.int_value;
  c.double_value = s.double_value;
  if (s.kind == Cell::Kind::kText || s.kind == Cell::Kind::kBlob) {
    c.bytes = std::string_view(bytes_).substr(s.offset, s.length);
  }
  return c;
}

std::string& Row::ScratchFor(int i) const {
  if (!scratch_) scratch_ = std::make_unique<std::vector<std::string>>(cells_.size());
  return (*scratch_)[static_cast<std::size_t>(i)];
}

// --- Tx ----------------------------------------------------------------------

Status Tx::Guard(std::string_view sql) const {
  if (!state_->poison.ok()) return state_->poison;
  if (state_->in_foreach) {
    return MakeError(Code::kInternal, "internal database error",
                     "a statement was issued inside a ForEach callback");
  }
  if (state_->single_statement) {
    std::string_view head = sql.substr(0, 6);
    if (++state_->statements > 1 || head.size() < 6 ||
        !std::equal(head.begin(), head.end(), "SELECT",
                    [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; })) {
      return MakeError(Code::kInternal, "internal database error",
                       "ReadStatement runs one SELECT only");
    }
  }
  return OkStatus();
}

Status Tx::Fail(Status s) {
  if (state_->poison.ok()) {
    state_->poison = s;
    state_->transient = conn_->last_transient();
  }
  return s;
}

Result<std::int64_t> Tx::Exec(std::string_view sql, Params params) {
  ALMANAC_RETURN_IF_ERROR(Guard(sql));
  Result<std::int64_t> r = conn_->Execute(sql, params, internal::Fetch::kAll, nullptr);
  if (!r.ok()) return Fail(r.status());
  return r;
}

Result<std::vector<Row>> Tx::Query(std::string_view sql, Params params) {
  ALMANAC_RETURN_IF_ERROR(Guard(sql));
  std::vector<Row> rows;
  internal::Connection::OnRow on_row = [&rows](const RowView& row, bool&) -> Status {
    rows.emplace_back(row);
    return OkStatus();
  };
  Result<std::int64_t> r = conn_->Execute(sql, params, internal::Fetch::kAll, &on_row);
  if (!r.ok()) return Fail(r.status());
  return rows;
}

Result<std::optional<Row>> Tx::QueryOne(std::string_view sql, Params params) {
  ALMANAC_RETURN_IF_ERROR(Guard(sql));
  std::optional<Row> out;
  internal::Connection::OnRow on_row = [&out](const RowView& row, bool& more) -> Status {
    out.emplace(row);
    more = false;
    return OkStatus();
  };
  Result<std::int64_t> r = conn_->Execute(sql, params, internal::Fetch::kFirst, &on_row);
  if (!r.ok()) return Fail(r.status());
  return out;
}

Result<std::int64_t> Tx::InsertReturningId(std::string_view sql, Params params) {
  ALMANAC_RETURN_IF_ERROR(Guard(sql));
  std::optional<std::int64_t> id;
  internal::Connection::OnRow on_row = [&id](const RowView& row, bool& more) -> Status {
    if (row.ColumnCount() > 0) id = row.Int(0);
    more = false;
    return OkStatus();
  };
  Result<std::int64_t> r = conn_->Execute(sql, params, internal::Fetch::kFirst, &on_row);
  if (!r.ok()) return Fail(r.status());
  if (!id) return MakeError(Code::kAlreadyExists, "the row already exists");
  return *id;
}

Status Tx::ForEachRow(std::string_view sql, Params params, const RowCallback& fn) {
  ALMANAC_RETURN_IF_ERROR(Guard(sql));
  Status from_callback;
  internal::Connection::OnRow on_row = [&](const RowView& row, bool& more) -> Status {
    Status s = fn(row, more);
    if (!s.ok()) from_callback = s;
    return s;
  };
  state_->in_foreach = true;
  Result<std::int64_t> r = conn_->Execute(sql, params, internal::Fetch::kStream, &on_row);
  state_->in_foreach = false;
  // A callback's own error stops the stream but leaves the transaction usable.
  if (!from_callback.ok()) return from_callback;
  if (!r.ok()) return Fail(r.status());
  return OkStatus();
}

Status Tx::ExecScript(std::string_view sql) {
  ALMANAC_RETURN_IF_ERROR(Guard(sql));
  Status s = conn_->ExecScript(sql);
  if (!s.ok()) return Fail(s);
  return s;
}

// --- Database ----------------------------------------------------------------

namespace {

// The databases whose Read/Write is running on this thread, innermost last:
// a nested call on the same Database would deadlock (SQLite's writer) or
// exhaust the pool, so it is refused.
thread_local std::vector<const Database*> t_active;

class ActiveGuard {
 public:
  explicit ActiveGuard(const Database* db) { t_active.push_back(db); }
  ~ActiveGuard() { t_active.pop_back(); }
  ActiveGuard(const ActiveGuard&) = delete;
  ActiveGuard& operator=(const ActiveGuard&) = delete;
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

namespace internal {

int EffectivePoolSize(const DatabaseOptions& options) {
  if (options.pool_size > 0) return options.pool_size;
  // One per request worker of the server: 4 per core for writes, 1 for reads.
  return std::max(5, 5 * static_cast<int>(std::thread::hardware_concurrency()));
}

std::string ConstraintMessage(std::string_view kind, std::string_view name) {
  std::string m(kind);
  m += " constraint ";
  if (!name.empty()) {
    m += '"';
    m += name;
    m += "\" ";
  }
  m += "violated";
  return m;
}

void BackOff(int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  int shift = std::min(attempt - 2, 7);
  std::int64_t cap_us = std::min<std::int64_t>(2000LL << std::max(shift, 0), 200000);
  std::uniform_int_distribution<std::int64_t> dist(cap_us / 4, cap_us);
  std::this_thread::sleep_for(std::chrono::microseconds(dist(rng)));
}

}  // namespace internal

std::string ViolatedConstraint(const Error& error) {
  std::string_view m = error.message;
  std::size_t a = m.find(" constraint \"");
  if (a == std::string_view::npos) return {};
  a += 13;
  std::size_t b = m.find('"', a);
  if (b == std::string_view::npos) return {};
  return std::string(m.substr(a, b - a));
}

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  if (options.location.empty()) {
    return MakeError(Code::kInvalidArgument, "no database location given");
  }
  if (options.max_attempts < 1 || options.pool_size < 0) {
    return MakeError(Code::kInvalidArgument, "invalid database options",
                     "max_attempts must be >= 1 and pool_size >= 0");
  }
  bool pg =
      StartsWith(options.location, "postgresql://") || StartsWith(options.location, "postgres://");
  Result<std::unique_ptr<internal::Backend>> backend =
      pg ? internal::OpenPostgres(options) : internal::OpenSqlite(options);
  if (!backend.ok()) return backend.error();
  return std::unique_ptr<Database>(new Database(
      std::move(backend).value(), pg ? Dialect::kPostgres : Dialect::kSqlite, options));
}

Database::Database(std::unique_ptr<internal::Backend> backend, Dialect dialect,
                   const DatabaseOptions& options)
    : backend_(std::move(backend)), dialect_(dialect), max_attempts_(options.max_attempts) {}

Database::~Database() = default;

Status Database::Write(const std::function<Status(Tx&)>& fn, WriteOptions options) {
  if (dialect_ == Dialect::kSqlite) return GroupWrite(fn);
  return Run(true, options.serializable, fn);
}

struct Database::GroupItem {
  const std::function<Status(Tx&)>* fn = nullptr;
  Status result;
  bool done = false;
  bool alone = false;  // run it again through Run
};

Status Database::GroupWrite(const std::function<Status(Tx&)>& fn) {
  if (std::find(t_active.begin(), t_active.end(), this) != t_active.end()) {
    return MakeError(Code::kInternal, "internal database error",
                     "Database::Write called from inside a transaction of the same Database");
  }
  GroupItem me;
  me.fn = &fn;
  std::unique_lock<std::mutex> lock(group_mu_);
  group_queue_.push_back(&me);
  while (!me.done) {
    if (group_leader_) {
      group_cv_.wait(lock);
      continue;
    }
    group_leader_ = true;
    std::vector<GroupItem*> batch;
    while (!group_queue_.empty() && batch.size() < 64) {
      batch.push_back(group_queue_.front());
      group_queue_.pop_front();
    }
    lock.unlock();
    RunGroup(batch);
    lock.lock();
    for (GroupItem* item : batch) item->done = true;
    group_leader_ = false;
    group_cv_.notify_all();
  }
  lock.unlock();
  if (me.alone) return Run(true, false, fn);
  return me.result;
}

void Database::RunGroup(const std::vector<GroupItem*>& batch) {
  auto all_alone = [&] {
    for (GroupItem* item : batch) item->alone = true;
  };
  ActiveGuard active(this);
  internal::Transient transient = internal::Transient::kNo;
  Result<internal::Lease> lease = backend_->Acquire(true, &transient);
  if (!lease.ok()) return all_alone();
  internal::Connection* conn = lease->get();
  if (!conn->Begin(internal::TxMode::kWrite).ok()) {
    conn->Rollback();
    return all_alone();
  }
  for (GroupItem* item : batch) {
    if (!conn->ExecScript("SAVEPOINT almanac_group").ok()) {
      item->alone = true;
      continue;
    }
    internal::TxState state;
    Tx tx(conn, &state, dialect_);
    Status status;
    try {
      status = (*item->fn)(tx);
    } catch (...) {
      status = MakeError(Code::kInternal, "internal database error",
                         "an exception escaped a write transaction");
    }
    if (status.ok() && !state.poison.ok()) status = state.poison;
    if (status.ok()) {
      if (!conn->ExecScript("RELEASE almanac_group").ok()) {
        conn->Rollback();
        return all_alone();
      }
    } else {
      if (!conn->ExecScript("ROLLBACK TO almanac_group; RELEASE almanac_group").ok()) {
        conn->Rollback();
        return all_alone();
      }
      if (state.transient != internal::Transient::kNo) item->alone = true;
    }
    item->result = status;
  }
  if (!conn->Commit().ok()) {
    // Nothing of the batch is stored: the ones that succeeded run again.
    conn->Rollback();
    for (GroupItem* item : batch) {
      if (item->result.ok()) item->alone = true;
    }
  }
}

Status Database::Read(const std::function<Status(Tx&)>& fn) { return Run(false, false, fn); }

Status Database::ReadStatement(const std::function<Status(Tx&)>& fn) {
  return Run(false, false, fn, /*single_statement=*/true);
}

Status Database::Run(bool write, bool serializable, const std::function<Status(Tx&)>& fn,
                     bool single_statement) {
  if (std::find(t_active.begin(), t_active.end(), this) != t_active.end()) {
    return MakeError(Code::kInternal, "internal database error",
                     "Database::Read/Write called from inside a transaction of the same "
                     "Database");
  }
  ActiveGuard active(this);
  internal::TxMode mode = !write         ? internal::TxMode::kRead
                          : serializable ? internal::TxMode::kWriteSerializable
                                         : internal::TxMode::kWrite;
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1) {
      backend_->counters().retries.fetch_add(1, std::memory_order_relaxed);
      internal::BackOff(attempt);
    }
    internal::Transient transient = internal::Transient::kNo;
    Status status;
    {
      Result<internal::Lease> lease = backend_->Acquire(write, &transient);
      if (!lease.ok()) {
        status = lease.status();
      } else {
        internal::Connection* conn = lease->get();
        status = single_statement ? OkStatus() : conn->Begin(mode);
        if (!status.ok()) {
          transient = conn->last_transient();
          conn->Rollback();
        } else {
          internal::TxState state;
          state.single_statement = single_statement;
          Tx tx(conn, &state, dialect_);
          try {
            status = fn(tx);
          } catch (...) {
            // Exceptions are not part of the contract, but must not leave a
            // pooled connection inside a transaction.
            conn->Rollback();
            throw;
          }
          if (status.ok() && !state.poison.ok()) status = state.poison;
          if (!status.ok()) {
            conn->Rollback();
            transient = state.transient;
            // The driver's error is the real cause of a transient failure,
            // whatever fn made of it.
            if (transient != internal::Transient::kNo) status = state.poison;
          } else if (!single_statement) {
            status = conn->Commit();
            if (!status.ok()) {
              transient = conn->last_transient();
              if (write && transient == internal::Transient::kDisconnected) {
                // COMMIT may or may not have reached the server: re-running
                // fn could apply it twice.
                transient = internal::Transient::kNo;
                status = MakeError(Code::kUnavailable,
                                   "the database connection was lost while committing; "
                                   "the change may or may not have been saved",
                                   status.error().detail);
              }
              conn->Rollback();
            }
          }
        }
      }
    }
    if (status.ok()) return status;
    if (transient == internal::Transient::kNo || attempt >= max_attempts_) return status;
  }
}

Status Database::CheckIntegrity() { return backend_->CheckIntegrity(); }

Status Database::Backup(const std::string& path) { return backend_->Backup(path); }

DatabaseStats Database::stats() const {
  const internal::Counters& c = backend_->counters();
  DatabaseStats s;
  s.statements_prepared = c.statements_prepared.load(std::memory_order_relaxed);
  s.statement_cache_hits = c.statement_cache_hits.load(std::memory_order_relaxed);
  s.retries = c.retries.load(std::memory_order_relaxed);
  s.connections_opened = c.connections_opened.load(std::memory_order_relaxed);
  s.connections_discarded = c.connections_discarded.load(std::memory_order_relaxed);
  return s;
}

}  // namespace almanac::store
