#include "app/expand_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/cli_util.h"
#include "core/time.h"
#include "core/time_zone.h"
#include "ical/recurrence.h"
#include "ical/rrule.h"

namespace almanac::app {
namespace {

struct ExpandArgs {
  std::string dtstart, tzid, rrule, rdate, exdate, from, to;
  long long max = 1000;
};

enum class Form { kDate, kLocal, kUtc };

// Parses one value of the form DTSTART was given in.
Result<core::LocalDateTime> ParseValue(std::string_view what, std::string_view v, Form form) {
  if (form == Form::kDate) {
    if (auto d = core::ParseDate(v)) return core::LocalDateTime::FromDate(*d);
    return MakeError(Code::kInvalidArgument,
                     fmt::format("{} \"{}\" must be YYYYMMDD like --dtstart", what, v));
  }
  if (form == Form::kUtc) {
    if (v.size() == 16 && v.back() == 'Z') {
      if (auto t = core::ParseLocal(v.substr(0, 15))) return *t;
    }
    return MakeError(Code::kInvalidArgument,
                     fmt::format("{} \"{}\" must be YYYYMMDDTHHMMSSZ like --dtstart", what, v));
  }
  if (auto t = core::ParseLocal(v)) return *t;
  return MakeError(Code::kInvalidArgument,
                   fmt::format("{} \"{}\" must be YYYYMMDDTHHMMSS like --dtstart", what, v));
}

Result<std::vector<core::LocalDateTime>> ParseList(std::string_view what, std::string_view list,
                                                   Form form) {
  std::vector<core::LocalDateTime> out;
  if (list.empty()) return out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    ALMANAC_ASSIGN_OR_RETURN(core::LocalDateTime t,
                             ParseValue(what, list.substr(start, comma - start), form));
    out.push_back(t);
    start = comma + 1;
  }
  return out;
}

// A window bound: YYYYMMDDTHHMMSS (or YYYYMMDD meaning midnight), in the
// DTSTART frame.
Result<core::LocalDateTime> ParseBound(std::string_view what, std::string_view v) {
  if (v.size() == 16 && v.back() == 'Z') v.remove_suffix(1);
  if (auto t = core::ParseLocal(v)) return *t;
  if (auto d = core::ParseDate(v)) return core::LocalDateTime::FromDate(*d);
  return MakeError(Code::kInvalidArgument,
                   fmt::format("{} \"{}\" must be YYYYMMDDTHHMMSS", what, v));
}

Status RunExpand(const ExpandArgs& a) {
  Form form;
  std::string_view ds = a.dtstart;
  if (ds.size() == 8) {
    form = Form::kDate;
  } else if (ds.size() == 16 && ds.back() == 'Z') {
    form = Form::kUtc;
  } else {
    form = Form::kLocal;
  }
  ical::SeriesSpec spec;
  {
    Result<core::LocalDateTime> start = ParseValue("--dtstart", ds, form);
    if (!start.ok()) {
      return MakeError(Code::kInvalidArgument,
                       fmt::format("--dtstart \"{}\" must be YYYYMMDD, YYYYMMDDTHHMMSS or "
                                   "YYYYMMDDTHHMMSSZ",
                                   ds));
    }
    spec.dtstart = *start;
  }
  spec.all_day = form == Form::kDate;
  spec.utc = form == Form::kUtc;
  if (!a.tzid.empty()) {
    if (form != Form::kLocal) {
      return MakeError(Code::kInvalidArgument,
                       "--tzid needs a local --dtstart (YYYYMMDDTHHMMSS, no Z)");
    }
    ALMANAC_ASSIGN_OR_RETURN(spec.zone, core::FindIanaZone(a.tzid));
  }
  Result<ical::RecurrenceRule> rule = ical::ParseRecurrenceRule(a.rrule);
  if (!rule.ok()) {
    return MakeError(Code::kInvalidArgument, "--rrule: " + rule.error().message);
  }
  spec.rrules.push_back(std::move(rule).value());
  ALMANAC_ASSIGN_OR_RETURN(std::vector<core::LocalDateTime> rdates,
                           ParseList("--rdate value", a.rdate, form));
  for (const core::LocalDateTime& t : rdates) spec.rdates.push_back({t, std::nullopt});
  ALMANAC_ASSIGN_OR_RETURN(spec.exdates, ParseList("--exdate value", a.exdate, form));
  if (a.max < 0) return MakeError(Code::kInvalidArgument, "--max must not be negative");
  core::LocalDateTime from = core::kMinLocal, to = core::kMaxLocal + 1;
  if (!a.from.empty()) {
    ALMANAC_ASSIGN_OR_RETURN(from, ParseBound("--from", a.from));
  }
  if (!a.to.empty()) {
    ALMANAC_ASSIGN_OR_RETURN(to, ParseBound("--to", a.to));
  }

  ical::ExpandLimits limits;
  limits.max_occurrences = static_cast<std::size_t>(a.max);
  ALMANAC_ASSIGN_OR_RETURN(ical::Expansion e, ical::Expand(spec, from, to, limits));

  std::string out;
  out.reserve(e.occurrences.size() * 17);
  char buf[16];
  for (const ical::Occurrence& o : e.occurrences) {
    if (spec.all_day) {
      core::FormatDateTo(o.start.date(), buf);
      out.append(buf, 8);
    } else {
      core::FormatLocalTo(o.start, buf);
      out.append(buf, 15);
      if (spec.utc) out += 'Z';
    }
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  switch (e.stop) {
    case ical::StopReason::kComplete:
    case ical::StopReason::kOutputCap:
      break;
    case ical::StopReason::kNeverMatches:
      std::fprintf(stderr,
                   "almanac: note: the rule can never produce a date (its BYMONTH/BYMONTHDAY "
                   "combination does not exist); only DTSTART and RDATEs are listed\n");
      break;
    case ical::StopReason::kWorkCap:
      std::fprintf(stderr,
                   "almanac: note: stopped after examining %llu candidates (work cap) without "
                   "covering the window; the list may be incomplete\n",
                   static_cast<unsigned long long>(limits.max_iterations));
      break;
  }
  return OkStatus();
}

}  // namespace

void AddExpandCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ExpandArgs>();
  CLI::App* cmd = app.add_subcommand(
      "expand",
      "Expand a recurrence rule and print one occurrence per line (YYYYMMDDTHHMMSS, or "
      "YYYYMMDD for a DATE --dtstart) in DTSTART's wall-clock time");
  cmd->add_option("--dtstart", args->dtstart,
                  "First occurrence: YYYYMMDDTHHMMSS (floating or in --tzid), YYYYMMDDTHHMMSSZ "
                  "(UTC) or YYYYMMDD (all-day)")
      ->required();
  cmd->add_option("--tzid", args->tzid, "IANA time zone of --dtstart, e.g. Europe/London");
  cmd->add_option("--rrule", args->rrule, "RFC 5545 RECUR value, e.g. 'FREQ=WEEKLY;BYDAY=MO,WE'")
      ->required();
  cmd->add_option("--rdate", args->rdate, "Comma-separated extra dates, same form as --dtstart");
  cmd->add_option("--exdate", args->exdate,
                  "Comma-separated excluded dates, same form as --dtstart");
  cmd->add_option("--from", args->from,
                  "Only occurrences starting at or after this (YYYYMMDDTHHMMSS)");
  cmd->add_option("--to", args->to, "Only occurrences starting before this (YYYYMMDDTHHMMSS)");
  cmd->add_option("--max", args->max, "Print at most N occurrences (default 1000)");
  cmd->callback([args, exit_code] { *exit_code = ReportStatus(RunExpand(*args)); });
}

}  // namespace almanac::app
