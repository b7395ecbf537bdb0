#include "ical/recurrence.h"

#include <fmt/format.h>

#include <algorithm>
#include <bitset>
#include <limits>

namespace almanac::ical {
namespace {

using core::CivilDate;
using core::Instant;
using core::kSecondsPerDay;
using core::LocalDateTime;

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
constexpr std::int32_t kLastDay = core::DaysFromCivil(core::kMaxYear, 12, 31);
constexpr std::int32_t kFirstDay = core::DaysFromCivil(core::kMinYear, 1, 1);

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int WeekdayIndex(std::int32_t days) { return static_cast<int>(core::WeekdayFromDays(days)); }

// A growable array of trivially copyable values without the zero-filling
// and bounds bookkeeping of std::vector on the hot path.
template <typename T>
class PodBuffer {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  T* begin() { return data_.get(); }
  T* end() { return data_.get() + size_; }
  const T* begin() const { return data_.get(); }
  const T* end() const { return data_.get() + size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T& front() { return data_[0]; }
  void push_back(T v) {
    if (size_ == cap_) Grow(size_ + 1);
    data_[size_++] = v;
  }
  // Makes room for `n` more values and returns where they go; commit with
  // resize(size() + written).
  T* Reserve(std::size_t n) {
    if (size_ + n > cap_) Grow(size_ + n);
    return data_.get() + size_;
  }
  void resize(std::size_t n) { size_ = n; }  // REQUIRES: n <= capacity
  void swap(PodBuffer& o) {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(cap_, o.cap_);
  }

 private:
  void Grow(std::size_t need) {
    std::size_t cap = std::max<std::size_t>(cap_ * 2, std::max<std::size_t>(need, 64));
    std::unique_ptr<T[]> d(new T[cap]);
    std::copy(data_.get(), data_.get() + size_, d.get());
    data_ = std::move(d);
    cap_ = cap;
  }
  std::unique_ptr<T[]> data_;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

// Everything about one day that the BYxxx filters look at.
struct DayInfo {
  std::int32_t day;  // days since 1970-01-01
  int year, month, mday;
  int wday;  // 0 = Monday
  int yday;  // 0-based day of year
  int year_len, month_len;
};

// Days before the first of each month in a common year.
constexpr int kDaysBeforeMonth[13] = {0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

DayInfo MakeDayInfo(std::int32_t day) {
  const CivilDate c = core::CivilFromDays(day);
  DayInfo d;
  d.day = day;
  d.year = c.year;
  d.month = c.month;
  d.mday = c.day;
  d.wday = WeekdayIndex(day);
  const bool leap = core::IsLeapYear(c.year);
  d.yday = kDaysBeforeMonth[c.month] + (leap && c.month > 2) + c.day - 1;
  d.year_len = leap ? 366 : 365;
  d.month_len = core::DaysInMonth(c.year, c.month);
  return d;
}

// The DayInfo of `first` (a DayInfo for the first of a month) moved
// `offset` days on within the same month.
DayInfo DayInMonth(const DayInfo& first, int offset) {
  DayInfo d = first;
  d.day += offset;
  d.mday += offset;
  d.yday += offset;
  d.wday = (first.wday + offset) % 7;
  return d;
}

// First day of the week numbered 1 in `year` under week start `wkst`
// (ISO 8601 with WKST: week 1 is the first with at least four days in the
// year, RFC 5545 §3.3.10 BYWEEKNO).
std::int32_t Week1Start(int year, int wkst) {
  const std::int32_t jan1 = core::DaysFromCivil(year, 1, 1);
  const int offset = (WeekdayIndex(jan1) - wkst + 7) % 7;  // days of Jan-1's week before Jan 1
  return offset <= 3 ? jan1 - offset : jan1 + (7 - offset);
}

int WeeksInYear(int year, int wkst) {
  return (Week1Start(year + 1, wkst) - Week1Start(year, wkst)) / 7;
}

// One RRULE, normalised for fast expansion, walking its periods.
class RuleWalker {
 public:
  RuleWalker(const RecurrenceRule& rule, const SeriesSpec& spec, std::uint64_t* iterations,
             std::uint64_t max_iterations);

  bool never_matches() const { return never_matches_; }
  bool work_capped() const { return work_capped_; }
  // The next candidate local time (seconds) >= dtstart before COUNT/UNTIL,
  // or kNever. COUNT and UNTIL are applied by the caller through Consume().
  std::int64_t Peek() {
    while (pos_ == buf_.size()) {
      if (done_ || !FillNextPeriod()) {
        done_ = true;
        return kNever;
      }
    }
    return buf_[pos_];
  }
  void Pop() { ++pos_; }
  // Jumps to the period containing local seconds `t` (never backwards).
  void SkipTo(std::int64_t t);

 private:
  bool DayMatches(const DayInfo& d);
  // Refills buf_ with the candidates of the next period, or of several
  // periods when there is no BYSETPOS, so the per-period cost is shared.
  bool FillNextPeriod();
  // Appends the candidates of the next period to buf_.
  bool FillOnePeriod();
  void AddDay(std::int32_t day);
  // AddDay for the day `offset` days after `first_of_month`, same month.
  void AddDayIn(const DayInfo& first_of_month, int offset);
  void GenerateMonth(const DayInfo& first);
  void SortDays();
  void EmitDays();  // days_ x timeset_ -> buf_, with BYSETPOS
  void ApplySetPos();
  bool Charge(std::uint64_t n) {
    *iterations_ += n;
    if (*iterations_ > max_iterations_) {
      work_capped_ = true;
      done_ = true;
      return false;
    }
    return true;
  }
  void PrepareWeekNumbers(int year);

  const RecurrenceRule* rule_;
  Frequency freq_;
  int interval_;
  std::int64_t dtstart_;
  std::uint64_t* iterations_;
  std::uint64_t max_iterations_;
  bool done_ = false;
  bool work_capped_ = false;
  bool never_matches_ = false;

  // Normalised rule parts.
  std::uint16_t month_mask_ = 0;               // bit m (1..12)
  std::uint32_t mday_pos_ = 0, mday_neg_ = 0;  // bit n for n / -n
  bool has_mday_ = false;
  std::bitset<367> yday_pos_, yday_neg_;
  bool has_yday_ = false;
  std::uint64_t weekno_pos_ = 0, weekno_neg_ = 0;
  bool has_weekno_ = false;
  std::uint8_t wday_mask_ = 0;   // plain BYDAY weekdays
  std::vector<WeekdayNum> nth_;  // BYDAY with ordinals
  bool nth_in_month_ = false;    // ordinals count within the month
  bool has_byday_ = false;
  bool needs_civil_ = false;  // some filter needs more than the weekday
  std::uint32_t hour_mask_ = 0;
  std::uint64_t minute_mask_ = 0, second_mask_ = 0;
  std::vector<int> hours_, minutes_, seconds_;  // sorted expansion lists
  std::vector<int> set_pos_;
  std::vector<int> timeset_;   // seconds of day, sorted (FREQ >= DAILY)
  std::vector<int> subtimes_;  // offsets within an hour/minute (HOURLY, MINUTELY)
  int wkst_;

  // Period state.
  int year_ = 0;           // YEARLY
  int month_index_ = 0;    // MONTHLY: year * 12 + (month - 1)
  std::int32_t day_ = 0;   // DAILY: the day; WEEKLY: the week's first day
  std::int64_t t_ = 0;     // sub-daily: period start (local seconds)
  std::int64_t t0_ = 0;    // sub-daily: first period start
  std::int64_t step_ = 0;  // sub-daily: period length x interval

  // Week-number mask for one year (only with BYWEEKNO).
  int wno_year_ = std::numeric_limits<int>::min();
  std::bitset<366> wno_mask_;
  std::vector<std::pair<int, int>> wno_ranges_;  // [from, to) days of year in wno_mask_
  std::vector<int> mday_list_;                   // BYMONTHDAY values (or the DTSTART default)
  std::vector<int> week_offsets_;                // WEEKLY: matching day offsets from the week start
  PodBuffer<std::int64_t> picked_;               // BYSETPOS scratch

  // Day filter cache for sub-daily frequencies.
  std::int32_t cached_day_ = std::numeric_limits<std::int32_t>::min();
  bool cached_day_ok_ = false;

  PodBuffer<std::int32_t> days_;
  PodBuffer<std::int64_t> buf_;
  std::size_t pos_ = 0;
};

RuleWalker::RuleWalker(const RecurrenceRule& rule, const SeriesSpec& spec,
                       std::uint64_t* iterations, std::uint64_t max_iterations)
    : rule_(&rule),
      freq_(rule.freq),
      interval_(std::max(1, rule.interval)),
      dtstart_(spec.dtstart.seconds()),
      iterations_(iterations),
      max_iterations_(max_iterations),
      wkst_(static_cast<int>(rule.wkst)) {
  const LocalDateTime ds = spec.dtstart;
  const DayInfo start = MakeDayInfo(ds.date().days());

  for (int m : rule.by_month) month_mask_ |= static_cast<std::uint16_t>(1u << m);
  for (int v : rule.by_month_day) {
    (v > 0 ? mday_pos_ : mday_neg_) |= 1u << std::abs(v);
    has_mday_ = true;
  }
  for (int v : rule.by_year_day) {
    (v > 0 ? yday_pos_ : yday_neg_).set(static_cast<std::size_t>(std::abs(v)));
    has_yday_ = true;
  }
  for (int v : rule.by_week_no) {
    (v > 0 ? weekno_pos_ : weekno_neg_) |= std::uint64_t{1} << std::abs(v);
    has_weekno_ = true;
  }
  for (const WeekdayNum& n : rule.by_day) {
    has_byday_ = true;
    if (n.ordinal == 0 || freq_ < Frequency::kMonthly) {
      wday_mask_ |= static_cast<std::uint8_t>(1u << static_cast<int>(n.weekday));
    } else {
      nth_.push_back(n);
    }
  }
  nth_in_month_ = freq_ == Frequency::kMonthly || (freq_ == Frequency::kYearly && month_mask_ != 0);

  // Fill in what the rule leaves out from DTSTART (RFC 5545 §3.3.10: "Information, not
  // contained in the rule, necessary to determine the various recurrence instance start
  // time and dates are derived from the Start Time").
  // BYWEEKNO names weeks but no day in them: the day of the week comes from
  // DTSTART, as BYMONTH alone takes the day of the month from it.
  if (freq_ == Frequency::kYearly && has_weekno_ && !has_yday_ && !has_mday_ && !has_byday_) {
    wday_mask_ = static_cast<std::uint8_t>(1u << start.wday);
    has_byday_ = true;
  }
  if (!has_weekno_ && !has_yday_ && !has_mday_ && !has_byday_) {
    if (freq_ == Frequency::kYearly) {
      if (month_mask_ == 0) month_mask_ = static_cast<std::uint16_t>(1u << start.month);
      mday_pos_ = 1u << start.mday;
      has_mday_ = true;
    } else if (freq_ == Frequency::kMonthly) {
      mday_pos_ = 1u << start.mday;
      has_mday_ = true;
    } else if (freq_ == Frequency::kWeekly) {
      wday_mask_ = static_cast<std::uint8_t>(1u << start.wday);
      has_byday_ = true;
    }
  }
  needs_civil_ = month_mask_ != 0 || has_mday_ || has_yday_ || has_weekno_ || !nth_.empty();
  mday_list_ = rule.by_month_day;
  if (mday_list_.empty() && has_mday_) mday_list_ = {start.mday};
  for (int i = 0; i < 7; ++i) {
    if ((wday_mask_ >> ((wkst_ + i) % 7)) & 1u) week_offsets_.push_back(i);
  }
  auto sorted_unique = [](std::vector<int> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  hours_ = sorted_unique(rule.by_hour);
  minutes_ = sorted_unique(rule.by_minute);
  std::vector<int> secs = rule.by_second;
  for (int& s : secs) s = std::min(s, 59);  // a leap second cannot be represented; read as :59
  seconds_ = sorted_unique(secs);
  if (hours_.empty() && freq_ > Frequency::kHourly) hours_ = {ds.hour()};
  if (minutes_.empty() && freq_ > Frequency::kMinutely) minutes_ = {ds.minute()};
  if (seconds_.empty() && freq_ > Frequency::kSecondly) seconds_ = {ds.second()};
  if (spec.all_day) {
    hours_ = {0};
    minutes_ = {0};
    seconds_ = {0};
  }
  for (int h : hours_) hour_mask_ |= 1u << h;
  for (int m : minutes_) minute_mask_ |= std::uint64_t{1} << m;
  for (int s : seconds_) second_mask_ |= std::uint64_t{1} << s;
  set_pos_ = rule.by_set_pos;

  if (freq_ >= Frequency::kDaily) {
    for (int h : hours_)
      for (int m : minutes_)
        for (int s : seconds_) timeset_.push_back(h * 3600 + m * 60 + s);
  } else if (freq_ == Frequency::kHourly) {
    for (int m : minutes_)
      for (int s : seconds_) subtimes_.push_back(m * 60 + s);
  } else if (freq_ == Frequency::kMinutely) {
    for (int s : seconds_) subtimes_.push_back(s);
  }

  // A month/month-day pair that no year has (BYMONTH=2;BYMONTHDAY=30).
  if (has_mday_ && !has_yday_ && !has_weekno_) {
    bool any = false;
    for (int m = 1; m <= 12 && !any; ++m) {
      if (month_mask_ != 0 && !(month_mask_ & (1u << m))) continue;
      const int max_len = core::DaysInMonth(2000, m);  // 2000 is a leap year
      for (int d = 1; d <= 31 && !any; ++d) {
        if (((mday_pos_ >> d) & 1u) && d <= max_len) any = true;
        if (((mday_neg_ >> d) & 1u) && d <= max_len) any = true;
      }
    }
    if (!any) {
      never_matches_ = true;
      done_ = true;
    }
  }

  // First period: the one holding DTSTART.
  const std::int32_t dday = start.day;
  switch (freq_) {
    case Frequency::kYearly:
      year_ = start.year;
      break;
    case Frequency::kMonthly:
      month_index_ = start.year * 12 + start.month - 1;
      break;
    case Frequency::kWeekly:
      day_ = dday - (start.wday - wkst_ + 7) % 7;
      break;
    case Frequency::kDaily:
      day_ = dday;
      break;
    case Frequency::kHourly:
      t0_ = FloorDiv(dtstart_, 3600) * 3600;
      step_ = std::int64_t{3600} * interval_;
      break;
    case Frequency::kMinutely:
      t0_ = FloorDiv(dtstart_, 60) * 60;
      step_ = std::int64_t{60} * interval_;
      break;
    case Frequency::kSecondly:
      t0_ = dtstart_;
      step_ = interval_;
      break;
  }
  t_ = t0_;
}

void RuleWalker::PrepareWeekNumbers(int year) {
  if (wno_year_ == year) return;
  wno_year_ = year;
  wno_mask_.reset();
  wno_ranges_.clear();
  const std::int32_t jan1 = core::DaysFromCivil(year, 1, 1);
  const int len = core::DaysInYear(year);
  const int w1 = Week1Start(year, wkst_) - jan1;  // day of year where week 1 starts (may be < 0)
  const int nweeks = (Week1Start(year + 1, wkst_) - jan1 - w1) / 7;
  auto mark = [&](int from, int to) {
    from = std::max(from, 0);
    to = std::min(to, len);
    if (from >= to) return;
    if (!wno_ranges_.empty() && wno_ranges_.back().second == from) {
      wno_ranges_.back().second = to;
    } else {
      wno_ranges_.emplace_back(from, to);
    }
    for (int i = from; i < to; ++i) wno_mask_.set(static_cast<std::size_t>(i));
  };
  if (w1 > 0) {
    // Days before week 1 belong to the last week of the previous year.
    const int last_year_weeks = WeeksInYear(year - 1, wkst_);
    if (((weekno_pos_ >> last_year_weeks) & 1u) || (weekno_neg_ & 2u)) mark(0, w1);
  }
  for (int w = 1; w <= nweeks; ++w) {
    if (((weekno_pos_ >> w) & 1u) || ((weekno_neg_ >> (nweeks + 1 - w)) & 1u)) {
      mark(w1 + (w - 1) * 7, w1 + w * 7);
    }
  }
  // Days after the last week belong to week 1 of the next year.
  if (weekno_pos_ & 2u) mark(w1 + nweeks * 7, len);
}

bool RuleWalker::DayMatches(const DayInfo& d) {
  if (month_mask_ && !(month_mask_ & (1u << d.month))) return false;
  if (has_weekno_) {
    PrepareWeekNumbers(d.year);
    if (!wno_mask_[static_cast<std::size_t>(d.yday)]) return false;
  }
  if (has_yday_ && !yday_pos_[static_cast<std::size_t>(d.yday + 1)] &&
      !yday_neg_[static_cast<std::size_t>(d.year_len - d.yday)]) {
    return false;
  }
  if (has_mday_ && !((mday_pos_ >> d.mday) & 1u) &&
      !((mday_neg_ >> (d.month_len - d.mday + 1)) & 1u)) {
    return false;
  }
  if (has_byday_) {
    if (!((wday_mask_ >> d.wday) & 1u)) {
      bool nth = false;
      for (const WeekdayNum& n : nth_) {
        if (static_cast<int>(n.weekday) != d.wday) continue;
        int pos, neg;
        if (nth_in_month_) {
          pos = (d.mday - 1) / 7 + 1;
          neg = -((d.month_len - d.mday) / 7 + 1);
        } else {
          pos = d.yday / 7 + 1;
          neg = -((d.year_len - 1 - d.yday) / 7 + 1);
        }
        if (n.ordinal == pos || n.ordinal == neg) {
          nth = true;
          break;
        }
      }
      if (!nth) return false;
    }
  }
  return true;
}

void RuleWalker::AddDay(std::int32_t day) {
  if (day < kFirstDay || day > kLastDay) return;
  if (!needs_civil_) {
    if (!has_byday_ || ((wday_mask_ >> WeekdayIndex(day)) & 1u)) days_.push_back(day);
    return;
  }
  if (DayMatches(MakeDayInfo(day))) days_.push_back(day);
}

void RuleWalker::AddDayIn(const DayInfo& first_of_month, int offset) {
  const std::int32_t day = first_of_month.day + offset;
  if (day < kFirstDay || day > kLastDay) return;
  if (!needs_civil_) {
    if (!has_byday_ || ((wday_mask_ >> ((first_of_month.wday + offset) % 7)) & 1u)) {
      days_.push_back(day);
    }
    return;
  }
  if (DayMatches(DayInMonth(first_of_month, offset))) days_.push_back(day);
}

// Candidates of one month from BYMONTHDAY, or else from BYDAY, or else all
// its days; DayMatches then applies every part.
void RuleWalker::GenerateMonth(const DayInfo& first) {
  const int mlen = first.month_len;
  if (has_mday_) {
    for (int d : mday_list_) {
      const int md = d > 0 ? d : mlen + d + 1;
      if (md >= 1 && md <= mlen) AddDayIn(first, md - 1);
    }
  } else if (has_byday_) {
    for (int wd = 0; wd < 7; ++wd) {
      if (!((wday_mask_ >> wd) & 1u)) continue;
      for (int off = (wd - first.wday + 7) % 7; off < mlen; off += 7) AddDayIn(first, off);
    }
    for (const WeekdayNum& n : nth_) {
      const int wd = static_cast<int>(n.weekday);
      int off;
      if (n.ordinal > 0) {
        off = (wd - first.wday + 7) % 7 + (n.ordinal - 1) * 7;
      } else {
        const int last_wd = (first.wday + mlen - 1) % 7;
        off = mlen - 1 - (last_wd - wd + 7) % 7 + (n.ordinal + 1) * 7;
      }
      if (off >= 0 && off < mlen) AddDayIn(first, off);
    }
  } else {
    for (int d = 0; d < mlen; ++d) AddDayIn(first, d);
  }
}

void RuleWalker::SortDays() {
  if (days_.size() > 1) {
    std::sort(days_.begin(), days_.end());
    days_.resize(static_cast<std::size_t>(std::unique(days_.begin(), days_.end()) - days_.begin()));
  }
}

void RuleWalker::ApplySetPos() {
  const int n = static_cast<int>(buf_.size());
  picked_.clear();
  for (int p : set_pos_) {
    const int idx = p > 0 ? p - 1 : n + p;
    if (idx >= 0 && idx < n) picked_.push_back(buf_[static_cast<std::size_t>(idx)]);
  }
  std::sort(picked_.begin(), picked_.end());
  picked_.resize(
      static_cast<std::size_t>(std::unique(picked_.begin(), picked_.end()) - picked_.begin()));
  buf_.swap(picked_);
}

void RuleWalker::EmitDays() {
  const std::size_t nt = timeset_.size();
  const std::size_t n = days_.size() * nt;
  std::int64_t* out = buf_.Reserve(n);
  if (nt == 1) {
    const std::int64_t t = timeset_[0];
    for (std::int32_t day : days_) *out++ = static_cast<std::int64_t>(day) * kSecondsPerDay + t;
  } else {
    for (std::int32_t day : days_) {
      const std::int64_t base = static_cast<std::int64_t>(day) * kSecondsPerDay;
      for (std::size_t i = 0; i < nt; ++i) *out++ = base + timeset_[i];
    }
  }
  buf_.resize(buf_.size() + n);
  if (!set_pos_.empty()) ApplySetPos();
}

bool RuleWalker::FillNextPeriod() {
  buf_.clear();
  pos_ = 0;
  bool any = false;
  for (int periods = 0; periods < 64; ++periods) {
    if (!FillOnePeriod()) break;
    any = true;
    if (!set_pos_.empty() || buf_.size() >= 32) break;
  }
  if (!any) return false;
  // Drop what precedes DTSTART (only in the first period).
  if (!buf_.empty() && buf_.front() < dtstart_) {
    pos_ = static_cast<std::size_t>(std::lower_bound(buf_.begin(), buf_.end(), dtstart_) -
                                    buf_.begin());
  }
  return true;
}

// `v` advanced by `step`, or `limit` + 1 when that passes `limit`: an
// INTERVAL up to INT_MAX must neither overflow nor wrap back into range.
template <typename T>
T Advanced(T v, std::int64_t step, std::int64_t limit) {
  return static_cast<T>(std::min<std::int64_t>(static_cast<std::int64_t>(v) + step, limit + 1));
}

bool RuleWalker::FillOnePeriod() {
  days_.clear();
  switch (freq_) {
    case Frequency::kYearly: {
      if (year_ > core::kMaxYear) return false;
      if (!Charge(1)) return false;
      const int y = year_;
      year_ = Advanced(year_, interval_, core::kMaxYear);
      const std::int32_t jan1 = core::DaysFromCivil(y, 1, 1);
      const int len = core::DaysInYear(y);
      // Generate from the most selective part, then filter by all parts.
      if (has_yday_) {
        for (int v : rule_->by_year_day) {
          const int i = v > 0 ? v - 1 : len + v;
          if (i >= 0 && i < len) AddDay(jan1 + i);
        }
      } else if (has_weekno_) {
        PrepareWeekNumbers(y);
        for (const auto& [from, to] : wno_ranges_) {
          for (int i = from; i < to; ++i) AddDay(jan1 + i);
        }
      } else if (month_mask_ || has_mday_) {
        for (int m = 1; m <= 12; ++m) {
          if (month_mask_ && !(month_mask_ & (1u << m))) continue;
          GenerateMonth(MakeDayInfo(core::DaysFromCivil(y, m, 1)));
        }
      } else if (has_byday_) {
        // Weekdays of the whole year; ordinals count within the year.
        const int wd_jan1 = WeekdayIndex(jan1);
        for (int wd = 0; wd < 7; ++wd) {
          if (!((wday_mask_ >> wd) & 1u)) continue;
          for (int off = (wd - wd_jan1 + 7) % 7; off < len; off += 7) AddDay(jan1 + off);
        }
        const int wd_last = (wd_jan1 + len - 1) % 7;
        for (const WeekdayNum& n : nth_) {
          const int wd = static_cast<int>(n.weekday);
          const int off = n.ordinal > 0 ? (wd - wd_jan1 + 7) % 7 + (n.ordinal - 1) * 7
                                        : len - 1 - (wd_last - wd + 7) % 7 + (n.ordinal + 1) * 7;
          if (off >= 0 && off < len) AddDay(jan1 + off);
        }
      } else {
        for (int i = 0; i < len; ++i) AddDay(jan1 + i);
      }
      SortDays();
      if (!Charge(days_.size())) return false;
      EmitDays();
      return true;
    }
    case Frequency::kMonthly: {
      if (month_index_ / 12 > core::kMaxYear) return false;
      if (!Charge(1)) return false;
      const int y = month_index_ / 12;
      const int m = month_index_ % 12 + 1;
      month_index_ = Advanced(month_index_, interval_, std::int64_t{core::kMaxYear} * 12 + 11);
      if (!month_mask_ || (month_mask_ & (1u << m))) {
        GenerateMonth(MakeDayInfo(core::DaysFromCivil(y, m, 1)));
        SortDays();
        if (!Charge(days_.size())) return false;
      }
      EmitDays();
      return true;
    }
    case Frequency::kWeekly: {
      if (day_ > kLastDay) return false;
      if (!Charge(1)) return false;
      const std::int32_t first = day_;
      day_ = Advanced(day_, std::int64_t{7} * interval_, kLastDay);
      if (!needs_civil_ && first >= kFirstDay && first + 6 <= kLastDay) {
        for (int off : week_offsets_) days_.push_back(first + off);
      } else {
        for (int i = 0; i < 7; ++i) AddDay(first + i);
      }
      EmitDays();
      return true;
    }
    case Frequency::kDaily: {
      if (day_ > kLastDay) return false;
      if (!Charge(1)) return false;
      const std::int32_t d = day_;
      day_ = Advanced(day_, interval_, kLastDay);
      AddDay(d);
      EmitDays();
      return true;
    }
    case Frequency::kHourly:
    case Frequency::kMinutely:
    case Frequency::kSecondly: {
      const std::size_t old = buf_.size();
      const std::int64_t end_of_time = static_cast<std::int64_t>(kLastDay + 1) * kSecondsPerDay;
      // Smallest aligned period start >= x.
      auto align_up = [&](std::int64_t x) {
        return t0_ + (FloorDiv(x - t0_ + step_ - 1, step_)) * step_;
      };
      // Walk periods until one yields candidates (returns with a possibly
      // empty buffer after a bounded number of steps so caps apply).
      for (int guard = 0; guard < 4096; ++guard) {
        if (t_ >= end_of_time) return false;
        if (!Charge(1)) return false;
        const std::int64_t t = t_;
        const std::int32_t day = static_cast<std::int32_t>(FloorDiv(t, kSecondsPerDay));
        if (day != cached_day_) {
          cached_day_ = day;
          days_.clear();
          AddDay(day);
          cached_day_ok_ = !days_.empty();
        }
        if (!cached_day_ok_) {
          t_ = align_up(static_cast<std::int64_t>(day + 1) * kSecondsPerDay);
          continue;
        }
        const int sod = static_cast<int>(t - static_cast<std::int64_t>(day) * kSecondsPerDay);
        const int hour = sod / 3600;
        if (!rule_->by_hour.empty() && !((hour_mask_ >> hour) & 1u)) {
          // Next hour that could match.
          t_ = freq_ == Frequency::kHourly ? t + step_ : align_up(t - sod % 3600 + 3600);
          continue;
        }
        if (freq_ == Frequency::kHourly) {
          t_ = t + step_;
          for (int off : subtimes_) buf_.push_back(t + off);
        } else {
          const int minute = sod / 60 % 60;
          if (!rule_->by_minute.empty() && !((minute_mask_ >> minute) & 1u)) {
            t_ = freq_ == Frequency::kMinutely ? t + step_ : align_up(t - sod % 60 + 60);
            continue;
          }
          t_ = t + step_;
          if (freq_ == Frequency::kMinutely) {
            for (int off : subtimes_) buf_.push_back(t + off);
          } else if (rule_->by_second.empty() || ((second_mask_ >> (sod % 60)) & 1u)) {
            buf_.push_back(t);
          }
        }
        if (buf_.size() > old) break;
      }
      if (!set_pos_.empty()) ApplySetPos();
      return true;
    }
  }
  return false;
}

void RuleWalker::SkipTo(std::int64_t target) {
  if (target <= dtstart_ || done_) return;
  const LocalDateTime lt = LocalDateTime::FromSeconds(target);
  const DayInfo d = MakeDayInfo(lt.date().days());
  bool moved = false;
  switch (freq_) {
    case Frequency::kYearly: {
      const int base =
          core::CivilFromDays(static_cast<std::int32_t>(FloorDiv(dtstart_, kSecondsPerDay))).year;
      const int y = base + (d.year - base) / interval_ * interval_;
      if (y > year_) year_ = y, moved = true;
      break;
    }
    case Frequency::kMonthly: {
      const CivilDate c =
          core::CivilFromDays(static_cast<std::int32_t>(FloorDiv(dtstart_, kSecondsPerDay)));
      const int base = c.year * 12 + c.month - 1;
      const int m = base + (d.year * 12 + d.month - 1 - base) / interval_ * interval_;
      if (m > month_index_) month_index_ = m, moved = true;
      break;
    }
    case Frequency::kWeekly: {
      const std::int32_t dday = static_cast<std::int32_t>(FloorDiv(dtstart_, kSecondsPerDay));
      const std::int32_t base = dday - (WeekdayIndex(dday) - wkst_ + 7) % 7;
      const std::int32_t ws = d.day - (d.wday - wkst_ + 7) % 7;
      const std::int64_t period = std::int64_t{7} * interval_;
      const std::int32_t w = static_cast<std::int32_t>(base + (ws - base) / period * period);
      if (w > day_) day_ = w, moved = true;
      break;
    }
    case Frequency::kDaily: {
      const std::int32_t base = static_cast<std::int32_t>(FloorDiv(dtstart_, kSecondsPerDay));
      const std::int32_t n = base + (d.day - base) / interval_ * interval_;
      if (n > day_) day_ = n, moved = true;
      break;
    }
    default: {
      const std::int64_t n = t0_ + (target - t0_) / step_ * step_;
      if (n > t_) t_ = n, moved = true;
      break;
    }
  }
  if (moved) {
    buf_.clear();
    pos_ = 0;
  }
}

}  // namespace

const char* StopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kComplete:
      return "complete";
    case StopReason::kOutputCap:
      return "output-cap";
    case StopReason::kWorkCap:
      return "work-cap";
    case StopReason::kNeverMatches:
      return "never-matches";
  }
  return "?";
}

struct RecurrenceIterator::Impl {
  struct RuleState {
    RuleWalker walker;
    std::int64_t count_left;   // remaining COUNT (kNever if none)
    std::int64_t until_local;  // floating UNTIL, inclusive (kNever if none)
    std::optional<Instant> until_instant;
    bool started = false;
    bool finished = false;
    std::int64_t head = kUnset;  // PeekRule's answer until PopRule
  };
  static constexpr std::int64_t kUnset = std::numeric_limits<std::int64_t>::min();

