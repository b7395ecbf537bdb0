#include "app/runtime.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace almanac::app {
namespace {

std::string Trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

Status ApplyKey(Config* c, const std::string& key, const std::string& value,
                const std::string& where) {
  auto bad = [&](std::string_view what) {
    return MakeError(Code::kInvalidArgument, fmt::format("{}: {} {}", where, key, what));
  };
  auto number = [&](std::size_t* out) -> Status {
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
        value.size() > 12) {
      return bad("must be a whole number");
    }
    *out = std::stoull(value);
    return OkStatus();
  };
  if (key == "listen") {
    c->listen = value;
  } else if (key == "data") {
    c->data_dir = value;
  } else if (key == "db") {
    c->db_url = value;
  } else if (key == "threads") {
    std::size_t n = 0;
    ALMANAC_RETURN_IF_ERROR(number(&n));
    if (n > 256) return bad("must be at most 256");
    c->threads = static_cast<unsigned>(n);
  } else if (key == "read_threads") {
    std::size_t n = 0;
    ALMANAC_RETURN_IF_ERROR(number(&n));
    if (n > 256) return bad("must be at most 256");
    c->read_threads = static_cast<unsigned>(n);
  } else if (key == "pool_size") {
    std::size_t n = 0;
    ALMANAC_RETURN_IF_ERROR(number(&n));
    if (n > 1000) return bad("must be at most 1000");
    c->pool_size = static_cast<int>(n);
  } else if (key == "max_body_bytes") {
    ALMANAC_RETURN_IF_ERROR(number(&c->max_body_bytes));
    if (c->max_body_bytes < 1024) return bad("must be at least 1024");
  } else if (key == "secure_cookies") {
    if (value != "true" && value != "false") return bad("must be true or false");
    c->secure_cookies = value == "true";
  } else if (key == "web_root") {
    c->web_root = value;
  } else if (key == "sqlite_sync") {
    if (value != "full" && value != "normal") return bad("must be full or normal");
    c->sqlite_sync_full = value == "full";
  } else {
    return MakeError(Code::kInvalidArgument, fmt::format("{}: unknown key \"{}\"", where, key));
  }
  return OkStatus();
}

}  // namespace

std::string DefaultWebRoot() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "almanac" / "web";
    if (fs::exists(installed / "index.html", ec)) return installed.string();
  }
#ifdef ALMANAC_SOURCE_WEB_ROOT
  if (fs::exists(ALMANAC_SOURCE_WEB_ROOT, ec)) return ALMANAC_SOURCE_WEB_ROOT;
#endif
  return "";
}

void AddStorageFlags(CLI::App* cmd, StorageFlags* flags) {
  cmd->add_option("--data", flags->data_dir,
                  "Directory of the SQLite database (default ./almanac-data)");
  cmd->add_option("--db", flags->db_url,
                  "PostgreSQL URL (postgresql://user@host/db) instead of SQLite");
  cmd->add_option("--config", flags->config, "Config file of `key = value` lines");
}

Result<Config> LoadConfig(const StorageFlags& flags) {
  Config c;
  if (!flags.config.empty()) {
    std::ifstream in(flags.config);
    if (!in) {
      return MakeError(Code::kInvalidArgument,
                       fmt::format("cannot read config file {}", flags.config));
    }
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      line = Trim(line);
      if (line.empty() || line[0] == '#') continue;
      const std::size_t eq = line.find('=');
      const std::string where = fmt::format("{} line {}", flags.config, n);
      if (eq == std::string::npos) {
        return MakeError(Code::kInvalidArgument, fmt::format("{}: expected key = value", where));
      }
      std::string key = Trim(line.substr(0, eq));
      std::string value = Trim(line.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      ALMANAC_RETURN_IF_ERROR(ApplyKey(&c, key, value, where));
    }
  }
  if (!flags.data_dir.empty()) c.data_dir = flags.data_dir;
  if (!flags.db_url.empty()) c.db_url = flags.db_url;
  if (!c.db_url.empty() && !c.db_url.starts_with("postgresql://") &&
      !c.db_url.starts_with("postgres://")) {
    return MakeError(Code::kInvalidArgument, "--db takes a postgresql:// URL");
  }
  return c;
}

std::string DescribeLocation(const Config& c) {
  if (!c.db_url.empty()) {
    // Never print a password.
    std::string url = c.db_url;
    const std::size_t at = url.find('@');
    const std::size_t scheme = url.find("://");
    if (at != std::string::npos && scheme != std::string::npos) {
      const std::size_t colon = url.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) url.replace(colon + 1, at - colon - 1, "***");
    }
    return "PostgreSQL " + url;
  }
  return "SQLite " + c.data_dir + "/almanac.db";
}

Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config, bool migrate) {
  auto rt = std::make_unique<Runtime>();
  rt->config = config;
  store::DatabaseOptions db;
  db.location = config.db_url.empty() ? config.data_dir + "/almanac.db" : config.db_url;
  db.sqlite_sync = config.sqlite_sync_full ? store::SqliteSync::kFull : store::SqliteSync::kNormal;
  db.pool_size = config.pool_size;
  ALMANAC_ASSIGN_OR_RETURN(rt->store, store::SqlStore::Open(db, migrate));
  const core::Clock& clock = core::SystemClock::Instance();
  rt->accounts = std::make_unique<domain::AccountService>(*rt->store, clock);
  rt->calendars = std::make_unique<domain::CalendarService>(*rt->store, clock);
  rt->events = std::make_unique<domain::EventService>(*rt->store, clock);
  rt->dav = std::make_unique<domain::DavService>(*rt->store, clock, *rt->events, *rt->calendars);
  rt->resources = std::make_unique<domain::ResourceService>(*rt->store, clock);
  rt->leave = std::make_unique<domain::LeaveService>(*rt->store, clock);
  rt->approvals = std::make_unique<domain::ApprovalService>(*rt->resources, *rt->leave);
  rt->analytics = std::make_unique<domain::AnalyticsService>(*rt->store);
  return rt;
}

}  // namespace almanac::app
