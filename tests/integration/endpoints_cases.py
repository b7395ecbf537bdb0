"""Every endpoint at least once: its success status and the shape of its body."""

from __future__ import annotations

import json
import re

from harness import ServerTestCase, query

# Every path of docs/openapi.json, each exercised below. A new endpoint fails
# test_openapi_lists_exactly_the_tested_endpoints until it gets a test here.
TESTED_PATHS = {
    "/healthz", "/api/v1/openapi.json", "/api/v1/session", "/api/v1/me", "/api/v1/users",
    "/api/v1/tokens", "/api/v1/tokens/{id}", "/api/v1/modules", "/api/v1/modules/{key}",
    "/api/v1/calendars", "/api/v1/calendars/{id}", "/api/v1/calendars/{id}/feed",
    "/api/v1/calendars/{id}/events", "/api/v1/calendars/{id}/export.ics",
    "/api/v1/calendars/{id}/import", "/api/v1/events", "/api/v1/events/{id}", "/feeds/{file}",
}
# Resources and bookings are exercised in bookings_cases.py.
from bookings_cases import TESTED_PATHS as _BOOKING_PATHS  # noqa: E402
TESTED_PATHS |= _BOOKING_PATHS
# Leave, the approvals inbox and user changes are exercised in leave_cases.py.
from leave_cases import TESTED_PATHS as _LEAVE_PATHS  # noqa: E402
TESTED_PATHS |= _LEAVE_PATHS
# Resource analytics are exercised in analytics_cases.py.
from analytics_cases import TESTED_PATHS as _ANALYTICS_PATHS  # noqa: E402
TESTED_PATHS |= _ANALYTICS_PATHS
# The recurrence preview (and the static site) are exercised in web_cases.py.
from web_cases import TESTED_PATHS as _WEB_PATHS  # noqa: E402
TESTED_PATHS |= _WEB_PATHS

USER_KEYS = {"id", "username", "email", "display_name", "role", "timezone", "disabled",
             "manager_id", "team"}
CALENDAR_KEYS = {"id", "name", "color", "module", "module_color", "timezone", "description",
                 "owner", "access", "version", "created_at", "updated_at"}
EVENT_KEYS = {"id", "uid", "calendar_id", "etag", "recurring", "busy_only", "created_at",
              "updated_at", "overrides", "title", "start", "end", "timezone", "all_day",
              "location", "description", "status", "priority", "visibility", "categories",
              "attendees", "sequence", "rrule", "rdates", "exdates"}
INSTANCE_KEYS = {"event_id", "calendar_id", "uid", "etag", "recurrence_id", "title", "start",
                 "end", "timezone", "all_day", "recurring", "overridden", "busy_only", "status",
                 "visibility", "module", "color", "location", "description", "priority",
                 "categories", "organizer"}
BUSY_INSTANCE_KEYS = INSTANCE_KEYS - {"location", "description", "priority", "categories",
                                      "organizer"}

ICS_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac tests//EN\r\n"


def session_cookie(set_cookie: str) -> str:
    m = re.match(r"almanac_session=([^;]*)", set_cookie)
    assert m, set_cookie
    return m.group(1)


class PublicEndpointsTest(ServerTestCase):
    def test_healthz(self):
        r = self.server.client().get("/healthz")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.json(), {"status": "ok"})
        self.assertRegex(r.header("X-Request-Id") or "", r"^[0-9a-f]{16}$")
        self.assertEqual(r.header("Server"), "almanac")

    def test_openapi_is_json_with_openapi_key(self):
        r = self.server.client().get("/api/v1/openapi.json")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/json")
        doc = r.json()
        self.assertIn("openapi", doc)
        self.assertTrue(doc["openapi"].startswith("3."), doc["openapi"])

    def test_openapi_lists_exactly_the_tested_endpoints(self):
        doc = self.server.client().get("/api/v1/openapi.json").json()
        self.assertEqual(set(doc["paths"]), TESTED_PATHS)

    def test_unknown_path_is_404_problem(self):
        r = self.server.client().get("/api/v1/nothing-here")
        self.assertStatus(r, 404, "No resource at this path")

    def test_wrong_method_is_405(self):
        r = self.admin.request("PUT", "/api/v1/calendars", {"name": "x"})
        self.assertStatus(r, 405, "Method PUT is not allowed")

    def test_authenticated_endpoints_need_credentials(self):
        anon = self.server.client()
        for method, path in [("GET", "/api/v1/me"), ("GET", "/api/v1/users"),
                             ("GET", "/api/v1/tokens"), ("GET", "/api/v1/modules"),
                             ("GET", "/api/v1/calendars"),
                             ("GET", "/api/v1/events?from=2025-01-01&to=2025-02-01"),
                             ("POST", "/api/v1/calendars")]:
            with self.subTest(path=path):
                r = anon.request(method, path, {} if method == "POST" else None)
                self.assertProblem(r, 401, "UNAUTHENTICATED", "sign in, or send a bearer token")
                self.assertIn("Bearer", r.header("WWW-Authenticate") or "")


