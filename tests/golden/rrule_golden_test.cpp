// Golden-file tests for the recurrence engine: one test per
// tests/data/rrule/*.test file (format in STYLE.md and README.md).
//
// A file gives DTSTART, one or more RRULEs, optional RDATE/EXDATE lines, an
// optional `window FROM TO` (wall clock in the DTSTART frame, [FROM, TO)),
// `max N` and `stop REASON`, then `----` and either the expected occurrence
// starts, one per line, or `error [substring of the message]`.
// The expected lists were derived by hand and with python-dateutil/zoneinfo,
// never by running this engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "core/time_zone.h"
#include "ical/recurrence.h"
#include "ical/rrule.h"

#ifndef ALMANAC_RRULE_GOLDEN_DIR
#error "ALMANAC_RRULE_GOLDEN_DIR must name tests/data/rrule"
#endif

namespace almanac::ical {
namespace {

namespace fs = std::filesystem;

struct GoldenFile {
  std::string path;
  std::string name;  // test-name-safe stem
};

// Keeps gtest's test listing (and so the CTest names) readable.
void PrintTo(const GoldenFile& file, std::ostream* os) { *os << file.name; }

std::vector<GoldenFile> ListGoldenFiles() {
  std::vector<GoldenFile> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(ALMANAC_RRULE_GOLDEN_DIR, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".test") continue;
    std::string name = entry.path().stem().string();
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    files.push_back({entry.path().string(), name});
  }
  std::sort(files.begin(), files.end(),
            [](const GoldenFile& a, const GoldenFile& b) { return a.name < b.name; });
  return files;
}

// One content line "NAME;P1=V1;P2=V2:VALUE" (no quoting needed in these files).
struct ContentLine {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;
  std::string value;

  std::string Param(std::string_view key) const {
    for (const auto& [k, v] : params) {
      if (k == key) return v;
    }
    return {};
  }
};

std::optional<ContentLine> SplitContentLine(const std::string& line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string::npos) return std::nullopt;
  ContentLine out;
  out.value = line.substr(colon + 1);
  std::stringstream head(line.substr(0, colon));
  std::string part;
  bool first = true;
  while (std::getline(head, part, ';')) {
    if (first) {
      out.name = part;
      first = false;
      continue;
    }
    const std::size_t eq = part.find('=');
    if (eq == std::string::npos) return std::nullopt;
    out.params.emplace_back(part.substr(0, eq), part.substr(eq + 1));
  }
  return out;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  return out;
}

// The DTSTART frame: how other values are converted into it.
struct Frame {
  const core::TimeZone* zone = nullptr;
  bool utc = false;
  bool all_day = false;
};

// Reads a DATE or DATE-TIME value (with optional Z, optional TZID of its own)
// and converts it into wall-clock time of `frame`.
::testing::AssertionResult ReadTime(const std::string& text, const std::string& tzid,
                                    const Frame& frame, core::LocalDateTime* out) {
  if (text.size() == 8) {
    std::optional<core::Date> d = core::ParseDate(text);
    if (!d) return ::testing::AssertionFailure() << "bad DATE " << text;
    *out = core::LocalDateTime::FromDate(*d);
    return ::testing::AssertionSuccess();
  }
  const bool z = !text.empty() && (text.back() == 'Z' || text.back() == 'z');
  std::optional<core::LocalDateTime> local =
      core::ParseLocal(z ? std::string_view(text).substr(0, text.size() - 1) : text);
  if (!local) return ::testing::AssertionFailure() << "bad DATE-TIME " << text;
  std::optional<core::Instant> instant;
  if (z) {
    instant = core::Instant::FromUnixSeconds(local->seconds());
  } else if (!tzid.empty() && (frame.zone == nullptr || frame.zone->name() != tzid)) {
    Result<const core::TimeZone*> zone = core::FindIanaZone(tzid);
    if (!zone.ok()) return ::testing::AssertionFailure() << "unknown TZID " << tzid;
    instant = (*zone)->ToInstant(*local);
  }
  if (!instant) {
    *out = *local;
  } else if (frame.zone != nullptr) {
    *out = frame.zone->ToLocal(*instant);
  } else {
    *out = instant->utc();  // UTC frame (floating frames have no conversion)
  }
  return ::testing::AssertionSuccess();
}

