#include "app/server_command.h"

#include <fmt/format.h>

#include <malloc.h>

#include <cstdio>

#include "app/cli_util.h"
#include "app/housekeeping.h"
#include "app/openapi_json.h"
#include "app/runtime.h"
#include "caldav/dav_server.h"
#include "core/crypto.h"
#include "http/api.h"
#include "http/router.h"
#include "http/server.h"
#include "http/static_site.h"
#include "store/migrations.h"

namespace almanac::app {
namespace {

// On the very first start there is nobody to sign in as: make an
// organisation and an admin, and print the password once.
Status Bootstrap(Runtime& rt) {
  bool empty = false;
  ALMANAC_RETURN_IF_ERROR(rt.store->Read([&](domain::StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::vector<domain::Organisation> orgs, tx.ListOrganisations());
    empty = orgs.empty();
    return OkStatus();
  }));
  if (!empty) return OkStatus();
  Result<domain::Organisation> org = rt.accounts->CreateOrganisation("main", "Almanac");
  if (!org.ok()) {
    // Another process on the same database won the race.
    return org.error().code == Code::kAlreadyExists ? OkStatus() : org.status();
  }
  ALMANAC_ASSIGN_OR_RETURN(std::string password, core::RandomToken(12));
  domain::NewUser admin;
  admin.username = "admin";
  admin.email = "admin@localhost";
  admin.display_name = "Administrator";
  admin.role = domain::Role::kAdmin;
  admin.password = password;
  ALMANAC_RETURN_IF_ERROR(rt.accounts->CreateUser("main", admin).status());
  std::printf(
      "almanac: first start: created organisation \"main\" and its admin user \"admin\"\n"
      "almanac: admin password (shown only now): %s\n",
      password.c_str());
  std::fflush(stdout);
  return OkStatus();
}

int Serve(const StorageFlags& flags, const std::string& listen, unsigned threads,
          unsigned read_threads, const std::string& web_root, bool bootstrap) {
  // Responses of tens of kilobytes are built and freed on every request:
  // keep freed memory for the next one instead of returning it to the
  // kernel (each return and re-fault cost more than building the response).
  // Bounded so that the worker threads' arenas together stay small.
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_ARENA_MAX, 4);
  Result<Config> config = LoadConfig(flags);
  if (!config.ok()) return ReportStatus(config.status());
  if (!listen.empty()) config->listen = listen;
  if (threads != 0) config->threads = threads;
  if (read_threads != 0) config->read_threads = read_threads;
  if (!web_root.empty()) config->web_root = web_root;
  if (config->web_root.empty()) config->web_root = DefaultWebRoot();
  Result<std::shared_ptr<const http::StaticSite>> site = http::StaticSite::Load(config->web_root);
  if (!site.ok()) return ReportStatus(site.status());
  Result<std::unique_ptr<Runtime>> rt = OpenRuntime(*config);
  if (!rt.ok()) return ReportStatus(rt.status());
  Runtime& runtime = **rt;
  if (bootstrap) {
    Status s = Bootstrap(runtime);
    if (!s.ok()) return ReportStatus(s);
  }
  http::Router router;
  http::ApiServices services;
  services.store = runtime.store.get();
  services.accounts = runtime.accounts.get();
  services.calendars = runtime.calendars.get();
  services.events = runtime.events.get();
  services.clock = &core::SystemClock::Instance();
  services.resources = runtime.resources.get();
  services.leave = runtime.leave.get();
  services.approvals = runtime.approvals.get();
  services.analytics = runtime.analytics.get();
  http::ApiOptions api_options;
  api_options.secure_cookies = config->secure_cookies;
  api_options.openapi_json = OpenApiJson();
  http::RegisterApi(router, services, api_options);
  caldav::CalDavServices dav;
  dav.accounts = runtime.accounts.get();
  dav.dav = runtime.dav.get();
  dav.events = runtime.events.get();
  dav.clock = &core::SystemClock::Instance();
  caldav::RegisterCalDav(router, dav);
  http::RegisterStaticSite(router, *site);

