"""Helpers shared by the interoperability suites: the base test class (a fresh
server per class), CalDAV discovery with python3-caldav, and small WebDAV
XML helpers. Runs under Debian's /usr/bin/python3 (python3-caldav, lxml).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unittest
import urllib.parse

import caldav
import requests
from lxml import etree

import servers

HTTP_TIMEOUT = 15

NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav", "CS": "http://calendarserver.org/ns/",
      "A": "http://apple.com/ns/ical/"}

CURRENT_USER_PRINCIPAL_BODY = (b'<?xml version="1.0" encoding="utf-8"?>'
                               b'<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/>'
                               b'</D:prop></D:propfind>')


class ServerTestCase(unittest.TestCase):
    """A fresh server (servers.SERVER) per test class and a temp directory;
    both go away in the class clean-ups, which run even when setUpClass fails."""

    server: servers.RunningServer
    tmp: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.mkdtemp(prefix="interop-test-")
        if not servers.KEEP_FILES:
            cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.server = servers.start()
        cls.addClassCleanup(cls.server.stop)

    def server_is(self, *kinds: str) -> bool:
        return self.server.kind in kinds

    def failure_context(self) -> str:
        return f"\n--- {self.server.kind} log tail ---\n{self.server.log_tail(2000)}"


def well_known_context(server: servers.RunningServer) -> tuple[int, str]:
    """RFC 6764 §5: PROPFIND /.well-known/caldav without following redirects.
    Returns (status, context URL): the redirect target for a 3xx, else the
    well-known URL itself."""
    url = urllib.parse.urljoin(server.base_url, "/.well-known/caldav")
    r = requests.request("PROPFIND", url, data=CURRENT_USER_PRINCIPAL_BODY,
                         headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
                         auth=(server.username, server.password), allow_redirects=False,
                         timeout=HTTP_TIMEOUT)
    if 300 <= r.status_code < 400 and "Location" in r.headers:
        return r.status_code, urllib.parse.urljoin(url, r.headers["Location"])
    return r.status_code, url


def connect(server: servers.RunningServer) -> tuple[caldav.DAVClient, caldav.Principal]:
    """A python3-caldav client on the DAV context found through the well-known
    URI, and the current user's principal (RFC 5397)."""
    _, context = well_known_context(server)
    client = caldav.DAVClient(context, username=server.username, password=server.password,
                              timeout=HTTP_TIMEOUT)
    return client, client.principal()


def http(server: servers.RunningServer, method: str, url, body: str | bytes | None = None,
         headers: dict[str, str] | None = None) -> requests.Response:
    """One authenticated request with the HTTP stack python3-caldav uses
    (requests), for the status codes the library turns into exceptions (401,
    403) and for conditional requests it has no API for."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return requests.request(method, str(url), data=body, headers=headers or {},
                            auth=(server.username, server.password), allow_redirects=False,
                            timeout=HTTP_TIMEOUT)


def parse_multistatus(body: bytes) -> dict[str, dict]:
    """{unquoted href path: {"status": str|None, "props": {clark tag: element},
    "prop_status": {clark tag: status line}}} of a 207 body."""
    root = etree.fromstring(body)
    out: dict[str, dict] = {}
    for resp in root.findall("D:response", NS):
        href_el = resp.find("D:href", NS)
        href = urllib.parse.unquote(urllib.parse.urlparse(href_el.text.strip()).path)
        status_el = resp.find("D:status", NS)
        entry = out.setdefault(href, {"status": None, "props": {}, "prop_status": {}})
        if status_el is not None:
            entry["status"] = status_el.text.strip()
        for ps in resp.findall("D:propstat", NS):
            st = ps.find("D:status", NS).text.strip()
            for prop in ps.find("D:prop", NS):
                entry["prop_status"][prop.tag] = st
                if " 200 " in st:
                    entry["props"][prop.tag] = prop
    return out


def clark(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def path_of(url) -> str:
    return urllib.parse.unquote(urllib.parse.urlparse(str(url)).path)


def same_origin(a: str, b: str) -> bool:
    pa, pb = urllib.parse.urlparse(str(a)), urllib.parse.urlparse(str(b))
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def tool_env(home: str) -> dict[str, str]:
    """The environment for vdirsyncer and khal: a private HOME and XDG dirs,
    an explicit time zone and a UTF-8 locale."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("XDG_") and k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PYTHONDONTWRITEBYTECODE="1", HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"), TZ="Europe/Berlin",
               LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return env
