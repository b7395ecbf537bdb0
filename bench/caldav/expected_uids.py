#!/usr/bin/env python3
"""The answer a CalDAV server should give to the benchmark's time-range query.

Reads the objects written by gen_events.py with its own small iCalendar
reader (it shares no code with the generator), expands recurrences with
dateutil.rrule in the IANA zones named by TZID (zoneinfo, the system tzdata)
and applies RFC 4791 §9.9 to each instance:

  DTEND:                   start < window_end and end > window_start
  DURATION > 0:            start < window_end and start + duration > window_start
  DATE-TIME, no end:       window_start <= start < window_end
  DATE, no end:            one day

EXDATEs remove instances (compared as instants); a RECURRENCE-ID override
replaces the instance it names by its own DTSTART/DTEND. Floating values
(all-day DATEs) are read in UTC, as RFC 4791 §9.9 allows when the collection
has no CALDAV:calendar-timezone; a UID whose answer changes when floating
values are read anywhere from UTC-12 to UTC+14 is listed as `floating` so
that a server reading them in another zone is not called wrong.

Writes JSON: window, uids (sorted), instances (UID -> instances in the
window, i.e. what <C:expand> should return), floating.

usage: expected_uids.py DATA_DIR [--start 20250301T000000Z] [--end 20250401T000000Z] [--out FILE]
"""

import argparse
import datetime as dt
import json
import os
import sys
from zoneinfo import ZoneInfo

from dateutil import rrule as du

UTC = dt.timezone.utc


def unfold(text):
    lines = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


def split_line(line):
    """(NAME, {PARAM: value}, value) of one unfolded content line."""
    i, quoted = 0, False
    while i < len(line):
        c = line[i]
        if c == '"':
            quoted = not quoted
        elif c == ":" and not quoted:
            break
        i += 1
    head, value = line[:i], line[i + 1:]
    parts, cur, quoted = [], "", False
    for c in head:
        if c == '"':
            quoted = not quoted
        if c == ";" and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        params[k.upper()] = v.strip('"')
    return parts[0].upper(), params, value


def components(lines):
    """Top-level VEVENTs of one VCALENDAR as lists of (name, params, value)."""
    out, stack, cur = [], [], None
    for line in lines:
        name, params, value = split_line(line)
        if name == "BEGIN":
            stack.append(value.upper())
            if stack == ["VCALENDAR", "VEVENT"]:
                cur = []
        elif name == "END":
            if stack == ["VCALENDAR", "VEVENT"]:
                out.append(cur)
                cur = None
            stack.pop()
        elif cur is not None and len(stack) == 2:
            cur.append((name, params, value))
    return out


def parse_time(params, value):
    """A datetime: aware for UTC and TZID values, naive for floating and DATE."""
    if params.get("VALUE") == "DATE" or len(value) == 8:
        return dt.datetime.strptime(value, "%Y%m%d"), True
    if value.endswith("Z"):
        return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC), False
    t = dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
    if "TZID" in params:
        return t.replace(tzinfo=ZoneInfo(params["TZID"])), False
    return t, False


def parse_duration(text):
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")[1:]  # drop P
    total = dt.timedelta()
    num = ""
    in_time = False
    for c in text:
        if c.isdigit():
            num += c
        elif c == "T":
            in_time = True
        else:
            n = int(num)
            num = ""
            if c == "W":
                total += dt.timedelta(weeks=n)
            elif c == "D":
                total += dt.timedelta(days=n)
            elif c == "H":
                total += dt.timedelta(hours=n)
            elif c == "M" and in_time:
                total += dt.timedelta(minutes=n)
            elif c == "S":
                total += dt.timedelta(seconds=n)
    return sign * total


class Vevent:
    def __init__(self, props):
        self.rrule = None
        self.exdates = []
        self.recurrence_id = None
        self.end = None
        self.duration = None
        for name, params, value in props:
            if name == "UID":
                self.uid = value
            elif name == "DTSTART":
                self.start, self.is_date = parse_time(params, value)
            elif name == "DTEND":
                self.end, _ = parse_time(params, value)
            elif name == "DURATION":
                self.duration = parse_duration(value)
            elif name == "RRULE":
                self.rrule = value
            elif name == "EXDATE":
                for v in value.split(","):
                    self.exdates.append(parse_time(params, v)[0])
            elif name == "RECURRENCE-ID":
                self.recurrence_id, _ = parse_time(params, value)

    def length(self):
        """The instance length; None for a zero-length DATE-TIME (RFC 4791 §9.9)."""
        if self.end is not None:
            return self.end - self.start
        if self.duration is not None:
            return self.duration
        return dt.timedelta(days=1) if self.is_date else None


def instant(t, floating):
    return t if t.tzinfo is not None else t.replace(tzinfo=floating)


def overlaps(start, length, floating, w0, w1):
    s = instant(start, floating)
    if length is None or length == dt.timedelta(0):
        return w0 <= s < w1
    return s < w1 and s + length > w0


def instances(master, overrides, floating, w0, w1):
    """Number of instances of one object overlapping [w0, w1)."""
    moved = {instant(o.recurrence_id, floating) for o in overrides}
    n = 0
    if master is not None:
        length = master.length()
        if master.rrule is None:
            starts = [master.start]
        else:
            rule = du.rrulestr(master.rrule, dtstart=master.start)
            starts = []
            horizon = w1 + dt.timedelta(days=2)
            for s in rule:
                if instant(s, floating) >= horizon:
                    break
                starts.append(s)
        ex = {instant(x, floating) for x in master.exdates}
        for s in starts:
            i = instant(s, floating)
            if i in ex or i in moved:
                continue
            if overlaps(s, length, floating, w0, w1):
                n += 1
    for o in overrides:
        if overlaps(o.start, o.length(), floating, w0, w1):
            n += 1
    return n


def parse_utc(text):
    return dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--start", default="20250301T000000Z")
    ap.add_argument("--end", default="20250401T000000Z")
    ap.add_argument("--out")
    args = ap.parse_args()
    w0, w1 = parse_utc(args.start), parse_utc(args.end)
    shifts = [dt.timezone(dt.timedelta(hours=h)) for h in (-12, -6, 6, 14)]
    uids, counts, floating_uids = [], {}, []
    with open(os.path.join(args.dir, "index.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    for row in rows:
        with open(os.path.join(args.dir, "ics", row[1]), encoding="utf-8") as f:
            events = [Vevent(c) for c in components(unfold(f.read()))]
        master = next((e for e in events if e.recurrence_id is None), None)
        overrides = [e for e in events if e.recurrence_id is not None]
        uid = events[0].uid
        n = instances(master, overrides, UTC, w0, w1)
        if n:
            uids.append(uid)
            counts[uid] = n
        if any(e.is_date for e in events):
            if any(bool(instances(master, overrides, z, w0, w1)) != bool(n) for z in shifts):
                floating_uids.append(uid)
    result = {"window": [args.start, args.end], "uids": sorted(uids), "instances": counts,
              "floating": sorted(floating_uids), "objects": len(rows)}
    text = json.dumps(result, indent=0, sort_keys=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    print("expected_uids: %d of %d objects in [%s, %s), %d instances, %d depend on the "
          "floating zone" % (len(uids), len(rows), args.start, args.end, sum(counts.values()),
                             len(floating_uids)), file=sys.stderr)


if __name__ == "__main__":
    main()
