// `almanac_bench expand`: the recurrence table of /work/shared/bench/README.md
// for each engine, the almanac/libical speed ratios, and the digest check.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.h"
#include "expand_engine.h"
#include "suite.h"
#include "timer.h"

namespace almanac::bench {
namespace {

// Targets from issue #2: almanac at least this many times faster than libical.
constexpr double kTotalTarget = 50.0;
constexpr double kPerRuleTarget = 10.0;
// Calibration never runs more expansions than this per rep.
constexpr std::uint64_t kMaxIters = 1'000'000'000;

struct Options {
  std::string suite;
  std::string expected;
  int reps = 5;
  double min_time = 0.1;
  TimerKind timer = TimerKind::kCpu;
  std::string only;
  bool almanac = true;
  bool libical = true;
};

struct Row {
  std::string name;
  DigestRow digest;
  std::uint64_t iters = 0;
  double us = 0;  // median microseconds per expansion
  std::string problem;
  std::string mismatch;  // empty when the row agrees with rrule_expected.txt
};

struct EngineRun {
  std::string name;
  std::vector<Row> rows;  // in suite order
  double total_us = 0;
  std::size_t total_count = 0;
};

// Keeps the counted results observable so the walks cannot be optimised away.
volatile std::size_t g_sink = 0;

int Usage(const char* why) {
  std::fprintf(stderr,
               "almanac_bench expand: %s\n"
               "usage: almanac_bench expand SUITE [--reps R] [--min-time S] [--only NAME]\n"
               "                            [--engine almanac|libical|both] [--expected FILE]\n"
               "                            [--clock cpu|wall]\n",
               why);
  return 2;
}

bool ParseOptions(const std::vector<std::string>& args, Options* o, std::string* why) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    try {
      if (a == "--reps" && has_value) {
        o->reps = std::stoi(args[++i]);
        if (o->reps < 1) throw std::invalid_argument("reps");
      } else if (a == "--min-time" && has_value) {
        o->min_time = std::stod(args[++i]);
        if (!(o->min_time >= 0)) throw std::invalid_argument("min-time");
      } else if (a == "--clock" && has_value) {
        if (!ParseTimerKind(args[++i], &o->timer)) throw std::invalid_argument("clock");
      } else if (a == "--only" && has_value) {
        o->only = args[++i];
      } else if (a == "--expected" && has_value) {
        o->expected = args[++i];
      } else if (a == "--engine" && has_value) {
        const std::string& e = args[++i];
        if (e != "almanac" && e != "libical" && e != "both") throw std::invalid_argument("engine");
        o->almanac = e != "libical";
        o->libical = e != "almanac";
      } else if (!a.empty() && a[0] != '-' && o->suite.empty()) {
        o->suite = a;
      } else {
        *why = "bad argument '" + a + "'";
        return false;
      }
    } catch (const std::exception&) {  // std::stoi/stod at the CLI edge
      *why = "bad value for " + a;
      return false;
    }
  }
  if (o->suite.empty()) {
    *why = "missing SUITE";
    return false;
  }
  if (o->expected.empty()) {
    const std::size_t slash = o->suite.rfind('/');
    o->expected = (slash == std::string::npos ? std::string() : o->suite.substr(0, slash + 1)) +
                  "rrule_expected.txt";
  }
  return true;
}

