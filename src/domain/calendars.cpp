#include "domain/calendars.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/crypto.h"
#include "core/time_zone.h"
#include "domain/access.h"
#include "domain/resource.h"
#include "domain/resources.h"

namespace almanac::domain {
namespace {

Error Invalid(std::string message) { return MakeError(Code::kInvalidArgument, std::move(message)); }
Error NoCalendar() { return MakeError(Code::kNotFound, "no such calendar"); }

bool ValidModuleKey(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

std::string ColorOf(const std::vector<Module>& modules, std::string_view key) {
  for (const Module& m : modules) {
    if (m.key == key) return m.color;
  }
  return std::string(kDefaultModuleColor);
}

}  // namespace

bool IsHexColor(std::string_view s) {
  if (s.size() != 7 || s[0] != '#') return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

CalendarService::CalendarService(Store& store, const core::Clock& clock)
    : store_(store), clock_(clock) {}

Status CalendarService::Validate(StoreTx& tx, const Principal& caller, const Calendar& c) {
  if (c.name.empty() || c.name.size() > 200) return Invalid("name must be 1-200 bytes");
  if (!c.color.empty() && !IsHexColor(c.color)) return Invalid("color must look like #1a2b3c");
  if (c.description.size() > 64 * 1024) return Invalid("description is longer than 64 KiB");
  if (!c.timezone.empty() && c.timezone != "UTC" && !core::FindIanaZone(c.timezone).ok()) {
    return Invalid(fmt::format("unknown time zone \"{}\"", c.timezone));
  }
  ALMANAC_ASSIGN_OR_RETURN(std::vector<Module> modules, tx.ListModules(caller.org_id));
  if (std::none_of(modules.begin(), modules.end(),
                   [&](const Module& m) { return m.key == c.module; })) {
    return Invalid(fmt::format("unknown module \"{}\"", c.module));
  }
  if (c.shares.size() > 1000) return Invalid("at most 1000 shares");
  if (c.components.empty()) return Invalid("a calendar holds events, tasks or both");
  if (c.dav_props.size() > 64 * 1024) return Invalid("too many or too large WebDAV properties");
  for (const std::string& comp : c.components) {
    if (comp != "VEVENT" && comp != "VTODO") {
      return Invalid(fmt::format("unsupported component \"{}\" (VEVENT and VTODO are)", comp));
    }
  }
  if (!c.dav_name.empty()) {
    const bool digits = std::all_of(c.dav_name.begin(), c.dav_name.end(),
                                    [](char ch) { return ch >= '0' && ch <= '9'; });
    if (c.dav_name.size() > 200 || digits || !ValidResourceName(c.dav_name)) {
      return Invalid("the collection name must be 1-200 of A-Z a-z 0-9 . _ ~ @ + - (not only digits)");
    }
  }
  for (const CalendarShare& s : c.shares) {
    if (s.user_id.has_value() == s.role.has_value()) {
      return Invalid("a share names either a user or a role");
    }
    if (s.user_id) {
      Result<User> u = tx.GetUser(caller.org_id, *s.user_id);
      if (!u.ok()) return Invalid(fmt::format("share: no user {}", *s.user_id));
    }
  }
  return OkStatus();
}

Result<std::vector<CalendarWithAccess>> CalendarService::List(const Principal& caller) {
  std::vector<CalendarWithAccess> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Calendar> all, tx.ListCalendars(caller.org_id));
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Module> modules, tx.ListModules(caller.org_id));
    for (Calendar& c : all) {
      const Access a = CalendarAccess(caller, c);
      if (a < Access::kRead) continue;
      std::string color = ColorOf(modules, c.module);
      out.push_back(CalendarWithAccess{std::move(c), a, std::move(color)});
    }
    return OkStatus();
  }));
  return out;
}

Result<CalendarWithAccess> CalendarService::Get(const Principal& caller, Id calendar_id) {
  CalendarWithAccess out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    Result<Calendar> c = tx.GetCalendar(caller.org_id, calendar_id);
    if (!c.ok()) return c.error().code == Code::kNotFound ? Status(NoCalendar()) : c.status();
    out.access = CalendarAccess(caller, *c);
    if (out.access < Access::kFreeBusy) return NoCalendar();
    ALMANAC_ASSIGN_OR_RETURN(std::vector<Module> modules, tx.ListModules(caller.org_id));
    out.module_color = ColorOf(modules, c->module);
    out.calendar = std::move(c).value();
    return OkStatus();
  }));
  return out;
}

