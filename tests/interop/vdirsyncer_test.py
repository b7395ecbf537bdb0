"""Two-way sync with Debian's vdirsyncer between a server calendar and a local
vdir, and khal reading the synced vdir.

Each class gets a fresh server (servers.SERVER) and a private HOME; vdirsyncer
is given only the server's root URL and credentials and discovers the rest
(current-user-principal, falling back to /.well-known/caldav; then
calendar-home-set and a depth-1 PROPFIND of the home for CALDAV:calendar
collections). Remote-side changes are made with python3-caldav.

What vdirsyncer needs from a server: PROPFIND (depth 0 and 1) with
resourcetype, getetag, getcontenttype (text/calendar on every object) and
displayname; calendar-multiget with getetag and calendar-data; PUT with
If-None-Match: * for creates and If-Match for updates (412 on a mismatch);
DELETE with If-Match; MKCOL with a CALDAV:calendar resourcetype (RFC 5689)
to create a collection that exists only locally.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import textwrap
import time

import caldav

import ical_fixtures as fx
from interop_common import (ServerTestCase, clark, connect, parse_multistatus, path_of,
                            tool_env)

TOOL_TIMEOUT = 60


class VdirsyncerCase(ServerTestCase):
    """A caldav client for the remote side and helpers to run vdirsyncer."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.client, cls.principal = connect(cls.server)
        cls.addClassCleanup(cls.client.close)
        cls.env = tool_env(cls.tmp)

    # -- configuration and running --

    def write_config(self, name: str, collections: str = '["from b"]',
                     conflict: str | None = "a wins") -> str:
        """A vdirsyncer config in its own directory under the class's temp dir;
        returns its path. The local vdir is DIR/vdir, the status DIR/status."""
        d = os.path.join(self.tmp, name)
        os.makedirs(d, exist_ok=True)
        conflict_line = f'conflict_resolution = "{conflict}"' if conflict else ""
        cfg = os.path.join(d, "config")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(f"""\
                [general]
                status_path = "{d}/status/"

                [pair cal]
                a = "cal_local"
                b = "cal_remote"
                collections = {collections}
                {conflict_line}
                metadata = ["displayname"]

                [storage cal_local]
                type = "filesystem"
                path = "{d}/vdir/"
                fileext = ".ics"

                [storage cal_remote]
                type = "caldav"
                url = "{self.server.base_url}"
                username = "{self.server.username}"
                password = "{self.server.password}"
                """))
        return cfg

    def vdirsyncer(self, cfg: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        # discover asks before creating a collection; answer yes to every prompt.
        p = subprocess.run(["vdirsyncer", "-c", cfg, *args], input="y\n" * 20,
                           capture_output=True, text=True, env=self.env, timeout=TOOL_TIMEOUT)
        if check:
            self.assertEqual(p.returncode, 0,
                             f"vdirsyncer {' '.join(args)}:\n{p.stdout}\n{p.stderr}"
                             f"{self.failure_context()}")
        return p

    def sync(self, cfg: str) -> set[tuple[str, str, str]]:
        """`vdirsyncer sync`; returns its actions as (verb, uid, storage)."""
        p = self.vdirsyncer(cfg, "sync")
        return parse_actions(p.stdout + p.stderr)

    # -- the two sides --

    def local_dir(self, cfg: str, collection: str) -> str:
        return os.path.join(os.path.dirname(cfg), "vdir", collection)

    def local_items(self, coll_dir: str) -> dict[str, list[str]]:
        """UID -> the files holding it (one each when there are no duplicates)."""
        out: dict[str, list[str]] = {}
        for path in sorted(glob.glob(os.path.join(coll_dir, "*.ics"))):
            with open(path, encoding="utf-8") as f:
                for uid in fx.uids(f.read()):
                    out.setdefault(uid, []).append(path)
        return out

    def local_summaries(self, coll_dir: str) -> dict[str, str]:
        out = {}
        for uid, paths in self.local_items(coll_dir).items():
            with open(paths[0], encoding="utf-8") as f:
                out[uid] = master_summary(f.read())
        return out

    def remote_objects(self, cal: caldav.Calendar) -> dict[str, list[str]]:
        """UID -> the hrefs holding it, from a calendar-query for everything."""
        out: dict[str, list[str]] = {}
        for obj in cal.search():
            for uid in fx.uids(obj.data):
                out.setdefault(uid, []).append(path_of(obj.url))
        return out

    def remote_summaries(self, cal: caldav.Calendar) -> dict[str, str]:
        return {next(iter(fx.uids(o.data))): master_summary(o.data) for o in cal.search()}

    def remote_etags(self, cal: caldav.Calendar) -> dict[str, str]:
        body = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>'
                '<D:getetag/></D:prop></D:propfind>')
        r = self.client.propfind(str(cal.url), body, depth=1)
        raw = r.raw if isinstance(r.raw, bytes) else r.raw.encode()
        return {h: e["props"][clark("D", "getetag")].text
                for h, e in parse_multistatus(raw).items()
                if clark("D", "getetag") in e["props"]}

    def assertConverged(self, cal: caldav.Calendar, coll_dir: str, expected_uids: set[str]):
        local, remote = self.local_items(coll_dir), self.remote_objects(cal)
        self.assertEqual({u: len(p) for u, p in local.items()}, {u: 1 for u in expected_uids},
                         "local: each UID exactly once")
        self.assertEqual({u: len(p) for u, p in remote.items()}, {u: 1 for u in expected_uids},
                         "server: each UID exactly once")
        self.assertEqual(self.local_summaries(coll_dir), self.remote_summaries(cal))

    def write_local(self, coll_dir: str, filename: str, ics: str) -> None:
        with open(os.path.join(coll_dir, filename), "w", encoding="utf-8", newline="") as f:
            f.write(ics)

    def file_of(self, coll_dir: str, uid: str) -> str:
        files = self.local_items(coll_dir)[uid]
        self.assertEqual(len(files), 1, files)
        return files[0]

    def new_calendar(self, name: str, objects: dict[str, str]) -> caldav.Calendar:
        cal = self.principal.make_calendar(name=name,
                                           supported_calendar_component_set=["VEVENT", "VTODO"])
        for ics in objects.values():
            if "BEGIN:VTODO" in ics:
                cal.save_todo(ics)
            else:
                cal.save_event(ics)
        return cal

    def discover(self, cfg: str, cal: caldav.Calendar) -> str:
        """Runs discover; returns the collection name vdirsyncer chose for `cal`."""
        p = self.vdirsyncer(cfg, "discover")
        collection = path_of(cal.url).rstrip("/").rsplit("/", 1)[1]
        out = p.stdout + p.stderr  # the listing goes to stderr
        self.assertIn(f'"{collection}"', out, out)
        return collection


