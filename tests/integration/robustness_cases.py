"""Concurrency (If-Match races, parallel creates), kill -9 durability, graceful
shutdown with requests in flight, and login rate limiting."""

from __future__ import annotations

import http.client
import json
import random
import socket
import subprocess
import threading
import time
import unittest

import harness
from harness import Server, ServerTestCase, create_token, query, run_threads


class ConcurrencyTest(ServerTestCase):
    server_args = ("--threads", "8")

    def test_same_if_match_from_8_threads_exactly_one_wins(self):
        cid = self.new_calendar(name="Race")
        for attempt in range(3):
            ev = self.new_event(cid, title="start", start="2025-05-01T10:00:00Z")
            path = f"/api/v1/events/{ev['id']}"
            results = run_threads(8, lambda i: self.admin.patch(
                path, {"title": f"writer {i}"}, headers={"If-Match": f'"{ev["etag"]}"'}))
            for r in results:
                self.assertNotIsInstance(r, BaseException)
            statuses = sorted(r.status for r in results)
            self.assertEqual(statuses, [200] + [412] * 7, [str(r) for r in results])
            winner = [i for i, r in enumerate(results) if r.status == 200][0]
            for r in results:
                if r.status == 412:
                    self.assertEqual(r.json()["code"], "FAILED_PRECONDITION")
            now = self.get_event(ev["id"])
            self.assertEqual((now["title"], now["sequence"], now["etag"]),
                             (f"writer {winner}", 1, results[winner].json()["event"]["etag"]))

    def test_same_if_match_scope_this_from_8_threads_exactly_one_wins(self):
        cid = self.new_calendar(name="Race series")
        ev = self.new_event(cid, title="series", start="2025-05-05T10:00:00Z",
                            rrule="FREQ=DAILY;COUNT=10")
        results = run_threads(8, lambda i: self.admin.patch(
            f"/api/v1/events/{ev['id']}?recurrence_id=2025-05-{i + 5:02d}T10:00:00Z",
            {"title": f"day {i + 5}"}, headers={"If-Match": f'"{ev["etag"]}"'}))
        self.assertEqual(sorted(r.status for r in results), [200] + [412] * 7,
                         [str(r) for r in results])
        winner = [i for i, r in enumerate(results) if r.status == 200][0]
        titles = [(i["start"], i["title"]) for i in self.instances(cid, "2025-05-05", "2025-05-15")
                  if i["overridden"]]
        self.assertEqual(titles, [(f"2025-05-{winner + 5:02d}T10:00:00Z", f"day {winner + 5}")])

    def test_unconditional_patches_from_8_threads_all_succeed_and_lose_no_update(self):
        # Without If-Match a PATCH is unconditional (RFC 9110 §13.1.1): 412 is
        # only for a precondition the client sent.
        cid = self.new_calendar(name="No lost update")
        ev = self.new_event(cid, title="start", start="2025-05-02T10:00:00Z")
        results = run_threads(8, lambda i: self.admin.patch(f"/api/v1/events/{ev['id']}",
                                                            {"title": f"writer {i}"}))
        self.assertEqual([r.status for r in results], [200] * 8, [str(r) for r in results])
        now = self.get_event(ev["id"])
        self.assertEqual(now["sequence"], 8)
        self.assertIn(now["etag"], [r.json()["event"]["etag"] for r in results])

    def test_8_threads_creating_events_all_201_and_all_present(self):
        cid = self.new_calendar(name="Parallel creates")
        results = run_threads(8, lambda i: self.admin.post(
            f"/api/v1/calendars/{cid}/events",
            {"title": f"parallel {i}", "start": f"2025-05-03T{10 + i:02d}:00:00Z"}))
        self.assertEqual([r.status for r in results], [201] * 8, [str(r) for r in results])
        ids = [r.json()["id"] for r in results]
        self.assertEqual(len(set(ids)), 8)
        listed = self.instances(cid, "2025-05-03", "2025-05-04")
        self.assertEqual([(i["event_id"], i["title"]) for i in listed],
                         [(ids[i], f"parallel {i}") for i in range(8)])
        for i, eid in enumerate(ids):
            self.assertEqual(self.get_event(eid)["title"], f"parallel {i}")


