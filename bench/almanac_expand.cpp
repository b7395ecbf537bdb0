// Almanac's recurrence engine (src/ical/recurrence.h) behind the benchmark
// seam. EXDATEs go into SeriesSpec::exdates so the engine drops them itself;
// the window uses SeekTo(FROM) and the walk stops at TO; MAX is ours.
#include <limits>
#include <string>
#include <utility>

#include "core/time_zone.h"
#include "expand_engine.h"
#include "ical/recurrence.h"
#include "ical/rrule.h"

#ifndef ALMANAC_VERSION_STRING
#define ALMANAC_VERSION_STRING "unknown"
#endif

namespace almanac::bench {
namespace {

// The suite asks for the whole series (up to 10000 occurrences, windows up to
// a century out), so the server's per-call caps would cut it short.
constexpr ical::ExpandLimits kBenchLimits{
    .max_occurrences = std::numeric_limits<std::size_t>::max(),
    .max_iterations = std::numeric_limits<std::uint64_t>::max(),
};

class AlmanacSeries final : public PreparedSeries {
 public:
  AlmanacSeries(const SuiteRule& rule, ical::SeriesSpec spec)
      : spec_(std::move(spec)), from_(rule.from), to_(rule.to), max_(rule.max) {}

  std::size_t Count() override {
    return Walk([](core::LocalDateTime) {});
  }
  void Collect(std::vector<core::LocalDateTime>* out) override {
    Walk([out](core::LocalDateTime t) { out->push_back(t); });
  }

 private:
  template <typename Emit>
  std::size_t Walk(Emit&& emit) {
    Result<ical::RecurrenceIterator> it = ical::RecurrenceIterator::Create(spec_, kBenchLimits);
    if (!it.ok()) {
      problem_ = "RecurrenceIterator::Create: " + it.error().message;
      return 0;
    }
    if (from_) it->SeekTo(*from_);
    std::size_t kept = 0;
    ical::Occurrence occ;
    while (it->Next(&occ)) {
      if (to_ && occ.start >= *to_) return kept;
      if (from_ && occ.start < *from_) continue;
      emit(occ.start);
      if (++kept == max_) return kept;
    }
    const ical::StopReason stop = it->stop_reason();
    if (stop != ical::StopReason::kComplete && stop != ical::StopReason::kNeverMatches) {
      problem_ = std::string("stopped early: ") + ical::StopReasonName(stop);
    }
    return kept;
  }

  ical::SeriesSpec spec_;
  std::optional<core::LocalDateTime> from_, to_;
  std::optional<std::size_t> max_;
};

class AlmanacEngine final : public ExpandEngine {
 public:
  std::string name() const override { return "almanac"; }
  std::string Describe() const override {
    return std::string("almanac ") + ALMANAC_VERSION_STRING +
           " (RecurrenceIterator::Create per expansion, SeekTo for FROM windows, "
           "EXDATEs via SeriesSpec::exdates)";
  }

  Result<std::unique_ptr<PreparedSeries>> Prepare(const SuiteRule& rule) override {
    ALMANAC_ASSIGN_OR_RETURN(ical::RecurrenceRule parsed, ical::ParseRecurrenceRule(rule.rrule));
    ical::SeriesSpec spec;
    spec.dtstart = rule.dtstart;
    spec.all_day = rule.all_day;
    spec.utc = rule.utc;
    if (rule.tzid) {
      ALMANAC_ASSIGN_OR_RETURN(spec.zone, core::FindIanaZone(*rule.tzid));
    }
    spec.rrules.push_back(std::move(parsed));
    spec.exdates = rule.exdates;
    // Fail at preparation, not in the timed loop, if the engine refuses it.
    ALMANAC_RETURN_IF_ERROR(ical::RecurrenceIterator::Create(spec, kBenchLimits));
    return std::unique_ptr<PreparedSeries>(std::make_unique<AlmanacSeries>(rule, std::move(spec)));
  }
};

}  // namespace

std::unique_ptr<ExpandEngine> MakeAlmanacExpandEngine() {
  return std::make_unique<AlmanacEngine>();
}

}  // namespace almanac::bench
