// almanac_seed: fills a database with a realistic organisation for the
// server benchmarks (docs/benchmarks.md), or writes a large .ics file for
// the import benchmark.
//
//   almanac_seed db (--data DIR | --db URL) [--users 1000] [--events 1000000]
//                [--recurring 0.15] [--seed 42]
//   almanac_seed ics FILE [--events 100000] [--recurring 0.15] [--seed 42]
//
// The organisation is "bench" with users user0001.. (password "benchmark-
// password", hashed with argon2's cheapest parameters: these are not real
// accounts), one calendar each, and events spread over 2024-01-01 ..
// 2026-12-31: single events in working hours, and a share of recurring
// ones (daily, weekly, monthly; with COUNT, UNTIL or open-ended) with
// overrides and EXDATEs. Events go in through EventService::Import, the
// same path as `almanac import`.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "domain/accounts.h"
#include "domain/calendars.h"
#include "domain/events.h"
#include "store/sql_store.h"

namespace {

using namespace almanac;

struct Options {
  std::string mode;
  std::string target;  // data dir, db url or ics file
  bool postgres = false;
  int users = 1000;
  long events = 1'000'000;
  double recurring = 0.15;
  unsigned seed = 42;
};

constexpr const char* kZones[] = {"Europe/Berlin", "America/New_York", "Europe/London",
                                  "Asia/Tokyo", "Australia/Sydney", "UTC"};

// Days from 2024-01-01 over three years.
constexpr int kDays = 365 * 3;
constexpr int kFirstDay = 19723;  // 2024-01-01 as days since the epoch

std::string Date(int day) {
  const core::CivilDate c = core::CivilFromDays(kFirstDay + day);
  return fmt::format("{:04}{:02}{:02}", c.year, c.month, c.day);
}

// One calendar's events as a VCALENDAR, `n` of them.
std::string CalendarIcs(std::mt19937& rng, long n, double recurring_share, const char* tz,
                        int cal) {
  std::uniform_int_distribution<int> day(0, kDays - 1);
  std::uniform_int_distribution<int> hour(8, 17);
  std::uniform_int_distribution<int> quarter(0, 3);
  std::uniform_int_distribution<int> length(1, 8);  // x 15 min
  std::uniform_real_distribution<double> unit(0, 1);
  std::string out = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac//seed//EN\r\n";
  const bool utc = std::string_view(tz) == "UTC";
  for (long i = 0; i < n; ++i) {
    const int d = day(rng);
    const int h = hour(rng);
    const int m = quarter(rng) * 15;
    const int len = length(rng) * 15;
    const std::string start = fmt::format("{}T{:02}{:02}00", Date(d), h, m);
    const int end_min = h * 60 + m + len;
    const std::string end = fmt::format("{}T{:02}{:02}00", Date(d), end_min / 60, end_min % 60);
    const std::string tzparam = utc ? "" : fmt::format(";TZID={}", tz);
    const std::string z = utc ? "Z" : "";
    const std::string uid = fmt::format("seed-{}-{}@bench", cal, i);
    out += fmt::format(
        "BEGIN:VEVENT\r\nUID:{}\r\nDTSTAMP:20240101T000000Z\r\nDTSTART{}:{}{}\r\n"
        "DTEND{}:{}{}\r\nSUMMARY:Meeting {} of calendar {}\r\nLOCATION:Room {}\r\n"
        "DESCRIPTION:Agenda item {}\\nFollow-up\r\n",
        uid, tzparam, start, z, tzparam, end, z, i, cal, i % 40, i);
    if (unit(rng) >= recurring_share) {
      out += "END:VEVENT\r\n";
      continue;
    }
    // Mostly weekly meetings; daily ones are short runs (a course week);
    // one in ten series is open-ended.
    const double kind = unit(rng);
    std::string rule;
    int step_days = 1;
    bool daily = false;
    if (kind < 0.1) {
      rule = "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR";
      daily = true;
    } else if (kind < 0.8) {
      rule = kind < 0.7 ? "FREQ=WEEKLY" : "FREQ=WEEKLY;INTERVAL=2";
      step_days = kind < 0.7 ? 7 : 14;
    } else {
      rule = "FREQ=MONTHLY";
      step_days = 28;
    }
    const double end_kind = unit(rng);
    if (daily || end_kind < 0.5) {
      rule += fmt::format(";COUNT={}", daily ? 3 + static_cast<int>(unit(rng) * 8)
                                             : 4 + static_cast<int>(unit(rng) * 22));
    } else if (end_kind < 0.9) {
      rule += fmt::format(";UNTIL={}T235959Z",
                          Date(std::min(kDays - 1, d + 30 + static_cast<int>(unit(rng) * 150))));
    }
    out += fmt::format("RRULE:{}\r\n", rule);
    // Every other series skips its second occurrence.
    if (i % 2 == 0) {
      out += fmt::format("EXDATE{}:{}T{:02}{:02}00{}\r\n", tzparam, Date(d + step_days * 2), h, m,
                         z);
    }
    out += "END:VEVENT\r\n";
    // And a third of them have the third occurrence moved by an hour.
    if (i % 3 == 0 && step_days != 1) {
      const std::string rid = fmt::format("{}T{:02}{:02}00", Date(d + step_days * 3), h, m);
      const std::string moved =
          fmt::format("{}T{:02}{:02}00", Date(d + step_days * 3), std::min(h + 1, 22), m);
      const std::string moved_end =
          fmt::format("{}T{:02}{:02}00", Date(d + step_days * 3), std::min(h + 1, 22) + 1, m);
      out += fmt::format(
          "BEGIN:VEVENT\r\nUID:{}\r\nDTSTAMP:20240101T000000Z\r\nRECURRENCE-ID{}:{}{}\r\n"
          "DTSTART{}:{}{}\r\nDTEND{}:{}{}\r\nSUMMARY:Meeting {} (moved)\r\nEND:VEVENT\r\n",
          uid, tzparam, rid, z, tzparam, moved, z, tzparam, moved_end, z, i);
    }
  }
  out += "END:VCALENDAR\r\n";
  return out;
}

int Usage() {
  std::fprintf(stderr,
               "usage: almanac_seed db (--data DIR | --db URL) [--users N] [--events N] "
               "[--recurring F] [--seed S]\n"
               "       almanac_seed ics FILE [--events N] [--recurring F] [--seed S]\n");
  return 2;
}

int SeedIcs(const Options& o) {
  std::mt19937 rng(o.seed);
  std::ofstream out(o.target, std::ios::binary | std::ios::trunc);
  out << CalendarIcs(rng, o.events, o.recurring, "Europe/Berlin", 0);
  if (!out) {
    std::fprintf(stderr, "almanac_seed: cannot write %s\n", o.target.c_str());
    return 1;
  }
  std::printf("wrote %ld events to %s (seed %u)\n", o.events, o.target.c_str(), o.seed);
  return 0;
}

int SeedDb(const Options& o) {
  store::DatabaseOptions db;
  db.location = o.postgres ? o.target : o.target + "/almanac.db";
  db.sqlite_sync = store::SqliteSync::kNormal;  // seeding only; the server runs with FULL
  Result<std::unique_ptr<store::SqlStore>> st = store::SqlStore::Open(db);
  if (!st.ok()) {
    std::fprintf(stderr, "almanac_seed: %s (%s)\n", st.error().message.c_str(),
                 st.error().detail.c_str());
    return 1;
  }
  const core::Clock& clock = core::SystemClock::Instance();
  domain::AccountOptions ao;
  ao.password_params = core::PasswordHashParams::ForTest();
  domain::AccountService accounts(**st, clock, ao);
  domain::CalendarService calendars(**st, clock);
  domain::EventService events(**st, clock);
  if (Status s = accounts.CreateOrganisation("bench", "Benchmark Org").status(); !s.ok()) {
    std::fprintf(stderr, "almanac_seed: %s\n", s.error().message.c_str());
    return 1;
  }
  std::mt19937 rng(o.seed);
  const long per_calendar = o.events / o.users;
  const auto t0 = std::chrono::steady_clock::now();
  long total = 0;
  for (int u = 1; u <= o.users; ++u) {
    domain::NewUser nu;
    nu.username = fmt::format("user{:04}", u);
    nu.email = nu.username + "@bench.example";
    nu.password = "benchmark-password";
    nu.role = u == 1 ? domain::Role::kAdmin : domain::Role::kMember;
    const char* tz = kZones[u % std::size(kZones)];
    nu.timezone = tz;
    Result<domain::User> user = accounts.CreateUser("bench", nu);
    if (!user.ok()) {
      std::fprintf(stderr, "almanac_seed: %s\n", user.error().message.c_str());
      return 1;
    }
    const domain::Principal p = domain::PrincipalOf(*user);
    domain::CalendarChange cc;
    cc.name = fmt::format("Calendar of {}", nu.username);
    cc.timezone = tz;
    Result<domain::CalendarWithAccess> cal = calendars.Create(p, cc);
    if (!cal.ok()) {
      std::fprintf(stderr, "almanac_seed: %s\n", cal.error().message.c_str());
      return 1;
    }
    const std::string ics = CalendarIcs(rng, per_calendar, o.recurring, tz, u);
    Result<domain::ImportReport> r = events.Import(p, cal->calendar.id, ics);
    if (!r.ok()) {
      std::fprintf(stderr, "almanac_seed: calendar %d: %s\n", u, r.error().message.c_str());
      return 1;
    }
    total += static_cast<long>(r->created);
    if (u % 50 == 0 || u == o.users) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "seeded %d/%d calendars, %ld events, %.0f s\n", u, o.users, total,
                   secs);
    }
  }
  std::printf("seeded org \"bench\": %d users, %d calendars, %ld events (seed %u)\n", o.users,
              o.users, total, o.seed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc < 2) return Usage();
  o.mode = argv[1];
  int i = 2;
  if (o.mode == "ics") {
    if (argc < 3) return Usage();
    o.target = argv[2];
    o.events = 100'000;
    i = 3;
  } else if (o.mode != "db") {
    return Usage();
  }
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string v = argv[++i];
    if (a == "--data") {
      o.target = v;
    } else if (a == "--db") {
      o.target = v;
      o.postgres = true;
    } else if (a == "--users") {
      o.users = std::atoi(v.c_str());
    } else if (a == "--events") {
      o.events = std::atol(v.c_str());
    } else if (a == "--recurring") {
      o.recurring = std::atof(v.c_str());
    } else if (a == "--seed") {
      o.seed = static_cast<unsigned>(std::atol(v.c_str()));
    } else {
      return Usage();
    }
  }
  if (o.target.empty() || o.users < 1 || o.events < 1) return Usage();
  return o.mode == "ics" ? SeedIcs(o) : SeedDb(o);
}
