// `almanac expand`: the command-line contract for checking the recurrence
// engine (issue #2). Exit status 0 on success, 2 on bad input with one line
// on stderr.
#pragma once

#include <CLI/CLI.hpp>

namespace almanac::app {

// Registers the subcommand on `app`; `*exit_code` receives the result when it runs.
void AddExpandCommand(CLI::App& app, int* exit_code);

}  // namespace almanac::app
