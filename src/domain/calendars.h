// Calendars: create, list, change, share, delete; the organisation's
// modules; per-calendar feed tokens. Authorisation per access.h.
//
// Thread safety: thread-safe; methods block on the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "domain/model.h"
#include "domain/store.h"

namespace almanac::domain {

struct CalendarChange {
  std::optional<std::string> name;
  std::optional<std::string> color;   // #rrggbb, or "" for the module's colour
  std::optional<std::string> module;  // a module key of the organisation
  std::optional<std::string> timezone;
  std::optional<std::string> description;
  std::optional<std::vector<CalendarShare>> shares;
  // Component types held: a non-empty subset of VEVENT, VTODO (default both).
  std::optional<std::vector<std::string>> components;
  // Create only: the CalDAV path segment a client chose (MKCALENDAR):
  // 1-200 of [A-Za-z0-9._~@+-], not all digits, unique among the owner's.
  std::optional<std::string> dav_name;
  std::optional<std::string> dav_props;  // see Calendar::dav_props (at most 64 KiB)
  // Create only: owned by the organisation instead of the caller (admins
  // and managers).
  bool organisation_owned = false;
};

struct CalendarWithAccess {
  Calendar calendar;
  Access access = Access::kNone;
  std::string module_color;  // the module's colour
};

class CalendarService {
 public:
  CalendarService(Store& store, const core::Clock& clock);

  // The calendars the caller can read (own, shared, organisation ones).
  Result<std::vector<CalendarWithAccess>> List(const Principal& caller);
  // Errors: kNotFound when it does not exist in the caller's organisation or
  // the caller has not even free/busy access.
  Result<CalendarWithAccess> Get(const Principal& caller, Id calendar_id);
  // Errors: kPermissionDenied for viewers, and for members creating an
  // organisation calendar; kInvalidArgument naming the field (name 1-200
  // bytes, colour #rrggbb, unknown module, unknown time zone, a share naming
  // a user of another organisation).
  Result<CalendarWithAccess> Create(const Principal& caller, const CalendarChange& change);
  // Owner access needed. Errors: as Get and Create; kPermissionDenied.
  Result<CalendarWithAccess> Update(const Principal& caller, Id calendar_id,
                                    const CalendarChange& change);
  Status Delete(const Principal& caller, Id calendar_id);
  // A new secret feed token for the calendar (the old one stops working).
  // Owner access needed. Returns the token, shown once.
  Result<std::string> RotateFeedToken(const Principal& caller, Id calendar_id);

  Result<std::vector<Module>> ListModules(const Principal& caller);
  // Admins only. Errors: kPermissionDenied; kInvalidArgument for a bad key or colour.
  Status PutModule(const Principal& caller, const Module& module);

 private:
  Status Validate(StoreTx& tx, const Principal& caller, const Calendar& calendar);

  Store& store_;
  const core::Clock& clock_;
};

// "#rrggbb" with hex digits (either case).
bool IsHexColor(std::string_view s);

}  // namespace almanac::domain
