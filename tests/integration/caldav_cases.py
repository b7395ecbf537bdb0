"""CalDAV over raw HTTP (src/caldav/dav_server.cpp over src/domain/dav.h):
every precondition and error path of RFC 4918 (WebDAV), RFC 4791 (CalDAV),
RFC 5689 (extended MKCOL), RFC 6578 (sync-collection) and RFC 6764
(discovery), and authentication. Each refusal is checked for its status, the
DAV:error element it names, and that nothing was stored (a GET, a PROPFIND or
the REST API afterwards). The real clients are in tests/interop.

Users speak HTTP Basic with the harness's passwords (pw-NAME-secret).
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from harness import Client, HarnessError, ServerTestCase, create_token

ACCESS_5XX = re.compile(r"\[access\] \[\w+\] (\S+) (\S+) (5\d\d) ")

D = "DAV:"
C = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
A = "http://apple.com/ns/ical/"
X = "urn:x-almanac-test:dead"  # a namespace the server knows nothing of

XML_TYPE = "application/xml; charset=utf-8"
PROLOG = '<?xml version="1.0" encoding="utf-8"?>\n'
NSDECL = f'xmlns:D="{D}" xmlns:C="{C}" xmlns:CS="{CS}" xmlns:A="{A}"'
STAMP = "DTSTAMP:20250101T000000Z"

BERLIN = [
    "BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
    "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
    "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE"]


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


# ---- iCalendar bodies ---------------------------------------------------------------


def vcal(*components: list[str], extra: tuple[str, ...] = ()) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Almanac CalDAV tests//EN", *extra]
    for c in components:
        lines += c
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def comp(kind: str, uid: str, *props: str) -> list[str]:
    return [f"BEGIN:{kind}", f"UID:{uid}", STAMP, *props, f"END:{kind}"]


def vevent(uid: str, *props: str) -> list[str]:
    return comp("VEVENT", uid, *props)


def event_ics(uid: str, start: str = "20250401T090000Z", end: str = "20250401T100000Z",
              summary: str = "Event", *props: str) -> str:
    return vcal(vevent(uid, f"DTSTART:{start}", f"DTEND:{end}", f"SUMMARY:{summary}", *props))


def unfold(text: str) -> str:
    return re.sub(r"\r?\n[ \t]", "", text)


def ics_lines(text: str) -> list[str]:
    return [line for line in unfold(text).replace("\r\n", "\n").split("\n") if line]


def components_of(text: str, kind: str) -> list[list[str]]:
    """The property lines of every `kind` component (sub-components excluded)."""
    out, cur, depth = [], None, 0
    for line in ics_lines(text):
        if line == f"BEGIN:{kind}" and cur is None:
            cur, depth = [], 0
            continue
        if cur is not None:
            if line == f"END:{kind}" and depth == 0:
                out.append(cur)
                cur = None
            elif line.startswith("BEGIN:"):
                depth += 1
            elif line.startswith("END:"):
                depth -= 1
            elif depth == 0:
                cur.append(line)
    return out


def prop_value(lines: list[str], name: str) -> str | None:
    for line in lines:
        head, _, value = line.partition(":")
        if head.split(";")[0].upper() == name:
            return value
    return None


# ---- WebDAV responses ------------------------------------------------------------------


def status_code(text: str | None) -> int | None:
    if not text:
        return None
    m = re.match(r"\s*HTTP/1\.[01] (\d{3})", text)
    return int(m.group(1)) if m else None


@dataclass
class DavResponse:
    href: str
    status: int | None = None                      # a response-level D:status
    props: dict = field(default_factory=dict)      # "{ns}name" -> (status, element)
    propstat_errors: dict = field(default_factory=dict)  # status -> [error child tags]

    def ok(self, name: str) -> ET.Element:
        st, el = self.props.get(name, (None, None))
        if st != 200:
            raise AssertionError(f"{self.href}: {name} has status {st}, not 200")
        return el

    def text(self, name: str) -> str:
        return (self.ok(name).text or "")

    def status_of(self, name: str) -> int | None:
        return self.props.get(name, (None, None))[0]


@dataclass
class Multistatus:
    responses: dict
    sync_token: str | None
    raw: str


def parse_multistatus(r) -> Multistatus:
    root = ET.fromstring(r.body)
    if root.tag != q(D, "multistatus"):
        raise AssertionError(f"not a DAV:multistatus: {r}")
    out = {}
    for resp in root.findall(q(D, "response")):
        hrefs = resp.findall(q(D, "href"))
        href = (hrefs[0].text or "").strip()
        dr = DavResponse(href, status_code(resp.findtext(q(D, "status"))))
        for ps in resp.findall(q(D, "propstat")):
            st = status_code(ps.findtext(q(D, "status")))
            prop = ps.find(q(D, "prop"))
            for el in (list(prop) if prop is not None else []):
                dr.props[el.tag] = (st, el)
            err = ps.find(q(D, "error"))
            if err is not None:
                dr.propstat_errors.setdefault(st, []).extend(c.tag for c in err)
        if href in out:
            raise AssertionError(f"{href} answered twice: {r}")
        out[href] = dr
    token = root.findtext(q(D, "sync-token"))
    return Multistatus(out, token.strip() if token is not None else None, r.text)


def error_elements(r) -> list[str]:
    """The children of a DAV:error body (RFC 4918 §16)."""
    try:
        root = ET.fromstring(r.body)
    except ET.ParseError as e:
        raise AssertionError(f"the error body is not XML ({e}): {r}")
    if root.tag != q(D, "error"):
        raise AssertionError(f"the body is not a DAV:error: {r}")
    return [c.tag for c in root]


def propfind_body(*props: tuple[str, str], extra_ns: str = "") -> str:
    inner = "".join(f'<p:{n} xmlns:p="{ns}"/>' for ns, n in props)
    return f'{PROLOG}<D:propfind {NSDECL}{extra_ns}><D:prop>{inner}</D:prop></D:propfind>'


def time_range(start: str | None, end: str | None) -> str:
    attrs = (f' start="{start}"' if start else "") + (f' end="{end}"' if end else "")
    return f"<C:time-range{attrs}/>"


def calendar_query(filter_inner: str, data: str = "", props: str = "<D:getetag/>") -> str:
    return (f'{PROLOG}<C:calendar-query {NSDECL}><D:prop>{props}{data}</D:prop>'
            f'<C:filter>{filter_inner}</C:filter></C:calendar-query>')


def vevent_filter(inner: str = "") -> str:
    return (f'<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">{inner}'
            f'</C:comp-filter></C:comp-filter>')


def summary_match(text: str, collation: str | None = None, negate: bool = False) -> str:
    attrs = (f' collation="{collation}"' if collation else "") + (
        ' negate-condition="yes"' if negate else "")
    return vevent_filter(f'<C:prop-filter name="SUMMARY"><C:text-match{attrs}>{text}'
                         f'</C:text-match></C:prop-filter>')


def sync_body(token: str = "", data: bool = False) -> str:
    props = "<D:getetag/>" + ("<C:calendar-data/>" if data else "")
    return (f'{PROLOG}<D:sync-collection {NSDECL}><D:sync-token>{token}</D:sync-token>'
            f'<D:sync-level>1</D:sync-level><D:prop>{props}</D:prop></D:sync-collection>')


def multiget_body(*hrefs: str, data: str = "<C:calendar-data/>") -> str:
    hs = "".join(f"<D:href>{h}</D:href>" for h in hrefs)
    return (f'{PROLOG}<C:calendar-multiget {NSDECL}><D:prop><D:getetag/>{data}</D:prop>{hs}'
            f'</C:calendar-multiget>')


def freebusy_periods(text: str) -> set[tuple[str, str, str]]:
    """(start, end, FBTYPE) of every FREEBUSY period; durations turned into ends."""
    out = set()
    for lines in components_of(text, "VFREEBUSY"):
        for line in lines:
            head, _, value = line.partition(":")
            if head.split(";")[0].upper() != "FREEBUSY":
                continue
            m = re.search(r";FBTYPE=([A-Z-]+)", head.upper())
            fbtype = m.group(1) if m else "BUSY"
            for period in value.split(","):
                start, _, end = period.partition("/")
                if end.startswith("P"):
                    end = add_duration(start, end)
                out.add((start, end, fbtype))
    return out


def add_duration(start: str, duration: str) -> str:
    import datetime as dt
    t = dt.datetime.strptime(start, "%Y%m%dT%H%M%SZ")
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", duration)
    assert m, duration
    d, h, mi, s = (int(x or 0) for x in m.groups())
    return (t + dt.timedelta(days=d, hours=h, minutes=mi, seconds=s)).strftime("%Y%m%dT%H%M%SZ")


# ---- the base ------------------------------------------------------------------------


class CalDavCase(ServerTestCase):
    """A server with users that speak CalDAV with Basic credentials. When the
    class is done the server must still answer /healthz and must never have
    answered 5xx (but 501 for the methods it does not implement)."""

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            health = cls.server.client().get("/healthz")
            if health.status != 200:
                raise HarnessError(f"/healthz after the tests: {health}")
            errors = []
            for run in range(1, cls.server.runs + 1):
                path = os.path.join(cls.server.logdir, f"stderr.{run}")
                with open(path, encoding="utf-8", errors="replace") as f:
                    errors += [m.group(0) for m in ACCESS_5XX.finditer(f.read())
                               if m.group(3) != "501"]
            if errors:
                raise HarnessError(f"the server answered 5xx: {errors[:10]}")
        finally:
            super().tearDownClass()

    @classmethod
    def dav_user(cls, name: str, role: str = "member") -> int:
        uid, _ = cls.user(name, role)
        return uid

    def basic(self, name: str, password: str | None = None) -> Client:
        """A Basic client on the server's current port (it changes on restart)."""
        return Client(self.server.port, basic=(name, password or f"pw-{name}-secret"))

    def bearer(self, name: str) -> Client:
        return Client(self.server.port, token=create_token(self.db, name))

    @staticmethod
    def dav(client: Client, method: str, path: str, body: str | bytes | None = None, *,
            content_type: str | None = XML_TYPE, headers: dict | None = None):
        raw = body.encode() if isinstance(body, str) else body
        return client.request(method, path, raw=raw,
                              content_type=content_type if raw is not None else None,
                              headers=headers)

    def propfind(self, client: Client, path: str, *props: tuple[str, str], depth: str = "0",
                 body: str | None = None) -> Multistatus:
        r = self.dav(client, "PROPFIND", path, body if body is not None else propfind_body(*props),
                     headers={"Depth": depth})
        self.assertEqual(r.status, 207, str(r))
        self.assertTrue((r.header("Content-Type") or "").startswith("application/xml"), str(r))
        return parse_multistatus(r)

    def put(self, client: Client, path: str, ics: str | bytes, headers: dict | None = None,
            content_type: str | None = "text/calendar; charset=utf-8"):
        return self.dav(client, "PUT", path, ics, content_type=content_type, headers=headers)

    def report(self, client: Client, path: str, body: str, depth: str = "1"):
        return self.dav(client, "REPORT", path, body, headers={"Depth": depth})

    def report_ms(self, client: Client, path: str, body: str, depth: str = "1") -> Multistatus:
        r = self.report(client, path, body, depth)
        self.assertEqual(r.status, 207, str(r))
        return parse_multistatus(r)

    def mkcalendar(self, client: Client, path: str, body: str | None = None):
        return self.dav(client, "MKCALENDAR", path, body)

    def make_calendar(self, client: Client, path: str, *props: str) -> None:
        body = None
        if props:
            body = (f'{PROLOG}<C:mkcalendar {NSDECL}><D:set><D:prop>{"".join(props)}'
                    f'</D:prop></D:set></C:mkcalendar>')
        r = self.mkcalendar(client, path, body)
        self.assertEqual(r.status, 201, str(r))

    def collection_state(self, client: Client, path: str) -> tuple[str, dict]:
        """(getctag, {href: etag}) of a collection: what a refused request must not change."""
        ms = self.propfind(client, path, (CS, "getctag"), (D, "getetag"), depth="1")
        ctag = ms.responses[path].text(q(CS, "getctag"))
        etags = {h: r.text(q(D, "getetag")) for h, r in ms.responses.items() if h != path}
        return ctag, etags

    def calendar_id(self, client: Client, path: str) -> int:
        """The REST id of the calendar at `path` (via its sync token)."""
        ms = self.propfind(client, path, (D, "sync-token"))
        token = ms.responses[path].text(q(D, "sync-token"))
        m = re.search(r"/(\d+)-\d+$", token)
        self.assertIsNotNone(m, token)
        return int(m.group(1))

    def hrefs(self, ms: Multistatus) -> set[str]:
        return set(ms.responses)

    def assertDavError(self, r, status: int, ns: str, name: str) -> None:
        self.assertEqual(r.status, status, str(r))
        self.assertTrue((r.header("Content-Type") or "").startswith(("application/xml", "text/xml")),
                        str(r))
        self.assertIn(q(ns, name), error_elements(r), str(r))

    def assertChallenge(self, r) -> None:
        self.assertEqual(r.status, 401, str(r))
        challenge = r.header("WWW-Authenticate") or ""
        self.assertRegex(challenge, r"^Basic\b", str(r))
        self.assertIn("realm=", challenge, str(r))


# =====================================================================================
# Authentication, authorisation, sharing, privacy, discovery
# =====================================================================================


