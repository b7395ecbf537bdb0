#include "ical/rrule.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace almanac::ical {
namespace {

using core::Weekday;

constexpr const char* kWeekdayCodes[7] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

Error Bad(std::string_view part, std::string_view what) {
  return MakeError(Code::kInvalidArgument, fmt::format("{}: {}", part, what));
}

// Parses an optionally signed decimal integer that fills `s` exactly.
bool ParseInt(std::string_view s, int* out) {
  if (s.empty() || s.size() > 10) return false;
  std::size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  long v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = static_cast<int>(neg ? -v : v);
  return true;
}

bool HasLower(std::string_view s) {
  for (char c : s) {
    if (c >= 'a' && c <= 'z') return true;
  }
  return false;
}

// A bit per standard rule part, to find repeats; -1 for an unknown name.
int PartBit(std::string_view name) {
  static constexpr std::string_view kParts[] = {
      "FREQ",       "INTERVAL",  "COUNT",    "UNTIL",   "BYSECOND", "BYMINUTE", "BYHOUR",
      "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "BYDAY",    "WKST"};
  for (int i = 0; i < static_cast<int>(std::size(kParts)); ++i) {
    if (kParts[i] == name) return i;
  }
  return -1;
}

std::optional<Weekday> ParseWeekday(std::string_view s) {
  for (int i = 0; i < 7; ++i) {
    if (s == kWeekdayCodes[i]) return static_cast<Weekday>(i);
  }
  return std::nullopt;
}

template <typename F>
Status ForEachListItem(std::string_view part, std::string_view value, F&& f) {
  if (value.empty()) return Bad(part, "empty value");
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = value.find(',', start);
    const std::string_view item = value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) return Bad(part, "empty list item");
    ALMANAC_RETURN_IF_ERROR(f(item));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return OkStatus();
}

// A list of integers in [lo, hi], zero excluded when `signed_range`
// (-hi..-lo and lo..hi).
Status ParseIntList(std::string_view part, std::string_view value, int lo, int hi,
                    bool signed_range, std::vector<int>* out) {
  return ForEachListItem(part, value, [&](std::string_view item) -> Status {
    int v;
    if (!ParseInt(item, &v)) return Bad(part, fmt::format("\"{}\" is not an integer", item));
    const int a = signed_range ? std::abs(v) : v;
    if (a < lo || a > hi || (signed_range && v == 0)) {
      return Bad(part, signed_range ? fmt::format("value {} must be in -{}..-{} or {}..{}", v, hi,
                                                  lo, lo, hi)
                                    : fmt::format("value {} must be in {}..{}", v, lo, hi));
    }
    out->push_back(v);
    return OkStatus();
  });
}

}  // namespace

const char* FrequencyName(Frequency f) {
  switch (f) {
    case Frequency::kSecondly:
      return "SECONDLY";
    case Frequency::kMinutely:
      return "MINUTELY";
    case Frequency::kHourly:
      return "HOURLY";
    case Frequency::kDaily:
      return "DAILY";
    case Frequency::kWeekly:
      return "WEEKLY";
    case Frequency::kMonthly:
      return "MONTHLY";
    case Frequency::kYearly:
      return "YEARLY";
  }
  return "?";
}

const char* WeekdayCode(Weekday w) { return kWeekdayCodes[static_cast<int>(w)]; }

