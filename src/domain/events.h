// Events: create, read, list expanded instances, series edits, delete,
// import and export, and the secret-token feeds (DESIGN.md "Series edits").
//
// An event is a calendar object resource (resource.h) in a calendar. The
// instance list expands every resource overlapping the window on the server
// (overrides applied, DST-correct) so no client ever expands recurrence
// itself. Parsed resources are kept in a bounded in-memory cache keyed by
// object id and ETag, so a hot month view does not reparse iCalendar text,
// and each calendar's expanded window is kept keyed by the calendar's
// version (which every write bumps in its transaction), so a repeated view
// of an unchanged calendar neither expands nor renders again.
//
// Thread safety: thread-safe; methods block on the store.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/event_fields.h"
#include "domain/model.h"
#include "domain/series_edit.h"
#include "domain/store.h"
#include "ical/model.h"

namespace almanac::domain {

struct EventRef {
  Id id = 0;
  Id calendar_id = 0;
  std::string uid;
  std::string etag;
};

struct EventDetails {
  EventRef ref;
  EventView master;                 // the series (or the single event)
  std::vector<EventView> overrides;  // changed occurrences
  bool recurring = false;
  bool busy_only = false;  // private event seen by someone without write access
  Access access = Access::kNone;
  core::Instant created_at;
  core::Instant updated_at;
};

struct InstanceQuery {
  core::Instant from;
  core::Instant to;
  std::vector<Id> calendar_ids;      // empty: every calendar the caller can read
  std::vector<std::string> modules;  // empty: all modules
  std::string text;                  // case-insensitive match on title, location, description
  // Only instances with one of these statuses ("confirmed", "tentative",
  // "cancelled"); empty: any. Busy-only instances match no status,
  // priority or organizer filter (their details are hidden).
  std::vector<std::string> statuses;
  int priority_min = 0;  // PRIORITY within [min, max] (0 undefined, 1 highest, 9 lowest)
  int priority_max = 9;
  std::string organizer;  // the ORGANIZER's e-mail, case-insensitive; "" = any
  std::size_t limit = 10'000;
};

// What every instance of one component of one event version shares;
// computed once and shared by the instances (a month view repeats a weekly
// meeting's text four times, a year view fifty-two).
struct InstanceDetails {
  std::string uid;
  std::string etag;
  std::string title;
  std::string location;
  std::string description;
  std::string status;      // lower-case; "confirmed" when absent
  std::string visibility;  // lower-case; "public" when absent
  int priority = 0;
  std::vector<std::string> categories;
  bool recurring = false;
  std::string organizer_email;  // ORGANIZER without "mailto:"; "" when absent
  std::string organizer_name;   // its CN
};

struct InstanceItem {
  Id event_id = 0;
  Id calendar_id = 0;
  // Never null. For a busy_only item: title "Busy" and nothing else.
  std::shared_ptr<const InstanceDetails> details;
  std::string recurrence_id;  // empty for a single event
  std::string start;
  std::string end;
  std::string timezone;
  bool all_day = false;
  bool overridden = false;
  bool busy_only = false;
  std::string module;
  std::string color;
  std::int64_t start_unix = 0;
  std::int64_t end_unix = 0;
};

// Orders instances: by start, then event id, then recurrence id.
bool InstanceBefore(const InstanceItem& a, const InstanceItem& b);

// What the presentation layer derives from a run once and reuses while the
// run is cached (the instance list renders each item to JSON only once):
// `text` holds the items one after another, item i ending at ends[i], with
// one separator byte between items.
struct RenderedRun {
  std::string text;
  std::vector<std::size_t> ends;
};

// The instances of one calendar in one window as one kind of caller sees
// them, sorted (InstanceBefore). Immutable once built; shared between
// requests by the window cache while the calendar's version is unchanged.
struct InstanceRun {
  std::vector<InstanceItem> items;
  bool truncated = false;  // an expansion limit cut the run

  // Returns the rendering of this run, made by `render` on first use.
  // Thread-safe; `render` runs once.
  template <typename F>
  const RenderedRun& Rendered(F&& render) const {
    std::call_once(render_once_, [&] { rendered_ = render(*this); });
    return rendered_;
  }

 private:
  mutable std::once_flag render_once_;
  mutable RenderedRun rendered_;
};

struct InstanceList {
  std::vector<std::shared_ptr<const InstanceRun>> runs;  // one per calendar
  std::size_t limit = 10'000;
  bool truncated = false;  // `limit` cut the list

  // Calls visit(run, index) for the first `limit` instances over all runs,
  // in InstanceBefore order.
  void ForEach(const std::function<void(const InstanceRun&, std::size_t)>& visit) const;
  // The same instances, copied.
  std::vector<InstanceItem> Items() const;
};

struct EditOutcome {
  std::optional<EventRef> event;    // the edited event; absent when it was deleted
  std::optional<EventRef> created;  // kFollowing: the new series
  bool deleted = false;
  std::vector<std::string> dropped_overrides;
};

struct ImportReport {
  std::size_t created = 0;
  std::size_t updated = 0;
  std::vector<std::string> warnings;  // lenient-parse deviations, "line N: ..."
};

struct ImportOptions {
  bool replace_existing = true;  // same UID in the calendar: replace (else kAlreadyExists)
  // Called as the import advances: phase "read" (events checked) then
  // "write" (events stored), with done and total counts.
  std::function<void(std::string_view phase, std::size_t done, std::size_t total)> progress;
};

// How often List found a calendar's window in the cache.
struct WindowCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::size_t entries = 0;
};

