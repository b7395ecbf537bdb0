// `almanac_bench ics FILE`: parse and serialize throughput and peak memory of
// almanac and libical on one large .ics file.
//
// Each engine runs in its own child process (fork + exec of this binary with
// the hidden `ics-child` subcommand), so each peak RSS belongs to one engine
// and neither inherits the other's heap. The child reads its own peak with
// getrusage(RUSAGE_SELF) after the timed reps, before an untimed round-trip
// check that would otherwise inflate it.
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
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
};

// Runs `self ics-child ENGINE FILE REPS CLOCK` and collects its RESULT line.
ChildResult RunChild(const std::string& self, const std::string& engine, const std::string& file,
                     int reps, TimerKind timer) {
  ChildResult result;
  int fds[2];
  if (::pipe(fds) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  const std::string reps_text = std::to_string(reps);
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
    const char* argv[] = {self.c_str(),      "ics-child",          engine.c_str(), file.c_str(),
                          reps_text.c_str(), TimerKindName(timer), nullptr};
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
               "usage: almanac_bench ics FILE [--reps R] [--engine almanac|libical|both] "
               "[--clock cpu|wall]\n",
               why);
  return 2;
}

}  // namespace

int RunIcsChildCommand(const std::vector<std::string>& args) {
  TimerKind timer = TimerKind::kCpu;
  if (args.size() != 4 || !ParseTimerKind(args[3], &timer)) return 2;
  const std::unique_ptr<IcsEngine> engine = MakeEngine(args[0]);
  const int reps = std::max(1, std::atoi(args[2].c_str()));
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

  std::vector<double> parse_s, serialize_s, total_s;
  std::size_t events = 0;
  std::size_t warnings = 0;
  std::size_t out_bytes = 0;
  for (int r = 0; r < reps; ++r) {
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
      "RESULT engine=%s events=%zu warnings=%zu parse_s=%.6f serialize_s=%.6f total_s=%.6f "
      "out_bytes=%zu "
      "rss_base_kb=%ld rss_loaded_kb=%ld rss_peak_kb=%ld roundtrip_events=%zu\n",
      engine->name().c_str(), events, warnings, Median(parse_s), Median(serialize_s),
      Median(total_s), out_bytes, rss_base, rss_loaded, rss_peak, roundtrip_events);
  std::printf("DESCRIBE %s\n", engine->Describe().c_str());
  return 0;
}

int RunIcsCommand(const std::vector<std::string>& args, const std::string& self_exe) {
  std::string file;
  int reps = 3;
  bool run_almanac = true;
  bool run_libical = true;
  TimerKind timer = TimerKind::kCpu;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--reps" && i + 1 < args.size()) {
      reps = std::atoi(args[++i].c_str());
      if (reps < 1) return Usage("--reps must be >= 1");
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
      "# ics: %s, %lld bytes (%.1f MB), reps=%d clock=%s, median per rep; MB/s are MB of "
      "input per second; each engine in its own process\n",
      file.c_str(), static_cast<long long>(st.st_size), mb, reps, TimerKindName(timer));
  std::vector<std::string> names;
  if (run_almanac) names.push_back("almanac");
  if (run_libical) names.push_back("libical");
  std::map<std::string, ChildResult> results;
  bool failed = false;
  for (const std::string& name : names) {
    ChildResult r = RunChild(self_exe, name, file, reps, timer);
    if (!r.error.empty()) {
      std::printf("# %s: ERROR %s\n", name.c_str(), r.error.c_str());
      failed = true;
      continue;
    }
    std::printf("# engine: %s\n", r.describe.c_str());
    results.emplace(name, std::move(r));
  }

  std::printf("%-8s %8s %6s %9s %9s %9s %9s %9s %9s %10s %9s %9s %9s\n", "engine", "events", "warn",
              "parse_s", "parse_MBs", "ser_s", "ser_MBs", "total_s", "total_MBs", "out_MB",
              "peak_MB", "tree_MB", "roundtrip");
  for (const auto& [name, r] : results) {
    const double parse = r.num("parse_s");
    const double ser = r.num("serialize_s");
    const double total = r.num("total_s");
    const double peak_mb = r.num("rss_peak_kb") * 1024 / kMB;
    const double tree_mb = (r.num("rss_peak_kb") - r.num("rss_loaded_kb")) * 1024 / kMB;
    const bool roundtrip_ok = r.num("roundtrip_events") == r.num("events");
    std::printf("%-8s %8.0f %6.0f %9.3f %9.1f %9.3f %9.1f %9.3f %9.1f %10.1f %9.1f %9.1f %9s\n",
                name.c_str(), r.num("events"), r.num("warnings"), parse, mb / parse, ser, mb / ser,
                total, mb / total, r.num("out_bytes") / kMB, peak_mb, tree_mb,
                roundtrip_ok ? "ok" : "DIFFERS");
    if (!roundtrip_ok) failed = true;
  }
  std::printf(
      "# peak_MB: the engine process's peak RSS (getrusage ru_maxrss, input included); "
      "tree_MB: peak above the RSS right after loading the input; warn: almanac parse warnings / "
      "libical X-LIC-ERROR properties\n");

  const auto a = results.find("almanac");
  const auto l = results.find("libical");
  if (a != results.end() && l != results.end()) {
    const double parse_ratio = l->second.num("parse_s") / a->second.num("parse_s");
    const double ser_ratio = l->second.num("serialize_s") / a->second.num("serialize_s");
    const double total_ratio = l->second.num("total_s") / a->second.num("total_s");
    const double mem_ratio = (l->second.num("rss_peak_kb") - l->second.num("rss_loaded_kb")) /
                             (a->second.num("rss_peak_kb") - a->second.num("rss_loaded_kb"));
    std::printf(
        "ratio almanac/libical (speed = libical s / almanac s): parse %.1fx, serialize "
        "%.1fx, parse+serialize %.1fx  target >= %.0fx: %s\n",
        parse_ratio, ser_ratio, total_ratio, kParseSerializeTarget,
        total_ratio >= kParseSerializeTarget ? "ok" : "BELOW");
    std::printf("memory: libical tree_MB / almanac tree_MB = %.1fx\n", mem_ratio);
    if (a->second.num("events") != l->second.num("events")) {
      std::printf("WARNING: the engines saw different event counts\n");
    }
  }
  return failed ? 1 : 0;
}

}  // namespace almanac::bench
