"""Harness for the integration tests: a real `almanac serve` on 127.0.0.1:0.

A `Driver` hands out fresh databases (a data directory for SQLite, a schema of
the throw-away PostgreSQL for PostgreSQL); a `Server` runs `almanac serve` on
one of them, reads the port and the first-start admin password from stdout,
and stops with SIGTERM (checking exit status 0) or dies by SIGKILL; `cli`
runs the operator commands on the same database; `Client` speaks HTTP/1.1
with JSON, bearer tokens, Basic credentials or a session cookie.

Python 3 standard library only.
"""

from __future__ import annotations

import atexit
import base64
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

ALMANAC = ""    # set by the runner (--almanac)
DRIVER: "Driver | None" = None  # set by the runner (--driver)
SEED = 0        # set by the runner (--seed); every random choice derives from it
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
HTTP_TIMEOUT = 60.0

_counter = itertools.count(1)


class HarnessError(AssertionError):
    pass


# ---- databases -----------------------------------------------------------------


@dataclass
class Database:
    """One fresh database: the storage flags every command takes."""
    driver: str
    args: list[str]
    data_dir: str = ""  # SQLite only
    schema: str = ""    # PostgreSQL only

    @property
    def sqlite_file(self) -> str:
        return os.path.join(self.data_dir, "almanac.db")


class Driver:
    """Makes fresh databases for one storage driver ("sqlite" or "postgres")."""

    def __init__(self, kind: str, pg_url: str = "", workdir: str = ""):
        if kind not in ("sqlite", "postgres"):
            raise HarnessError(f"unknown driver {kind!r}")
        if kind == "postgres" and not pg_url:
            raise HarnessError("the postgres driver needs ALMANAC_TEST_PG_URL (or --pg-url)")
        self.kind = kind
        self.pg_url = pg_url
        self.workdir = workdir or tempfile.mkdtemp(prefix="almanac-int-")
        self._schemas: list[str] = []

    def new_database(self) -> Database:
        n = next(_counter)
        if self.kind == "sqlite":
            d = os.path.join(self.workdir, f"db{n}")
            os.makedirs(d)
            return Database("sqlite", ["--data", d], data_dir=d)
        schema = f"it_{os.getpid()}_{n}"
        psql(self.pg_url, f"CREATE SCHEMA {schema}")
        self._schemas.append(schema)
        sep = "&" if "?" in self.pg_url else "?"
        url = f"{self.pg_url}{sep}options=-csearch_path%3D{schema}"
        return Database("postgres", ["--db", url], schema=schema)

    def cleanup(self, keep_files: bool = False) -> None:
        """Drops the schemas; removes the data and logs unless `keep_files`."""
        for s in self._schemas:
            try:
                psql(self.pg_url, f"DROP SCHEMA IF EXISTS {s} CASCADE")
            except Exception:  # the fixture drops the whole server anyway
                pass
        if not keep_files:
            shutil.rmtree(self.workdir, ignore_errors=True)


def psql(url: str, sql: str) -> str:
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise HarnessError(f"psql {sql!r}: {p.stderr.strip()}")
    return p.stdout


# ---- the operator command line --------------------------------------------------


