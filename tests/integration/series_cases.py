"""Series edits over HTTP: scope this / following / all, PATCH and DELETE, on a
daily (America/New_York across the 2025-03-09 DST change), a weekly (UTC) and a
monthly (Europe/Berlin, BYMONTHDAY=31, across 2025-03-30) series that each
already have two overrides: one moved to another time, one with its own title.

Expected instance lists are written out by hand from RFC 5545 and
src/domain/series_edit.h, never taken from the server.
"""

from __future__ import annotations

import urllib.parse
from datetime import datetime, timedelta

from harness import ServerTestCase, query


def q(**params) -> str:
    return urllib.parse.urlencode(params)


class SeriesSpec:
    """A series, its two overrides and the expected instance lists."""
    name = ""
    window = ("", "")
    create: dict = {}
    # (recurrence_id, change) applied with scope=this after creating.
    moved: tuple[str, dict] = ("", {})
    titled: tuple[str, dict] = ("", {})
    # (recurrence_id, start, end, title) after the two overrides.
    initial: list[tuple[str, str, str, str]] = []
    this_rid = ""       # a plain occurrence edited / deleted with scope=this
    split_index = 0     # index in `initial` of the occurrence for scope=following
    old_rrule_after_split = ""
    new_rrule_after_split = ""
    shift_all: dict = {}  # scope=all change moving the series one hour later
    after_shift: list[tuple[str, str, str, str]] = []


class DailyNewYork(SeriesSpec):
    name = "daily New York (DST on 2025-03-09)"
    window = ("2025-03-01", "2025-03-20")
    create = {"title": "Daily", "start": "2025-03-06T09:00:00-05:00",
              "end": "2025-03-06T10:00:00-05:00", "timezone": "America/New_York",
              "rrule": "FREQ=DAILY;COUNT=8"}
    moved = ("2025-03-08T09:00:00-05:00",
             {"start": "2025-03-08T11:00:00-05:00", "end": "2025-03-08T12:00:00-05:00"})
    titled = ("2025-03-11T09:00:00-04:00", {"title": "Special"})
    initial = [
        ("2025-03-06T09:00:00-05:00", "2025-03-06T09:00:00-05:00", "2025-03-06T10:00:00-05:00", "Daily"),
        ("2025-03-07T09:00:00-05:00", "2025-03-07T09:00:00-05:00", "2025-03-07T10:00:00-05:00", "Daily"),
        ("2025-03-08T09:00:00-05:00", "2025-03-08T11:00:00-05:00", "2025-03-08T12:00:00-05:00", "Daily"),
        ("2025-03-09T09:00:00-04:00", "2025-03-09T09:00:00-04:00", "2025-03-09T10:00:00-04:00", "Daily"),
        ("2025-03-10T09:00:00-04:00", "2025-03-10T09:00:00-04:00", "2025-03-10T10:00:00-04:00", "Daily"),
        ("2025-03-11T09:00:00-04:00", "2025-03-11T09:00:00-04:00", "2025-03-11T10:00:00-04:00", "Special"),
        ("2025-03-12T09:00:00-04:00", "2025-03-12T09:00:00-04:00", "2025-03-12T10:00:00-04:00", "Daily"),
        ("2025-03-13T09:00:00-04:00", "2025-03-13T09:00:00-04:00", "2025-03-13T10:00:00-04:00", "Daily"),
    ]
    this_rid = "2025-03-07T09:00:00-05:00"
    split_index = 4  # 2025-03-10, after the DST change
    # 2025-03-10 09:00 EDT is 13:00Z; the old series ends one second before.
    old_rrule_after_split = "FREQ=DAILY;UNTIL=20250310T125959Z"
    new_rrule_after_split = "FREQ=DAILY;COUNT=4"
    shift_all = {"start": "2025-03-06T10:00:00-05:00", "end": "2025-03-06T11:00:00-05:00"}
    after_shift = [
        ("2025-03-06T10:00:00-05:00", "2025-03-06T10:00:00-05:00", "2025-03-06T11:00:00-05:00", "Daily"),
        ("2025-03-07T10:00:00-05:00", "2025-03-07T10:00:00-05:00", "2025-03-07T11:00:00-05:00", "Daily"),
        # moved on its own: keeps 11:00, but still replaces the (now 10:00) occurrence
        ("2025-03-08T10:00:00-05:00", "2025-03-08T11:00:00-05:00", "2025-03-08T12:00:00-05:00", "Daily"),
        ("2025-03-09T10:00:00-04:00", "2025-03-09T10:00:00-04:00", "2025-03-09T11:00:00-04:00", "Daily"),
        ("2025-03-10T10:00:00-04:00", "2025-03-10T10:00:00-04:00", "2025-03-10T11:00:00-04:00", "Daily"),
        ("2025-03-11T10:00:00-04:00", "2025-03-11T10:00:00-04:00", "2025-03-11T11:00:00-04:00", "Special"),
        ("2025-03-12T10:00:00-04:00", "2025-03-12T10:00:00-04:00", "2025-03-12T11:00:00-04:00", "Daily"),
        ("2025-03-13T10:00:00-04:00", "2025-03-13T10:00:00-04:00", "2025-03-13T11:00:00-04:00", "Daily"),
    ]