class SessionTest(ServerTestCase):
    def login(self, username: str, password: str):
        return self.server.client().post("/api/v1/session",
                                         {"username": username, "password": password})

    def test_login_sets_http_only_same_site_cookie_and_returns_csrf(self):
        r = self.login("admin", self.admin_password)
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual(set(body), {"user", "csrf_token", "expires_at"})
        self.assertEqual(body["user"]["username"], "admin")
        self.assertEqual(set(body["user"]), USER_KEYS)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        cookies = r.header_all("Set-Cookie")
        self.assertEqual(len(cookies), 1, cookies)
        attrs = [a.strip() for a in cookies[0].split(";")]
        self.assertTrue(attrs[0].startswith("almanac_session="), attrs)
        self.assertGreater(len(session_cookie(cookies[0])), 20)
        self.assertIn("HttpOnly", attrs)
        self.assertIn("SameSite=Lax", attrs)
        self.assertIn("Path=/", attrs)
        self.assertIn("Max-Age=43200", attrs)
        self.assertNotIn("Secure", attrs)  # not configured for HTTPS

    def test_csrf_required_for_writes_with_the_cookie_and_logout_ends_the_session(self):
        r = self.login("admin", self.admin_password)
        cookie = session_cookie(r.header("Set-Cookie"))
        csrf = r.json()["csrf_token"]
        no_csrf = self.server.client(cookie=cookie)
        with_csrf = self.server.client(cookie=cookie, csrf=csrf)
        before = self.admin.get("/api/v1/calendars").json()

        me = no_csrf.get("/api/v1/me")  # safe methods need no CSRF token
        self.assertStatus(me, 200)
        self.assertEqual(me.json()["username"], "admin")
        self.assertProblem(no_csrf.post("/api/v1/calendars", {"name": "csrf"}), 403,
                           "PERMISSION_DENIED", "X-CSRF-Token")
        wrong = self.server.client(cookie=cookie, csrf="not-the-token")
        self.assertProblem(wrong.post("/api/v1/calendars", {"name": "csrf"}), 403,
                           "PERMISSION_DENIED", "X-CSRF-Token")
        self.assertEqual(self.admin.get("/api/v1/calendars").json(), before)

        made = with_csrf.post("/api/v1/calendars", {"name": "via session"})
        self.assertStatus(made, 201)
        self.assertEqual(made.json()["name"], "via session")

        # Logout needs the CSRF token too; without it the session stays.
        self.assertProblem(no_csrf.delete("/api/v1/session"), 403, "PERMISSION_DENIED",
                           "X-CSRF-Token")
        self.assertStatus(no_csrf.get("/api/v1/me"), 200)
        out = with_csrf.delete("/api/v1/session")
        self.assertStatus(out, 204)
        self.assertEqual(out.header("Set-Cookie"),
                         "almanac_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
        self.assertProblem(with_csrf.get("/api/v1/me"), 401, "UNAUTHENTICATED",
                           "the session has ended")
        self.assertProblem(with_csrf.post("/api/v1/calendars", {"name": "late"}), 401,
                           "UNAUTHENTICATED", "the session has ended")
        # Signing out again, or without a cookie, is 204 all the same.
        self.assertStatus(with_csrf.delete("/api/v1/session"), 204)
        self.assertStatus(self.server.client().delete("/api/v1/session"), 204)

    def test_wrong_password_is_401_and_missing_fields_400(self):
        self.user("sess-wrong", "member")
        self.assertProblem(self.login("sess-wrong", "not-the-password"), 401, "UNAUTHENTICATED",
                           "wrong username or password")
        self.assertProblem(self.login("nobody-here", "whatever-pw"), 401, "UNAUTHENTICATED",
                           "wrong username or password")
        r = self.server.client().post("/api/v1/session", {"username": "admin"})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "username and password are required")

    def test_basic_credentials_work_and_wrong_ones_are_401(self):
        uid, _ = self.user("sess-basic", "member", )
        ok = self.server.client(basic=("sess-basic", "pw-sess-basic-secret")).get("/api/v1/me")
        self.assertStatus(ok, 200)
        self.assertEqual(ok.json()["id"], uid)
        bad = self.server.client(basic=("sess-basic", "wrong-password")).get("/api/v1/me")
        self.assertProblem(bad, 401, "UNAUTHENTICATED", "wrong username or password")
        garbled = self.server.client().get("/api/v1/me", headers={"Authorization": "Basic !!!"})
        self.assertProblem(garbled, 401, "UNAUTHENTICATED", "malformed Basic credentials")
        other = self.server.client().get("/api/v1/me", headers={"Authorization": "Digest x=1"})
        self.assertProblem(other, 401, "UNAUTHENTICATED", "unsupported Authorization scheme")
        unknown = self.server.client(token="alm_not-a-token").get("/api/v1/me")
        self.assertProblem(unknown, 401, "UNAUTHENTICATED", "unknown or revoked API token")


