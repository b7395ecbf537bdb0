/* libical_expand: a test-only oracle that expands a recurrence rule with
 * Debian's libical (libical-dev), for the differential tests. It is never
 * linked into almanac (DESIGN.md: libical is an oracle, not a dependency).
 *
 * Two modes:
 *
 *   libical_expand --dtstart T [--tzid Area/City] --rrule R
 *                  [--from T] [--to T] [--max N]
 *     Like `almanac expand`: one occurrence per line, YYYYMMDDTHHMMSS (or
 *     YYYYMMDD for a DATE DTSTART, with Z for a UTC DTSTART), start in
 *     [from, to), at most N (default 1000). Exit 2 on a rule libical rejects.
 *
 *   libical_expand --batch
 *     Reads requests from stdin, one per line:
 *       ID DTSTART TZID|- RRULE FROM|- TO|- MAX
 *     and answers each with "BEGIN ID", its occurrences, and "END ID" (or
 *     "END ID ERROR" / "END ID CAPPED"). One process serves thousands of
 *     rules, so the comparison does not pay a process spawn per rule.
 *
 * The values printed are libical's own wall-clock results: no DST gap
 * normalisation (the comparison script applies the same normalisation to
 * every oracle). The window filter uses those raw values; the comparison
 * asks for a day of slack on each side and filters after normalising.
 */
#include <libical/ical.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Bounds per request: a rule that never matches (BYMONTHDAY=30;BYMONTH=2),
 * or one libical searches slowly, must not keep the oracle busy. A request
 * that hits either answers CAPPED and the comparison skips it. */
enum { kMaxSteps = 200000 };
static const double kMaxSeconds = 2.0;

/* libical 3.0.16 can loop inside a single icalrecur_iterator_next() call
 * (sub-daily rules with a negative BYMONTHDAY or BYYEARDAY; see
 * DISAGREEMENTS.md L3). A timer abandons such a request; the iterator it
 * leaves behind is leaked, which is acceptable in a test oracle. */
static sigjmp_buf g_abandon;
static void on_alarm(int sig) {
  (void)sig;
  siglongjmp(g_abandon, 1);
}
static void arm_timer(double seconds) {
  struct itimerval t;
  memset(&t, 0, sizeof t);
  t.it_value.tv_sec = (long)seconds;
  t.it_value.tv_usec = (long)((seconds - (long)seconds) * 1e6);
  setitimer(ITIMER_REAL, &t, NULL);
}

struct request {
  const char* dtstart;
  const char* tzid; /* NULL: floating (or UTC if dtstart ends in Z) */
  const char* rrule;
  const char* from; /* NULL: unbounded */
  const char* to;
  long max;
};

enum outcome { kDone, kError, kCapped };

static void format_time(struct icaltimetype t, int is_date, int utc, char* out, size_t n) {
  if (is_date) {
    snprintf(out, n, "%04d%02d%02d", t.year, t.month, t.day);
  } else {
    snprintf(out, n, "%04d%02d%02dT%02d%02d%02d%s", t.year, t.month, t.day, t.hour, t.minute,
             t.second, utc ? "Z" : "");
  }
}

/* Compares the wall-clock fields only (no zone conversion). */
static int compare_wall(struct icaltimetype a, struct icaltimetype b) {
  const int fa[6] = {a.year, a.month, a.day, a.hour, a.minute, a.second};
  const int fb[6] = {b.year, b.month, b.day, b.hour, b.minute, b.second};
  for (int i = 0; i < 6; ++i) {
    if (fa[i] != fb[i]) return fa[i] < fb[i] ? -1 : 1;
  }
  return 0;
}

static enum outcome expand(const struct request* req, FILE* out) {
  struct icalrecurrencetype rule;
  struct icaltimetype start, from = icaltime_null_time(), to = icaltime_null_time();
  icalrecur_iterator* it;
  const size_t len = strlen(req->dtstart);
  const int is_date = len == 8;
  const int utc = len > 0 && req->dtstart[len - 1] == 'Z';
  long printed = 0, steps = 0;
  const clock_t started = clock();
  enum outcome result = kDone;