class WeeklyUtc(SeriesSpec):
    name = "weekly UTC, Mondays and Wednesdays"
    window = ("2025-02-01", "2025-03-05")
    create = {"title": "Weekly", "start": "2025-02-03T15:00:00Z", "end": "2025-02-03T16:00:00Z",
              "timezone": "UTC", "rrule": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8"}
    moved = ("2025-02-12T15:00:00Z", {"start": "2025-02-13T09:00:00Z", "end": "2025-02-13T10:00:00Z"})
    titled = ("2025-02-19T15:00:00Z", {"title": "Special"})
    initial = [
        ("2025-02-03T15:00:00Z", "2025-02-03T15:00:00Z", "2025-02-03T16:00:00Z", "Weekly"),
        ("2025-02-05T15:00:00Z", "2025-02-05T15:00:00Z", "2025-02-05T16:00:00Z", "Weekly"),
        ("2025-02-10T15:00:00Z", "2025-02-10T15:00:00Z", "2025-02-10T16:00:00Z", "Weekly"),
        ("2025-02-12T15:00:00Z", "2025-02-13T09:00:00Z", "2025-02-13T10:00:00Z", "Weekly"),
        ("2025-02-17T15:00:00Z", "2025-02-17T15:00:00Z", "2025-02-17T16:00:00Z", "Weekly"),
        ("2025-02-19T15:00:00Z", "2025-02-19T15:00:00Z", "2025-02-19T16:00:00Z", "Special"),
        ("2025-02-24T15:00:00Z", "2025-02-24T15:00:00Z", "2025-02-24T16:00:00Z", "Weekly"),
        ("2025-02-26T15:00:00Z", "2025-02-26T15:00:00Z", "2025-02-26T16:00:00Z", "Weekly"),
    ]
    this_rid = "2025-02-05T15:00:00Z"
    split_index = 4  # 2025-02-17
    old_rrule_after_split = "FREQ=WEEKLY;UNTIL=20250217T145959Z;BYDAY=MO,WE"
    new_rrule_after_split = "FREQ=WEEKLY;COUNT=4;BYDAY=MO,WE"
    shift_all = {"start": "2025-02-03T16:00:00Z", "end": "2025-02-03T17:00:00Z"}
    after_shift = [
        ("2025-02-03T16:00:00Z", "2025-02-03T16:00:00Z", "2025-02-03T17:00:00Z", "Weekly"),
        ("2025-02-05T16:00:00Z", "2025-02-05T16:00:00Z", "2025-02-05T17:00:00Z", "Weekly"),
        ("2025-02-10T16:00:00Z", "2025-02-10T16:00:00Z", "2025-02-10T17:00:00Z", "Weekly"),
        ("2025-02-12T16:00:00Z", "2025-02-13T09:00:00Z", "2025-02-13T10:00:00Z", "Weekly"),
        ("2025-02-17T16:00:00Z", "2025-02-17T16:00:00Z", "2025-02-17T17:00:00Z", "Weekly"),
        ("2025-02-19T16:00:00Z", "2025-02-19T16:00:00Z", "2025-02-19T17:00:00Z", "Special"),
        ("2025-02-24T16:00:00Z", "2025-02-24T16:00:00Z", "2025-02-24T17:00:00Z", "Weekly"),
        ("2025-02-26T16:00:00Z", "2025-02-26T16:00:00Z", "2025-02-26T17:00:00Z", "Weekly"),
    ]


class MonthlyBerlin(SeriesSpec):
    name = "monthly Berlin on the 31st (DST on 2025-03-30)"
    window = ("2025-01-01", "2025-09-30")
    create = {"title": "Monthly", "start": "2025-01-31T12:00:00+01:00",
              "end": "2025-01-31T13:00:00+01:00", "timezone": "Europe/Berlin",
              "rrule": "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=5"}
    # Months without a 31st are skipped (RFC 5545 §3.3.10): Jan, Mar, May, Jul, Aug.
    moved = ("2025-03-31T12:00:00+02:00",
             {"start": "2025-03-28T10:00:00+01:00", "end": "2025-03-28T11:00:00+01:00"})
    titled = ("2025-07-31T12:00:00+02:00", {"title": "Special"})
    initial = [
        ("2025-01-31T12:00:00+01:00", "2025-01-31T12:00:00+01:00", "2025-01-31T13:00:00+01:00", "Monthly"),
        ("2025-03-31T12:00:00+02:00", "2025-03-28T10:00:00+01:00", "2025-03-28T11:00:00+01:00", "Monthly"),
        ("2025-05-31T12:00:00+02:00", "2025-05-31T12:00:00+02:00", "2025-05-31T13:00:00+02:00", "Monthly"),
        ("2025-07-31T12:00:00+02:00", "2025-07-31T12:00:00+02:00", "2025-07-31T13:00:00+02:00", "Special"),
        ("2025-08-31T12:00:00+02:00", "2025-08-31T12:00:00+02:00", "2025-08-31T13:00:00+02:00", "Monthly"),
    ]
    this_rid = "2025-05-31T12:00:00+02:00"
    split_index = 2  # 2025-05-31
    old_rrule_after_split = "FREQ=MONTHLY;UNTIL=20250531T095959Z;BYMONTHDAY=31"
    new_rrule_after_split = "FREQ=MONTHLY;COUNT=3;BYMONTHDAY=31"
    shift_all = {"start": "2025-01-31T13:00:00+01:00", "end": "2025-01-31T14:00:00+01:00"}
    after_shift = [
        ("2025-01-31T13:00:00+01:00", "2025-01-31T13:00:00+01:00", "2025-01-31T14:00:00+01:00", "Monthly"),
        ("2025-03-31T13:00:00+02:00", "2025-03-28T10:00:00+01:00", "2025-03-28T11:00:00+01:00", "Monthly"),
        ("2025-05-31T13:00:00+02:00", "2025-05-31T13:00:00+02:00", "2025-05-31T14:00:00+02:00", "Monthly"),
        ("2025-07-31T13:00:00+02:00", "2025-07-31T13:00:00+02:00", "2025-07-31T14:00:00+02:00", "Special"),
        ("2025-08-31T13:00:00+02:00", "2025-08-31T13:00:00+02:00", "2025-08-31T14:00:00+02:00", "Monthly"),
    ]


def by_start(rows):
    return sorted(rows, key=lambda r: r[1])


class SeriesEditCases:
    """The scope tests, run for each SeriesSpec (mixed into a ServerTestCase)."""
    spec: type[SeriesSpec]

    def setUp(self):
        super().setUp()
        s = self.spec
        self.cid = self.new_calendar(name=f"{s.name} {self._testMethodName}")
        self.eid = self.new_event(self.cid, **s.create)["id"]
        for rid, change in (s.moved, s.titled):
            r = self.admin.patch(f"/api/v1/events/{self.eid}?{q(scope='this', recurrence_id=rid)}",
                                 change)
            self.assertStatus(r, 200)
        self.assertEqual(self.listed(), [(self.eid,) + row for row in by_start(s.initial)],
                         "the series with its two overrides")

    def listed(self):
        """(event_id, recurrence_id, start, end, title) of the window, by start."""
        return [(i["event_id"], i["recurrence_id"], i["start"], i["end"], i["title"])
                for i in self.instances(self.cid, *self.spec.window)]

    def target(self, scope, rid=None):
        params = {"scope": scope}
        if rid:
            params["recurrence_id"] = rid
        return f"/api/v1/events/{self.eid}?{q(**params)}"

    # ---- PATCH -----------------------------------------------------------------------

    def test_patch_this_changes_only_that_occurrence(self):
        s = self.spec
        before = self.get_event(self.eid)
        r = self.admin.patch(self.target("this", s.this_rid), {"title": "Only this"})
        self.assertStatus(r, 200)
        out = r.json()
        self.assertEqual((out["event"]["id"], out["deleted"], out["dropped_overrides"]),
                         (self.eid, False, []))
        self.assertNotIn("created", out)
        self.assertNotEqual(out["event"]["etag"], before["etag"])
        self.assertEqual(r.header("ETag"), f'"{out["event"]["etag"]}"')
        expected = [(self.eid, rid, st, en, "Only this" if rid == s.this_rid else t)
                    for rid, st, en, t in by_start(s.initial)]
        self.assertEqual(self.listed(), expected)
        after = self.get_event(self.eid)
        self.assertEqual(after["etag"], out["event"]["etag"])
        self.assertEqual(after["sequence"], before["sequence"])  # the series itself is unchanged
        override = [o for o in after["overrides"] if o["recurrence_id"] == s.this_rid]
        self.assertEqual(len(override), 1)
        self.assertEqual((override[0]["title"], override[0]["sequence"]), ("Only this", 1))
        # Editing the same override again bumps its SEQUENCE again.
        r = self.admin.patch(self.target("this", s.this_rid), {"title": "Only this, again"})
        self.assertStatus(r, 200)
        self.assertNotEqual(r.json()["event"]["etag"], after["etag"])
        again = [o for o in self.get_event(self.eid)["overrides"] if o["recurrence_id"] == s.this_rid]
        self.assertEqual((again[0]["title"], again[0]["sequence"]), ("Only this, again", 2))

    def test_patch_this_on_existing_override_keeps_its_own_time(self):
        s = self.spec
        rid = s.moved[0]
        r = self.admin.patch(self.target("this", rid), {"title": "Moved and renamed"})
        self.assertStatus(r, 200)
        expected = [(self.eid, i, st, en, "Moved and renamed" if i == rid else t)
                    for i, st, en, t in by_start(s.initial)]
        self.assertEqual(self.listed(), expected)

    def test_patch_following_splits_and_carries_later_overrides(self):
        s = self.spec
        split_rid = s.initial[s.split_index][0]
        before = self.get_event(self.eid)
        r = self.admin.patch(self.target("following", split_rid), {"title": "Renamed"})
        self.assertStatus(r, 200)
        out = r.json()
        self.assertIn("created", out)
        new_id = out["created"]["id"]
        self.assertNotEqual(new_id, self.eid)
        self.assertNotEqual(out["created"]["uid"], out["event"]["uid"])
        self.assertEqual(out["event"]["id"], self.eid)
        self.assertNotEqual(out["event"]["etag"], before["etag"])

        expected = []
        for i, (rid, st, en, title) in enumerate(s.initial):
            if i < s.split_index:
                expected.append((self.eid, rid, st, en, title))
            else:  # the new series; an own title (the override) stays
                expected.append((new_id, rid, st, en, "Special" if title == "Special" else "Renamed"))
        self.assertEqual(self.listed(), by_start_rows(expected))

        old = self.get_event(self.eid)
        self.assertEqual(old["rrule"], s.old_rrule_after_split)
        self.assertEqual(old["sequence"], before["sequence"] + 1)
        self.assertEqual(sorted(o["recurrence_id"] for o in old["overrides"]),
                         sorted(x[0] for x in s.initial[:s.split_index]
                                if x[0] in (s.moved[0], s.titled[0])))
        new = self.get_event(new_id)
        self.assertEqual((new["rrule"], new["start"], new["title"], new["recurring"]),
                         (s.new_rrule_after_split, s.initial[s.split_index][1], "Renamed", True))
        self.assertEqual(sorted(o["recurrence_id"] for o in new["overrides"]),
                         sorted(x[0] for x in s.initial[s.split_index:]
                                if x[0] in (s.moved[0], s.titled[0])))
        self.assertEqual(new["sequence"], 1)

    def test_patch_following_from_first_occurrence_is_all(self):
        s = self.spec
        r = self.admin.patch(self.target("following", s.initial[0][0]), {"title": "Everything"})
        self.assertStatus(r, 200)
        self.assertNotIn("created", r.json())
        self.assertEqual(self.listed(),
                         [(self.eid, rid, st, en, "Special" if t == "Special" else "Everything")
                          for rid, st, en, t in by_start(s.initial)])

    def test_patch_all_moves_series_and_overrides_keep_their_occurrences(self):
        s = self.spec
        before = self.get_event(self.eid)
        r = self.admin.patch(self.target("all"), s.shift_all,
                             headers={"If-Match": f'"{before["etag"]}"'})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["dropped_overrides"], [])
        self.assertEqual(self.listed(), [(self.eid,) + row for row in by_start(s.after_shift)])
        after = self.get_event(self.eid)
        self.assertEqual(after["sequence"], before["sequence"] + 1)
        self.assertNotEqual(after["etag"], before["etag"])
        self.assertEqual(after["start"], s.shift_all["start"])

    def test_patch_all_title_flows_into_overrides_without_their_own(self):
        s = self.spec
        r = self.admin.patch(self.target("all"), {"title": "New name"})
        self.assertStatus(r, 200)
        self.assertEqual(self.listed(),
                         [(self.eid, rid, st, en, "Special" if t == "Special" else "New name")
                          for rid, st, en, t in by_start(s.initial)])

    def test_patch_all_rule_change_drops_overrides_without_occurrence(self):
        s = self.spec
        base = s.create["rrule"].replace(f"COUNT={len(s.initial)}", "COUNT=1")
        r = self.admin.patch(self.target("all"), {"rrule": base})
        self.assertStatus(r, 200)
        self.assertEqual(sorted(r.json()["dropped_overrides"]), sorted([s.moved[0], s.titled[0]]))
        first = s.initial[0]
        self.assertEqual(self.listed(), [(self.eid,) + first])
        self.assertEqual(self.get_event(self.eid)["overrides"], [])

    def test_patch_this_with_rrule_is_400_and_changes_nothing(self):
        s = self.spec
        before = self.get_event(self.eid)
        r = self.admin.patch(self.target("this", s.this_rid), {"rrule": "FREQ=DAILY;COUNT=2"})
        self.assertProblem(r, 400, "INVALID_ARGUMENT", "rrule")
        self.assertEqual(self.get_event(self.eid), before)

    def test_patch_unknown_occurrence_is_404(self):
        s = self.spec
        before = self.get_event(self.eid)
        rid = s.initial[0][0][:11] + "07:07:00" + s.initial[0][0][19:]  # same day, 07:07
        r = self.admin.patch(self.target("this", rid), {"title": "nowhere"})
        self.assertProblem(r, 404, "NOT_FOUND", "the series has no occurrence at")
        self.assertEqual(self.get_event(self.eid), before)

    def test_stale_if_match_is_412_and_changes_nothing(self):
        s = self.spec
        stale = self.get_event(self.eid)["etag"]
        self.assertStatus(self.admin.patch(self.target("this", s.this_rid), {"title": "First"}), 200)
        current = self.get_event(self.eid)
        listed = self.listed()
        for scope, rid in [("all", None), ("this", s.this_rid),
                           ("following", s.initial[s.split_index][0])]:
            with self.subTest(scope=scope):
                r = self.admin.patch(self.target(scope, rid), {"title": "Second"},
                                     headers={"If-Match": f'"{stale}"'})
                self.assertProblem(r, 412, "FAILED_PRECONDITION", "changed since you read it")
                d = self.admin.delete(self.target(scope, rid), headers={"If-Match": f'"{stale}"'})
                self.assertProblem(d, 412, "FAILED_PRECONDITION", "changed since you read it")
        self.assertEqual(self.get_event(self.eid), current)
        self.assertEqual(self.listed(), listed)
        # The current ETag (weak form too) is accepted.
        r = self.admin.patch(self.target("all"), {"title": "Third"},
                             headers={"If-Match": f'W/"{current["etag"]}"'})
        self.assertStatus(r, 200)

    # ---- DELETE ----------------------------------------------------------------------

    def test_delete_this_removes_one_occurrence(self):
        s = self.spec
        r = self.admin.delete(self.target("this", s.this_rid))
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["deleted"], r.json()["event"]["id"]), (False, self.eid))
        self.assertEqual(self.listed(), [(self.eid,) + row for row in by_start(s.initial)
                                         if row[0] != s.this_rid])
        self.assertEqual(self.get_event(self.eid)["exdates"], [s.this_rid])

    def test_delete_this_of_an_override_drops_it(self):
        s = self.spec
        rid = s.moved[0]
        r = self.admin.delete(self.target("this", rid))
        self.assertStatus(r, 200)
        self.assertEqual(self.listed(), [(self.eid,) + row for row in by_start(s.initial)
                                         if row[0] != rid])
        ev = self.get_event(self.eid)
        self.assertEqual(ev["exdates"], [rid])
        self.assertEqual([o["recurrence_id"] for o in ev["overrides"]], [s.titled[0]])

    def test_delete_following_removes_the_rest(self):
        s = self.spec
        split_rid = s.initial[s.split_index][0]
        r = self.admin.delete(self.target("following", split_rid))
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["deleted"], False)
        self.assertNotIn("created", r.json())
        kept = s.initial[:s.split_index]
        self.assertEqual(self.listed(), [(self.eid,) + row for row in by_start(kept)])
        ev = self.get_event(self.eid)
        self.assertEqual(ev["rrule"], s.old_rrule_after_split)
        self.assertEqual(sorted(o["recurrence_id"] for o in ev["overrides"]),
                         sorted(x[0] for x in kept if x[0] in (s.moved[0], s.titled[0])))

    def test_delete_following_from_first_occurrence_deletes_the_event(self):
        r = self.admin.delete(self.target("following", self.spec.initial[0][0]))
        self.assertStatus(r, 204)
        self.assertProblem(self.admin.get(f"/api/v1/events/{self.eid}"), 404, "NOT_FOUND",
                           "no such event")

    def test_delete_all_deletes_series_and_overrides(self):
        r = self.admin.delete(self.target("all"))
        self.assertStatus(r, 204)
        self.assertEqual(r.body, b"")
        self.assertProblem(self.admin.get(f"/api/v1/events/{self.eid}"), 404, "NOT_FOUND",
                           "no such event")
        self.assertEqual(self.listed(), [])


