// Versioned schema migrations, applied at start-up and by `almanac migrate`.
//
// Each applied migration is recorded in the table
//   schema_migrations(version BIGINT PRIMARY KEY, name TEXT NOT NULL,
//                     applied_at BIGINT NOT NULL)  -- seconds since the Unix epoch
// which Migrate creates. A migration runs in its own write transaction
// together with its record, so it is applied entirely or not at all; its SQL
// must therefore not contain transaction control (BEGIN/COMMIT) nor
// statements PostgreSQL refuses inside a transaction (CREATE INDEX
// CONCURRENTLY, VACUUM).
//
// Thread safety: Migrate may run in several threads or processes against the
// same database at once; each version is applied exactly once (PostgreSQL:
// pg_advisory_xact_lock; SQLite: the write lock, BEGIN IMMEDIATE).
#pragma once

#include <span>
#include <string>

#include "core/result.h"
#include "store/database.h"

namespace almanac::store {

struct Migration {
  // Stored in the database: never renumber, never reuse.
  int version = 0;
  std::string name;
  // One or more `;`-separated statements, no parameters.
  std::string sqlite_sql;
  // The PostgreSQL text; empty means "the same as sqlite_sql".
  std::string postgres_sql;
};

// Applies, in order of version, each migration not yet recorded in the
// database, each in its own transaction. Returns how many were applied (0
// when the schema was current).
// Errors: kInvalidArgument when versions are not positive and strictly
// increasing; kFailedPrecondition when the database records a version newer
// than the last of `migrations` (this binary is older than the schema; the
// database is left untouched); the migration's own error when its SQL fails
// (earlier migrations stay applied; message names the version); kUnavailable
// as Database::Write. Blocks.
Result<int> Migrate(Database& db, std::span<const Migration> migrations);

// The highest applied version, 0 for a database never migrated.
// Errors: kUnavailable / kInternal as Database::Read. Blocks.
Result<int> CurrentSchemaVersion(Database& db);

}  // namespace almanac::store