Result<RecurrenceRule> ParseRecurrenceRule(std::string_view text, const RuleParseOptions& options,
                                           std::vector<std::string>* warnings) {
  auto warn = [&](std::string w) {
    if (warnings != nullptr) warnings->push_back(std::move(w));
  };
  if (text.empty()) return MakeError(Code::kInvalidArgument, "empty recurrence rule");
  if (text.size() > 4096)
    return MakeError(Code::kInvalidArgument, "recurrence rule longer than 4096 characters");
  if (options.lenient && text.back() == ';') {
    warn("trailing ';' in recurrence rule");
    text.remove_suffix(1);
  }
  if (text.size() > 6 && (text.substr(0, 6) == "RRULE:" || text.substr(0, 6) == "rrule:")) {
    if (!options.lenient) {
      return MakeError(Code::kInvalidArgument, "recurrence rule must not start with \"RRULE:\"");
    }
    warn("recurrence rule starts with \"RRULE:\"");
    text.remove_prefix(6);
  }

  RecurrenceRule rule;
  bool seen_freq = false;
  std::uint32_t seen = 0;  // bits by PartBit
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t semi = text.find(';', start);
    const std::string_view part =
        text.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start);
    start = semi == std::string_view::npos ? text.size() + 1 : semi + 1;
    if (part.empty()) return MakeError(Code::kInvalidArgument, "empty rule part (\";;\")");
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Bad(part, "expected NAME=VALUE");
    }
    std::string_view name = part.substr(0, eq);
    std::string_view raw_value = part.substr(eq + 1);
    std::string name_storage, value_storage;
    if (HasLower(name)) {
      if (!options.lenient) return Bad(part, "rule part names must be upper case");
      warn(fmt::format("lower-case rule part \"{}\"", name));
      name_storage = Upper(name);
      name = name_storage;
    }
    const bool extension = name.rfind("X-", 0) == 0;
    std::string_view value = raw_value;
    if (!extension && HasLower(raw_value)) {
      if (!options.lenient) return Bad(part, "value must be upper case");
      value_storage = Upper(raw_value);
      value = value_storage;
    }
    if (!extension) {
      const int bit = PartBit(name);
      if (bit >= 0) {
        if (seen & (1u << bit)) return Bad(part, fmt::format("{} given more than once", name));
        seen |= 1u << bit;
      }
    } else {
      for (const auto& [k, v] : rule.extensions) {
        if (k == name) return Bad(part, fmt::format("{} given more than once", name));
      }
    }

    if (name == "FREQ") {
      static constexpr std::pair<const char*, Frequency> kFreqs[] = {
          {"SECONDLY", Frequency::kSecondly}, {"MINUTELY", Frequency::kMinutely},
          {"HOURLY", Frequency::kHourly},     {"DAILY", Frequency::kDaily},
          {"WEEKLY", Frequency::kWeekly},     {"MONTHLY", Frequency::kMonthly},
          {"YEARLY", Frequency::kYearly}};
      bool found = false;
      for (const auto& [n, f] : kFreqs) {
        if (value == n) {
          rule.freq = f;
          found = true;
        }
      }
      if (!found)
        return Bad(
            part, "FREQ must be one of SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY");
      seen_freq = true;
    } else if (name == "INTERVAL") {
      int v;
      if (!ParseInt(value, &v) || v < 1 || value[0] == '+' || value[0] == '-') {
        return Bad(part, "INTERVAL must be a positive integer");
      }
      rule.interval = v;
    } else if (name == "COUNT") {
      int v;
      if (!ParseInt(value, &v) || v < 1 || value[0] == '+' || value[0] == '-') {
        return Bad(part, "COUNT must be a positive integer");
      }
      rule.count = v;
    } else if (name == "UNTIL") {
      Until u;
      std::string_view v = value;
      if (v.size() == 16 && v.back() == 'Z') {
        u.utc = true;
        v.remove_suffix(1);
      }
      if (v.size() == 8) {
        if (u.utc) return Bad(part, "UNTIL must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ");
        std::optional<core::Date> d = core::ParseDate(v);
        if (!d) return Bad(part, "UNTIL is not a valid date");
        u.is_date = true;
        u.value = core::LocalDateTime::FromDate(*d);
      } else {
        std::optional<core::LocalDateTime> t = core::ParseLocal(v);
        if (!t) return Bad(part, "UNTIL must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ");
        u.value = *t;
      }
      rule.until = u;
    } else if (name == "BYSECOND") {
      ALMANAC_RETURN_IF_ERROR(ParseIntList(part, value, 0, 60, false, &rule.by_second));
    } else if (name == "BYMINUTE") {
      ALMANAC_RETURN_IF_ERROR(ParseIntList(part, value, 0, 59, false, &rule.by_minute));
    } else if (name == "BYHOUR") {
      ALMANAC_RETURN_IF_ERROR(ParseIntList(part, value, 0, 23, false, &rule.by_hour));
    } else if (name == "BYMONTHDAY") {
      ALMANAC_RETURN_IF_ERROR(ParseIntList(part, value, 1, 31, true, &rule.by_month_day));
    } else if (name == "BYYEARDAY") {
      ALMANAC_RETURN_IF_ERROR(ParseIntList(part, value, 1, 366, true, &rule.by_year_day));
    } else if (name == "BYWEEKNO") {
      ALMANAC_RETURN_IF_ERROR(ParseIntList(part, value, 1, 53, true, &rule.by_week_no));
    } else if (name == "BYMONTH") {
      ALMANAC_RETURN_IF_ERROR(ParseIntList(part, value, 1, 12, false, &rule.by_month));
    } else if (name == "BYSETPOS") {
      ALMANAC_RETURN_IF_ERROR(ParseIntList(part, value, 1, 366, true, &rule.by_set_pos));
    } else if (name == "BYDAY") {
      ALMANAC_RETURN_IF_ERROR(ForEachListItem(part, value, [&](std::string_view item) -> Status {
        if (item.size() < 2) return Bad(part, fmt::format("\"{}\" is not a weekday", item));
        std::optional<Weekday> wd = ParseWeekday(item.substr(item.size() - 2));
        if (!wd)
          return Bad(part,
                     fmt::format("\"{}\" does not end in MO, TU, WE, TH, FR, SA or SU", item));
        WeekdayNum n;
        n.weekday = *wd;
        const std::string_view ord = item.substr(0, item.size() - 2);
        if (!ord.empty()) {
          int v;
          if (!ParseInt(ord, &v) || v == 0 || std::abs(v) > 53) {
            return Bad(part, fmt::format("ordinal in \"{}\" must be in -53..-1 or 1..53", item));
          }
          n.ordinal = v;
        }
        rule.by_day.push_back(n);
        return OkStatus();
      }));
    } else if (name == "WKST") {
      std::optional<Weekday> wd = ParseWeekday(value);
      if (!wd) return Bad(part, "WKST must be MO, TU, WE, TH, FR, SA or SU");
      rule.wkst = *wd;
      rule.wkst_given = true;
    } else if (extension) {
      rule.extensions.emplace_back(std::string(name), std::string(raw_value));
    } else {
      return Bad(part, fmt::format("unknown rule part \"{}\"", name));
    }
  }

  if (!seen_freq) return MakeError(Code::kInvalidArgument, "FREQ is required");
  if (rule.count && rule.until) {
    return MakeError(Code::kInvalidArgument, "COUNT and UNTIL must not both be given");
  }
  if (!rule.by_set_pos.empty() && rule.by_second.empty() && rule.by_minute.empty() &&
      rule.by_hour.empty() && rule.by_day.empty() && rule.by_month_day.empty() &&
      rule.by_year_day.empty() && rule.by_week_no.empty() && rule.by_month.empty()) {
    return MakeError(Code::kInvalidArgument, "BYSETPOS requires another BYxxx rule part");
  }

  // The RFC 5545 §3.3.10 table: parts marked N/A for the FREQ. In lenient
  // mode they are kept (the engine treats them as limits) with a warning.
  auto not_allowed = [&](bool bad, const char* what) -> Status {
    if (!bad) return OkStatus();
    const std::string msg = fmt::format("{} is not allowed with FREQ={} (RFC 5545 section 3.3.10)",
                                        what, FrequencyName(rule.freq));
    if (!options.lenient) return MakeError(Code::kInvalidArgument, msg);
    warn(msg);
    return OkStatus();
  };
  const Frequency f = rule.freq;
  ALMANAC_RETURN_IF_ERROR(
      not_allowed(!rule.by_month_day.empty() && f == Frequency::kWeekly, "BYMONTHDAY"));
  ALMANAC_RETURN_IF_ERROR(not_allowed(
      !rule.by_year_day.empty() &&
          (f == Frequency::kDaily || f == Frequency::kWeekly || f == Frequency::kMonthly),
      "BYYEARDAY"));
  ALMANAC_RETURN_IF_ERROR(
      not_allowed(!rule.by_week_no.empty() && f != Frequency::kYearly, "BYWEEKNO"));
  const bool has_ordinal = std::any_of(rule.by_day.begin(), rule.by_day.end(),
                                       [](const WeekdayNum& n) { return n.ordinal != 0; });
  if (has_ordinal) {
    const bool ordinal_ok = (f == Frequency::kMonthly || f == Frequency::kYearly) &&
                            !(f == Frequency::kYearly && !rule.by_week_no.empty());
    if (!ordinal_ok) {
      const std::string msg = fmt::format(
          "BYDAY with an ordinal (e.g. 1MO) is only allowed with FREQ=MONTHLY or FREQ=YEARLY "
          "without BYWEEKNO (RFC 5545 section 3.3.10)");
      if (!options.lenient) return MakeError(Code::kInvalidArgument, msg);
      warn(msg + "; the ordinal is ignored");
      for (WeekdayNum& n : rule.by_day) n.ordinal = 0;
    }
    // An ordinal above 5 within a month (MONTHLY, or YEARLY with BYMONTH) is
    // valid RECUR syntax (1..53) that simply never matches.
  }
  return rule;
}

