// almanac_seed_resources: fills a database for the resources and bookings
// benchmark (issue #5; bench/resources/run_resources_bench.sh,
// docs/benchmarks.md), through the domain services the server uses, so the
// data is exactly what the server writes: resources with their calendars,
// bookings with their history and their VEVENTs in the resource calendars.
//
//   almanac_seed_resources (--data DIR | --db URL) [--resources 200]
//       [--bookings 200000] [--users 300] [--threads N] [--seed 42]
//       [--slots FILE] [--slot-count 400000]
//
// Organisation "resbench": user0001 (admin), 10 managers (mgr01..), members
// user0002..; resources of four kinds in five buildings and four time zones:
//   45 % rooms       capacity 4-200, Mon-Fri 08-18, buffers 0-15 min, a fifth need approval
//   20 % vehicles    Mon-Sat 07-19, some fleets of 2-3 units, half need approval
//   25 % equipment   any time, a third of them pools of 2-10 units
//   10 % facilitators Mon-Fri 09-17, all need approval
// Bookings fill a grid of two-hour cells in each resource's bookable hours
// (read in its zone): a booking starts 15 min into a cell and lasts 30-90
// min, so buffers of up to 15 min never make neighbours clash; pools take up
// to two bookings a cell. The bookings cover 730 days, from 640 days ago to
// 90 days ahead. Past requests needing approval are mostly approved (15 %
// rejected); future ones 60 % approved, 10 % rejected, the rest pending; 5 %
// of the others are cancelled by their requester.
//
// --slots FILE writes free slots after the seeded range for the booking
// benchmark, one "resource_id start end" (unix seconds) a line, round-robin
// over the resources day by day, within their bookable hours.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/time_zone.h"
#include "domain/accounts.h"
#include "domain/event_fields.h"
#include "domain/resources.h"
#include "store/sql_store.h"

