// Events: create, read, list expanded instances, series edits, delete,
// import and export, and the secret-token feeds (DESIGN.md "Series edits").
//
// An event is a calendar object resource (resource.h) in a calendar. The
// instance list expands every resource overlapping the window on the server
// (overrides applied, DST-correct) so no client ever expands recurrence
// itself. Parsed resources are kept in a bounded in-memory cache keyed by
// object id and ETag, so a hot month view does not reparse iCalendar text.
//
// Thread safety: thread-safe; methods block on the store.
#pragma once

#include <functional>
#include <list>
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

struct InstanceList {
  std::vector<InstanceItem> items;  // by start, then UID
  bool truncated = false;           // `limit` cut the list
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

struct EventServiceOptions {
  std::size_t cache_entries = 50'000;
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

 private:
  struct Cached;
  // The parsed version of `object` from the cache, or parsed now (fetching
  // the text through `tx` when `object.ics` is empty). Null when it cannot
  // be read.
  std::shared_ptr<const Cached> Parsed(const CalendarObject& object, StoreTx* tx = nullptr);
  Result<InstanceList> Expand(StoreTx& tx, const std::vector<std::pair<Calendar, Access>>& cals,
                              const std::vector<Module>& modules, const InstanceQuery& query,
                              bool public_view);
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
};

// Replaces the details of private and confidential components of `vcalendar`
// with busy time: SUMMARY "Busy", no DESCRIPTION, LOCATION, ATTENDEE,
// ORGANIZER, CATEGORIES, COMMENT, CONTACT, URL, ATTACH, VALARM or X- data.
void MaskPrivate(ical::Component* vcalendar, bool all_components);

}  // namespace almanac::domain
