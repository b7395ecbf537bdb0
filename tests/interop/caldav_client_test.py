"""CalDAV interoperability with a real client library: Debian's python3-caldav.

Each class gets a fresh server (servers.SERVER). The client knows only the
server's root URL and the user's credentials; it finds the DAV context through
/.well-known/caldav (RFC 6764), the principal through current-user-principal
(RFC 5397) and the calendar home through calendar-home-set (RFC 4791 §6.2.1).

Where a reference server deviates from the RFCs the expectation is made
server-specific with the RFC section named; the strict expectation is the one
Almanac must meet.
"""

from __future__ import annotations

import urllib.parse
import uuid

import caldav
import requests  # the HTTP stack python3-caldav uses
from caldav.elements import dav
from caldav.lib import error as caldav_error

import ical_fixtures as fx
from interop_common import (NS, CURRENT_USER_PRINCIPAL_BODY, ServerTestCase, clark, connect,
                            http, parse_multistatus, path_of, same_origin, well_known_context)

ICS = {"Content-Type": "text/calendar; charset=utf-8"}


def _get(client: caldav.DAVClient, url):
    return client.request(str(url), "GET")


def _bytes(response) -> bytes:
    raw = response.raw
    return raw if isinstance(raw, bytes) else raw.encode("utf-8")


def _text(response) -> str:
    """The body as text (python3-caldav has already turned CRLF into LF)."""
    return _bytes(response).decode("utf-8")


def _etag(response) -> str | None:
    return response.headers.get("ETag")