ACTION_RE = re.compile(r"^(Copying \((?:uploading|updating)\)|Deleting) item (\S+) "
                       r"(?:to|from) (cal_local|cal_remote)/", re.M)


def parse_actions(output: str) -> set[tuple[str, str, str]]:
    acts = set()
    for verb, uid, storage in ACTION_RE.findall(output):
        kind = {"Copying (uploading)": "upload", "Copying (updating)": "update",
                "Deleting": "delete"}[verb]
        acts.add((kind, uid, storage))
    return acts


def master_summary(ics: str) -> str:
    """SUMMARY of the component without RECURRENCE-ID (the series master)."""
    for kind in ("VEVENT", "VTODO"):
        for c in fx.components(ics, kind):
            if "RECURRENCE-ID" not in c:
                return fx.prop_text(c, "SUMMARY") or ""
    return ""


def with_summary(ics: str, uid: str, summary: str) -> str:
    """`ics` with the master's SUMMARY replaced and its SEQUENCE bumped."""
    out, in_master, depth = [], False, 0
    for line in fx.unfold(ics):
        u = line.upper()
        if u in ("BEGIN:VEVENT", "BEGIN:VTODO"):
            in_master, depth, block = True, 0, [line]
            continue
        if in_master:
            if u.startswith("BEGIN:"):
                depth += 1
            if u in ("END:VEVENT", "END:VTODO") and depth == 0:
                block.append(line)
                if not any(b.upper().startswith("RECURRENCE-ID") for b in block):
                    block = [f"SUMMARY:{summary}" if b.upper().startswith("SUMMARY") else b
                             for b in block if not b.upper().startswith("SEQUENCE")]
                    block.insert(-1, "SEQUENCE:5")
                out.extend(block)
                in_master = False
                continue
            if u.startswith("END:"):
                depth -= 1
            block.append(line)
            continue
        out.append(line)
    return "\r\n".join(out) + "\r\n"


