// domain::Store on SQLite or PostgreSQL: the one implementation of the
// domain's storage port, written once in the portable SQL of database.h.
//
// Opening applies the schema migrations (schema.h) unless told not to, so a
// server and an operator command on the same data agree on the schema.
//
// Thread safety: thread-safe, like Database.
#pragma once

#include <memory>

#include "core/result.h"
#include "domain/store.h"
#include "store/database.h"
#include "store/migrations.h"

namespace almanac::store {

// The migrations of Almanac's schema, in order.
std::span<const Migration> SchemaMigrations();

class SqlStore final : public domain::Store {
 public:
  // Opens the database at options.location and, when `migrate`, brings the
  // schema up to date. Errors: as Database::Open and Migrate.
  static Result<std::unique_ptr<SqlStore>> Open(const DatabaseOptions& options,
                                                bool migrate = true);

  Status Read(const std::function<Status(domain::StoreTx&)>& fn) override;
  Status ReadStatement(const std::function<Status(domain::StoreTx&)>& fn) override;
  Status Write(const std::function<Status(domain::StoreTx&)>& fn) override;

  Database& database() { return *db_; }

 private:
  explicit SqlStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  std::unique_ptr<Database> db_;
};

}  // namespace almanac::store