  SeriesSpec spec;  // owned copy: rules, sorted RDATEs and EXDATEs
  std::uint64_t iterations = 0;
  std::vector<RuleState> rules;
  std::optional<core::ZoneCursor> cursor;
  bool dtstart_pending = true;
  std::size_t rdate_pos = 0;
  std::size_t exdate_pos = 0;
  std::int64_t from = std::numeric_limits<std::int64_t>::min();
  // Occurrences resolved in a DST gap wait here (sorted by instant) until no
  // earlier instant can follow.
  std::vector<Occurrence> pending;
  std::optional<Instant> last_instant;
  StopReason stop = StopReason::kComplete;
  bool exhausted = false;
  bool work_capped = false;
  std::size_t emitted = 0;      // occurrences returned by Next()
  std::size_t max_emitted = 0;  // ExpandLimits::max_occurrences

  // The next candidate of one rule after COUNT/UNTIL, or kNever.
  std::int64_t PeekRule(RuleState& r) {
    if (r.head == kUnset) r.head = ComputeHead(r);
    return r.head;
  }
  std::int64_t ComputeHead(RuleState& r) {
    if (r.finished) return kNever;
    const std::int64_t t = r.walker.Peek();
    if (t == kNever) {
      if (r.walker.work_capped()) work_capped = true;
      return Finish(r);
    }
    if (!r.started) {
      r.started = true;
      // DTSTART counts as the first occurrence even when the rule does not
      // produce it.
      if (t != spec.dtstart.seconds() && r.count_left != kNever) --r.count_left;
    }
    if (r.count_left <= 0 || t > r.until_local) return Finish(r);
    if (r.until_instant) {
      // An offset is less than a day: only near UNTIL does the zone matter.
      const std::int64_t u = r.until_instant->unix_seconds();
      if (t > u + kSecondsPerDay + 7200 ||
          (t >= u - kSecondsPerDay - 7200 && Resolve(t) > *r.until_instant)) {
        return Finish(r);
      }
    }
    return t;
  }
  std::int64_t Finish(RuleState& r) {
    r.finished = true;
    return kNever;
  }
  void PopRule(RuleState& r) {
    r.head = kUnset;
    r.walker.Pop();
    if (r.count_left != kNever) --r.count_left;
  }

