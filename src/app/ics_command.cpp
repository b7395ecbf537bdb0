#include "app/ics_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "app/cli_util.h"
#include "core/time.h"
#include "ical/instances.h"
#include "ical/parser.h"
#include "ical/values.h"
#include "ical/vtimezone.h"

namespace almanac::app {
namespace {

struct IcsArgs {
  std::string file;
  bool lenient = false;
  bool strict = false;
  std::string from, to;
  std::size_t max_bytes = 256u << 20;
  int max_depth = 16;
};

Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(Code::kNotFound, fmt::format("cannot open \"{}\"", path));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return MakeError(Code::kInvalidArgument, fmt::format("cannot read \"{}\"", path));
  if (static_cast<std::size_t>(size) > max_bytes) {
    return MakeError(Code::kResourceExhausted,
                     fmt::format("\"{}\" is {} bytes, more than the limit of {} (--max-bytes)",
                                 path, size, max_bytes));
  }
  in.seekg(0);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), size);
  if (!in) return MakeError(Code::kInvalidArgument, fmt::format("cannot read \"{}\"", path));
  return text;
}

ical::ParseOptions Options(const IcsArgs& a, bool lenient) {
  ical::ParseOptions o;
  o.lenient = lenient;
  o.limits.max_input_bytes = a.max_bytes;
  o.limits.max_depth = a.max_depth;
  return o;
}

// Every TZID parameter must name a zone we can evaluate.
void CheckZones(ical::ZoneResolver& zones, const ical::Component& c,
                std::vector<std::string>* problems) {
  for (const ical::Property& p : c.properties) {
    std::optional<std::string_view> tzid = p.ParamValue("TZID");
    if (!tzid) continue;
    Result<const core::TimeZone*> z = zones.Resolve(*tzid);
    if (!z.ok())
      problems->push_back(fmt::format("line {}: {}: {}", p.line, p.name, z.error().message));
  }
  for (const ical::Component& sub : c.components) CheckZones(zones, sub, problems);
}

Status RunCheck(const IcsArgs& a) {
  ALMANAC_ASSIGN_OR_RETURN(std::string text, ReadFile(a.file, a.max_bytes));
  Result<ical::ParsedCalendar> parsed = ical::Parse(text, Options(a, a.lenient));
  if (!parsed.ok()) {
    return MakeError(parsed.error().code, fmt::format("{}: {}", a.file, parsed.error().message));
  }
  std::vector<std::string> warnings;
  for (const ical::Diagnostic& d : parsed->warnings) warnings.push_back(d.message);
  std::vector<std::string> zone_problems;
  std::size_t components = 0;
  for (const ical::Component& cal : parsed->components) {
    components += cal.components.size();
    ical::ZoneResolver zones(cal);
    CheckZones(zones, cal, &zone_problems);
  }
  for (const std::string& w : warnings) std::printf("%s: warning: %s\n", a.file.c_str(), w.c_str());
  if (!zone_problems.empty()) {
    if (!a.lenient) {
      for (std::size_t i = 1; i < zone_problems.size(); ++i) {
        std::printf("%s: error: %s\n", a.file.c_str(), zone_problems[i].c_str());
      }
      return MakeError(Code::kInvalidArgument, fmt::format("{}: {}", a.file, zone_problems[0]));
    }
    for (const std::string& w : zone_problems)
      std::printf("%s: warning: %s\n", a.file.c_str(), w.c_str());
  }
  std::printf("%s: valid (%zu calendar%s, %zu components, %zu warning%s)\n", a.file.c_str(),
              parsed->components.size(), parsed->components.size() == 1 ? "" : "s", components,
              warnings.size() + (a.lenient ? zone_problems.size() : 0),
              warnings.size() + (a.lenient ? zone_problems.size() : 0) == 1 ? "" : "s");
  return OkStatus();
}

// YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ, all read as UTC.
Result<core::Instant> ParseUtcBound(std::string_view what, std::string_view v) {
  std::string_view t = v;
  if (t.size() == 16 && t.back() == 'Z') t.remove_suffix(1);
  if (auto l = core::ParseLocal(t)) return core::Instant::FromUnixSeconds(l->seconds());
  if (auto d = core::ParseDate(t)) {
    return core::Instant::FromUnixSeconds(core::LocalDateTime::FromDate(*d).seconds());
  }
  return MakeError(Code::kInvalidArgument,
                   fmt::format("{} \"{}\" must be YYYYMMDD or YYYYMMDDTHHMMSS[Z] (UTC)", what, v));
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append(fmt::format("\\u{:04x}", c));
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

std::string FormatWall(core::LocalDateTime t, bool all_day, bool utc) {
  if (all_day) return core::FormatDate(t.date());
  return core::FormatLocal(t) + (utc ? "Z" : "");
}

Status RunExpand(const IcsArgs& a) {
  ALMANAC_ASSIGN_OR_RETURN(core::Instant from, ParseUtcBound("--from", a.from));
  ALMANAC_ASSIGN_OR_RETURN(core::Instant to, ParseUtcBound("--to", a.to));
  if (!(from < to)) return MakeError(Code::kInvalidArgument, "--from must be before --to");
  ALMANAC_ASSIGN_OR_RETURN(std::string text, ReadFile(a.file, a.max_bytes));
  Result<ical::ParsedCalendar> parsed = ical::Parse(text, Options(a, !a.strict));
  if (!parsed.ok()) {
    return MakeError(parsed.error().code, fmt::format("{}: {}", a.file, parsed.error().message));
  }
  std::string out;
  for (const ical::Component& cal : parsed->components) {
    Result<ical::InstanceResult> r = ical::ExpandInstances(cal, from, to);
    if (!r.ok()) return MakeError(r.error().code, fmt::format("{}: {}", a.file, r.error().message));
    for (const std::string& w : r->warnings) {
      std::fprintf(stderr, "almanac: warning: %s: %s\n", a.file.c_str(), w.c_str());
    }
    if (r->truncated) {
      std::fprintf(stderr, "almanac: warning: %s: the list was cut short by a work cap\n",
                   a.file.c_str());
    }
    for (const ical::Instance& in : r->instances) {
      out += "{\"uid\":";
      AppendJsonString(in.uid, &out);
      out += ",\"component\":";
      AppendJsonString(in.component->name, &out);
      out += ",\"summary\":";
      const ical::Property* summary = in.component->Find("SUMMARY");
      if (summary) {
        AppendJsonString(ical::UnescapeText(summary->value), &out);
      } else {
        out += "null";
      }
      out += ",\"start\":\"" + FormatWall(in.start, in.all_day, in.utc) + "\"";
      out += ",\"end\":\"" + FormatWall(in.end, in.all_day, in.utc) + "\"";
      out += ",\"tzid\":";
      if (in.zone) {
        AppendJsonString(in.zone->name(), &out);
      } else {
        out += "null";
      }
      out += ",\"start_utc\":\"" + core::FormatLocal(in.start_instant.utc()) + "Z\"";
      out += ",\"end_utc\":\"" + core::FormatLocal(in.end_instant.utc()) + "Z\"";
      out += fmt::format(",\"all_day\":{}", in.all_day ? "true" : "false");
      out += ",\"recurrence_id\":";
      if (in.recurrence_id) {
        out += "\"" + FormatWall(*in.recurrence_id, in.all_day, in.utc) + "\"";
      } else {
        out += "null";
      }
      out += fmt::format(",\"overridden\":{}}}\n", in.overridden ? "true" : "false");
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return OkStatus();
}

}  // namespace

void AddIcsCommand(CLI::App& app, int* exit_code) {
  CLI::App* ics = app.add_subcommand("ics", "Validate and expand iCalendar (RFC 5545) files");
  ics->require_subcommand(1);

  auto check = std::make_shared<IcsArgs>();
  CLI::App* c = ics->add_subcommand(
      "check", "Validate FILE: print errors and warnings with line numbers; exit 2 if invalid");
  c->add_option("FILE", check->file, "The .ics file")->required();
  c->add_flag("--lenient", check->lenient,
              "Accept the common deviations of real exports (reported as warnings)");
  c->add_option("--max-bytes", check->max_bytes, "Largest file accepted (default 256 MiB)");
  c->add_option("--max-depth", check->max_depth, "Deepest BEGIN nesting accepted (default 16)");
  c->callback([check, exit_code] { *exit_code = ReportStatus(RunCheck(*check)); });

  auto expand = std::make_shared<IcsArgs>();
  CLI::App* e = ics->add_subcommand(
      "expand",
      "Print every VEVENT/VTODO instance of FILE overlapping [--from, --to) as one JSON object "
      "per line, overrides applied");
  e->add_option("FILE", expand->file, "The .ics file")->required();
  e->add_option("--from", expand->from, "Window start, UTC: YYYYMMDD or YYYYMMDDTHHMMSS[Z]")
      ->required();
  e->add_option("--to", expand->to, "Window end (exclusive), UTC")->required();
  e->add_flag("--strict", expand->strict,
              "Reject deviations instead of accepting them with warnings");
  e->add_option("--max-bytes", expand->max_bytes, "Largest file accepted (default 256 MiB)");
  e->add_option("--max-depth", expand->max_depth, "Deepest BEGIN nesting accepted (default 16)");
  e->callback([expand, exit_code] { *exit_code = ReportStatus(RunExpand(*expand)); });
}

}  // namespace almanac::app
