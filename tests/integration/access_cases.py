"""Cross-organisation isolation, and permissions per role and per share
(src/domain/access.h, docs/server.md "Accounts, roles and access")."""

from __future__ import annotations

from harness import ServerTestCase, add_org, query

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
       "UID:intruder@example.test\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250402T090000Z\r\n"
       "SUMMARY:Intruder\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


class IsolationTest(ServerTestCase):
    """Organisation "beta" and its admin see nothing of organisation "main"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_org(cls.db, "Beta Inc", "beta")
        cls.alice_id, cls.alice = cls.user("iso-alice", "member")
        cls.b_admin_id, cls.b_admin = cls.user("iso-b-admin", "admin", org="beta")
        cls.b_member_id, cls.b_member = cls.user("iso-b-member", "member", org="beta")

    def setUp(self):
        self.cal = self.new_calendar(self.alice, name="Alice private")
        self.org_cal = self.new_calendar(name="Main all hands", owner="organisation")
        self.ev = self.new_event(self.cal, self.alice, title="Secret plan",
                                 start="2025-04-01T09:00:00Z", end="2025-04-01T10:00:00Z")
        self.org_ev = self.new_event(self.org_cal, title="All hands",
                                     start="2025-04-02T09:00:00Z", end="2025-04-02T10:00:00Z")
        self.snapshot = self.state()

    def state(self):
        return (self.admin.get(f"/api/v1/events/{self.ev['id']}").json(),
                self.admin.get(f"/api/v1/events/{self.org_ev['id']}").json(),
                self.admin.get(f"/api/v1/calendars/{self.cal}").json(),
                self.admin.get(f"/api/v1/calendars/{self.org_cal}").json(),
                self.admin.get("/api/v1/events?from=2025-03-01&to=2025-05-01").json())

    def test_other_org_gets_404_for_calendars(self):
        for client in (self.b_admin, self.b_member):
            for cal in (self.cal, self.org_cal):
                base = f"/api/v1/calendars/{cal}"
                for method, path, body in [
                        ("GET", base, None), ("PATCH", base, {"name": "pwned"}),
                        ("DELETE", base, None), ("POST", base + "/feed", None),
                        ("POST", base + "/events", {"title": "x", "start": "2025-04-03T09:00:00Z"}),
                        ("GET", base + "/export.ics", None),
                        ("GET", "/api/v1/events?" + query(calendar=cal, **{"from": "2025-03-01",
                                                                           "to": "2025-05-01"}),
                         None)]:
                    with self.subTest(method=method, path=path, client=client.token[:12]):
                        r = client.request(method, path, body)
                        self.assertProblem(r, 404, "NOT_FOUND", "no such calendar")
                r = client.post(base + "/import", raw=ICS.encode(), content_type="text/calendar")
                self.assertProblem(r, 404, "NOT_FOUND", "no such calendar")
        self.assertEqual(self.state(), self.snapshot)

    def test_other_org_gets_404_for_events(self):
        for client in (self.b_admin, self.b_member):
            for ev in (self.ev, self.org_ev):
                path = f"/api/v1/events/{ev['id']}"
                for method, target, body in [
                        ("GET", path, None), ("PATCH", path, {"title": "pwned"}),
                        ("PATCH", path + "?scope=this&recurrence_id=2025-04-01T09:00:00Z",
                         {"title": "pwned"}),
                        ("DELETE", path, None),
                        ("DELETE", path + "?scope=following&recurrence_id=2025-04-01T09:00:00Z",
                         None)]:
                    with self.subTest(method=method, target=target):
                        r = client.request(method, target, body, headers={"If-Match": f'"{ev["etag"]}"'})
                        self.assertProblem(r, 404, "NOT_FOUND", "no such event")
        self.assertEqual(self.state(), self.snapshot)

    def test_other_org_lists_are_empty_or_its_own(self):
        r = self.b_admin.get("/api/v1/calendars")
        self.assertStatus(r, 200)
        # Only beta's own calendars (other tests of this class make some).
        self.assertEqual([c["name"] for c in r.json()["items"] if not c["name"].startswith("Beta ")],
                         [])
        r = self.b_admin.get("/api/v1/events?from=2025-03-01&to=2025-05-01")
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"items": [], "truncated": False})
        users = sorted(u["username"] for u in self.b_admin.get("/api/v1/users").json()["items"])
        self.assertEqual(users, ["iso-b-admin", "iso-b-member"])
        # A module added in main does not exist in beta.
        self.assertStatus(self.admin.put("/api/v1/modules/main-only",
                                         {"name": "Main only", "color": "#111111"}), 200)
        keys = [m["key"] for m in self.b_admin.get("/api/v1/modules").json()["items"]]
        self.assertEqual(keys, ["community", "coordination", "planning", "resources", "staff"])
        r = self.b_admin.post("/api/v1/calendars", {"name": "x", "module": "main-only"})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", 'unknown module "main-only"')

    def test_cannot_share_to_a_user_of_another_org(self):
        before = self.b_admin.get("/api/v1/calendars").json()
        r = self.b_admin.post("/api/v1/calendars",
                              {"name": "Leak", "shares": [{"user_id": self.alice_id,
                                                           "level": "editor"}]})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", f"share: no user {self.alice_id}")
        self.assertEqual(self.b_admin.get("/api/v1/calendars").json(), before)
        own = self.new_calendar(self.b_admin, name="Beta cal")
        r = self.b_admin.patch(f"/api/v1/calendars/{own}",
                               {"shares": [{"user_id": self.alice_id, "level": "viewer"}]})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", f"share: no user {self.alice_id}")
        self.assertEqual(self.b_admin.get(f"/api/v1/calendars/{own}").json()["shares"], [])
        # And main's admin cannot share to beta's users either.
        r = self.admin.patch(f"/api/v1/calendars/{self.cal}",
                             {"shares": [{"user_id": self.b_member_id, "level": "viewer"}]})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", f"share: no user {self.b_member_id}")
        self.assertEqual(self.state(), self.snapshot)

    def test_other_org_admin_cannot_revoke_tokens_or_see_users(self):
        tokens = self.alice.get("/api/v1/tokens").json()["items"]
        for t in tokens:
            r = self.b_admin.delete(f"/api/v1/tokens/{t['id']}")
            self.assertProblem(r, 404, "NOT_FOUND", "no such token")
        self.assertStatus(self.alice.get("/api/v1/me"), 200)
        names = [u["username"] for u in self.b_admin.get("/api/v1/users").json()["items"]]
        self.assertNotIn("iso-alice", names)
        self.assertNotIn("admin", names)

    def test_other_org_feed_is_not_reachable_through_its_own_calendars(self):
        # Beta's feed token is for beta's calendar only.
        own = self.new_calendar(self.b_admin, name="Beta published")
        feed = self.b_admin.post(f"/api/v1/calendars/{own}/feed").json()
        r = self.server.client().get(feed["ics_url"])
        self.assertStatus(r, 200)
        self.assertNotIn("Secret plan", r.text)
        self.assertNotIn("All hands", r.text)


class PermissionTest(ServerTestCase):
    """Alice (member) owns two calendars: "solo" shared with nobody, "team"
    shared to bob as viewer, carol as editor, managers as viewers and the
    viewer-role user vic as editor. Each has a public and a private event."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice_id, cls.alice = cls.user("perm-alice", "member")
        cls.bob_id, cls.bob = cls.user("perm-bob", "member")
        cls.carol_id, cls.carol = cls.user("perm-carol", "member")
        cls.mgr_id, cls.mgr = cls.user("perm-mgr", "manager")
        cls.vic_id, cls.vic = cls.user("perm-vic", "viewer")

    def setUp(self):
        self.solo = self.new_calendar(self.alice, name="Alice solo")
        self.team = self.new_calendar(self.alice, name="Alice team", shares=[
            {"user_id": self.bob_id, "level": "viewer"},
            {"user_id": self.carol_id, "level": "editor"},
            {"role": "manager", "level": "viewer"},
            {"user_id": self.vic_id, "level": "editor"}])
        self.ev = {}
        for cal, name in [(self.solo, "solo"), (self.team, "team")]:
            self.ev[name, "public"] = self.new_event(
                cal, self.alice, title=f"{name} standup", description="daily notes",
                location="Room 4", start="2025-04-07T09:00:00Z", end="2025-04-07T09:15:00Z")
            self.ev[name, "private"] = self.new_event(
                cal, self.alice, title=f"{name} doctor", description="check-up",
                location="Clinic", visibility="private", start="2025-04-07T12:00:00Z",
                end="2025-04-07T13:00:00Z")

    def window(self, client, cal):
        r = client.get("/api/v1/events?" + query(calendar=cal, **{"from": "2025-04-07",
                                                                  "to": "2025-04-08"}))
        self.assertStatus(r, 200)
        return r.json()["items"]

    def access(self, client, cal):
        r = client.get(f"/api/v1/calendars/{cal}")
        self.assertStatus(r, 200)
        return r.json()["access"]

    def assert_busy(self, item):
        self.assertEqual((item["title"], item["busy_only"]), ("Busy", True), item)
        for key in ("description", "location", "categories", "priority"):
            self.assertNotIn(key, item)

    def assert_cannot_write(self, client, cal, event, detail="you cannot change events"):
        snapshot = self.admin.get(f"/api/v1/events/{event['id']}").json()
        self.assertProblem(client.patch(f"/api/v1/events/{event['id']}", {"title": "no"}), 403,
                           "PERMISSION_DENIED", detail)
        self.assertProblem(client.delete(f"/api/v1/events/{event['id']}"), 403,
                           "PERMISSION_DENIED", detail)
        self.assertProblem(client.post(f"/api/v1/calendars/{cal}/events",
                                       {"title": "no", "start": "2025-04-08T09:00:00Z"}),
                           403, "PERMISSION_DENIED", detail)
        self.assertEqual(self.admin.get(f"/api/v1/events/{event['id']}").json(), snapshot)

    def test_unshared_colleague_sees_free_busy_only(self):
        self.assertEqual(self.access(self.bob, self.solo), "freebusy")
        self.assertNotIn(self.solo, [c["id"] for c in self.bob.get("/api/v1/calendars").json()["items"]])
        items = self.window(self.bob, self.solo)
        self.assertEqual([(i["start"], i["end"]) for i in items],
                         [("2025-04-07T09:00:00Z", "2025-04-07T09:15:00Z"),
                          ("2025-04-07T12:00:00Z", "2025-04-07T13:00:00Z")])
        for item in items:
            self.assert_busy(item)
        # Not in the default list (only calendars with read access).
        r = self.bob.get("/api/v1/events?from=2025-04-07&to=2025-04-08")
        self.assertNotIn(self.solo, [i["calendar_id"] for i in r.json()["items"]])
        g = self.bob.get(f"/api/v1/events/{self.ev['solo', 'public']['id']}").json()
        self.assertEqual((g["title"], g["busy_only"], g["description"], g["location"]),
                         ("Busy", True, "", ""))
        self.assertProblem(self.bob.get(f"/api/v1/calendars/{self.solo}/export.ics"), 403,
                           "PERMISSION_DENIED", "free/busy")
        self.assert_cannot_write(self.bob, self.solo, self.ev["solo", "public"])
        # q= never matches busy time.
        r = self.bob.get("/api/v1/events?" + query(calendar=self.solo, q="Busy",
                                                    **{"from": "2025-04-07", "to": "2025-04-08"}))
        self.assertEqual(r.json()["items"], [])

    def test_viewer_share_reads_but_private_is_busy_and_no_write(self):
        self.assertEqual(self.access(self.bob, self.team), "read")
        self.assertIn(self.team, [c["id"] for c in self.bob.get("/api/v1/calendars").json()["items"]])
        public, private = self.window(self.bob, self.team)
        self.assertEqual((public["title"], public["busy_only"], public["description"],
                          public["location"]), ("team standup", False, "daily notes", "Room 4"))
        self.assert_busy(private)
        g = self.bob.get(f"/api/v1/events/{self.ev['team', 'private']['id']}").json()
        self.assertEqual((g["title"], g["busy_only"], g["description"], g["location"]),
                         ("Busy", True, "", ""))
        x = self.bob.get(f"/api/v1/calendars/{self.team}/export.ics")
        self.assertStatus(x, 200)
        self.assertIn("SUMMARY:team standup", x.text)
        self.assertNotIn("team doctor", x.text)
        self.assertNotIn("check-up", x.text)
        self.assert_cannot_write(self.bob, self.team, self.ev["team", "public"])
        # Not the owner: no shares shown, no calendar changes.
        self.assertNotIn("shares", self.bob.get(f"/api/v1/calendars/{self.team}").json())
        self.assertProblem(self.bob.patch(f"/api/v1/calendars/{self.team}", {"name": "x"}), 403,
                           "PERMISSION_DENIED", "only the calendar's owner")

    def test_editor_share_writes_and_sees_private_details(self):
        self.assertEqual(self.access(self.carol, self.team), "write")
        public, private = self.window(self.carol, self.team)
        self.assertEqual((private["title"], private["busy_only"], private["description"]),
                         ("team doctor", False, "check-up"))
        r = self.carol.patch(f"/api/v1/events/{self.ev['team', 'public']['id']}",
                             {"title": "standup (carol)"})
        self.assertStatus(r, 200)
        self.assertEqual(self.get_event(self.ev["team", "public"]["id"], self.alice)["title"],
                         "standup (carol)")
        made = self.carol.post(f"/api/v1/calendars/{self.team}/events",
                               {"title": "by carol", "start": "2025-04-07T15:00:00Z"})
        self.assertStatus(made, 201)
        self.assertEqual(self.get_event(made.json()["id"], self.alice)["title"], "by carol")
        self.assertStatus(self.carol.delete(f"/api/v1/events/{made.json()['id']}"), 204)
        # Writing events is not owning the calendar.
        snapshot = self.admin.get(f"/api/v1/calendars/{self.team}").json()
        self.assertProblem(self.carol.patch(f"/api/v1/calendars/{self.team}", {"name": "x"}), 403,
                           "PERMISSION_DENIED", "only the calendar's owner can change it")
        self.assertProblem(self.carol.delete(f"/api/v1/calendars/{self.team}"), 403,
                           "PERMISSION_DENIED", "only the calendar's owner can delete it")
        self.assertProblem(self.carol.post(f"/api/v1/calendars/{self.team}/feed"), 403,
                           "PERMISSION_DENIED", "only the calendar's owner can publish a feed")
        self.assertEqual(self.admin.get(f"/api/v1/calendars/{self.team}").json(), snapshot)
        # Carol's share is for "team" only.
        self.assertEqual(self.access(self.carol, self.solo), "freebusy")
        self.assert_cannot_write(self.carol, self.solo, self.ev["solo", "public"])

    def test_role_share_grants_managers_read(self):
        self.assertEqual(self.access(self.mgr, self.team), "read")
        self.assertEqual(self.access(self.mgr, self.solo), "freebusy")
        public, private = self.window(self.mgr, self.team)
        self.assertEqual(public["title"], "team standup")
        self.assert_busy(private)
        self.assert_cannot_write(self.mgr, self.team, self.ev["team", "public"])
        # Changing the role share to editor lets every manager write.
        shares = self.alice.get(f"/api/v1/calendars/{self.team}").json()["shares"]
        shares = [dict(s, level="editor") if s.get("role") == "manager" else s for s in shares]
        self.assertStatus(self.alice.patch(f"/api/v1/calendars/{self.team}", {"shares": shares}), 200)
        self.assertEqual(self.access(self.mgr, self.team), "write")
        self.assertStatus(self.mgr.patch(f"/api/v1/events/{self.ev['team', 'public']['id']}",
                                         {"title": "by manager"}), 200)

    def test_viewer_role_never_writes_even_with_editor_share(self):
        self.assertEqual(self.access(self.vic, self.team), "read")
        public, private = self.window(self.vic, self.team)
        self.assertEqual(public["title"], "team standup")
        self.assert_busy(private)
        self.assert_cannot_write(self.vic, self.team, self.ev["team", "public"])
        before = self.admin.get("/api/v1/calendars").json()
        self.assertProblem(self.vic.post("/api/v1/calendars", {"name": "mine"}), 403,
                           "PERMISSION_DENIED", "viewers cannot create calendars")
        self.assertEqual(self.admin.get("/api/v1/calendars").json(), before)

    def test_admin_owns_every_calendar(self):
        self.assertEqual(self.access(self.admin, self.solo), "owner")
        items = self.window(self.admin, self.solo)
        self.assertEqual([(i["title"], i["busy_only"]) for i in items],
                         [("solo standup", False), ("solo doctor", False)])
        self.assertStatus(self.admin.patch(f"/api/v1/events/{self.ev['solo', 'private']['id']}",
                                           {"title": "solo doctor (admin)"}), 200)
        self.assertStatus(self.admin.patch(f"/api/v1/calendars/{self.solo}", {"name": "renamed"}), 200)

    def test_owner_sees_and_changes_everything(self):
        self.assertEqual(self.access(self.alice, self.team), "owner")
        items = self.window(self.alice, self.team)
        self.assertEqual([(i["title"], i["busy_only"]) for i in items],
                         [("team standup", False), ("team doctor", False)])
        self.assertStatus(self.alice.post(f"/api/v1/calendars/{self.team}/feed"), 201)

    def test_organisation_calendar_managers_write_members_read(self):
        r = self.mgr.post("/api/v1/calendars", {"name": "All staff", "owner": "organisation"})
        self.assertStatus(r, 201)
        org = r.json()
        self.assertEqual((org["owner"], org["access"]), (None, "write"))
        ev = self.new_event(org["id"], self.mgr, title="Town hall", visibility="private",
                            start="2025-04-07T16:00:00Z")
        self.assertEqual(self.access(self.bob, org["id"]), "read")
        self.assertEqual(self.access(self.vic, org["id"]), "read")
        self.assertIn(org["id"], [c["id"] for c in self.bob.get("/api/v1/calendars").json()["items"]])
        (item,) = self.window(self.bob, org["id"])
        self.assert_busy(item)  # private: details for writers only
        (item,) = self.window(self.mgr, org["id"])
        self.assertEqual(item["title"], "Town hall")
        self.assert_cannot_write(self.bob, org["id"], ev)
        self.assertStatus(self.mgr.patch(f"/api/v1/events/{ev['id']}", {"title": "Town hall 2"}), 200)
        # Managers write the organisation's calendars but do not own them.
        self.assertProblem(self.mgr.patch(f"/api/v1/calendars/{org['id']}", {"name": "x"}), 403,
                           "PERMISSION_DENIED", "only the calendar's owner can change it")
        self.assertProblem(self.bob.post("/api/v1/calendars", {"name": "Org", "owner": "organisation"}),
                           403, "PERMISSION_DENIED",
                           "only managers and admins can create organisation calendars")

    def test_member_creates_own_calendar(self):
        r = self.bob.post("/api/v1/calendars", {"name": "Bob's"})
        self.assertStatus(r, 201)
        self.assertEqual((r.json()["owner"], r.json()["access"]), (self.bob_id, "owner"))
        self.assertEqual(self.access(self.alice, r.json()["id"]), "freebusy")
