#include "app/admin_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli_util.h"
#include "app/runtime.h"

namespace almanac::app {
namespace {

Result<std::unique_ptr<Runtime>> Open(const StorageFlags& flags) {
  ALMANAC_ASSIGN_OR_RETURN(Config config, LoadConfig(flags));
  return OpenRuntime(config);
}

// The operator acts as an admin of the organisation owning `calendar_id`.
Result<domain::Principal> OperatorFor(Runtime& rt, domain::Id calendar_id) {
  domain::Principal p;
  bool found = false;
  ALMANAC_RETURN_IF_ERROR(rt.store->Read([&](domain::StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::vector<domain::Organisation> orgs, tx.ListOrganisations());
    for (const domain::Organisation& org : orgs) {
      if (tx.GetCalendar(org.id, calendar_id).ok()) {
        p.org_id = org.id;
        found = true;
        break;
      }
    }
    return OkStatus();
  }));
  if (!found) return MakeError(Code::kNotFound, fmt::format("no calendar {}", calendar_id));
  p.username = "operator";
  p.role = domain::Role::kAdmin;
  return p;
}

// A progress bar on stderr: redrawn in place on a terminal, one line per
// tenth otherwise (logs).
class ProgressBar {
 public:
  ProgressBar() : tty_(isatty(STDERR_FILENO) == 1) {}
  void Update(std::string_view phase, std::size_t done, std::size_t total) {
    const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
    if (phase == phase_ && (tty_ ? percent == last_ : percent / 10 == last_ / 10)) return;
    if (phase != phase_ && tty_ && !phase_.empty()) std::fputc('\n', stderr);
    phase_ = std::string(phase);
    last_ = percent;
    constexpr int kWidth = 30;
    const int filled = percent * kWidth / 100;
    std::fprintf(stderr, "%s%-5s [%s%s] %3d%% %zu/%zu events%s", tty_ ? "\r" : "",
                 phase_.c_str(), std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(), percent,
                 done, total, tty_ ? "" : "\n");
    std::fflush(stderr);
  }
  void Finish() {
    if (tty_ && !phase_.empty()) std::fputc('\n', stderr);
  }

 private:
  bool tty_;
  std::string phase_;
  int last_ = -1;
};

int OrgAdd(const StorageFlags& flags, const std::string& name, std::string slug) {
  Result<std::unique_ptr<Runtime>> rt = Open(flags);
  if (!rt.ok()) return ReportStatus(rt.status());
  if (slug.empty()) {
    for (char c : name) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        slug += c;
      } else if (c >= 'A' && c <= 'Z') {
        slug += static_cast<char>(c - 'A' + 'a');
      } else if (!slug.empty() && slug.back() != '-') {
        slug += '-';
      }
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
  }
  Result<domain::Organisation> org = (*rt)->accounts->CreateOrganisation(slug, name);
  if (!org.ok()) return ReportStatus(org.status());
  std::printf("organisation %s (id %lld) created\n", org->slug.c_str(),
              static_cast<long long>(org->id));
  return 0;
}

int UserAdd(const StorageFlags& flags, domain::NewUser user, const std::string& org,
            const std::string& role, bool password_stdin) {
  std::optional<domain::Role> r = domain::RoleFromName(role);
  if (!r) {
    return ReportStatus(MakeError(Code::kInvalidArgument,
                                  "--role must be admin, manager, member or viewer"));
  }
  user.role = *r;
  if (password_stdin) {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      return ReportStatus(MakeError(Code::kInvalidArgument, "no password on standard input"));
    }
    user.password = line;
  }
  Result<std::unique_ptr<Runtime>> rt = Open(flags);
  if (!rt.ok()) return ReportStatus(rt.status());
  Result<domain::User> u = (*rt)->accounts->CreateUser(org, user);
  if (!u.ok()) return ReportStatus(u.status());
  std::printf("user %s (id %lld, %s) created in %s\n", u->username.c_str(),
              static_cast<long long>(u->id), domain::RoleName(u->role), org.c_str());
  return 0;
}

int TokenCreate(const StorageFlags& flags, const std::string& username, const std::string& name) {
  Result<std::unique_ptr<Runtime>> rt = Open(flags);
  if (!rt.ok()) return ReportStatus(rt.status());
  Result<domain::CreatedToken> t = (*rt)->accounts->CreateApiTokenFor(username, name);
  if (!t.ok()) return ReportStatus(t.status());
  // The token alone on stdout, so scripts can capture it.
  std::printf("%s\n", t->token.c_str());
  std::fprintf(stderr, "token %lld for %s created; it is shown only now\n",
               static_cast<long long>(t->record.id), username.c_str());
  return 0;
}