// Runs `n` timed expansions; returns seconds. `*counted` gets the sum of
// their occurrence counts.
double TimeExpansions(PreparedSeries& series, std::uint64_t n, TimerKind timer,
                      std::size_t* counted) {
  std::size_t acc = 0;
  const double t0 = TimerNow(timer);
  for (std::uint64_t i = 0; i < n; ++i) acc += series.Count();
  const double t1 = TimerNow(timer);
  g_sink = g_sink + acc;
  *counted = acc;
  return t1 - t0;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void PrintHeader() {
  std::printf("%-25s %8s %-15s %-15s %-16s %7s %12s %12s\n", "rule", "count", "first", "last",
              "fnv1a64", "iters", "us/expand", "occ/s");
}

void PrintRow(const Row& r) {
  if (!r.problem.empty()) {
    std::printf("%-25s ERROR %s\n", r.name.c_str(), r.problem.c_str());
  } else {
    std::printf("%-25s %8zu %-15s %-15s %-16s %7llu %12.2f %12.4g\n", r.name.c_str(),
                r.digest.count, r.digest.first.c_str(), r.digest.last.c_str(),
                r.digest.digest.c_str(), static_cast<unsigned long long>(r.iters), r.us,
                r.us > 0 ? static_cast<double>(r.digest.count) / (r.us * 1e-6) : 0.0);
  }
  std::fflush(stdout);
}

Row MeasureRule(ExpandEngine& engine, const SuiteRule& rule, const Options& o) {
  Row row;
  row.name = rule.name;
  Result<std::unique_ptr<PreparedSeries>> prepared = engine.Prepare(rule);
  if (!prepared.ok()) {
    row.problem = prepared.error().message;
    return row;
  }
  PreparedSeries& series = **prepared;

  // Untimed: one formatted expansion for the digest (also the warm-up).
  std::vector<core::LocalDateTime> occurrences;
  series.Collect(&occurrences);
  row.digest = DigestOf(occurrences, rule);
  if (!series.problem().empty()) {
    row.problem = series.problem();
    return row;
  }

  const auto check = [&](std::uint64_t n, std::size_t counted) {
    if (counted != n * row.digest.count && row.problem.empty()) {
      row.problem = "timed walk counted " +
                    std::to_string(counted / std::max<std::uint64_t>(n, 1)) +
                    " occurrences, digest walk " + std::to_string(row.digest.count);
    }
    if (!series.problem().empty()) row.problem = series.problem();
  };

  // Calibrate: grow n until one rep lasts at least min_time.
  std::uint64_t n = 1;
  for (;;) {
    std::size_t counted = 0;
    const double t = TimeExpansions(series, n, o.timer, &counted);
    check(n, counted);
    if (t >= o.min_time || n >= kMaxIters) break;
    const double per = std::max(t / static_cast<double>(n), 1e-9);
    const auto want = static_cast<std::uint64_t>(std::ceil(o.min_time * 1.2 / per));
    n = std::clamp<std::uint64_t>(want, n + 1, std::min(n * 100, kMaxIters));
  }
  row.iters = n;

  std::vector<double> per_expansion;
  for (int r = 0; r < o.reps; ++r) {
    std::size_t counted = 0;
    const double t = TimeExpansions(series, n, o.timer, &counted);
    check(n, counted);
    per_expansion.push_back(t / static_cast<double>(n));
  }
  row.us = Median(per_expansion) * 1e6;
  return row;
}

EngineRun RunEngine(ExpandEngine& engine, const std::vector<const SuiteRule*>& rules,
                    const Options& o) {
  EngineRun run;
  run.name = engine.name();
  std::printf("# engine: %s\n", engine.Describe().c_str());
  PrintHeader();
  for (const SuiteRule* rule : rules) {
    Row row = MeasureRule(engine, *rule, o);
    PrintRow(row);
    if (row.problem.empty()) {
      run.total_us += row.us;
      run.total_count += row.digest.count;
    }
    run.rows.push_back(std::move(row));
  }
  std::printf(
      "%-25s %8zu %-15s %-15s %-16s %7s %12.2f %12.4g\n\n", "TOTAL", run.total_count, "-", "-", "-",
      "-", run.total_us,
      run.total_us > 0 ? static_cast<double>(run.total_count) / (run.total_us * 1e-6) : 0.0);
  std::fflush(stdout);
  return run;
}

const char* Verdict(double ratio, double target) { return ratio >= target ? "ok" : "BELOW"; }

void PrintRatios(const EngineRun& a, const EngineRun& l) {
  std::printf("# totals\n");
  for (const EngineRun* run : {&a, &l}) {
    std::printf(
        "%-8s TOTAL %12.2f us/suite %12.4g occ/s (%zu occurrences)\n", run->name.c_str(),
        run->total_us,
        run->total_us > 0 ? static_cast<double>(run->total_count) / (run->total_us * 1e-6) : 0.0,
        run->total_count);
  }
  const double total_ratio = a.total_us > 0 ? l.total_us / a.total_us : 0.0;
  std::printf(
      "ratio almanac/libical (speed = libical us / almanac us), TOTAL: %.1fx  target >= "
      "%.0fx: %s\n\n",
      total_ratio, kTotalTarget, Verdict(total_ratio, kTotalTarget));

  std::printf(
      "# per-rule ratio almanac/libical (speed = libical us / almanac us), target >= %.0fx\n",
      kPerRuleTarget);
  std::printf("%-25s %12s %12s %10s %s\n", "rule", "almanac_us", "libical_us", "ratio", "target");
  double worst = 0;
  std::string worst_name;
  int below = 0;
  for (std::size_t i = 0; i < a.rows.size() && i < l.rows.size(); ++i) {
    const Row& ra = a.rows[i];
    const Row& rl = l.rows[i];
    if (!ra.problem.empty() || !rl.problem.empty() || ra.us <= 0) {
      std::printf("%-25s %12s %12s %10s %s\n", ra.name.c_str(), "-", "-", "-", "n/a (error)");
      continue;
    }
    const double ratio = rl.us / ra.us;
    std::printf("%-25s %12.2f %12.2f %9.1fx %s%s\n", ra.name.c_str(), ra.us, rl.us, ratio,
                Verdict(ratio, kPerRuleTarget),
                rl.mismatch.empty() ? "" : " (libical's output is wrong here)");
    if (worst_name.empty() || ratio < worst) {
      worst = ratio;
      worst_name = ra.name;
    }
    if (ratio < kPerRuleTarget) ++below;
  }
  std::printf("%-25s %12.2f %12.2f %9.1fx %s\n", "TOTAL", a.total_us, l.total_us, total_ratio,
              Verdict(total_ratio, kTotalTarget));
  if (!worst_name.empty()) {
    std::printf("slowest ratio: %.1fx on %s; rules below %.0fx: %d\n", worst, worst_name.c_str(),
                kPerRuleTarget, below);
  }
  std::printf("\n");
}

// Compares each row with rrule_expected.txt, filling Row::mismatch.
void MarkDigests(EngineRun* run, const Expected& expected) {
  for (Row& r : run->rows) {
    const auto it = expected.rows.find(r.name);
    if (it == expected.rows.end()) {
      r.mismatch = "no expected row";
      continue;
    }
    const ExpectedRow& e = it->second;
    if (!r.problem.empty()) {
      r.mismatch = "engine error: " + r.problem;
    } else if (r.digest.count != e.count || r.digest.first != e.first || r.digest.last != e.last ||
               r.digest.digest != e.digest) {
      r.mismatch = "got " + std::to_string(r.digest.count) + " " + r.digest.first + " " +
                   r.digest.last + " " + r.digest.digest + ", want " + std::to_string(e.count) +
                   " " + e.first + " " + e.last + " " + e.digest;
    }
  }
}

// Prints the mismatches and a summary; returns the number of mismatches.
int PrintDigestCheck(const EngineRun& run) {
  int bad = 0;
  for (const Row& r : run.rows) {
    if (r.mismatch.empty()) continue;
    std::printf("MISMATCH %-8s %-25s %s\n", run.name.c_str(), r.name.c_str(), r.mismatch.c_str());
    ++bad;
  }
  std::printf("%-8s digests: %zu/%zu ok\n", run.name.c_str(), run.rows.size() - bad,
              run.rows.size());
  return bad;
}

}  // namespace