  Instant Resolve(std::int64_t local) {
    if (cursor) return cursor->ToInstant(LocalDateTime::FromSeconds(local));
    return Instant::FromUnixSeconds(local);
  }

  bool IsExcluded(std::int64_t local) {
    const auto& ex = spec.exdates;
    while (exdate_pos < ex.size() && ex[exdate_pos].seconds() < local) ++exdate_pos;
    return exdate_pos < ex.size() && ex[exdate_pos].seconds() == local;
  }

  // The next occurrence in nominal (wall-clock) order, or false.
  bool NextNominal(std::int64_t* local, std::optional<std::int64_t>* duration) {
    while (true) {
      const std::int64_t dt = spec.dtstart.seconds();
      std::int64_t best = dtstart_pending ? dt : kNever;
      for (RuleState& r : rules) best = std::min(best, PeekRule(r));
      const bool rdate_here =
          rdate_pos < spec.rdates.size() && spec.rdates[rdate_pos].start.seconds() <= best;
      if (rdate_here) best = spec.rdates[rdate_pos].start.seconds();
      if (best == kNever || work_capped) {
        if (work_capped) stop = StopReason::kWorkCap;
        return false;
      }
      if (best == dt) dtstart_pending = false;
      for (RuleState& r : rules) {
        if (r.head == best) PopRule(r);
      }
      if (rdate_here) {
        *duration = std::nullopt;
        while (rdate_pos < spec.rdates.size() && spec.rdates[rdate_pos].start.seconds() == best) {
          if (spec.rdates[rdate_pos].duration) *duration = spec.rdates[rdate_pos].duration;
          ++rdate_pos;
        }
      } else if (duration->has_value()) {
        *duration = std::nullopt;
      }
      if (!spec.exdates.empty() && IsExcluded(best)) continue;
      *local = best;
      return true;
    }
  }

