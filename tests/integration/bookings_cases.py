"""Resources, bookings and approvals over real HTTP (src/http/resources_api.cpp,
docs/resources.md): 201/409 bodies with clashes and free slots, the approval
workflow and its permissions, recurring-event bookings, search, availability,
concurrent clients, bad input. Dates lie in 2031 so that they stay ahead of
the server's real clock."""

from __future__ import annotations

from harness import ServerTestCase, query, run_threads

# The documented paths these tests cover (endpoints_cases.TESTED_PATHS should
# include them: its test compares the OpenAPI paths with its own list).
TESTED_PATHS = {
    "/api/v1/resources", "/api/v1/resources/search", "/api/v1/resources/{id}",
    "/api/v1/resources/{id}/bookings", "/api/v1/resources/{id}/availability",
    "/api/v1/bookings", "/api/v1/bookings/{id}", "/api/v1/bookings/{id}/approve",
    "/api/v1/bookings/{id}/reject", "/api/v1/bookings/{id}/cancel", "/api/v1/approvals",
    "/api/v1/bookings/{id}/check-in",
}


class BookingsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice_id, cls.alice = cls.user("bk-alice", "member")
        cls.bob_id, cls.bob = cls.user("bk-bob", "member")
        cls.boss_id, cls.boss = cls.user("bk-boss", "manager")
        cls.guest_id, cls.guest = cls.user("bk-guest", "viewer")

    def new_resource(self, **fields):
        fields.setdefault("type", "room")
        fields.setdefault("name", f"Room {self.id()[-30:]}")
        r = self.admin.post("/api/v1/resources", fields)
        self.assertStatus(r, 201)
        return r.json()

    def book(self, client, resource_id, start, end, **fields):
        return client.post("/api/v1/bookings",
                           dict(resource_id=resource_id, start=start, end=end, **fields))

    def test_openapi_documents_these_paths(self):
        doc = self.server.client().get("/api/v1/openapi.json").json()
        self.assertLessEqual(TESTED_PATHS, set(doc["paths"]))

    def test_resource_crud_is_for_admins(self):
        body = {"type": "room", "name": "Aula", "capacity": 40, "location": "Building B",
                "bookable_hours": [{"weekday": "mon", "from": "08:00", "to": "18:00"}],
                "unavailability": [{"reason": "paint", "from": "2031-01-01T00:00:00Z",
                                    "to": "2031-01-02T00:00:00Z"}],
                "approver_role": "manager", "buffer_after_min": 10}
        self.assertProblem(self.boss.post("/api/v1/resources", body), 403, "PERMISSION_DENIED",
                           "only admins")
        res = self.new_resource(**body)
        self.assertEqual(res["bookable_hours"], [{"weekday": "mon", "from": "08:00", "to": "18:00"}])
        self.assertEqual(res["units"], 1)
        self.assertTrue(res["pending_blocks"])
        self.assertEqual(self.alice.get(f"/api/v1/resources/{res['id']}").json()["name"], "Aula")
        self.assertIn(res["id"], [x["id"] for x in self.alice.get("/api/v1/resources").json()["items"]])
        cal = self.alice.get(f"/api/v1/calendars/{res['calendar_id']}")
        self.assertStatus(cal, 200)
        self.assertEqual(cal.json()["module"], "resources")
        self.assertProblem(self.alice.patch(f"/api/v1/resources/{res['id']}", {"name": "x"}), 403,
                           "PERMISSION_DENIED", "only admins")
        r = self.admin.patch(f"/api/v1/resources/{res['id']}", {"capacity": 50})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["capacity"], 50)
        self.assertStatus(self.alice.delete(f"/api/v1/resources/{res['id']}"), 403)
        self.assertStatus(self.admin.delete(f"/api/v1/resources/{res['id']}"), 204)
        self.assertProblem(self.alice.get(f"/api/v1/resources/{res['id']}"), 404, "NOT_FOUND",
                           "no such resource")

    def test_bad_input_is_a_clear_400(self):
        res = self.new_resource()
        for body, detail in [
                ({"type": "room"}, "type and name are required"),
                ({"type": "room", "name": "x", "units": 0}, "units must be 1-10000"),
                ({"type": "room", "name": "x", "colour": "red"}, "unknown field \"colour\""),
                ({"type": "room", "name": "x", "bookable_hours": [{"weekday": "mon", "from": "18:00",
                                                                   "to": "08:00"}]},
                 "bookable_hours"),
                ({"type": "Room!", "name": "x"}, "type must be"),
                ({"type": "room", "name": "x", "timezone": "Mars/Base"}, "unknown time zone")]:
            with self.subTest(body=body):
                self.assertProblem(self.admin.post("/api/v1/resources", body), 400,
                                   "INVALID_ARGUMENT", detail)
        for body, detail in [
                ({"start": "2031-03-03T09:00:00Z", "end": "2031-03-03T10:00:00Z"}, "resource_id is required"),
                ({"resource_id": res["id"], "start": "soon", "end": "2031-03-03T10:00:00Z"}, "start:"),
                ({"resource_id": res["id"], "start": "2031-03-03T10:00:00Z", "end": "2031-03-03T09:00:00Z"},
                 "end must be after start"),
                ({"resource_id": res["id"], "start": "2031-03-03T09:00:00Z"}, "start and end are required"),
                ({"resource_id": res["id"], "start": "2031-03-03T09:00:00Z", "end": "2031-03-03T10:00:00Z",
                  "on_conflict": "maybe"}, "on_conflict must be fail or skip"),
                ({"resource_id": "1", "start": "2031-03-03T09:00:00Z"}, "resource_id must be an integer")]:
            with self.subTest(body=body):
                self.assertProblem(self.alice.post("/api/v1/bookings", body), 400,
                                   "INVALID_ARGUMENT", detail)
        r = self.alice.post("/api/v1/bookings", raw=b"resource_id=1", content_type="text/plain")
        self.assertStatus(r, 415)
        self.assertProblem(self.alice.get("/api/v1/bookings/abc"), 404, "NOT_FOUND", "no such booking")
        self.assertProblem(self.alice.get(f"/api/v1/resources/{res['id']}/availability?from=2031-03-03"),
                           400, "INVALID_ARGUMENT", "to=")
        self.assertProblem(self.alice.get("/api/v1/resources/search?min_capacity=-1"), 400,
                           "INVALID_ARGUMENT", "min_capacity")

    def test_clash_is_409_with_clashes_and_free_slots(self):
        res = self.new_resource(bookable_hours=[{"weekday": d, "from": "09:00", "to": "17:00"}
                                                for d in ("mon", "tue", "wed", "thu", "fri")])
        # 2031-03-03 is a Monday.
        r = self.book(self.alice, res["id"], "2031-03-03T10:00:00Z", "2031-03-03T11:00:00Z",
                      title="Alice's review")
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["status"], "approved")
        self.assertTrue(r.header("Location").startswith("/api/v1/bookings/"))
        first = r.json()["id"]
        r = self.book(self.bob, res["id"], "2031-03-03T10:30:00Z", "2031-03-03T11:30:00Z")
        self.assertProblem(r, 409, "CONFLICT", "not free")
        body = r.json()
        self.assertEqual(len(body["clashes"]), 1)
        self.assertEqual(body["clashes"][0]["holder"], "busy")
        self.assertNotIn("requester", body["clashes"][0])
        self.assertEqual(body["clashes"][0]["booking_id"], first)
        self.assertEqual(body["free_slots"], [
            {"start": "2031-03-03T09:00:00Z", "end": "2031-03-03T10:00:00Z"},
            {"start": "2031-03-03T11:00:00Z", "end": "2031-03-03T12:00:00Z"}])
        # A manager sees who holds it.
        r = self.book(self.boss, res["id"], "2031-03-03T10:30:00Z", "2031-03-03T11:30:00Z")
        self.assertStatus(r, 409)
        self.assertEqual(r.json()["clashes"][0]["holder"], "Alice's review (bk-alice)")
        # Outside bookable hours is a rule, not a clash.
        self.assertProblem(self.book(self.bob, res["id"], "2031-03-03T07:00:00Z",
                                     "2031-03-03T08:00:00Z"),
                           400, "INVALID_ARGUMENT", "outside the bookable hours")
        # The booking in the resource calendar and in the lists.
        items = self.instances(res["calendar_id"], "2031-03-01", "2031-03-10", client=self.bob)
        self.assertEqual([i["title"] for i in items], ["Alice's review"])
        listed = self.bob.get(f"/api/v1/resources/{res['id']}/bookings?"
                              + query(**{"from": "2031-03-01", "to": "2031-03-10"})).json()["items"]
        self.assertEqual([(b["id"], b["title"], b["details"]) for b in listed], [(first, "busy", False)])
        free = self.bob.get(f"/api/v1/resources/{res['id']}/availability?"
                            + query(**{"from": "2031-03-03T00:00:00Z", "to": "2031-03-04T00:00:00Z"}))
        self.assertStatus(free, 200)
        self.assertEqual(free.json()["free"], [
            {"start": "2031-03-03T09:00:00Z", "end": "2031-03-03T10:00:00Z"},
            {"start": "2031-03-03T11:00:00Z", "end": "2031-03-03T17:00:00Z"}])

    def test_approval_workflow_and_permissions(self):
        res = self.new_resource(requires_approval=True, approver_user_ids=[self.bob_id],
                                pending_blocks=False)
        a = self.book(self.alice, res["id"], "2031-04-01T09:00:00Z", "2031-04-01T10:00:00Z")
        b = self.book(self.boss, res["id"], "2031-04-01T09:30:00Z", "2031-04-01T10:30:00Z")
        self.assertStatus(a, 201)
        self.assertStatus(b, 201)
        self.assertEqual(a.json()["status"], "pending")
        a_id, b_id = a.json()["id"], b.json()["id"]
        inbox = self.bob.get("/api/v1/approvals").json()["items"]
        self.assertEqual(sorted(i["id"] for i in inbox), sorted([a_id, b_id]))
        self.assertEqual(self.alice.get("/api/v1/approvals").json()["items"], [])
        self.assertProblem(self.boss.post(f"/api/v1/bookings/{a_id}/approve"), 403,
                           "PERMISSION_DENIED", "not an approver")
        self.assertProblem(self.alice.post(f"/api/v1/bookings/{a_id}/approve"), 403,
                           "PERMISSION_DENIED", "not an approver")
        r = self.bob.post(f"/api/v1/bookings/{a_id}/approve", {"comment": "enjoy"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["status"], "approved")
        self.assertEqual(r.json()["auto_rejected"], [b_id])
        got = self.boss.get(f"/api/v1/bookings/{b_id}").json()
        self.assertEqual(got["status"], "rejected")
        self.assertEqual(got["history"][-1]["action"], "auto-rejected")
        self.assertProblem(self.bob.post(f"/api/v1/bookings/{a_id}/approve"), 412,
                           "FAILED_PRECONDITION", "not pending")
        self.assertProblem(self.bob.post(f"/api/v1/bookings/{a_id}/cancel"), 403,
                           "PERMISSION_DENIED", "requester")
        r = self.alice.post(f"/api/v1/bookings/{a_id}/cancel", {"comment": "no longer needed"})
        self.assertStatus(r, 200)
        self.assertEqual([h["action"] for h in r.json()["history"]], ["requested", "approved", "cancelled"])
        c = self.book(self.alice, res["id"], "2031-04-02T09:00:00Z", "2031-04-02T10:00:00Z").json()["id"]
        r = self.bob.post(f"/api/v1/bookings/{c}/reject", {"comment": "audit"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["history"][-1]["comment"], "audit")
        self.assertProblem(self.bob.post(f"/api/v1/bookings/{c}/reject", {"bogus": 1}), 400,
                           "INVALID_ARGUMENT", "unknown field")
        # Viewers do not book.
        self.assertProblem(self.book(self.guest, res["id"], "2031-04-03T09:00:00Z",
                                     "2031-04-03T10:00:00Z"),
                           403, "PERMISSION_DENIED", "may not book")

    def test_recurring_event_booking_fail_then_skip(self):
        cal = self.new_calendar(self.alice, name="bk team")
        ev = self.new_event(cal, self.alice, title="Weekly", start="2031-05-05T09:00:00Z",
                            end="2031-05-05T10:00:00Z", rrule="FREQ=WEEKLY;COUNT=4")
        res = self.new_resource()
        self.assertStatus(self.book(self.bob, res["id"], "2031-05-12T09:30:00Z", "2031-05-12T10:30:00Z"), 201)
        r = self.alice.post("/api/v1/bookings", {"resource_id": res["id"], "event_id": ev["id"]})
        self.assertProblem(r, 409, "CONFLICT", "1 of 4 instances clash")
        self.assertEqual([c["recurrence_id"] for c in r.json()["clashes"]], ["2031-05-12T09:00:00Z"])
        r = self.alice.post("/api/v1/bookings", {"resource_id": res["id"], "event_id": ev["id"],
                                                  "on_conflict": "skip"})
        self.assertStatus(r, 201)
        body = r.json()
        self.assertEqual([b["recurrence_id"] for b in body["bookings"]],
                         ["2031-05-05T09:00:00Z", "2031-05-19T09:00:00Z", "2031-05-26T09:00:00Z"])
        self.assertEqual(len(body["skipped"]), 1)
        self.assertIsNotNone(body["group_id"])

    def test_event_moves_carry_bookings_and_deletion_releases_them(self):
        cal = self.new_calendar(self.alice, name="bk moves")
        ev = self.new_event(cal, self.alice, title="Weekly", start="2031-06-02T09:00:00Z",
                            end="2031-06-02T10:00:00Z", rrule="FREQ=WEEKLY;COUNT=3")
        res = self.new_resource(buffer_after_min=15)
        r = self.alice.post("/api/v1/bookings", {"resource_id": res["id"], "event_id": ev["id"]})
        self.assertStatus(r, 201)
        ids = [b["id"] for b in r.json()["bookings"]]
        self.assertEqual(len(ids), 3)
        # Bob holds 13:00-14:00 on the second Monday.
        self.assertStatus(self.book(self.bob, res["id"], "2031-06-09T13:00:00Z",
                                    "2031-06-09T14:00:00Z"), 201)
        path = f"/api/v1/events/{ev['id']}"
        # Moving that occurrence onto Bob's slot (its clean-up buffer) is a 409
        # naming the room, and nothing changes.
        r = self.alice.patch(path + "?scope=this&recurrence_id=2031-06-09T09:00:00Z",
                             {"start": "2031-06-09T12:00:00Z", "end": "2031-06-09T12:50:00Z"})
        self.assertProblem(r, 409, "CONFLICT", res["name"])
        self.assertEqual(self.alice.get(f"/api/v1/bookings/{ids[1]}").json()["start"],
                         "2031-06-09T09:00:00Z")
        # An hour earlier fits: the booking follows, the others stay.
        r = self.alice.patch(path + "?scope=this&recurrence_id=2031-06-09T09:00:00Z",
                             {"start": "2031-06-09T11:00:00Z", "end": "2031-06-09T12:00:00Z"})
        self.assertStatus(r, 200)
        moved = self.alice.get(f"/api/v1/bookings/{ids[1]}").json()
        self.assertEqual((moved["start"], moved["end"]), ("2031-06-09T11:00:00Z", "2031-06-09T12:00:00Z"))
        self.assertEqual(moved["history"][-1]["action"], "moved")
        self.assertEqual(self.alice.get(f"/api/v1/bookings/{ids[0]}").json()["start"],
                         "2031-06-02T09:00:00Z")
        listed = self.alice.get(f"/api/v1/resources/{res['id']}/bookings?" +
                                query(**{"from": "2031-06-09T00:00:00Z", "to": "2031-06-10T00:00:00Z"}))
        self.assertEqual(sorted(b["start"] for b in listed.json()["items"]),
                         ["2031-06-09T11:00:00Z", "2031-06-09T13:00:00Z"])
        # Check-in opens 15 minutes before the start: far too early now.
        self.assertProblem(self.alice.post(f"/api/v1/bookings/{ids[0]}/check-in", {}), 412,
                           "FAILED_PRECONDITION", "check-in is open from 2031-06-02T08:45:00Z")
        self.assertStatus(self.bob.post(f"/api/v1/bookings/{ids[0]}/check-in", {}), 403)
        # Deleting the series releases every booking it made.
        self.assertStatus(self.alice.delete(path + "?scope=all"), 204)
        for i in ids:
            b = self.alice.get(f"/api/v1/bookings/{i}").json()
            self.assertEqual((b["status"], b["history"][-1]["action"]), ("cancelled", "released"))

    def test_search(self):
        b12 = self.new_resource(name="srch B12", capacity=12, location="Building B, 2nd floor")
        b20 = self.new_resource(name="srch B20", capacity=20, location="building b")
        self.new_resource(name="srch A30", capacity=30, location="Building A")
        self.assertStatus(self.book(self.alice, b20["id"], "2031-06-03T10:30:00Z", "2031-06-03T11:00:00Z"), 201)
        r = self.bob.get("/api/v1/resources/search?" + query(
            type="room", min_capacity=12, location="Building B",
            **{"from": "2031-06-03T10:00:00Z", "to": "2031-06-03T11:30:00Z"}))
        self.assertStatus(r, 200)
        self.assertEqual([x["id"] for x in r.json()["items"]], [b12["id"]])
        r = self.bob.get("/api/v1/resources/search?" + query(min_capacity=12, location="building b"))
        self.assertEqual(sorted(x["id"] for x in r.json()["items"]), sorted([b12["id"], b20["id"]]))

    def test_concurrent_clients_never_double_book(self):
        res = self.new_resource()
        clients = [self.user(f"bk-racer{i}", "member")[1] for i in range(8)]

        def attempt(i):
            out = []
            for k in range(10):
                start = 9 + (i + k) % 4
                r = self.book(clients[i], res["id"], f"2031-07-01T{start:02}:00:00Z",
                              f"2031-07-01T{start + 1:02}:30:00Z")
                out.append(r.status)
            return out

        statuses = [s for batch in run_threads(8, attempt) for s in batch]
        self.assertTrue(set(statuses) <= {201, 409}, statuses)
        listed = self.admin.get(f"/api/v1/resources/{res['id']}/bookings?"
                                + query(**{"from": "2031-07-01", "to": "2031-07-02"})).json()["items"]
        self.assertEqual(len(listed), statuses.count(201))
        spans = sorted((b["start"], b["end"]) for b in listed if b["blocking"])
        for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
            self.assertLessEqual(e1, s2)
