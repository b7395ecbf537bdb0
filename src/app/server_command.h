// `almanac serve` and `almanac migrate`.
#pragma once

#include <CLI/CLI.hpp>

namespace almanac::app {

// Adds the subcommands; each sets *exit_code when it runs.
void AddServerCommands(CLI::App& app, int* exit_code);

}  // namespace almanac::app
