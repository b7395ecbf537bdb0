// Small helpers shared by the CLI subcommands: how errors reach the user.
#pragma once

#include "core/result.h"

namespace almanac::app {

// Exit status for bad input (usage errors, invalid files).
inline constexpr int kExitBadInput = 2;

// Prints "almanac: error: MESSAGE" on one line of stderr when `status` is an
// error. Returns 0 on success, kExitBadInput for caller errors and 1 for
// internal failures.
int ReportStatus(const Status& status);

}  // namespace almanac::app