class DiscoveryTest(ServerTestCase):
    """Discovery, authentication, calendar collections (MKCALENDAR, PROPFIND, DELETE)."""

    def test_well_known_redirects_to_context(self):
        status, context = well_known_context(self.server)
        # RFC 6764 §5: the well-known URI redirects to the context path (or serves
        # it directly with 207).
        self.assertIn(status, (207, 301, 302, 303, 307, 308), self.failure_context())
        self.assertTrue(same_origin(context, self.server.base_url), context)
        client, principal = connect(self.server)
        self.addCleanup(client.close)
        self.assertTrue(same_origin(principal.url, self.server.base_url), principal.url)

    def test_principal_is_a_principal_with_a_calendar_home(self):
        client, principal = connect(self.server)
        self.addCleanup(client.close)
        body = (b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" '
                b'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:resourcetype/>'
                b'<D:displayname/><C:calendar-home-set/><D:current-user-principal/>'
                b'</D:prop></D:propfind>')
        r = client.propfind(str(principal.url), body, depth=0)
        self.assertEqual(r.status, 207)
        ms = parse_multistatus(_bytes(r))
        self.assertEqual(len(ms), 1, ms)
        props = next(iter(ms.values()))["props"]
        # RFC 3744 §4: a principal's resourcetype contains DAV:principal.
        self.assertIsNotNone(props[clark("D", "resourcetype")].find("D:principal", NS))
        # RFC 5397 §3: on the principal itself it points back at the same URL.
        cup = props[clark("D", "current-user-principal")].find("D:href", NS).text
        self.assertEqual(path_of(urllib.parse.urljoin(str(principal.url), cup)),
                         path_of(principal.url))
        home = props[clark("C", "calendar-home-set")].find("D:href", NS).text
        self.assertEqual(path_of(urllib.parse.urljoin(str(principal.url), home)),
                         path_of(principal.calendar_home_set.url))
        self.assertTrue(same_origin(principal.calendar_home_set.url, self.server.base_url))

    def test_wrong_or_missing_credentials_get_401(self):
        client, principal = connect(self.server)
        self.addCleanup(client.close)
        for auth in (None, (self.server.username, "not the password"), ("nobody", "x")):
            r = requests.request("PROPFIND", str(principal.url), auth=auth,
                                 data=CURRENT_USER_PRINCIPAL_BODY,
                                 headers={"Depth": "0", "Content-Type": "application/xml"},
                                 timeout=15)
            self.assertEqual(r.status_code, 401, f"auth {auth!r}: {r.text[:300]}")
            # RFC 7235 §3.1: a 401 carries a challenge; clients look for Basic.
            self.assertIn("basic", r.headers.get("WWW-Authenticate", "").lower())

    def test_mkcalendar_list_props_and_delete(self):
        client, principal = connect(self.server)
        self.addCleanup(client.close)
        name = "Wörk calendar ✓"
        before = {path_of(c.url) for c in principal.calendars()}
        cal = principal.make_calendar(name=name,
                                      supported_calendar_component_set=["VEVENT", "VTODO"])
        self.assertTrue(path_of(cal.url).startswith(path_of(principal.calendar_home_set.url)),
                        cal.url)
        listed = {path_of(c.url): c for c in principal.calendars()}
        self.assertEqual(set(listed) - before, {path_of(cal.url)})
        self.assertEqual(listed[path_of(cal.url)].get_display_name(), name)
        self.assertTrue({"VEVENT", "VTODO"} <= set(cal.get_supported_components()),
                        cal.get_supported_components())

        body = (b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" '
                b'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:resourcetype/>'
                b'<D:displayname/><D:sync-token/><D:supported-report-set/>'
                b'</D:prop></D:propfind>')
        r = client.propfind(str(cal.url), body, depth=0)
        self.assertEqual(r.status, 207)
        props = parse_multistatus(_bytes(r))[path_of(cal.url)]["props"]
        rt = props[clark("D", "resourcetype")]
        # RFC 4791 §4.2: a calendar collection is DAV:collection and CALDAV:calendar.
        self.assertIsNotNone(rt.find("D:collection", NS))
        self.assertIsNotNone(rt.find("C:calendar", NS))
        self.assertEqual(props[clark("D", "displayname")].text, name)
        # RFC 6578 §4: DAV:sync-token is a URI; §3.1 sync-collection is advertised.
        self.assertTrue((props[clark("D", "sync-token")].text or "").strip())
        reports = {el.tag for el in props[clark("D", "supported-report-set")].iter()}
        for report in (clark("D", "sync-collection"), clark("C", "calendar-query"),
                       clark("C", "calendar-multiget")):
            self.assertIn(report, reports)

        # PROPPATCH the display name.
        cal.set_properties([dav.DisplayName("Renamed ✓")])
        self.assertEqual(cal.get_display_name(), "Renamed ✓")

        # RFC 4791 §5.3.1.1 (DAV:resource-must-be-null): MKCALENDAR on an existing
        # collection fails and leaves it alone.
        r = client.mkcalendar(str(cal.url), "")
        self.assertIn(r.status, (403, 405, 409), r.raw)
        self.assertEqual(cal.get_display_name(), "Renamed ✓")

        cal.delete()
        self.assertNotIn(path_of(cal.url), {path_of(c.url) for c in principal.calendars()})
        r = client.propfind(str(cal.url), body, depth=0)
        self.assertEqual(r.status, 404)


