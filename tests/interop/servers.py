"""CalDAV servers for the interoperability tests, each on 127.0.0.1 in its own
temporary directory.

    server = servers.start()          # the kind chosen by the runner (SERVER)
    server.base_url, server.username, server.password
    server.stop()                     # SIGTERM, wait, remove the directory

Kinds:
  radicale  Debian's Radicale 3: htpasswd users (bcrypt when passlib has a
            backend, else plain), owner_only rights, multifilesystem storage.
  almanac   `almanac serve --listen 127.0.0.1:0` on a fresh SQLite directory or
            PostgreSQL schema (DRIVER), with a member user added by
            `almanac user add ... --password-stdin`.

base_url is always the server's root, http://127.0.0.1:PORT/: the clients
discover the DAV context, principal and calendar home from there (RFC 6764
well-known URI, RFC 5397 current-user-principal, RFC 4791 §6.2.1
calendar-home-set) and nothing else about a server's layout is assumed.

A server that fails to start raises ServerError with its log tail. Processes
left running when the interpreter exits are killed (atexit).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable

# Set by run_interop.py.
SERVER = "radicale"      # radicale | almanac
ALMANAC = ""             # path of the almanac binary (SERVER == "almanac")
DRIVER = "sqlite"        # sqlite | postgres (SERVER == "almanac")
PG_URL = os.environ.get("ALMANAC_TEST_PG_URL", "")
KEEP_FILES = False       # keep the temp dirs (logs, data) for inspection

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

USERNAME = "alice"
PASSWORD = "correct horse battery staple"

_INTEGRATION_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration")


class ServerError(AssertionError):
    pass


@dataclass
class RunningServer:
    kind: str
    base_url: str
    username: str
    password: str
    workdir: str
    proc: subprocess.Popen
    log_path: str
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    stopped: bool = False

    @property
    def credentials(self) -> tuple[str, str, str]:
        return self.base_url, self.username, self.password

    def log_tail(self, n: int = 3000) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after STOP_TIMEOUT); removes the temp dir."""
        if self.stopped:
            return
        self.stopped = True
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            for c in reversed(self.cleanups):
                try:
                    c()
                except Exception as e:  # clean-up must not hide the test result
                    print(f"servers: clean-up failed: {e}", file=sys.stderr)
            if not KEEP_FILES:
                shutil.rmtree(self.workdir, ignore_errors=True)
            if self in _running:
                _running.remove(self)


_running: list[RunningServer] = []


@atexit.register
def _stop_leftovers() -> None:
    for s in list(_running):
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
        s.stop()


def _wait_for_line(proc: subprocess.Popen, path: str, pattern: str) -> re.Match:
    deadline = time.monotonic() + START_TIMEOUT
    text = ""
    while time.monotonic() < deadline:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        m = re.search(pattern, text)
        if m:
            return m
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    raise ServerError(f"server did not start (exit {proc.returncode}); log: {text[-3000:]!r}")


# ---- Radicale -----------------------------------------------------------------------


def _htpasswd_line(username: str, password: str) -> tuple[str, str]:
    """Returns (encryption, line): bcrypt with the lowest cost (Radicale checks
    the password on every request), or plain when passlib has no bcrypt."""
    try:
        from passlib.hash import bcrypt  # Debian's python3-passlib, as Radicale uses
        if bcrypt.has_backend():
            return "bcrypt", f"{username}:{bcrypt.using(rounds=4).hash(password)}"
    except ImportError:
        pass
    return "plain", f"{username}:{password}"