// Seconds of an RFC 5545 dur-value (§3.3.6), or nullopt.
std::optional<std::int64_t> ParseDuration(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s[0] != 'P') return std::nullopt;
  s.remove_prefix(1);
  std::int64_t total = 0;
  bool in_time = false;
  while (!s.empty()) {
    if (s[0] == 'T') {
      in_time = true;
      s.remove_prefix(1);
      continue;
    }
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p == s.data() + s.size()) return std::nullopt;
    const char unit = *p;
    s.remove_prefix(static_cast<std::size_t>(p - s.data()) + 1);
    if (unit == 'W' && !in_time)
      n *= 7 * 86400;
    else if (unit == 'D' && !in_time)
      n *= 86400;
    else if (unit == 'H' && in_time)
      n *= 3600;
    else if (unit == 'M' && in_time)
      n *= 60;
    else if (unit == 'S' && in_time) {
    } else
      return std::nullopt;
    total += n;
  }
  return neg ? -total : total;
}

std::optional<StopReason> ParseStopReason(std::string_view s) {
  if (s == "complete") return StopReason::kComplete;
  if (s == "output-cap") return StopReason::kOutputCap;
  if (s == "work-cap") return StopReason::kWorkCap;
  if (s == "never-matches") return StopReason::kNeverMatches;
  return std::nullopt;
}

class RruleGoldenTest : public ::testing::TestWithParam<GoldenFile> {};

