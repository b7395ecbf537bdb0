// `almanac ics check FILE` and `almanac ics expand FILE --from D --to D`.
#pragma once

#include <CLI/CLI.hpp>

namespace almanac::app {

// Registers `ics` with its subcommands on `app`; `*exit_code` receives the
// result when one runs.
void AddIcsCommand(CLI::App& app, int* exit_code);

}  // namespace almanac::app