int CalendarAdd(const StorageFlags& flags, const std::string& name, const std::string& username,
                const std::string& timezone, const std::string& module) {
  Result<std::unique_ptr<Runtime>> rt = Open(flags);
  if (!rt.ok()) return ReportStatus(rt.status());
  domain::User user;
  Status s = (*rt)->store->Read([&](domain::StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(user, tx.GetUserByUsername(username));
    return OkStatus();
  });
  if (!s.ok()) return ReportStatus(s);
  domain::CalendarChange change;
  change.name = name;
  if (!timezone.empty()) change.timezone = timezone;
  if (!module.empty()) change.module = module;
  Result<domain::CalendarWithAccess> cal =
      (*rt)->calendars->Create(domain::PrincipalOf(user), change);
  if (!cal.ok()) return ReportStatus(cal.status());
  std::printf("%lld\n", static_cast<long long>(cal->calendar.id));
  std::fprintf(stderr, "calendar \"%s\" (id %lld) created for %s\n", name.c_str(),
               static_cast<long long>(cal->calendar.id), username.c_str());
  return 0;
}

int Import(const StorageFlags& flags, const std::string& file, domain::Id calendar_id,
           bool no_replace) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ReportStatus(MakeError(Code::kInvalidArgument, "cannot read " + file));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string ics = buffer.str();
  Result<std::unique_ptr<Runtime>> rt = Open(flags);
  if (!rt.ok()) return ReportStatus(rt.status());
  Result<domain::Principal> op = OperatorFor(**rt, calendar_id);
  if (!op.ok()) return ReportStatus(op.status());
  ProgressBar bar;
  domain::ImportOptions options;
  options.replace_existing = !no_replace;
  options.progress = [&](std::string_view phase, std::size_t done, std::size_t total) {
    bar.Update(phase, done, total);
  };
  Result<domain::ImportReport> report = (*rt)->events->Import(*op, calendar_id, ics, options);
  bar.Finish();
  if (!report.ok()) {
    return ReportStatus(MakeError(report.error().code,
                                  fmt::format("{}: {} (nothing was imported)", file,
                                              report.error().message),
                                  report.error().detail));
  }
  for (const std::string& w : report->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf("imported %s into calendar %lld: %zu created, %zu updated\n", file.c_str(),
              static_cast<long long>(calendar_id), report->created, report->updated);
  return 0;
}

int Export(const StorageFlags& flags, domain::Id calendar_id, const std::string& output) {
  Result<std::unique_ptr<Runtime>> rt = Open(flags);
  if (!rt.ok()) return ReportStatus(rt.status());
  Result<domain::Principal> op = OperatorFor(**rt, calendar_id);
  if (!op.ok()) return ReportStatus(op.status());
  Result<std::string> ics = (*rt)->events->Export(*op, calendar_id);
  if (!ics.ok()) return ReportStatus(ics.status());
  if (output.empty() || output == "-") {
    std::fwrite(ics->data(), 1, ics->size(), stdout);
    return 0;
  }
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << *ics;
  if (!out) return ReportStatus(MakeError(Code::kUnavailable, "cannot write " + output));
  return 0;
}

}  // namespace