class DurabilityTest(unittest.TestCase):
    """kill -9 at a random moment: every write the API acknowledged survives."""

    ROUNDS = 3
    WRITERS = 3

    def test_kill_9_keeps_every_acknowledged_write(self):
        rng = random.Random(harness.SEED)
        db = harness.DRIVER.new_database()
        server = Server(db).start()
        token = create_token(db, "admin")
        client = server.client(token=token)
        cid = client.post("/api/v1/calendars", {"name": "Durable"}).json()["id"]
        expected: dict[int, set[str]] = {}  # event id -> titles it may have
        must_exist: set[int] = set()
        try:
            for rnd in range(self.ROUNDS):
                target = rng.randint(15, 60)
                delay = rng.uniform(0.0, 0.03)
                print(f"\n  durability round {rnd + 1}/{self.ROUNDS} (seed {harness.SEED}): "
                      f"SIGKILL {delay * 1000:.1f} ms after {target} acknowledged writes",
                      flush=True)
                lock = threading.Lock()
                reached = threading.Event()
                failures: list[str] = []
                counter = [0]

                def writer(w: int) -> None:
                    i = 0
                    while True:
                        title = f"round {rnd} writer {w} #{i}"
                        day = 1 + (i % 28)
                        try:
                            r = client.post(f"/api/v1/calendars/{cid}/events",
                                            {"title": title,
                                             "start": f"2025-10-{day:02d}T{8 + w:02d}:00:00Z"},
                                            timeout=15)
                        except (OSError, http.client.HTTPException):
                            return  # the server died under us
                        if r.status != 201:
                            with lock:
                                failures.append(str(r))
                            return
                        eid = r.json()["id"]
                        with lock:
                            expected[eid] = {title}
                            must_exist.add(eid)
                            counter[0] += 1
                            if counter[0] >= target:
                                reached.set()
                        # Every other event is edited once: the edit, if
                        # acknowledged, must survive too.
                        if i % 2 == 0:
                            edited = title + " (edited)"
                            with lock:
                                expected[eid] = {title, edited}
                            try:
                                p = client.patch(f"/api/v1/events/{eid}", {"title": edited},
                                                 timeout=15)
                            except (OSError, http.client.HTTPException):
                                return
                            if p.status != 200:
                                with lock:
                                    failures.append(str(p))
                                return
                            with lock:
                                expected[eid] = {edited}
                                counter[0] += 1
                                if counter[0] >= target:
                                    reached.set()
                        i += 1

                threads = [threading.Thread(target=writer, args=(w,)) for w in range(self.WRITERS)]
                for t in threads:
                    t.start()
                self.assertTrue(reached.wait(timeout=120), f"only {counter[0]} writes in 120 s")
                time.sleep(delay)
                server.kill()
                for t in threads:
                    t.join(timeout=30)
                self.assertEqual(failures, [])
                self.assertEqual(server.proc.returncode, -9)

                if db.driver == "sqlite":
                    check = subprocess.run(["sqlite3", db.sqlite_file, "PRAGMA integrity_check"],
                                           capture_output=True, text=True, timeout=60)
                    self.assertEqual((check.returncode, check.stdout.strip()), (0, "ok"),
                                     check.stderr)

                server.start()  # same data; PostgreSQL itself keeps running
                client = server.client(token=token)
                missing, wrong = [], []
                for eid in sorted(must_exist):
                    r = client.get(f"/api/v1/events/{eid}")
                    if r.status != 200:
                        missing.append((eid, r.status))
                    elif r.json()["title"] not in expected[eid]:
                        wrong.append((eid, r.json()["title"], sorted(expected[eid])))
                self.assertEqual((missing, wrong), ([], []),
                                 f"round {rnd + 1}, seed {harness.SEED}")
                listed = {i["event_id"] for i in client.get(
                    "/api/v1/events?" + query(calendar=cid, **{"from": "2025-10-01",
                                                               "to": "2025-11-01"})).json()["items"]}
                self.assertEqual(must_exist - listed, set())
                print(f"  round {rnd + 1}: {len(must_exist)} acknowledged events all present",
                      flush=True)
        finally:
            rc = server.stop()
        self.assertEqual(rc, 0, server.stderr()[-2000:])


