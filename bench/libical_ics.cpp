// libical 3.0's parser and serializer behind the `ics` benchmark seam.
#include <libical/ical.h>

#include <cstdlib>
#include <string>

#include "ics_engine.h"

namespace almanac::bench {
namespace {

class LibicalIcs final : public IcsEngine {
 public:
  ~LibicalIcs() override { Clear(); }

  std::string name() const override { return "libical"; }
  std::string Describe() const override {
    return "libical " + std::to_string(ICAL_MAJOR_VERSION) + "." +
           std::to_string(ICAL_MINOR_VERSION) + "." + std::to_string(ICAL_PATCH_VERSION) +
           " (icalparser_parse_string, icalcomponent_as_ical_string_r)";
  }

  Status Parse(const std::string& text) override {
    Clear();
    icalerror_clear_errno();
    root_ = icalparser_parse_string(text.c_str());
    if (root_ == nullptr) {
      return MakeError(Code::kInvalidArgument, "icalparser_parse_string returned NULL");
    }
    return OkStatus();
  }

  void Serialize() override {
    std::free(out_);
    out_ = icalcomponent_as_ical_string_r(root_);
    output_ = out_ == nullptr ? std::string_view() : std::string_view(out_);
  }

  std::size_t EventCount() const override { return root_ == nullptr ? 0 : CountEvents(root_); }
  std::size_t WarningCount() const override { return root_ == nullptr ? 0 : CountErrors(root_); }

  void Clear() override {
    std::free(out_);
    out_ = nullptr;
    output_ = {};
    if (root_ != nullptr) icalcomponent_free(root_);
    root_ = nullptr;
  }

 private:
  static std::size_t CountEvents(icalcomponent* c) {
    std::size_t n = icalcomponent_isa(c) == ICAL_VEVENT_COMPONENT ? 1 : 0;
    for (icalcomponent* sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
         sub != nullptr; sub = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
      n += CountEvents(sub);
    }
    return n;
  }

  static std::size_t CountErrors(icalcomponent* c) {
    std::size_t n =
        static_cast<std::size_t>(icalcomponent_count_properties(c, ICAL_XLICERROR_PROPERTY));
    for (icalcomponent* sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
         sub != nullptr; sub = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
      n += CountErrors(sub);
    }
    return n;
  }

  icalcomponent* root_ = nullptr;
  char* out_ = nullptr;
};

}  // namespace

std::unique_ptr<IcsEngine> MakeLibicalIcsEngine() { return std::make_unique<LibicalIcs>(); }

}  // namespace almanac::bench