  bool Next(Occurrence* out) {
    while (true) {
      std::int64_t local;
      if (exhausted || !NextNominal(&local, &out->duration)) {
        exhausted = true;
        if (pending.empty()) {
          for (const RuleState& r : rules) {
            if (r.walker.never_matches() && stop == StopReason::kComplete)
              stop = StopReason::kNeverMatches;
          }
          return false;
        }
        *out = pending.front();
        pending.erase(pending.begin());
        if (!Accept(*out)) continue;
        return true;
      }
      if (!cursor) {
        // Floating or UTC: the merge has already removed duplicates.
        if (local < from) continue;
        out->start = LocalDateTime::FromSeconds(local);
        out->instant = Instant::FromUnixSeconds(local);
        return true;
      }
      Occurrence occ;
      occ.duration = out->duration;
      occ.instant = cursor->ToInstant(LocalDateTime::FromSeconds(local));
      occ.start = LocalDateTime::FromSeconds(occ.instant.unix_seconds() + cursor->last_offset());
      if (occ.start.seconds() != local) {
        // In a gap: an EXDATE may name the time that actually happens.
        if (std::binary_search(spec.exdates.begin(), spec.exdates.end(), occ.start)) continue;
        Hold(occ);
        continue;
      }
      if (!pending.empty() && pending.front().instant <= occ.instant) {
        // Release the earlier gap occurrence first; this one comes back next.
        Occurrence first = pending.front();
        pending.erase(pending.begin());
        if (first.instant != occ.instant) Hold(occ);
        if (!Accept(first)) continue;
        *out = first;
        return true;
      }
      if (!Accept(occ)) continue;
      *out = occ;
      return true;
    }
  }

