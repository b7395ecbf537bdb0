// libical 3.0 as the peer engine for the recurrence benchmark. libical is
// linked into the benchmark binaries only, never into almanac (DESIGN.md).
#include <libical/ical.h>

#include <algorithm>
#include <string>
#include <utility>

#include "expand_engine.h"

namespace almanac::bench {
namespace {

core::LocalDateTime WallClock(const icaltimetype& t) {
  if (t.is_date)
    return core::LocalDateTime::FromDate(core::Date::FromCivil(t.year, t.month, t.day));
  return core::LocalDateTime::FromCivil(t.year, t.month, t.day, t.hour, t.minute, t.second);
}

icaltimetype ToIcal(core::LocalDateTime v, bool is_date, const icaltimezone* zone) {
  icaltimetype t = icaltime_null_time();
  const core::CivilDate c = v.date().civil();
  t.year = c.year;
  t.month = c.month;
  t.day = c.day;
  if (is_date) {
    t.is_date = 1;
  } else {
    t.hour = v.hour();
    t.minute = v.minute();
    t.second = v.second();
  }
  t.zone = zone;
  return t;
}

class LibicalSeries final : public PreparedSeries {
 public:
  LibicalSeries(const SuiteRule& rule, icalrecurrencetype recur, icaltimetype dtstart,
                const icaltimezone* zone)
      : recur_(recur),
        dtstart_(dtstart),
        exdates_(rule.exdates),
        from_(rule.from),
        to_(rule.to),
        max_(rule.max) {
    // icalrecur_iterator_set_start refuses rules with COUNT (libical skips
    // ahead only when it need not count from DTSTART).
    if (from_ && recur_.count == 0) {
      from_ical_ = ToIcal(*from_, dtstart.is_date != 0, zone);
      skip_ahead_ = true;
    }
  }

  std::size_t Count() override {
    return Walk([](core::LocalDateTime) {});
  }
  void Collect(std::vector<core::LocalDateTime>* out) override {
    Walk([out](core::LocalDateTime t) { out->push_back(t); });
  }

 private:
  template <typename Emit>
  std::size_t Walk(Emit&& emit) {
    icalrecur_iterator* it = icalrecur_iterator_new(recur_, dtstart_);
    if (it == nullptr) {
      problem_ = "icalrecur_iterator_new failed";
      return 0;
    }
    if (skip_ahead_ && icalrecur_iterator_set_start(it, from_ical_) == 0) {
      problem_ = "icalrecur_iterator_set_start failed";
    }
    std::size_t kept = 0;
    auto ex = exdates_.begin();
    for (;;) {
      const icaltimetype t = icalrecur_iterator_next(it);
      if (icaltime_is_null_time(t)) break;
      const core::LocalDateTime w = WallClock(t);
      if (to_ && w >= *to_) break;
      if (from_ && w < *from_) continue;
      while (ex != exdates_.end() && *ex < w) ++ex;
      if (ex != exdates_.end() && *ex == w) continue;
      emit(w);
      if (++kept == max_) break;
    }
    icalrecur_iterator_free(it);
    return kept;
  }

  icalrecurrencetype recur_;
  icaltimetype dtstart_;
  std::vector<core::LocalDateTime> exdates_;  // sorted
  std::optional<core::LocalDateTime> from_, to_;
  std::optional<std::size_t> max_;
  icaltimetype from_ical_ = icaltime_null_time();
  bool skip_ahead_ = false;
};

class LibicalEngine final : public ExpandEngine {
 public:
  std::string name() const override { return "libical"; }
  std::string Describe() const override {
    return "libical " + std::to_string(ICAL_MAJOR_VERSION) + "." +
           std::to_string(ICAL_MINOR_VERSION) + "." + std::to_string(ICAL_PATCH_VERSION) +
           " (icalrecur_iterator_new per expansion, icalrecur_iterator_set_start skip-ahead "
           "for FROM windows, zones from system tzdata)";
  }

  Result<std::unique_ptr<PreparedSeries>> Prepare(const SuiteRule& rule) override {
    icalerror_clear_errno();
    const icalrecurrencetype recur = icalrecurrencetype_from_string(rule.rrule.c_str());
    if (recur.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
      icalerror_clear_errno();
      return MakeError(Code::kInvalidArgument, "libical cannot parse RRULE:" + rule.rrule);
    }
    icaltimetype dtstart = icaltime_from_string(rule.dtstart_value.c_str());
    if (icaltime_is_null_time(dtstart)) {
      return MakeError(Code::kInvalidArgument,
                       "libical cannot parse DTSTART " + rule.dtstart_value);
    }
    const icaltimezone* zone = nullptr;
    if (rule.tzid) {
      zone = icaltimezone_get_builtin_timezone(rule.tzid->c_str());
      if (zone == nullptr) return MakeError(Code::kNotFound, "libical has no zone " + *rule.tzid);
      dtstart = icaltime_set_timezone(&dtstart, zone);
    }
    return std::unique_ptr<PreparedSeries>(
        std::make_unique<LibicalSeries>(rule, recur, dtstart, zone));
  }
};

}  // namespace

std::unique_ptr<ExpandEngine> MakeLibicalExpandEngine() {
  return std::make_unique<LibicalEngine>();
}

}  // namespace almanac::bench
