"""Resource analytics over real HTTP (src/http/analytics_api.cpp,
docs/analytics.md): utilisation per resource and type per ISO week and month,
top requesters, the staff leave summary per team and month, their CSV exports (read back with Python's csv module),
content negotiation, 403 for members and viewers, 400 for bad parameters.
Bookings lie in 2031 so that they stay ahead of the server's real clock;
2031-03-03 is a Monday (ISO week 10)."""

from __future__ import annotations

import csv
import io

from harness import ServerTestCase, query

# The documented paths these tests cover (endpoints_cases.TESTED_PATHS
# includes them: its test compares the OpenAPI paths with its own list).
TESTED_PATHS = {"/api/v1/analytics/resources", "/api/v1/analytics/requesters",
                "/api/v1/analytics/leave"}

WEEKDAYS_9_TO_17 = [{"weekday": d, "from": "09:00", "to": "17:00"}
                    for d in ("mon", "tue", "wed", "thu", "fri")]
HALL_NAME = 'Hall, "East" wing'


def parse_csv(r) -> list[dict]:
    # RFC 4180: CRLF after every record, the header included.
    assert r.body.endswith(b"\r\n"), r.body[-20:]
    return list(csv.DictReader(io.StringIO(r.body.decode("utf-8"), newline="")))


class AnalyticsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice_id, cls.alice = cls.user("an-alice", "member")
        cls.bob_id, cls.bob = cls.user("an-bob", "member")
        cls.boss_id, cls.boss = cls.user("an-boss", "manager")
        cls.guest_id, cls.guest = cls.user("an-guest", "viewer")

        def create(**fields):
            r = cls.admin.post("/api/v1/resources", fields)
            assert r.status == 201, str(r)
            return r.json()["id"]

        def book(client, rid, start, end):
            r = client.post("/api/v1/bookings", {"resource_id": rid, "start": start, "end": end})
            assert r.status == 201, str(r)
            return r.json()["id"]

        def decide(bid, action):
            r = cls.boss.post(f"/api/v1/bookings/{bid}/{action}", {})
            assert r.status == 200, str(r)

        cls.hall = create(type="room", name=HALL_NAME, bookable_hours=WEEKDAYS_9_TO_17,
                          requires_approval=True, buffer_after_min=30, cost_per_use=500,
                          cost_per_hour=1000)
        cls.formula = create(type="room", name="=HYPERLINK(\"x\")", bookable_hours=WEEKDAYS_9_TO_17)
        cls.van = create(type="vehicle", name="Van", timezone="Europe/Berlin", units=2,
                         cost_per_hour=600)
        a1 = book(cls.alice, cls.hall, "2031-03-03T09:00:00Z", "2031-03-03T11:00:00Z")
        a2 = book(cls.alice, cls.hall, "2031-03-04T10:00:00Z", "2031-03-04T11:30:00Z")
        b1 = book(cls.bob, cls.hall, "2031-03-05T09:00:00Z", "2031-03-05T10:00:00Z")
        book(cls.bob, cls.hall, "2031-03-06T09:00:00Z", "2031-03-06T10:00:00Z")  # pending
        b3 = book(cls.bob, cls.hall, "2031-03-10T09:00:00Z", "2031-03-10T12:00:00Z")
        for bid in (a1, a2, b3):
            decide(bid, "approve")
        decide(b1, "reject")
        # Sunday 23:00 - Monday 01:00 in Berlin (UTC+1): half in week 10, half in 11.
        book(cls.bob, cls.van, "2031-03-09T22:00:00Z", "2031-03-10T00:00:00Z")

    def get(self, client, path, headers=None, **params):
        return client.get(f"{path}?{query(**params)}", headers=headers)

    def utilisation(self, client=None, headers=None, **params):
        params.setdefault("from", "2031-03-03")
        params.setdefault("to", "2031-03-17")
        return self.get(client or self.boss, "/api/v1/analytics/resources", headers, **params)

    def requesters(self, client=None, headers=None, **params):
        params.setdefault("from", "2031-03-03")
        params.setdefault("to", "2031-03-17")
        return self.get(client or self.boss, "/api/v1/analytics/requesters", headers, **params)

    def test_openapi_documents_these_paths(self):
        doc = self.server.client().get("/api/v1/openapi.json").json()
        self.assertLessEqual(TESTED_PATHS, set(doc["paths"]))

    def test_weekly_utilisation_json(self):
        r = self.utilisation(period="week")
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type").startswith("application/json"))
        body = r.json()
        self.assertEqual((body["from"], body["to"], body["period"]), ("2031-03-03", "2031-03-17", "week"))
        hall = [x for x in body["resources"] if x["resource_id"] == self.hall]
        self.assertEqual([x["period"] for x in hall], ["2031-W10", "2031-W11"])
        w10, w11 = hall
        self.assertEqual(w10["resource_name"], HALL_NAME)
        self.assertEqual((w10["start"], w10["end"]), ("2031-03-03", "2031-03-10"))
        # 2 h + 1.5 h approved of 5 x 8 h; the rejected and the pending one
        # are counted, not booked; the 30 min clean-up is not booked time.
        self.assertEqual(w10["booked_hours"], 3.5)
        self.assertEqual(w10["bookable_hours"], 40.0)
        self.assertEqual(w10["utilisation"], 0.0875)
        self.assertEqual((w10["bookings"], w10["approved"], w10["pending"], w10["rejected"],
                          w10["cancelled"]), (2, 2, 1, 1, 0))
        self.assertEqual(w10["rejection_rate"], 0.3333)
        self.assertEqual(w10["cost"], 2 * 500 + 3500)
        self.assertEqual((w11["booked_hours"], w11["bookings"], w11["cost"]), (3.0, 1, 3500))
        self.assertEqual(w11["rejection_rate"], 0.0)
        # The van's night is split at Monday 00:00 Berlin time, 1 h each side.
        van = [x for x in body["resources"] if x["resource_id"] == self.van]
        self.assertEqual([x["booked_hours"] for x in van], [1.0, 1.0])
        self.assertEqual([x["bookings"] for x in van], [1, 0])
        self.assertEqual(van[0]["bookable_hours"], 2 * 168.0)
        self.assertEqual(van[0]["timezone"], "Europe/Berlin")
        # Per type: both rooms summed.
        rooms = [x for x in body["types"] if x["type"] == "room"]
        self.assertEqual([x["period"] for x in rooms], ["2031-W10", "2031-W11"])
        self.assertEqual(rooms[0]["resources"], 2)
        self.assertEqual(rooms[0]["bookable_hours"], 80.0)
        self.assertEqual(rooms[0]["booked_hours"], 3.5)
        self.assertEqual({x["type"] for x in body["types"]}, {"room", "vehicle"})

    def test_monthly_utilisation_filtered_by_type_and_resource(self):
        r = self.utilisation(**{"from": "2031-03-01", "to": "2031-05-01"}, period="month",
                             type="room", resource=self.hall)
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual([x["period"] for x in body["resources"]], ["2031-03", "2031-04"])
        march = body["resources"][0]
        self.assertEqual(march["booked_hours"], 6.5)
        self.assertEqual(march["bookable_hours"], 21 * 8.0)  # 21 weekdays in March 2031
        self.assertEqual(march["cost"], 3 * 500 + 6500)
        self.assertEqual(body["resources"][1]["utilisation"], 0.0)
        self.assertIsNone(body["resources"][1]["rejection_rate"])
        self.assertEqual([x["type"] for x in body["types"]], ["room", "room"])
        # The default period is the month.
        r = self.utilisation(type="vehicle")
        self.assertEqual([x["period"] for x in r.json()["resources"]], ["2031-03"])

    def test_utilisation_csv(self):
        r = self.utilisation(period="week", format="csv")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8; header=present")
        self.assertEqual(r.header("Content-Disposition"),
                         'attachment; filename="resource-utilisation_2031-03-03_2031-03-17_week.csv"')
        rows = parse_csv(r)
        self.assertEqual(list(rows[0].keys()), [
            "level", "type", "resource_id", "resource_name", "timezone", "units", "period",
            "start", "end", "booked_hours", "bookable_hours", "utilisation", "bookings",
            "pending", "approved", "rejected", "cancelled", "rejection_rate", "cost"])
        hall = [x for x in rows if x["resource_id"] == str(self.hall)]
        self.assertEqual(len(hall), 2)
        self.assertEqual(hall[0]["resource_name"], HALL_NAME)  # quoted, quotes doubled
        self.assertEqual((hall[0]["period"], hall[0]["booked_hours"], hall[0]["bookable_hours"],
                          hall[0]["utilisation"], hall[0]["bookings"], hall[0]["rejection_rate"],
                          hall[0]["cost"]),
                         ("2031-W10", "3.50", "40.00", "0.0875", "2", "0.3333", "4500"))
        # A name a spreadsheet would run as a formula is defused.
        formula = [x for x in rows if x["resource_id"] == str(self.formula)]
        self.assertEqual(formula[0]["resource_name"], "'=HYPERLINK(\"x\")")
        types = [x for x in rows if x["level"] == "type"]
        self.assertEqual({(x["type"], x["period"]) for x in types},
                         {("room", "2031-W10"), ("room", "2031-W11"), ("vehicle", "2031-W10"),
                          ("vehicle", "2031-W11")})
        self.assertTrue(all(x["resource_id"] == "" for x in types))
        # Accept: text/csv asks for the same; format=json wins over it.
        r2 = self.utilisation(period="week", headers={"Accept": "text/csv"})
        self.assertEqual(r2.header("Content-Type"), "text/csv; charset=utf-8; header=present")
        self.assertEqual(r2.body, r.body)
        self.assertIn("Accept", r2.header("Vary") or "")
        r3 = self.utilisation(period="week", format="json", headers={"Accept": "text/csv"})
        self.assertEqual(r3.header("Content-Type"), "application/json")
        r4 = self.utilisation(headers={"Accept": "application/json;q=0.9, text/csv;q=0.5"})
        self.assertEqual(r4.header("Content-Type"), "application/json")
        r5 = self.utilisation(headers={"Accept": "text/csv;q=0.9, application/json;q=0.5"})
        self.assertTrue(r5.header("Content-Type").startswith("text/csv"))

    def test_top_requesters_json_and_csv(self):
        r = self.requesters()
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual(body["requesters"], 2)
        items = body["items"]
        # alice 3.5 h; bob 3 h in the hall plus the van's 2 h.
        self.assertEqual([x["user_id"] for x in items], [self.bob_id, self.alice_id])
        self.assertEqual([x["rank"] for x in items], [1, 2])
        self.assertEqual(items[0]["name"], "an-bob")
        self.assertEqual(items[0]["booked_hours"], 5.0)
        self.assertEqual((items[0]["bookings"], items[0]["pending"], items[0]["rejected"]), (2, 1, 1))
        self.assertEqual(items[0]["rejection_rate"], 0.3333)
        self.assertEqual(items[1]["booked_hours"], 3.5)
        self.assertEqual(items[1]["rejection_rate"], 0.0)
        r = self.requesters(limit=1)
        self.assertEqual([x["user_id"] for x in r.json()["items"]], [self.bob_id])
        self.assertEqual(r.json()["requesters"], 2)
        r = self.requesters(type="vehicle")
        self.assertEqual([(x["user_id"], x["booked_hours"]) for x in r.json()["items"]],
                         [(self.bob_id, 2.0)])
        r = self.requesters(format="csv")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Disposition"),
                         'attachment; filename="top-requesters_2031-03-03_2031-03-17.csv"')
        rows = parse_csv(r)
        self.assertEqual(list(rows[0].keys()), ["rank", "user_id", "name", "booked_hours",
                                                "bookings", "pending", "approved", "rejected",
                                                "cancelled", "rejection_rate"])
        self.assertEqual([(x["rank"], x["name"], x["booked_hours"]) for x in rows],
                         [("1", "an-bob", "5.00"), ("2", "an-alice", "3.50")])

    def test_members_and_viewers_get_403(self):
        for client in (self.alice, self.guest):
            for r in (self.utilisation(client), self.requesters(client),
                      self.utilisation(client, format="csv")):
                with self.subTest(target=r.target):
                    self.assertProblem(r, 403, "PERMISSION_DENIED", "managers and admins")
        # Admins may.
        self.assertStatus(self.utilisation(self.admin), 200)

    def test_credentials_are_required(self):
        anon = self.server.client()
        for path in ("/api/v1/analytics/resources", "/api/v1/analytics/requesters"):
            r = anon.get(f"{path}?from=2031-03-03&to=2031-03-17")
            self.assertProblem(r, 401, "UNAUTHENTICATED", "sign in")

    def test_bad_parameters_are_400(self):
        for params, detail in [
                ({"from": None}, "from="),
                ({"to": "2031-03-03"}, "to must be after from"),
                ({"from": "2031-03-03T00:00:00Z"}, "from must be a date"),
                ({"to": "next week"}, "to must be a date"),
                ({"from": "2029-01-01", "to": "2031-01-03"}, "longer than 731 days"),
                ({"period": "day"}, "period must be week or month"),
                ({"format": "xml"}, "format must be json or csv"),
                ({"type": "Room!"}, "type must be"),
                ({"resource": "abc"}, "resource must be"),
                ({"colour": "red"}, "unknown query parameter \"colour\""),
                ({"é" * 300: "x"}, "unknown query parameter"),
                ({"from": "2031-02-30"}, "from must be a date"),
                ({"resource": "9" * 40}, "resource must be")]:
            params = {k: v for k, v in params.items()}
            with self.subTest(params=params):
                p = {"from": "2031-03-03", "to": "2031-03-17"}
                p.update(params)
                p = {k: v for k, v in p.items() if v is not None}
                r = self.get(self.boss, "/api/v1/analytics/resources", None, **p)
                self.assertProblem(r, 400, "INVALID_ARGUMENT", detail)
        for limit in ("0", "1001", "-1", "ten"):
            with self.subTest(limit=limit):
                self.assertProblem(self.requesters(limit=limit), 400, "INVALID_ARGUMENT", "limit")
        self.assertProblem(self.requesters(period="week"), 400, "INVALID_ARGUMENT",
                           "unknown query parameter \"period\"")
        self.assertProblem(self.utilisation(resource=999999), 404, "NOT_FOUND", "no such resource")


