#include "domain/access.h"

#include <algorithm>

#include "ical/model.h"

namespace almanac::domain {
namespace {

int Rank(Role r) {
  switch (r) {
    case Role::kViewer:
      return 0;
    case Role::kMember:
      return 1;
    case Role::kManager:
      return 2;
    case Role::kAdmin:
      return 3;
  }
  return 0;
}

}  // namespace

bool RoleAtLeast(Role role, Role minimum) { return Rank(role) >= Rank(minimum); }

Access CalendarAccess(const Principal& caller, const Calendar& calendar) {
  if (caller.org_id != calendar.org_id) return Access::kNone;
  Access access = Access::kFreeBusy;
  if (caller.role == Role::kAdmin) {
    access = Access::kOwner;
  } else if (calendar.owner_user_id == caller.user_id) {
    access = Access::kOwner;
  } else if (!calendar.owner_user_id) {
    access = caller.role == Role::kManager ? Access::kWrite : Access::kRead;
  }
  for (const CalendarShare& s : calendar.shares) {
    const bool applies = (s.user_id && *s.user_id == caller.user_id) ||
                         (s.role && *s.role == caller.role);
    if (!applies) continue;
    access = std::max(access, s.level == ShareLevel::kEditor ? Access::kWrite : Access::kRead);
  }
  if (caller.role == Role::kViewer) access = std::min(access, Access::kRead);
  // A resource's calendar holds its bookings: they change through the
  // booking workflow (resources.h), not by editing events.
  if (!calendar.owner_user_id && calendar.module == kResourceCalendarModule &&
      caller.role != Role::kAdmin) {
    access = std::min(access, Access::kRead);
  }
  return access;
}

bool SeesDetails(Access access, std::string_view klass) {
  if (access < Access::kRead) return false;
  if (klass.empty() || ical::EqualsIgnoreCase(klass, "PUBLIC")) return true;
  return access >= Access::kWrite;
}

}  // namespace almanac::domain
