#include "domain/model.h"

namespace almanac::domain {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kManager:
      return "manager";
    case Role::kMember:
      return "member";
    case Role::kViewer:
      return "viewer";
  }
  return "viewer";
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (Role r : {Role::kAdmin, Role::kManager, Role::kMember, Role::kViewer}) {
    if (name == RoleName(r)) return r;
  }
  return std::nullopt;
}

const char* AccessName(Access access) {
  switch (access) {
    case Access::kNone:
      return "none";
    case Access::kFreeBusy:
      return "freebusy";
    case Access::kRead:
      return "read";
    case Access::kWrite:
      return "write";
    case Access::kOwner:
      return "owner";
  }
  return "none";
}

const char* ShareLevelName(ShareLevel level) {
  return level == ShareLevel::kEditor ? "editor" : "viewer";
}

std::optional<ShareLevel> ShareLevelFromName(std::string_view name) {
  if (name == "viewer") return ShareLevel::kViewer;
  if (name == "editor") return ShareLevel::kEditor;
  return std::nullopt;
}

}  // namespace almanac::domain
