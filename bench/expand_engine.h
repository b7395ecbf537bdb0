// The seam between the recurrence benchmark and the engines it measures
// (almanac's own and libical 3.0 as the peer), so both are driven by one
// harness under the same suite semantics:
//   generate (COUNT/UNTIL) -> drop EXDATEs by wall-time equality (COUNT is not
//   given back) -> keep [FROM, TO) -> stop after MAX.
//
// Thread safety: a PreparedSeries is a single-thread object.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "suite.h"

namespace almanac::bench {

// One suite rule, parsed once by an engine. Count() is the timed unit of work;
// Collect() walks exactly the same way but keeps the starts for the digest.
class PreparedSeries {
 public:
  virtual ~PreparedSeries() = default;
  // Builds a fresh iterator from the parsed rule, walks it under the suite
  // semantics and returns how many occurrences were kept. No formatting.
  virtual std::size_t Count() = 0;
  // Same walk; appends each kept occurrence's wall-clock start (DTSTART frame).
  virtual void Collect(std::vector<core::LocalDateTime>* out) = 0;
  // Empty, or why the last walk could not be trusted (the iterator could not
  // be built, or a work cap stopped it early).
  const std::string& problem() const { return problem_; }

 protected:
  std::string problem_;
};

class ExpandEngine {
 public:
  virtual ~ExpandEngine() = default;
  // "almanac" or "libical": the column and --engine name.
  virtual std::string name() const = 0;
  // Free text for the "# engine:" line (version, mode).
  virtual std::string Describe() const = 0;
  // Parses `rule` (outside any timed region).
  // Errors: whatever the engine reports for a rule or zone it cannot use.
  virtual Result<std::unique_ptr<PreparedSeries>> Prepare(const SuiteRule& rule) = 0;
};

std::unique_ptr<ExpandEngine> MakeAlmanacExpandEngine();
std::unique_ptr<ExpandEngine> MakeLibicalExpandEngine();

}  // namespace almanac::bench