void AddAdminCommands(CLI::App& app, int* exit_code) {
  // org add NAME [--slug S]
  CLI::App* org = app.add_subcommand("org", "Organisations (tenants)");
  org->require_subcommand(1);
  struct OrgArgs {
    StorageFlags storage;
    std::string name, slug;
  };
  auto oa = std::make_shared<OrgArgs>();
  CLI::App* org_add = org->add_subcommand("add", "Create an organisation");
  AddStorageFlags(org_add, &oa->storage);
  org_add->add_option("NAME", oa->name, "Display name")->required();
  org_add->add_option("--slug", oa->slug,
                      "Short name for the command line (default: derived from NAME)");
  org_add->callback([oa, exit_code] { *exit_code = OrgAdd(oa->storage, oa->name, oa->slug); });

  // user add USERNAME --org ORG --email E --role R [--password-stdin]
  CLI::App* user = app.add_subcommand("user", "Users");
  user->require_subcommand(1);
  struct UserArgs {
    StorageFlags storage;
    domain::NewUser user;
    std::string org, role = "member";
    bool password_stdin = false;
  };
  auto ua = std::make_shared<UserArgs>();
  CLI::App* user_add = user->add_subcommand("add", "Create a user");
  AddStorageFlags(user_add, &ua->storage);
  user_add->add_option("USERNAME", ua->user.username, "Login name")->required();
  user_add->add_option("--org", ua->org, "Organisation slug")->required();
  user_add->add_option("--email", ua->user.email, "E-mail address")->required();
  user_add->add_option("--role", ua->role, "admin, manager, member (default) or viewer");
  user_add->add_option("--name", ua->user.display_name, "Display name");
  user_add->add_option("--timezone", ua->user.timezone, "IANA time zone (default UTC)");
  user_add->add_flag("--password-stdin", ua->password_stdin,
                     "Read the password from the first line of standard input");
  user_add->callback([ua, exit_code] {
    *exit_code = UserAdd(ua->storage, ua->user, ua->org, ua->role, ua->password_stdin);
  });

  // token create USERNAME [--name N]
  CLI::App* token = app.add_subcommand("token", "API bearer tokens");
  token->require_subcommand(1);
  struct TokenArgs {
    StorageFlags storage;
    std::string username, name = "cli";
  };
  auto ta = std::make_shared<TokenArgs>();
  CLI::App* token_create =
      token->add_subcommand("create", "Create an API token for a user and print it once");
  AddStorageFlags(token_create, &ta->storage);
  token_create->add_option("USERNAME", ta->username, "Whose token")->required();
  token_create->add_option("--name", ta->name, "What the token is for");
  token_create->callback(
      [ta, exit_code] { *exit_code = TokenCreate(ta->storage, ta->username, ta->name); });

  // calendar add NAME --user USERNAME
  CLI::App* calendar = app.add_subcommand("calendar", "Calendars");
  calendar->require_subcommand(1);
  struct CalendarArgs {
    StorageFlags storage;
    std::string name, username, timezone, module;
  };
  auto ca = std::make_shared<CalendarArgs>();
  CLI::App* calendar_add =
      calendar->add_subcommand("add", "Create a calendar owned by a user; prints its id");
  AddStorageFlags(calendar_add, &ca->storage);
  calendar_add->add_option("NAME", ca->name, "Calendar name")->required();
  calendar_add->add_option("--user", ca->username, "Owner's username")->required();
  calendar_add->add_option("--timezone", ca->timezone, "IANA time zone of the calendar");
  calendar_add->add_option("--module", ca->module, "Module key (default coordination)");
  calendar_add->callback([ca, exit_code] {
    *exit_code = CalendarAdd(ca->storage, ca->name, ca->username, ca->timezone, ca->module);
  });

  // import FILE --calendar ID
  struct ImportArgs {
    StorageFlags storage;
    std::string file;
    domain::Id calendar = 0;
    bool no_replace = false;
  };
  auto ia = std::make_shared<ImportArgs>();
  CLI::App* import = app.add_subcommand(
      "import", "Import an .ics file into a calendar, all or nothing, with a progress bar");
  AddStorageFlags(import, &ia->storage);
  import->add_option("FILE", ia->file, "iCalendar file")->required();
  import->add_option("--calendar", ia->calendar, "Calendar id")->required();
  import->add_flag("--no-replace", ia->no_replace,
                   "Fail instead of replacing events whose UID the calendar has");
  import->callback([ia, exit_code] {
    *exit_code = Import(ia->storage, ia->file, ia->calendar, ia->no_replace);
  });

  // export --calendar ID [-o FILE]
  struct ExportArgs {
    StorageFlags storage;
    domain::Id calendar = 0;
    std::string output;
  };
  auto ea = std::make_shared<ExportArgs>();
  CLI::App* exp = app.add_subcommand("export", "Export a calendar as one .ics file");
  AddStorageFlags(exp, &ea->storage);
  exp->add_option("--calendar", ea->calendar, "Calendar id")->required();
  exp->add_option("-o,--output", ea->output, "Output file (default: standard output)");
  exp->callback([ea, exit_code] { *exit_code = Export(ea->storage, ea->calendar, ea->output); });
}

}  // namespace almanac::app