  http::ServerOptions options;
  options.listen = config->listen;
  options.threads = config->threads;
  options.read_threads = config->read_threads;
  options.max_body_bytes = config->max_body_bytes;
  options.handle_signals = true;
  Result<std::unique_ptr<http::Server>> server = http::Server::Create(options, router.AsHandler());
  if (!server.ok()) return ReportStatus(server.status());
  std::string host = config->listen.substr(0, config->listen.rfind(':'));
  std::printf("almanac: data in %s\nalmanac: web app %s\nalmanac: listening on http://%s:%u\n",
              DescribeLocation(*config).c_str(),
              (*site)->has_app() ? ("from " + config->web_root).c_str() : "not built (see /)",
              host.c_str(), (*server)->port());
  std::fflush(stdout);
  Housekeeper housekeeper(*runtime.resources, std::chrono::seconds(60));
  housekeeper.Start();
  (*server)->Run();
  housekeeper.Stop();
  std::printf("almanac: stopped\n");
  return 0;
}

int RunMigrate(const StorageFlags& flags) {
  Result<Config> config = LoadConfig(flags);
  if (!config.ok()) return ReportStatus(config.status());
  Result<std::unique_ptr<Runtime>> rt = OpenRuntime(*config, /*migrate=*/false);
  if (!rt.ok()) return ReportStatus(rt.status());
  Result<int> before = store::CurrentSchemaVersion((*rt)->store->database());
  if (!before.ok()) return ReportStatus(before.status());
  Result<int> applied = store::Migrate((*rt)->store->database(), store::SchemaMigrations());
  if (!applied.ok()) return ReportStatus(applied.status());
  Result<int> after = store::CurrentSchemaVersion((*rt)->store->database());
  if (!after.ok()) return ReportStatus(after.status());
  std::printf("almanac: %s: schema version %d -> %d (%d migration%s applied)\n",
              DescribeLocation(*config).c_str(), *before, *after, *applied,
              *applied == 1 ? "" : "s");
  return 0;
}

}  // namespace

void AddServerCommands(CLI::App& app, int* exit_code) {
  struct ServeArgs {
    StorageFlags storage;
    std::string listen;
    unsigned threads = 0;
    unsigned read_threads = 0;
    std::string web_root;
    bool no_bootstrap = false;
  };
  auto serve_args = std::make_shared<ServeArgs>();
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run the server: web app, REST API, CalDAV, feeds and health check. Stops cleanly on SIGTERM/SIGINT. On a "
      "new database it creates organisation \"main\" and user \"admin\" and prints the password "
      "once.");
  AddStorageFlags(serve, &serve_args->storage);
  serve->add_option("--listen", serve_args->listen, "host:port to listen on (127.0.0.1:8080)");
  serve->add_option("--threads", serve_args->threads,
                    "Worker threads for requests that change things (default: 4 per core)");
  serve->add_option("--read-threads", serve_args->read_threads,
                    "Worker threads for reads: GET, PROPFIND, REPORT (default: one per core)");
  serve->add_option("--web-root", serve_args->web_root,
                    "Directory of the built web app served at / (default: share/almanac/web "
                    "beside the binary, else the source tree's web/dist)");
  serve->add_flag("--no-bootstrap", serve_args->no_bootstrap,
                  "Do not create the first organisation and admin on an empty database");
  serve->callback([serve_args, exit_code] {
    *exit_code = Serve(serve_args->storage, serve_args->listen, serve_args->threads,
                       serve_args->read_threads, serve_args->web_root,
                       !serve_args->no_bootstrap);
  });

  auto migrate_flags = std::make_shared<StorageFlags>();
  CLI::App* migrate = app.add_subcommand(
      "migrate", "Apply the database schema migrations (serve also does this at start)");
  AddStorageFlags(migrate, migrate_flags.get());
  migrate->callback([migrate_flags, exit_code] { *exit_code = RunMigrate(*migrate_flags); });
}

}  // namespace almanac::app
