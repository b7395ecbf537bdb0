#!/usr/bin/env python3
"""The CalDAV benchmark's one-shot client and report writer.

run_caldav_bench.sh uses it for everything that is not load (wrk does the
load): discovery, MKCALENDAR, the correctness checks of each measured
request, the 10 changes before the sync-collection run, a whole-collection
PUT, recording wrk's results, and the final table. Standard library only;
one request at a time.

Subcommands (all take --auth USER:PASS before the subcommand):
  discover BASE_URL                  print the calendar home (RFC 6764 well-known
                                     URI, then current-user-principal, then
                                     calendar-home-set), as a path
  mkcalendar URL                     MKCALENDAR (RFC 4791 §5.3.1), expect 201
  report URL --start --end [--expand] --out FILE
                                     one calendar-query REPORT as wrk sends it;
                                     writes status, UIDs, VEVENTs per UID
  propfind URL --out FILE            one PROPFIND Depth 1 as wrk sends it
  sync-token URL                     print DAV:sync-token (PROPFIND Depth 0)
  change URL DATA_DIR --count N --out FILE
                                     rewrite N events (SEQUENCE 1, new LAST-MODIFIED)
  sync URL --token T --changes FILE --out FILE
                                     one sync-collection REPORT; compare with
                                     the changed hrefs
  put-collection URL FILE            PUT a whole VCALENDAR on the collection
                                     (Radicale's bulk import), expect 201
  put-one URL --out FILE             PUT one new event (If-None-Match: *), expect 201
  record RESULTS SERVER KEY [--connections N]
                                     read wrk's output on stdin, store its
                                     CALDAV_RESULT line; exit 1 on any
                                     unexpected status or socket error
  set RESULTS SERVER KEY (JSON | --file FILE)
                                     store a value
  table RESULTS --expected FILE --data DIR
                                     print the markdown report
"""

import argparse
import base64
import http.client
import json
import os
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:caldav}"
AUTH = None


class Fail(Exception):
    pass


def request(method, url, body=None, headers=None, follow=False):
    """(status, headers dict lower-case, body bytes, final url)."""
    for _ in range(6):
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=900)
        h = {"User-Agent": "almanac-caldav-bench"}
        if AUTH:
            h["Authorization"] = "Basic " + base64.b64encode(AUTH.encode()).decode()
        h.update(headers or {})
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        if follow and r.status in (301, 302, 303, 307, 308) and "location" in hdrs:
            url = urllib.parse.urljoin(url, hdrs["location"])
            continue
        return r.status, hdrs, data, url
    raise Fail("too many redirects from " + url)


def expect(status, wanted, what, data):
    if status not in wanted:
        raise Fail("%s: HTTP %d, expected %s: %s" % (
            what, status, "/".join(map(str, wanted)), data[:600].decode("utf-8", "replace")))


def propfind(url, props, depth="0", follow=False):
    body = ('<?xml version="1.0" encoding="utf-8"?>\n<D:propfind xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>%s</D:prop></D:propfind>' % props)
    return request("PROPFIND", url, body, {"Depth": depth,
                                           "Content-Type": "application/xml; charset=utf-8"},
                   follow=follow)


def first_href(data, prop):
    root = ET.fromstring(data)
    for el in root.iter(prop):
        h = el.find(D + "href")
        if h is not None and h.text:
            return h.text.strip()
    return None


def cmd_discover(a):
    base = a.base.rstrip("/")
    status, _, data, final = propfind(base + "/.well-known/caldav",
                                      "<D:current-user-principal/>", follow=True)
    expect(status, (207,), "PROPFIND /.well-known/caldav (current-user-principal)", data)
    principal = first_href(data, D + "current-user-principal")
    if not principal:
        raise Fail("no current-user-principal in the answer to PROPFIND " + final)
    purl = urllib.parse.urljoin(final, principal)
    status, _, data, _ = propfind(purl, "<C:calendar-home-set/>")
    expect(status, (207,), "PROPFIND %s (calendar-home-set)" % purl, data)
    home = first_href(data, C + "calendar-home-set")
    if not home:
        raise Fail("no calendar-home-set in the answer to PROPFIND " + purl)
    home = urllib.parse.urlsplit(urllib.parse.urljoin(purl, home)).path
    print(home if home.endswith("/") else home + "/")