namespace {

using namespace almanac;
using core::Instant;

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kDay = core::kSecondsPerDay;
constexpr int kCellMinutes = 120;
constexpr int kPastDays = 640;
constexpr int kFutureDays = 90;

struct Options {
  std::string target;
  bool postgres = false;
  int resources = 200;
  long bookings = 200'000;
  int users = 300;
  int threads = 0;  // 0: 1 on SQLite, 4 on PostgreSQL
  unsigned seed = 42;
  std::string slots_file;
  long slot_count = 400'000;
};

struct Building {
  const char* name;
  const char* zone;
};
constexpr Building kBuildings[] = {{"Building A", "Europe/Berlin"},
                                   {"Building B", "Europe/Berlin"},
                                   {"Building C", "Europe/London"},
                                   {"Building D", "America/New_York"},
                                   {"Building E", "UTC"}};

std::vector<domain::BookableHours> Hours(int first_day, int last_day, int from_h, int to_h) {
  std::vector<domain::BookableHours> h;
  for (int d = first_day; d <= last_day; ++d) h.push_back({d, from_h * 60, to_h * 60});
  return h;
}

domain::ResourceChange ResourceSpec(int i, std::mt19937& rng) {
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<int> buffer(0, 3);  // x 5 min
  const Building& b = kBuildings[i % std::size(kBuildings)];
  domain::ResourceChange c;
  c.timezone = b.zone;
  c.location = fmt::format("{}, floor {}", b.name, i % 6);
  const int kind = i % 20;  // 9 rooms, 4 vehicles, 5 equipment, 2 facilitators per 20
  if (kind < 9) {
    c.type = "room";
    c.name = fmt::format("Room {:03}", i);
    c.capacity = 4 + (i * 37) % 197;
    c.bookable_hours = Hours(0, 4, 8, 18);
    c.buffer_before_min = buffer(rng) * 5;
    c.buffer_after_min = buffer(rng) * 5;
    c.requires_approval = pct(rng) < 20;
    c.cost_per_use = (i % 5) * 500;
    c.cost_per_hour = (i % 7) * 1000;
  } else if (kind < 13) {
    c.type = "vehicle";
    c.name = fmt::format("Vehicle {:03}", i);
    c.capacity = 2 + i % 7;
    c.units = pct(rng) < 25 ? 2 + i % 2 : 1;
    c.bookable_hours = Hours(0, 5, 7, 19);
    c.buffer_after_min = 15;
    c.requires_approval = pct(rng) < 50;
    c.cost_per_use = 2000;
    c.cost_per_hour = 1500;
  } else if (kind < 18) {
    c.type = "equipment";
    c.name = fmt::format("Equipment {:03}", i);
    c.units = pct(rng) < 33 ? 2 + i % 9 : 1;
    c.cost_per_use = 300;
  } else {
    c.type = "facilitator";
    c.name = fmt::format("Facilitator {:03}", i);
    c.bookable_hours = Hours(0, 4, 9, 17);
    c.requires_approval = true;
    c.cost_per_hour = 6000;
  }
  return c;
}

const core::TimeZone& ZoneOf(const domain::Resource& r) {
  if (r.timezone == "UTC") return core::UtcZone();
  Result<const core::TimeZone*> z = core::FindIanaZone(r.timezone);
  return z.ok() ? **z : core::UtcZone();
}

// The cell starts (local minutes after midnight) of weekday `weekday`.
std::vector<int> CellsOf(const domain::Resource& r, int weekday) {
  std::vector<int> out;
  if (r.bookable_hours.empty()) {
    for (int m = 8 * 60; m + kCellMinutes <= 20 * 60; m += kCellMinutes) out.push_back(m);
    return out;
  }
  for (const domain::BookableHours& h : r.bookable_hours) {
    if (h.weekday != weekday) continue;
    for (int m = h.from_minute; m + kCellMinutes <= h.to_minute; m += kCellMinutes) {
      out.push_back(m);
    }
  }
  return out;
}

struct Wanted {
  Instant start;
  Instant end;
};

// Every cell of `r` over `days` local days from `first`: its start instant.
std::vector<Instant> CellStarts(const domain::Resource& r, core::Date first, int days) {
  const core::TimeZone& zone = ZoneOf(r);
  std::vector<Instant> out;
  for (int d = 0; d < days; ++d) {
    const core::Date day = core::Date::FromDays(first.days() + d);
    for (int m : CellsOf(r, static_cast<int>(day.weekday()))) {
      out.push_back(zone.ToInstant(core::LocalDateTime::FromDate(day) + m * kMinute));
    }
  }
  return out;
}

int Usage() {
  std::fprintf(stderr,
               "usage: almanac_seed_resources (--data DIR | --db URL) [--resources N] "
               "[--bookings N] [--users N] [--threads N] [--seed S] [--slots FILE] "
               "[--slot-count N]\n");
  return 2;
}

int Fail(const char* what, const Error& e) {
  std::fprintf(stderr, "almanac_seed_resources: %s: %s (%s)\n", what, e.message.c_str(),
               e.detail.c_str());
  return 1;
}

int Seed(const Options& o) {
  store::DatabaseOptions db;
  db.location = o.postgres ? o.target : o.target + "/almanac.db";
  db.sqlite_sync = store::SqliteSync::kNormal;  // seeding only; the server runs with FULL
  db.pool_size = 8;
  Result<std::unique_ptr<store::SqlStore>> st = store::SqlStore::Open(db);
  if (!st.ok()) return Fail("open", st.error());
  const Instant real_now = core::SystemClock::Instance().Now();
  const core::Date today = real_now.utc().date();
  const core::Date first_day = core::Date::FromDays(today.days() - kPastDays);
  const int days = kPastDays + kFutureDays;
  // The services see a clock before every seeded booking, so none is "in
  // the past" for the booking rules.
  core::FakeClock clock(
      Instant::FromUnixSeconds(static_cast<std::int64_t>(first_day.days() - 2) * kDay));
  domain::AccountOptions ao;
  ao.password_params = core::PasswordHashParams::ForTest();
  domain::AccountService accounts(**st, clock, ao);
  domain::ResourceService resources(**st, clock);
  if (Result<domain::Organisation> org = accounts.CreateOrganisation("resbench", "Resource bench");
      !org.ok()) {
    return Fail("organisation", org.error());
  }
  auto add_user = [&](std::string name, domain::Role role) -> Result<domain::Principal> {
    domain::NewUser nu;
    nu.username = std::move(name);
    nu.email = nu.username + "@resbench.example";
    nu.display_name = "User " + nu.username;
    nu.password = "benchmark-password";
    nu.role = role;
    ALMANAC_ASSIGN_OR_RETURN(domain::User u, accounts.CreateUser("resbench", nu));
    return domain::PrincipalOf(u);
  };
  Result<domain::Principal> admin = add_user("user0001", domain::Role::kAdmin);
  if (!admin.ok()) return Fail("admin", admin.error());
  std::vector<domain::Principal> members;
  std::vector<domain::Principal> managers;
  for (int m = 1; m <= 10; ++m) {
    Result<domain::Principal> p = add_user(fmt::format("mgr{:02}", m), domain::Role::kManager);
    if (!p.ok()) return Fail("manager", p.error());
    managers.push_back(*p);
  }
  for (int u = 2; u <= o.users; ++u) {
    Result<domain::Principal> p = add_user(fmt::format("user{:04}", u), domain::Role::kMember);
    if (!p.ok()) return Fail("user", p.error());
    members.push_back(*p);
  }

  std::mt19937 rng(o.seed);
  std::vector<domain::Resource> made;
  for (int i = 0; i < o.resources; ++i) {
    Result<domain::Resource> r = resources.Create(*admin, ResourceSpec(i, rng));
    if (!r.ok()) return Fail("resource", r.error());
    made.push_back(*r);
  }

  // Cells per resource, and the share of them to book for the total wanted.
  std::vector<std::vector<Instant>> cells(made.size());
  double capacity = 0;
  for (std::size_t i = 0; i < made.size(); ++i) {
    cells[i] = CellStarts(made[i], first_day, days);
    capacity += static_cast<double>(cells[i].size()) * std::min(2, made[i].units);
  }
  const double p_book = std::min(1.0, static_cast<double>(o.bookings) / capacity);

  const int threads = o.threads > 0 ? o.threads : (o.postgres ? 4 : 1);
  std::atomic<long> booked{0};
  std::atomic<long> failed{0};
  std::mutex print;
  const auto t0 = std::chrono::steady_clock::now();
  auto worker = [&](int t) {
    std::mt19937 r_rng(o.seed * 7919u + static_cast<unsigned>(t));
    std::uniform_real_distribution<double> unit(0, 1);
    std::uniform_int_distribution<int> length(0, 3);
    std::uniform_int_distribution<std::size_t> who(0, members.size() - 1);
    constexpr int kLengths[] = {30, 45, 60, 90};
    for (std::size_t i = t; i < made.size(); i += threads) {
      const domain::Resource& r = made[i];
      const int per_cell = std::min(2, r.units);
      for (Instant cell : cells[i]) {
        for (int k = 0; k < per_cell; ++k) {
          if (unit(r_rng) >= p_book) continue;
          const domain::Principal& requester = members[who(r_rng)];
          domain::BookingRequest b;
          b.resource_id = r.id;
          b.start = cell + 15 * kMinute;
          b.end = *b.start + kLengths[length(r_rng)] * kMinute;
          b.title = fmt::format("Booking of {}", requester.username);
          Result<domain::BookingCreated> made_b = resources.Book(requester, b);
          if (!made_b.ok()) {
            if (failed.fetch_add(1) < 5) {
              std::lock_guard<std::mutex> lock(print);
              std::fprintf(stderr, "almanac_seed_resources: booking failed: %s\n",
                           made_b.error().message.c_str());
            }
            continue;
          }
          const domain::Booking& bk = made_b->bookings.front();
          const bool past = bk.start < real_now;
          const double roll = unit(r_rng);
          const domain::Principal& approver = managers[bk.id % managers.size()];
          if (bk.status == domain::BookingStatus::kPending) {
            const double approve = past ? 0.85 : 0.6;
            const double reject = past ? 1.0 : 0.7;
            if (roll < approve) {
              domain::ApproveOptions ao2;
              ao2.reject_conflicting = false;
              (void)resources.Approve(approver, bk.id, ao2);
            } else if (roll < reject) {
              (void)resources.Reject(approver, bk.id, "needed elsewhere");
            }
          } else if (roll < 0.05) {
            (void)resources.Cancel(requester, bk.id, "plans changed");
          }
          const long n = booked.fetch_add(1) + 1;
          if (n % 20000 == 0) {
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::lock_guard<std::mutex> lock(print);
            std::fprintf(stderr, "seeded %ld bookings, %.0f s (%.0f/s)\n", n, secs, n / secs);
          }
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  for (std::thread& th : pool) th.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!o.slots_file.empty()) {
    // Free slots after the seeded range, a week on, day by day, resource by resource.
    std::ofstream out(o.slots_file, std::ios::trunc);
    const core::Date from = core::Date::FromDays(first_day.days() + days + 7);
    long written = 0;
    for (int d = 0; written < o.slot_count && d < 3660; ++d) {
      const core::Date day = core::Date::FromDays(from.days() + d);
      for (const domain::Resource& r : made) {
        const core::TimeZone& zone = ZoneOf(r);
        for (int m : CellsOf(r, static_cast<int>(day.weekday()))) {
          const Instant s = zone.ToInstant(core::LocalDateTime::FromDate(day) + (m + 15) * kMinute);
          out << r.id << ' ' << s.unix_seconds() << ' ' << (s + 60 * kMinute).unix_seconds()
              << '\n';
          ++written;
        }
      }
    }
    if (!out) {
      std::fprintf(stderr, "almanac_seed_resources: cannot write %s\n", o.slots_file.c_str());
      return 1;
    }
    std::fprintf(stderr, "wrote %ld free slots to %s\n", written, o.slots_file.c_str());
  }
  std::printf(
      "seeded org \"resbench\": %zu resources (ids %lld-%lld), %ld bookings (%ld refused) from "
      "%s for %d days, %d users, in %.1f s with %d thread(s) (seed %u)\n",
      made.size(), static_cast<long long>(made.front().id), static_cast<long long>(made.back().id),
      booked.load(), failed.load(), domain::FormatIsoDate(first_day).c_str(), days, o.users + 10,
      secs, threads, o.seed);
  return failed.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string v = argv[++i];
    if (a == "--data") {
      o.target = v;
    } else if (a == "--db") {
      o.target = v;
      o.postgres = true;
    } else if (a == "--resources") {
      o.resources = std::atoi(v.c_str());
    } else if (a == "--bookings") {
      o.bookings = std::atol(v.c_str());
    } else if (a == "--users") {
      o.users = std::atoi(v.c_str());
    } else if (a == "--threads") {
      o.threads = std::atoi(v.c_str());
    } else if (a == "--seed") {
      o.seed = static_cast<unsigned>(std::atol(v.c_str()));
    } else if (a == "--slots") {
      o.slots_file = v;
    } else if (a == "--slot-count") {
      o.slot_count = std::atol(v.c_str());
    } else {
      return Usage();
    }
  }
  if (o.target.empty() || o.resources < 1 || o.bookings < 0 || o.users < 2) return Usage();
  return Seed(o);
}
