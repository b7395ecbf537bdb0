// The subcommands of almanac_bench. Each takes the arguments after its name
// and returns the process exit status: 0 success, 1 a correctness failure
// (an almanac digest differs from the expected one, an engine error), 2 bad
// usage or unreadable input.
#pragma once

#include <string>
#include <vector>

namespace almanac::bench {

// almanac_bench expand SUITE [--reps R] [--min-time S] [--only NAME]
//                            [--engine almanac|libical|both] [--expected FILE]
//                            [--clock cpu|wall]
int RunExpandCommand(const std::vector<std::string>& args);

// almanac_bench ics FILE [--reps R] [--rounds N] [--warmup W]
//                        [--engine almanac|libical|both] [--clock cpu|wall]
int RunIcsCommand(const std::vector<std::string>& args, const std::string& self_exe);

// The hidden child half of `ics`: measures one engine in a fresh process so
// its peak RSS is its own, and prints one result line on stdout.
int RunIcsChildCommand(const std::vector<std::string>& args);

}  // namespace almanac::bench