def by_start_rows(rows):
    return sorted(rows, key=lambda r: r[2])


class DailyNewYorkSeriesTest(SeriesEditCases, ServerTestCase):
    spec = DailyNewYork


class WeeklyUtcSeriesTest(SeriesEditCases, ServerTestCase):
    spec = WeeklyUtc


class MonthlyBerlinSeriesTest(SeriesEditCases, ServerTestCase):
    spec = MonthlyBerlin


class SeriesDetailsTest(ServerTestCase):
    """Series edits beyond the per-series table."""

    def listed(self, cid, start, end):
        return [(i["event_id"], i["start"], i["title"])
                for i in self.instances(cid, start, end)]

    def test_recurrence_id_in_utc_names_the_same_occurrence(self):
        cid = self.new_calendar()
        eid = self.new_event(cid, title="NY", start="2025-03-07T09:00:00-05:00",
                             end="2025-03-07T10:00:00-05:00", timezone="America/New_York",
                             rrule="FREQ=DAILY;COUNT=4")["id"]
        # 2025-03-10 09:00 EDT is 13:00Z.
        r = self.admin.patch(f"/api/v1/events/{eid}?{q(recurrence_id='2025-03-10T13:00:00Z')}",
                             {"title": "via UTC"})
        self.assertStatus(r, 200)
        self.assertEqual(self.listed(cid, "2025-03-01", "2025-03-15"),
                         [(eid, "2025-03-07T09:00:00-05:00", "NY"),
                          (eid, "2025-03-08T09:00:00-05:00", "NY"),
                          (eid, "2025-03-09T09:00:00-04:00", "NY"),
                          (eid, "2025-03-10T09:00:00-04:00", "via UTC")])

    def test_following_keeps_remaining_count_with_exdates(self):
        # RFC 5545 §3.8.5.1: EXDATEs do not give back COUNT. 10 generated,
        # one excluded: 9 instances before and after the split.
        cid = self.new_calendar()
        eid = self.new_event(cid, title="C", start="2025-08-01T09:00:00Z", end="2025-08-01T10:00:00Z",
                             rrule="FREQ=DAILY;COUNT=10", exdates=["2025-08-02T09:00:00Z"])["id"]
        r = self.admin.patch(f"/api/v1/events/{eid}?{q(scope='following', recurrence_id='2025-08-05T09:00:00Z')}",
                             {"title": "C2"})
        self.assertStatus(r, 200)
        new_id = r.json()["created"]["id"]
        self.assertEqual(self.listed(cid, "2025-08-01", "2025-08-31"),
                         [(eid, "2025-08-01T09:00:00Z", "C"), (eid, "2025-08-03T09:00:00Z", "C"),
                          (eid, "2025-08-04T09:00:00Z", "C")] +
                         [(new_id, f"2025-08-{d:02d}T09:00:00Z", "C2") for d in range(5, 11)])
        self.assertEqual(self.get_event(new_id)["rrule"], "FREQ=DAILY;COUNT=6")

    def test_following_moves_later_rdates_to_the_new_series(self):
        cid = self.new_calendar()
        eid = self.new_event(cid, title="R", start="2025-09-01T09:00:00Z", end="2025-09-01T10:00:00Z",
                             rrule="FREQ=WEEKLY;COUNT=3",
                             rdates=["2025-09-03T12:00:00Z", "2025-09-20T12:00:00Z"])["id"]
        r = self.admin.patch(f"/api/v1/events/{eid}?{q(scope='following', recurrence_id='2025-09-08T09:00:00Z')}",
                             {"title": "R2"})
        self.assertStatus(r, 200)
        new_id = r.json()["created"]["id"]
        self.assertEqual(self.listed(cid, "2025-09-01", "2025-09-30"),
                         [(eid, "2025-09-01T09:00:00Z", "R"), (eid, "2025-09-03T12:00:00Z", "R"),
                          (new_id, "2025-09-08T09:00:00Z", "R2"),
                          (new_id, "2025-09-15T09:00:00Z", "R2"),
                          (new_id, "2025-09-20T12:00:00Z", "R2")])
        self.assertEqual(self.get_event(eid)["rdates"], ["2025-09-03T12:00:00Z"])
        self.assertEqual(self.get_event(new_id)["rdates"], ["2025-09-20T12:00:00Z"])

    def test_all_shift_moves_exdates_with_the_series(self):
        cid = self.new_calendar()
        eid = self.new_event(cid, title="X", start="2025-11-03T09:00:00+01:00",
                             end="2025-11-03T10:00:00+01:00", timezone="Europe/Berlin",
                             rrule="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4")["id"]
        self.assertStatus(self.admin.delete(
            f"/api/v1/events/{eid}?{q(recurrence_id='2025-11-06T09:00:00+01:00')}"), 200)
        self.assertStatus(self.admin.patch(f"/api/v1/events/{eid}",
                                           {"start": "2025-11-03T11:00:00+01:00",
                                            "end": "2025-11-03T12:00:00+01:00"}), 200)
        self.assertEqual(self.listed(cid, "2025-11-01", "2025-11-30"),
                         [(eid, "2025-11-03T11:00:00+01:00", "X"),
                          (eid, "2025-11-10T11:00:00+01:00", "X"),
                          (eid, "2025-11-13T11:00:00+01:00", "X")])
        self.assertEqual(self.get_event(eid)["exdates"], ["2025-11-06T11:00:00+01:00"])

    def test_all_day_series_edits(self):
        cid = self.new_calendar()
        eid = self.new_event(cid, title="A", start="2025-06-02", end="2025-06-03",
                             rrule="FREQ=DAILY;COUNT=4")["id"]
        self.assertStatus(self.admin.patch(f"/api/v1/events/{eid}?{q(recurrence_id='2025-06-03')}",
                                           {"title": "A2"}), 200)
        # An all-day series also accepts a time as recurrence_id, read as its date.
        self.assertStatus(self.admin.delete(
            f"/api/v1/events/{eid}?{q(recurrence_id='2025-06-04T00:00:00Z')}"), 200)
        self.assertEqual(self.listed(cid, "2025-06-01", "2025-06-10"),
                         [(eid, "2025-06-02", "A"), (eid, "2025-06-03", "A2"), (eid, "2025-06-05", "A")])
        self.assertEqual(self.get_event(eid)["exdates"], ["2025-06-04"])

    def test_deleting_every_occurrence_deletes_the_event(self):
        cid = self.new_calendar()
        eid = self.new_event(cid, title="Two", start="2025-04-01T09:00:00Z",
                             end="2025-04-01T10:00:00Z", rrule="FREQ=DAILY;COUNT=2")["id"]
        self.assertStatus(self.admin.delete(
            f"/api/v1/events/{eid}?{q(recurrence_id='2025-04-01T09:00:00Z')}"), 200)
        self.assertStatus(self.admin.delete(
            f"/api/v1/events/{eid}?{q(recurrence_id='2025-04-02T09:00:00Z')}"), 204)
        self.assertProblem(self.admin.get(f"/api/v1/events/{eid}"), 404, "NOT_FOUND", "no such event")

    def test_single_event_is_edited_whole_whatever_the_scope(self):
        cid = self.new_calendar()
        eid = self.new_event(cid, title="Once", start="2025-04-10T09:00:00Z",
                             end="2025-04-10T10:00:00Z")["id"]
        r = self.admin.patch(f"/api/v1/events/{eid}?{q(scope='this', recurrence_id='2025-04-10T09:00:00Z')}",
                             {"title": "Once more"})
        self.assertStatus(r, 200)
        self.assertEqual(self.listed(cid, "2025-04-01", "2025-04-30"),
                         [(eid, "2025-04-10T09:00:00Z", "Once more")])
        self.assertStatus(self.admin.delete(
            f"/api/v1/events/{eid}?{q(scope='following', recurrence_id='2025-04-10T09:00:00Z')}"), 204)

    def test_scope_parameters_are_checked(self):
        cid = self.new_calendar()
        eid = self.new_event(cid, title="P", start="2025-04-10T09:00:00Z",
                             end="2025-04-10T10:00:00Z", rrule="FREQ=DAILY;COUNT=3")["id"]
        before = self.get_event(eid)
        for params, detail in [({"scope": "some"}, "scope must be this, following or all"),
                               ({"scope": "this"}, "need recurrence_id="),
                               ({"scope": "following"}, "need recurrence_id="),
                               ({"recurrence_id": "tomorrow"}, "recurrence_id: invalid time")]:
            with self.subTest(params=params):
                r = self.admin.patch(f"/api/v1/events/{eid}?{q(**params)}", {"title": "no"})
                self.assertProblem(r, 400, "INVALID_ARGUMENT", detail)
                r = self.admin.delete(f"/api/v1/events/{eid}?{q(**params)}")
                self.assertProblem(r, 400, "INVALID_ARGUMENT", detail)
        self.assertEqual(self.get_event(eid), before)

    def test_overrides_only_event_is_412_for_all_and_following(self):
        cid = self.new_calendar()
        ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
               "UID:orphan@example.test\r\nDTSTAMP:20250101T000000Z\r\n"
               "RECURRENCE-ID:20250401T090000Z\r\nDTSTART:20250401T100000Z\r\n"
               "DTEND:20250401T110000Z\r\nSUMMARY:Orphan\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        r = self.admin.post(f"/api/v1/calendars/{cid}/import", raw=ics.encode(),
                            content_type="text/calendar")
        self.assertStatus(r, 200)
        eid = self.instances(cid, "2025-04-01", "2025-04-02")[0]["event_id"]
        before = self.get_event(eid)
        self.assertProblem(self.admin.patch(f"/api/v1/events/{eid}", {"title": "x"}), 412,
                           "FAILED_PRECONDITION", "no master event")
        following = f"/api/v1/events/{eid}?{q(scope='following', recurrence_id='2025-04-01T09:00:00Z')}"
        self.assertProblem(self.admin.patch(following, {"title": "x"}), 412, "FAILED_PRECONDITION",
                           "no master event")
        self.assertProblem(self.admin.delete(following), 412, "FAILED_PRECONDITION", "no master event")
        self.assertEqual(self.get_event(eid), before)
        r = self.admin.patch(f"/api/v1/events/{eid}?{q(recurrence_id='2025-04-01T09:00:00Z')}",
                             {"title": "Adopted"})
        self.assertStatus(r, 200)
        self.assertEqual(self.listed(cid, "2025-04-01", "2025-04-02"),
                         [(eid, "2025-04-01T10:00:00Z", "Adopted")])


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class DstChangeTest(ServerTestCase):
    """Occurrences on the days New York's clocks change (2025-03-09 02:00 ->
    03:00, 2025-11-02 02:00 -> 01:00). RFC 5545 §3.3.5: a local time in the
    gap moves forward by the gap's length; an ambiguous one means its first
    occurrence. DTEND gives an exact duration (src/ical/instances.h)."""

    def listed(self, cid, start, end):
        return [(i["start"], i["end"], i["title"], i["recurrence_id"])
                for i in self.instances(cid, start, end)]

    def fold_series(self):
        cid = self.new_calendar(name="Fold")
        eid = self.new_event(cid, title="Night shift", start="2025-10-31T01:30:00-04:00",
                             end="2025-10-31T02:00:00-04:00", timezone="America/New_York",
                             rrule="FREQ=DAILY;COUNT=4")["id"]
        return cid, eid

    def test_spring_forward_gap_occurrence_moves_forward_and_can_be_edited(self):
        cid = self.new_calendar(name="Gap")
        eid = self.new_event(cid, title="Night", start="2025-03-07T02:30:00-05:00",
                             end="2025-03-07T03:00:00-05:00", timezone="America/New_York",
                             rrule="FREQ=DAILY;COUNT=4")["id"]
        expected = [("2025-03-07T02:30:00-05:00", "2025-03-07T03:00:00-05:00", "Night",
                     "2025-03-07T02:30:00-05:00"),
                    ("2025-03-08T02:30:00-05:00", "2025-03-08T03:00:00-05:00", "Night",
                     "2025-03-08T02:30:00-05:00"),
                    ("2025-03-09T03:30:00-04:00", "2025-03-09T04:00:00-04:00", "Night",
                     "2025-03-09T03:30:00-04:00"),
                    ("2025-03-10T02:30:00-04:00", "2025-03-10T03:00:00-04:00", "Night",
                     "2025-03-10T02:30:00-04:00")]
        self.assertEqual(self.listed(cid, "2025-03-06", "2025-03-12"), expected)
        r = self.admin.patch(f"/api/v1/events/{eid}?{q(recurrence_id='2025-03-09T03:30:00-04:00')}",
                             {"title": "Short night"})
        self.assertStatus(r, 200)
        expected[2] = expected[2][:2] + ("Short night", expected[2][3])
        self.assertEqual(self.listed(cid, "2025-03-06", "2025-03-12"), expected)
        self.assertStatus(self.admin.get(f"/api/v1/events/{eid}"), 200)

    def test_fall_back_occurrence_end_is_after_its_start(self):
        cid, _ = self.fold_series()
        # 01:30 EDT is 05:30Z; 30 minutes later is 06:00Z, 01:00 EST.
        self.assertEqual(self.listed(cid, "2025-10-30", "2025-11-05"), [
            ("2025-10-31T01:30:00-04:00", "2025-10-31T02:00:00-04:00", "Night shift",
             "2025-10-31T01:30:00-04:00"),
            ("2025-11-01T01:30:00-04:00", "2025-11-01T02:00:00-04:00", "Night shift",
             "2025-11-01T01:30:00-04:00"),
            ("2025-11-02T01:30:00-04:00", "2025-11-02T01:00:00-05:00", "Night shift",
             "2025-11-02T01:30:00-04:00"),
            ("2025-11-03T01:30:00-05:00", "2025-11-03T02:00:00-05:00", "Night shift",
             "2025-11-03T01:30:00-05:00")])

    def test_patch_this_on_fall_back_occurrence_keeps_the_event_readable(self):
        cid, eid = self.fold_series()
        r = self.admin.patch(f"/api/v1/events/{eid}?{q(recurrence_id='2025-11-02T01:30:00-04:00')}",
                             {"title": "Fold edited"})
        self.assertStatus(r, 200)
        self.assertStatus(self.admin.get(f"/api/v1/events/{eid}"), 200)
        self.assertStatus(self.admin.get(f"/api/v1/calendars/{cid}/export.ics"), 200)
        got = self.listed(cid, "2025-10-30", "2025-11-05")
        self.assertEqual([(s, t) for s, _, t, _ in got],
                         [("2025-10-31T01:30:00-04:00", "Night shift"),
                          ("2025-11-01T01:30:00-04:00", "Night shift"),
                          ("2025-11-02T01:30:00-04:00", "Fold edited"),
                          ("2025-11-03T01:30:00-05:00", "Night shift")])
        self.assertStatus(self.admin.patch(f"/api/v1/events/{eid}", {"title": "Again"}), 200)

    def test_patch_following_from_fall_back_occurrence_keeps_both_events_readable(self):
        cid, eid = self.fold_series()
        r = self.admin.patch(
            f"/api/v1/events/{eid}?{q(scope='following', recurrence_id='2025-11-02T01:30:00-04:00')}",
            {"title": "Split"})
        self.assertStatus(r, 200)
        new_id = r.json()["created"]["id"]
        self.assertStatus(self.admin.get(f"/api/v1/events/{eid}"), 200)
        self.assertStatus(self.admin.get(f"/api/v1/events/{new_id}"), 200)
        got = self.listed(cid, "2025-10-30", "2025-11-05")
        self.assertEqual([(s, t) for s, _, t, _ in got],
                         [("2025-10-31T01:30:00-04:00", "Night shift"),
                          ("2025-11-01T01:30:00-04:00", "Night shift"),
                          ("2025-11-02T01:30:00-04:00", "Split"),
                          ("2025-11-03T01:30:00-05:00", "Split")])

    def test_event_ending_in_the_repeated_hour_is_accepted(self):
        # 05:30Z to 06:15Z: 45 minutes, ending at the second 01:15 of the night.
        cid = self.new_calendar(name="Fold single")
        r = self.admin.post(f"/api/v1/calendars/{cid}/events",
                            {"title": "Late", "start": "2025-11-02T01:30:00-04:00",
                             "end": "2025-11-02T01:15:00-05:00", "timezone": "America/New_York"})
        self.assertStatus(r, 201)
        ev = self.get_event(r.json()["id"])
        self.assertEqual(instant(ev["end"]) - instant(ev["start"]), timedelta(minutes=45))

    def test_event_starting_in_the_repeated_hour_keeps_its_instant(self):
        # 01:10 EST (06:10Z) is the second 01:10 of the night. The server may
        # refuse it (TZID cannot name it, RFC 5545 §3.3.5), but must not
        # store another instant.
        cid = self.new_calendar(name="Fold second")
        r = self.admin.post(f"/api/v1/calendars/{cid}/events",
                            {"title": "Second", "start": "2025-11-02T01:10:00-05:00",
                             "end": "2025-11-02T01:40:00-05:00", "timezone": "America/New_York"})
        if r.status == 400:
            return
        self.assertStatus(r, 201)
        (item,) = self.instances(cid, "2025-11-01", "2025-11-04")
        self.assertEqual((instant(item["start"]), instant(item["end"])),
                         (instant("2025-11-02T06:10:00Z"), instant("2025-11-02T06:40:00Z")),
                         item)
