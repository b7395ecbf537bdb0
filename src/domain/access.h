// Who may do what with a calendar (DESIGN.md "Security model").
//
//  - An admin has owner access to every calendar of the organisation.
//  - A user owns the calendars they own. An organisation calendar (no
//    owner) is writable by managers and readable by everyone else.
//  - Shares grant read (viewer) or write (editor) to a user or to every
//    user with a role; the highest grant wins.
//  - Anyone else in the organisation sees a user's calendar as free/busy
//    time only, as Exchange and Google do by default.
//  - The viewer role never writes: its access is capped at read.
//  - A resource's calendar (module "resources") is read-only but for admins.
// Private events (CLASS:PRIVATE or CONFIDENTIAL) show their details only to
// callers with write access; others see busy time.
//
// Thread safety: pure functions.
#pragma once

#include "domain/model.h"

namespace almanac::domain {

// The module of the calendars that hold resources' bookings: read-only for
// everyone but admins, whatever the shares say.
inline constexpr std::string_view kResourceCalendarModule = "resources";

// REQUIRES: calendar.org_id == caller.org_id (the store scopes every query).
Access CalendarAccess(const Principal& caller, const Calendar& calendar);

// Whether `caller` with `access` sees a component of class `klass`
// ("PUBLIC", "PRIVATE", "CONFIDENTIAL", or empty) in full.
bool SeesDetails(Access access, std::string_view klass);

// Roles at or above `minimum` in the order viewer < member < manager < admin.
bool RoleAtLeast(Role role, Role minimum);

}  // namespace almanac::domain