  icalerror_clear_errno();
  rule = icalrecurrencetype_from_string(req->rrule);
  if (rule.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) return kError;
  start = icaltime_from_string(req->dtstart);
  if (icaltime_is_null_time(start)) return kError;
  if (req->tzid != NULL) {
    icaltimezone* zone = icaltimezone_get_builtin_timezone(req->tzid);
    if (zone == NULL) return kError;
    start = icaltime_set_timezone(&start, zone);
  }
  if (req->from != NULL) from = icaltime_from_string(req->from);
  if (req->to != NULL) to = icaltime_from_string(req->to);

  it = icalrecur_iterator_new(rule, start);
  if (it == NULL) return kError;
  for (;;) {
    struct icaltimetype t = icalrecur_iterator_next(it);
    char text[32];
    if (icaltime_is_null_time(t)) break;
    if (++steps > kMaxSteps ||
        (steps % 64 == 0 && (double)(clock() - started) / CLOCKS_PER_SEC > kMaxSeconds)) {
      result = kCapped;
      break;
    }
    if (req->to != NULL && compare_wall(t, to) >= 0) break;
    if (req->from != NULL && compare_wall(t, from) < 0) continue;
    format_time(t, is_date, utc, text, sizeof text);
    fprintf(out, "%s\n", text);
    if (++printed >= req->max) break;
  }
  icalrecur_iterator_free(it);
  return result;
}

static const char* dash_null(const char* s) { return strcmp(s, "-") == 0 ? NULL : s; }

static int run_batch(void) {
  char line[4096];
  signal(SIGALRM, on_alarm);
  while (fgets(line, sizeof line, stdin) != NULL) {
    char id[64], dtstart[64], tzid[128], rrule[2048], from[64], to[64];
    long max = 0;
    struct request req;
    enum outcome o;
    if (sscanf(line, "%63s %63s %127s %2047s %63s %63s %ld", id, dtstart, tzid, rrule, from, to,
               &max) != 7) {
      fprintf(stderr, "libical_expand: bad batch line: %s", line);
      return 1;
    }
    req.dtstart = dtstart;
    req.tzid = dash_null(tzid);
    req.rrule = rrule;
    req.from = dash_null(from);
    req.to = dash_null(to);
    req.max = max;
    printf("BEGIN %s\n", id);
    if (sigsetjmp(g_abandon, 1) == 0) {
      arm_timer(kMaxSeconds + 1.0);
      o = expand(&req, stdout);
    } else {
      o = kCapped;
    }
    arm_timer(0);
    printf("END %s%s\n", id, o == kError ? " ERROR" : o == kCapped ? " CAPPED" : "");
    fflush(stdout);
  }
  return 0;
}

int main(int argc, char** argv) {
  struct request req = {NULL, NULL, NULL, NULL, NULL, 1000};
  if (argc == 2 && strcmp(argv[1], "--batch") == 0) return run_batch();
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *flag = argv[i], *value = argv[i + 1];
    if (strcmp(flag, "--dtstart") == 0)
      req.dtstart = value;
    else if (strcmp(flag, "--tzid") == 0)
      req.tzid = value;
    else if (strcmp(flag, "--rrule") == 0)
      req.rrule = value;
    else if (strcmp(flag, "--from") == 0)
      req.from = value;
    else if (strcmp(flag, "--to") == 0)
      req.to = value;
    else if (strcmp(flag, "--max") == 0)
      req.max = atol(value);
    else {
      fprintf(stderr, "libical_expand: unknown flag %s\n", flag);
      return 2;
    }
  }
  if (req.dtstart == NULL || req.rrule == NULL || (argc - 1) % 2 != 0) {
    fprintf(stderr,
            "usage: libical_expand --dtstart T [--tzid Z] --rrule R [--from T] [--to T] [--max N]\n"
            "       libical_expand --batch   (requests on stdin)\n");
    return 2;
  }
  switch (expand(&req, stdout)) {
    case kDone:
      return 0;
    case kCapped:
      fprintf(stderr, "libical_expand: stopped after %d steps\n", kMaxSteps);
      return 3;
    case kError:
    default:
      fprintf(stderr, "libical_expand: libical rejected the rule or DTSTART\n");
      return 2;
  }
}