class CalDavAccessTest(CalDavCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice_id = cls.dav_user("dav-alice")
        cls.bob_id = cls.dav_user("dav-bob")
        cls.eve_id = cls.dav_user("dav-eve")       # gets wrong passwords
        cls.carol_id = cls.dav_user("dav-carol")   # no share at all

    def setUp(self):
        self.alice = self.basic("dav-alice")
        self.bob = self.basic("dav-bob")
        self.carol = self.basic("dav-carol")
        self.anon = self.server.client()

    # ---- authentication ----

    def test_no_credentials_is_401_with_basic_challenge(self):
        self.make_calendar(self.alice, "/dav/calendars/dav-alice/auth1/")
        self.assertEqual(self.put(self.alice, "/dav/calendars/dav-alice/auth1/a.ics",
                                  event_ics("auth-a")).status, 201)
        before = self.collection_state(self.alice, "/dav/calendars/dav-alice/auth1/")
        cases = [("PROPFIND", "/dav/", propfind_body((D, "current-user-principal"))),
                 ("PROPFIND", "/dav/calendars/dav-alice/auth1/", propfind_body((D, "getetag"))),
                 ("GET", "/dav/calendars/dav-alice/auth1/a.ics", None),
                 ("PUT", "/dav/calendars/dav-alice/auth1/new.ics", event_ics("auth-new")),
                 ("PUT", "/dav/calendars/dav-alice/auth1/a.ics", event_ics("auth-a", summary="Pwned")),
                 ("DELETE", "/dav/calendars/dav-alice/auth1/a.ics", None),
                 ("REPORT", "/dav/calendars/dav-alice/auth1/", sync_body()),
                 ("MKCALENDAR", "/dav/calendars/dav-alice/anon-made/", None)]
        for method, path, body in cases:
            with self.subTest(method=method, path=path):
                ctype = "text/calendar" if method == "PUT" else XML_TYPE
                r = self.dav(self.anon, method, path, body, content_type=ctype)
                self.assertChallenge(r)
                self.assertNotIn(b"BEGIN:VCALENDAR", r.body)
        self.assertEqual(self.collection_state(self.alice, "/dav/calendars/dav-alice/auth1/"), before)
        self.assertEqual(self.dav(self.alice, "GET", "/dav/calendars/dav-alice/auth1/new.ics").status,
                         404)
        self.assertEqual(self.propfind_status("/dav/calendars/dav-alice/anon-made/"), 404)

    def propfind_status(self, path: str) -> int:
        return self.dav(self.alice, "PROPFIND", path, propfind_body((D, "displayname")),
                        headers={"Depth": "0"}).status

    def test_wrong_password_is_401_with_basic_challenge(self):
        # Four wrong passwords: under the per-user burst of five.
        eve_bad = self.basic("dav-eve", "not-the-password")
        for method, path, body in [
                ("PROPFIND", "/dav/principals/dav-eve/", propfind_body((D, "displayname"))),
                ("GET", "/dav/calendars/dav-eve/x/a.ics", None),
                ("PUT", "/dav/calendars/dav-eve/x/a.ics", event_ics("eve-a")),
                ("REPORT", "/dav/calendars/dav-eve/x/", sync_body())]:
            with self.subTest(method=method):
                r = self.dav(eve_bad, method, path, body,
                             content_type="text/calendar" if method == "PUT" else XML_TYPE)
                self.assertChallenge(r)
        # An unknown user gets the same answer.
        r = self.dav(self.basic("dav-nobody", "whatever-pw"), "PROPFIND", "/dav/",
                     propfind_body((D, "current-user-principal")), headers={"Depth": "0"})
        self.assertChallenge(r)
        # Malformed Basic credentials too.
        r = self.anon.request("PROPFIND", "/dav/", headers={"Authorization": "Basic !!!notb64",
                                                            "Depth": "0"})
        self.assertChallenge(r)
        # The right password still works afterwards.
        ms = self.propfind(self.basic("dav-eve"), "/dav/", (D, "current-user-principal"))
        self.assertEqual(ms.responses["/dav/"].ok(q(D, "current-user-principal"))
                         .findtext(q(D, "href")), "/dav/principals/dav-eve/")

    def test_bearer_token_is_accepted(self):
        ms = self.propfind(self.bearer("dav-alice"), "/dav/principals/dav-alice/",
                           (D, "principal-URL"))
        self.assertEqual(ms.responses["/dav/principals/dav-alice/"].ok(q(D, "principal-URL"))
                         .findtext(q(D, "href")), "/dav/principals/dav-alice/")

    def test_options_without_credentials_advertises_caldav(self):
        for path in ["/dav/", "/dav/calendars/dav-alice/"]:
            with self.subTest(path=path):
                r = self.anon.request("OPTIONS", path)
                self.assertEqual(r.status, 200, str(r))
                dav = [t.strip() for t in (r.header("DAV") or "").split(",")]
                for token in ["1", "3", "calendar-access"]:
                    self.assertIn(token, dav, r.header("DAV"))
                allow = {m.strip() for m in (r.header("Allow") or "").split(",")}
                for m in ["OPTIONS", "GET", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "REPORT",
                          "MKCALENDAR"]:
                    self.assertIn(m, allow, r.header("Allow"))

    # ---- other users' resources ----

    def test_other_users_home_principal_and_calendar_are_403(self):
        self.make_calendar(self.bob, "/dav/calendars/dav-bob/private/")
        self.assertEqual(self.put(self.bob, "/dav/calendars/dav-bob/private/b.ics",
                                  event_ics("bob-b", summary="Bob only")).status, 201)
        before = self.collection_state(self.bob, "/dav/calendars/dav-bob/private/")
        for method, path, body in [
                ("PROPFIND", "/dav/principals/dav-bob/", propfind_body((D, "displayname"))),
                ("PROPFIND", "/dav/calendars/dav-bob/", propfind_body((D, "displayname"))),
                ("PROPFIND", "/dav/calendars/dav-bob/private/", propfind_body((D, "displayname"))),
                ("GET", "/dav/calendars/dav-bob/private/b.ics", None),
                ("PUT", "/dav/calendars/dav-bob/private/new.ics", event_ics("alice-into-bob")),
                ("PUT", "/dav/calendars/dav-bob/private/b.ics", event_ics("bob-b", summary="Pwned")),
                ("DELETE", "/dav/calendars/dav-bob/private/b.ics", None),
                ("DELETE", "/dav/calendars/dav-bob/private/", None),
                ("REPORT", "/dav/calendars/dav-bob/private/", sync_body()),
                ("PROPPATCH", "/dav/calendars/dav-bob/private/",
                 f'{PROLOG}<D:propertyupdate {NSDECL}><D:set><D:prop><D:displayname>Pwned'
                 f'</D:displayname></D:prop></D:set></D:propertyupdate>'),
                ("MKCALENDAR", "/dav/calendars/dav-bob/made-by-alice/", None)]:
            with self.subTest(method=method, path=path):
                r = self.dav(self.alice, method, path, body,
                             content_type="text/calendar" if method == "PUT" else XML_TYPE)
                self.assertDavError(r, 403, D, "need-privileges")
                self.assertNotIn(b"Bob only", r.body)
        self.assertEqual(self.collection_state(self.bob, "/dav/calendars/dav-bob/private/"), before)
        ms = self.propfind(self.bob, "/dav/calendars/dav-bob/private/", (D, "displayname"))
        self.assertEqual(ms.responses["/dav/calendars/dav-bob/private/"].text(q(D, "displayname")),
                         "private")
        r = self.dav(self.bob, "PROPFIND", "/dav/calendars/dav-bob/made-by-alice/",
                     propfind_body((D, "displayname")), headers={"Depth": "0"})
        self.assertEqual(r.status, 404, str(r))

    def test_unshared_calendar_of_another_user_is_404_by_id(self):
        self.make_calendar(self.bob, "/dav/calendars/dav-bob/hidden/")
        self.assertEqual(self.put(self.bob, "/dav/calendars/dav-bob/hidden/h.ics",
                                  event_ics("bob-h", summary="Hidden thing")).status, 201)
        cid = self.calendar_id(self.bob, "/dav/calendars/dav-bob/hidden/")
        before = self.collection_state(self.bob, "/dav/calendars/dav-bob/hidden/")
        base = f"/dav/calendars/dav-alice/{cid}/"
        missing = "/dav/calendars/dav-alice/999999/"
        for method, suffix, body in [
                ("PROPFIND", "", propfind_body((D, "displayname"))),
                ("REPORT", "", sync_body()),
                ("GET", "h.ics", None), ("DELETE", "h.ics", None),
                ("PROPFIND", "h.ics", propfind_body((D, "getetag"))),
                ("PUT", "new.ics", event_ics("alice-new")),
                ("PUT", "h.ics", event_ics("bob-h", summary="Pwned"))]:
            with self.subTest(method=method, suffix=suffix):
                ctype = "text/calendar" if method == "PUT" else XML_TYPE
                r = self.dav(self.alice, method, base + suffix, body, content_type=ctype)
                # Indistinguishable from a calendar that does not exist.
                r0 = self.dav(self.alice, method, missing + suffix, body, content_type=ctype)
                self.assertEqual(r.status, r0.status, f"{r} vs {r0}")
                self.assertEqual(r.status, 409 if method == "PUT" else 404, str(r))
                self.assertNotIn(b"Hidden thing", r.body)
        # Not in alice's home either.
        ms = self.propfind(self.alice, "/dav/calendars/dav-alice/", (D, "displayname"), depth="1")
        self.assertNotIn(base, ms.responses)
        self.assertEqual(self.collection_state(self.bob, "/dav/calendars/dav-bob/hidden/"), before)

    # ---- a calendar shared read-only ----

    def shared_calendar(self, name: str) -> tuple[int, str, str]:
        """Bob's calendar `name` shared with alice as viewer: (id, bob's path, alice's path)."""
        bob_path = f"/dav/calendars/dav-bob/{name}/"
        self.make_calendar(self.bob, bob_path)
        cid = self.calendar_id(self.bob, bob_path)
        r = self.bob.patch(f"/api/v1/calendars/{cid}",
                           {"shares": [{"user_id": self.alice_id, "level": "viewer"}]})
        self.assertEqual(r.status, 200, str(r))
        return cid, bob_path, f"/dav/calendars/dav-alice/{cid}/"

    def test_shared_read_only_calendar(self):
        cid, bob_path, alice_path = self.shared_calendar("team")
        self.assertEqual(self.put(self.bob, bob_path + "s.ics",
                                  event_ics("shared-s", summary="Team lunch")).status, 201)
        # In alice's home, as a calendar, without write privileges.
        ms = self.propfind(self.alice, "/dav/calendars/dav-alice/", (D, "resourcetype"),
                           (D, "current-user-privilege-set"), depth="1")
        self.assertIn(alice_path, ms.responses)
        col = ms.responses[alice_path]
        self.assertIsNotNone(col.ok(q(D, "resourcetype")).find(q(C, "calendar")))
        privs = {p[0].tag for p in col.ok(q(D, "current-user-privilege-set"))
                 .findall(q(D, "privilege"))}
        self.assertIn(q(D, "read"), privs)
        for w in ["write", "write-content", "bind", "unbind", "all"]:
            self.assertNotIn(q(D, w), privs)
        # GET works.
        r = self.dav(self.alice, "GET", alice_path + "s.ics")
        self.assertEqual(r.status, 200, str(r))
        self.assertIn("SUMMARY:Team lunch", ics_lines(r.text))
        before = self.collection_state(self.bob, bob_path)
        # Writes are 403 DAV:need-privileges and change nothing.
        for method, path, body in [
                ("PUT", alice_path + "s.ics", event_ics("shared-s", summary="Changed")),
                ("PUT", alice_path + "n.ics", event_ics("shared-n")),
                ("DELETE", alice_path + "s.ics", None)]:
            with self.subTest(method=method, path=path):
                r = self.dav(self.alice, method, path, body, content_type="text/calendar")
                self.assertDavError(r, 403, D, "need-privileges")
        self.assertEqual(self.collection_state(self.bob, bob_path), before)
        self.assertEqual(self.dav(self.alice, "GET", alice_path + "n.ics").status, 404)
        # Nor may the viewer rename or delete the calendar.
        r = self.dav(self.alice, "PROPPATCH", alice_path,
                     f'{PROLOG}<D:propertyupdate {NSDECL}><D:set><D:prop><D:displayname>Mine now'
                     f'</D:displayname></D:prop></D:set></D:propertyupdate>')
        self.assertDavError(r, 403, D, "need-privileges")
        r = self.dav(self.alice, "DELETE", alice_path)
        self.assertDavError(r, 403, D, "need-privileges")
        ms = self.propfind(self.bob, bob_path, (D, "displayname"))
        self.assertEqual(ms.responses[bob_path].text(q(D, "displayname")), "team")
        self.assertEqual(self.collection_state(self.bob, bob_path), before)

    def test_shared_editor_writes_but_does_not_own(self):
        bob_path = "/dav/calendars/dav-bob/edited/"
        self.make_calendar(self.bob, bob_path)
        cid = self.calendar_id(self.bob, bob_path)
        r = self.bob.patch(f"/api/v1/calendars/{cid}",
                           {"shares": [{"user_id": self.carol_id, "level": "editor"}]})
        self.assertEqual(r.status, 200, str(r))
        carol_path = f"/dav/calendars/dav-carol/{cid}/"
        ms = self.propfind(self.carol, carol_path, (D, "current-user-privilege-set"))
        privs = {p[0].tag for p in ms.responses[carol_path].ok(q(D, "current-user-privilege-set"))
                 .findall(q(D, "privilege"))}
        self.assertLessEqual({q(D, "read"), q(D, "write-content")}, privs)
        self.assertNotIn(q(D, "all"), privs)
        r = self.put(self.carol, carol_path + "c.ics", event_ics("carol-c", summary="By Carol"))
        self.assertEqual(r.status, 201, str(r))
        self.assertIn("SUMMARY:By Carol",
                      ics_lines(self.dav(self.bob, "GET", bob_path + "c.ics").text))
        r = self.dav(self.carol, "DELETE", carol_path)
        self.assertEqual(r.status, 403, str(r))
        self.assertEqual(self.dav(self.bob, "GET", bob_path + "c.ics").status, 200)
        # The sharee cannot reach it under the owner's name-based URL.
        r = self.dav(self.carol, "GET", "/dav/calendars/dav-carol/edited/c.ics")
        self.assertEqual(r.status, 404, str(r))

    def test_private_event_is_masked_for_a_viewer(self):
        cid, bob_path, alice_path = self.shared_calendar("masked")
        secret = vcal(vevent("priv-1", "DTSTART:20250601T090000Z", "DTEND:20250601T100000Z",
                             "SUMMARY:Salary talk Zebrafish", "DESCRIPTION:Raise for Quokka",
                             "LOCATION:Room Narwhal", "CLASS:PRIVATE",
                             "ATTENDEE;CN=Axolotl:mailto:axolotl@example.test",
                             "X-SECRET-NOTE:Okapi"))
        self.assertEqual(self.put(self.bob, bob_path + "p.ics", secret).status, 201)
        words = [b"Zebrafish", b"Quokka", b"Narwhal", b"Axolotl", b"Okapi", b"Salary"]

        def assert_masked(r, what):
            for w in words:
                self.assertNotIn(w, r.body, f"{what} leaks {w!r}: {r}")

        # The owner sees everything.
        r = self.dav(self.bob, "GET", bob_path + "p.ics")
        self.assertIn(b"Zebrafish", r.body)
        # GET: busy time only, with its own (masked) ETag.
        r = self.dav(self.alice, "GET", alice_path + "p.ics")
        self.assertEqual(r.status, 200, str(r))
        assert_masked(r, "GET")
        ev = components_of(r.text, "VEVENT")
        self.assertEqual(len(ev), 1, r.text)
        self.assertEqual(prop_value(ev[0], "DTSTART"), "20250601T090000Z")
        masked_etag = r.header("ETag")
        # PROPFIND Depth 1 shows the ETag the viewer can GET.
        ms = self.propfind(self.alice, alice_path, (D, "getetag"), depth="1")
        self.assertEqual(ms.responses[alice_path + "p.ics"].text(q(D, "getetag")), masked_etag)
        # REPORT calendar-query with calendar-data.
        r = self.report(self.alice, alice_path, calendar_query(vevent_filter(),
                                                               "<C:calendar-data/>"))
        self.assertEqual(r.status, 207, str(r))
        assert_masked(r, "calendar-query")
        self.assertIn(alice_path + "p.ics", parse_multistatus(r).responses)
        # A text-match on the hidden summary must not act as an oracle.
        ms = self.report_ms(self.alice, alice_path, calendar_query(summary_match("Zebrafish")))
        self.assertEqual(self.hrefs(ms), set())
        ms = self.report_ms(self.bob, bob_path, calendar_query(summary_match("Zebrafish")))
        self.assertEqual(self.hrefs(ms), {bob_path + "p.ics"})
        # calendar-multiget.
        r = self.report(self.alice, alice_path, multiget_body(alice_path + "p.ics"))
        self.assertEqual(r.status, 207, str(r))
        assert_masked(r, "multiget")
        # sync-collection with calendar-data.
        r = self.report(self.alice, alice_path, sync_body(data=True))
        self.assertEqual(r.status, 207, str(r))
        assert_masked(r, "sync-collection")
        ms = parse_multistatus(r)
        self.assertEqual(ms.responses[alice_path + "p.ics"].text(q(D, "getetag")), masked_etag)
        # Collection GET (the whole calendar) and PROPFIND with calendar-data.
        r = self.dav(self.alice, "GET", alice_path)
        self.assertEqual(r.status, 200, str(r))
        assert_masked(r, "collection GET")
        r = self.dav(self.alice, "PROPFIND", alice_path, propfind_body((C, "calendar-data")),
                     headers={"Depth": "1"})
        assert_masked(r, "PROPFIND calendar-data")
        # Free-busy still shows the time as busy.
        r = self.report(self.alice, alice_path,
                        f'{PROLOG}<C:free-busy-query {NSDECL}>'
                        f'{time_range("20250601T000000Z", "20250602T000000Z")}</C:free-busy-query>')
        self.assertEqual(r.status, 200, str(r))
        assert_masked(r, "free-busy-query")
        self.assertEqual(freebusy_periods(r.text),
                         {("20250601T090000Z", "20250601T100000Z", "BUSY")}, r.text)

    # ---- discovery ----

    def test_well_known_redirects_to_dav(self):
        for method in ["GET", "PROPFIND"]:
            with self.subTest(method=method):
                r = self.anon.request(method, "/.well-known/caldav")
                self.assertEqual(r.status, 301, str(r))
                self.assertEqual(r.header("Location"), "/dav/")

    def test_principal_discovery(self):
        ms = self.propfind(self.alice, "/dav/", (D, "current-user-principal"))
        principal = ms.responses["/dav/"].ok(q(D, "current-user-principal")).findtext(q(D, "href"))
        self.assertEqual(principal, "/dav/principals/dav-alice/")
        ms = self.propfind(self.alice, principal, (C, "calendar-home-set"),
                           (C, "calendar-user-address-set"), (D, "principal-URL"),
                           (D, "resourcetype"))
        p = ms.responses[principal]
        self.assertEqual(p.ok(q(C, "calendar-home-set")).findtext(q(D, "href")),
                         "/dav/calendars/dav-alice/")
        self.assertEqual(p.ok(q(D, "principal-URL")).findtext(q(D, "href")), principal)
        addresses = [h.text for h in p.ok(q(C, "calendar-user-address-set")).findall(q(D, "href"))]
        self.assertIn("mailto:dav-alice@example.test", addresses)
        self.assertIsNotNone(p.ok(q(D, "resourcetype")).find(q(D, "principal")))
        # The home answers too.
        ms = self.propfind(self.alice, "/dav/calendars/dav-alice/", (D, "resourcetype"))
        self.assertIsNotNone(ms.responses["/dav/calendars/dav-alice/"].ok(q(D, "resourcetype"))
                             .find(q(D, "collection")))


# =====================================================================================
# PROPFIND, PROPPATCH, MKCALENDAR, MKCOL, DELETE of collections
# =====================================================================================


class CalDavCollectionTest(CalDavCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dav_user("col-alice")
        cls.dav_user("col-bob")

    def setUp(self):
        self.alice = self.basic("col-alice")
        self.bob = self.basic("col-bob")
        self.home = "/dav/calendars/col-alice/"

    def new_cal(self, name: str, *props: str) -> str:
        path = f"{self.home}{name}/"
        self.make_calendar(self.alice, path, *props)
        return path

    # ---- PROPFIND ----

    def test_propfind_depth_0_and_1(self):
        path = self.new_cal("depth")
        for n in ["a", "b"]:
            self.assertEqual(self.put(self.alice, f"{path}{n}.ics", event_ics(f"depth-{n}")).status,
                             201)
        ms = self.propfind(self.alice, path, (D, "getetag"), (D, "resourcetype"), depth="0")
        self.assertEqual(self.hrefs(ms), {path})
        ms = self.propfind(self.alice, path, (D, "getetag"), (D, "resourcetype"), depth="1")
        self.assertEqual(self.hrefs(ms), {path, f"{path}a.ics", f"{path}b.ics"})
        a = ms.responses[f"{path}a.ics"]
        self.assertRegex(a.text(q(D, "getetag")), r'^"[^"]+"$')
        self.assertEqual(list(a.ok(q(D, "resourcetype"))), [])
        # The collection has no getetag: 404 in its own propstat.
        self.assertEqual(ms.responses[path].status_of(q(D, "getetag")), 404)
        # The home at depth 1 lists the calendar.
        ms = self.propfind(self.alice, self.home, (D, "resourcetype"), depth="1")
        self.assertIn(path, ms.responses)
        self.assertIsNotNone(ms.responses[path].ok(q(D, "resourcetype")).find(q(C, "calendar")))

    def test_propfind_allprop_and_empty_body(self):
        path = self.new_cal("allprop")
        body = f'{PROLOG}<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'
        for b in [body, None]:
            with self.subTest(body=b is not None):
                r = self.dav(self.alice, "PROPFIND", path, b, headers={"Depth": "0"})
                self.assertEqual(r.status, 207, str(r))
                col = parse_multistatus(r).responses[path]
                self.assertIsNotNone(col.ok(q(D, "resourcetype")).find(q(C, "calendar")))
                self.assertEqual(col.text(q(D, "displayname")), "allprop")
                self.assertTrue(col.text(q(CS, "getctag")))
                for st, _ in col.props.values():
                    self.assertEqual(st, 200)

    def test_propfind_propname(self):
        path = self.new_cal("propname")
        body = f'{PROLOG}<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>'
        r = self.dav(self.alice, "PROPFIND", path, body, headers={"Depth": "0"})
        self.assertEqual(r.status, 207, str(r))
        col = parse_multistatus(r).responses[path]
        for name in [q(D, "resourcetype"), q(D, "displayname"), q(CS, "getctag"), q(D, "sync-token"),
                     q(C, "supported-calendar-component-set")]:
            st, el = col.props.get(name, (None, None))
            self.assertEqual(st, 200, name)
            self.assertEqual((el.text or "").strip(), "", f"propname gives names only: {name}")
            self.assertEqual(list(el), [], name)

    def test_propfind_unknown_property_is_404_next_to_known(self):
        path = self.new_cal("unknown")
        ms = self.propfind(self.alice, path, (D, "displayname"), (X, "no-such-thing"),
                           (CS, "getctag"), (D, "quota-used-bytes-nope"))
        col = ms.responses[path]
        self.assertEqual(col.status_of(q(D, "displayname")), 200)
        self.assertEqual(col.status_of(q(CS, "getctag")), 200)
        self.assertEqual(col.status_of(q(X, "no-such-thing")), 404)
        self.assertEqual(col.status_of(q(D, "quota-used-bytes-nope")), 404)

    def test_ctag_and_sync_token_change_on_put_not_on_get(self):
        path = self.new_cal("ctag")

        def tags():
            ms = self.propfind(self.alice, path, (CS, "getctag"), (D, "sync-token"))
            col = ms.responses[path]
            return col.text(q(CS, "getctag")), col.text(q(D, "sync-token"))

        t0 = tags()
        self.assertEqual(self.put(self.alice, path + "c.ics", event_ics("ctag-c")).status, 201)
        t1 = tags()
        self.assertNotEqual(t0[0], t1[0])
        self.assertNotEqual(t0[1], t1[1])
        for _ in range(2):
            self.assertEqual(self.dav(self.alice, "GET", path + "c.ics").status, 200)
            self.propfind(self.alice, path, (D, "getetag"), depth="1")
            self.report_ms(self.alice, path, calendar_query(vevent_filter()))
        self.assertEqual(tags(), t1)
        self.assertEqual(self.put(self.alice, path + "c.ics",
                                  event_ics("ctag-c", summary="Changed")).status, 204)
        t2 = tags()
        self.assertNotEqual(t1[0], t2[0])
        self.assertNotEqual(t1[1], t2[1])
        self.assertEqual(self.dav(self.alice, "DELETE", path + "c.ics").status, 204)
        self.assertNotEqual(tags(), t2)

    def test_supported_component_and_report_sets(self):
        path = self.new_cal("supported")
        ms = self.propfind(self.alice, path, (C, "supported-calendar-component-set"),
                           (D, "supported-report-set"), (C, "supported-calendar-data"),
                           (C, "max-resource-size"))
        col = ms.responses[path]
        comps = {c.get("name") for c in col.ok(q(C, "supported-calendar-component-set"))
                 .findall(q(C, "comp"))}
        self.assertEqual(comps, {"VEVENT", "VTODO"})
        reports = {r[0].tag for r in col.ok(q(D, "supported-report-set"))
                   .iter(q(D, "report"))}
        self.assertEqual(reports, {q(C, "calendar-query"), q(C, "calendar-multiget"),
                                   q(C, "free-busy-query"), q(D, "sync-collection")})
        data = col.ok(q(C, "supported-calendar-data")).find(q(C, "calendar-data"))
        self.assertEqual(data.get("content-type"), "text/calendar")
        self.assertEqual(col.text(q(C, "max-resource-size")), str(1 << 20))

    def test_malformed_xml_is_400(self):
        path = self.new_cal("malformed")
        for body in ['<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop>',
                     '<D:propfind xmlns:D="DAV:"><D:prop></D:propfind></D:prop>',
                     "not xml at all", '<D:propfind><D:prop/></D:propfind>',
                     '<?xml version="1.0"?><a>\x00</a>']:
            with self.subTest(body=body):
                r = self.dav(self.alice, "PROPFIND", path, body, headers={"Depth": "0"})
                self.assertEqual(r.status, 400, str(r))

    def test_doctype_and_entities_are_400_and_server_survives(self):
        path = self.new_cal("xxe")
        laughs = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                            for i in range(1, 10))
                  + ']>\n<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol9;'
                  '</D:displayname></D:prop></D:propfind>')
        xxe = ('<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
               '<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&xxe;</D:displayname>'
               '</D:prop></D:propfind>')
        plain_dtd = ('<?xml version="1.0"?>\n<!DOCTYPE propfind>\n'
                     '<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:propfind>')
        patch_xxe = ('<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM '
                     '"file:///etc/passwd">]>\n<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
                     '<D:displayname>&xxe;</D:displayname></D:prop></D:set></D:propertyupdate>')
        for method, body in [("PROPFIND", laughs), ("PROPFIND", xxe), ("PROPFIND", plain_dtd),
                             ("REPORT", laughs.replace("propfind", "sync-collection")),
                             ("PROPPATCH", patch_xxe)]:
            with self.subTest(method=method, body=body[:60]):
                r = self.dav(self.alice, method, path, body, headers={"Depth": "0"})
                self.assertEqual(r.status, 400, str(r))
                self.assertNotIn(b"root:", r.body)
                self.assertNotIn(b"lollollol", r.body)
        ms = self.propfind(self.alice, path, (D, "displayname"))
        self.assertEqual(ms.responses[path].text(q(D, "displayname")), "xxe")
        self.assertEqual(self.server.client().get("/healthz").status, 200)

    def test_non_xml_body_is_415(self):
        path = self.new_cal("ctype")
        body = propfind_body((D, "displayname"))
        for ctype in ["text/plain", "application/json", "text/calendar"]:
            with self.subTest(ctype=ctype):
                r = self.dav(self.alice, "PROPFIND", path, body, content_type=ctype,
                             headers={"Depth": "0"})
                self.assertEqual(r.status, 415, str(r))
        # text/xml is XML too.
        r = self.dav(self.alice, "PROPFIND", path, body, content_type="text/xml",
                     headers={"Depth": "0"})
        self.assertEqual(r.status, 207, str(r))

    # ---- PROPPATCH ----

    def proppatch(self, path: str, set_props: str = "", remove_props: str = ""):
        body = f'{PROLOG}<D:propertyupdate {NSDECL} xmlns:X="{X}">'
        if set_props:
            body += f"<D:set><D:prop>{set_props}</D:prop></D:set>"
        if remove_props:
            body += f"<D:remove><D:prop>{remove_props}</D:prop></D:remove>"
        body += "</D:propertyupdate>"
        return self.dav(self.alice, "PROPPATCH", path, body)

    def col_props(self, path: str, *props: tuple[str, str]) -> DavResponse:
        return self.propfind(self.alice, path, *props).responses[path]

    def test_proppatch_settable_properties(self):
        path = self.new_cal("patchme")
        cid = self.calendar_id(self.alice, path)
        tz = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", *BERLIN,
                          "END:VCALENDAR"]) + "\r\n"
        r = self.proppatch(path, "<D:displayname>Team Plan</D:displayname>"
                                 "<A:calendar-color>#11AA33FF</A:calendar-color>"
                                 "<C:calendar-description>What we plan</C:calendar-description>"
                                 f"<C:calendar-timezone><![CDATA[{tz}]]></C:calendar-timezone>")
        self.assertEqual(r.status, 207, str(r))
        res = parse_multistatus(r).responses[path]
        for name in [q(D, "displayname"), q(A, "calendar-color"), q(C, "calendar-description"),
                     q(C, "calendar-timezone")]:
            self.assertEqual(res.status_of(name), 200, f"{name}: {r}")
        col = self.col_props(path, (D, "displayname"), (A, "calendar-color"),
                             (C, "calendar-description"))
        self.assertEqual(col.text(q(D, "displayname")), "Team Plan")
        self.assertIn(col.text(q(A, "calendar-color")).upper(), ("#11AA33", "#11AA33FF"))
        self.assertEqual(col.text(q(C, "calendar-description")), "What we plan")
        rest = self.admin.get(f"/api/v1/calendars/{cid}").json()
        self.assertEqual((rest["name"], rest["color"].upper(), rest["description"], rest["timezone"]),
                         ("Team Plan", "#11AA33", "What we plan", "Europe/Berlin"))

    def test_calendar_timezone_reads_back_after_proppatch(self):
        # RFC 4918 §9.2: a property PROPPATCH set with 200 is then on the
        # resource; RFC 4791 §5.2.2 calendar-timezone.
        path = self.new_cal("tzread")
        tz = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", *BERLIN,
                          "END:VCALENDAR"]) + "\r\n"
        r = self.proppatch(path, f"<C:calendar-timezone><![CDATA[{tz}]]></C:calendar-timezone>")
        self.assertEqual(r.status, 207, str(r))
        self.assertEqual(parse_multistatus(r).responses[path].status_of(q(C, "calendar-timezone")),
                         200, str(r))
        col = self.col_props(path, (C, "calendar-timezone"))
        self.assertEqual(col.status_of(q(C, "calendar-timezone")), 200,
                         "calendar-timezone was set (200) but PROPFIND does not return it")
        self.assertIn("TZID:Europe/Berlin", ics_lines(col.text(q(C, "calendar-timezone"))))

    def test_proppatch_protected_property_is_atomic(self):
        path = self.new_cal("protected", "<D:displayname>Original</D:displayname>")
        for protected in ["<CS:getctag>99</CS:getctag>",
                          '<C:supported-calendar-component-set><C:comp name="VTODO"/>'
                          '</C:supported-calendar-component-set>',
                          "<D:resourcetype><D:collection/></D:resourcetype>",
                          "<D:getetag>\"x\"</D:getetag>"]:
            with self.subTest(protected=protected):
                before = self.col_props(path, (D, "displayname"), (CS, "getctag"),
                                        (C, "supported-calendar-component-set"),
                                        (C, "calendar-description"), (X, "tag"))
                r = self.proppatch(path, "<D:displayname>Changed</D:displayname>" + protected
                                   + "<C:calendar-description>Changed too</C:calendar-description>"
                                   + "<X:tag>dead</X:tag>")
                self.assertEqual(r.status, 207, str(r))
                res = parse_multistatus(r).responses[path]
                prot_name = ET.fromstring(f'<r {NSDECL}>{protected}</r>')[0].tag
                self.assertEqual(res.status_of(prot_name), 403, str(r))
                self.assertIn(q(D, "cannot-modify-protected-property"),
                              res.propstat_errors.get(403, []), str(r))
                for other in [q(D, "displayname"), q(C, "calendar-description"), q(X, "tag")]:
                    self.assertEqual(res.status_of(other), 424, f"{other}: {r}")
                after = self.col_props(path, (D, "displayname"), (CS, "getctag"),
                                       (C, "supported-calendar-component-set"),
                                       (C, "calendar-description"), (X, "tag"))
                self.assertEqual(after.text(q(D, "displayname")), "Original")
                self.assertEqual(after.text(q(CS, "getctag")), before.text(q(CS, "getctag")))
                self.assertEqual(after.status_of(q(X, "tag")), 404)
                self.assertEqual(
                    {c.get("name") for c in after.ok(q(C, "supported-calendar-component-set"))},
                    {"VEVENT", "VTODO"})

    def test_proppatch_remove_of_protected_property_is_403(self):
        # RFC 4918 §9.2 / §16 cannot-modify-protected-property: removing is
        # altering; a live property cannot be removed by PROPPATCH.
        path = self.new_cal("protremove")
        for protected in ["<CS:getctag/>", "<D:resourcetype/>",
                          "<C:supported-calendar-component-set/>"]:
            with self.subTest(protected=protected):
                r = self.proppatch(path, remove_props=protected)
                self.assertEqual(r.status, 207, str(r))
                res = parse_multistatus(r).responses[path]
                name = ET.fromstring(f'<r {NSDECL}>{protected}</r>')[0].tag
                self.assertEqual(res.status_of(name), 403, str(r))
                col = self.col_props(path, (CS, "getctag"), (D, "resourcetype"))
                self.assertIsNotNone(col.ok(q(D, "resourcetype")).find(q(C, "calendar")))

    def test_proppatch_bad_value_changes_nothing(self):
        # RFC 4918 §9.2: all instructions or none.
        path = self.new_cal("badvalue", "<D:displayname>Kept</D:displayname>")
        before = self.col_props(path, (D, "displayname"), (A, "calendar-color"), (CS, "getctag"))
        r = self.proppatch(path, "<D:displayname>Lost</D:displayname>"
                                 "<A:calendar-color>not a colour</A:calendar-color>")
        if r.status == 207:
            res = parse_multistatus(r).responses[path]
            self.assertNotEqual(res.status_of(q(A, "calendar-color")), 200, str(r))
            self.assertEqual(res.status_of(q(D, "displayname")), 424, str(r))
        else:
            self.assertIn(r.status, (400, 403, 409, 422), str(r))
        after = self.col_props(path, (D, "displayname"), (A, "calendar-color"), (CS, "getctag"))
        for name in [q(D, "displayname"), q(A, "calendar-color"), q(CS, "getctag")]:
            self.assertEqual(after.text(name), before.text(name), name)

    def test_mkcalendar_with_a_bad_property_creates_nothing(self):
        # RFC 4791 §5.3.1: if a property cannot be set, nothing is created.
        path = f"{self.home}badmk/"
        body = (f'{PROLOG}<C:mkcalendar {NSDECL}><D:set><D:prop>'
                "<D:displayname>Bad one</D:displayname>"
                "<C:calendar-timezone-id>Mars/Olympus_Mons</C:calendar-timezone-id>"
                "</D:prop></D:set></C:mkcalendar>")
        r = self.mkcalendar(self.alice, path, body)
        self.assertIn(r.status, (207, 400, 403, 409), str(r))
        r = self.dav(self.alice, "PROPFIND", path, propfind_body((D, "displayname")),
                     headers={"Depth": "0"})
        self.assertEqual(r.status, 404, str(r))
        names = [c["name"] for c in self.basic("col-alice").get("/api/v1/calendars").json()["items"]]
        self.assertNotIn("Bad one", names)

    def test_dead_properties_are_stored_and_removed(self):
        path = self.new_cal("dead")
        r = self.proppatch(path, '<X:tag a="1">kept <X:inner>value</X:inner></X:tag>'
                                 "<X:other>second</X:other>")
        self.assertEqual(r.status, 207, str(r))
        self.assertEqual(parse_multistatus(r).responses[path].status_of(q(X, "tag")), 200)
        col = self.col_props(path, (X, "tag"), (X, "other"))
        tag = col.ok(q(X, "tag"))
        self.assertEqual(tag.findtext(q(X, "inner")), "value")
        self.assertEqual(col.text(q(X, "other")), "second")
        # allprop returns dead properties (RFC 4918 §9.1).
        r = self.dav(self.alice, "PROPFIND", path,
                     f'{PROLOG}<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
                     headers={"Depth": "0"})
        self.assertEqual(parse_multistatus(r).responses[path].text(q(X, "other")), "second")
        # Depth 1 on the home shows them too (no stale cache).
        ms = self.propfind(self.alice, self.home, (X, "other"), depth="1")
        self.assertEqual(ms.responses[path].text(q(X, "other")), "second")
        r = self.proppatch(path, remove_props="<X:tag/>")
        self.assertEqual(r.status, 207, str(r))
        col = self.col_props(path, (X, "tag"), (X, "other"))
        self.assertEqual(col.status_of(q(X, "tag")), 404)
        self.assertEqual(col.text(q(X, "other")), "second")
        ms = self.propfind(self.alice, self.home, (X, "tag"), depth="1")
        self.assertEqual(ms.responses[path].status_of(q(X, "tag")), 404)

    # ---- MKCALENDAR / MKCOL ----

    def test_mkcalendar_with_properties(self):
        path = f"{self.home}made/"
        body = (f'{PROLOG}<C:mkcalendar {NSDECL} xmlns:X="{X}"><D:set><D:prop>'
                "<D:displayname>Made by MKCALENDAR</D:displayname>"
                "<C:calendar-description>Described</C:calendar-description>"
                "<A:calendar-color>#AB12CD</A:calendar-color>"
                "<C:calendar-timezone-id>Europe/Berlin</C:calendar-timezone-id>"
                "<X:note>dead one</X:note>"
                "</D:prop></D:set></C:mkcalendar>")
        r = self.mkcalendar(self.alice, path, body)
        self.assertEqual(r.status, 201, str(r))
        self.assertFalse(r.body, "MKCALENDAR success has no body (RFC 4791 §5.3.1.2)")
        col = self.col_props(path, (D, "displayname"), (C, "calendar-description"),
                             (A, "calendar-color"), (X, "note"), (D, "resourcetype"))
        self.assertEqual(col.text(q(D, "displayname")), "Made by MKCALENDAR")
        self.assertEqual(col.text(q(C, "calendar-description")), "Described")
        self.assertEqual(col.text(q(A, "calendar-color")).upper()[:7], "#AB12CD")
        self.assertEqual(col.text(q(X, "note")), "dead one")
        self.assertIsNotNone(col.ok(q(D, "resourcetype")).find(q(C, "calendar")))
        cals = {c["name"]: c for c in
                self.basic("col-alice").get("/api/v1/calendars").json()["items"]}
        self.assertIn("Made by MKCALENDAR", cals)
        self.assertEqual(cals["Made by MKCALENDAR"]["timezone"], "Europe/Berlin")
        self.assertEqual(cals["Made by MKCALENDAR"]["description"], "Described")

    def test_mkcalendar_vtodo_only_refuses_vevent(self):
        path = f"{self.home}tasks-only/"
        body = (f'{PROLOG}<C:mkcalendar {NSDECL}><D:set><D:prop>'
                '<C:supported-calendar-component-set><C:comp name="VTODO"/>'
                "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>")
        self.assertEqual(self.mkcalendar(self.alice, path, body).status, 201)
        col = self.col_props(path, (C, "supported-calendar-component-set"))
        self.assertEqual({c.get("name") for c in col.ok(q(C, "supported-calendar-component-set"))},
                         {"VTODO"})
        before = self.collection_state(self.alice, path)
        r = self.put(self.alice, path + "e.ics", event_ics("todo-only-event"))
        self.assertDavError(r, 403, C, "supported-calendar-component")
        self.assertEqual(self.collection_state(self.alice, path), before)
        todo = vcal(comp("VTODO", "todo-only-task", "SUMMARY:Task", "DUE:20250401T120000Z"))
        self.assertEqual(self.put(self.alice, path + "t.ics", todo).status, 201)

    def test_mkcalendar_on_existing_url_is_405(self):
        path = self.new_cal("exists", "<D:displayname>First</D:displayname>")
        before = self.collection_state(self.alice, path)
        for method, body in [
                ("MKCALENDAR", None),
                ("MKCALENDAR", f'{PROLOG}<C:mkcalendar {NSDECL}><D:set><D:prop><D:displayname>'
                               "Second</D:displayname></D:prop></D:set></C:mkcalendar>"),
                ("MKCOL", f'{PROLOG}<D:mkcol {NSDECL}><D:set><D:prop><D:resourcetype>'
                          "<D:collection/><C:calendar/></D:resourcetype></D:prop></D:set></D:mkcol>")]:
            with self.subTest(method=method):
                r = self.dav(self.alice, method, path, body)
                self.assertDavError(r, 405, D, "resource-must-be-null")
        col = self.col_props(path, (D, "displayname"))
        self.assertEqual(col.text(q(D, "displayname")), "First")
        self.assertEqual(self.collection_state(self.alice, path), before)

    def test_extended_mkcol(self):
        path = f"{self.home}by-mkcol/"
        body = (f'{PROLOG}<D:mkcol {NSDECL}><D:set><D:prop><D:resourcetype><D:collection/>'
                "<C:calendar/></D:resourcetype><D:displayname>Via MKCOL</D:displayname>"
                "</D:prop></D:set></D:mkcol>")
        r = self.dav(self.alice, "MKCOL", path, body)
        self.assertEqual(r.status, 201, str(r))
        col = self.col_props(path, (D, "displayname"), (D, "resourcetype"))
        self.assertEqual(col.text(q(D, "displayname")), "Via MKCOL")
        self.assertIsNotNone(col.ok(q(D, "resourcetype")).find(q(C, "calendar")))
        # A plain collection is not something this server makes.
        for name, b in [
                ("plain", f'{PROLOG}<D:mkcol {NSDECL}><D:set><D:prop><D:resourcetype>'
                          "<D:collection/></D:resourcetype></D:prop></D:set></D:mkcol>"),
                ("nobody", None)]:
            with self.subTest(name=name):
                p = f"{self.home}mkcol-{name}/"
                r = self.dav(self.alice, "MKCOL", p, b)
                self.assertEqual(r.status, 403, str(r))
                if b is not None:
                    self.assertIn(q(D, "valid-resourcetype"), error_elements(r))
                r = self.dav(self.alice, "PROPFIND", p, propfind_body((D, "displayname")),
                             headers={"Depth": "0"})
                self.assertEqual(r.status, 404, str(r))

    def test_mkcalendar_outside_own_home_is_403(self):
        names = lambda: sorted(c["name"] for c in  # noqa: E731
                               self.basic("col-alice").get("/api/v1/calendars").json()["items"])
        before = names()
        for path in ["/dav/calendars/col-bob/intruder/", "/dav/calendars/col-alice/",
                     "/dav/calendars/", "/dav/principals/col-alice/", "/dav/"]:
            with self.subTest(path=path):
                r = self.mkcalendar(self.alice, path)
                self.assertEqual(r.status, 403, str(r))
        # Nested inside a calendar.
        outer = self.new_cal("outer")
        r = self.mkcalendar(self.alice, outer + "inner/")
        self.assertEqual(r.status, 403, str(r))
        self.assertEqual(names(), sorted(before + ["outer"]))
        r = self.dav(self.bob, "PROPFIND", "/dav/calendars/col-bob/intruder/",
                     propfind_body((D, "displayname")), headers={"Depth": "0"})
        self.assertEqual(r.status, 404, str(r))

    def test_delete_collection(self):
        path = self.new_cal("doomed", "<D:displayname>Doomed</D:displayname>")
        self.assertEqual(self.put(self.alice, path + "d.ics", event_ics("doomed-d")).status, 201)
        cid = self.calendar_id(self.alice, path)
        # A stale If-Match (collections have no ETag) changes nothing.
        r = self.dav(self.alice, "DELETE", path, headers={"If-Match": '"nope"'})
        self.assertEqual(r.status, 412, str(r))
        self.assertEqual(self.dav(self.alice, "GET", path + "d.ics").status, 200)
        r = self.dav(self.alice, "DELETE", path)
        self.assertEqual(r.status, 204, str(r))
        for method, p in [("PROPFIND", path), ("GET", path + "d.ics"), ("DELETE", path)]:
            with self.subTest(method=method, path=p):
                r = self.dav(self.alice, method, p, propfind_body((D, "displayname"))
                             if method == "PROPFIND" else None, headers={"Depth": "0"})
                self.assertEqual(r.status, 404, str(r))
        self.assertEqual(self.admin.get(f"/api/v1/calendars/{cid}").status, 404)
        names = [c["name"] for c in self.basic("col-alice").get("/api/v1/calendars").json()["items"]]
        self.assertNotIn("Doomed", names)
        # The name can be used again.
        self.make_calendar(self.alice, path)