struct EventServiceOptions {
  std::size_t cache_entries = 20'000;  // parsed events kept; the bulk of the RSS
  // Expanded windows kept per calendar, key and version (bytes, estimated).
  std::size_t window_cache_bytes = 32u << 20;
  std::int64_t max_window_days = 400;
  std::size_t max_import_bytes = 256u << 20;
};

class EventService {
 public:
  EventService(Store& store, const core::Clock& clock, EventServiceOptions options = {});

  // Write access to the calendar needed.
  // Errors: kNotFound for an unknown calendar; kPermissionDenied without
  // write access; kInvalidArgument from ApplyChange.
  Result<EventRef> Create(const Principal& caller, Id calendar_id, const EventChange& change);

  // Errors: kNotFound (also without at least free/busy access).
  Result<EventDetails> Get(const Principal& caller, Id event_id);

  // Errors: kInvalidArgument for to <= from or a window over the limit;
  // kNotFound for a calendar the caller cannot see.
  Result<InstanceList> List(const Principal& caller, const InstanceQuery& query);

  // Series edit (series_edit.h). `if_match`: the ETag the client read; a
  // different current ETag is kFailedPrecondition and changes nothing.
  // Errors: as Create and EditSeries.
  Result<EditOutcome> Update(const Principal& caller, Id event_id, EditScope scope,
                             const std::optional<ApiTime>& recurrence_id,
                             const EventChange& change, const std::optional<std::string>& if_match);
  Result<EditOutcome> Delete(const Principal& caller, Id event_id, EditScope scope,
                             const std::optional<ApiTime>& recurrence_id,
                             const std::optional<std::string>& if_match);

  // Imports an iCalendar stream into a calendar in one transaction: every
  // VEVENT/VTODO grouped by UID into a resource with the VTIMEZONEs it
  // uses. A bad file changes nothing.
  // Errors: kInvalidArgument naming the line; kResourceExhausted over the
  // size limit; as Create for access.
  Result<ImportReport> Import(const Principal& caller, Id calendar_id, std::string_view ics,
                              const ImportOptions& options = {});
  // The calendar as one VCALENDAR (read access; private events of others as
  // busy time).
  Result<std::string> Export(const Principal& caller, Id calendar_id);

  // The public feed of the calendar whose feed token is `token`: an
  // iCalendar export, or instances for the JSON feed. Private events show as
  // busy time only. Errors: kNotFound for an unknown token.
  Result<std::string> FeedIcs(std::string_view token);
  Result<InstanceList> FeedInstances(std::string_view token, core::Instant from, core::Instant to);

  WindowCacheStats window_cache_stats();

  // The parsed VCALENDAR of `object` (which must carry its text) from the
  // parse cache, or parsed now. Null when the stored text cannot be read.
  std::shared_ptr<const ical::Component> ParsedResource(const CalendarObject& object);

 private:
  struct Cached;
  // The parsed version of `object` from the cache, or parsed now (fetching
  // the text through `tx` when `object.ics` is empty). Null when it cannot
  // be read.
  std::shared_ptr<const Cached> Parsed(const CalendarObject& object, StoreTx* tx = nullptr);
  // A calendar of a view with the caller's access and its display colour.
  struct Visible {
    Calendar calendar;
    Access access;
    std::string color;
  };
  // The calendars of `views` a query shows. Errors: kNotFound for a named
  // calendar the caller cannot see.
  static Result<std::vector<Visible>> VisibleOf(const Principal& caller,
                                                const InstanceQuery& query,
                                                std::vector<CalendarView> views);
  // The instances of `cals` in the query's window from the window cache;
  // with `tx`, what the cache lacks is built through it; without, a miss
  // gives nullopt.
  Result<std::optional<InstanceList>> Expand(StoreTx* tx, const std::vector<Visible>& cals,
                                             const InstanceQuery& query, bool public_view);
  // A calendar whose run a request must build: BuildRuns expands every
  // pending calendar's objects in the window with one range query.
  struct PendingRun {
    const Visible* calendar;
    std::string key;  // in the window cache
    std::shared_ptr<InstanceRun> run;
  };
  Status BuildRuns(StoreTx& tx, std::map<Id, PendingRun>& pending, const InstanceQuery& query,
                   bool public_view);
  std::shared_ptr<const InstanceRun> CachedWindow(const std::string& key);
  void RememberWindow(const std::string& key, std::shared_ptr<const InstanceRun> run);
  Result<std::string> ExportCalendar(StoreTx& tx, const Calendar& calendar, Access access);
  Status CheckWindow(core::Instant from, core::Instant to) const;

  Store& store_;
  const core::Clock& clock_;
  EventServiceOptions options_;

  std::mutex cache_mu_;
  std::list<Id> lru_;
  struct Entry {
    std::shared_ptr<const Cached> value;
    std::list<Id>::iterator pos;
  };
  std::unordered_map<Id, Entry> cache_;

  // Window cache: "calendar:version:access:from:to:limit:colour:text" to run.
  std::mutex window_mu_;
  std::list<std::string> window_lru_;
  struct WindowEntry {
    std::shared_ptr<const InstanceRun> run;
    std::size_t bytes = 0;
    std::list<std::string>::iterator pos;
  };
  std::unordered_map<std::string, WindowEntry> windows_;
  std::size_t window_bytes_ = 0;
  std::uint64_t window_hits_ = 0;    // guarded by window_mu_
  std::uint64_t window_misses_ = 0;  // guarded by window_mu_
};

// Replaces the details of private and confidential components of `vcalendar`
// with busy time: SUMMARY "Busy", no DESCRIPTION, LOCATION, ATTENDEE,
// ORGANIZER, CATEGORIES, COMMENT, CONTACT, URL, ATTACH, VALARM or X- data.
void MaskPrivate(ical::Component* vcalendar, bool all_components);

}  // namespace almanac::domain
