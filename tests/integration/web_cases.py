"""What the web app needs from the server (docs/web.md): the built app served
at / from --web-root (media types, ETags and 304, gzip, cache lifetimes,
security headers, the router's own 404/405 outside the site), the page that
says the app is not built, and POST /api/v1/recurrence/preview, whose dates
are the ones the engine then stores and expands."""

from __future__ import annotations

import gzip
import os
import tempfile

from harness import ServerTestCase, query

TESTED_PATHS = {"/api/v1/recurrence/preview"}

INDEX = "<!doctype html><title>Almanac</title><script type=module src=/assets/app-1a2b3c.js></script>"
APP_JS = "export const greeting = 'hello';\n" * 200  # compresses well


def _site() -> str:
    root = tempfile.mkdtemp(prefix="almanac-web-")
    os.makedirs(os.path.join(root, "assets"))
    os.makedirs(os.path.join(root, ".hidden"))
    files = {"index.html": INDEX, "assets/app-1a2b3c.js": APP_JS,
             "manifest.webmanifest": '{"name": "Almanac"}', "sw.js": "self.addEventListener('fetch', () => {});",
             ".hidden/secret.txt": "no", ".env": "SECRET=1"}
    for name, text in files.items():
        with open(os.path.join(root, name), "w", encoding="utf-8") as f:
            f.write(text)
    return root


