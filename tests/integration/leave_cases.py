"""Staff leave and the approvals inbox over real HTTP (src/http/leave_api.cpp,
docs/leave.md): managers and teams on users, leave types, the request
workflow and its permissions, overlap (409) and balance (422) problem bodies,
half days, the year boundary, the staff leave calendar and CalDAV free/busy
(BUSY-UNAVAILABLE), the approvals inbox with bookings and leave, bulk
decisions, bad input. Leave dates lie in 2031 and later so that the users
(created now) carry over a full cap into them whatever today's date is."""

from __future__ import annotations

from caldav_cases import NSDECL, PROLOG, freebusy_periods, time_range
from harness import ServerTestCase, query

# The documented paths these tests cover (endpoints_cases.TESTED_PATHS adds them).
TESTED_PATHS = {
    "/api/v1/leave", "/api/v1/leave/{id}", "/api/v1/leave/{id}/approve",
    "/api/v1/leave/{id}/reject", "/api/v1/leave/{id}/cancel", "/api/v1/leave/balances",
    "/api/v1/leave/types", "/api/v1/leave/types/{id}", "/api/v1/approvals",
    "/api/v1/approvals/bulk", "/api/v1/users/{id}",
}

LEAVE_KEYS = {"id", "user_id", "user_name", "team", "type", "type_name", "color", "start_date",
              "end_date", "half_day", "first_day_half", "last_day_half", "days", "reason",
              "attachment", "status", "created_by", "may_decide", "may_cancel", "created_at",
              "updated_at"}
BALANCE_KEYS = {"user_id", "year", "type", "type_name", "counts_against_allowance",
                "allowance_days", "carried_over_days", "used_days", "pending_days",
                "remaining_days"}


class LeaveTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boss_id, cls.boss = cls.user("lv-boss", "manager")
        cls.boss2_id, cls.boss2 = cls.user("lv-boss2", "manager")
        cls.alice_id, cls.alice = cls.user("lv-alice", "member")
        cls.bob_id, cls.bob = cls.user("lv-bob", "member")
        cls.guest_id, cls.guest = cls.user("lv-guest", "viewer")
        for uid in (cls.alice_id, cls.bob_id):
            r = cls.admin.patch(f"/api/v1/users/{uid}",
                                {"manager_id": cls.boss_id, "team": "Field office"})
            assert r.status == 200, str(r)

    def ask(self, client, start, end=None, type="vacation", **fields):
        body = {"type": type, "start_date": start, **fields}
        if end is not None:
            body["end_date"] = end
        return client.post("/api/v1/leave", body)

    def asked(self, client, start, end=None, type="vacation", **fields) -> dict:
        r = self.ask(client, start, end, type, **fields)
        self.assertStatus(r, 201)
        return r.json()

    def new_type(self, key, **fields) -> dict:
        fields.setdefault("name", key.title())
        r = self.admin.post("/api/v1/leave/types", {"key": key, **fields})
        self.assertStatus(r, 201)
        return r.json()

    def balance(self, client, type, year, user=None) -> dict:
        params = {"year": year}
        if user is not None:
            params["user"] = user
        r = client.get("/api/v1/leave/balances?" + query(**params))
        self.assertStatus(r, 200)
        items = {b["type"]: b for b in r.json()["items"]}
        self.assertEqual(set(items[type]), BALANCE_KEYS)
        return items[type]

    def staff_leave_calendar(self, client) -> int:
        cals = [c for c in client.get("/api/v1/calendars").json()["items"]
                if c["name"] == "Staff leave" and c["module"] == "staff" and c["owner"] is None]
        self.assertEqual(len(cals), 1, cals)
        return cals[0]["id"]

    def test_openapi_documents_these_paths(self):
        doc = self.server.client().get("/api/v1/openapi.json").json()
        self.assertLessEqual(TESTED_PATHS, set(doc["paths"]))

    # ---- users -----------------------------------------------------------------------

    def test_admins_set_managers_and_teams(self):
        carl_id, _ = self.user("lv-carl", "member")
        r = self.admin.patch(f"/api/v1/users/{carl_id}",
                             {"manager_id": self.boss2_id, "team": "Logistics", "display_name": "Carl"})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["manager_id"], r.json()["team"], r.json()["display_name"]),
                         (self.boss2_id, "Logistics", "Carl"))
        listed = {u["id"]: u for u in self.bob.get("/api/v1/users").json()["items"]}
        self.assertEqual(listed[carl_id]["manager_id"], self.boss2_id)
        self.assertEqual(listed[self.alice_id]["team"], "Field office")
        self.assertIsNone(listed[self.boss_id]["manager_id"])
        self.assertProblem(self.boss.patch(f"/api/v1/users/{carl_id}", {"team": "x"}), 403,
                           "PERMISSION_DENIED", "only an admin")
        for body, detail in [({"manager_id": carl_id}, "cannot manage themself"),
                             ({"manager_id": "boss"}, "manager_id must be a user id or null"),
                             ({"manager_id": 99999999}, "no user 99999999"),
                             ({"team": "x" * 101}, "team is longer than 100 bytes"),
                             ({"role": "admin"}, "unknown field \"role\"")]:
            with self.subTest(body=body):
                self.assertProblem(self.admin.patch(f"/api/v1/users/{carl_id}", body), 400,
                                   "INVALID_ARGUMENT", detail)
        r = self.admin.patch(f"/api/v1/users/{carl_id}", {"manager_id": None})
        self.assertStatus(r, 200)
        self.assertIsNone(r.json()["manager_id"])
        self.assertProblem(self.admin.patch("/api/v1/users/99999999", {"team": "x"}), 404,
                           "NOT_FOUND", "no such user")
        self.assertStatus(self.admin.patch("/api/v1/users/abc", {"team": "x"}), 404)
        r = self.admin.post("/api/v1/users", {"username": "lv-dana", "email": "dana@example.org",
                                              "manager_id": self.boss_id, "team": "Field office"})
        self.assertStatus(r, 201)
        self.assertEqual((r.json()["manager_id"], r.json()["team"]), (self.boss_id, "Field office"))

    # ---- types -----------------------------------------------------------------------

    def test_leave_types(self):
        r = self.alice.get("/api/v1/leave/types")
        self.assertStatus(r, 200)
        types = {t["key"]: t for t in r.json()["items"]}
        self.assertLessEqual({"vacation", "sick", "emergency", "official_business"}, set(types))
        self.assertEqual((types["vacation"]["allowance_days"], types["vacation"]["carry_over_cap_days"],
                          types["vacation"]["builtin"]), (20, 5, True))
        self.assertFalse(types["sick"]["requires_approval"])
        self.assertProblem(self.boss.post("/api/v1/leave/types", {"key": "x", "name": "X"}), 403,
                           "PERMISSION_DENIED", "only admins")
        t = self.new_type("lv-study", allowance_days=2.5, carry_over_cap_days=0, color="#112233",
                          approver_roles=["manager"])
        self.assertEqual((t["allowance_days"], t["approver_roles"], t["builtin"], t["active"]),
                         (2.5, ["manager"], False, True))
        self.assertTrue(self.admin.get("/api/v1/leave/types").json()["items"])
        self.assertProblem(self.admin.post("/api/v1/leave/types", {"key": "lv-study", "name": "Again"}),
                           409, "ALREADY_EXISTS", "exists")
        r = self.admin.patch(f"/api/v1/leave/types/{t['id']}", {"allowance_days": 3, "active": False})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["allowance_days"], r.json()["active"]), (3, False))
        for body, detail in [({"key": "x", "name": "X", "allowance_days": 0.3}, "steps of 0.5"),
                             ({"key": "x", "name": "X", "allowance_days": "3"}, "steps of 0.5"),
                             ({"key": "X y", "name": "X"}, "key must be"),
                             ({"key": "x", "name": "X", "color": "green"}, "color"),
                             ({"key": "x", "name": "X", "approver_roles": ["viewer"]}, "approver_roles"),
                             ({"key": "x"}, "key and name are required"),
                             ({"key": "x", "name": "X", "allowance": 3}, "unknown field \"allowance\"")]:
            with self.subTest(body=body):
                self.assertProblem(self.admin.post("/api/v1/leave/types", body), 400,
                                   "INVALID_ARGUMENT", detail)
        self.assertProblem(self.admin.patch(f"/api/v1/leave/types/{types['vacation']['id']}",
                                            {"key": "holiday"}),
                           400, "INVALID_ARGUMENT", "built-in")
        self.assertProblem(self.admin.patch("/api/v1/leave/types/99999999", {"name": "x"}), 404,
                           "NOT_FOUND", "no such leave type")
        self.assertProblem(self.alice.patch(f"/api/v1/leave/types/{t['id']}", {"name": "x"}), 403,
                           "PERMISSION_DENIED", "only admins")
        # An inactive type takes no requests.
        self.assertProblem(self.ask(self.alice, "2031-02-03", type="lv-study"), 400,
                           "INVALID_ARGUMENT", "unknown leave type \"lv-study\"")

    # ---- the workflow ----------------------------------------------------------------

    def test_request_approve_cancel_with_calendar_and_free_busy(self):
        r = self.ask(self.alice, "2031-03-03", "2031-03-07", reason="family visit",
                     attachment="https://files.example.org/ticket.pdf")
        self.assertStatus(r, 201)
        body = r.json()
        leave_id = body["id"]
        self.assertEqual(r.header("Location"), f"/api/v1/leave/{leave_id}")
        self.assertEqual(set(body), LEAVE_KEYS | {"history"})
        self.assertEqual((body["status"], body["days"], body["user_id"], body["team"], body["type"]),
                         ("pending", 5, self.alice_id, "Field office", "vacation"))
        self.assertEqual([h["action"] for h in body["history"]], ["requested"])
        # Nobody approves their own; colleagues and other managers do not see it.
        self.assertProblem(self.alice.post(f"/api/v1/leave/{leave_id}/approve"), 403,
                           "PERMISSION_DENIED", "nobody approves their own leave")
        self.assertProblem(self.bob.get(f"/api/v1/leave/{leave_id}"), 404, "NOT_FOUND",
                           "no such leave request")
        self.assertProblem(self.boss2.post(f"/api/v1/leave/{leave_id}/approve"), 404, "NOT_FOUND",
                           "no such leave request")
        self.assertProblem(self.guest.post(f"/api/v1/leave/{leave_id}/reject"), 404, "NOT_FOUND",
                           "no such leave request")
        seen = self.boss.get(f"/api/v1/leave/{leave_id}").json()
        self.assertTrue(seen["may_decide"])
        self.assertFalse(seen["may_cancel"])
        r = self.boss.post(f"/api/v1/leave/{leave_id}/approve", {"comment": "enjoy"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["status"], "approved")
        self.assertProblem(self.boss.post(f"/api/v1/leave/{leave_id}/approve"), 412,
                           "FAILED_PRECONDITION", "not pending")
        self.assertProblem(self.boss.post(f"/api/v1/leave/{leave_id}/reject", {"why": "x"}), 400,
                           "INVALID_ARGUMENT", "unknown field \"why\"")
        # The requester sees the outcome.
        mine = self.alice.get(f"/api/v1/leave/{leave_id}").json()
        self.assertEqual(mine["status"], "approved")
        self.assertEqual([(h["action"], h["actor_id"], h["comment"]) for h in mine["history"]],
                         [("requested", self.alice_id, "family visit"),
                          ("approved", self.boss_id, "enjoy")])
        # An all-day out-of-office event in the organisation's staff leave calendar.
        cal = self.staff_leave_calendar(self.bob)
        items = self.instances(cal, "2031-03-01", "2031-04-01", client=self.bob)
        mine_items = [i for i in items if i["title"] == "lv-alice on leave"]
        self.assertEqual(len(mine_items), 1, items)
        item = mine_items[0]
        self.assertEqual((item["all_day"], item["module"], item["categories"], item["start"], item["end"]),
                         (True, "staff", ["leave"], "2031-03-03", "2031-03-08"))
        self.assertNotIn("family", str(item))
        # CalDAV free/busy reads it as BUSY-UNAVAILABLE.
        fb = (f'{PROLOG}<C:free-busy-query {NSDECL}>'
              f'{time_range("20310301T000000Z", "20310310T000000Z")}</C:free-busy-query>')
        r = self.bob.request("REPORT", f"/dav/calendars/lv-bob/{cal}/", raw=fb.encode(),
                             content_type="application/xml; charset=utf-8", headers={"Depth": "1"})
        self.assertEqual(r.status, 200, str(r))
        self.assertIn(("20310303T000000Z", "20310308T000000Z", "BUSY-UNAVAILABLE"),
                      freebusy_periods(r.text), r.text)
        # Only the person (or an admin) cancels; that removes the event.
        self.assertProblem(self.boss.post(f"/api/v1/leave/{leave_id}/cancel"), 403,
                           "PERMISSION_DENIED", "only the person on leave or an admin")
        r = self.alice.post(f"/api/v1/leave/{leave_id}/cancel", {"comment": "plans changed"})
        self.assertStatus(r, 200)
        self.assertEqual([h["action"] for h in r.json()["history"]],
                         ["requested", "approved", "cancelled"])
        self.assertProblem(self.alice.post(f"/api/v1/leave/{leave_id}/cancel"), 412,
                           "FAILED_PRECONDITION", "cancelled already")
        items = self.instances(cal, "2031-03-01", "2031-04-01", client=self.bob)
        self.assertEqual([i for i in items if i["title"] == "lv-alice on leave"], [])

    def test_overlap_is_409_naming_the_other_request(self):
        first = self.asked(self.bob, "2031-05-05", "2031-05-09")
        r = self.ask(self.bob, "2031-05-09", "2031-05-12", type="sick")
        self.assertProblem(r, 409, "CONFLICT", f"overlaps leave request {first['id']}")
        self.assertEqual(r.json()["overlapping"],
                         {"id": first["id"], "start_date": "2031-05-05", "end_date": "2031-05-09",
                          "status": "pending", "days": 5})
        # Morning and afternoon of one day are two requests; a third is not.
        self.assertEqual(self.asked(self.bob, "2031-05-13", half_day="am")["days"], 0.5)
        self.assertEqual(self.asked(self.bob, "2031-05-13", type="sick", half_day="pm")["status"],
                         "approved")
        self.assertStatus(self.ask(self.bob, "2031-05-13", half_day="am"), 409)
        # Someone else on the same days is fine; a rejected request holds nothing.
        self.asked(self.alice, "2031-05-05", "2031-05-09")
        r = self.boss.post(f"/api/v1/leave/{first['id']}/reject", {"comment": "stocktaking"})
        self.assertStatus(r, 200)
        self.asked(self.bob, "2031-05-09", "2031-05-12", type="sick")

    def test_balance_422_with_figures_half_days_and_year_boundary(self):
        self.new_type("lv-course", allowance_days=5, carry_over_cap_days=0)
        # Thursday 2031-07-03 to Monday 2031-07-07: 3 working days.
        r = self.asked(self.alice, "2031-07-03", "2031-07-07", type="lv-course")
        self.assertEqual(r["days"], 3)
        b = self.balance(self.alice, "lv-course", 2031)
        self.assertEqual((b["allowance_days"], b["carried_over_days"], b["used_days"],
                          b["pending_days"], b["remaining_days"]), (5, 0, 0, 3, 2))
        # Half a first day and a whole second: 1.5 fits, 2.5 does not.
        r = self.ask(self.alice, "2031-07-09", "2031-07-11", type="lv-course", first_day_half=True)
        self.assertProblem(r, 422, "OUT_OF_RANGE", "needs 2.5 days of Lv-Course in 2031, but 2 remain")
        body = r.json()
        self.assertEqual((body["year"], body["requested_days"]), (2031, 2.5))
        self.assertEqual((body["balance"]["remaining_days"], body["balance"]["pending_days"],
                          body["balance"]["type"]), (2, 3, "lv-course"))
        self.assertEqual(self.asked(self.alice, "2031-07-09", "2031-07-10", type="lv-course",
                                    first_day_half=True)["days"], 1.5)
        # Over New Year each year pays its own part: 2 days in 2031 is too many now...
        r = self.ask(self.alice, "2031-12-30", "2032-01-02", type="lv-course")
        self.assertProblem(r, 422, "OUT_OF_RANGE", "in 2031")
        self.assertEqual(r.json()["requested_days"], 2)
        # ... while bob has room in both years.
        r = self.asked(self.bob, "2031-12-30", "2032-01-02", type="lv-course")
        self.assertEqual(r["days"], 4)
        self.assertEqual(self.balance(self.bob, "lv-course", 2031)["pending_days"], 2)
        self.assertEqual(self.balance(self.bob, "lv-course", 2032)["pending_days"], 2)
        # Vacation carries over at most 5 days into a later year (nothing used since creation).
        v = self.balance(self.bob, "vacation", 2033)
        self.assertEqual((v["allowance_days"], v["carried_over_days"]), (20, 5))
        self.assertIsNone(self.balance(self.bob, "sick", 2033)["remaining_days"])
        # Who may read a balance.
        self.assertEqual(self.balance(self.boss, "lv-course", 2031, user=self.alice_id)["pending_days"],
                         4.5)
        self.assertProblem(self.bob.get(f"/api/v1/leave/balances?user={self.alice_id}&year=2031"),
                           403, "PERMISSION_DENIED", "balance")

    def test_lists_show_what_the_caller_may_see(self):
        a = self.asked(self.alice, "2031-09-01")
        b = self.asked(self.bob, "2031-09-02")
        carl_id, carl = self.user("lv-carl2", "member")
        c = self.asked(carl, "2031-09-03")

        def ids(client, **params):
            params.setdefault("from", "2031-09-01")
            params.setdefault("to", "2031-09-30")
            r = client.get("/api/v1/leave?" + query(**params))
            self.assertStatus(r, 200)
            for item in r.json()["items"]:
                self.assertEqual(set(item), LEAVE_KEYS)
            return [i["id"] for i in r.json()["items"]]

        self.assertEqual(ids(self.alice), [a["id"]])
        self.assertEqual(ids(self.boss), [a["id"], b["id"]])
        self.assertEqual(ids(self.admin), [a["id"], b["id"], c["id"]])
        self.assertEqual(ids(self.guest), [])
        self.assertEqual(ids(self.admin, user=self.bob_id), [b["id"]])
        self.assertEqual(ids(self.admin, **{"from": "2031-09-02", "to": "2031-09-02"}), [b["id"]])
        self.assertEqual(ids(self.admin, status="approved"), [])
        self.assertEqual(ids(self.admin, status="pending"), [a["id"], b["id"], c["id"]])

    def test_bad_input_is_a_clear_4xx(self):
        for body, detail in [
                ({"type": "vacation", "start_date": "2031-03-05", "end_date": "2031-03-04"},
                 "end_date is before start_date"),
                ({"type": "holiday", "start_date": "2031-03-05"}, "unknown leave type \"holiday\""),
                ({"type": "vacation", "start_date": "2031-03-05", "end_date": "2031-03-06",
                  "half_day": "am"}, "half_day is for a one-day request"),
                ({"type": "vacation", "start_date": "2031-03-05", "first_day_half": True},
                 "for several days"),
                ({"type": "vacation", "start_date": "2031-03-05", "half_day": "noon"},
                 "half_day must be am or pm"),
                ({"type": "vacation", "start_date": "2031-02-30"}, "start_date must be a date"),
                ({"type": "vacation", "start_date": "2031-03-05T09:00:00Z"}, "start_date must be a date"),
                ({"type": "vacation", "start_date": "2031-03-08"}, "no working day"),
                ({"type": "vacation", "start_date": "2031-01-01", "end_date": "2032-01-02"},
                 "at most 366 days"),
                ({"start_date": "2031-03-05"}, "type and start_date are required"),
                ({"type": "vacation", "start_date": "2031-03-05", "user_id": "me"}, "user_id must be"),
                ({"type": "vacation", "start_date": "2031-03-05", "reason": 5}, "reason must be a string"),
                ({"type": "vacation", "start_date": "2031-03-05", "attachment": "a\u0001b"},
                 "control characters"),
                ({"type": "vacation", "start_date": "2031-03-05", "colour": "red"},
                 "unknown field \"colour\"")]:
            with self.subTest(body=body):
                self.assertProblem(self.alice.post("/api/v1/leave", body), 400, "INVALID_ARGUMENT",
                                   detail)
        self.assertStatus(self.alice.post("/api/v1/leave", raw=b"type=vacation",
                                          content_type="text/plain"), 415)
        self.assertProblem(self.alice.post("/api/v1/leave", raw=b"{\"type\":", content_type="application/json"),
                           400, "INVALID_ARGUMENT", "not valid JSON")
        self.assertProblem(self.guest.post("/api/v1/leave", {"type": "vacation", "start_date": "2031-03-05"}),
                           403, "PERMISSION_DENIED", "viewers cannot request leave")
        self.assertProblem(self.alice.post("/api/v1/leave", {"type": "vacation", "start_date": "2031-03-05",
                                                             "user_id": self.bob_id}),
                           403, "PERMISSION_DENIED", "only admins")
        self.assertProblem(self.alice.get("/api/v1/leave/abc"), 404, "NOT_FOUND", "no such leave request")
        self.assertProblem(self.alice.get("/api/v1/leave/99999999"), 404, "NOT_FOUND",
                           "no such leave request")
        for target, detail in [("/api/v1/leave?status=maybe", "status must be"),
                               ("/api/v1/leave?from=soon", "from must be a date"),
                               ("/api/v1/leave?user=bob", "user must be a user id"),
                               ("/api/v1/leave?from=2031-03-05&to=2031-03-01", "to is before from"),
                               ("/api/v1/leave/balances?year=31", "year must be four digits"),
                               ("/api/v1/leave/balances?user=x", "user must be a user id")]:
            with self.subTest(target=target):
                self.assertProblem(self.alice.get(target), 400, "INVALID_ARGUMENT", detail)
        self.assertProblem(self.alice.get("/api/v1/leave/balances?user=99999999"), 404, "NOT_FOUND",
                           "no such user")
        r = self.asked(self.alice, "2031-10-06")
        self.assertProblem(self.boss.post(f"/api/v1/leave/{r['id']}/approve", {"comment": 1}), 400,
                           "INVALID_ARGUMENT", "comment must be a string")
        self.assertProblem(self.boss.post(f"/api/v1/leave/{r['id']}/approve", {"comment": "x" * 5000}),
                           400, "INVALID_ARGUMENT", "comment is longer")
        self.assertStatus(self.server.client().get("/api/v1/leave"), 401)

    # ---- the approvals inbox -----------------------------------------------------------

    def test_approvals_inbox_with_both_kinds_and_bulk_decisions(self):
        res = self.admin.post("/api/v1/resources", {"type": "room", "name": "lv-room",
                                                    "requires_approval": True})
        self.assertStatus(res, 201)
        booking = self.alice.post("/api/v1/bookings", {"resource_id": res.json()["id"],
                                                       "start": "2031-11-03T09:00:00Z",
                                                       "end": "2031-11-03T10:00:00Z",
                                                       "title": "Planning"})
        self.assertStatus(booking, 201)
        booking_id = booking.json()["id"]
        leave_a = self.asked(self.alice, "2031-11-10")
        leave_b1 = self.asked(self.bob, "2031-11-11")
        leave_b2 = self.asked(self.bob, "2031-11-12")
        r = self.boss.get("/api/v1/approvals")
        self.assertStatus(r, 200)
        items = r.json()["items"]
        kinds = {(i["kind"], i["id"]) for i in items}
        self.assertLessEqual({("booking", booking_id), ("leave", leave_a["id"]),
                              ("leave", leave_b1["id"]), ("leave", leave_b2["id"])}, kinds)
        b_item = next(i for i in items if i["kind"] == "booking" and i["id"] == booking_id)
        self.assertEqual((b_item["title"], b_item["requester_id"], b_item["status"]),
                         ("Planning", self.alice_id, "pending"))
        l_item = next(i for i in items if i["kind"] == "leave" and i["id"] == leave_a["id"])
        self.assertEqual((l_item["user_id"], l_item["type"], l_item["may_decide"]),
                         (self.alice_id, "vacation", True))
        # Leave of boss's reports is not in boss2's inbox; the booking is (every manager).
        other = {(i["kind"], i["id"]) for i in self.boss2.get("/api/v1/approvals").json()["items"]}
        self.assertIn(("booking", booking_id), other)
        self.assertNotIn(("leave", leave_a["id"]), other)
        self.assertEqual(self.alice.get("/api/v1/approvals").json()["items"], [])
        # Bulk approve: every item on its own.
        r = self.boss.post("/api/v1/approvals/bulk", {
            "action": "approve", "comment": "fine",
            "items": [{"kind": "booking", "id": booking_id}, {"kind": "leave", "id": leave_a["id"]},
                      {"kind": "leave", "id": 99999999}, {"kind": "leave", "id": leave_a["id"]}]})
        self.assertStatus(r, 200)
        body = r.json()
        self.assertEqual((body["action"], body["decided"], body["failed"]), ("approve", 2, 2))
        results = body["results"]
        self.assertEqual([(x["kind"], x["id"], x["ok"]) for x in results],
                         [("booking", booking_id, True), ("leave", leave_a["id"], True),
                          ("leave", 99999999, False), ("leave", leave_a["id"], False)])
        self.assertEqual((results[0]["status"], results[0]["auto_rejected"]), ("approved", []))
        self.assertEqual(results[1]["status"], "approved")
        self.assertEqual((results[2]["problem"]["status"], results[2]["problem"]["code"]),
                         (404, "NOT_FOUND"))
        self.assertEqual((results[3]["problem"]["status"], results[3]["problem"]["code"]),
                         (412, "FAILED_PRECONDITION"))
        # Bulk reject with a comment; the requester sees the outcome.
        r = self.boss.post("/api/v1/approvals/bulk", {
            "action": "reject", "comment": "busy month",
            "items": [{"kind": "leave", "id": leave_b1["id"]}, {"kind": "leave", "id": leave_b2["id"]}]})
        self.assertStatus(r, 200)
        self.assertEqual([x["status"] for x in r.json()["results"]], ["rejected", "rejected"])
        got = self.bob.get(f"/api/v1/leave/{leave_b1['id']}").json()
        self.assertEqual((got["status"], got["history"][-1]["comment"], got["history"][-1]["actor_id"]),
                         ("rejected", "busy month", self.boss_id))
        self.assertEqual(self.alice.get(f"/api/v1/bookings/{booking_id}").json()["status"], "approved")
        remaining = {(i["kind"], i["id"]) for i in self.boss.get("/api/v1/approvals").json()["items"]}
        self.assertFalse(remaining & kinds)
        # A member may not decide; each item says so.
        leave_c = self.asked(self.bob, "2031-11-13")
        r = self.alice.post("/api/v1/approvals/bulk", {"action": "approve",
                                                       "items": [{"kind": "leave", "id": leave_c["id"]}]})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["results"][0]["problem"]["status"], 404)
        # Malformed bodies decide nothing.
        for body, detail in [({"action": "maybe", "items": [{"kind": "leave", "id": 1}]},
                              "action must be approve or reject"),
                             ({"action": "approve", "items": []}, "items must be an array of 1-100"),
                             ({"action": "approve"}, "items must be an array of 1-100"),
                             ({"action": "approve", "items": [{"kind": "room", "id": leave_c["id"]}]},
                              "needs kind (booking or leave) and id"),
                             ({"action": "approve", "items": [{"kind": "leave", "id": "1"}]},
                              "id must be a positive integer"),
                             ({"action": "approve", "items": [{"kind": "leave", "id": 1, "x": 1}]},
                              "items: unknown field \"x\""),
                             ({"action": "approve", "items": [7]}, "{kind, id} objects"),
                             ({"action": "approve", "items": [{"kind": "leave", "id": 1}] * 101},
                              "items must be an array of 1-100"),
                             ({"action": "approve", "items": [{"kind": "leave", "id": 1}], "all": True},
                              "unknown field \"all\"")]:
            with self.subTest(body=body):
                self.assertProblem(self.boss.post("/api/v1/approvals/bulk", body), 400,
                                   "INVALID_ARGUMENT", detail)
        self.assertEqual(self.bob.get(f"/api/v1/leave/{leave_c['id']}").json()["status"], "pending")
