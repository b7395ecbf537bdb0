// Almanac's parser (src/ical/parser.h, default strict options) and serializer
// (src/ical/serializer.h) behind the `ics` benchmark seam.
#include <string>
#include <utility>

#include "ical/model.h"
#include "ical/parser.h"
#include "ical/serializer.h"
#include "ics_engine.h"

#ifndef ALMANAC_VERSION_STRING
#define ALMANAC_VERSION_STRING "unknown"
#endif

namespace almanac::bench {
namespace {

std::size_t CountEvents(const ical::Component& c) {
  std::size_t n = c.name == "VEVENT" ? 1 : 0;
  for (const ical::Component& sub : c.components) n += CountEvents(sub);
  return n;
}

class AlmanacIcs final : public IcsEngine {
 public:
  std::string name() const override { return "almanac"; }
  std::string Describe() const override {
    return std::string("almanac ") + ALMANAC_VERSION_STRING +
           " (ical::Parse with default strict options, ical::SerializeTo per top-level "
           "component into one string)";
  }

  Status Parse(const std::string& text) override {
    Clear();
    Result<ical::ParsedCalendar> parsed = ical::Parse(text);
    if (!parsed.ok()) return parsed.error();
    calendar_ = std::move(parsed).value();
    return OkStatus();
  }

  void Serialize() override {
    out_.clear();
    for (const ical::Component& c : calendar_.components) ical::SerializeTo(c, &out_);
    output_ = out_;
  }

  std::size_t EventCount() const override {
    std::size_t n = 0;
    for (const ical::Component& c : calendar_.components) n += CountEvents(c);
    return n;
  }

  std::size_t WarningCount() const override { return calendar_.warnings.size(); }

  void Clear() override {
    calendar_ = {};
    std::string().swap(out_);
    output_ = {};
  }

 private:
  ical::ParsedCalendar calendar_;
  std::string out_;
};

}  // namespace

std::unique_ptr<IcsEngine> MakeAlmanacIcsEngine() { return std::make_unique<AlmanacIcs>(); }

}  // namespace almanac::bench