def start_radicale() -> RunningServer:
    workdir = tempfile.mkdtemp(prefix="interop-radicale-")
    encryption, line = _htpasswd_line(USERNAME, PASSWORD)
    with open(os.path.join(workdir, "users"), "w") as f:
        f.write(line + "\n")
    config = os.path.join(workdir, "config")
    with open(config, "w") as f:
        f.write(f"""[server]
hosts = 127.0.0.1:0
[auth]
type = htpasswd
htpasswd_filename = {workdir}/users
htpasswd_encryption = {encryption}
delay = 0
[rights]
type = owner_only
[storage]
type = multifilesystem
filesystem_folder = {workdir}/collections
[web]
type = none
[logging]
level = info
mask_passwords = True
""")
    log_path = os.path.join(workdir, "server.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(["radicale", "--config", config], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    # Radicale logs the bound address, so port 0 works: "Listening on '[127.0.0.1]:PORT'".
    try:
        m = _wait_for_line(proc, log_path, r"Listening on '\[?127\.0\.0\.1\]?:(\d+)'")
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if not KEEP_FILES:
            shutil.rmtree(workdir, ignore_errors=True)
        raise
    s = RunningServer("radicale", f"http://127.0.0.1:{m.group(1)}/", USERNAME, PASSWORD,
                      workdir, proc, log_path)
    _running.append(s)
    return s


# ---- Almanac ------------------------------------------------------------------------


def _almanac_storage(workdir: str) -> tuple[list[str], Callable[[], None] | None]:
    """The storage flags of a fresh database and how to drop it afterwards."""
    if DRIVER == "sqlite":
        data = os.path.join(workdir, "data")
        os.makedirs(data)
        return ["--data", data], None
    if not PG_URL:
        raise ServerError("--driver postgres needs ALMANAC_TEST_PG_URL (see "
                          "tests/tools/pg_test_server.sh)")
    # The integration harness already knows how to make a throw-away schema.
    if _INTEGRATION_DIR not in sys.path:
        sys.path.insert(0, _INTEGRATION_DIR)
    import harness  # noqa: E402  tests/integration/harness.py
    driver = harness.Driver("postgres", PG_URL, workdir=os.path.join(workdir, "pg"))
    os.makedirs(driver.workdir, exist_ok=True)
    db = driver.new_database()
    return list(db.args), lambda: driver.cleanup(keep_files=True)


def start_almanac() -> RunningServer:
    if not ALMANAC or not os.access(ALMANAC, os.X_OK):
        raise ServerError(f"almanac binary {ALMANAC!r} is not executable (--almanac)")
    workdir = tempfile.mkdtemp(prefix="interop-almanac-")
    proc = None
    drop = None
    s = None
    try:
        storage, drop = _almanac_storage(workdir)
        log_path = os.path.join(workdir, "server.log")
        with open(log_path, "wb") as log:  # stdout and the error log, in order
            proc = subprocess.Popen([ALMANAC, "serve", "--listen", "127.0.0.1:0", *storage],
                                    stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        # src/app/server_command.cpp prints, on a first start,
        #   almanac: first start: created organisation "main" and its admin user "admin"
        #   almanac: admin password (shown only now): XXXX
        # and then always
        #   almanac: data in ...
        #   almanac: listening on http://127.0.0.1:PORT
        m = _wait_for_line(proc, log_path, r"almanac: listening on http://127\.0\.0\.1:(\d+)\n")
        s = RunningServer("almanac", f"http://127.0.0.1:{m.group(1)}/", USERNAME, PASSWORD,
                          workdir, proc, log_path)
        if drop:
            s.cleanups.append(drop)
        _running.append(s)
        p = subprocess.run([ALMANAC, "user", "add", USERNAME, "--org", "main", "--email",
                            f"{USERNAME}@example.test", "--role", "member", "--name", "Alice Ä",
                            "--timezone", "Europe/Berlin", "--password-stdin", *storage],
                           input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise ServerError(f"almanac user add exited {p.returncode}: {p.stderr.strip()}")
        return s
    except BaseException:
        if s is not None:
            s.stop()
        else:
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
            if drop:
                drop()
            if not KEEP_FILES:
                shutil.rmtree(workdir, ignore_errors=True)
        raise


def start(kind: str | None = None) -> RunningServer:
    kind = kind or SERVER
    if kind == "radicale":
        return start_radicale()
    if kind == "almanac":
        return start_almanac()
    raise ServerError(f"unknown server kind {kind!r}")
