// Series edits (DESIGN.md "Series edits"): what "this occurrence", "this and
// following" and "all" mean for a recurring event, as pure functions on its
// calendar object resource.
//
//  - kThis writes an override (a component with RECURRENCE-ID) for the
//    occurrence, created from the master when there is none; delete adds an
//    EXDATE and drops the override.
//  - kFollowing splits the series the way Outlook does: the old master ends
//    (UNTIL, COUNT replaced) just before the occurrence; a new master with a
//    new UID starts at it, carrying the remaining COUNT, the later RDATEs,
//    EXDATEs and overrides; then the change applies to the new series as
//    kAll does. From the first occurrence it is kAll.
//  - kAll edits the master. When the start moves, overrides keep pointing at
//    their occurrences (RECURRENCE-ID, EXDATE and RDATE shift with the
//    series); an override that was not moved on its own moves along; one
//    that no longer matches an occurrence (the rule changed) is dropped and
//    reported. A text field changed on the master also changes on overrides
//    that still had the master's old value (as Google Calendar does).
// Every edited component gets SEQUENCE+1, DTSTAMP and LAST-MODIFIED.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "domain/event_fields.h"
#include "ical/model.h"

namespace almanac::domain {

enum class EditScope { kThis, kFollowing, kAll };
// "this", "following", "all".
std::optional<EditScope> EditScopeFromName(std::string_view name);

struct SeriesEditContext {
  core::Instant now;
  std::string new_uid;           // for the series a kFollowing split creates
  std::string default_timezone;  // unused unless the event has no DTSTART
  Organizer organizer;           // see ApplyOptions::organizer
};

struct SeriesEditResult {
  ical::Component resource;                  // the edited resource (same UID)
  bool resource_deleted = false;             // nothing of it is left: delete it
  std::optional<ical::Component> split_off;  // kFollowing: the new series
  // Overrides removed because their occurrence no longer exists, as API times.
  std::vector<std::string> dropped_overrides;
};

// Applies `change` to the occurrence `recurrence_id` (required for kThis and
// kFollowing; its start in the series' frame, as the instance list reports
// it) or to the whole series.
// Errors: kInvalidArgument when recurrence_id is missing for kThis or
// kFollowing, or from ApplyChange; kNotFound when recurrence_id is not an
// occurrence of the series; kFailedPrecondition when the resource has no
// master (only overrides) and the scope needs one.
Result<SeriesEditResult> EditSeries(const ical::Component& resource, EditScope scope,
                                    const std::optional<ApiTime>& recurrence_id,
                                    const EventChange& change, const SeriesEditContext& ctx);

// Deletes the occurrence (kThis), it and every later one (kFollowing), or
// the whole series (kAll: resource_deleted).
// Errors: as EditSeries.
Result<SeriesEditResult> DeleteFromSeries(const ical::Component& resource, EditScope scope,
                                          const std::optional<ApiTime>& recurrence_id,
                                          const SeriesEditContext& ctx);

}  // namespace almanac::domain