Result<CalendarWithAccess> CalendarService::Create(const Principal& caller,
                                                   const CalendarChange& change) {
  if (caller.role == Role::kViewer) {
    return MakeError(Code::kPermissionDenied, "viewers cannot create calendars");
  }
  if (change.organisation_owned && !RoleAtLeast(caller.role, Role::kManager)) {
    return MakeError(Code::kPermissionDenied,
                     "only managers and admins can create organisation calendars");
  }
  Calendar c;
  c.org_id = caller.org_id;
  if (!change.organisation_owned) c.owner_user_id = caller.user_id;
  c.name = change.name.value_or("");
  c.color = change.color.value_or("");
  c.module = change.module.value_or("coordination");
  c.timezone = change.timezone.value_or("");
  c.description = change.description.value_or("");
  if (change.shares) c.shares = *change.shares;
  if (change.components) c.components = *change.components;
  if (change.dav_name) c.dav_name = *change.dav_name;
  if (change.dav_props) c.dav_props = *change.dav_props;
  c.created_at = c.updated_at = clock_.Now();
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    ALMANAC_RETURN_IF_ERROR(Validate(tx, caller, c));
    ALMANAC_ASSIGN_OR_RETURN(c.id, tx.InsertCalendar(c));
    return OkStatus();
  }));
  return Get(caller, c.id);
}

Result<CalendarWithAccess> CalendarService::Update(const Principal& caller, Id calendar_id,
                                                   const CalendarChange& change) {
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    Result<Calendar> found = tx.GetCalendar(caller.org_id, calendar_id);
    if (!found.ok()) {
      return found.error().code == Code::kNotFound ? Status(NoCalendar()) : found.status();
    }
    Calendar c = std::move(found).value();
    const Access a = CalendarAccess(caller, c);
    if (a < Access::kFreeBusy) return NoCalendar();
    if (a < Access::kOwner) {
      return MakeError(Code::kPermissionDenied, "only the calendar's owner can change it");
    }
    if (change.name) c.name = *change.name;
    if (change.color) c.color = *change.color;
    if (change.module) c.module = *change.module;
    if (change.timezone) c.timezone = *change.timezone;
    if (change.description) c.description = *change.description;
    if (change.shares) c.shares = *change.shares;
    if (change.components) c.components = *change.components;
    if (change.dav_props) c.dav_props = *change.dav_props;
    c.updated_at = clock_.Now();
    ALMANAC_RETURN_IF_ERROR(Validate(tx, caller, c));
    return tx.UpdateCalendar(c);
  }));
  return Get(caller, calendar_id);
}

Status CalendarService::Delete(const Principal& caller, Id calendar_id) {
  return store_.Write([&](StoreTx& tx) -> Status {
    Result<Calendar> c = tx.GetCalendar(caller.org_id, calendar_id);
    if (!c.ok()) return c.error().code == Code::kNotFound ? Status(NoCalendar()) : c.status();
    const Access a = CalendarAccess(caller, *c);
    if (a < Access::kFreeBusy) return NoCalendar();
    if (a < Access::kOwner) {
      return MakeError(Code::kPermissionDenied, "only the calendar's owner can delete it");
    }
    ALMANAC_RETURN_IF_ERROR(ReleaseCalendarBookings(tx, caller, calendar_id, clock_.Now()));
    return tx.DeleteCalendar(caller.org_id, calendar_id);
  });
}

Result<std::string> CalendarService::RotateFeedToken(const Principal& caller, Id calendar_id) {
  ALMANAC_ASSIGN_OR_RETURN(std::string token, core::RandomToken());
  ALMANAC_RETURN_IF_ERROR(store_.Write([&](StoreTx& tx) -> Status {
    Result<Calendar> c = tx.GetCalendar(caller.org_id, calendar_id);
    if (!c.ok()) return c.error().code == Code::kNotFound ? Status(NoCalendar()) : c.status();
    const Access a = CalendarAccess(caller, *c);
    if (a < Access::kFreeBusy) return NoCalendar();
    if (a < Access::kOwner) {
      return MakeError(Code::kPermissionDenied, "only the calendar's owner can publish a feed");
    }
    return tx.SetFeedToken(caller.org_id, calendar_id, core::Sha256Hex(token));
  }));
  return token;
}

Result<std::vector<Module>> CalendarService::ListModules(const Principal& caller) {
  std::vector<Module> out;
  ALMANAC_RETURN_IF_ERROR(store_.Read([&](StoreTx& tx) -> Status {
    ALMANAC_ASSIGN_OR_RETURN(out, tx.ListModules(caller.org_id));
    return OkStatus();
  }));
  return out;
}

Status CalendarService::PutModule(const Principal& caller, const Module& module) {
  if (caller.role != Role::kAdmin) {
    return MakeError(Code::kPermissionDenied, "only an admin can change modules");
  }
  if (!ValidModuleKey(module.key)) return Invalid("module key must be 1-32 of a-z, 0-9, _ and -");
  if (module.name.empty() || module.name.size() > 100) {
    return Invalid("module name must be 1-100 bytes");
  }
  if (!IsHexColor(module.color)) return Invalid("color must look like #1a2b3c");
  return store_.Write([&](StoreTx& tx) -> Status { return tx.PutModule(caller.org_id, module); });
}

}  // namespace almanac::domain
