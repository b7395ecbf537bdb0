#include "domain/access.h"

#include <gtest/gtest.h>

namespace almanac::domain {
namespace {

Principal Who(Id user, Role role) { return Principal{user, 1, "u", role}; }

TEST(Access, OrganisationCalendarsByRoleAndResourceCalendarsReadOnly) {
  Calendar org;
  org.org_id = 1;
  org.module = "coordination";
  EXPECT_EQ(CalendarAccess(Who(2, Role::kManager), org), Access::kWrite);
  EXPECT_EQ(CalendarAccess(Who(2, Role::kMember), org), Access::kRead);
  Calendar room = org;
  room.module = std::string(kResourceCalendarModule);
  room.shares.push_back(CalendarShare{2, std::nullopt, ShareLevel::kEditor});
  // Bookings change through the booking workflow, not by editing events:
  // not even a manager or an editor share writes here; admins do.
  EXPECT_EQ(CalendarAccess(Who(3, Role::kManager), room), Access::kRead);
  EXPECT_EQ(CalendarAccess(Who(2, Role::kMember), room), Access::kRead);
  EXPECT_EQ(CalendarAccess(Who(4, Role::kAdmin), room), Access::kOwner);
  // Another organisation sees nothing.
  Principal other = Who(5, Role::kAdmin);
  other.org_id = 2;
  EXPECT_EQ(CalendarAccess(other, room), Access::kNone);
}

}  // namespace
}  // namespace almanac::domain