class TwoWaySyncTest(VdirsyncerCase):
    """Server and vdir converge: creates, updates and deletes on both sides."""

    def test_two_way_sync(self):
        cal = self.new_calendar("Team Wörk", {**fx.ALL_EVENTS,
                                              fx.TODO_OPEN_UID: fx.TODO_OPEN})
        cfg = self.write_config("twoway")
        collection = self.discover(cfg, cal)
        local = self.local_dir(cfg, collection)
        self.assertTrue(os.path.isdir(local), "discover creates the local collection")
        everything = set(fx.ALL_EVENTS) | {fx.TODO_OPEN_UID}

        # 1. Initial sync: everything comes down, once.
        acts = self.sync(cfg)
        self.assertEqual(acts, {("upload", u, "cal_local") for u in everything})
        self.assertConverged(cal, local, everything)
        with open(self.file_of(local, fx.UNICODE_UID), encoding="utf-8") as f:
            text = f.read()
        ev = fx.components(text, "VEVENT")[0]
        self.assertEqual(fx.prop_text(ev, "SUMMARY"), fx.UNICODE_SUMMARY)
        self.assertEqual(fx.prop_text(ev, "DESCRIPTION"), fx.UNICODE_DESCRIPTION)
        with open(self.file_of(local, fx.WEEKLY_UID), encoding="utf-8") as f:
            self.assertEqual(len(fx.components(f.read(), "VEVENT")), 2,
                             "the override travels with its master")

        # 2. Changes on both sides, then one sync.
        single_file = self.file_of(local, fx.SINGLE_UID)
        with open(single_file, encoding="utf-8") as f:
            single = f.read()
        self.write_local(local, os.path.basename(single_file),
                         with_summary(single, fx.SINGLE_UID, "Planning meeting (local edit)"))
        self.write_local(local, "made-locally.ics",
                         fx.simple_event("interop-local-new", "Made locally", fx.date(2025, 3, 13)))
        os.remove(self.file_of(local, fx.ALLDAY_UID))

        weekly = cal.event_by_uid(fx.WEEKLY_UID)
        weekly_text = weekly.data
        weekly.data = with_summary(weekly_text, fx.WEEKLY_UID, "Weekly sync (remote edit)")
        weekly.save()
        cal.save_event(fx.simple_event("interop-remote-new", "Made on the server",
                                       fx.date(2025, 3, 14)))
        cal.todo_by_uid(fx.TODO_OPEN_UID).delete()

        acts = self.sync(cfg)
        self.assertEqual(acts, {
            ("update", fx.SINGLE_UID, "cal_remote"),
            ("upload", "interop-local-new", "cal_remote"),
            ("delete", fx.ALLDAY_UID, "cal_remote"),
            ("update", fx.WEEKLY_UID, "cal_local"),
            ("upload", "interop-remote-new", "cal_local"),
            ("delete", fx.TODO_OPEN_UID, "cal_local"),
        })
        now = {fx.SINGLE_UID, fx.WEEKLY_UID, fx.UNICODE_UID, "interop-local-new",
               "interop-remote-new"}
        self.assertConverged(cal, local, now)
        summaries = self.remote_summaries(cal)
        self.assertEqual(summaries[fx.SINGLE_UID], "Planning meeting (local edit)")
        self.assertEqual(summaries[fx.WEEKLY_UID], "Weekly sync (remote edit)")
        self.assertEqual(summaries["interop-local-new"], "Made locally")
        # The remote edit kept the override (two components in one resource).
        with open(self.file_of(local, fx.WEEKLY_UID), encoding="utf-8") as f:
            comps = fx.components(f.read(), "VEVENT")
        self.assertEqual(sorted(fx.prop_text(c, "SUMMARY") for c in comps),
                         ["Weekly sync (moved)", "Weekly sync (remote edit)"])

        # 3. Nothing changed: nothing is copied, no ETag or file moves.
        etags = self.remote_etags(cal)
        mtimes = {p: os.stat(p).st_mtime_ns for p in glob.glob(os.path.join(local, "*.ics"))}
        time.sleep(0.05)  # a rewrite within the same clock tick would keep the mtime
        self.assertEqual(self.sync(cfg), set())
        self.assertEqual(self.remote_etags(cal), etags)
        self.assertEqual({p: os.stat(p).st_mtime_ns
                          for p in glob.glob(os.path.join(local, "*.ics"))}, mtimes)

        # 4. Deletes propagate both ways.
        cal.event_by_uid("interop-local-new").delete()
        os.remove(self.file_of(local, "interop-remote-new"))
        acts = self.sync(cfg)
        self.assertEqual(acts, {("delete", "interop-local-new", "cal_local"),
                                ("delete", "interop-remote-new", "cal_remote")})
        self.assertConverged(cal, local, {fx.SINGLE_UID, fx.WEEKLY_UID, fx.UNICODE_UID})

        # 5. A fresh vdir syncing the same calendar gets the same data, once.
        cfg2 = self.write_config("second-device")
        self.discover(cfg2, cal)
        acts = self.sync(cfg2)
        self.assertEqual(acts, {("upload", u, "cal_local")
                                for u in (fx.SINGLE_UID, fx.WEEKLY_UID, fx.UNICODE_UID)})
        self.assertConverged(cal, self.local_dir(cfg2, collection),
                             {fx.SINGLE_UID, fx.WEEKLY_UID, fx.UNICODE_UID})
        # And the first vdir, syncing again, sees nothing new.
        self.assertEqual(self.sync(cfg), set())

    def test_metadata_displayname_syncs(self):
        cal = self.new_calendar("Rëmote name", {})
        cfg = self.write_config("meta")
        collection = self.discover(cfg, cal)
        self.vdirsyncer(cfg, "metasync")
        with open(os.path.join(self.local_dir(cfg, collection), "displayname"),
                  encoding="utf-8") as f:
            self.assertEqual(f.read().strip(), "Rëmote name")