# Team names no other suite uses: the server is shared.
FIELD = 'an-Field, "North"'
OPS = "an-Ops"


class LeaveSummaryTest(ServerTestCase):
    """GET /api/v1/analytics/leave: 2031-03 has 21 working days, 2031-04 22."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boss_id, cls.boss = cls.user("an-lv-boss", "manager")
        cls.alice_id, cls.alice = cls.user("an-lv-alice", "member")
        cls.bob_id, cls.bob = cls.user("an-lv-bob", "member")
        for uid, team in ((cls.alice_id, FIELD), (cls.bob_id, FIELD), (cls.boss_id, OPS)):
            r = cls.admin.patch(f"/api/v1/users/{uid}", {"manager_id": None if uid == cls.boss_id
                                                        else cls.boss_id, "team": team})
            assert r.status == 200, str(r)

        def ask(client, start, end, **fields):
            r = client.post("/api/v1/leave", {"type": "vacation", "start_date": start,
                                              "end_date": end, **fields})
            assert r.status == 201, str(r)
            return r.json()["id"]

        # Alice: Thursday 27 March to Wednesday 2 April, approved.
        leave = ask(cls.alice, "2031-03-27", "2031-04-02")
        r = cls.boss.post(f"/api/v1/leave/{leave}/approve", {})
        assert r.status == 200, str(r)
        # Bob: a sick morning (needs no approval) and a pending April vacation.
        ask(cls.bob, "2031-03-10", "2031-03-10", type="sick", half_day="am")
        ask(cls.bob, "2031-04-14", "2031-04-15")
        # The boss: a rejected day does not count.
        rejected = ask(cls.boss, "2031-03-18", "2031-03-18")
        r = cls.admin.post(f"/api/v1/leave/{rejected}/reject", {"comment": "no"})
        assert r.status == 200, str(r)

    def summary(self, client=None, headers=None, **params):
        params.setdefault("from", "2031-03-01")
        params.setdefault("to", "2031-05-01")
        return (client or self.boss).get(f"/api/v1/analytics/leave?{query(**params)}",
                                         headers=headers)

    def test_team_months_json(self):
        r = self.summary(team=FIELD)
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual((body["from"], body["to"]), ("2031-03-01", "2031-05-01"))
        self.assertLessEqual({"vacation", "sick", "emergency", "official_business"},
                             {t["key"] for t in body["types"]})
        self.assertEqual([(x["team"], x["period"]) for x in body["teams"]],
                         [(FIELD, "2031-03"), (FIELD, "2031-04")])
        march, april = body["teams"]
        self.assertEqual((march["start"], march["end"]), ("2031-03-01", "2031-04-01"))
        self.assertEqual((march["members"], march["working_days"], march["people_on_leave"],
                          march["requests"]), (2, 21, 2, 2))
        # Three vacation days (27, 28, 31 March) and a sick morning.
        self.assertEqual((march["approved_days"], march["pending_days"]), (3.5, 0))
        self.assertEqual(march["by_type"]["vacation"], {"approved_days": 3, "pending_days": 0})
        self.assertEqual(march["by_type"]["sick"]["approved_days"], 0.5)
        self.assertEqual(march["absence_rate"], round(3.5 / 42, 4))
        self.assertEqual((april["working_days"], april["people_on_leave"], april["approved_days"],
                          april["pending_days"]), (22, 1, 2, 2))
        self.assertEqual(april["by_type"]["vacation"], {"approved_days": 2, "pending_days": 2})
        # The overall rows sum the teams in scope: here the one team.
        self.assertEqual([(x["period"], x["members"], x["approved_days"]) for x in body["overall"]],
                         [("2031-03", 2, 3.5), ("2031-04", 2, 2)])

    def test_every_team_and_the_rejected_day(self):
        body = self.summary(self.admin).json()
        ops = [x for x in body["teams"] if x["team"] == OPS]
        self.assertEqual([x["period"] for x in ops], ["2031-03", "2031-04"])
        self.assertEqual((ops[0]["members"], ops[0]["approved_days"], ops[0]["pending_days"],
                          ops[0]["absence_rate"]), (1, 0, 0, 0.0))
        teams = [x["team"] for x in body["teams"]]
        self.assertEqual(teams, sorted(teams))
        self.assertIn(FIELD, teams)
        march = body["overall"][0]
        self.assertGreaterEqual(march["members"], 3)
        self.assertGreaterEqual(march["approved_days"], 3.5)

    def test_csv(self):
        r = self.summary(team=FIELD, format="csv")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8; header=present")
        self.assertEqual(r.header("Content-Disposition"),
                         'attachment; filename="leave-summary_2031-03-01_2031-05-01.csv"')
        rows = parse_csv(r)
        head = list(rows[0].keys())
        self.assertEqual(head[:12], ["level", "team", "period", "start", "end", "members",
                                     "working_days", "people_on_leave", "requests",
                                     "approved_days", "pending_days", "absence_rate"])
        self.assertIn("vacation_approved_days", head)
        self.assertIn("sick_pending_days", head)
        self.assertEqual([(x["level"], x["team"], x["period"]) for x in rows],
                         [("team", FIELD, "2031-03"), ("team", FIELD, "2031-04"),
                          ("organisation", "", "2031-03"), ("organisation", "", "2031-04")])
        self.assertEqual((rows[0]["approved_days"], rows[0]["absence_rate"],
                          rows[0]["vacation_approved_days"], rows[0]["sick_approved_days"]),
                         ("3.5", "0.0833", "3.0", "0.5"))
        self.assertEqual(rows[1]["vacation_pending_days"], "2.0")
        # Accept: text/csv gives the same document.
        self.assertEqual(self.summary(team=FIELD, headers={"Accept": "text/csv"}).body, r.body)

    def test_window_clips_the_months(self):
        body = self.summary(**{"from": "2031-03-31", "to": "2031-04-02"}, team=FIELD).json()
        self.assertEqual([(x["start"], x["end"], x["working_days"], x["approved_days"])
                          for x in body["teams"]],
                         [("2031-03-31", "2031-04-01", 1, 1), ("2031-04-01", "2031-04-02", 1, 1)])

    def test_members_get_403_and_bad_parameters_400(self):
        self.assertProblem(self.summary(self.alice), 403, "PERMISSION_DENIED", "managers and admins")
        self.assertProblem(self.server.client().get(
            "/api/v1/analytics/leave?from=2031-03-01&to=2031-04-01"), 401, "UNAUTHENTICATED", "sign in")
        for params, detail in [({"from": "2031-04-01", "to": "2031-04-01"}, "to must be after from"),
                               ({"to": "April"}, "to must be a date"),
                               ({"from": "2029-01-01", "to": "2031-01-03"}, "longer than 731 days"),
                               ({"team": "t" * 101}, "team is at most 100 bytes"),
                               ({"period": "week"}, "unknown query parameter \"period\""),
                               ({"format": "xlsx"}, "format must be json or csv")]:
            with self.subTest(params=params):
                self.assertProblem(self.summary(**params), 400, "INVALID_ARGUMENT", detail)