class ShutdownTest(unittest.TestCase):
    """SIGTERM: requests in flight are answered, then the process exits 0."""

    def start(self) -> tuple[Server, str]:
        db = harness.DRIVER.new_database()
        server = Server(db).start()
        return server, create_token(db, "admin")

    def send_all_but_tail(self, port: int, head: bytes, body: bytes, tail: int) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(head + body[:-tail])
        return s

    def read_response(self, s: socket.socket) -> tuple[int, bytes]:
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ")[1]) if head else 0
        return status, body

    def test_request_being_read_at_sigterm_is_answered(self):
        server, token = self.start()
        client = server.client(token=token)
        cid = client.post("/api/v1/calendars", {"name": "Shutdown"}).json()["id"]
        body = json.dumps({"title": "in flight", "start": "2025-09-01T09:00:00Z"}).encode()
        head = (f"POST /api/v1/calendars/{cid}/events HTTP/1.1\r\nHost: t\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        s = self.send_all_but_tail(server.port, head, body, 10)
        time.sleep(0.2)
        server.terminate()
        server.wait_for_log("signal 15: shutting down")
        time.sleep(0.3)
        self.assertIsNone(server.proc.poll(), "the server must wait for the request in flight")
        s.sendall(body[-10:])
        status, answer = self.read_response(s)
        self.assertEqual(status, 201, answer)
        eid = json.loads(answer)["id"]
        self.assertEqual(server.wait(), 0)
        log = server.stderr()
        self.assertLess(log.index("signal 15: shutting down"),
                        log.index(f"POST /api/v1/calendars/{cid}/events 201"), log[-2000:])
        # The write is there after a restart.
        server.start()
        self.assertEqual(server.client(token=token).get(f"/api/v1/events/{eid}").json()["title"],
                         "in flight")
        self.assertEqual(server.stop(), 0)

    def test_large_import_in_flight_at_sigterm_completes(self):
        server, token = self.start()
        client = server.client(token=token)
        cid = client.post("/api/v1/calendars", {"name": "Big import"}).json()["id"]
        # Large enough to be a real import, small enough to finish well within
        # the 20 s drain on PostgreSQL too (see the report on import speed).
        n = 5000
        parts = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"]
        for i in range(n):
            parts.append(f"BEGIN:VEVENT\r\nUID:bulk-{i}@example.test\r\nDTSTAMP:20250101T000000Z\r\n"
                         f"DTSTART:2025{1 + i % 12:02d}{1 + i % 28:02d}T{i % 24:02d}0000Z\r\n"
                         f"SUMMARY:Bulk {i}\r\nEND:VEVENT\r\n")
        parts.append("END:VCALENDAR\r\n")
        body = "".join(parts).encode()
        head = (f"POST /api/v1/calendars/{cid}/import HTTP/1.1\r\nHost: t\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: text/calendar\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        s = self.send_all_but_tail(server.port, head, body, 100)
        time.sleep(0.2)
        server.terminate()
        server.wait_for_log("signal 15: shutting down")
        s.sendall(body[-100:])
        status, answer = self.read_response(s)
        self.assertEqual(status, 200, answer[:500])
        self.assertEqual(json.loads(answer), {"created": n, "updated": 0, "warnings": []})
        self.assertEqual(server.wait(), 0)
        server.start()
        export = server.client(token=token).get(f"/api/v1/calendars/{cid}/export.ics")
        self.assertEqual(export.status, 200)
        self.assertEqual(export.text.count("BEGIN:VEVENT"), n)
        self.assertEqual(server.stop(), 0)

    def test_idle_keep_alive_connections_do_not_delay_shutdown(self):
        server, _ = self.start()
        conns = []
        for _ in range(20):
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            c.request("GET", "/healthz")
            c.getresponse().read()
            conns.append(c)  # kept open, idle
        started = time.monotonic()
        server.terminate()
        self.assertEqual(server.wait(timeout=10), 0)
        self.assertLess(time.monotonic() - started, 5.0)
        for c in conns:
            c.close()
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


class LoginRateLimitTest(ServerTestCase):
    def login(self, username, password):
        return self.server.client().post("/api/v1/session",
                                         {"username": username, "password": password})

    def test_repeated_wrong_passwords_are_429_and_other_users_unaffected(self):
        victim_id, victim = self.user("rl-victim", "member")
        self.user("rl-other", "member")
        for attempt in range(5):
            with self.subTest(attempt=attempt):
                self.assertProblem(self.login("rl-victim", "wrong password"), 401,
                                   "UNAUTHENTICATED", "wrong username or password")
        r = self.login("rl-victim", "wrong password")
        self.assertProblem(r, 429, "RATE_LIMITED", "too many login attempts: try again in")
        self.assertEqual(r.header("Retry-After"), "60")
        self.assertRegex(r.json()["detail"], r"try again in \d+ seconds")
        # Even the right password waits now, over a session or Basic.
        self.assertProblem(self.login("rl-victim", "pw-rl-victim-secret"), 429, "RATE_LIMITED",
                           "too many login attempts")
        basic = self.server.client(basic=("rl-victim", "pw-rl-victim-secret")).get("/api/v1/me")
        self.assertProblem(basic, 429, "RATE_LIMITED", "too many login attempts")
        # Tokens are not passwords; other users sign in as usual.
        self.assertEqual(victim.get("/api/v1/me").json()["id"], victim_id)
        ok = self.login("rl-other", "pw-rl-other-secret")
        self.assertStatus(ok, 200)
        self.assertEqual(ok.json()["user"]["username"], "rl-other")
        self.assertStatus(self.login("admin", self.admin_password), 200)
