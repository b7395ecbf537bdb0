// The `almanac` executable: subcommands wired to the layers below.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "app/cli_util.h"
#include "app/admin_command.h"
#include "app/expand_command.h"
#include "app/ics_command.h"
#include "app/server_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Almanac: an organisation-wide calendar server", "almanac"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "almanac 0.1.0");
  int exit_code = 0;
  almanac::app::AddExpandCommand(app, &exit_code);
  almanac::app::AddIcsCommand(app, &exit_code);
  almanac::app::AddServerCommands(app, &exit_code);
  almanac::app::AddAdminCommands(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    for (char& c : msg) {
      if (c == '\n') c = ' ';
    }
    std::fprintf(stderr, "almanac: error: %s (see --help)\n", msg.c_str());
    return almanac::app::kExitBadInput;
  }
  return exit_code;
}