class AccountsTest(ServerTestCase):
    def test_me(self):
        r = self.admin.get("/api/v1/me")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"id": 1, "username": "admin", "email": "admin@localhost",
                                    "display_name": "Administrator", "role": "admin",
                                    "timezone": "UTC", "disabled": False, "manager_id": None,
                                    "team": ""})

    def test_users_list_and_create_by_admin(self):
        r = self.admin.post("/api/v1/users", {"username": "acc-carol", "email": "carol@example.test",
                                              "display_name": "Carol C.", "role": "manager",
                                              "password": "carol-password", "timezone":
                                                  "Europe/Berlin"})
        self.assertStatus(r, 201)
        carol = r.json()
        self.assertEqual(set(carol), USER_KEYS)
        self.assertEqual({k: carol[k] for k in USER_KEYS - {"id"}},
                         {"username": "acc-carol", "email": "carol@example.test",
                          "display_name": "Carol C.", "role": "manager",
                          "timezone": "Europe/Berlin", "disabled": False, "manager_id": None,
                          "team": ""})
        listed = self.admin.get("/api/v1/users")
        self.assertStatus(listed, 200)
        items = listed.json()["items"]
        self.assertIn(carol, items)
        self.assertIn("admin", [u["username"] for u in items])
        for u in items:
            self.assertEqual(set(u), USER_KEYS)
        # The new user can sign in with the password given.
        login = self.server.client().post("/api/v1/session",
                                          {"username": "acc-carol", "password": "carol-password"})
        self.assertStatus(login, 200)

    def test_member_cannot_create_users_but_lists_colleagues(self):
        _, member = self.user("acc-member", "member")
        before = self.admin.get("/api/v1/users").json()
        r = member.post("/api/v1/users", {"username": "acc-eve", "email": "eve@example.test"})
        self.assertProblem(r, 403, "PERMISSION_DENIED", "only an admin can add users")
        self.assertEqual(self.admin.get("/api/v1/users").json(), before)
        # docs/openapi.json: listing the organisation's users is for any caller.
        self.assertStatus(member.get("/api/v1/users"), 200)
        self.assertEqual(member.get("/api/v1/users").json(), before)

    def test_create_user_bad_role_is_400(self):
        r = self.admin.post("/api/v1/users", {"username": "acc-x", "email": "x@example.test",
                                              "role": "boss"})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "role must be admin, manager, member or viewer")

    def test_duplicate_username_is_409_without_database_details(self):
        # STYLE.md: an error's message is shown to clients; SQL text (such as
        # a constraint's name) belongs in the log only.
        body = {"username": "acc-dup", "email": "dup@example.test", "password": "dup-password"}
        self.assertStatus(self.admin.post("/api/v1/users", body), 201)
        before = self.admin.get("/api/v1/users").json()
        r = self.admin.post("/api/v1/users", body)
        self.assertEqual(r.status, 409, str(r))
        self.assertEqual(r.json()["code"], "ALREADY_EXISTS")
        self.assertEqual(self.admin.get("/api/v1/users").json(), before)
        self.assertNotIn("constraint", r.json()["detail"], str(r))
        self.assertIn("username", r.json()["detail"], str(r))

    def test_tokens_create_list_revoke(self):
        uid, member = self.user("acc-tok", "member")
        r = member.post("/api/v1/tokens", {"name": "ci"})
        self.assertStatus(r, 201)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        created = r.json()
        self.assertEqual(set(created), {"id", "name", "token"})
        self.assertEqual(created["name"], "ci")
        self.assertTrue(created["token"].startswith("alm_"), created)

        fresh = self.server.client(token=created["token"])
        me = fresh.get("/api/v1/me")
        self.assertStatus(me, 200)
        self.assertEqual(me.json()["id"], uid)

        listed = member.get("/api/v1/tokens")
        self.assertStatus(listed, 200)
        entry = [t for t in listed.json()["items"] if t["id"] == created["id"]]
        self.assertEqual(len(entry), 1)
        self.assertEqual(set(entry[0]), {"id", "name", "created_at", "last_used_at", "revoked_at"})
        self.assertIsNone(entry[0]["revoked_at"])
        self.assertNotIn(created["token"], listed.text)

        self.assertStatus(member.delete(f"/api/v1/tokens/{created['id']}"), 204)
        self.assertProblem(fresh.get("/api/v1/me"), 401, "UNAUTHENTICATED",
                           "unknown or revoked API token")
        entry = [t for t in member.get("/api/v1/tokens").json()["items"]
                 if t["id"] == created["id"]]
        self.assertIsNotNone(entry[0]["revoked_at"])
        self.assertProblem(member.delete(f"/api/v1/tokens/{created['id']}"), 404, "NOT_FOUND",
                           "no such token")

    def test_member_cannot_revoke_someone_elses_token(self):
        _, member = self.user("acc-tok2", "member")
        admin_tokens = self.admin.get("/api/v1/tokens").json()["items"]
        target = admin_tokens[0]["id"]
        self.assertProblem(member.delete(f"/api/v1/tokens/{target}"), 404, "NOT_FOUND",
                           "no such token")
        self.assertEqual(self.admin.get("/api/v1/tokens").json()["items"][0]["revoked_at"], None)
        self.assertStatus(self.admin.get("/api/v1/me"), 200)

    def test_modules_list_and_put_by_admin_only(self):
        r = self.admin.get("/api/v1/modules")
        self.assertStatus(r, 200)
        keys = [m["key"] for m in r.json()["items"]]
        for key in ["community", "coordination", "planning", "resources", "staff"]:
            self.assertIn(key, keys)
        for m in r.json()["items"]:
            self.assertEqual(set(m), {"key", "name", "color"})

        put = self.admin.put("/api/v1/modules/acc-mod", {"name": "Accounts", "color": "#12ab34"})
        self.assertStatus(put, 200)
        self.assertEqual(put.json(), {"key": "acc-mod", "name": "Accounts", "color": "#12ab34"})
        self.assertIn({"key": "acc-mod", "name": "Accounts", "color": "#12ab34"},
                      self.admin.get("/api/v1/modules").json()["items"])

        _, member = self.user("acc-mod-member", "member")
        before = self.admin.get("/api/v1/modules").json()
        self.assertProblem(member.put("/api/v1/modules/staff", {"name": "S", "color": "#000000"}),
                           403, "PERMISSION_DENIED", "only an admin can change modules")
        self.assertProblem(self.admin.put("/api/v1/modules/Bad%20Key",
                                          {"name": "x", "color": "#000000"}),
                           400, "INVALID_ARGUMENT", "module key must be")
        self.assertProblem(self.admin.put("/api/v1/modules/acc-mod", {"name": "x", "color": "red"}),
                           400, "INVALID_ARGUMENT", "color must look like #1a2b3c")
        self.assertEqual(self.admin.get("/api/v1/modules").json(), before)