class ConflictResolutionTest(VdirsyncerCase):
    """An item changed on both sides: the configured policy decides."""

    def test_a_wins(self):
        cal = self.new_calendar("Conflicts", {fx.SINGLE_UID: fx.SINGLE})
        cfg = self.write_config("conflict", conflict="a wins")
        local = self.local_dir(cfg, self.discover(cfg, cal))
        self.assertEqual(self.sync(cfg), {("upload", fx.SINGLE_UID, "cal_local")})

        path = self.file_of(local, fx.SINGLE_UID)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.write_local(local, os.path.basename(path),
                         with_summary(text, fx.SINGLE_UID, "Local version wins"))
        remote = cal.event_by_uid(fx.SINGLE_UID)
        remote.data = with_summary(remote.data, fx.SINGLE_UID, "Remote version loses")
        remote.save()

        acts = self.sync(cfg)
        self.assertEqual(acts, {("update", fx.SINGLE_UID, "cal_remote")})
        self.assertConverged(cal, local, {fx.SINGLE_UID})
        self.assertEqual(self.remote_summaries(cal)[fx.SINGLE_UID], "Local version wins")
        self.assertEqual(self.sync(cfg), set())

    def test_without_a_policy_the_conflict_is_reported(self):
        cal = self.new_calendar("Conflicts 2", {fx.SINGLE_UID: fx.SINGLE})
        cfg = self.write_config("noconflictpolicy", conflict=None)
        local = self.local_dir(cfg, self.discover(cfg, cal))
        self.sync(cfg)
        path = self.file_of(local, fx.SINGLE_UID)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.write_local(local, os.path.basename(path), with_summary(text, fx.SINGLE_UID, "Here"))
        remote = cal.event_by_uid(fx.SINGLE_UID)
        remote.data = with_summary(remote.data, fx.SINGLE_UID, "There")
        remote.save()
        p = self.vdirsyncer(cfg, "sync", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("conflict", (p.stdout + p.stderr).lower())
        # Neither side was overwritten.
        self.assertEqual(self.remote_summaries(cal)[fx.SINGLE_UID], "There")
        self.assertEqual(self.local_summaries(local)[fx.SINGLE_UID], "Here")


class CollectionCreationTest(VdirsyncerCase):
    """A collection that exists only locally is created on the server."""

    def test_local_collection_is_created_on_the_server(self):
        cfg = self.write_config("create", collections='["from a", "from b"]')
        coll = os.path.join(os.path.dirname(cfg), "vdir", "made-by-vdirsyncer")
        os.makedirs(coll)
        self.write_local(coll, "first.ics", fx.simple_event("interop-created-remote",
                                                            "Pushed up", fx.date(2025, 3, 18)))
        before = {path_of(c.url) for c in self.principal.calendars()}
        p = self.vdirsyncer(cfg, "discover")
        self.assertIn('"made-by-vdirsyncer"', p.stdout + p.stderr)
        created = [c for c in self.principal.calendars() if path_of(c.url) not in before]
        self.assertEqual(len(created), 1, "discover created exactly one calendar (MKCOL, "
                                          "RFC 5689 extended MKCOL with CALDAV:calendar)")
        cal = created[0]
        self.assertEqual(self.sync(cfg), {("upload", "interop-created-remote", "cal_remote")})
        self.assertConverged(cal, coll, {"interop-created-remote"})


class KhalTest(VdirsyncerCase):
    """khal lists what vdirsyncer brought down, recurring instances included."""

    def write_khal_config(self, vdir_collection: str) -> str:
        d = os.path.join(self.tmp, "khal")
        os.makedirs(d, exist_ok=True)
        cfg = os.path.join(d, "config")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(f"""\
                [calendars]
                [[team]]
                path = {vdir_collection}
                type = calendar

                [locale]
                timeformat = %H:%M
                dateformat = %Y-%m-%d
                longdateformat = %Y-%m-%d
                datetimeformat = %Y-%m-%d %H:%M
                longdatetimeformat = %Y-%m-%d %H:%M
                firstweekday = 0
                default_timezone = Europe/Berlin
                local_timezone = Europe/Berlin

                [default]
                default_calendar = team

                [sqlite]
                path = {d}/khal.db
                """))
        return cfg

    def khal_list(self, cfg: str, start: str, end: str) -> list[str]:
        p = subprocess.run(["khal", "-c", cfg, "list", "--format", "{start} {title}",
                            "--day-format", "", start, end],
                           capture_output=True, text=True, env=self.env, timeout=TOOL_TIMEOUT)
        self.assertEqual(p.returncode, 0, f"khal list:\n{p.stdout}\n{p.stderr}")
        self.assertNotIn("error", p.stderr.lower(), p.stderr)
        return [line.strip() for line in p.stdout.splitlines() if line.strip()]

    def test_khal_lists_synced_events(self):
        cal = self.new_calendar("Khal", {**fx.ALL_EVENTS, **fx.ALL_TODOS})
        cfg = self.write_config("khal-sync")
        collection = self.discover(cfg, cal)
        self.sync(cfg)
        khal_cfg = self.write_khal_config(self.local_dir(cfg, collection))

        lines = self.khal_list(khal_cfg, "2025-03-01", "2025-04-30")
        expected = [
            "2025-03-03 14:00 Weekly sync",
            "2025-03-10 09:00 Planning meeting",
            "2025-03-10 14:00 Weekly sync",
            f"2025-03-11 12:00 {fx.UNICODE_SUMMARY}",
            "2025-03-12 Company holiday",
            # Mar 17 is an EXDATE; Mar 24 moved to Mar 25 16:00 by the override.
            "2025-03-25 16:00 Weekly sync (moved)",
            # After the change to summer time the series stays at 14:00 local.
            "2025-03-31 14:00 Weekly sync",
            "2025-04-07 14:00 Weekly sync",
            "2025-04-14 14:00 Weekly sync",
            "2025-04-21 14:00 Weekly sync",
        ]
        self.assertEqual(lines, expected)

        # One week, one day: only what falls inside.
        self.assertEqual(self.khal_list(khal_cfg, "2025-03-17", "2025-03-23"), [])
        self.assertEqual(self.khal_list(khal_cfg, "2025-03-24", "2025-03-24"), [])