def cmd_mkcalendar(a):
    body = ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set>'
            '<D:prop><D:displayname>Benchmark</D:displayname>'
            '<C:supported-calendar-component-set><C:comp name="VEVENT"/>'
            '</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>')
    status, _, data, _ = request("MKCALENDAR", a.url, body,
                                 {"Content-Type": "application/xml; charset=utf-8"})
    expect(status, (201,), "MKCALENDAR " + a.url, data)


def report_body(start, end, expand):
    data = "<C:calendar-data/>"
    if expand:
        data = '<C:calendar-data><C:expand start="%s" end="%s"/></C:calendar-data>' % (start, end)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            '<D:prop><D:getetag/>' + data + '</D:prop>'
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            '<C:time-range start="%s" end="%s"/>' % (start, end) +
            '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>')


def unfold(text):
    return text.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").replace("\n\t", "")


def cmd_report(a):
    t0 = time.time()
    status, _, data, _ = request("REPORT", a.url, report_body(a.start, a.end, a.expand),
                                 {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"})
    seconds = time.time() - t0
    expect(status, (207,), "REPORT calendar-query " + a.url, data)
    root = ET.fromstring(data)
    uids, vevents, rrules, bad = {}, {}, {}, []
    responses = 0
    for resp in root.iter(D + "response"):
        responses += 1
        href = resp.findtext(D + "href", "").strip()
        cal = None
        for ps in resp.iter(D + "propstat"):
            st = ps.findtext(D + "status", "")
            el = ps.find(D + "prop/" + C + "calendar-data")
            if el is not None and " 200 " in st + " ":
                cal = el.text or ""
        if cal is None:
            bad.append(href)
            continue
        text = unfold(cal)
        uid = None
        n_ev = n_rr = 0
        depth = []
        for line in text.splitlines():
            if line.startswith("BEGIN:"):
                depth.append(line[6:].strip())
                if depth == ["VCALENDAR", "VEVENT"]:
                    n_ev += 1
            elif line.startswith("END:"):
                depth.pop() if depth else None
            elif depth == ["VCALENDAR", "VEVENT"]:
                if line.startswith("UID:") or line.startswith("UID;"):
                    uid = line.split(":", 1)[1].strip()
                elif line.startswith("RRULE"):
                    n_rr += 1
        if uid is None:
            bad.append(href)
            continue
        uids[uid] = href
        vevents[uid] = vevents.get(uid, 0) + n_ev
        rrules[uid] = rrules.get(uid, 0) + n_rr
    out = {"status": status, "responses": responses, "bytes": len(data), "seconds": seconds,
           "uids": sorted(uids), "vevents": vevents, "rrules": rrules,
           "without_calendar_data": bad}
    with open(a.out, "w") as f:
        json.dump(out, f)
    print("%d responses, %d UIDs, %d bytes, %.2f s" % (responses, len(uids), len(data), seconds))


def cmd_propfind(a):
    t0 = time.time()
    status, _, data, _ = propfind(a.url, "<D:getetag/><D:getcontenttype/><D:resourcetype/>", "1")
    seconds = time.time() - t0
    expect(status, (207,), "PROPFIND Depth 1 " + a.url, data)
    root = ET.fromstring(data)
    n = sum(1 for _ in root.iter(D + "response"))
    etags = sum(1 for _ in root.iter(D + "getetag"))
    with open(a.out, "w") as f:
        json.dump({"responses": n, "etags": etags, "bytes": len(data), "seconds": seconds}, f)
    print("%d responses, %d etags, %d bytes, %.2f s" % (n, etags, len(data), seconds))


def cmd_sync_token(a):
    status, _, data, _ = propfind(a.url, "<D:sync-token/>")
    expect(status, (207,), "PROPFIND DAV:sync-token " + a.url, data)
    tok = ET.fromstring(data).findtext(".//" + D + "sync-token")
    if not tok:
        raise Fail("no DAV:sync-token on " + a.url)
    print(tok.strip())


def read_index(data_dir):
    with open(os.path.join(data_dir, "index.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:]]


def cmd_change(a):
    rows = [r for r in read_index(a.data) if r["kind"] == "single" and not r["note"]]
    step = max(1, len(rows) // a.count)
    chosen = rows[step // 2::step][:a.count]
    changed = []
    for r in chosen:
        with open(os.path.join(a.data, "ics", r["file"]), encoding="utf-8", newline="") as f:
            text = f.read()
        # What a client's edit changes, at the same line lengths (no refolding).
        changed_text = text.replace("SEQUENCE:0\r\n", "SEQUENCE:1\r\n", 1).replace(
            "LAST-MODIFIED:20241201T120000Z\r\n", "LAST-MODIFIED:20250115T120000Z\r\n", 1)
        if changed_text.count("20250115T120000Z") != 1 or "SEQUENCE:1\r\n" not in changed_text:
            raise Fail("could not change " + r["file"])
        text = changed_text
        status, _, data, _ = request("PUT", a.url + r["file"], text,
                                     {"Content-Type": "text/calendar; charset=utf-8"})
        expect(status, (200, 201, 204), "PUT (change) " + a.url + r["file"], data)
        changed.append(r["file"])
    with open(a.out, "w") as f:
        json.dump(changed, f)


def cmd_sync(a):
    with open(a.changes) as f:
        changed = set(json.load(f))
    body = ('<?xml version="1.0" encoding="utf-8"?>\n<D:sync-collection xmlns:D="DAV:">'
            '<D:sync-token>%s</D:sync-token><D:sync-level>1</D:sync-level>'
            '<D:prop><D:getetag/></D:prop></D:sync-collection>' % (
                a.token.replace("&", "&amp;").replace("<", "&lt;")))
    t0 = time.time()
    status, _, data, _ = request("REPORT", a.url, body,
                                 {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"})
    seconds = time.time() - t0
    expect(status, (207,), "REPORT sync-collection " + a.url, data)
    root = ET.fromstring(data)
    got = set()
    for resp in root.iter(D + "response"):
        href = urllib.parse.unquote(resp.findtext(D + "href", "").strip())
        got.add(href.rstrip("/").rsplit("/", 1)[-1])
    new_token = root.findtext(D + "sync-token")
    out = {"responses": len(got), "changed": len(changed), "missing": sorted(changed - got),
           "extra": sorted(got - changed), "new_token": bool(new_token), "bytes": len(data),
           "seconds": seconds}
    with open(a.out, "w") as f:
        json.dump(out, f)
    print("%d hrefs (%d changed; missing %d, extra %d), new token %s" % (
        len(got), len(changed), len(out["missing"]), len(out["extra"]), out["new_token"]))


def cmd_put_collection(a):
    with open(a.file, "rb") as f:
        body = f.read()
    status, _, data, _ = request("PUT", a.url, body, {"Content-Type": "text/calendar; charset=utf-8"})
    expect(status, (201,), "PUT whole collection " + a.url, data)


def cmd_put_one(a):
    uid = "put-one-%d-%d" % (os.getpid(), int(time.time() * 1000))
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac//CalDAV benchmark//EN\r\n"
            "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20251201T090000Z\r\n"
            "DTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\n"
            "SUMMARY:Warm-up event\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" % uid)
    t0 = time.time()
    status, _, data, _ = request("PUT", a.url + uid + ".ics", body,
                                 {"Content-Type": "text/calendar; charset=utf-8",
                                  "If-None-Match": "*"})
    seconds = time.time() - t0
    expect(status, (201,), "PUT (new, If-None-Match: *) " + a.url + uid + ".ics", data)
    with open(a.out, "w") as f:
        json.dump({"status": status, "seconds": seconds}, f)
    print("201 in %.3f s" % seconds)


def load_results(path):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {"servers": [], "data": {}}


def save_results(path, res):
    with open(path + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
    os.replace(path + ".tmp", path)


def store(path, server, key, value):
    res = load_results(path)
    if server not in res["servers"]:
        res["servers"].append(server)
    res["data"].setdefault(server, {})[key] = value
    save_results(path, res)


def cmd_record(a):
    text = sys.stdin.buffer.read().decode("utf-8", "replace")
    line = next((l for l in text.splitlines() if l.startswith("CALDAV_RESULT ")), None)
    if line is None:
        raise Fail("%s %s: no CALDAV_RESULT line in wrk's output:\n%s" % (a.server, a.key, text))
    r = json.loads(line[len("CALDAV_RESULT "):])
    r["connections"] = a.connections
    store(a.results, a.server, a.key, r)
    errs = sum(r["errors"].values())
    if r["bad"] or errs or r["requests"] == 0:
        raise Fail("%s %s: %d of %d answers had an unexpected status (first: %s), socket "
                   "errors %s" % (a.server, a.key, r["bad"], r["requests"], r["first_bad"][:300],
                                  r["errors"]))
    print("%s %s: %.1f req/s, p50 %.2f ms, p99 %.2f ms (%d requests)" % (
        a.server, a.key, r["rps"], r["p50_ms"], r["p99_ms"], r["requests"]), file=sys.stderr)


def cmd_set(a):
    if a.file:
        with open(a.file) as f:
            store(a.results, a.server, a.key, json.load(f))
    else:
        store(a.results, a.server, a.key, json.loads(a.json))


# ---------------------------------------------------------------------------
# The report.

ROWS = [
    ("put", "a) PUT new event (If-None-Match: *)"),
    ("report", "b) REPORT calendar-query, 1-month time-range"),
    ("expand", "c) same with `<C:expand>`"),
    ("propfind", "d) PROPFIND Depth 1 (getetag, getcontenttype, resourcetype)"),
    ("sync", "e) sync-collection after 10 changes"),
]
NAMES = {"almanac": "Almanac", "radicale": "Radicale", "xandikos": "Xandikos"}


def fmt_ms(v):
    if v >= 1000:
        return "%.2f s" % (v / 1000)
    if v >= 100:
        return "%.0f ms" % v
    if v >= 10:
        return "%.1f ms" % v
    return "%.2f ms" % v


def fmt_rps(v):
    return "%.0f" % v if v >= 100 else ("%.1f" % v if v >= 1 else "%.2f" % v)


def fmt_s(v):
    return "%.1f s" % v if v < 600 else "%.0f s" % v


def ratio(x):
    return "%.0fx" % x if x >= 10 else "%.1fx" % x


def load_seconds(d, n_events):
    """(seconds to load all events by PUT, measured?) or (None, False)."""
    ld = d.get("load")
    if not ld:
        return None, False
    if ld["method"] == "put":
        return ld["seconds"], True
    r0 = ld["sample_puts"] / ld["sample_s"]
    r1 = d["put"]["rps"] if "put" in d and "fail_put" not in d else r0
    return n_events * (1 / r0 + 1 / r1) / 2, False


def kinds_of(uids, index):
    kinds = {}
    for u in uids:
        row = index.get(u, {})
        k = row.get("kind", "?")
        if k != "single":
            k += " (%s EXDATE, %s override)" % (
                "with" if row.get("exdates", "0") != "0" else "no",
                "with" if row.get("overrides", "0") != "0" else "no")
        kinds[k] = kinds.get(k, 0) + 1
    return ", ".join("%s %d" % kv for kv in sorted(kinds.items(), key=lambda kv: -kv[1]))


def cmd_table(a):
    res = load_results(a.results)
    servers = res["servers"]
    data = res["data"]
    with open(a.expected) as f:
        exp = json.load(f)
    index = {r["uid"]: r for r in read_index(a.data)}
    peers = [s for s in servers if s != "almanac"]
    have_almanac = "almanac" in servers
    n_events = exp["objects"]
    slow_notes = {}

    head = ["measurement"]
    for s in servers:
        head += ["%s req/s" % NAMES[s], "p50", "p99"]
    if have_almanac:
        head += ["Almanac/%s" % NAMES[p] for p in peers]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))

    def ok(s, key):
        return key in data[s] and "fail_" + key not in data[s]

    expected_uids = set(exp["uids"])
    floating_uids = set(exp["floating"])

    def wrong(s, key):
        """Whether the server's checked answer for this row is wrong."""
        c = data[s].get("check_" + key)
        if not c:
            return False
        if key in ("report", "expand"):
            got = set(c["uids"])
            if (got ^ expected_uids) - floating_uids:
                return True
            if key == "expand":
                return any(c["vevents"].get(u) != exp["instances"][u]
                           for u in got & expected_uids - floating_uids)
            return False
        if key == "propfind":
            return c["responses"] - 1 != n_events
        if key == "sync":
            return bool(c["missing"] or c["extra"])
        return False

    for key, label in ROWS:
        row = [label]
        for s in servers:
            d = data[s]
            r = d.get(key)
            if "fail_" + key in d:
                row += ["**FAILED**", "-", "-"]
            elif r:
                mark = ""
                if r.get("connections") == 1:
                    mark = "‡"
                    slow_notes.setdefault(s, []).append(
                        "%s %s s (%d requests in %.0f s)" % (
                            key, fmt_rps(d["warmup_" + key]["last_s"]), r["requests"],
                            r["duration_s"]))
                if wrong(s, key):
                    mark += "§"
                row += [fmt_rps(r["rps"]) + mark, fmt_ms(r["p50_ms"]), fmt_ms(r["p99_ms"])]
            else:
                row += ["-"] * 3
        if have_almanac:
            for p in peers:
                if ok("almanac", key) and ok(p, key) and data[p][key]["rps"]:
                    row.append(ratio(data["almanac"][key]["rps"] / data[p][key]["rps"]) +
                               ("§" if wrong(p, key) or wrong("almanac", key) else ""))
                elif ok("almanac", key) and "fail_" + key in data[p]:
                    row.append("(%s fails)" % NAMES[p])
                else:
                    row.append("-")
        print("| " + " | ".join(row) + " |")
    row = ["f) load %d events by PUT, wall clock (p50/p99 of those PUTs)" % n_events]
    for s in servers:
        secs, exact = load_seconds(data[s], n_events)
        w = data[s].get("load_wrk")
        lat = [fmt_ms(w["p50_ms"]), fmt_ms(w["p99_ms"])] if w else ["-", "-"]
        if "fail_load" in data[s]:
            row += ["**FAILED**"] + lat
        elif secs is None:
            row += ["-"] + lat
        elif exact:
            row += ["**%s** (%s/s)" % (fmt_s(secs), fmt_rps(n_events / secs))] + lat
        else:
            row += ["~%s†" % fmt_s(secs)] + lat
    if have_almanac:
        a_s, a_exact = load_seconds(data["almanac"], n_events)
        for p in peers:
            p_s, exact = load_seconds(data[p], n_events)
            row.append(ratio(p_s / a_s) + ("" if exact else "†") if a_s and p_s else "-")
    print("| " + " | ".join(row) + " |")
    print()
    print("Ratios are Almanac's req/s over the peer's (for f, the peer's time over Almanac's). "
          "p50/p99 are wrk's latencies under that load (the connections of the wrk line above; "
          "one where marked ‡). "
          "§: that server's answer is wrong (see the correctness notes), so a ratio against it "
          "compares with a wrong answer.")
    print()

    # How each server was loaded; slow runs.
    for s in servers:
        d = data[s]
        ld = d.get("load")
        if not ld:
            continue
        if ld["method"] == "put":
            print("- %s: loaded by %d individual PUTs (%d connections) in %s." % (
                NAMES[s], n_events, ld["connections"], fmt_s(ld["seconds"])))
        else:
            secs, _ = load_seconds(d, n_events)
            r0 = ld["sample_puts"] / ld["sample_s"]
            line = ("- %s†: too slow to load by PUT: its first %d PUTs took %s (%s/s, "
                    "%d connections)" % (NAMES[s], ld["sample_puts"], fmt_s(ld["sample_s"]),
                                         fmt_rps(r0), ld["connections"]))
            if ok(s, "put"):
                line += ", and a) into the full calendar ran at %s/s; with the time per PUT " \
                        "growing linearly in between, %d PUTs would take ~%s" % (
                            fmt_rps(d["put"]["rps"]), n_events, fmt_s(secs))
            else:
                line += ", so %d PUTs would take at least %s" % (n_events, fmt_s(secs))
            line += ". Loaded instead by %s, in %s" % (ld["bulk"], fmt_s(ld["bulk_s"]))
            if "first_s_report" in d:
                line += "; its first REPORT after that took %s" % fmt_s(d["first_s_report"])
            print(line + ".")
    for s in servers:
        if s in slow_notes:
            print("- ‡ %s, one connection (one request took so long after warm-up that 8 "
                  "connections could not each finish 10 in the run): %s." % (
                      NAMES[s], "; ".join(slow_notes[s])))
    for s in servers:
        for key in ("load", "report", "expand", "propfind", "sync", "put"):
            if "fail_" + key in data[s]:
                print("- **%s %s FAILED**: %s" % (NAMES[s], key, data[s]["fail_" + key]))
    rss = ["%s %s MB" % (NAMES[s], data[s]["rss_mb"]) for s in servers if data[s].get("rss_mb")]
    if rss:
        print("- Peak RSS of the server process at the end: " + ", ".join(rss) + ".")
    print()

    # Correctness.
    expected = set(exp["uids"])
    floating = set(exp["floating"])
    print("Correctness of the time-range REPORT (window %s to %s): expected %d UIDs, %d "
          "instances (expected_uids.py: dateutil.rrule in the IANA zones):" % (
              exp["window"][0], exp["window"][1], len(expected),
              sum(exp["instances"].values())))
    sets = {}
    for s in servers:
        d = data[s]
        for key in ("report", "expand"):
            r = d.get("check_" + key)
            what = "REPORT" if key == "report" else "REPORT with expand"
            if not r:
                if "fail_" + key in d:
                    print("- %s %s: failed (%s)" % (NAMES[s], what, d["fail_" + key][:160]))
                continue
            got = set(r["uids"])
            if key == "report":
                sets[s] = got
            missing, extra = expected - got, got - expected
            fl = (missing | extra) & floating
            missing, extra = missing - floating, extra - floating
            line = "- %s %s: %d UIDs" % (NAMES[s], what, len(got))
            line += ", all correct" if not missing and not extra else \
                ", **%d missing, %d extra**" % (len(missing), len(extra))
            if fl:
                line += " (%d more differ only in how floating all-day dates are read: allowed)" \
                    % len(fl)
            if key == "expand":
                inst = exp["instances"]
                unexpanded = sum(1 for u in got if r["rrules"].get(u))
                wrong_n = sum(1 for u in (got & expected) - floating
                              if r["vevents"].get(u) != inst[u])
                line += "; %d VEVENTs returned for %d expected instances; %d objects still " \
                        "carry an RRULE; %d UIDs with the wrong number of instances" % (
                            sum(r["vevents"].values()), sum(inst.values()), unexpanded, wrong_n)
            first = d.get("check_%s_first" % key)
            if first and set(first["uids"]) != got:
                line += " (its first answer, before warm-up, had %d UIDs: %d missing, %d " \
                        "extra)" % (len(first["uids"]), len(expected - set(first["uids"])),
                                    len(set(first["uids"]) - expected))
            print(line)
            for title, uids in (("missing", missing), ("extra", extra)):
                if not uids:
                    continue
                print("  - %s: %s" % (title, kinds_of(uids, index)))
                for u in sorted(uids):
                    if index.get(u, {}).get("note"):
                        print("    - edge case: " + index[u]["note"])
    if len(sets) > 1:
        names = sorted(sets)
        same = all(sets[x] == sets[names[0]] for x in names)
        if same:
            print("- The same UID set from every server.")
        else:
            ref = "almanac" if "almanac" in sets else names[0]
            for x in names:
                if x != ref and sets[x] != sets[ref]:
                    print("- %s vs %s: %d UIDs only from %s, %d only from %s" % (
                        NAMES[x], NAMES[ref], len(sets[x] - sets[ref]), NAMES[x],
                        len(sets[ref] - sets[x]), NAMES[ref]))
    for s in servers:
        sy = data[s].get("check_sync")
        pf = data[s].get("check_propfind")
        parts = []
        if pf:
            parts.append("PROPFIND Depth 1 listed %d members (%d expected)" % (
                pf["responses"] - 1, n_events))
        if sy:
            parts.append("sync-collection returned %d hrefs for the %d changes (missing %d, "
                         "extra %d)" % (sy["responses"], sy["changed"], len(sy["missing"]),
                                        len(sy["extra"])))
        if parts:
            print("- %s: %s." % (NAMES[s], "; ".join(parts)))


def main():
    global AUTH
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--auth")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("discover"); p.add_argument("base")
    p = sub.add_parser("mkcalendar"); p.add_argument("url")
    p = sub.add_parser("report"); p.add_argument("url")
    p.add_argument("--start", required=True); p.add_argument("--end", required=True)
    p.add_argument("--expand", action="store_true"); p.add_argument("--out", required=True)
    p = sub.add_parser("propfind"); p.add_argument("url"); p.add_argument("--out", required=True)
    p = sub.add_parser("sync-token"); p.add_argument("url")
    p = sub.add_parser("change"); p.add_argument("url"); p.add_argument("data")
    p.add_argument("--count", type=int, default=10); p.add_argument("--out", required=True)
    p = sub.add_parser("sync"); p.add_argument("url"); p.add_argument("--token", required=True)
    p.add_argument("--changes", required=True); p.add_argument("--out", required=True)
    p = sub.add_parser("put-collection"); p.add_argument("url"); p.add_argument("file")
    p = sub.add_parser("put-one"); p.add_argument("url"); p.add_argument("--out", required=True)
    p = sub.add_parser("record"); p.add_argument("results"); p.add_argument("server")
    p.add_argument("key"); p.add_argument("--connections", type=int, default=0)
    p = sub.add_parser("set"); p.add_argument("results"); p.add_argument("server")
    p.add_argument("key"); p.add_argument("json", nargs="?"); p.add_argument("--file")
    p = sub.add_parser("table"); p.add_argument("results")
    p.add_argument("--expected", required=True); p.add_argument("--data", required=True)
    a = ap.parse_args()
    AUTH = a.auth
    fn = globals()["cmd_" + a.cmd.replace("-", "_")]
    try:
        fn(a)
    except Fail as e:
        print("caldav_tool: " + str(e), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
