"""Bad and hostile input: each answer is the exact 4xx with a message, and
nothing changes (the event, the calendar and the instance list read back
identical)."""

from __future__ import annotations

import json

from harness import ServerTestCase, query, raw_exchange

WINDOW = {"from": "2025-06-01", "to": "2025-07-01"}


class BadInputTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.admin.post("/api/v1/calendars", {"name": "Target", "timezone": "Europe/Paris"})
        cls.cid = r.json()["id"]
        r = cls.admin.post(f"/api/v1/calendars/{cls.cid}/events", {
            "title": "Weekly", "start": "2025-06-02T10:00:00+02:00",
            "end": "2025-06-02T11:00:00+02:00", "rrule": "FREQ=WEEKLY;COUNT=4"})
        cls.eid = r.json()["id"]
        cls.events = f"/api/v1/calendars/{cls.cid}/events"
        cls.spare = cls.admin.post("/api/v1/calendars", {"name": "Spare"}).json()["id"]
        cls.event = f"/api/v1/events/{cls.eid}"

    def state(self):
        return (self.admin.get(self.event).json(),
                self.admin.get(f"/api/v1/calendars/{self.cid}").json(),
                [c for c in self.admin.get("/api/v1/calendars").json()["items"]
                 if c["id"] != self.spare],
                self.admin.get("/api/v1/events?" + query(calendar=self.cid, **WINDOW)).json())

    def setUp(self):
        self.before = self.state()

    def tearDown(self):
        self.assertEqual(self.state(), self.before, "a refused request changed something")

    def send(self, method, target, raw, content_type="application/json"):
        data = raw.encode() if isinstance(raw, str) else raw
        return self.admin.request(method, target, raw=data, content_type=content_type)

    def test_malformed_json_is_400(self):
        for method, target in [("POST", self.events), ("PATCH", self.event),
                               ("POST", "/api/v1/calendars"),
                               ("PATCH", f"/api/v1/calendars/{self.cid}")]:
            for raw in ['{"title": "x"', "{'title': 'x'}", "", "nul\x00", '{"a":1}{"b":2}']:
                with self.subTest(method=method, target=target, raw=raw):
                    self.assertProblem(self.send(method, target, raw), 400, "INVALID_ARGUMENT",
                                       "the body is not valid JSON")
            with self.subTest(method=method, target=target, raw="array"):
                self.assertProblem(self.send(method, target, "[1, 2]"), 400, "INVALID_ARGUMENT",
                                   "the body must be a JSON object")

    def test_invalid_utf8_in_json_is_400(self):
        r = self.send("POST", self.events, b'{"title": "\xc3\x28", "start": "2025-06-05"}')
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "the body is not valid JSON")

    def test_wrong_types_are_400_naming_the_field(self):
        for body, detail in [
                ({"title": 5}, "title must be a string"),
                ({"title": None}, "title must be a string"),
                ({"location": 7}, "location must be a string or null"),
                ({"all_day": "yes"}, "all_day must be true or false"),
                ({"priority": 1.5}, "priority must be an integer"),
                ({"priority": "1"}, "priority must be an integer"),
                ({"categories": "a,b"}, "categories must be an array of strings"),
                ({"categories": [1]}, "categories must be an array of strings"),
                ({"rdates": "2025-06-05"}, "rdates must be an array of strings"),
                ({"attendees": {"email": "a@b.test"}}, "attendees must be an array of objects"),
                ({"attendees": [{"name": "no mail"}]}, "every attendee needs an email"),
                ({"start": 20250605}, "start must be a string"),
                ({"start": "next tuesday"}, "start: invalid time"),
                ({"start": "2025-02-30T10:00:00Z"}, "start: invalid time")]:
            for method, target in [("POST", self.events), ("PATCH", self.event)]:
                with self.subTest(method=method, body=body):
                    full = dict(body)
                    if method == "POST" and "start" not in full:
                        full["start"] = "2025-06-05T10:00:00Z"
                    r = self.admin.request(method, target, full)
                    self.assertProblem(r, 400, "INVALID_ARGUMENT", detail)
        r = self.admin.post("/api/v1/calendars", {"name": ["x"]})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "name must be a string")
        r = self.admin.post("/api/v1/calendars", {"name": "x", "shares": [{"user_id": "1"}]})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "user_id must be an integer")

    def test_invalid_values_are_400_naming_the_field(self):
        for body, detail in [
                ({"rrule": "FREQ=FORTNIGHTLY"}, "rrule: FREQ=FORTNIGHTLY"),
                ({"rrule": "FREQ=DAILY;BYMONTHDAY=0"}, "rrule: BYMONTHDAY=0"),
                ({"rrule": "FREQ=DAILY;COUNT=2;UNTIL=20250701T000000Z"},
                 "rrule: COUNT and UNTIL must not both be given"),
                ({"rrule": ""}, "rrule: empty recurrence rule"),
                ({"timezone": "Mars/Olympus_Mons"}, 'unknown time zone "Mars/Olympus_Mons"'),
                ({"status": "maybe"}, "status must be confirmed, tentative or cancelled"),
                ({"visibility": "secret"}, "visibility must be public, private or confidential"),
                ({"priority": 10}, "priority must be an integer from 0 to 9"),
                ({"attendees": [{"email": "not-an-address"}]}, "is not an address"),
                ({"title": "bell\u0007"}, "title contains a control character"),
                ({"title": "x" * 1025}, "title is longer than 1024 bytes")]:
            for method, target in [("POST", self.events), ("PATCH", self.event)]:
                with self.subTest(method=method, body=body):
                    full = dict(body)
                    if method == "POST":
                        full.setdefault("start", "2025-06-05T10:00:00Z")
                    self.assertProblem(self.admin.request(method, target, full), 400,
                                       "INVALID_ARGUMENT", detail)

    def test_end_before_start_is_400(self):
        r = self.admin.post(self.events, {"title": "x", "start": "2025-06-05T10:00:00Z",
                                          "end": "2025-06-05T09:00:00Z"})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "end must be after start")
        r = self.admin.post(self.events, {"title": "x", "start": "2025-06-05T10:00:00Z",
                                          "end": "2025-06-05T10:00:00Z"})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "end must be after start")
        r = self.admin.patch(self.event, {"end": "2025-06-01T10:00:00+02:00"})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "end must be after start")
        r = self.admin.post(self.events, {"start": "2025-06-05", "end": "2025-06-05T12:00:00Z"})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "an all-day event takes dates")

    def test_out_of_range_years_are_422(self):
        for start in ["1850-01-01T00:00:00Z", "9500-01-01T00:00:00Z"]:
            r = self.admin.post(self.events, {"title": "x", "start": start})
            self.assertProblem(r, 422, "OUT_OF_RANGE", "between 1900 and 9000")

    def test_unknown_fields_are_400_naming_the_field(self):
        cases = [("POST", self.events, {"title": "x", "start": "2025-06-05T10:00:00Z",
                                        "colour": "red"}, 'unknown field "colour"'),
                 ("PATCH", self.event, {"titel": "typo"}, 'unknown field "titel"'),
                 ("PATCH", self.event, {"etag": "x"}, 'unknown field "etag"'),
                 ("POST", self.events, {"start": "2025-06-05T10:00:00Z",
                                        "attendees": [{"email": "a@b.test", "rsvp": True}]},
                  'attendees: unknown field "rsvp"'),
                 ("POST", "/api/v1/calendars", {"name": "x", "owner_id": 1}, 'unknown field "owner_id"'),
                 ("PATCH", f"/api/v1/calendars/{self.cid}", {"owner": "organisation"},
                  'unknown field "owner"'),
                 ("POST", "/api/v1/tokens", {"name": "t", "scopes": []}, 'unknown field "scopes"'),
                 ("POST", "/api/v1/session", {"username": "admin", "password": "x", "remember": True},
                  'unknown field "remember"'),
                 ("PUT", "/api/v1/modules/staff", {"name": "S", "color": "#000000", "icon": "x"},
                  'unknown field "icon"')]
        tokens = self.admin.get("/api/v1/tokens").json()
        for method, target, body, detail in cases:
            with self.subTest(target=target, body=body):
                self.assertProblem(self.admin.request(method, target, body), 400,
                                   "INVALID_ARGUMENT", detail)
        self.assertEqual(self.admin.get("/api/v1/tokens").json(), tokens)

    def test_ten_megabyte_json_body_is_413(self):
        big = json.dumps({"title": "x" * (10 * 1024 * 1024), "start": "2025-06-05T10:00:00Z"})
        for method, target in [("POST", self.events), ("PATCH", self.event)]:
            with self.subTest(method=method):
                r = self.send(method, target, big)
                self.assertProblem(r, 413, "RESOURCE_EXHAUSTED",
                                   "the JSON body is larger than 1048576 bytes")

    def test_body_over_server_limit_is_413_before_it_is_read(self):
        # max_body_bytes is 64 MiB: announced larger, the server answers at once.
        req = (f"POST /api/v1/calendars/{self.cid}/import HTTP/1.1\r\nHost: t\r\n"
               f"Authorization: Bearer {self.admin.token}\r\nContent-Type: text/calendar\r\n"
               f"Content-Length: {100 * 1024 * 1024}\r\n\r\n").encode()
        out = raw_exchange(self.server.port, req)
        self.assertTrue(out.startswith(b"HTTP/1.1 413 "), out[:300])
        self.assertIn(b"The request body exceeds 67108864 bytes", out)

    def test_missing_or_wrong_content_type_is_415(self):
        body = json.dumps({"title": "x", "start": "2025-06-05T10:00:00Z"})
        for ctype in [None, "text/plain", "application/x-www-form-urlencoded", "text/calendar"]:
            with self.subTest(content_type=ctype):
                r = self.send("POST", self.events, body, content_type=ctype)
                self.assertProblem(r, 415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json")
        r = self.send("POST", f"/api/v1/calendars/{self.spare}/events", body,
                      content_type="application/json; charset=utf-8")
        self.assertStatus(r, 201)
        self.assertStatus(self.admin.delete(f"/api/v1/events/{r.json()['id']}"), 204)

    def test_bad_ids_in_paths_are_404(self):
        for target in ["/api/v1/events/abc", "/api/v1/events/-1", "/api/v1/events/1.5",
                       "/api/v1/events/99999999", "/api/v1/events/" + "9" * 40,
                       "/api/v1/events/0x10", "/api/v1/calendars/abc", "/api/v1/calendars/99999999",
                       "/api/v1/calendars/abc/export.ics", "/api/v1/tokens/abc"]:
            for method in ["GET", "PATCH", "DELETE"]:
                with self.subTest(method=method, target=target):
                    body = None
                    if method == "PATCH":
                        body = {"name": "x"} if "calendars" in target else {"title": "x"}
                    r = self.admin.request(method, target, body)
                    if r.status == 405:  # e.g. PATCH on export.ics
                        continue
                    self.assertEqual(r.status, 404, str(r))
                    self.assertEqual(r.json()["code"], "NOT_FOUND", str(r))
        r = self.admin.post("/api/v1/calendars/abc/events", {"start": "2025-06-05T10:00:00Z"})
        self.assertProblem(r, 404, "NOT_FOUND", "no such resource")
        r = self.admin.post("/api/v1/calendars/99999999/events", {"start": "2025-06-05T10:00:00Z"})
        self.assertProblem(r, 404, "NOT_FOUND", "no such calendar")

    def test_bad_query_windows_are_400(self):
        for params, detail in [
                ({"from": "2025-06-10", "to": "2025-06-01"}, "to must be after from"),
                ({"from": "2025-06-10", "to": "2025-06-10"}, "to must be after from"),
                ({"from": "2025-01-01", "to": "2026-02-06"}, "the window is longer than 400 days"),
                ({"from": "2025-06-01"}, "the query needs to="),
                ({"to": "2025-06-01"}, "the query needs from="),
                ({"from": "yesterday", "to": "2025-06-01"}, "from: invalid time"),
                ({**WINDOW, "calendar": "abc"}, "calendar must be a calendar id"),
                ({**WINDOW, "limit": "0"}, "limit must be 1-10000"),
                ({**WINDOW, "limit": "10001"}, "limit must be 1-10000"),
                ({**WINDOW, "limit": "many"}, "limit must be 1-10000")]:
            with self.subTest(params=params):
                r = self.admin.get("/api/v1/events?" + query(**params))
                self.assertProblem(r, 400, "INVALID_ARGUMENT", detail)
        # 400 days exactly is allowed.
        self.assertStatus(self.admin.get("/api/v1/events?from=2025-01-01&to=2026-02-05"), 200)
        r = self.admin.get("/api/v1/events?" + query(calendar=99999999, **WINDOW))
        self.assertProblem(r, 404, "NOT_FOUND", "no such calendar")

    def test_path_tricks(self):
        for target, status, detail in [
                ("/api/v1/calendars/../users", 400, "'..' segments"),
                ("/api/v1/calendars/%2e%2e/users", 400, "'..' segments"),
                ("/api/v1/calendars/%2E%2E", 400, "'..' segments"),
                ("/api/v1/./me", 400, "'.' or '..' segments"),
                (f"/api/v1/calendars/{self.cid}%00", 400, "Malformed percent-encoding"),
                ("/api/v1/events/%zz", 400, "Malformed percent-encoding"),
                ("/api/v1//calendars", 404, "No resource at this path"),
                ("/api/v1/calendars/", 404, "No resource at this path"),
                ("/API/V1/CALENDARS", 404, "No resource at this path"),
                ("/api/v1/" + "a/" * 5000, 404, "No resource at this path"),
                ("/api/v1/events/" + "1" * 70000, 431, "exceed 65536 bytes")]:
            with self.subTest(target=target[:60]):
                self.assertStatus(self.admin.get(target), status, detail)
        self.assertStatus(self.admin.get("/healthz"), 200)

    def test_http_garbage_gets_400_and_the_server_keeps_answering(self):
        port = self.server.port
        for payload, status in [
                (b"GARBAGE\r\n\r\n", b"400"),
                (b"\x00\x01\x02\xff" * 64 + b"\r\n\r\n", b"400"),
                (b"GET / HTTP/9.9\r\nHost: t\r\n\r\n", b"400"),
                (b"GET /healthz HTTP/1.1\r\n\r\n", b"400"),  # HTTP/1.1 without Host
                (b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", b"400"),
                (b"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", b"400"),
                (b"POST /api/v1/session HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"zz\r\nxx\r\n", b"400"),
                (b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", b"431"),
                (b"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", b"400")]:
            with self.subTest(payload=payload[:40]):
                out = raw_exchange(port, payload)
                self.assertTrue(out.startswith(b"HTTP/1.1 " + status + b" "), out[:200])
                self.assertIn(b"Connection: close", out.split(b"\r\n\r\n")[0])
        # A client that connects and closes, or sends half a request and closes.
        raw_exchange(port, b"")
        raw_exchange(port, b"GET /heal")
        self.assertStatus(self.server.client().get("/healthz"), 200)

    def test_import_of_a_bad_file_changes_nothing(self):
        ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
               "BEGIN:VEVENT\r\nUID:good@example.test\r\nDTSTAMP:20250101T000000Z\r\n"
               "DTSTART:20250610T090000Z\r\nSUMMARY:Good\r\nEND:VEVENT\r\n"
               "BEGIN:VEVENT\r\nUID:bad@example.test\r\nDTSTAMP:20250101T000000Z\r\n"
               "SUMMARY:No start\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        r = self.send("POST", f"/api/v1/calendars/{self.cid}/import", ics, "text/calendar")
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "line 10: VEVENT has no DTSTART")
        bad_rule = ics.replace("SUMMARY:No start\r\n", "DTSTART:20250611T090000Z\r\n"
                                                       "RRULE:FREQ=DAILY;BYFOO=1\r\n")
        r = self.send("POST", f"/api/v1/calendars/{self.cid}/import", bad_rule, "text/calendar")
        self.assertProblem(r, 400, "INVALID_ARGUMENT", 'unknown rule part "BYFOO"')
        r = self.send("POST", f"/api/v1/calendars/{self.cid}/import", b"BEGIN:VCALENDAR\r\n\xff\xfe\r\n",
                      "text/calendar")
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "invalid UTF-8")
