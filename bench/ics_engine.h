// The seam between the parse/serialize benchmark (`almanac_bench ics`) and the
// engines it measures: almanac's parser and serializer (src/ical/parser.h)
// and libical 3.0's icalparser_parse_string + icalcomponent_as_ical_string_r.
//
// Thread safety: an IcsEngine is a single-thread object.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace almanac::bench {

class IcsEngine {
 public:
  virtual ~IcsEngine() = default;
  // "almanac" or "libical".
  virtual std::string name() const = 0;
  // Free text for the report (version, mode).
  virtual std::string Describe() const = 0;
  // Parses a whole iCalendar stream into the engine's tree and keeps it.
  // REQUIRES: `text` is NUL-terminated (libical wants a C string).
  // Errors: kInvalidArgument when the engine rejects the stream.
  virtual Status Parse(const std::string& text) = 0;
  // Serializes the kept tree; the text stays readable through output().
  // REQUIRES: a successful Parse() since the last Clear().
  virtual void Serialize() = 0;
  std::string_view output() const { return output_; }
  // VEVENTs in the kept tree, at any depth under the top-level components.
  virtual std::size_t EventCount() const = 0;
  // Problems the engine noted in the kept tree without failing (almanac's
  // warnings, libical's X-LIC-ERROR properties); 0 for a clean input.
  virtual std::size_t WarningCount() const = 0;
  // Frees the tree and the output (outside the timed regions).
  virtual void Clear() = 0;

 protected:
  std::string_view output_;  // owned by the engine, valid until Clear()
};

std::unique_ptr<IcsEngine> MakeAlmanacIcsEngine();
std::unique_ptr<IcsEngine> MakeLibicalIcsEngine();

}  // namespace almanac::bench