  // Keeps `occ` in `pending` until no earlier instant can follow it.
  void Hold(const Occurrence& occ) {
    auto it = std::upper_bound(pending.begin(), pending.end(), occ.instant,
                               [](Instant v, const Occurrence& o) { return v < o.instant; });
    pending.insert(it, occ);
  }

  // Drops duplicates of the last instant and what lies before the window.
  bool Accept(const Occurrence& o) {
    if (last_instant && o.instant <= *last_instant) return false;
    last_instant = o.instant;
    return o.start.seconds() >= from;
  }
};

Result<RecurrenceIterator> RecurrenceIterator::Create(const SeriesSpec& spec,
                                                      const ExpandLimits& limits) {
  if (spec.dtstart < core::kMinLocal || spec.dtstart > core::kMaxLocal) {
    return MakeError(Code::kOutOfRange, "DTSTART must lie in the years 0001..9999");
  }
  auto impl = std::make_unique<Impl>();
  impl->spec = spec;

  impl->max_emitted = limits.max_occurrences;
  if (spec.zone != nullptr) impl->cursor.emplace(*spec.zone);
  std::sort(impl->spec.rdates.begin(), impl->spec.rdates.end(),
            [](const RDate& a, const RDate& b) { return a.start < b.start; });
  std::sort(impl->spec.exdates.begin(), impl->spec.exdates.end());
  impl->spec.exdates.erase(std::unique(impl->spec.exdates.begin(), impl->spec.exdates.end()),
                           impl->spec.exdates.end());
  impl->rules.reserve(impl->spec.rrules.size());
  for (const RecurrenceRule& rule : impl->spec.rrules) {
    if (spec.all_day && (!rule.by_hour.empty() || !rule.by_minute.empty() ||
                         !rule.by_second.empty() || rule.freq < Frequency::kDaily)) {
      return MakeError(Code::kInvalidArgument,
                       "an all-day (DATE) series cannot recur by hour, minute or second");
    }
    Impl::RuleState st{RuleWalker(rule, impl->spec, &impl->iterations, limits.max_iterations),
                       rule.count ? *rule.count : kNever, kNever, std::nullopt};
    if (rule.until) {
      const Until& u = *rule.until;
      std::int64_t until = u.value.seconds();
      // UNTIL as a DATE with a DATE-TIME DTSTART: through the end of that day.
      if (u.is_date && !spec.all_day) until += kSecondsPerDay - 1;
      if (u.utc && spec.zone != nullptr) {
        st.until_instant = Instant::FromUnixSeconds(until);
      } else {
        st.until_local = until;
      }
    }
    impl->rules.push_back(std::move(st));
  }
  return RecurrenceIterator(std::move(impl));
}

RecurrenceIterator::RecurrenceIterator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecurrenceIterator::RecurrenceIterator(RecurrenceIterator&&) noexcept = default;
RecurrenceIterator& RecurrenceIterator::operator=(RecurrenceIterator&&) noexcept = default;
RecurrenceIterator::~RecurrenceIterator() = default;

void RecurrenceIterator::SeekTo(LocalDateTime from) {
  Impl& s = *impl_;
  s.from = std::max(s.from, from.seconds());
  // A wall-clock time up to a day before `from` can land at or after it when
  // it falls into a DST gap, so jump to a little before.
  const std::int64_t target = from.seconds() - 2 * kSecondsPerDay;
  for (Impl::RuleState& r : s.rules) {
    if (r.count_left == kNever) {
      r.walker.SkipTo(target);
      r.started = true;
      r.head = Impl::kUnset;
    }
  }
  while (s.rdate_pos < s.spec.rdates.size() &&
         s.spec.rdates[s.rdate_pos].start.seconds() < target) {
    ++s.rdate_pos;
  }
}

bool RecurrenceIterator::Next(Occurrence* out) {
  Impl& s = *impl_;
  if (s.emitted == s.max_emitted) {
    s.stop = StopReason::kOutputCap;
    return false;
  }
  if (!s.Next(out)) return false;
  ++s.emitted;
  return true;
}
StopReason RecurrenceIterator::stop_reason() const { return impl_->stop; }
std::uint64_t RecurrenceIterator::iterations() const { return impl_->iterations; }

Result<Expansion> Expand(const SeriesSpec& spec, LocalDateTime from, LocalDateTime to,
                         const ExpandLimits& limits) {
  // One more than the cap, to tell "exactly max" from "more than max".
  ExpandLimits peek = limits;
  if (peek.max_occurrences < std::numeric_limits<std::size_t>::max()) ++peek.max_occurrences;
  ALMANAC_ASSIGN_OR_RETURN(RecurrenceIterator it, RecurrenceIterator::Create(spec, peek));
  it.SeekTo(from);
  Expansion e;
  Occurrence o;
  while (it.Next(&o)) {
    if (o.start >= to) return e;
    if (e.occurrences.size() == limits.max_occurrences) {
      e.stop = StopReason::kOutputCap;
      return e;
    }
    e.occurrences.push_back(o);
  }
  e.stop = it.stop_reason();
  return e;
}

}  // namespace almanac::ical