class StaticSiteTest(ServerTestCase):
    server_args = ("--web-root", _site())

    def test_index_at_root(self):
        r = self.server.client().get("/")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
        self.assertEqual(r.body.decode(), INDEX)
        self.assertEqual(r.header("Cache-Control"), "no-cache")
        csp = r.header("Content-Security-Policy") or ""
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(self.server.client().get("/index.html").body, r.body)

    def test_assets_are_immutable_with_etag_and_gzip(self):
        c = self.server.client()
        r = c.get("/assets/app-1a2b3c.js")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/javascript; charset=utf-8")
        self.assertEqual(r.header("Cache-Control"), "public, max-age=31536000, immutable")
        self.assertEqual(r.body.decode(), APP_JS)
        self.assertIsNone(r.header("Content-Encoding"))
        self.assertIn("Accept-Encoding", r.header("Vary") or "")
        etag = r.header("ETag")
        self.assertRegex(etag or "", r'^"[0-9a-f]{32}"$')
        z = c.get("/assets/app-1a2b3c.js", headers={"Accept-Encoding": "br, gzip;q=0.8"})
        self.assertEqual(z.header("Content-Encoding"), "gzip")
        self.assertLess(len(z.body), len(APP_JS) // 10)
        self.assertEqual(gzip.decompress(z.body).decode(), APP_JS)
        self.assertIsNone(c.get("/assets/app-1a2b3c.js",
                                headers={"Accept-Encoding": "gzip;q=0"}).header("Content-Encoding"))
        n = c.get("/assets/app-1a2b3c.js", headers={"If-None-Match": f'"x", {etag}'})
        self.assertEqual(n.status, 304)
        self.assertEqual(n.body, b"")
        self.assertEqual(n.header("ETag"), etag)
        self.assertEqual(c.get("/assets/app-1a2b3c.js", headers={"If-None-Match": '"other"'}).status, 200)

    def test_media_types(self):
        c = self.server.client()
        self.assertEqual(c.get("/manifest.webmanifest").header("Content-Type"),
                         "application/manifest+json")
        sw = c.get("/sw.js")
        self.assertEqual(sw.header("Cache-Control"), "no-cache")  # a new worker is seen at once

    def test_outside_the_site_the_router_answers(self):
        c = self.server.client()
        for path in ("/assets/missing.js", "/.env", "/.hidden/secret.txt", "/nothing-here"):
            with self.subTest(path=path):
                r = c.get(path)
                self.assertEqual(r.status, 404, str(r))
                self.assertEqual(r.header("Content-Type"), "application/problem+json")
        # Dot segments never reach the site.
        self.assertStatus(c.get("/assets/../index.html"), 400, "'..'")
        r = c.post("/", {})
        self.assertEqual(r.status, 405, str(r))
        self.assertIn("GET", r.header("Allow") or "")
        # The API keeps its own answers.
        self.assertStatus(c.get("/healthz"), 200)
        self.assertEqual(c.get("/api/v1/nothing").status, 404)
        self.assertEqual(c.get("/api/v1/me").status, 401)


class NotBuiltTest(ServerTestCase):
    server_args = ("--web-root", os.path.join(tempfile.gettempdir(), "almanac-no-such-web-root"))

    def test_root_says_how_to_build(self):
        r = self.server.client().get("/")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
        self.assertIn(b"npm run build", r.body)
        self.assertEqual(self.server.client().get("/assets/app.js").status, 404)


class RecurrencePreviewTest(ServerTestCase):

    def preview(self, client=None, **body):
        return (client or self.admin).post("/api/v1/recurrence/preview", body)

    def test_weekly_across_dst_in_the_events_zone(self):
        r = self.preview(start="2025-03-18T10:00:00+01:00", timezone="Europe/Berlin",
                         rrule="FREQ=WEEKLY;BYDAY=TU", count=4)
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual(body["occurrences"], ["2025-03-18T10:00:00+01:00", "2025-03-25T10:00:00+01:00",
                                               "2025-04-01T10:00:00+02:00", "2025-04-08T10:00:00+02:00"])
        self.assertTrue(body["more"])
        self.assertEqual((body["rrule"], body["timezone"]), ("FREQ=WEEKLY;BYDAY=TU", "Europe/Berlin"))

    def test_nth_and_last_weekdays_end_by_count_or_until(self):
        r = self.preview(start="2025-01-14T09:00:00Z", rrule="FREQ=MONTHLY;BYDAY=2TU;COUNT=3", count=10)
        self.assertEqual(r.json()["occurrences"], ["2025-01-14T09:00:00Z", "2025-02-11T09:00:00Z",
                                                   "2025-03-11T09:00:00Z"])
        self.assertFalse(r.json()["more"])
        r = self.preview(start="2025-01-31", rrule="FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20250430", count=10)
        self.assertEqual(r.json()["occurrences"], ["2025-01-31", "2025-02-28", "2025-03-28", "2025-04-25"])
        # An UNTIL date on a timed series is stored as the end of that day in UTC.
        r = self.preview(start="2025-06-02T09:00:00+02:00", timezone="Europe/Berlin",
                         rrule="FREQ=DAILY;INTERVAL=2;UNTIL=20250606", exdates=["2025-06-04T09:00:00+02:00"])
        self.assertEqual(r.json()["occurrences"], ["2025-06-02T09:00:00+02:00", "2025-06-06T09:00:00+02:00"])
        self.assertEqual(r.json()["rrule"], "FREQ=DAILY;UNTIL=20250606T215959Z;INTERVAL=2")

    def test_the_preview_is_what_the_event_expands_to(self):
        cal = self.admin.post("/api/v1/calendars", {"name": "Preview check", "timezone": "America/New_York"})
        self.assertStatus(cal, 201)
        rule = "FREQ=MONTHLY;BYDAY=-1FR;COUNT=6"
        p = self.preview(start="2025-01-31T17:00:00-05:00", timezone="America/New_York", rrule=rule, count=6)
        self.assertStatus(p, 200)
        ev = self.admin.post(f"/api/v1/calendars/{cal.json()['id']}/events",
                             {"title": "Review", "start": "2025-01-31T17:00:00-05:00",
                              "timezone": "America/New_York", "rrule": p.json()["rrule"]})
        self.assertStatus(ev, 201)
        listed = self.admin.get("/api/v1/events?" + query(**{"from": "2025-01-01T00:00:00Z",
                                                              "to": "2026-01-01T00:00:00Z",
                                                              "calendar": cal.json()["id"]}))
        self.assertEqual([i["start"] for i in listed.json()["items"]], p.json()["occurrences"])

    def test_bad_input_is_400_and_credentials_are_required(self):
        for body, detail in [({"rrule": "FREQ=DAILY"}, "start and rrule are required"),
                             ({"start": "2025-01-01T09:00:00Z"}, "start and rrule are required"),
                             ({"start": "2025-01-01T09:00:00Z", "rrule": "FREQ=SOMETIMES"}, "rrule"),
                             ({"start": "2025-01-01T09:00:00Z", "rrule": "FREQ=DAILY", "timezone": "Mars/Base"},
                              "Mars/Base"),
                             ({"start": "2025-01-01T09:00:00Z", "rrule": "FREQ=DAILY", "count": 0}, "count must be 1-366"),
                             ({"start": "2025-01-01T09:00:00Z", "rrule": "FREQ=DAILY", "count": 367}, "count must be 1-366"),
                             ({"start": "2025-01-01T09:00:00Z", "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
                              "produces no date"),
                             ({"start": "2025-01-01T09:00:00Z", "rrule": "FREQ=DAILY", "colour": "red"}, "colour")]:
            with self.subTest(body=body):
                self.assertStatus(self.preview(**body), 400, detail)
        r = self.server.client().post("/api/v1/recurrence/preview",
                                      {"start": "2025-01-01T09:00:00Z", "rrule": "FREQ=DAILY"})
        self.assertEqual(r.status, 401)


class SessionResumeTest(ServerTestCase):
    """GET /api/v1/session: a reloaded page gets its CSRF token back from the cookie."""

    def test_the_cookie_gives_back_the_session_and_its_token(self):
        r = self.server.client().post("/api/v1/session",
                                      {"username": "admin", "password": self.admin_password})
        self.assertStatus(r, 200)
        cookie = r.header("Set-Cookie").split(";")[0].split("=", 1)[1]
        again = self.server.client(cookie=cookie).get("/api/v1/session")
        self.assertStatus(again, 200)
        body = again.json()
        self.assertEqual(body["csrf_token"], r.json()["csrf_token"])
        self.assertEqual(body["user"]["username"], "admin")
        self.assertEqual(body["expires_at"], r.json()["expires_at"])
        self.assertEqual(again.header("Cache-Control"), "no-store")
        # The token works for a write.
        w = self.server.client(cookie=cookie, csrf=body["csrf_token"]).post(
            "/api/v1/calendars", {"name": "after reload"})
        self.assertStatus(w, 201)
        # No cookie, a bearer token only, or a signed-out cookie: 401.
        self.assertStatus(self.server.client().get("/api/v1/session"), 401)
        self.assertStatus(self.admin.get("/api/v1/session"), 401)
        out = self.server.client(cookie=cookie, csrf=body["csrf_token"]).request("DELETE", "/api/v1/session")
        self.assertStatus(out, 204)
        self.assertStatus(self.server.client(cookie=cookie).get("/api/v1/session"), 401)


ORGANIZED_ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Almanac tests//EN\r
BEGIN:VEVENT\r
UID:org-1@test\r
DTSTAMP:20250101T000000Z\r
DTSTART:20310304T090000Z\r
DTEND:20310304T100000Z\r
SUMMARY:Planning\r
ORGANIZER;CN=Ana Lima:mailto:Ana@Example.org\r
STATUS:TENTATIVE\r
PRIORITY:1\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:org-2@test\r
DTSTAMP:20250101T000000Z\r
DTSTART:20310305T090000Z\r
DTEND:20310305T100000Z\r
SUMMARY:Review\r
ORGANIZER:mailto:bo@example.org\r
PRIORITY:5\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:org-3@test\r
DTSTAMP:20250101T000000Z\r
DTSTART:20310306T090000Z\r
DTEND:20310306T100000Z\r
SUMMARY:Solo\r
STATUS:CANCELLED\r
END:VEVENT\r
END:VCALENDAR\r
"""


class EventFiltersTest(ServerTestCase):
    """GET /api/v1/events with organizer=, status= and priority_min/max=, and the
    instances' organizer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.admin.post("/api/v1/calendars", {"name": "Filters"})
        assert r.status == 201, str(r)
        cls.cal = r.json()["id"]
        r = cls.admin.post(f"/api/v1/calendars/{cls.cal}/import", raw=ORGANIZED_ICS.encode(),
                           content_type="text/calendar")
        assert r.status == 200, str(r)

    def titles(self, **params):
        params.setdefault("from", "2031-03-01T00:00:00Z")
        params.setdefault("to", "2031-04-01T00:00:00Z")
        params.setdefault("calendar", self.cal)
        r = self.admin.get("/api/v1/events?" + query(**params))
        self.assertStatus(r, 200)
        return [i["title"] for i in r.json()["items"]]

    def test_organizer_is_on_the_instances(self):
        r = self.admin.get("/api/v1/events?" + query(**{"from": "2031-03-01T00:00:00Z",
                                                         "to": "2031-04-01T00:00:00Z",
                                                         "calendar": self.cal}))
        by_title = {i["title"]: i for i in r.json()["items"]}
        self.assertEqual(by_title["Planning"]["organizer"], {"email": "Ana@Example.org", "name": "Ana Lima"})
        self.assertEqual(by_title["Review"]["organizer"], {"email": "bo@example.org", "name": ""})
        self.assertIsNone(by_title["Solo"]["organizer"])

    def test_filters(self):
        self.assertEqual(self.titles(), ["Planning", "Review", "Solo"])
        self.assertEqual(self.titles(organizer="ana@example.org"), ["Planning"])
        self.assertEqual(self.titles(organizer="nobody@example.org"), [])
        self.assertEqual(self.titles(status="tentative"), ["Planning"])
        self.assertEqual(self.titles(status=["confirmed", "cancelled"]), ["Review", "Solo"])
        self.assertEqual(self.titles(priority_min="1", priority_max="4"), ["Planning"])
        self.assertEqual(self.titles(priority_min="5"), ["Review"])
        self.assertEqual(self.titles(priority_max="0"), ["Solo"])  # 0: undefined
        # The filters combine with each other and with the text search.
        self.assertEqual(self.titles(status="confirmed", q="rev"), ["Review"])
        self.assertEqual(self.titles(status="confirmed", organizer="ana@example.org"), [])

    def test_events_given_attendees_name_their_organizer(self):
        """RFC 5545 3.8.4.3: a group-scheduled event names its organizer. An event
        the API gives attendees gets the caller as ORGANIZER; one without
        attendees gets none until it gains some; an ORGANIZER already there
        (here imported) stays."""
        me = next(u for u in self.admin.get("/api/v1/users").json()["items"]
                  if u["username"] == "admin")
        self.assertTrue(me["email"])
        r = self.admin.post("/api/v1/calendars", {"name": "Organised", "timezone": "UTC"})
        self.assertStatus(r, 201)
        cid = r.json()["id"]

        def make(title, day, **extra):
            r = self.admin.post(f"/api/v1/calendars/{cid}/events",
                                {"title": title, "start": f"2031-05-{day:02d}T09:00:00Z",
                                 "end": f"2031-05-{day:02d}T10:00:00Z", **extra})
            self.assertStatus(r, 201)
            return r.json()["id"]

        def organizers():
            r = self.admin.get("/api/v1/events?" + query(**{"from": "2031-05-01T00:00:00Z",
                                                             "to": "2031-06-01T00:00:00Z",
                                                             "calendar": cid}))
            self.assertStatus(r, 200)
            return {i["title"]: i["organizer"] for i in r.json()["items"]}

        make("Invite", 5, attendees=[{"email": "guest@example.org"}])
        alone = make("Alone", 6)
        ours = {"email": me["email"], "name": me["display_name"]}
        self.assertEqual(organizers(), {"Invite": ours, "Alone": None})
        self.assertEqual(self.titles(organizer=me["email"].upper(), calendar=cid,
                                     **{"from": "2031-05-01T00:00:00Z", "to": "2031-06-01T00:00:00Z"}),
                         ["Invite"])
        export = self.admin.get(f"/api/v1/calendars/{cid}/export.ics")
        self.assertStatus(export, 200)
        self.assertIn(f"ORGANIZER;CN={me['display_name']}:mailto:{me['email']}",
                      export.body.decode().replace("\r\n ", ""))

        # Gaining attendees later names the organizer too.
        p = self.admin.patch(f"/api/v1/events/{alone}", {"attendees": [{"email": "g2@example.org"}]})
        self.assertStatus(p, 200)
        self.assertEqual(organizers()["Alone"], ours)

        # An imported event's own ORGANIZER is kept when the API adds attendees.
        r = self.admin.get("/api/v1/events?" + query(**{"from": "2031-03-01T00:00:00Z",
                                                         "to": "2031-04-01T00:00:00Z",
                                                         "calendar": self.cal}))
        planning = next(i for i in r.json()["items"] if i["title"] == "Planning")
        p = self.admin.patch(f"/api/v1/events/{planning['event_id']}",
                             {"attendees": [{"email": "g3@example.org"}]})
        self.assertStatus(p, 200)
        self.assertEqual(self.titles(organizer="ana@example.org"), ["Planning"])
        self.assertEqual(self.titles(organizer=me["email"]), [])

    def test_bad_filters_are_400(self):
        for params, detail in [({"status": "maybe"}, "status must be"),
                               ({"priority_min": "10"}, "priority_min must be 0-9"),
                               ({"priority_max": "x"}, "priority_max must be 0-9"),
                               ({"priority_min": "5", "priority_max": "2"}, "priority_min must not be above")]:
            with self.subTest(params=params):
                p = {"from": "2031-03-01T00:00:00Z", "to": "2031-04-01T00:00:00Z", **params}
                self.assertStatus(self.admin.get("/api/v1/events?" + query(**p)), 400, detail)


class EventBookingsListTest(ServerTestCase):
    """GET /api/v1/bookings?event_id=N: the bookings an event holds."""

    def test_an_events_bookings_by_instance(self):
        room = self.admin.post("/api/v1/resources", {"type": "room", "name": "Loft"})
        self.assertStatus(room, 201)
        cal = self.admin.post("/api/v1/calendars", {"name": "Booked"}).json()["id"]
        ev = self.admin.post(f"/api/v1/calendars/{cal}/events",
                             {"title": "Weekly", "start": "2031-03-04T09:00:00Z",
                              "rrule": "FREQ=WEEKLY;COUNT=3"})
        self.assertStatus(ev, 201)
        eid = ev.json()["id"]
        made = self.admin.post("/api/v1/bookings", {"resource_id": room.json()["id"], "event_id": eid})
        self.assertStatus(made, 201)
        r = self.admin.get(f"/api/v1/bookings?event_id={eid}")
        self.assertStatus(r, 200)
        items = r.json()["items"]
        self.assertEqual([(b["recurrence_id"], b["start"], b["resource_name"]) for b in items],
                         [("2031-03-04T09:00:00Z", "2031-03-04T09:00:00Z", "Loft"),
                          ("2031-03-11T09:00:00Z", "2031-03-11T09:00:00Z", "Loft"),
                          ("2031-03-18T09:00:00Z", "2031-03-18T09:00:00Z", "Loft")])
        # A cancelled booking is no longer the event's.
        self.assertStatus(self.admin.post(f"/api/v1/bookings/{items[0]['id']}/cancel", {}), 200)
        self.assertEqual(len(self.admin.get(f"/api/v1/bookings?event_id={eid}").json()["items"]), 2)
        self.assertEqual(self.admin.get("/api/v1/bookings?event_id=999999").json()["items"], [])
        self.assertStatus(self.admin.get("/api/v1/bookings"), 400, "event_id=")
        self.assertStatus(self.admin.get("/api/v1/bookings?event_id=abc"), 400, "event_id must be")
        self.assertStatus(self.admin.get("/api/v1/bookings?event_id=1&x=2"), 400, "unknown query parameter")
        self.assertStatus(self.server.client().get(f"/api/v1/bookings?event_id={eid}"), 401)


class CompressionTest(ServerTestCase):
    """API answers are gzipped for clients that ask (the web app's first load),
    never when they carry an ETag (CalDAV's If-Match names one representation)."""

    def test_json_is_gzipped_when_accepted(self):
        c = self.server.client()
        plain = c.get("/api/v1/openapi.json")
        self.assertStatus(plain, 200)
        self.assertIsNone(plain.header("Content-Encoding"))
        self.assertIn("Accept-Encoding", plain.header("Vary") or "")
        z = c.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip, deflate"})
        self.assertEqual(z.header("Content-Encoding"), "gzip")
        self.assertLess(len(z.body), len(plain.body) // 4)
        self.assertEqual(gzip.decompress(z.body), plain.body)
        self.assertIsNone(c.get("/api/v1/openapi.json",
                                headers={"Accept-Encoding": "gzip;q=0, identity"}).header("Content-Encoding"))
        # Small answers are not worth it.
        self.assertIsNone(c.get("/healthz", headers={"Accept-Encoding": "gzip"}).header("Content-Encoding"))

    def test_answers_with_an_etag_are_sent_as_they_are(self):
        cal = self.admin.post("/api/v1/calendars", {"name": "Etag"}).json()["id"]
        ev = self.admin.post(f"/api/v1/calendars/{cal}/events",
                             {"title": "Long", "start": "2031-03-04T09:00:00Z", "description": "x" * 4000})
        self.assertStatus(ev, 201)
        r = self.admin.get(f"/api/v1/events/{ev.json()['id']}", headers={"Accept-Encoding": "gzip"})
        self.assertStatus(r, 200)
        self.assertTrue(r.header("ETag"))
        self.assertIsNone(r.header("Content-Encoding"))
        self.assertEqual(r.json()["description"], "x" * 4000)