std::string FormatRecurrenceRule(const RecurrenceRule& rule) {
  std::string out = "FREQ=";
  out += FrequencyName(rule.freq);
  auto list = [&](const char* name, const std::vector<int>& v) {
    if (v.empty()) return;
    out += ';';
    out += name;
    out += '=';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(v[i]);
    }
  };
  if (rule.until) {
    out += ";UNTIL=";
    out += rule.until->is_date ? core::FormatDate(rule.until->value.date())
                               : core::FormatLocal(rule.until->value);
    if (rule.until->utc) out += 'Z';
  }
  if (rule.count) out += fmt::format(";COUNT={}", *rule.count);
  if (rule.interval != 1) out += fmt::format(";INTERVAL={}", rule.interval);
  list("BYSECOND", rule.by_second);
  list("BYMINUTE", rule.by_minute);
  list("BYHOUR", rule.by_hour);
  if (!rule.by_day.empty()) {
    out += ";BYDAY=";
    for (std::size_t i = 0; i < rule.by_day.size(); ++i) {
      if (i) out += ',';
      if (rule.by_day[i].ordinal != 0) out += std::to_string(rule.by_day[i].ordinal);
      out += WeekdayCode(rule.by_day[i].weekday);
    }
  }
  list("BYMONTHDAY", rule.by_month_day);
  list("BYYEARDAY", rule.by_year_day);
  list("BYWEEKNO", rule.by_week_no);
  list("BYMONTH", rule.by_month);
  list("BYSETPOS", rule.by_set_pos);
  if (rule.wkst_given) {
    out += ";WKST=";
    out += WeekdayCode(rule.wkst);
  }
  for (const auto& [k, v] : rule.extensions) out += fmt::format(";{}={}", k, v);
  return out;
}

}  // namespace almanac::ical