def cli(db: Database, *args: str, stdin: str | None = None, check: bool = True,
        timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs `almanac ARGS... <storage flags>`; with check, exit 0 is required."""
    p = subprocess.run([ALMANAC, *args, *db.args], input=stdin if stdin is not None else "",
                       capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise HarnessError(f"almanac {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def add_org(db: Database, name: str, slug: str) -> int:
    out = cli(db, "org", "add", name, "--slug", slug).stdout
    m = re.search(r"\(id (\d+)\)", out)
    if not m:
        raise HarnessError(f"org add printed {out!r}")
    return int(m.group(1))


def add_user(db: Database, username: str, org: str, role: str, password: str = "") -> int:
    password = password or f"pw-{username}-secret"
    out = cli(db, "user", "add", username, "--org", org, "--email", f"{username}@example.test",
              "--role", role, "--password-stdin", stdin=password + "\n").stdout
    m = re.search(r"\(id (\d+), ", out)
    if not m:
        raise HarnessError(f"user add printed {out!r}")
    return int(m.group(1))


def create_token(db: Database, username: str) -> str:
    token = cli(db, "token", "create", username).stdout.strip()
    if not token or "\n" in token:
        raise HarnessError(f"token create printed {token!r}")
    return token


# ---- the server -------------------------------------------------------------------


_servers: list["Server"] = []


@atexit.register
def _kill_leftover_servers() -> None:
    for s in _servers:
        s.kill()


class Server:
    """`almanac serve --listen 127.0.0.1:0` on `db`, started by start()."""

    def __init__(self, db: Database, extra_args: tuple[str, ...] = ()):
        self.db = db
        self.extra_args = list(extra_args)
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.admin_password = ""
        parent = DRIVER.workdir if DRIVER is not None else None
        self.logdir = tempfile.mkdtemp(prefix="server-", dir=parent)
        self.runs = 0
        _servers.append(self)

    def start(self) -> "Server":
        self.runs += 1
        out_path = os.path.join(self.logdir, f"stdout.{self.runs}")
        err_path = os.path.join(self.logdir, f"stderr.{self.runs}")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            self.proc = subprocess.Popen(
                [ALMANAC, "serve", "--listen", "127.0.0.1:0", *self.db.args, *self.extra_args],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        text = ""
        while time.monotonic() < deadline:
            with open(out_path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            m = re.search(r"almanac: listening on http://127\.0\.0\.1:(\d+)\n", text)
            if m:
                self.port = int(m.group(1))
                pw = re.search(r"almanac: admin password \(shown only now\): (\S+)\n", text)
                if pw:
                    self.admin_password = pw.group(1)
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.kill()
        raise HarnessError(f"almanac serve did not start (exit {self.proc.returncode}); "
                           f"stdout {text!r}; stderr {self.stderr()[-2000:]!r}")

    def stderr(self) -> str:
        path = os.path.join(self.logdir, f"stderr.{self.runs}")
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stdout(self) -> str:
        path = os.path.join(self.logdir, f"stdout.{self.runs}")
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_for_log(self, text: str, timeout: float = 10.0) -> None:
        """Waits until the server's stderr of this run contains `text`."""
        deadline = time.monotonic() + timeout
        while text not in self.stderr():
            if time.monotonic() > deadline:
                raise HarnessError(f"{text!r} not in the server log after {timeout}s")
            time.sleep(0.02)

    def terminate(self) -> None:
        """Sends SIGTERM without waiting."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise HarnessError(f"almanac serve did not exit within {timeout}s of SIGTERM")

    def stop(self) -> int:
        """SIGTERM, then waits; returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.terminate()
        return self.wait()

    def kill(self) -> None:
        """SIGKILL: the process dies at once, mid-write if it was writing."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def client(self, **auth: Any) -> "Client":
        return Client(self.port, **auth)


# ---- HTTP ---------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    method: str = ""
    target: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def header_all(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise HarnessError(f"{self.method} {self.target}: {self.status} body is not JSON "
                               f"({e}): {self.body[:300]!r}")

    def __str__(self) -> str:  # for assertion messages
        return f"{self.method} {self.target} -> {self.status} {self.body[:500]!r}"


@dataclass
class Client:
    """HTTP client for one server; one connection per request."""
    port: int
    token: str = ""                 # Authorization: Bearer
    basic: tuple[str, str] | None = None
    cookie: str = ""                # almanac_session value
    csrf: str = ""                  # X-CSRF-Token sent with the cookie
    default_headers: dict[str, str] = field(default_factory=dict)

    def with_token(self, token: str) -> "Client":
        return Client(self.port, token=token)

    def request(self, method: str, target: str, body: Any = None, *, raw: bytes | None = None,
                content_type: str | None = "application/json",
                headers: dict[str, str] | None = None, timeout: float = HTTP_TIMEOUT) -> Response:
        h: dict[str, str] = dict(self.default_headers)
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        elif self.basic:
            cred = base64.b64encode(f"{self.basic[0]}:{self.basic[1]}".encode()).decode()
            h["Authorization"] = f"Basic {cred}"
        if self.cookie:
            h["Cookie"] = f"almanac_session={self.cookie}"
            if self.csrf:
                h["X-CSRF-Token"] = self.csrf
        data: bytes | None = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode()
        if data is not None and content_type is not None:
            h["Content-Type"] = content_type
        if headers:
            for k, v in headers.items():
                if v is None:
                    h.pop(k, None)
                else:
                    h[k] = v
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, target, body=data, headers=h)
            r = conn.getresponse()
            payload = r.read()
            return Response(r.status, r.headers, payload, method, target)
        finally:
            conn.close()

    def get(self, target: str, **kw: Any) -> Response:
        return self.request("GET", target, **kw)

    def post(self, target: str, body: Any = None, **kw: Any) -> Response:
        return self.request("POST", target, body, **kw)

    def patch(self, target: str, body: Any = None, **kw: Any) -> Response:
        return self.request("PATCH", target, body, **kw)

    def put(self, target: str, body: Any = None, **kw: Any) -> Response:
        return self.request("PUT", target, body, **kw)

    def delete(self, target: str, **kw: Any) -> Response:
        return self.request("DELETE", target, **kw)


def raw_exchange(port: int, data: bytes, timeout: float = 10.0, read_all: bool = True) -> bytes:
    """Writes `data` to a fresh connection and returns what the server sends
    back until it closes the connection (or the timeout passes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            chunks.append(b)
            if not read_all:
                break
        return b"".join(chunks)
    finally:
        s.close()


def query(**params: Any) -> str:
    """A query string; list values repeat the key."""
    return urllib.parse.urlencode(params, doseq=True)


def run_threads(n: int, fn) -> list[Any]:
    """Runs fn(i) on n threads released together; returns their results in order."""
    results: list[Any] = [None] * n
    barrier = threading.Barrier(n)

    def body(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except BaseException as e:  # reported by the caller
            results[i] = e

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


# ---- the base of the test classes -------------------------------------------------


class ServerTestCase(unittest.TestCase):
    """One server on a fresh database per test class, with the bootstrap admin's
    bearer token in `self.admin` (a Client)."""

    server_args: tuple[str, ...] = ()
    server: Server
    db: Database
    admin: Client

    @classmethod
    def setUpClass(cls) -> None:
        assert DRIVER is not None, "the runner sets harness.DRIVER"
        cls.db = DRIVER.new_database()
        cls.server = Server(cls.db, cls.server_args).start()
        cls.admin_password = cls.server.admin_password
        if not cls.admin_password:
            raise HarnessError("a first start on an empty database prints the admin password")
        cls.admin = cls.server.client(token=create_token(cls.db, "admin"))
        cls._users: dict[str, int] = {}

    @classmethod
    def tearDownClass(cls) -> None:
        rc = cls.server.stop()
        if rc != 0:
            raise HarnessError(f"almanac serve exited {rc} after SIGTERM; stderr tail: "
                               f"{cls.server.stderr()[-2000:]!r}")

    # Users and their clients.
    @classmethod
    def user(cls, username: str, role: str, org: str = "main") -> tuple[int, Client]:
        """Creates the user (once) and returns its id and a client with a fresh token."""
        if username not in cls._users:
            cls._users[username] = add_user(cls.db, username, org, role)
        return cls._users[username], cls.server.client(token=create_token(cls.db, username))

    # Assertions.
    def assertStatus(self, r: Response, status: int, detail: str | None = None) -> None:
        """Exact status; for problems, `detail` must be a substring of the detail."""
        self.assertEqual(r.status, status, str(r))
        if detail is not None:
            self.assertEqual(r.header("Content-Type"), "application/problem+json", str(r))
            body = r.json()
            self.assertEqual(body.get("status"), status, str(r))
            self.assertIn(detail, body.get("detail", ""), str(r))

    def assertProblem(self, r: Response, status: int, code: str, detail: str) -> None:
        self.assertStatus(r, status, detail)
        self.assertEqual(r.json().get("code"), code, str(r))

    # Helpers on the admin's or a given client.
    def new_calendar(self, client: Client | None = None, **fields: Any) -> int:
        fields.setdefault("name", f"cal-{next(_counter)}")
        r = (client or self.admin).post("/api/v1/calendars", fields)
        self.assertStatus(r, 201)
        return r.json()["id"]

    def new_event(self, calendar_id: int, client: Client | None = None, **fields: Any) -> dict:
        r = (client or self.admin).post(f"/api/v1/calendars/{calendar_id}/events", fields)
        self.assertStatus(r, 201)
        return r.json()

    def instances(self, calendar_id: int, start: str, end: str, client: Client | None = None,
                  **params: Any) -> list[dict]:
        r = (client or self.admin).get(
            f"/api/v1/events?{query(calendar=calendar_id, **{'from': start, 'to': end}, **params)}")
        self.assertStatus(r, 200)
        return r.json()["items"]

    def get_event(self, event_id: int, client: Client | None = None) -> dict:
        r = (client or self.admin).get(f"/api/v1/events/{event_id}")
        self.assertStatus(r, 200)
        return r.json()
