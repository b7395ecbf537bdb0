// Operator subcommands on the data: `org add`, `user add`, `token create`, `calendar add`,
// `import`, `export`. Each takes --data / --db / --config like `serve` and
// works while a server runs on the same data (the database serialises
// writers; SQLite in WAL mode lets both in).
#pragma once

#include <CLI/CLI.hpp>

namespace almanac::app {

// Adds the subcommands; each sets *exit_code when it runs.
void AddAdminCommands(CLI::App& app, int* exit_code);

}  // namespace almanac::app