class CalendarsTest(ServerTestCase):
    def test_calendar_crud(self):
        r = self.admin.post("/api/v1/calendars", {"name": "Team", "timezone": "Europe/Berlin",
                                                  "module": "staff", "description": "the team"})
        self.assertStatus(r, 201)
        cal = r.json()
        self.assertEqual(r.header("Location"), f"/api/v1/calendars/{cal['id']}")
        self.assertEqual(set(cal), CALENDAR_KEYS | {"shares"})
        self.assertEqual({k: cal[k] for k in ["name", "timezone", "module", "description", "owner",
                                              "access", "version", "shares", "color"]},
                         {"name": "Team", "timezone": "Europe/Berlin", "module": "staff",
                          "description": "the team", "owner": 1, "access": "owner", "version": 1,
                          "shares": [], "color": "#10b981"})

        got = self.admin.get(f"/api/v1/calendars/{cal['id']}")
        self.assertStatus(got, 200)
        self.assertEqual(got.json(), cal)
        self.assertIn(cal, self.admin.get("/api/v1/calendars").json()["items"])

        p = self.admin.patch(f"/api/v1/calendars/{cal['id']}", {"name": "Team 2", "color": "#abcdef"})
        self.assertStatus(p, 200)
        self.assertEqual((p.json()["name"], p.json()["color"], p.json()["version"]),
                         ("Team 2", "#abcdef", 2))
        self.assertEqual(self.admin.get(f"/api/v1/calendars/{cal['id']}").json(), p.json())

        bad = self.admin.patch(f"/api/v1/calendars/{cal['id']}", {"module": "no-such-module"})
        self.assertProblem(bad, 400, "INVALID_ARGUMENT", 'unknown module "no-such-module"')
        self.assertEqual(self.admin.get(f"/api/v1/calendars/{cal['id']}").json(), p.json())

        ev = self.new_event(cal["id"], title="in team", start="2025-02-03T10:00:00+01:00")
        self.assertStatus(self.admin.delete(f"/api/v1/calendars/{cal['id']}"), 204)
        self.assertProblem(self.admin.get(f"/api/v1/calendars/{cal['id']}"), 404, "NOT_FOUND",
                           "no such calendar")
        self.assertProblem(self.admin.get(f"/api/v1/events/{ev['id']}"), 404, "NOT_FOUND",
                           "no such event")
        self.assertNotIn(cal["id"], [c["id"] for c in self.admin.get("/api/v1/calendars").json()["items"]])
        self.assertProblem(self.admin.delete(f"/api/v1/calendars/{cal['id']}"), 404, "NOT_FOUND",
                           "no such calendar")

    def test_calendar_shares_are_replaced_as_a_whole(self):
        bob, _ = self.user("cal-bob", "member")
        carol, _ = self.user("cal-carol", "member")
        r = self.admin.post("/api/v1/calendars", {"name": "Shared",
                                                  "shares": [{"user_id": bob, "level": "viewer"}]})
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["shares"], [{"user_id": bob, "level": "viewer"}])
        cid = r.json()["id"]
        p = self.admin.patch(f"/api/v1/calendars/{cid}", {"shares": [
            {"user_id": carol, "level": "editor"}, {"role": "manager"}]})
        self.assertStatus(p, 200)
        canon = lambda shares: sorted(json.dumps(s, sort_keys=True) for s in shares)
        self.assertEqual(canon(p.json()["shares"]),
                         canon([{"user_id": carol, "level": "editor"},
                                {"role": "manager", "level": "viewer"}]))
        bad = self.admin.patch(f"/api/v1/calendars/{cid}", {"shares": [{"user_id": bob, "role": "member"}]})
        self.assertProblem(bad, 400, "INVALID_ARGUMENT", "either user_id or role")
        self.assertEqual(self.admin.get(f"/api/v1/calendars/{cid}").json()["shares"],
                         p.json()["shares"])

    def test_feed_token_and_public_feeds_mask_private_events(self):
        cid = self.new_calendar(name="Published")
        self.new_event(cid, title="Open day", description="everyone welcome", location="Hall",
                       start="2025-05-05T10:00:00Z", end="2025-05-05T12:00:00Z")
        self.new_event(cid, title="Dentist", description="root canal", location="Clinic",
                       visibility="private", start="2025-05-06T08:00:00Z",
                       end="2025-05-06T09:00:00Z")
        r = self.admin.post(f"/api/v1/calendars/{cid}/feed")
        self.assertStatus(r, 201)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        feed = r.json()
        self.assertEqual(feed["ics_url"], f"/feeds/{feed['token']}.ics")
        self.assertEqual(feed["json_url"], f"/feeds/{feed['token']}.json")

        anon = self.server.client()
        ics = anon.get(feed["ics_url"])
        self.assertStatus(ics, 200)
        self.assertEqual(ics.header("Content-Type"), "text/calendar; charset=utf-8")
        self.assertEqual(ics.header("Cache-Control"), "private, max-age=300")
        self.assertIn("SUMMARY:Open day", ics.text)
        self.assertIn("DESCRIPTION:everyone welcome", ics.text)
        self.assertIn("SUMMARY:Busy", ics.text)
        self.assertNotIn("Dentist", ics.text)
        self.assertNotIn("root canal", ics.text)
        self.assertNotIn("Clinic", ics.text)

        js = anon.get(feed["json_url"] + "?" + query(**{"from": "2025-05-01", "to": "2025-05-31"}))
        self.assertStatus(js, 200)
        items = js.json()["items"]
        self.assertEqual([(i["title"], i["start"], i["busy_only"]) for i in items],
                         [("Open day", "2025-05-05T10:00:00Z", False),
                          ("Busy", "2025-05-06T08:00:00Z", True)])
        self.assertEqual(set(items[0]), INSTANCE_KEYS)
        self.assertEqual(set(items[1]), BUSY_INSTANCE_KEYS)  # no description, location
        self.assertEqual(items[0]["description"], "everyone welcome")

        bad_window = anon.get(feed["json_url"] + "?from=2025-01-01&to=2026-03-01")
        self.assertProblem(bad_window, 400, "INVALID_ARGUMENT", "longer than 400 days")
        self.assertProblem(anon.get(f"/feeds/{feed['token']}.txt"), 404, "NOT_FOUND", "no such feed")
        self.assertProblem(anon.get("/feeds/not-a-token.ics"), 404, "NOT_FOUND", "no such feed")

        # A new token replaces the old one.
        again = self.admin.post(f"/api/v1/calendars/{cid}/feed").json()
        self.assertNotEqual(again["token"], feed["token"])
        self.assertProblem(anon.get(feed["ics_url"]), 404, "NOT_FOUND", "no such feed")
        self.assertStatus(anon.get(again["ics_url"]), 200)


