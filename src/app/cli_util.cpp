#include "app/cli_util.h"

#include <cstdio>
#include <string>

namespace almanac::app {

int ReportStatus(const Status& status) {
  if (status.ok()) return 0;
  std::string msg = status.error().message;
  for (char& c : msg) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "almanac: error: %s\n", msg.c_str());
  switch (status.code()) {
    case Code::kInternal:
    case Code::kUnavailable:
      return 1;
    default:
      return kExitBadInput;
  }
}

}  // namespace almanac::app
