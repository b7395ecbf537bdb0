// `almanac_bench ics FILE`: parse and serialize throughput and peak memory of
// almanac and libical on one large .ics file.
//
// Each engine runs in its own child process (fork + exec of this binary with
// the hidden `ics-child` subcommand), so each peak RSS belongs to one engine
// and neither inherits the other's heap. The child reads its own peak with
// getrusage(RUSAGE_SELF) after the timed reps, before an untimed round-trip
// check that would otherwise inflate it.
//
// The two engines are measured the same way, in alternation: --rounds rounds,
// each starting one child per engine (almanac first in even rounds, libical
// first in odd ones), so load from other processes on a shared machine falls
// on both rather than on whichever ran during a busy spell. Each child runs
// --warmup untimed reps (the first parse of a process pays for faulting in a
// fresh heap; the figures are reported, not used) and then --reps timed reps.
// Minimum and median are taken over all timed reps of all rounds, and the
// ratios compare the same statistic of both engines.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.h"
#include "ics_engine.h"
#include "timer.h"

namespace almanac::bench {
namespace {

constexpr double kParseSerializeTarget = 5.0;  // issue #2: almanac >= 5x libical
constexpr double kMB = 1e6;                    // MB here is 10^6 bytes

long PeakRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;  // kilobytes on Linux
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Min(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

std::string JoinTimes(const std::vector<double>& v) {
  std::string out;
  char buf[32];
  for (double x : v) {
    std::snprintf(buf, sizeof buf, "%s%.6f", out.empty() ? "" : ",", x);
    out += buf;
  }
  return out;
}

std::vector<double> SplitTimes(const std::string& text) {
  std::vector<double> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(std::stod(text.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

// Reads `path` into one exactly-sized string, so loading the input does not
// inflate the peak RSS with growth copies.
bool ReadExact(const std::string& path, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  out->resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out->size()) {
    const ssize_t n = ::read(fd, out->data() + done, out->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return done == out->size();
}

std::unique_ptr<IcsEngine> MakeEngine(const std::string& name) {
  if (name == "almanac") return MakeAlmanacIcsEngine();
  if (name == "libical") return MakeLibicalIcsEngine();
  return nullptr;
}

struct ChildResult {
  std::map<std::string, std::string> fields;
  std::string error;
  std::string describe;

  double num(const std::string& key) const {
    const auto it = fields.find(key);
    return it == fields.end() ? 0.0 : std::stod(it->second);
  }
  std::vector<double> times(const std::string& key) const {
    const auto it = fields.find(key);
    return it == fields.end() ? std::vector<double>() : SplitTimes(it->second);
  }
};

// Runs `self ics-child ENGINE FILE REPS CLOCK WARMUP` and collects its RESULT line.
ChildResult RunChild(const std::string& self, const std::string& engine, const std::string& file,
                     int reps, TimerKind timer, int warmup) {
  ChildResult result;
  int fds[2];
  if (::pipe(fds) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  const std::string reps_text = std::to_string(reps);
  const std::string warmup_text = std::to_string(warmup);
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.error = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return result;
  }
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    const char* argv[] = {
        self.c_str(),      "ics-child",          engine.c_str(),      file.c_str(),
        reps_text.c_str(), TimerKindName(timer), warmup_text.c_str(), nullptr};
    ::execv(self.c_str(), const_cast<char* const*>(argv));
    std::fprintf(stderr, "execv %s: %s\n", self.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("ERROR ", 0) == 0) result.error = line.substr(6);
    if (line.rfind("DESCRIBE ", 0) == 0) result.describe = line.substr(9);
    if (line.rfind("RESULT ", 0) != 0) continue;
    std::istringstream words(line.substr(7));
    std::string kv;
    while (words >> kv) {
      const std::size_t eq = kv.find('=');
      if (eq != std::string::npos) result.fields[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  if (result.error.empty() && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
    result.error = "child exited abnormally (status " + std::to_string(status) + ")";
  }
  if (result.error.empty() && result.fields.empty()) result.error = "child printed no RESULT";
  return result;
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "almanac_bench ics: %s\n"
               "usage: almanac_bench ics FILE [--reps R] [--rounds N] [--warmup W]\n"
               "                             [--engine almanac|libical|both] [--clock cpu|wall]\n",
               why);
  return 2;
}

}  // namespace

int RunIcsChildCommand(const std::vector<std::string>& args) {
  TimerKind timer = TimerKind::kCpu;
  if (args.size() != 5 || !ParseTimerKind(args[3], &timer)) return 2;
  const std::unique_ptr<IcsEngine> engine = MakeEngine(args[0]);
  const int reps = std::max(1, std::atoi(args[2].c_str()));
  const int warmup = std::max(0, std::atoi(args[4].c_str()));
  if (!engine) {
    std::printf("ERROR unknown engine %s\n", args[0].c_str());
    return 2;
  }
  const long rss_base = PeakRssKb();
  std::string text;
  if (!ReadExact(args[1], &text)) {
    std::printf("ERROR cannot read %s\n", args[1].c_str());
    return 2;
  }
  const long rss_loaded = PeakRssKb();

  // Warm-up reps first, then the timed ones; each parses the same bytes and
  // serializes the whole tree, then frees both outside the timed region.
  std::vector<double> parse_s, serialize_s, total_s;
  std::vector<double> warm_total_s;
  std::size_t events = 0;
  std::size_t warnings = 0;
  std::size_t out_bytes = 0;
  for (int r = 0; r < warmup + reps; ++r) {
    const double t0 = TimerNow(timer);
    const Status parsed = engine->Parse(text);
    const double t1 = TimerNow(timer);
    if (!parsed.ok()) {
      std::printf("ERROR parse: %s\n", parsed.error().message.c_str());
      return 1;
    }
    engine->Serialize();
    const double t2 = TimerNow(timer);
    out_bytes = engine->output().size();
    if (r == 0) {
      events = engine->EventCount();
      warnings = engine->WarningCount();
    }
    engine->Clear();
    if (r < warmup) {
      warm_total_s.push_back(t2 - t0);
      continue;
    }
    parse_s.push_back(t1 - t0);
    serialize_s.push_back(t2 - t1);
    total_s.push_back(t2 - t0);
  }
  const long rss_peak = PeakRssKb();

  // Untimed sanity check, after the peak was read: the output parses back to
  // the same number of events.
  std::size_t roundtrip_events = 0;
  if (engine->Parse(text).ok()) {
    engine->Serialize();
    std::string out(engine->output());
    engine->Clear();
    if (engine->Parse(out).ok()) roundtrip_events = engine->EventCount();
    engine->Clear();
  }

  std::printf(
      "RESULT engine=%s events=%zu warnings=%zu out_bytes=%zu rss_base_kb=%ld rss_loaded_kb=%ld "
      "rss_peak_kb=%ld roundtrip_events=%zu parse_reps=%s serialize_reps=%s total_reps=%s "
      "warmup_total_reps=%s\n",
      engine->name().c_str(), events, warnings, out_bytes, rss_base, rss_loaded, rss_peak,
      roundtrip_events, JoinTimes(parse_s).c_str(), JoinTimes(serialize_s).c_str(),
      JoinTimes(total_s).c_str(), JoinTimes(warm_total_s).c_str());
  std::printf("DESCRIBE %s\n", engine->Describe().c_str());
  return 0;
}

int RunIcsCommand(const std::vector<std::string>& args, const std::string& self_exe) {
  std::string file;
  int reps = 5;
  int rounds = 3;
  int warmup = 1;
  bool run_almanac = true;
  bool run_libical = true;
  TimerKind timer = TimerKind::kCpu;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--reps" && i + 1 < args.size()) {
      reps = std::atoi(args[++i].c_str());
      if (reps < 1) return Usage("--reps must be >= 1");
    } else if (a == "--rounds" && i + 1 < args.size()) {
      rounds = std::atoi(args[++i].c_str());
      if (rounds < 1) return Usage("--rounds must be >= 1");
    } else if (a == "--warmup" && i + 1 < args.size()) {
      warmup = std::atoi(args[++i].c_str());
      if (warmup < 0) return Usage("--warmup must be >= 0");
    } else if (a == "--engine" && i + 1 < args.size()) {
      const std::string& e = args[++i];
      if (e != "almanac" && e != "libical" && e != "both") return Usage("bad --engine");
      run_almanac = e != "libical";
      run_libical = e != "almanac";
    } else if (a == "--clock" && i + 1 < args.size()) {
      if (!ParseTimerKind(args[++i], &timer)) return Usage("bad --clock");
    } else if (!a.empty() && a[0] != '-' && file.empty()) {
      file = a;
    } else {
      return Usage(("bad argument '" + a + "'").c_str());
    }
  }
  if (file.empty()) return Usage("missing FILE");
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return Usage(("cannot stat " + file).c_str());
  const double mb = static_cast<double>(st.st_size) / kMB;

  std::printf(
      "# ics: %s, %lld bytes (%.1f MB), rounds=%d reps=%d warmup=%d clock=%s; engines alternate, "
      "a fresh process per engine per round; min and median over all %d timed reps per engine; "
      "MB/s are MB of input per second\n",
      file.c_str(), static_cast<long long>(st.st_size), mb, rounds, reps, warmup,
      TimerKindName(timer), rounds * reps);

  // Everything measured for one engine, over all rounds.
  struct Totals {
    ChildResult last;  // counts, RSS, describe: the same in every round
    std::vector<double> parse, serialize, total, warmup_total, round_median;
    long rss_peak_kb = 0;
    long rss_loaded_kb = 0;
    bool roundtrip_ok = true;
  };
  std::vector<std::string> names;
  if (run_almanac) names.push_back("almanac");
  if (run_libical) names.push_back("libical");
  std::map<std::string, Totals> results;
  bool failed = false;
  for (int round = 0; round < rounds && !failed; ++round) {
    std::vector<std::string> order = names;
    if (round % 2 == 1) std::reverse(order.begin(), order.end());
    for (const std::string& name : order) {
      ChildResult r = RunChild(self_exe, name, file, reps, timer, warmup);
      if (!r.error.empty()) {
        std::printf("# %s: ERROR %s\n", name.c_str(), r.error.c_str());
        failed = true;
        break;
      }
      Totals& t = results[name];
      const auto add = [](std::vector<double>* to, const std::vector<double>& from) {
        to->insert(to->end(), from.begin(), from.end());
      };
      add(&t.parse, r.times("parse_reps"));
      add(&t.serialize, r.times("serialize_reps"));
      add(&t.total, r.times("total_reps"));
      add(&t.warmup_total, r.times("warmup_total_reps"));
      t.round_median.push_back(Median(r.times("total_reps")));
      t.rss_peak_kb = std::max(t.rss_peak_kb, static_cast<long>(r.num("rss_peak_kb")));
      t.rss_loaded_kb = std::max(t.rss_loaded_kb, static_cast<long>(r.num("rss_loaded_kb")));
      if (r.num("roundtrip_events") != r.num("events")) t.roundtrip_ok = false;
      t.last = std::move(r);
    }
  }
  for (const auto& [name, t] : results) std::printf("# engine: %s\n", t.last.describe.c_str());

  std::printf("%-8s %7s %5s %17s %17s %17s %9s %7s %8s %8s %9s\n", "engine", "events", "warn",
              "parse_s min/med", "ser_s min/med", "total_s min/med", "total_MBs", "out_MB",
              "peak_MB", "tree_MB", "roundtrip");
  for (const auto& [name, t] : results) {
    const double peak_mb = static_cast<double>(t.rss_peak_kb) * 1024 / kMB;
    const double tree_mb = static_cast<double>(t.rss_peak_kb - t.rss_loaded_kb) * 1024 / kMB;
    std::printf(
        "%-8s %7.0f %5.0f %8.3f/%8.3f %8.3f/%8.3f %8.3f/%8.3f %9.1f %7.1f %8.1f %8.1f %9s\n",
        name.c_str(), t.last.num("events"), t.last.num("warnings"), Min(t.parse), Median(t.parse),
        Min(t.serialize), Median(t.serialize), Min(t.total), Median(t.total), mb / Median(t.total),
        t.last.num("out_bytes") / kMB, peak_mb, tree_mb, t.roundtrip_ok ? "ok" : "DIFFERS");
    if (!t.roundtrip_ok) failed = true;
  }
  std::printf(
      "# total_MBs: input MB / median total; peak_MB: the engine process's peak RSS (getrusage "
      "ru_maxrss, input included), the largest over the rounds; tree_MB: peak above the RSS right "
      "after loading the input; warn: almanac parse warnings / libical X-LIC-ERROR properties\n");
  for (const auto& [name, t] : results) {
    std::printf("# %s per-round median total_s:", name.c_str());
    for (double x : t.round_median) std::printf(" %.3f", x);
    std::printf("; warm-up total_s:");
    for (double x : t.warmup_total) std::printf(" %.3f", x);
    std::printf("\n");
  }

  const auto a = results.find("almanac");
  const auto l = results.find("libical");
  if (a != results.end() && l != results.end()) {
    const Totals& at = a->second;
    const Totals& lt = l->second;
    const double total_median = Median(lt.total) / Median(at.total);
    const double total_min = Min(lt.total) / Min(at.total);
    std::printf(
        "ratio almanac/libical (speed = libical s / almanac s), median [min]: parse %.1fx [%.1fx], "
        "serialize %.1fx [%.1fx], parse+serialize %.1fx [%.1fx]  target >= %.0fx: %s\n",
        Median(lt.parse) / Median(at.parse), Min(lt.parse) / Min(at.parse),
        Median(lt.serialize) / Median(at.serialize), Min(lt.serialize) / Min(at.serialize),
        total_median, total_min, kParseSerializeTarget,
        total_median >= kParseSerializeTarget && total_min >= kParseSerializeTarget ? "ok"
                                                                                    : "BELOW");
    std::printf("memory: libical tree_MB / almanac tree_MB = %.1fx\n",
                static_cast<double>(lt.rss_peak_kb - lt.rss_loaded_kb) /
                    static_cast<double>(at.rss_peak_kb - at.rss_loaded_kb));
    if (at.last.num("events") != lt.last.num("events")) {
      std::printf("WARNING: the engines saw different event counts\n");
    }
  }
  return failed ? 1 : 0;
}

}  // namespace almanac::bench