class EventsTest(ServerTestCase):
    def test_event_create_get_patch_delete(self):
        cid = self.new_calendar(name="Events", timezone="Europe/Berlin")
        r = self.admin.post(f"/api/v1/calendars/{cid}/events", {
            "title": "Kick-off", "start": "2025-02-10T09:00:00+01:00",
            "end": "2025-02-10T10:30:00+01:00", "location": "Room 1", "description": "agenda",
            "categories": ["project"], "priority": 5,
            "attendees": [{"email": "ann@example.test", "name": "Ann"}]})
        self.assertStatus(r, 201)
        ref = r.json()
        self.assertEqual(set(ref), {"id", "uid", "etag", "calendar_id"})
        self.assertEqual(ref["calendar_id"], cid)
        self.assertEqual(r.header("Location"), f"/api/v1/events/{ref['id']}")
        self.assertEqual(r.header("ETag"), f'"{ref["etag"]}"')

        g = self.admin.get(f"/api/v1/events/{ref['id']}")
        self.assertStatus(g, 200)
        ev = g.json()
        self.assertEqual(g.header("ETag"), f'"{ev["etag"]}"')
        self.assertEqual(ev["etag"], ref["etag"])
        self.assertEqual(set(ev), EVENT_KEYS)
        self.assertEqual({k: ev[k] for k in ["title", "start", "end", "timezone", "all_day",
                                             "location", "description", "categories", "priority",
                                             "status", "visibility", "sequence", "rrule",
                                             "recurring", "busy_only", "overrides", "attendees"]},
                         {"title": "Kick-off", "start": "2025-02-10T09:00:00+01:00",
                          "end": "2025-02-10T10:30:00+01:00", "timezone": "Europe/Berlin",
                          "all_day": False, "location": "Room 1", "description": "agenda",
                          "categories": ["project"], "priority": 5, "status": "confirmed",
                          "visibility": "public", "sequence": 0, "rrule": None,
                          "recurring": False, "busy_only": False, "overrides": [],
                          "attendees": [{"email": "ann@example.test", "name": "Ann",
                                         "role": "required", "status": "needs-action"}]})

        p = self.admin.patch(f"/api/v1/events/{ref['id']}", {"title": "Kick-off (moved)",
                                                             "location": None},
                             headers={"If-Match": g.header("ETag")})
        self.assertStatus(p, 200)
        out = p.json()
        self.assertEqual(set(out), {"event", "deleted", "dropped_overrides"})
        self.assertNotEqual(out["event"]["etag"], ev["etag"])
        self.assertEqual(p.header("ETag"), f'"{out["event"]["etag"]}"')
        after = self.get_event(ref["id"])
        self.assertEqual((after["title"], after["location"], after["sequence"], after["etag"]),
                         ("Kick-off (moved)", "", 1, out["event"]["etag"]))

        self.assertStatus(self.admin.delete(f"/api/v1/events/{ref['id']}"), 204)
        self.assertProblem(self.admin.get(f"/api/v1/events/{ref['id']}"), 404, "NOT_FOUND",
                           "no such event")
        self.assertProblem(self.admin.delete(f"/api/v1/events/{ref['id']}"), 404, "NOT_FOUND",
                           "no such event")

    def test_create_defaults(self):
        cid = self.new_calendar(name="Defaults", timezone="America/New_York")
        timed = self.new_event(cid, start="2025-07-01T09:00:00-04:00")
        ev = self.get_event(timed["id"])
        self.assertEqual((ev["title"], ev["start"], ev["end"], ev["timezone"], ev["all_day"]),
                         ("", "2025-07-01T09:00:00-04:00", "2025-07-01T10:00:00-04:00",
                          "America/New_York", False))
        day = self.new_event(cid, title="Holiday", start="2025-07-04")
        ev = self.get_event(day["id"])
        self.assertEqual((ev["start"], ev["end"], ev["all_day"]), ("2025-07-04", "2025-07-05", True))

    def test_list_with_window_calendar_module_query_and_limit(self):
        team = self.new_calendar(name="List team", module="staff")
        plan = self.new_calendar(name="List plan", module="planning")
        self.new_event(team, title="Retro", description="Sprint 7", start="2025-03-03T14:00:00Z",
                       end="2025-03-03T15:00:00Z")
        self.new_event(team, title="Offsite", location="Lisbon", start="2025-03-04",
                       end="2025-03-06")
        self.new_event(plan, title="Roadmap", start="2025-03-05T09:00:00Z",
                       end="2025-03-05T10:00:00Z")
        self.new_event(plan, title="Too late", start="2025-03-10T09:00:00Z",
                       end="2025-03-10T10:00:00Z")

        def titles(**params):
            r = self.admin.get("/api/v1/events?" + query(**params))
            self.assertStatus(r, 200)
            return [i["title"] for i in r.json()["items"]], r.json()["truncated"]

        window = {"from": "2025-03-01", "to": "2025-03-08"}
        both = {"calendar": [team, plan]}
        self.assertEqual(titles(**window, **both), (["Retro", "Offsite", "Roadmap"], False))
        self.assertEqual(titles(**window, calendar=plan), (["Roadmap"], False))
        self.assertEqual(titles(**window, **both, module="staff"), (["Retro", "Offsite"], False))
        self.assertEqual(titles(**window, **both, q="LISBON"), (["Offsite"], False))
        self.assertEqual(titles(**window, **both, q="sprint"), (["Retro"], False))
        self.assertEqual(titles(**window, **both, limit=1), (["Retro"], True))
        # [from, to) is half-open: an event ending at `from` is out, one starting at `to` too.
        self.assertEqual(titles(**{"from": "2025-03-03T15:00:00Z", "to": "2025-03-10T09:00:00Z"},
                                **both), (["Offsite", "Roadmap"], False))
        # Without calendar=, every readable calendar is searched.
        r = self.admin.get("/api/v1/events?" + query(**window))
        names = [i["title"] for i in r.json()["items"]]
        for t in ["Retro", "Offsite", "Roadmap"]:
            self.assertIn(t, names)
        item = self.instances(team, "2025-03-03", "2025-03-04")[0]
        self.assertEqual(set(item), INSTANCE_KEYS)
        self.assertEqual({k: item[k] for k in ["title", "start", "end", "timezone", "module",
                                               "color", "recurring", "recurrence_id",
                                               "overridden", "busy_only"]},
                         {"title": "Retro", "start": "2025-03-03T14:00:00Z",
                          "end": "2025-03-03T15:00:00Z", "timezone": "UTC", "module": "staff",
                          "color": "#10b981", "recurring": False, "recurrence_id": None,
                          "overridden": False, "busy_only": False})

    def test_list_returns_more_than_1000_instances_of_one_series(self):
        # docs/openapi.json: "When more than `limit` instances match, the first
        # `limit` are returned with `truncated` true" (limit defaults to 10000).
        cid = self.new_calendar(name="Hourly")
        self.new_event(cid, title="Tick", start="2025-01-01T00:00:00Z", end="2025-01-01T00:30:00Z",
                       rrule="FREQ=HOURLY;COUNT=1500")
        r = self.admin.get("/api/v1/events?" + query(calendar=cid, **{"from": "2025-01-01",
                                                                      "to": "2025-03-10"}))
        self.assertStatus(r, 200)
        items = r.json()["items"]
        self.assertEqual((len(items), r.json()["truncated"]), (1500, False))
        # 1499 hours after the first: 2025-03-04T11:00Z.
        self.assertEqual((items[0]["start"], items[-1]["start"]),
                         ("2025-01-01T00:00:00Z", "2025-03-04T11:00:00Z"))

    def test_export_and_import(self):
        cid = self.new_calendar(name="Round trip", timezone="Europe/Berlin")
        ics = (ICS_HEAD +
               "BEGIN:VEVENT\r\nUID:rt-1@example.test\r\nDTSTAMP:20250101T000000Z\r\n"
               "DTSTART;TZID=Europe/Berlin:20250303T090000\r\n"
               "DTEND;TZID=Europe/Berlin:20250303T100000\r\n"
               "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Weekly sync\r\nX-TEST-PROP:kept\r\n"
               "END:VEVENT\r\n"
               "BEGIN:VEVENT\r\nUID:rt-2@example.test\r\nDTSTAMP:20250101T000000Z\r\n"
               "DTSTART;VALUE=DATE:20250305\r\nSUMMARY:All day\r\nEND:VEVENT\r\n"
               "END:VCALENDAR\r\n")
        wrong = self.admin.post(f"/api/v1/calendars/{cid}/import", raw=ics.encode(),
                                content_type="application/json")
        self.assertProblem(wrong, 415, "UNSUPPORTED_MEDIA_TYPE", "text/calendar")
        self.assertEqual(self.instances(cid, "2025-03-01", "2025-04-01"), [])

        r = self.admin.post(f"/api/v1/calendars/{cid}/import", raw=ics.encode(),
                            content_type="text/calendar; charset=utf-8")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"created": 2, "updated": 0, "warnings": []})
        got = [(i["start"], i["title"]) for i in self.instances(cid, "2025-03-01", "2025-04-01")]
        self.assertEqual(got, [("2025-03-03T09:00:00+01:00", "Weekly sync"), ("2025-03-05", "All day"),
                               ("2025-03-10T09:00:00+01:00", "Weekly sync"),
                               ("2025-03-17T09:00:00+01:00", "Weekly sync")])
        again = self.admin.post(f"/api/v1/calendars/{cid}/import", raw=ics.encode(),
                                content_type="text/calendar")
        self.assertEqual(again.json(), {"created": 0, "updated": 2, "warnings": []})

        x = self.admin.get(f"/api/v1/calendars/{cid}/export.ics")
        self.assertStatus(x, 200)
        self.assertEqual(x.header("Content-Type"), "text/calendar; charset=utf-8")
        text = x.text
        self.assertTrue(text.startswith("BEGIN:VCALENDAR\r\n"), text[:100])
        self.assertTrue(text.endswith("END:VCALENDAR\r\n"), text[-100:])
        for line in ["X-WR-CALNAME:Round trip", "X-WR-TIMEZONE:Europe/Berlin", "UID:rt-1@example.test",
                     "UID:rt-2@example.test", "RRULE:FREQ=WEEKLY;COUNT=3", "X-TEST-PROP:kept",
                     "SUMMARY:All day"]:
            self.assertIn(line + "\r\n", text)
        self.assertEqual(text.count("BEGIN:VEVENT"), 2)

    def test_imported_event_stays_readable_after_lenient_repairs(self):
        # Import is lenient (warnings), but what it stored must be readable
        # afterwards by the list, GET and export.
        cases = {
            "missing DTSTAMP": "BEGIN:VEVENT\r\nUID:len-1@example.test\r\n"
                               "DTSTART:20250601T100000Z\r\nSUMMARY:No stamp\r\nEND:VEVENT\r\n",
            "DTEND twice": "BEGIN:VEVENT\r\nUID:len-2@example.test\r\nDTSTAMP:20250101T000000Z\r\n"
                           "DTSTART:20250601T100000Z\r\nDTEND:20250601T110000Z\r\n"
                           "DTEND:20250601T120000Z\r\nSUMMARY:Two ends\r\nEND:VEVENT\r\n",
            "DATE without VALUE=DATE": "BEGIN:VEVENT\r\nUID:len-3@example.test\r\n"
                                       "DTSTAMP:20250101T000000Z\r\nDTSTART:20250601\r\n"
                                       "SUMMARY:Bare date\r\nEND:VEVENT\r\n",
        }
        for name, vevent in cases.items():
            with self.subTest(name):
                cid = self.new_calendar(name=f"Lenient {name}")
                r = self.admin.post(f"/api/v1/calendars/{cid}/import",
                                    raw=(ICS_HEAD + vevent + "END:VCALENDAR\r\n").encode(),
                                    content_type="text/calendar")
                self.assertStatus(r, 200)
                self.assertEqual((r.json()["created"], len(r.json()["warnings"])), (1, 1), str(r))
                items = self.instances(cid, "2025-05-31", "2025-06-03")
                self.assertEqual(len(items), 1, f"{name}: the imported event is not listed")
                self.assertStatus(self.admin.get(f"/api/v1/events/{items[0]['event_id']}"), 200)
                self.assertStatus(self.admin.get(f"/api/v1/calendars/{cid}/export.ics"), 200)

    def test_export_then_import_elsewhere_gives_the_same_instances(self):
        src = self.new_calendar(name="Export source")
        dst = self.new_calendar(name="Import target")
        eid = self.new_event(src, title="Series", description="a,b;c\\d\nsecond line",
                             categories=["x,y", "z"], start="2025-03-06T09:00:00-05:00",
                             end="2025-03-06T10:00:00-05:00", timezone="America/New_York",
                             rrule="FREQ=DAILY;COUNT=6")["id"]
        self.assertStatus(self.admin.patch(
            f"/api/v1/events/{eid}?" + query(recurrence_id="2025-03-08T09:00:00-05:00"),
            {"start": "2025-03-08T11:00:00-05:00", "end": "2025-03-08T12:00:00-05:00"}), 200)
        self.assertStatus(self.admin.delete(
            f"/api/v1/events/{eid}?" + query(recurrence_id="2025-03-10T09:00:00-04:00")), 200)
        ics = self.admin.get(f"/api/v1/calendars/{src}/export.ics").body
        r = self.admin.post(f"/api/v1/calendars/{dst}/import", raw=ics, content_type="text/calendar")
        self.assertEqual(r.json(), {"created": 1, "updated": 0, "warnings": []})

        def rows(cal):
            return [(i["start"], i["end"], i["title"], i["description"], i["categories"],
                     i["recurrence_id"], i["overridden"])
                    for i in self.instances(cal, "2025-03-01", "2025-03-20")]

        self.assertEqual(rows(dst), rows(src))
        self.assertEqual([r[0] for r in rows(src)],
                         ["2025-03-06T09:00:00-05:00", "2025-03-07T09:00:00-05:00",
                          "2025-03-08T11:00:00-05:00", "2025-03-09T09:00:00-04:00",
                          "2025-03-11T09:00:00-04:00"])
        self.assertEqual(rows(src)[0][3:5], ("a,b;c\\d\nsecond line", ["x,y", "z"]))
