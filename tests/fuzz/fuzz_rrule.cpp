// libFuzzer target: the RECUR parser and writer (rrule.h) and a bounded
// expansion of whatever parses (recurrence.h).
//
// For each input, in strict and in lenient mode:
//  - ParseRecurrenceRule must not crash;
//  - a parsed rule must survive FormatRecurrenceRule -> ParseRecurrenceRule
//    unchanged (same mode);
//  - expanding it from a fixed DTSTART under small ExpandLimits must stop,
//    start with DTSTART and be strictly sorted; Expand() must stay within
//    its output cap and window.
// Any violation aborts, which libFuzzer reports with the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "core/time_zone.h"
#include "ical/recurrence.h"
#include "ical/rrule.h"

namespace {

using almanac::Result;
namespace core = almanac::core;
namespace ical = almanac::ical;

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "fuzz_rrule: %s\n  input:  %.*s\n  detail: %s\n", what,
               static_cast<int>(input.size()), input.data(), detail.c_str());
  std::abort();
}

void CheckExpansion(const ical::RecurrenceRule& rule, std::string_view input, std::size_t frame) {
  ical::SeriesSpec spec;
  // A leap day, half past nine: month ends, Feb 29 and DST all get exercised.
  spec.dtstart = core::LocalDateTime::FromCivil(2024, 2, 29, 9, 30, 0);
  if (frame == 1) {
    static const core::TimeZone* ny = [] {
      Result<const core::TimeZone*> z = core::FindIanaZone("America/New_York");
      return z.ok() ? *z : nullptr;
    }();
    spec.zone = ny;
  } else if (frame == 2) {
    spec.all_day = true;
    spec.dtstart = core::LocalDateTime::FromCivil(2024, 2, 29, 0, 0, 0);
  }
  spec.rrules.push_back(rule);
  ical::ExpandLimits limits;
  limits.max_occurrences = 40;
  limits.max_iterations = 20000;

  Result<ical::RecurrenceIterator> it = ical::RecurrenceIterator::Create(spec, limits);
  if (!it.ok()) return;  // e.g. BYHOUR on an all-day series: a clean error is fine
  ical::Occurrence occ;
  std::size_t n = 0;
  core::LocalDateTime prev;
  while (it->Next(&occ)) {
    if (n == 0 && (!rule.count || *rule.count > 0) && spec.zone == nullptr &&
        occ.start != spec.dtstart) {
      Fail("first occurrence is not DTSTART", input, core::FormatLocal(occ.start));
    }
    if (n > 0 && !(prev < occ.start)) {
      Fail("occurrences not strictly ascending", input,
           core::FormatLocal(prev) + " then " + core::FormatLocal(occ.start));
    }
    prev = occ.start;
    // The iterator stops itself at max_occurrences (output cap) and
    // max_iterations (work cap), so this loop always ends.
    if (++n > limits.max_occurrences) {
      Fail("iterator returned more than max_occurrences", input, std::to_string(n));
    }
  }

  // The windowed entry point, over a window that starts later (seeking).
  Result<ical::Expansion> e =
      ical::Expand(spec, core::LocalDateTime::FromCivil(2031, 6, 1, 0, 0, 0),
                   core::LocalDateTime::FromCivil(2032, 6, 1, 0, 0, 0), limits);
  if (e.ok()) {
    if (e->occurrences.size() > limits.max_occurrences) {
      Fail("Expand exceeded the output cap", input, std::to_string(e->occurrences.size()));
    }
    for (std::size_t i = 0; i < e->occurrences.size(); ++i) {
      const core::LocalDateTime t = e->occurrences[i].start;
      if (t < core::LocalDateTime::FromCivil(2031, 6, 1, 0, 0, 0) ||
          t >= core::LocalDateTime::FromCivil(2032, 6, 1, 0, 0, 0)) {
        Fail("Expand returned an occurrence outside the window", input, core::FormatLocal(t));
      }
      if (i > 0 && !(e->occurrences[i - 1].start < t)) {
        Fail("Expand result not strictly ascending", input, core::FormatLocal(t));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const bool lenient : {false, true}) {
    ical::RuleParseOptions options;
    options.lenient = lenient;
    std::vector<std::string> warnings;
    Result<ical::RecurrenceRule> rule = ical::ParseRecurrenceRule(input, options, &warnings);
    if (!rule.ok()) continue;

    const std::string text = ical::FormatRecurrenceRule(*rule);
    Result<ical::RecurrenceRule> again = ical::ParseRecurrenceRule(text, options);
    if (!again.ok()) {
      Fail(lenient ? "lenient: formatted rule does not parse"
                   : "strict: formatted rule does not parse",
           input, text + " -> " + again.error().message);
    }
    if (!(*again == *rule)) {
      Fail("format/parse round trip changed the rule", input,
           text + " -> " + ical::FormatRecurrenceRule(*again));
    }
    CheckExpansion(*rule, input, size % 3);
  }
  return 0;
}
