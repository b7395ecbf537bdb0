// almanac_bench: the recurrence suite table and the parse/serialize
// benchmark, each measured for almanac and libical side by side. See
// docs/benchmarks.md.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  almanac_bench expand SUITE [--reps R] [--min-time S] [--only NAME]\n"
               "                             [--engine almanac|libical|both] [--expected FILE]\n"
               "                             [--clock cpu|wall]\n"
               "  almanac_bench ics FILE [--reps R] [--rounds N] [--warmup W]\n"
               "                         [--engine almanac|libical|both] [--clock cpu|wall]\n");
  return 2;
}

// The path of this executable, for re-executing it as an ics-child.
std::string SelfExe(const char* argv0) {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return argv0;
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "expand") return almanac::bench::RunExpandCommand(args);
  if (command == "ics") return almanac::bench::RunIcsCommand(args, SelfExe(argv[0]));
  if (command == "ics-child") return almanac::bench::RunIcsChildCommand(args);
  return Usage();
}