int RunExpandCommand(const std::vector<std::string>& args) {
  Options o;
  std::string why;
  if (!ParseOptions(args, &o, &why)) return Usage(why.c_str());

  Result<Suite> suite = LoadSuite(o.suite);
  if (!suite.ok()) return Usage(suite.error().message.c_str());
  Result<Expected> expected = LoadExpected(o.expected);
  if (!expected.ok()) return Usage(expected.error().message.c_str());

  std::vector<const SuiteRule*> rules;
  for (const SuiteRule& r : suite->rules) {
    if (o.only.empty() || r.name == o.only) rules.push_back(&r);
  }
  if (rules.empty()) return Usage(("no rule named " + o.only).c_str());

  std::printf("# suite: %s sha256=%s (%zu rules, %zu selected)\n", o.suite.c_str(),
              suite->sha256.c_str(), suite->rules.size(), rules.size());
  if (!expected->suite_sha256.empty() && expected->suite_sha256 != suite->sha256) {
    std::printf("# note: %s names suite sha256=%s; rows are matched by rule name\n",
                o.expected.c_str(), expected->suite_sha256.c_str());
  }
  std::printf("# reps=%d min-time=%gs clock=%s; median per expansion\n\n", o.reps, o.min_time,
              TimerKindName(o.timer));

  std::unique_ptr<ExpandEngine> almanac_engine;
  std::unique_ptr<ExpandEngine> libical_engine;
  EngineRun almanac_run;
  EngineRun libical_run;
  if (o.almanac) {
    almanac_engine = MakeAlmanacExpandEngine();
    almanac_run = RunEngine(*almanac_engine, rules, o);
  }
  if (o.libical) {
    libical_engine = MakeLibicalExpandEngine();
    libical_run = RunEngine(*libical_engine, rules, o);
  }
  if (o.almanac) MarkDigests(&almanac_run, *expected);
  if (o.libical) MarkDigests(&libical_run, *expected);
  if (o.almanac && o.libical) PrintRatios(almanac_run, libical_run);

  std::printf("# digest check against %s\n", o.expected.c_str());
  int almanac_bad = 0;
  if (o.almanac) almanac_bad = PrintDigestCheck(almanac_run);
  if (o.libical && PrintDigestCheck(libical_run) > 0) {
    std::printf(
        "libical  mismatches are reported, not fatal (3.0.16 is known wrong on "
        "yearly_byweekno_multi)\n");
  }
  if (almanac_bad > 0) {
    std::printf("FAIL: %d almanac digest mismatch(es)\n", almanac_bad);
    return 1;
  }
  return 0;
}

}  // namespace almanac::bench