# =====================================================================================
# PUT / GET / DELETE of calendar object resources
# =====================================================================================


class CalDavObjectTest(CalDavCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dav_user("obj-alice")

    def setUp(self):
        self.alice = self.basic("obj-alice")
        self.cal = "/dav/calendars/obj-alice/objects/"
        r = self.dav(self.alice, "PROPFIND", self.cal, propfind_body((D, "displayname")),
                     headers={"Depth": "0"})
        if r.status == 404:
            self.make_calendar(self.alice, self.cal)
        self.cid = self.calendar_id(self.alice, self.cal)

    def rest_instances(self) -> list[dict]:
        return self.instances(self.cid, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z")

    def state(self):
        return self.collection_state(self.alice, self.cal), self.rest_instances()

    def test_create_is_201_replace_is_204_delete_is_204(self):
        path = self.cal + "life.ics"
        r = self.put(self.alice, path, event_ics("life", summary="Born"))
        self.assertEqual(r.status, 201, str(r))
        r = self.put(self.alice, path, event_ics("life", summary="Grown"))
        self.assertEqual(r.status, 204, str(r))
        r = self.dav(self.alice, "GET", path)
        self.assertEqual(r.status, 200, str(r))
        self.assertTrue(r.header("Content-Type").startswith("text/calendar"), str(r))
        self.assertIn("SUMMARY:Grown", ics_lines(r.text))
        self.assertIn("Grown", [i["title"] for i in self.rest_instances()])
        r = self.dav(self.alice, "DELETE", path)
        self.assertEqual(r.status, 204, str(r))
        self.assertEqual(self.dav(self.alice, "GET", path).status, 404)
        self.assertEqual(self.dav(self.alice, "DELETE", path).status, 404)
        self.assertNotIn("Grown", [i["title"] for i in self.rest_instances()])

    def test_if_none_match_star_on_existing_is_412(self):
        path = self.cal + "inm.ics"
        r = self.put(self.alice, path, event_ics("inm", summary="First"),
                     headers={"If-None-Match": "*"})
        self.assertEqual(r.status, 201, str(r))
        before = self.state()
        r = self.put(self.alice, path, event_ics("inm", summary="Second"),
                     headers={"If-None-Match": "*"})
        self.assertEqual(r.status, 412, str(r))
        self.assertEqual(self.state(), before)
        self.assertIn("SUMMARY:First", ics_lines(self.dav(self.alice, "GET", path).text))

    def test_stale_if_match_is_412_for_put_and_delete(self):
        path = self.cal + "im.ics"
        self.assertEqual(self.put(self.alice, path, event_ics("im", summary="V1")).status, 201)
        old = self.dav(self.alice, "GET", path).header("ETag")
        self.assertEqual(self.put(self.alice, path, event_ics("im", summary="V2"),
                                  headers={"If-Match": old}).status, 204)
        current = self.dav(self.alice, "GET", path).header("ETag")
        self.assertNotEqual(old, current)
        before = self.state()
        r = self.put(self.alice, path, event_ics("im", summary="V3"), headers={"If-Match": old})
        self.assertEqual(r.status, 412, str(r))
        r = self.dav(self.alice, "DELETE", path, headers={"If-Match": old})
        self.assertEqual(r.status, 412, str(r))
        # If-Match on a resource that does not exist.
        r = self.put(self.alice, self.cal + "im-missing.ics", event_ics("im-missing"),
                     headers={"If-Match": current})
        self.assertEqual(r.status, 412, str(r))
        self.assertEqual(self.state(), before)
        self.assertIn("SUMMARY:V2", ics_lines(self.dav(self.alice, "GET", path).text))
        # The current ETag works.
        self.assertEqual(self.dav(self.alice, "DELETE", path, headers={"If-Match": current}).status,
                         204)

    def test_etag_on_put_only_when_stored_byte_for_byte(self):
        path = self.cal + "bytes.ics"
        # A body the server rewrites (LF line ends, no DTSTAMP, lower-case
        # names): an ETag, if any, must still be the one of what GET returns
        # AND GET must return exactly what was sent (RFC 4791 §5.3.4).
        sloppy = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\nBEGIN:VEVENT\nUID:bytes\n"
                  "DTSTART:20250402T090000Z\nDTEND:20250402T100000Z\nSUMMARY:Sloppy\n"
                  "END:VEVENT\nEND:VCALENDAR\n")
        r = self.put(self.alice, path, sloppy)
        self.assertEqual(r.status, 201, str(r))
        g = self.dav(self.alice, "GET", path)
        if r.header("ETag") is not None:
            self.assertEqual(g.body.decode(), sloppy, "ETag given but the body was changed")
            self.assertEqual(r.header("ETag"), g.header("ETag"))
        self.assertNotEqual(g.text, sloppy, "the server stores CRLF and adds DTSTAMP")
        self.assertIsNone(r.header("ETag"), "the stored text differs from the body: no ETag")
        # The stored text sent back is kept byte for byte: ETag given and equal.
        canonical = g.body
        r = self.put(self.alice, path, canonical, headers={"If-Match": g.header("ETag")})
        self.assertEqual(r.status, 204, str(r))
        g2 = self.dav(self.alice, "GET", path)
        self.assertEqual(g2.body, canonical)
        self.assertEqual(r.header("ETag"), g2.header("ETag"))
        self.assertIsNotNone(r.header("ETag"))

    def test_etags_are_strong_and_if_none_match_gives_304(self):
        path = self.cal + "strong.ics"
        self.assertEqual(self.put(self.alice, path, event_ics("strong")).status, 201)
        g = self.dav(self.alice, "GET", path)
        etag = g.header("ETag")
        self.assertRegex(etag, r'^"[^"]+"$', "a strong ETag: quoted, no W/")
        r = self.dav(self.alice, "GET", path, headers={"If-None-Match": etag})
        self.assertEqual(r.status, 304, str(r))
        self.assertEqual(r.body, b"")
        self.assertEqual(r.header("ETag"), etag)
        r = self.dav(self.alice, "GET", path, headers={"If-None-Match": '"something-else"'})
        self.assertEqual(r.status, 200, str(r))
        ms = self.propfind(self.alice, path, (D, "getetag"))
        self.assertEqual(ms.responses[path].text(q(D, "getetag")), etag)
        h = self.dav(self.alice, "HEAD", path)
        self.assertEqual(h.status, 200, str(h))
        self.assertEqual(h.body, b"")
        self.assertEqual(h.header("ETag"), etag)

    def test_if_none_match_on_get_is_weak_and_takes_a_list(self):
        # RFC 9110 §13.1.2: If-None-Match compares weakly and holds a list.
        path = self.cal + "inm-list.ics"
        self.assertEqual(self.put(self.alice, path, event_ics("inm-list")).status, 201)
        etag = self.dav(self.alice, "GET", path).header("ETag")
        for inm in [f"W/{etag}", f'"not-it", {etag}', f'{etag}, "not-it"']:
            with self.subTest(inm=inm):
                r = self.dav(self.alice, "GET", path, headers={"If-None-Match": inm})
                self.assertEqual(r.status, 304, str(r))

    def test_if_match_weak_tag_never_matches(self):
        # RFC 9110 §13.1.1: If-Match uses the strong comparison, so W/"x"
        # never matches, not even the current ETag.
        path = self.cal + "weak.ics"
        self.assertEqual(self.put(self.alice, path, event_ics("weak", summary="Weak 1")).status, 201)
        etag = self.dav(self.alice, "GET", path).header("ETag")
        before = self.state()
        r = self.put(self.alice, path, event_ics("weak", summary="Weak 2"),
                     headers={"If-Match": f"W/{etag}"})
        self.assertEqual(r.status, 412, str(r))
        r = self.dav(self.alice, "DELETE", path, headers={"If-Match": f"W/{etag}"})
        self.assertEqual(r.status, 412, str(r))
        self.assertEqual(self.state(), before)

    def test_if_match_list_and_if_none_match_tag_on_put(self):
        # RFC 9110 §13.1.1-2: a list of tags; If-None-Match with a tag that
        # does not match lets the PUT through.
        path = self.cal + "lists.ics"
        self.assertEqual(self.put(self.alice, path, event_ics("lists", summary="L1")).status, 201)
        etag = self.dav(self.alice, "GET", path).header("ETag")
        with self.subTest(header="If-None-Match: a tag that does not match"):
            r = self.put(self.alice, path, event_ics("lists", summary="L2"),
                         headers={"If-None-Match": '"not-it"'})
            self.assertEqual(r.status, 204, str(r))
            self.assertIn("SUMMARY:L2", ics_lines(self.dav(self.alice, "GET", path).text))
        etag = self.dav(self.alice, "GET", path).header("ETag")
        with self.subTest(header="If-Match: a list holding the current tag"):
            r = self.put(self.alice, path, event_ics("lists", summary="L3"),
                         headers={"If-Match": f'"not-it", {etag}'})
            self.assertEqual(r.status, 204, str(r))
            self.assertIn("SUMMARY:L3", ics_lines(self.dav(self.alice, "GET", path).text))

    def test_malformed_icalendar_is_400_valid_calendar_data(self):
        before = self.state()
        for name, body in [
                ("garbage", "this is not iCalendar"),
                ("unterminated", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n"
                                 "UID:cut\r\nDTSTART:20250401T090000Z\r\nSUMMARY:Cut off\r\n"),
                ("no-end-vcalendar", event_ics("cut2").replace("END:VCALENDAR\r\n", "")),
                ("bad-date", event_ics("bad-date", start="20251341T250000Z")),
                ("vcard", "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n"),
                ("bad-utf8", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n"
                             b"UID:u8\r\nDTSTART:20250401T090000Z\r\nSUMMARY:\xc3\x28\r\n"
                             b"END:VEVENT\r\nEND:VCALENDAR\r\n")]:
            with self.subTest(name=name):
                r = self.put(self.alice, self.cal + f"bad-{name}.ics", body)
                self.assertDavError(r, 400, C, "valid-calendar-data")
        self.assertEqual(self.state(), before)

    def test_invalid_object_resources_are_403(self):
        before = self.state()
        two_uids = vcal(vevent("uid-one", "DTSTART:20250401T090000Z", "SUMMARY:One"),
                        vevent("uid-two", "DTSTART:20250402T090000Z", "SUMMARY:Two"))
        with_method = vcal(vevent("meth", "DTSTART:20250401T090000Z", "SUMMARY:M"),
                           extra=("METHOD:REQUEST",))
        mixed = vcal(vevent("mixed", "DTSTART:20250401T090000Z"),
                     comp("VTODO", "mixed", "DUE:20250401T090000Z"))
        no_uid = vcal(["BEGIN:VEVENT", STAMP, "DTSTART:20250401T090000Z", "END:VEVENT"])
        for name, body in [("two-uids", two_uids), ("method", with_method), ("mixed", mixed),
                           ("no-uid", no_uid)]:
            with self.subTest(name=name):
                r = self.put(self.alice, self.cal + f"invalid-{name}.ics", body)
                self.assertDavError(r, 403, C, "valid-calendar-object-resource")
        self.assertEqual(self.state(), before)

    def test_uid_conflict_names_the_holder(self):
        holder = self.cal + "holder.ics"
        self.assertEqual(self.put(self.alice, holder, event_ics("same-uid")).status, 201)
        before = self.state()
        r = self.put(self.alice, self.cal + "other.ics", event_ics("same-uid", summary="Dup"))
        self.assertDavError(r, 403, C, "no-uid-conflict")
        err = ET.fromstring(r.body)
        self.assertEqual(err.find(q(C, "no-uid-conflict")).findtext(q(D, "href")), holder)
        self.assertEqual(self.state(), before)
        self.assertEqual(self.dav(self.alice, "GET", self.cal + "other.ics").status, 404)

    def test_wrong_content_type_is_415(self):
        before = self.state()
        for ctype in ["application/json", "text/plain", "application/xml"]:
            with self.subTest(ctype=ctype):
                r = self.put(self.alice, self.cal + "ctype.ics", event_ics("ctype"),
                             content_type=ctype)
                self.assertDavError(r, 415, C, "supported-calendar-data")
        self.assertEqual(self.state(), before)

    def test_body_over_1_mib_is_413(self):
        before = self.state()
        big = event_ics("big", "20250401T090000Z", "20250401T100000Z", "Big",
                        "DESCRIPTION:" + "x" * (1 << 20))
        r = self.put(self.alice, self.cal + "big.ics", big)
        self.assertDavError(r, 413, C, "max-resource-size")
        self.assertEqual(self.state(), before)

    def test_put_into_missing_calendar_is_409(self):
        for path in ["/dav/calendars/obj-alice/no-such-cal/x.ics",
                     "/dav/calendars/obj-alice/999999/x.ics"]:
            with self.subTest(path=path):
                r = self.put(self.alice, path, event_ics("nowhere"))
                self.assertEqual(r.status, 409, str(r))
        r = self.dav(self.alice, "PROPFIND", "/dav/calendars/obj-alice/no-such-cal/",
                     propfind_body((D, "displayname")), headers={"Depth": "0"})
        self.assertEqual(r.status, 404, str(r))

    def test_bad_resource_names_are_404(self):
        before = self.state()
        for name in ["bad%20name.ics", "a%3Cb%3E.ics", "quote%22.ics", "semi%3B.ics",
                     "%C3%A9t%C3%A9.ics", "back%5Cslash.ics", "x" * 300 + ".ics"]:
            with self.subTest(name=name[:40]):
                r = self.put(self.alice, self.cal + name, event_ics(f"badname-{len(name)}"))
                self.assertEqual(r.status, 404, str(r))
        self.assertEqual(self.state(), before)

    def test_unknown_and_x_properties_survive(self):
        path = self.cal + "x-props.ics"
        body = vcal(vevent("xprops", "DTSTART;TZID=Europe/Berlin:20250403T090000",
                           "DTEND;TZID=Europe/Berlin:20250403T100000", "SUMMARY:Extras",
                           "X-ALMANAC-TEST;X-PARAM=kept:value\\, with comma",
                           "X-MOZ-GENERATION:7", "FUTURE-PROP;VALUE=TEXT:from RFC 9999",
                           "COLOR:turquoise",
                           "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder",
                           "TRIGGER:-PT15M", "X-WR-ALARMUID:alarm-1", "END:VALARM"),
                    BERLIN, extra=("X-WR-CALNAME:Mine", "CALSCALE:GREGORIAN"))
        self.assertEqual(self.put(self.alice, path, body).status, 201)
        got = ics_lines(self.dav(self.alice, "GET", path).text)
        for line in ["X-ALMANAC-TEST;X-PARAM=kept:value\\, with comma", "X-MOZ-GENERATION:7",
                     "FUTURE-PROP;VALUE=TEXT:from RFC 9999", "COLOR:turquoise",
                     "X-WR-ALARMUID:alarm-1", "X-WR-CALNAME:Mine", "TRIGGER:-PT15M",
                     "DTSTART;TZID=Europe/Berlin:20250403T090000", "TZID:Europe/Berlin"]:
            self.assertIn(line, got)
        # REST sees it with its zone.
        inst = [i for i in self.rest_instances() if i["title"] == "Extras"]
        self.assertEqual(len(inst), 1, inst)
        self.assertEqual(inst[0]["start"], "2025-04-03T09:00:00+02:00")


# =====================================================================================
# REPORT: calendar-query, calendar-multiget, free-busy-query
# =====================================================================================

WEEKLY = vcal(
    vevent("weekly@almanac.test", "DTSTART;TZID=Europe/Berlin:20250310T090000",
           "DTEND;TZID=Europe/Berlin:20250310T100000", "RRULE:FREQ=WEEKLY;COUNT=6",
           "EXDATE;TZID=Europe/Berlin:20250324T090000", "SUMMARY:Weekly standup"),
    vevent("weekly@almanac.test", "RECURRENCE-ID;TZID=Europe/Berlin:20250317T090000",
           "DTSTART;TZID=Europe/Berlin:20250320T140000", "DTEND;TZID=Europe/Berlin:20250320T150000",
           "SUMMARY:Weekly standup (moved in)"),
    vevent("weekly@almanac.test", "RECURRENCE-ID;TZID=Europe/Berlin:20250407T090000",
           "DTSTART;TZID=Europe/Berlin:20250505T090000", "DTEND;TZID=Europe/Berlin:20250505T100000",
           "SUMMARY:Weekly standup (moved out)"),
    BERLIN)
# Instances (UTC): Mar 10 08-09, [Mar 17 -> Mar 20 13-14], Mar 24 EXDATE,
# Mar 31 07-08 (CEST since Mar 30), [Apr 7 -> May 5 07-08], Apr 14 07-08.


class CalDavReportTest(CalDavCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dav_user("rep-alice")

    def setUp(self):
        self.alice = self.basic("rep-alice")
        self.home = "/dav/calendars/rep-alice/"

    def ensure(self, name: str, objects: dict[str, str], *props: str) -> str:
        path = f"{self.home}{name}/"
        r = self.dav(self.alice, "PROPFIND", path, propfind_body((D, "displayname")),
                     headers={"Depth": "0"})
        if r.status == 404:
            self.make_calendar(self.alice, path, *props)
            for n, body in objects.items():
                r = self.put(self.alice, path + n, body)
                self.assertEqual(r.status, 201, f"{n}: {r}")
        return path

    def rec_cal(self) -> str:
        return self.ensure("rec", {"weekly.ics": WEEKLY},
                           "<C:calendar-timezone-id>Europe/Berlin</C:calendar-timezone-id>")

    def query_hrefs(self, path: str, filter_inner: str) -> set[str]:
        ms = self.report_ms(self.alice, path, calendar_query(filter_inner))
        return {h[len(path):] for h in ms.responses}

    def test_concurrent_identical_reports_agree(self):
        # The response cache lets one request build an answer while the
        # others wait for it; all must get the same complete answer, and a
        # change afterwards must show.
        import threading
        path = self.rec_cal()
        body = calendar_query(vevent_filter('<C:time-range start="20250301T000000Z" '
                                            'end="20250601T000000Z"/>'),
                              data="<C:calendar-data/>")
        results: list = []

        def one():
            results.append(self.report(self.alice, path, body))

        threads = [threading.Thread(target=one) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(len(results), 12)
        self.assertEqual({r.status for r in results}, {207})
        self.assertEqual(len({r.body for r in results}), 1)
        self.assertIn(b"weekly.ics", results[0].body)
        self.assertIn(b"BEGIN:VCALENDAR", results[0].body)

    # ---- time ranges ----

    def test_time_range_on_weekly_series_across_dst(self):
        path = self.rec_cal()
        cases = [
            ("20250331T065000Z", "20250331T075500Z", True, "Mar 31 is 07:00Z after the DST change"),
            ("20250331T080000Z", "20250331T090000Z", False, "not at the pre-DST 08:00Z"),
            ("20250310T080000Z", "20250310T081000Z", True, "Mar 10 is 08:00Z (CET)"),
            ("20250324T000000Z", "20250325T000000Z", False, "Mar 24 is EXDATE'd"),
            ("20250317T000000Z", "20250318T000000Z", False, "Mar 17 was moved away"),
            ("20250320T000000Z", "20250321T000000Z", True, "the override moved into Mar 20"),
            ("20250407T000000Z", "20250408T000000Z", False, "Apr 7 was moved out"),
            ("20250505T000000Z", "20250506T000000Z", True, "the override moved to May 5"),
            ("20250414T063000Z", "20250414T070000Z", False, "ends when the instance starts"),
            ("20250414T075959Z", "20250414T090000Z", True, "one second of overlap"),
            ("20250414T080000Z", "20250414T090000Z", False, "starts when the instance ends"),
            ("20250421T000000Z", "20250422T000000Z", False, "after COUNT=6"),
            ("20250301T000000Z", "20250310T080000Z", False, "before the first instance"),
            ("20250328T000000Z", "20250410T000000Z", True, "Mar 31 of the two in the window"),
            (None, "20250310T080001Z", True, "open start"),
            ("20250414T075959Z", None, True, "open end"),
            ("20250506T000000Z", None, False, "open end after everything"),
        ]
        for start, end, match, why in cases:
            with self.subTest(start=start, end=end, why=why):
                got = self.query_hrefs(path, vevent_filter(time_range(start, end)))
                self.assertEqual(got, {"weekly.ics"} if match else set(), why)

    def test_floating_and_all_day_use_the_calendar_time_zone(self):
        # RFC 4791 §9.9 / §5.2.2: floating times and DATE values are read in
        # the calendar's time zone (Europe/Berlin, CEST in June).
        path = self.ensure("floating", {
            "floating.ics": event_ics("floating", "20250601T090000", "20250601T100000", "Floating"),
            "allday.ics": vcal(vevent("allday", "DTSTART;VALUE=DATE:20250610",
                                      "DTEND;VALUE=DATE:20250611", "SUMMARY:All day")),
        }, "<C:calendar-timezone-id>Europe/Berlin</C:calendar-timezone-id>")
        cases = [
            ("20250601T060000Z", "20250601T110000Z", {"floating.ics"}, "a wide window"),
            ("20250601T070000Z", "20250601T071000Z", {"floating.ics"}, "09:00 Berlin is 07:00Z"),
            ("20250601T083000Z", "20250601T093000Z", set(), "not 09:00Z"),
            ("20250609T221000Z", "20250609T230000Z", {"allday.ics"}, "Jun 10 starts 22:00Z Jun 9"),
            ("20250610T221000Z", "20250610T230000Z", set(), "Jun 10 ends 22:00Z"),
        ]
        for start, end, want, why in cases:
            with self.subTest(why=why):
                self.assertEqual(self.query_hrefs(path, vevent_filter(time_range(start, end))),
                                 want, why)
        data = ('<C:calendar-data><C:expand start="20250601T000000Z" end="20250602T000000Z"/>'
                "</C:calendar-data>")
        ms = self.report_ms(self.alice, path, calendar_query(
            vevent_filter(time_range("20250601T000000Z", "20250602T000000Z")), data))
        text = ms.responses[path + "floating.ics"].text(q(C, "calendar-data"))
        ev = components_of(text, "VEVENT")
        self.assertEqual(len(ev), 1, text)
        self.assertEqual(prop_value(ev[0], "DTSTART"), "20250601T070000Z", text)

    def test_expand_returns_instances_in_utc(self):
        path = self.rec_cal()
        data = ('<C:calendar-data><C:expand start="20250301T000000Z" end="20250412T000000Z"/>'
                "</C:calendar-data>")
        r = self.report(self.alice, path, calendar_query(
            vevent_filter(time_range("20250301T000000Z", "20250412T000000Z")), data))
        self.assertEqual(r.status, 207, str(r))
        text = parse_multistatus(r).responses[path + "weekly.ics"].text(q(C, "calendar-data"))
        events = components_of(text, "VEVENT")
        got = [(prop_value(e, "RECURRENCE-ID"), prop_value(e, "DTSTART"), prop_value(e, "DTEND"))
               for e in events]
        self.assertEqual(sorted(got), [
            ("20250310T080000Z", "20250310T080000Z", "20250310T090000Z"),
            ("20250317T080000Z", "20250320T130000Z", "20250320T140000Z"),
            ("20250331T070000Z", "20250331T070000Z", "20250331T080000Z")], text)
        for e in events:
            for name in ["RRULE", "EXDATE", "RDATE"]:
                self.assertIsNone(prop_value(e, name), f"{name} in an expanded instance: {text}")
            for line in e:
                if line.split(":")[0].split(";")[0] in ("DTSTART", "DTEND", "RECURRENCE-ID"):
                    self.assertNotIn("TZID=", line, text)
                    self.assertTrue(line.endswith("Z"), line)
        self.assertNotIn("BEGIN:VTIMEZONE", text)

    def test_limit_recurrence_set(self):
        path = self.rec_cal()
        data = ('<C:calendar-data><C:limit-recurrence-set start="20250401T000000Z" '
                'end="20250601T000000Z"/></C:calendar-data>')
        ms = self.report_ms(self.alice, path, calendar_query(vevent_filter(), data))
        text = ms.responses[path + "weekly.ics"].text(q(C, "calendar-data"))
        events = components_of(text, "VEVENT")
        rids = sorted(prop_value(e, "RECURRENCE-ID") or "master" for e in events)
        self.assertEqual(rids, ["20250407T090000", "master"], text)
        master = [e for e in events if prop_value(e, "RECURRENCE-ID") is None][0]
        self.assertEqual(prop_value(master, "RRULE"), "FREQ=WEEKLY;COUNT=6")

    def test_calendar_data_comp_and_prop_selection(self):
        path = self.rec_cal()
        data = ('<C:calendar-data><C:comp name="VCALENDAR"><C:prop name="VERSION"/>'
                '<C:comp name="VEVENT"><C:prop name="SUMMARY"/><C:prop name="UID"/>'
                '<C:prop name="RECURRENCE-ID"/></C:comp></C:comp></C:calendar-data>')
        ms = self.report_ms(self.alice, path, calendar_query(vevent_filter(), data))
        text = ms.responses[path + "weekly.ics"].text(q(C, "calendar-data"))
        self.assertNotIn("BEGIN:VTIMEZONE", text)
        self.assertNotIn("PRODID", text)
        self.assertIn("VERSION:2.0", ics_lines(text))
        events = components_of(text, "VEVENT")
        self.assertEqual(len(events), 3, text)
        for e in events:
            names = {line.split(":")[0].split(";")[0] for line in e}
            self.assertLessEqual(names, {"SUMMARY", "UID", "RECURRENCE-ID"}, text)
            self.assertIn("SUMMARY", names)

    # ---- text, props, params ----

    def text_cal(self) -> str:
        return self.ensure("text", {
            "cafe.ics": event_ics("cafe", "20250601T090000Z", "20250601T100000Z",
                                  "Café Müller planning",
                                  "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.test",
                                  "LOCATION:Room 1"),
            "greek.ics": event_ics("greek", "20250602T090000Z", "20250602T100000Z",
                                   "ΣΥΝΑΝΤΗΣΗ ομάδας",
                                   "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:b@example.test",
                                   "ATTENDEE;PARTSTAT=ACCEPTED:mailto:c@example.test"),
            "plain.ics": event_ics("plain", "20250603T090000Z", "20250603T100000Z",
                                   "Budget REVIEW"),
            "task.ics": vcal(comp("VTODO", "text-task", "SUMMARY:Review the planning",
                                  "DUE:20250604T090000Z")),
        })

    def test_text_match_collations(self):
        path = self.text_cal()
        cases = [
            (summary_match("review"), {"plain.ics"}, "default i;ascii-casemap folds ASCII"),
            (summary_match("PLANNING"), {"cafe.ics"}, "default, upper-case"),
            (summary_match("café MÜLLER", "i;ascii-casemap"), set(),
             "ascii-casemap does not fold Ü/ü"),
            (summary_match("CAFé Müller", "i;ascii-casemap"), {"cafe.ics"},
             "ascii-casemap folds the ASCII letters"),
            (summary_match("CAFÉ MÜLLER", "i;unicode-casemap"), {"cafe.ics"},
             "unicode-casemap folds É and Ü"),
            (summary_match("συναντηση ΟΜΆΔΑΣ", "i;unicode-casemap"), {"greek.ics"},
             "unicode-casemap folds Greek"),
            (summary_match("café", "i;octet"), set(), "octet is case-sensitive"),
            (summary_match("Café", "i;octet"), {"cafe.ics"}, "octet, exact bytes"),
            (summary_match("planning", negate=True), {"greek.ics", "plain.ics"},
             "negate-condition"),
            (summary_match("nothing-like-this"), set(), "no match"),
        ]
        for flt, want, why in cases:
            with self.subTest(why=why):
                self.assertEqual(self.query_hrefs(path, flt), want, why)

    def test_prop_and_param_filters(self):
        path = self.text_cal()
        partstat = vevent_filter('<C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT">'
                                 "<C:text-match>NEEDS-ACTION</C:text-match></C:param-filter>"
                                 "</C:prop-filter>")
        self.assertEqual(self.query_hrefs(path, partstat), {"greek.ics"})
        accepted = partstat.replace("NEEDS-ACTION", "accepted")
        self.assertEqual(self.query_hrefs(path, accepted), {"greek.ics", "cafe.ics"})
        no_location = vevent_filter('<C:prop-filter name="LOCATION"><C:is-not-defined/>'
                                    "</C:prop-filter>")
        self.assertEqual(self.query_hrefs(path, no_location), {"greek.ics", "plain.ics"})
        has_attendee = vevent_filter('<C:prop-filter name="ATTENDEE"/>')
        self.assertEqual(self.query_hrefs(path, has_attendee), {"greek.ics", "cafe.ics"})
        # Attendee value text-match on the address.
        who = vevent_filter('<C:prop-filter name="ATTENDEE"><C:text-match>b@EXAMPLE.test'
                            "</C:text-match></C:prop-filter>")
        self.assertEqual(self.query_hrefs(path, who), {"greek.ics"})
        # Components: VTODO only; VEVENT is-not-defined.
        todos = ('<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"/></C:comp-filter>')
        self.assertEqual(self.query_hrefs(path, todos), {"task.ics"})
        not_event = ('<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
                     "<C:is-not-defined/></C:comp-filter></C:comp-filter>")
        self.assertEqual(self.query_hrefs(path, not_event), {"task.ics"})
        everything = '<C:comp-filter name="VCALENDAR"/>'
        self.assertEqual(self.query_hrefs(path, everything),
                         {"cafe.ics", "greek.ics", "plain.ics", "task.ics"})

    def test_unknown_collation_is_403_supported_collation(self):
        path = self.text_cal()
        r = self.report(self.alice, path, calendar_query(summary_match("x", "i;klingon")))
        self.assertDavError(r, 403, C, "supported-collation")

    def test_invalid_filters_are_valid_filter_errors(self):
        path = self.text_cal()
        bad = {
            "top-is-vevent": '<C:comp-filter name="VEVENT"/>',
            "two-tops": '<C:comp-filter name="VCALENDAR"/><C:comp-filter name="VCALENDAR"/>',
            "no-name": '<C:comp-filter name="VCALENDAR"><C:comp-filter/></C:comp-filter>',
            "bad-time": vevent_filter('<C:time-range start="2025-03-01"/>'),
            "local-time": vevent_filter('<C:time-range start="20250301T000000"/>'),
            "end-before-start": vevent_filter(time_range("20250302T000000Z", "20250301T000000Z")),
            "empty-time-range": vevent_filter("<C:time-range/>"),
            "bad-negate": vevent_filter('<C:prop-filter name="SUMMARY">'
                                        '<C:text-match negate-condition="maybe">x</C:text-match>'
                                        "</C:prop-filter>"),
        }
        for name, flt in bad.items():
            with self.subTest(name=name):
                r = self.report(self.alice, path, calendar_query(flt))
                self.assertIn(r.status, (400, 403), str(r))
                self.assertIn(q(C, "valid-filter"), error_elements(r), str(r))
        # No filter at all (RFC 4791 §9.5: calendar-query requires one).
        r = self.report(self.alice, path, f'{PROLOG}<C:calendar-query {NSDECL}><D:prop>'
                                          "<D:getetag/></D:prop></C:calendar-query>")
        self.assertIn(r.status, (400, 403), str(r))
        self.assertIn(q(C, "valid-filter"), error_elements(r), str(r))

    # ---- VTODO time ranges (RFC 4791 §9.9) ----

    def test_vtodo_time_range_rules(self):
        path = self.ensure("todos", {
            "due.ics": vcal(comp("VTODO", "t-due", "SUMMARY:Due only", "DUE:20250401T120000Z")),
            "start.ics": vcal(comp("VTODO", "t-start", "SUMMARY:Start only",
                                   "DTSTART:20250402T090000Z")),
            "startdue.ics": vcal(comp("VTODO", "t-startdue", "SUMMARY:Both",
                                      "DTSTART:20250403T090000Z", "DUE:20250403T170000Z")),
            "duration.ics": vcal(comp("VTODO", "t-duration", "SUMMARY:Duration",
                                      "DTSTART:20250406T090000Z", "DURATION:PT2H")),
            "completed.ics": vcal(comp("VTODO", "t-completed", "SUMMARY:Done",
                                       "COMPLETED:20250405T100000Z", "STATUS:COMPLETED")),
            "none.ics": vcal(comp("VTODO", "t-none", "SUMMARY:Someday")),
        })
        todo = lambda s, e: ('<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO">'  # noqa
                             f"{time_range(s, e)}</C:comp-filter></C:comp-filter>")
        cases = [
            ("20250401T110000Z", "20250401T120000Z", {"due.ics"}, "DUE only: end >= DUE"),
            ("20250401T120000Z", "20250401T130000Z", set(), "DUE only: start < DUE fails"),
            ("20250402T090000Z", "20250402T100000Z", {"start.ics"}, "DTSTART only: start <= DTSTART"),
            ("20250402T080000Z", "20250402T090000Z", set(), "DTSTART only: end > DTSTART fails"),
            ("20250403T160000Z", "20250403T170000Z", {"startdue.ics"}, "DTSTART+DUE overlap"),
            ("20250403T170000Z", "20250403T180000Z", set(), "DTSTART+DUE: at DUE is outside"),
            ("20250406T105959Z", "20250406T120000Z", {"duration.ics"}, "DTSTART+DURATION"),
            ("20250406T110001Z", "20250406T120000Z", set(), "after DTSTART+DURATION"),
            ("20250405T100000Z", "20250405T110000Z", {"completed.ics"}, "COMPLETED: start <= C"),
            ("20250405T090000Z", "20250405T100000Z", {"completed.ics"}, "COMPLETED: end >= C"),
            ("20250405T100001Z", "20250405T110000Z", set(), "after COMPLETED"),
        ]
        for start, end, want, why in cases:
            with self.subTest(why=why):
                got = self.query_hrefs(path, todo(start, end))
                self.assertEqual(got - {"none.ics"}, want, why)
        # A VTODO with none of DTSTART, DUE, DURATION, COMPLETED, CREATED
        # matches every time-range ("TRUE" row of the table).
        for start, end, _, why in cases[:3]:
            with self.subTest(why=f"undated VTODO in {start}..{end}"):
                self.assertIn("none.ics", self.query_hrefs(path, todo(start, end)))
        # Without a time-range every task is there.
        self.assertEqual(self.query_hrefs(path, todo(None, None).replace("<C:time-range/>", "")),
                         {"due.ics", "start.ics", "startdue.ics", "duration.ics",
                          "completed.ics", "none.ics"})

    # ---- multiget ----

    def test_multiget(self):
        path = self.text_cal()
        other = self.rec_cal()
        ms = self.report_ms(self.alice, path, multiget_body(
            path + "cafe.ics", path + "plain.ics", path + "missing.ics", other + "weekly.ics"))
        self.assertEqual(self.hrefs(ms), {path + "cafe.ics", path + "plain.ics",
                                          path + "missing.ics", other + "weekly.ics"})
        cafe = ms.responses[path + "cafe.ics"]
        self.assertIn("UID:cafe", ics_lines(cafe.text(q(C, "calendar-data"))))
        get = self.dav(self.alice, "GET", path + "cafe.ics")
        self.assertEqual(cafe.text(q(C, "calendar-data")).replace("\r\n", "\n"),
                         get.text.replace("\r\n", "\n"))
        self.assertEqual(cafe.text(q(D, "getetag")), get.header("ETag"))
        self.assertEqual(ms.responses[path + "missing.ics"].status, 404)
        self.assertEqual(ms.responses[other + "weekly.ics"].status, 404)
        self.assertNotIn("Weekly", ms.raw)

    # ---- free-busy ----

    def test_free_busy_query(self):
        path = self.ensure("fb", {
            "busy.ics": event_ics("fb-busy", "20250602T090000Z", "20250602T100000Z", "Busy"),
            "transparent.ics": event_ics("fb-transp", "20250602T110000Z", "20250602T120000Z",
                                         "Transparent", "TRANSP:TRANSPARENT"),
            "cancelled.ics": event_ics("fb-cancel", "20250602T130000Z", "20250602T140000Z",
                                       "Cancelled", "STATUS:CANCELLED"),
            "tentative.ics": event_ics("fb-tent", "20250602T150000Z", "20250602T160000Z",
                                       "Tentative", "STATUS:TENTATIVE"),
            "outside.ics": event_ics("fb-out", "20250610T090000Z", "20250610T100000Z", "Later"),
        })
        body = (f'{PROLOG}<C:free-busy-query {NSDECL}>'
                f'{time_range("20250602T000000Z", "20250603T000000Z")}</C:free-busy-query>')
        r = self.report(self.alice, path, body)
        self.assertEqual(r.status, 200, str(r))
        self.assertTrue((r.header("Content-Type") or "").startswith("text/calendar"), str(r))
        self.assertEqual(len(components_of(r.text, "VFREEBUSY")), 1, r.text)
        fb = components_of(r.text, "VFREEBUSY")[0]
        self.assertEqual(prop_value(fb, "DTSTART"), "20250602T000000Z")
        self.assertEqual(prop_value(fb, "DTEND"), "20250603T000000Z")
        self.assertEqual(freebusy_periods(r.text), {
            ("20250602T090000Z", "20250602T100000Z", "BUSY"),
            ("20250602T150000Z", "20250602T160000Z", "BUSY-TENTATIVE")}, r.text)
        for word in ["Busy\r\n", "Transparent", "Tentative"]:
            self.assertNotIn(f"SUMMARY:{word}", r.text)
        # Without a time-range.
        r = self.report(self.alice, path, f'{PROLOG}<C:free-busy-query {NSDECL}/>')
        self.assertIn(r.status, (400, 403), str(r))
        self.assertNotEqual(r.header("Content-Type"), "text/calendar")
        # With an open-ended one (§7.10: start and end are required).
        r = self.report(self.alice, path, f'{PROLOG}<C:free-busy-query {NSDECL}>'
                                          f'{time_range("20250602T000000Z", None)}'
                                          "</C:free-busy-query>")
        self.assertIn(r.status, (400, 403), str(r))


# =====================================================================================
# sync-collection (RFC 6578) and the REST API
# =====================================================================================


class CalDavSyncTest(CalDavCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dav_user("sync-alice")

    def setUp(self):
        self.alice = self.basic("sync-alice")
        self.home = "/dav/calendars/sync-alice/"

    def new_cal(self, name: str, n: int = 3) -> str:
        path = f"{self.home}{name}/"
        self.make_calendar(self.alice, path)
        for i in range(n):
            r = self.put(self.alice, f"{path}{chr(ord('a') + i)}.ics",
                         event_ics(f"{name}-{i}", f"2025040{i + 1}T090000Z",
                                   f"2025040{i + 1}T100000Z", f"Item {i}"))
            self.assertEqual(r.status, 201, str(r))
        return path

    def sync(self, path: str, token: str = "", data: bool = False) -> Multistatus:
        ms = self.report_ms(self.alice, path, sync_body(token, data), depth="0")
        self.assertTrue(ms.sync_token, ms.raw)
        return ms

    def names(self, path: str, ms: Multistatus) -> dict[str, int | None]:
        """{name: None for present, 404 for deleted}."""
        return {h[len(path):]: r.status for h, r in ms.responses.items()}

    def test_initial_then_incremental(self):
        path = self.new_cal("inc")
        first = self.sync(path)
        self.assertEqual(self.names(path, first), {"a.ics": None, "b.ics": None, "c.ics": None})
        for r in first.responses.values():
            self.assertEqual(r.text(q(D, "getetag")),
                             self.dav(self.alice, "GET", r.href).header("ETag"))
        # PROPFIND's sync-token is the report's.
        ms = self.propfind(self.alice, path, (D, "sync-token"))
        self.assertEqual(ms.responses[path].text(q(D, "sync-token")), first.sync_token)
        # Unchanged: nothing, the same token.
        again = self.sync(path, first.sync_token)
        self.assertEqual(again.responses, {})
        self.assertEqual(again.sync_token, first.sync_token)
        # Create, modify, delete.
        self.assertEqual(self.put(self.alice, path + "d.ics", event_ics("inc-d")).status, 201)
        self.assertEqual(self.put(self.alice, path + "a.ics",
                                  event_ics("inc-0", summary="Changed")).status, 204)
        self.assertEqual(self.dav(self.alice, "DELETE", path + "b.ics").status, 204)
        second = self.sync(path, first.sync_token)
        self.assertEqual(self.names(path, second), {"a.ics": None, "d.ics": None, "b.ics": 404})
        self.assertNotEqual(second.sync_token, first.sync_token)
        self.assertEqual(second.responses[path + "a.ics"].text(q(D, "getetag")),
                         self.dav(self.alice, "GET", path + "a.ics").header("ETag"))
        deleted = second.responses[path + "b.ics"]
        self.assertEqual(deleted.props, {}, "a removed member has only a status (RFC 6578 §3.5)")
        # With calendar-data.
        with_data = self.sync(path, first.sync_token, data=True)
        self.assertIn("SUMMARY:Changed",
                      ics_lines(with_data.responses[path + "a.ics"].text(q(C, "calendar-data"))))
        # And nothing after the newest token.
        self.assertEqual(self.sync(path, second.sync_token).responses, {})
        # A GET does not move the token.
        self.dav(self.alice, "GET", path + "a.ics")
        self.assertEqual(self.sync(path, second.sync_token).sync_token, second.sync_token)
        # A name deleted and then used again is present, not deleted.
        self.assertEqual(self.put(self.alice, path + "b.ics", event_ics("inc-b2")).status, 201)
        third = self.sync(path, first.sync_token)
        self.assertEqual(self.names(path, third), {"a.ics": None, "b.ics": None, "d.ics": None})
        self.assertEqual(self.names(path, self.sync(path, second.sync_token)), {"b.ics": None})

    def test_invalid_tokens_are_403_valid_sync_token(self):
        path = self.new_cal("bad-tokens", 1)
        other = self.new_cal("other-tokens", 1)
        token = self.sync(path).sync_token
        other_token = self.sync(other).sync_token
        m = re.fullmatch(r"(.*/)(\d+)-(\d+)", token)
        self.assertIsNotNone(m, token)
        future = f"{m.group(1)}{m.group(2)}-{int(m.group(3)) + 1000}"
        for bad in [other_token, future, "garbage", "http://example.com/sync/1",
                    f"{m.group(1)}{m.group(2)}--1", f"{m.group(1)}{m.group(2)}-x",
                    f"{m.group(1)}{m.group(2)}-99999999999999999999999"]:
            with self.subTest(token=bad):
                r = self.report(self.alice, path, sync_body(bad))
                self.assertDavError(r, 403, D, "valid-sync-token")

    def test_tokens_survive_a_restart(self):
        path = self.new_cal("restart")
        token = self.sync(path).sync_token
        self.assertEqual(self.put(self.alice, path + "a.ics",
                                  event_ics("restart-0", summary="Before restart")).status, 204)
        mid = self.sync(path, token).sync_token
        rc = self.server.stop()
        self.assertEqual(rc, 0, self.server.stderr()[-2000:])
        self.server.start()
        type(self).admin = self.server.client(token=self.admin.token)
        self.alice = self.basic("sync-alice")
        self.assertEqual(self.dav(self.alice, "DELETE", path + "c.ics").status, 204)
        ms = self.sync(path, token)
        self.assertEqual(self.names(path, ms), {"a.ics": None, "c.ics": 404})
        ms = self.sync(path, mid)
        self.assertEqual(self.names(path, ms), {"c.ics": 404})
        self.assertEqual(self.sync(path, ms.sync_token).responses, {})

    def test_rest_changes_show_in_sync(self):
        path = self.new_cal("rest-to-dav", 1)
        cid = self.calendar_id(self.alice, path)
        rest = self.bearer("sync-alice")
        token = self.sync(path).sync_token
        r = rest.post(f"/api/v1/calendars/{cid}/events",
                      {"title": "From REST", "start": "2025-04-10T09:00:00Z",
                       "end": "2025-04-10T10:00:00Z"})
        self.assertEqual(r.status, 201, str(r))
        ev = r.json()
        ms = self.sync(path, token)
        self.assertEqual(len(ms.responses), 1, ms.raw)
        href = next(iter(ms.responses))
        self.assertTrue(href.startswith(path), href)
        got = self.dav(self.alice, "GET", href)
        self.assertIn("SUMMARY:From REST", ics_lines(got.text))
        self.assertEqual(ms.responses[href].text(q(D, "getetag")), got.header("ETag"))
        t1 = ms.sync_token
        r = rest.patch(f"/api/v1/events/{ev['id']}", {"title": "Patched in REST"})
        self.assertEqual(r.status, 200, str(r))
        ms = self.sync(path, t1)
        self.assertEqual(set(ms.responses), {href})
        self.assertIsNone(ms.responses[href].status)
        self.assertIn("SUMMARY:Patched in REST", ics_lines(self.dav(self.alice, "GET", href).text))
        t2 = ms.sync_token
        r = rest.delete(f"/api/v1/events/{ev['id']}")
        self.assertIn(r.status, (200, 204), str(r))
        ms = self.sync(path, t2)
        self.assertEqual({h: x.status for h, x in ms.responses.items()}, {href: 404})
        self.assertEqual(self.dav(self.alice, "GET", href).status, 404)

    def test_rest_shows_caldav_series_with_override_and_exdate(self):
        path = f"{self.home}series/"
        self.make_calendar(self.alice, path)
        cid = self.calendar_id(self.alice, path)
        self.assertEqual(self.put(self.alice, path + "weekly.ics", WEEKLY).status, 201)
        items = self.instances(cid, "2025-03-01T00:00:00Z", "2025-06-01T00:00:00Z")
        got = sorted((i["start"], i["title"], i["overridden"]) for i in items)
        self.assertEqual(got, [
            ("2025-03-10T09:00:00+01:00", "Weekly standup", False),
            ("2025-03-20T14:00:00+01:00", "Weekly standup (moved in)", True),
            ("2025-03-31T09:00:00+02:00", "Weekly standup", False),
            ("2025-04-14T09:00:00+02:00", "Weekly standup", False),
            ("2025-05-05T09:00:00+02:00", "Weekly standup (moved out)", True)])
        # A CalDAV PUT that adds an EXDATE and an override shows up in REST.
        token = self.sync(path).sync_token
        edited = WEEKLY.replace("EXDATE;TZID=Europe/Berlin:20250324T090000",
                                "EXDATE;TZID=Europe/Berlin:20250324T090000,20250414T090000")
        self.assertEqual(self.put(self.alice, path + "weekly.ics", edited).status, 204)
        items = self.instances(cid, "2025-03-01T00:00:00Z", "2025-06-01T00:00:00Z")
        self.assertNotIn("2025-04-14T09:00:00+02:00", [i["start"] for i in items])
        self.assertEqual(len(items), 4, items)
        self.assertEqual(set(self.sync(path, token).responses), {path + "weekly.ics"})


# =====================================================================================
# Limits and robustness
# =====================================================================================


class CalDavRobustnessTest(CalDavCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dav_user("rob-alice")

    def setUp(self):
        self.alice = self.basic("rob-alice")
        self.cal = "/dav/calendars/rob-alice/rob/"
        r = self.dav(self.alice, "PROPFIND", self.cal, propfind_body((D, "displayname")),
                     headers={"Depth": "0"})
        if r.status == 404:
            self.make_calendar(self.alice, self.cal)
            self.assertEqual(self.put(self.alice, self.cal + "r.ics", event_ics("rob-r")).status, 201)

    def test_unsupported_report_is_403_supported_report(self):
        for body in [f'{PROLOG}<D:expand-property xmlns:D="DAV:"/>',
                     f'{PROLOG}<D:principal-property-search xmlns:D="DAV:"/>',
                     f'{PROLOG}<X:my-report xmlns:X="{X}"/>']:
            with self.subTest(body=body):
                r = self.report(self.alice, self.cal, body)
                self.assertDavError(r, 403, D, "supported-report")

    def test_move_and_copy_are_501(self):
        before = self.collection_state(self.alice, self.cal)
        for method in ["MOVE", "COPY"]:
            with self.subTest(method=method):
                r = self.dav(self.alice, method, self.cal + "r.ics", headers={
                    "Destination": f"http://127.0.0.1:{self.server.port}{self.cal}moved.ics"})
                self.assertEqual(r.status, 501, str(r))
        self.assertEqual(self.collection_state(self.alice, self.cal), before)

    def test_hostile_requests_do_not_crash(self):
        hostile = [
            ("PROPFIND", self.cal, "<" * 10000, {"Depth": "1"}),
            ("PROPFIND", self.cal, "<a>" * 5000 + "</a>" * 5000, {"Depth": "1"}),
            ("PROPFIND", self.cal, propfind_body((D, "getetag")), {"Depth": "infinity"}),
            ("PROPFIND", self.cal, propfind_body((D, "getetag")), {"Depth": "-7"}),
            ("REPORT", self.cal, calendar_query(vevent_filter(
                '<C:comp-filter name="VALARM">' * 60 + "</C:comp-filter>" * 60)), {}),
            ("REPORT", self.cal, multiget_body(*[f"{self.cal}%2e%2e/%2e%2e/x{i}.ics"
                                                 for i in range(50)]), {}),
            ("REPORT", self.cal, calendar_query(vevent_filter(time_range(
                "00010101T000000Z", "99991231T235959Z"))), {}),
            ("GET", "/dav/calendars/rob-alice/rob/../../../etc/passwd", None, {}),
            ("GET", "/dav/calendars/rob-alice/rob/%2e%2e%2f%2e%2e%2fx", None, {}),
            ("PROPFIND", "/dav/calendars/rob-alice/rob/a/b/c/d/", None, {}),
            ("LOCK", self.cal + "r.ics", None, {}),
            ("ACL", self.cal, None, {}),
            ("POST", self.cal, "x", {}),
        ]
        for method, path, body, headers in hostile:
            with self.subTest(method=method, path=path[:60], body=(body or "")[:40]):
                r = self.dav(self.alice, method, path, body, headers=headers)
                if method in ("LOCK", "ACL", "POST"):
                    self.assertEqual(r.status, 501, str(r))
                else:
                    self.assertLess(r.status, 500, str(r))
                self.assertNotIn(b"root:x:0:0", r.body)
        self.assertEqual(self.server.client().get("/healthz").status, 200)

    def test_zz_server_still_healthy(self):
        r = self.server.client().get("/healthz")
        self.assertEqual(r.status, 200, str(r))
        ms = self.propfind(self.alice, self.cal, (D, "getetag"), depth="1")
        self.assertIn(self.cal + "r.ics", ms.responses)
