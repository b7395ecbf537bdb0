// What every server-side subcommand shares: the storage options
// (--data, --db, --config), the config file, and the wiring of the store and
// the domain services. This is the one place that constructs concrete
// implementations (DESIGN.md: src/app).
//
// Config file (--config FILE): one `key = value` per line, `#` comments,
// values optionally in double quotes. Keys: listen, data, db, threads, read_threads,
// max_body_bytes, secure_cookies (true/false), sqlite_sync (full/normal),
// pool_size. Command-line flags override the file.
//
// Thread safety: Runtime is built once per process; the services it holds
// are thread-safe.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "domain/accounts.h"
#include "domain/analytics.h"
#include "domain/calendars.h"
#include "domain/dav.h"
#include "domain/events.h"
#include "domain/leave.h"
#include "domain/resources.h"
#include "store/sql_store.h"

namespace almanac::app {

struct StorageFlags {
  std::string data_dir;   // --data
  std::string db_url;     // --db
  std::string config;     // --config
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./almanac-data";
  std::string db_url;  // empty: SQLite in data_dir
  unsigned threads = 0;       // workers for changing requests; 0: 4 per core
  unsigned read_threads = 0;  // workers for safe methods; 0: one per core
  std::size_t max_body_bytes = 64u << 20;
  bool secure_cookies = false;
  bool sqlite_sync_full = true;
  int pool_size = 0;
  // The built web app (web/dist); empty: DefaultWebRoot().
  std::string web_root;
};

// Where the web app is when no web_root is configured: <prefix>/share/
// almanac/web next to an installed binary, else the source tree's web/dist
// (the build records it), else "" (none).
std::string DefaultWebRoot();

// Adds --data, --db and --config to `cmd`.
void AddStorageFlags(CLI::App* cmd, StorageFlags* flags);

// The config file (if any) with the flags applied over it.
// Errors: kInvalidArgument naming the file, line and key.
Result<Config> LoadConfig(const StorageFlags& flags);

// The store and the services over it.
struct Runtime {
  Config config;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<domain::AccountService> accounts;
  std::unique_ptr<domain::CalendarService> calendars;
  std::unique_ptr<domain::EventService> events;
  std::unique_ptr<domain::DavService> dav;
  std::unique_ptr<domain::ResourceService> resources;  // resources and bookings
  std::unique_ptr<domain::LeaveService> leave;         // staff leave
  std::unique_ptr<domain::ApprovalService> approvals;  // bookings and leave to decide
  std::unique_ptr<domain::AnalyticsService> analytics;  // resource analytics
};

// Opens the database (creating the data directory for SQLite) and applies
// migrations unless `migrate` is false.
// Errors: as SqlStore::Open.
Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config, bool migrate = true);

// Where the data lives, for messages ("SQLite ./almanac-data/almanac.db").
std::string DescribeLocation(const Config& config);

}  // namespace almanac::app