TEST_P(RruleGoldenTest, MatchesExpectedOccurrences) {
  const GoldenFile& file = GetParam();
  SCOPED_TRACE(file.path);
  std::ifstream in(file.path);
  ASSERT_TRUE(in) << "cannot open " << file.path;

  SeriesSpec spec;
  Frame frame;
  std::string dtstart_line;
  std::vector<std::string> rrule_texts;
  std::vector<ContentLine> rdate_lines, exdate_lines;
  std::vector<std::string> window;
  ExpandLimits limits;
  std::optional<StopReason> expected_stop;
  std::vector<std::string> expected;
  bool expect_error = false;
  std::string error_substring;
  bool after_separator = false;

  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (after_separator) {
      if (line.rfind("error", 0) == 0) {
        expect_error = true;
        error_substring = line.size() > 6 ? line.substr(6) : "";
      } else {
        expected.push_back(line);
      }
      continue;
    }
    if (line == "----") {
      after_separator = true;
      continue;
    }
    std::stringstream words(line);
    std::string keyword;
    words >> keyword;
    if (keyword == "window") {
      std::string a, b;
      words >> a >> b;
      ASSERT_FALSE(b.empty()) << "line " << line_no << ": window needs FROM and TO";
      window = {a, b};
      continue;
    }
    if (keyword == "max") {
      words >> limits.max_occurrences;
      ASSERT_FALSE(words.fail()) << "line " << line_no << ": max needs a number";
      continue;
    }
    if (keyword == "stop") {
      std::string reason;
      words >> reason;
      expected_stop = ParseStopReason(reason);
      ASSERT_TRUE(expected_stop) << "line " << line_no << ": unknown stop reason " << reason;
      continue;
    }
    std::optional<ContentLine> cl = SplitContentLine(line);
    ASSERT_TRUE(cl) << "line " << line_no << ": cannot read '" << line << "'";
    if (cl->name == "DTSTART") {
      dtstart_line = line;
      const std::string tzid = cl->Param("TZID");
      if (!tzid.empty()) {
        Result<const core::TimeZone*> zone = core::FindIanaZone(tzid);
        ASSERT_TRUE(zone.ok()) << "unknown TZID " << tzid;
        frame.zone = *zone;
      }
      const std::string& v = cl->value;
      frame.all_day = v.size() == 8;
      frame.utc = !v.empty() && v.back() == 'Z';
      ASSERT_TRUE(ReadTime(frame.utc ? v.substr(0, v.size() - 1) : v, "", frame, &spec.dtstart));
    } else if (cl->name == "RRULE") {
      rrule_texts.push_back(cl->value);
    } else if (cl->name == "RDATE") {
      rdate_lines.push_back(*cl);
    } else if (cl->name == "EXDATE") {
      exdate_lines.push_back(*cl);
    } else {
      FAIL() << "line " << line_no << ": unknown line '" << line << "'";
    }
  }
  ASSERT_FALSE(dtstart_line.empty()) << "no DTSTART line";
  ASSERT_TRUE(after_separator) << "no ---- line";
  spec.zone = frame.zone;
  spec.utc = frame.utc;
  spec.all_day = frame.all_day;

  for (const ContentLine& cl : rdate_lines) {
    for (const std::string& v : SplitComma(cl.value)) {
      RDate rd;
      const std::size_t slash = v.find('/');
      ASSERT_TRUE(ReadTime(v.substr(0, slash), cl.Param("TZID"), frame, &rd.start));
      if (slash != std::string::npos) {
        const std::string rest = v.substr(slash + 1);
        if (std::optional<std::int64_t> d = ParseDuration(rest)) {
          rd.duration = *d;
        } else {
          core::LocalDateTime end;
          ASSERT_TRUE(ReadTime(rest, cl.Param("TZID"), frame, &end));
          rd.duration = end - rd.start;
        }
      }
      spec.rdates.push_back(rd);
    }
  }
  for (const ContentLine& cl : exdate_lines) {
    for (const std::string& v : SplitComma(cl.value)) {
      core::LocalDateTime t;
      ASSERT_TRUE(ReadTime(v, cl.Param("TZID"), frame, &t));
      spec.exdates.push_back(t);
    }
  }

  core::LocalDateTime from = core::kMinLocal, to = core::kMaxLocal;
  if (!window.empty()) {
    ASSERT_TRUE(ReadTime(window[0], "", Frame{}, &from)) << "window FROM";
    ASSERT_TRUE(ReadTime(window[1], "", Frame{}, &to)) << "window TO";
  }

  // Parse the rules; a rejected rule must be an expected error.
  for (const std::string& text : rrule_texts) {
    Result<RecurrenceRule> rule = ParseRecurrenceRule(text);
    if (!rule.ok()) {
      ASSERT_TRUE(expect_error) << "RRULE:" << text << " rejected: " << rule.error().message;
      EXPECT_EQ(rule.error().code, Code::kInvalidArgument);
      EXPECT_NE(rule.error().message.find(error_substring), std::string::npos)
          << "message '" << rule.error().message << "' lacks '" << error_substring << "'";
      return;
    }
    spec.rrules.push_back(std::move(rule).value());
  }

  Result<Expansion> expansion = Expand(spec, from, to, limits);
  if (!expansion.ok()) {
    ASSERT_TRUE(expect_error) << "Expand failed: " << expansion.error().message;
    EXPECT_EQ(expansion.error().code, Code::kInvalidArgument);
    EXPECT_NE(expansion.error().message.find(error_substring), std::string::npos)
        << "message '" << expansion.error().message << "' lacks '" << error_substring << "'";
    return;
  }

  std::string got;
  for (const Occurrence& o : expansion->occurrences) {
    got += frame.all_day ? core::FormatDate(o.start.date())
                         : core::FormatLocal(o.start) + (frame.utc ? "Z" : "");
    got += '\n';
  }
  ASSERT_FALSE(expect_error) << "expected an error containing '" << error_substring
                             << "', got occurrences:\n"
                             << got;
  std::string want;
  for (const std::string& e : expected) want += e + '\n';
  EXPECT_EQ(got, want) << "stop reason: " << StopReasonName(expansion->stop);
  if (expected_stop) {
    EXPECT_EQ(StopReasonName(expansion->stop), std::string(StopReasonName(*expected_stop)));
  }
}

INSTANTIATE_TEST_SUITE_P(Rrule, RruleGoldenTest, ::testing::ValuesIn(ListGoldenFiles()),
                         [](const ::testing::TestParamInfo<GoldenFile>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace almanac::ical
