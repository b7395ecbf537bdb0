// libFuzzer target: the iCalendar parser (parser.h) and serializer
// (serializer.h).
//
// For each input, in strict and in lenient mode (with small ParseLimits so
// the fuzzer cannot spend its time on size):
//  - Parse must not crash, leak or trip a sanitizer;
//  - every top-level component it returns must satisfy serializer.h's
//    promise: Parse(Serialize(c)) in the same mode gives back exactly c.
// Any violation aborts, which libFuzzer reports with the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ical/model.h"
#include "ical/parser.h"
#include "ical/serializer.h"

namespace {

namespace ical = almanac::ical;

[[noreturn]] void Fail(const char* what, bool lenient, const std::string& text,
                       const std::string& detail) {
  std::fprintf(stderr, "fuzz_ical_parser (%s): %s\n  serialized:\n%s\n  detail: %s\n",
               lenient ? "lenient" : "strict", what, text.c_str(), detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const bool lenient : {false, true}) {
    ical::ParseOptions options;
    options.lenient = lenient;
    options.limits.max_input_bytes = 1 << 20;
    options.limits.max_line_octets = 1 << 16;
    options.limits.max_depth = 16;
    options.limits.max_properties = 20000;
    options.limits.max_components = 2000;
    options.limits.max_warnings = 50;

    almanac::Result<ical::ParsedCalendar> parsed = ical::Parse(input, options);
    if (!parsed.ok()) continue;
    for (const ical::Component& c : parsed->components) {
      const std::string text = ical::Serialize(c);
      almanac::Result<ical::ParsedCalendar> again = ical::Parse(text, options);
      if (!again.ok())
        Fail("serialized component does not parse", lenient, text, again.error().message);
      if (again->components.size() != 1) {
        Fail("serialized component parses into a different number of components", lenient, text,
             std::to_string(again->components.size()));
      }
      if (!(again->components[0] == c)) {
        Fail("parse(serialize(c)) != c", lenient, text,
             "re-serialized:\n" + ical::Serialize(again->components[0]));
      }
    }
  }
  return 0;
}