class EventsAndTasksTest(ServerTestCase):
    """Writing events and tasks, time-range queries with and without expand,
    searches, multiget, ETag preconditions and deletes."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.client, cls.principal = connect(cls.server)
        cls.addClassCleanup(cls.client.close)
        cls.cal = cls.principal.make_calendar(
            name="Events & tasks", supported_calendar_component_set=["VEVENT", "VTODO"])
        cls.urls = {}
        for uid, ics in fx.ALL_EVENTS.items():
            cls.urls[uid] = cls.cal.save_event(ics).url
        for uid, ics in fx.ALL_TODOS.items():
            cls.urls[uid] = cls.cal.save_todo(ics).url
        cls.scratch = cls.principal.make_calendar(
            name="Scratch", supported_calendar_component_set=["VEVENT", "VTODO"])

    # -- writing and reading back --

    def test_objects_round_trip(self):
        for uid, url in self.urls.items():
            with self.subTest(uid=uid):
                r = _get(self.client, url)
                self.assertEqual(r.status, 200)
                self.assertTrue(r.headers.get("Content-Type", "").startswith("text/calendar"),
                                r.headers.get("Content-Type"))
                self.assertTrue(_etag(r), "GET must return an ETag (RFC 4791 §5.3.4)")
                self.assertEqual(fx.uids(_text(r)), {uid})

        text = _text(_get(self.client, self.urls[fx.UNICODE_UID]))
        ev = fx.components(text, "VEVENT")
        self.assertEqual(len(ev), 1)
        self.assertEqual(fx.prop_text(ev[0], "SUMMARY"), fx.UNICODE_SUMMARY)
        self.assertEqual(fx.prop_text(ev[0], "LOCATION"), fx.UNICODE_LOCATION)
        self.assertEqual(fx.prop_text(ev[0], "DESCRIPTION"), fx.UNICODE_DESCRIPTION)

        weekly = fx.components(_text(_get(self.client, self.urls[fx.WEEKLY_UID])), "VEVENT")
        self.assertEqual(len(weekly), 2, "master and override live in one resource")
        master = [c for c in weekly if "RECURRENCE-ID" not in c][0]
        override = [c for c in weekly if "RECURRENCE-ID" in c][0]
        self.assertIn("FREQ=WEEKLY", master["RRULE"][0])
        self.assertTrue(master["EXDATE"][0].endswith("20250317T140000"), master["EXDATE"])
        self.assertTrue(override["RECURRENCE-ID"][0].endswith("20250324T140000"))
        self.assertEqual(fx.prop_text(override, "SUMMARY"), fx.WEEKLY_MOVED_SUMMARY)

        allday = fx.components(_text(_get(self.client, self.urls[fx.ALLDAY_UID])), "VEVENT")[0]
        self.assertEqual(allday["DTSTART"][0].upper(), "DTSTART;VALUE=DATE:20250312")

    def test_propfind_lists_objects_with_etag_and_content_type(self):
        # What vdirsyncer and most sync clients rely on (RFC 4918 §9.1, depth 1).
        body = (b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>'
                b'<D:resourcetype/><D:getcontenttype/><D:getetag/></D:prop></D:propfind>')
        r = self.client.propfind(str(self.cal.url), body, depth=1)
        self.assertEqual(r.status, 207)
        ms = parse_multistatus(_bytes(r))
        members = {h: e for h, e in ms.items() if h.rstrip("/") != path_of(self.cal.url).rstrip("/")}
        self.assertEqual(set(members), {path_of(u) for u in self.urls.values()})
        for href, entry in members.items():
            with self.subTest(href=href):
                self.assertTrue(entry["props"][clark("D", "getetag")].text)
                ctype = entry["props"][clark("D", "getcontenttype")].text
                self.assertTrue(ctype.startswith("text/calendar"), ctype)
                get = _get(self.client, href if "://" in href else
                           urllib.parse.urljoin(str(self.cal.url), href))
                self.assertEqual(_etag(get), entry["props"][clark("D", "getetag")].text)

    # -- calendar-query --

    def _event_uids(self, start, end) -> set[str]:
        found = self.cal.search(comp_class=caldav.Event, start=start, end=end)
        return set().union(*[fx.uids(o.data) for o in found]) if found else set()

    def test_time_range_without_expand(self):
        # RFC 4791 §9.9: a recurring event matches when any instance overlaps.
        cases = [
            ((2025, 3, 10), (2025, 3, 17),
             {fx.SINGLE_UID, fx.ALLDAY_UID, fx.WEEKLY_UID, fx.UNICODE_UID}),
            # Only the EXDATE'd Monday Mar 17 falls here.
            ((2025, 3, 17), (2025, 3, 18), set()),
            # Mar 24 was moved to Mar 25 by the override.
            ((2025, 3, 24), (2025, 3, 25), set()),
            ((2025, 3, 25), (2025, 3, 26), {fx.WEEKLY_UID}),
            # The 8th and last instance is Apr 21; nothing after.
            ((2025, 4, 21), (2025, 4, 22), {fx.WEEKLY_UID}),
            ((2025, 4, 22), (2025, 6, 1), set()),
            # The all-day event is the whole of Mar 12 in floating time; a window
            # inside that UTC day finds it (RFC 4791 §9.9 uses the UTC day for
            # floating values when no time zone is given).
            ((2025, 3, 12, 11), (2025, 3, 12, 12), {fx.ALLDAY_UID}),
            # The single event is 08:00-09:00Z; windows touching only its ends miss it.
            ((2025, 3, 10, 7), (2025, 3, 10, 8), set()),
            ((2025, 3, 10, 9), (2025, 3, 10, 14), {fx.WEEKLY_UID}),
        ]
        for start, end, expected in cases:
            with self.subTest(start=start, end=end):
                self.assertEqual(self._event_uids(fx.utc(*start), fx.utc(*end)), expected)

    def test_time_range_with_server_expand(self):
        # RFC 4791 §9.6.5: with CALDAV:expand the server returns one component per
        # instance in the window, with RECURRENCE-ID, no RRULE/RDATE/EXDATE, no
        # VTIMEZONE, and date-times in UTC.
        start, end = fx.utc(2025, 3, 1), fx.utc(2025, 4, 1)
        xml, _ = self.cal.build_search_xml_query(comp_class=caldav.Event, expand=True,
                                                 start=start, end=end)
        # search(xml=...) sends the query as is; the library's own client-side
        # expansion only runs for search(expand=True), so this sees the server's work.
        found = self.cal.search(xml=xml, comp_class=caldav.Event)
        by_uid = {}
        for o in found:
            for u in fx.uids(o.data):
                by_uid[u] = o.data
        self.assertEqual(set(by_uid), {fx.SINGLE_UID, fx.ALLDAY_UID, fx.WEEKLY_UID,
                                       fx.UNICODE_UID})
        weekly = by_uid[fx.WEEKLY_UID]
        if self.server_is("radicale"):
            # Deviation: Radicale 3.1.8 ignores CALDAV:expand (RFC 4791 §9.6.5) and
            # returns the stored master with its RRULE.
            self.assertIn("RRULE:", weekly)
            return
        comps = fx.components(weekly, "VEVENT")
        self.assertNotIn("BEGIN:VTIMEZONE", weekly.upper())
        got = []
        for c in comps:
            for forbidden in ("RRULE", "RDATE", "EXDATE", "EXRULE"):
                self.assertNotIn(forbidden, c, c)
            self.assertIn("RECURRENCE-ID", c, "each expanded instance names its instance")
            rid = fx.value(c["RECURRENCE-ID"][0])
            dtstart = fx.value(c["DTSTART"][0])
            self.assertTrue(rid.endswith("Z") and dtstart.endswith("Z"), (rid, dtstart))
            got.append((rid, dtstart, fx.prop_text(c, "SUMMARY")))
        expected = [(r.strftime("%Y%m%dT%H%M%SZ"), s.strftime("%Y%m%dT%H%M%SZ"),
                     fx.WEEKLY_MOVED_SUMMARY if r != s else fx.WEEKLY_SUMMARY)
                    for r, s in fx.WEEKLY_MARCH_INSTANCES]
        self.assertEqual(sorted(got), sorted(expected))
        # A non-recurring event is returned as one component, in UTC.
        single = fx.components(by_uid[fx.SINGLE_UID], "VEVENT")
        self.assertEqual(len(single), 1)
        self.assertEqual(fx.value(single[0]["DTSTART"][0]), "20250310T080000Z")

    def test_time_range_with_client_expand(self):
        # What applications see through the library (it expands client-side when a
        # server returns the master): the March instances, the override, no Mar 17.
        found = self.cal.search(comp_class=caldav.Event, start=fx.utc(2025, 3, 1),
                                end=fx.utc(2025, 4, 1), expand=True)
        starts = {}
        for o in found:
            comp = o.icalendar_component
            if str(comp["UID"]) == fx.WEEKLY_UID:
                starts[comp["DTSTART"].dt.astimezone(fx.UTC)] = str(comp["SUMMARY"])
        expected = {s: (fx.WEEKLY_MOVED_SUMMARY if r != s else fx.WEEKLY_SUMMARY)
                    for r, s in fx.WEEKLY_MARCH_INSTANCES}
        self.assertEqual(starts, expected)
        self.assertNotIn(fx.WEEKLY_EXDATE_UTC, starts)

    def test_todo_searches(self):
        pending = self.cal.todos()
        self.assertEqual([str(t.icalendar_component["UID"]) for t in pending], [fx.TODO_OPEN_UID])
        # todos() filters on the client too, so ask the server itself: RFC 4791
        # §7.8.9's pending-task query (COMPLETED is-not-defined §9.7.4, STATUS
        # negated text-match §9.7.5), sent as is.
        xml, _ = self.cal.build_search_xml_query(todo=True, ignore_completed1=True)
        raw = self.cal.search(xml=xml, comp_class=caldav.Todo)
        self.assertEqual(set().union(*[fx.uids(t.data) for t in raw]) if raw else set(),
                         {fx.TODO_OPEN_UID})
        everything = self.cal.todos(include_completed=True)
        self.assertEqual({str(t.icalendar_component["UID"]) for t in everything},
                         {fx.TODO_OPEN_UID, fx.TODO_DONE_UID})
        # RFC 4791 §9.9: a VTODO with only DUE overlaps when start < DUE <= end.
        due_window = self.cal.search(comp_class=caldav.Todo, start=fx.utc(2025, 3, 14),
                                     end=fx.utc(2025, 3, 15))
        self.assertEqual({str(t.icalendar_component["UID"]) for t in due_window},
                         {fx.TODO_OPEN_UID})
        # Events are not tasks and tasks are not events.
        self.assertFalse(fx.uids("".join(t.data for t in everything)) & set(fx.ALL_EVENTS))
        events = self.cal.search(comp_class=caldav.Event)
        self.assertEqual(set().union(*[fx.uids(e.data) for e in events]), set(fx.ALL_EVENTS))

    def test_uid_and_text_searches(self):
        ev = self.cal.event_by_uid(fx.UNICODE_UID)
        self.assertEqual(str(ev.icalendar_component["SUMMARY"]), fx.UNICODE_SUMMARY)
        self.assertEqual(path_of(ev.url), path_of(self.urls[fx.UNICODE_UID]))
        with self.assertRaises(caldav_error.NotFoundError):
            self.cal.event_by_uid("no-such-uid")
        # RFC 4791 §9.7.5 text-match is a substring match. python3-caldav 0.11
        # asks for collation i;octet (RFC 4790 §9.3: bytes compared exactly),
        # so the exact spelling matches and another case does not (Radicale
        # ignores the collation and matches both).
        hits = self.cal.search(comp_class=caldav.Event, summary="Café Zürich")
        self.assertEqual(set().union(*[fx.uids(h.data) for h in hits]) if hits else set(),
                         {fx.UNICODE_UID})
        hits = self.cal.search(comp_class=caldav.Event, summary="café zürich")
        if not self.server_is("radicale"):
            self.assertEqual(set().union(*[fx.uids(h.data) for h in hits]) if hits else set(),
                             set())
        hits = self.cal.search(comp_class=caldav.Event, summary="Weekly")
        self.assertEqual(set().union(*[fx.uids(h.data) for h in hits]) if hits else set(),
                         {fx.WEEKLY_UID})
        # A case-insensitive match through a raw REPORT (i;unicode-casemap).
        body = ('<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" '
                'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter>'
                '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
                '<C:prop-filter name="SUMMARY"><C:text-match collation="i;unicode-casemap">'
                'CAFÉ ZÜRICH</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>'
                '</C:filter></C:calendar-query>')
        if not self.server_is("radicale"):
            r = http(self.server, "REPORT", self.cal.url, body.encode("utf-8"),
                     {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"})
            self.assertEqual(r.status_code, 207, r.text)
            self.assertIn(fx.UNICODE_UID, r.text)
            self.assertNotIn(fx.WEEKLY_UID, r.text)

    # -- calendar-multiget --

    def test_calendar_multiget(self):
        wanted = [fx.SINGLE_UID, fx.WEEKLY_UID, fx.UNICODE_UID, fx.TODO_OPEN_UID]
        got = self.cal.calendar_multiget([self.urls[u] for u in wanted])
        self.assertEqual({path_of(o.url) for o in got}, {path_of(self.urls[u]) for u in wanted})
        by_path = {path_of(o.url): o.data for o in got}
        for u in wanted:
            self.assertEqual(fx.uids(by_path[path_of(self.urls[u])]), {u})
        self.assertIn(fx.UNICODE_SUMMARY, by_path[path_of(self.urls[fx.UNICODE_UID])])

        # A missing href gets its own 404 response (RFC 4791 §7.9, RFC 4918 §9.1).
        missing = urllib.parse.urljoin(str(self.cal.url), "does-not-exist.ics")
        body = ('<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget xmlns:D="DAV:" '
                'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/>'
                f'</D:prop><D:href>{path_of(self.urls[fx.SINGLE_UID])}</D:href>'
                f'<D:href>{path_of(missing)}</D:href></C:calendar-multiget>')
        r = self.client.report(str(self.cal.url), body, depth=1)
        self.assertEqual(r.status, 207)
        ms = parse_multistatus(_bytes(r))
        self.assertEqual(set(ms), {path_of(self.urls[fx.SINGLE_UID]), path_of(missing)})
        self.assertIn(" 404 ", ms[path_of(missing)]["status"] or
                      " ".join(ms[path_of(missing)]["prop_status"].values()))
        self.assertEqual(fx.uids(ms[path_of(self.urls[fx.SINGLE_UID])]["props"]
                                 [clark("C", "calendar-data")].text), {fx.SINGLE_UID})

    # -- writes with preconditions, deletes (in their own calendar, so that a
    #    failure half-way leaves nothing behind in the queried one) --

    def _scratch_url(self, name: str) -> str:
        return urllib.parse.urljoin(str(self.scratch.url), name)

    def test_put_with_etag_preconditions(self):
        uid = "interop-etag-" + uuid.uuid4().hex[:8]
        url = self._scratch_url(uid + ".ics")
        v1 = fx.simple_event(uid, "Version one", fx.date(2025, 3, 20))
        r = http(self.server, "PUT", url, v1, {**ICS, "If-None-Match": "*"})
        self.assertEqual(r.status_code, 201, r.text)
        put_etag = r.headers.get("ETag")
        g = http(self.server, "GET", url)
        etag1 = g.headers.get("ETag")
        self.assertTrue(etag1)
        if put_etag:  # RFC 4791 §5.3.4: an ETag on PUT is the stored object's.
            self.assertEqual(put_etag, etag1)

        # Create-only on an existing resource fails (RFC 7232 §3.2).
        r = http(self.server, "PUT", url, fx.simple_event(uid, "Clobbered", fx.date(2025, 3, 20)),
                 {**ICS, "If-None-Match": "*"})
        self.assertEqual(r.status_code, 412)

        v2 = fx.simple_event(uid, "Version two", fx.date(2025, 3, 20))
        r = http(self.server, "PUT", url, v2, {**ICS, "If-Match": etag1})
        if self.server_is("radicale"):
            # Deviation: Radicale answers an update with 201; RFC 7231 §4.3.4 says
            # a modified existing resource gets 200 or 204.
            self.assertEqual(r.status_code, 201, r.text)
        else:
            self.assertIn(r.status_code, (200, 204), r.text)
        etag2 = http(self.server, "GET", url).headers.get("ETag")
        self.assertNotEqual(etag1, etag2)

        # A stale ETag: 412 and nothing changes (RFC 7232 §3.1).
        r = http(self.server, "PUT", url,
                 fx.simple_event(uid, "Lost update", fx.date(2025, 3, 20)),
                 {**ICS, "If-Match": etag1})
        self.assertEqual(r.status_code, 412)
        g = http(self.server, "GET", url)
        self.assertIn("SUMMARY:Version two", g.text)
        self.assertEqual(g.headers.get("ETag"), etag2)
        # If-Match on a resource that does not exist fails too.
        r = http(self.server, "PUT", self._scratch_url("never-created.ics"),
                 fx.simple_event("never-created", "Ghost", fx.date(2025, 3, 20)),
                 {**ICS, "If-Match": etag2})
        self.assertEqual(r.status_code, 412)
        self.assertEqual(http(self.server, "GET", self._scratch_url("never-created.ics"))
                         .status_code, 404)

        r = http(self.server, "DELETE", url, headers={"If-Match": etag1})
        self.assertEqual(r.status_code, 412)
        self.assertEqual(http(self.server, "GET", url).status_code, 200)
        r = http(self.server, "DELETE", url, headers={"If-Match": etag2})
        self.assertIn(r.status_code, (200, 204))
        self.assertEqual(http(self.server, "GET", url).status_code, 404)
        self.assertEqual(http(self.server, "DELETE", url).status_code, 404)

    def test_library_update_and_delete(self):
        uid = "interop-edit-" + uuid.uuid4().hex[:8]
        ev = self.scratch.save_event(fx.simple_event(uid, "Draft title", fx.date(2025, 3, 21)))
        ev.icalendar_component["SUMMARY"] = "Final title"
        ev.save()
        again = self.scratch.event_by_uid(uid)
        self.assertEqual(str(again.icalendar_component["SUMMARY"]), "Final title")
        self.assertEqual(path_of(again.url), path_of(ev.url))
        found = self.scratch.search(comp_class=caldav.Event, start=fx.utc(2025, 3, 21),
                                    end=fx.utc(2025, 3, 22))
        self.assertIn(uid, set().union(*[fx.uids(o.data) for o in found]))
        again.delete()
        self.assertEqual(http(self.server, "GET", ev.url).status_code, 404)
        self.assertEqual(self.scratch.search(comp_class=caldav.Event, start=fx.utc(2025, 3, 21),
                                             end=fx.utc(2025, 3, 22)), [])
        with self.assertRaises(caldav_error.NotFoundError):
            self.scratch.event_by_uid(uid)

    def test_uid_conflict_and_bad_data_are_rejected(self):
        # RFC 4791 §5.3.2.1 (CALDAV:no-uid-conflict): the same UID at a second URL
        # of one calendar is refused.
        first = self._scratch_url("uid-conflict-a.ics")
        second = self._scratch_url("uid-conflict-b.ics")
        ics = fx.simple_event("interop-uid-conflict", "First", fx.date(2025, 3, 22))
        self.assertEqual(http(self.server, "PUT", first, ics, ICS).status_code, 201)
        r = http(self.server, "PUT", second, ics, {**ICS, "If-None-Match": "*"})
        self.assertIn(r.status_code, (403, 409), r.text)
        if not self.server_is("radicale"):
            # Deviation: Radicale answers a bare 409 without the precondition
            # element RFC 4791 §5.3.2.1 (and RFC 4918 §16) asks for.
            self.assertIn("no-uid-conflict", r.text)
        self.assertEqual(http(self.server, "GET", second).status_code, 404)

        # Malformed iCalendar (RFC 4791 §5.3.2.1 CALDAV:valid-calendar-data).
        url = self._scratch_url("broken.ics")
        r = http(self.server, "PUT", url, "BEGIN:VCALENDAR\r\nthis is not icalendar\r\n", ICS)
        self.assertIn(r.status_code, (400, 403, 415, 422), r.text)
        self.assertEqual(http(self.server, "GET", url).status_code, 404)

        # A VJOURNAL where only VEVENT and VTODO are supported
        # (CALDAV:supported-calendar-component, RFC 4791 §5.3.2.1).
        journal = fx.vcalendar("\n".join(["BEGIN:VJOURNAL", "UID:interop-journal-1",
                                          fx.DTSTAMP, "DTSTART;VALUE=DATE:20250301",
                                          "SUMMARY:Notes", "END:VJOURNAL"]),
                               timezone_needed=False)
        url = self._scratch_url("journal.ics")
        r = http(self.server, "PUT", url, journal, ICS)
        if self.server_is("radicale"):
            # Deviation: Radicale does not enforce supported-calendar-component-set
            # on PUT (RFC 4791 §5.3.2.1).
            self.assertIn(r.status_code, (200, 201, 204), r.text)
        else:
            self.assertIn(r.status_code, (403, 409), r.text)
            self.assertIn("supported-calendar-component", r.text)
            self.assertEqual(http(self.server, "GET", url).status_code, 404)


class SyncCollectionTest(ServerTestCase):
    """RFC 6578 incremental sync through the library's objects_by_sync_token."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.client, cls.principal = connect(cls.server)
        cls.addClassCleanup(cls.client.close)
        cls.cal = cls.principal.make_calendar(name="Sync",
                                              supported_calendar_component_set=["VEVENT", "VTODO"])

    def _changes(self, token):
        result = self.cal.objects_by_sync_token(sync_token=token)
        return {path_of(o.url) for o in result}, result.sync_token

    def test_incremental_sync(self):
        objs = {}
        for uid, ics in [(fx.SINGLE_UID, fx.SINGLE), (fx.WEEKLY_UID, fx.WEEKLY),
                         (fx.UNICODE_UID, fx.UNICODE), (fx.TODO_OPEN_UID, fx.TODO_OPEN)]:
            objs[uid] = (self.cal.save_todo(ics) if "VTODO" in ics else self.cal.save_event(ics))

        # Initial: everything, and a token.
        initial, token0 = self._changes(None)
        self.assertEqual(initial, {path_of(o.url) for o in objs.values()})
        self.assertTrue(token0)

        # Change one, add one, delete one.
        single = objs[fx.SINGLE_UID]
        single.icalendar_component["SUMMARY"] = "Planning meeting (agenda attached)"
        single.save()
        added = self.cal.save_event(fx.simple_event("interop-sync-added", "Added later",
                                                    fx.date(2025, 3, 19)))
        objs[fx.UNICODE_UID].delete()
        changed, token1 = self._changes(token0)
        self.assertEqual(changed, {path_of(single.url), path_of(added.url),
                                   path_of(objs[fx.UNICODE_UID].url)})
        self.assertNotEqual(token1, token0)

        # RFC 6578 §3.5.2: the removed member is reported with 404 and no props.
        body = ('<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:">'
                f'<D:sync-token>{token0}</D:sync-token><D:sync-level>1</D:sync-level>'
                '<D:prop><D:getetag/></D:prop></D:sync-collection>')
        r = self.client.report(str(self.cal.url), body, depth=0)
        self.assertEqual(r.status, 207)
        ms = parse_multistatus(_bytes(r))
        gone = ms[path_of(objs[fx.UNICODE_UID].url)]
        self.assertIn(" 404 ", gone["status"] or "", gone)
        for still in (single, added):
            self.assertTrue(ms[path_of(still.url)]["props"][clark("D", "getetag")].text)

        # Nothing changed since token1: nothing comes back.
        nothing, token2 = self._changes(token1)
        self.assertEqual(nothing, set())
        self.assertTrue(token2)

        # An initial sync (empty token) after the delete lists the live members
        # only (RFC 6578 §3.4: it MUST NOT return removed member URLs).
        live = {path_of(single.url), path_of(added.url), path_of(objs[fx.WEEKLY_UID].url),
                path_of(objs[fx.TODO_OPEN_UID].url)}
        removed = path_of(objs[fx.UNICODE_UID].url)
        initial_again, _ = self._changes(None)
        if self.server_is("radicale"):
            # Deviation: Radicale 3.1.8 also reports the removed member (with 404)
            # in an initial sync, against RFC 6578 §3.4.
            self.assertEqual(initial_again, live | {removed})
        else:
            self.assertEqual(initial_again, live)

        # The library's cached collection: sync() sorts changes into updated/deleted.
        collection = self.cal.objects(load_objects=True)
        self.assertEqual({path_of(o.url) for o in collection if o.data}, live)
        added.icalendar_component["SUMMARY"] = "Added later (edited)"
        added.save()
        objs[fx.TODO_OPEN_UID].delete()
        updated, deleted = collection.sync()
        self.assertEqual([path_of(o.url) for o in updated], [path_of(added.url)])
        self.assertIn("Added later (edited)", updated[0].data)
        self.assertEqual([path_of(o.url) for o in deleted], [path_of(objs[fx.TODO_OPEN_UID].url)])
        self.assertEqual(collection.sync(), ([], []))

    def test_invalid_sync_token_is_rejected(self):
        body = ('<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:">'
                '<D:sync-token>http://example.invalid/sync/forged-token</D:sync-token>'
                '<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>'
                '</D:sync-collection>')
        r = http(self.server, "REPORT", self.cal.url, body,
                 {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"})
        # RFC 6578 §3.2: 403 with the DAV:valid-sync-token precondition.
        self.assertEqual(r.status_code, 403, r.text)
        self.assertIn("valid-sync-token", r.text)
