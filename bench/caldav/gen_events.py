#!/usr/bin/env python3
"""Writes the calendar of the CalDAV benchmark: one .ics file per event.

Each file is one VCALENDAR object (RFC 4791 §4.1: one UID per resource) with
the VTIMEZONEs it uses, the master VEVENT and, for a series, its
RECURRENCE-ID overrides. The set looks like one busy organisation calendar
over 2025:

- 85 % single events spread over the year (working hours, fewer at weekends):
  ~35 % in Europe/Berlin, ~25 % in America/New_York (both with VTIMEZONE),
  ~30 % in UTC, ~10 % all-day (DATE, some over several days); a fifth use
  DURATION instead of DTEND;
- 15 % series starting between July 2024 and December 2025: weekly (60 %,
  one to three weekdays, INTERVAL 1-3), daily (20 %, short runs, workday
  runs, every other day), monthly (20 %, BYMONTHDAY, 2nd Tuesday style,
  last Friday); ended by COUNT, by UNTIL or open; two in five with 1-3
  EXDATEs, three in ten with 1-2 overrides (moved by hours or days), EXDATEs
  and overrides drawn towards the benchmark's window (March 2025);
- 20 hand-made edge cases around that window (events ending exactly at its
  start, zoned times that are outside in UTC, a series whose only March
  instance is excluded, an override moving an instance into or out of the
  window, DST, open-ended series), listed with what they test in the index
  (they count towards the 85/15 split).

SUMMARY, LOCATION and DESCRIPTION are realistic and varied (escaped commas
and semicolons, multi-line descriptions, German/French accents, a few
emoji); some events have an organiser, attendees and an alarm. Lines are
folded at 75 octets, never inside a UTF-8 sequence; CRLF throughout.

Deterministic: the same --seed and --events give the same bytes.

Output (DIR):
  ics/<UID>.ics     one object per file; the CalDAV href is the file name
  index.tsv         uid, file, kind, zone, exdates, overrides, note
  collection.ics    every object in one VCALENDAR (VTIMEZONEs once), for
                    servers that accept a whole collection in one PUT
  meta.json         seed, counts, SHA-256 of the files in index order

usage: gen_events.py DIR [--events 10000] [--seed 20250301]
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import sys
import uuid
from zoneinfo import ZoneInfo

from dateutil import rrule as du

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
UTC = "UTC"
DATE = "date"  # all-day: DATE values, floating

VTIMEZONES = {
    BERLIN: [
        "BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "X-LIC-LOCATION:Europe/Berlin",
        "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
        "DTSTART:19810329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
        "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
        "DTSTART:19961027T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
        "END:VTIMEZONE",
    ],
    NEW_YORK: [
        "BEGIN:VTIMEZONE", "TZID:America/New_York", "X-LIC-LOCATION:America/New_York",
        "BEGIN:DAYLIGHT", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT",
        "DTSTART:20070311T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "END:DAYLIGHT",
        "BEGIN:STANDARD", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "TZNAME:EST",
        "DTSTART:20071104T020000", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "END:STANDARD",
        "END:VTIMEZONE",
    ],
}

PRODID = "-//Almanac//CalDAV benchmark generator 1.0//EN"
STAMP = "20241215T090000Z"
YEAR = 2025

TOPICS = [
    "Budget review", "Weekly sync", "Steering committee", "Sprint planning", "Sprint review",
    "Volunteer onboarding", "Board meeting", "Quarterly planning", "Design critique",
    "Grant application check-in", "Procurement round", "Community outreach", "Safety briefing",
    "Stakeholder update", "Hiring panel", "Retrospective", "Roadmap workshop",
    "Newsletter editorial", "Facilities walk-through", "IT maintenance window",
    "Fundraising call", "Partner meeting", "Training: data protection", "Town hall",
    "Abstimmung Öffentlichkeitsarbeit", "Réunion d'équipe", "Mitarbeitergespräch",
    "Lunch & learn", "Field visit", "Press briefing", "Audit preparation", "Mentoring",
]
TEAMS = [
    "Field operations", "Finance", "Communications", "Programme A", "Youth project",
    "HR", "Events", "IT", "Partnerships", "Kassel office", "New York office", "Research",
]
PEOPLE = [
    ("Anna Müller", "anna.mueller"), ("Jonas Becker", "jonas.becker"),
    ("Chloé Dubois", "chloe.dubois"), ("Amara Okafor", "amara.okafor"),
    ("Wei Chen", "wei.chen"), ("Lucía García", "lucia.garcia"), ("Noah Smith", "noah.smith"),
    ("Priya Raman", "priya.raman"), ("Søren Jørgensen", "soren.jorgensen"),
    ("Fatima Haddad", "fatima.haddad"), ("Kwame Mensah", "kwame.mensah"),
    ("Ingrid Berg", "ingrid.berg"), ("Tomás Silva", "tomas.silva"), ("Yuki Sato", "yuki.sato"),
]
LOCATIONS = [
    "Room 2.14, Main building", "Konferenzraum Spree, Friedrichstraße 123, 10117 Berlin",
    "Boardroom; 5th floor, 350 Fifth Avenue, New York, NY 10118", "Café Müller, Hauptstraße 5",
    "Online: https://meet.example.org/r/abc-defg-hij", "Salle Molière, bâtiment B",
    "Warehouse, Gate 3", "Community centre, hall 1", "Kassel office, Raum 0.07",
    "Training room (ground floor)", "Zoom: 842 1177 0031", "Brooklyn site office",
]
SENTENCES = [
    "Please read the attached minutes before the meeting.",
    "Agenda: 1. status, 2. risks; 3. next steps.",
    "We will decide on the Q2 budget, so bring your figures.",
    "Dial-in details are in the invitation; the room has a projector.",
    "Bitte die Unterlagen bis Donnerstag prüfen.",
    "Ordre du jour : bilan, planning, questions diverses.",
    "Coffee and cake provided ☕",
    "Volunteers meet at the front desk ten minutes early.",
    "Bring laptops; we will work through the backlog together.",
    "This replaces last month's session, which was cancelled.",
    "Notes: https://wiki.example.org/meetings/notes",
    "Contact the organiser if you cannot attend, and send a deputy.",
    "Travel: train from Berlin Hbf at 07:34, back at 18:20.",
    "Reminder: the building closes at 20:00 🚪",
]
CATEGORIES = ["Meeting", "Project", "Training", "Community", "Internal", "Travel", "Finance"]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

# The window the benchmark queries (REPORT time-range) and the edge cases are
# built around.
WINDOW_START = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
WINDOW_END = dt.datetime(2025, 4, 1, tzinfo=dt.timezone.utc)


def escape_text(s):
    return (s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line):
    """Folds one content line at 75 octets, never inside a UTF-8 sequence."""
    raw = line.encode("utf-8")
    out = []
    limit = 75
    while len(raw) > limit:
        cut = limit
        while cut > 1 and (raw[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append(raw[:cut])
        raw = raw[cut:]
        limit = 74  # continuation lines start with one space
    out.append(raw)
    return b"\r\n ".join(out) + b"\r\n"


def fmt_value(zone, value):
    """(parameter suffix, value text) of a DTSTART-like property."""
    if zone == DATE:
        return ";VALUE=DATE", value.strftime("%Y%m%d")
    if zone == UTC:
        return "", value.strftime("%Y%m%dT%H%M%SZ")
    return ";TZID=" + zone, value.strftime("%Y%m%dT%H%M%S")


def aware(zone, value):
    """The instant of a local value (for computing occurrences in the generator)."""
    if zone == DATE:
        return dt.datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=ZoneInfo("UTC" if zone == UTC else zone))


def fmt_duration(minutes):
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    s = "P"
    if days:
        s += "%dD" % days
    if hours or mins:
        s += "T"
        if hours:
            s += "%dH" % hours
        if mins:
            s += "%dM" % mins
    return s


class Event:
    """One VEVENT (master or override) before serialisation."""

    def __init__(self, zone, start, minutes, summary):
        self.zone = zone
        self.start = start  # naive local datetime (or date at midnight for DATE)
        self.minutes = minutes  # duration; whole days for DATE
        self.summary = summary
        self.location = ""
        self.description = ""
        self.use_duration = False
        self.rrule = None
        self.exdates = []  # lists of naive local datetimes, one list per EXDATE line
        self.recurrence_id = None
        self.sequence = 0
        self.organizer = None
        self.attendees = []
        self.categories = None
        self.alarm = None
        self.transparent = False
        self.status = "CONFIRMED"


def vevent_lines(uid, ev):
    lines = ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:" + STAMP,
             "CREATED:20241101T080000Z", "LAST-MODIFIED:20241201T120000Z",
             "SEQUENCE:%d" % ev.sequence]
    if ev.recurrence_id is not None:
        p, v = fmt_value(ev.zone, ev.recurrence_id)
        lines.append("RECURRENCE-ID%s:%s" % (p, v))
    p, v = fmt_value(ev.zone, ev.start)
    lines.append("DTSTART%s:%s" % (p, v))
    if ev.zone == DATE:
        days = max(1, ev.minutes // 1440)
        if ev.use_duration:
            lines.append("DURATION:P%dD" % days)
        else:
            p, v = fmt_value(DATE, ev.start + dt.timedelta(days=days))
            lines.append("DTEND%s:%s" % (p, v))
    elif ev.use_duration:
        lines.append("DURATION:" + fmt_duration(ev.minutes))
    else:
        p, v = fmt_value(ev.zone, ev.start + dt.timedelta(minutes=ev.minutes))
        lines.append("DTEND%s:%s" % (p, v))
    if ev.rrule:
        lines.append("RRULE:" + ev.rrule)
    for group in ev.exdates:
        p, _ = fmt_value(ev.zone, group[0])
        lines.append("EXDATE%s:%s" % (p, ",".join(fmt_value(ev.zone, x)[1] for x in group)))
    lines.append("SUMMARY:" + escape_text(ev.summary))
    if ev.location:
        lines.append("LOCATION:" + escape_text(ev.location))
    if ev.description:
        lines.append("DESCRIPTION:" + escape_text(ev.description))
    if ev.categories:
        lines.append("CATEGORIES:" + escape_text(ev.categories))
    lines.append("STATUS:" + ev.status)
    lines.append("TRANSP:" + ("TRANSPARENT" if ev.transparent else "OPAQUE"))
    if ev.organizer:
        name, mail = ev.organizer
        lines.append('ORGANIZER;CN="%s":mailto:%s@example.org' % (name, mail))
        for name, mail, partstat in ev.attendees:
            lines.append('ATTENDEE;CN="%s";CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;'
                         'PARTSTAT=%s;RSVP=TRUE:mailto:%s@example.org' % (name, partstat, mail))
    if ev.alarm:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder",
                  "TRIGGER:-PT%dM" % ev.alarm, "END:VALARM"]
    lines.append("END:VEVENT")
    return lines


def calendar_bytes(uid, events):
    zones = sorted({e.zone for e in events if e.zone in VTIMEZONES})
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + PRODID, "CALSCALE:GREGORIAN"]
    for z in zones:
        lines += VTIMEZONES[z]
    for e in events:
        lines += vevent_lines(uid, e)
    lines.append("END:VCALENDAR")
    return b"".join(fold(l) for l in lines)


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def uid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def decorate(self, ev, single):
        """Location, description, people, alarm: the realistic payload."""
        r = self.rng
        if r.random() < 0.8:
            ev.location = r.choice(LOCATIONS)
        n = r.choice([0, 1, 1, 2, 3, 4, 6])
        if n:
            ev.description = "\n".join(r.sample(SENTENCES, min(n, len(SENTENCES))))
        if r.random() < 0.35:
            ev.organizer = r.choice(PEOPLE)
            for person in r.sample(PEOPLE, r.randint(1, 6)):
                ev.attendees.append((person[0], person[1],
                                     r.choice(["ACCEPTED", "ACCEPTED", "TENTATIVE", "NEEDS-ACTION"])))
        if r.random() < 0.3:
            ev.categories = r.choice(CATEGORIES)
        if ev.zone != DATE and r.random() < 0.4:
            ev.alarm = r.choice([5, 10, 15, 30])
        if ev.zone == DATE:
            ev.transparent = True
        if single and r.random() < 0.03:
            ev.status = "TENTATIVE"

    def summary(self):
        r = self.rng
        t = r.choice(TOPICS)
        x = r.random()
        if x < 0.4:
            return "%s: %s" % (t, r.choice(TEAMS))
        if x < 0.5:
            a, b = r.sample(PEOPLE, 2)
            return "1:1 %s / %s" % (a[0].split()[0], b[0].split()[0])
        if x < 0.55:
            return t + " 🚀"
        return t

    def zone(self, weights):
        r = self.rng.random()
        acc = 0.0
        for z, w in weights:
            acc += w
            if r < acc:
                return z
        return weights[-1][0]

    def single(self):
        r = self.rng
        z = self.zone([(DATE, 0.10), (BERLIN, 0.35), (NEW_YORK, 0.25), (UTC, 0.30)])
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=r.randrange(365))
        if day.weekday() >= 5 and r.random() < 0.8:
            day += dt.timedelta(days=7 - day.weekday())  # to Monday
        if z == DATE:
            start = dt.datetime(day.year, day.month, day.day)
            minutes = 1440 * (1 if r.random() < 0.8 else r.randint(2, 5))
        else:
            start = dt.datetime(day.year, day.month, day.day, r.randint(7, 18),
                                r.choice([0, 15, 30, 45]))
            minutes = r.choice([15, 30, 30, 45, 60, 60, 60, 90, 120, 180])
        ev = Event(z, start, minutes, self.summary())
        ev.use_duration = r.random() < 0.2
        self.decorate(ev, True)
        return "single", [ev]

    def series(self):
        r = self.rng
        z = self.zone([(DATE, 0.08), (BERLIN, 0.42), (NEW_YORK, 0.30), (UTC, 0.20)])
        day = dt.date(2024, 7, 1) + dt.timedelta(days=r.randrange(520))
        if day.weekday() >= 5:
            day += dt.timedelta(days=7 - day.weekday())
        kind = r.choices(["weekly", "daily", "monthly"], [0.6, 0.2, 0.2])[0]
        parts = []
        if kind == "weekly":
            days = {day.weekday()}
            extra = r.choices([0, 1, 2], [0.5, 0.35, 0.15])[0]
            while len(days) < 1 + extra:
                days.add(r.randrange(5))
            parts = ["FREQ=WEEKLY"]
            interval = r.choices([1, 2, 3], [0.75, 0.2, 0.05])[0]
            if interval > 1:
                parts.append("INTERVAL=%d" % interval)
            parts.append("BYDAY=" + ",".join(WEEKDAYS[d] for d in sorted(days)))
            end = r.choices(["count", "until", "open"], [0.35, 0.45, 0.2])[0]
            count = r.randint(4, 52)
            until_days = r.randint(30, 365)
        elif kind == "daily":
            style = r.choices(["run", "workdays", "alternate"], [0.5, 0.3, 0.2])[0]
            parts = ["FREQ=DAILY"]
            if style == "run":
                end, count = "count", r.randint(2, 10)
            elif style == "workdays":
                parts.append("BYDAY=MO,TU,WE,TH,FR")
                end, until_days = "until", r.randint(14, 120)
            else:
                parts.append("INTERVAL=2")
                end, count = "count", r.randint(5, 30)
        else:
            style = r.choices(["monthday", "nth", "last"], [0.5, 0.35, 0.15])[0]
            parts = ["FREQ=MONTHLY"]
            if style == "monthday":
                if day.day > 28:
                    day = day.replace(day=r.randint(1, 28))
                parts.append("BYMONTHDAY=%d" % day.day)
            elif style == "nth":
                n = min(4, (day.day - 1) // 7 + 1)
                day = nth_weekday(day.year, day.month, day.weekday(), n)
                parts.append("BYDAY=%d%s" % (n, WEEKDAYS[day.weekday()]))
            else:
                day = last_weekday(day.year, day.month, 4)
                parts.append("BYDAY=-1FR")
            end = r.choices(["count", "until", "open"], [0.4, 0.3, 0.3])[0]
            count = r.randint(3, 24)
            until_days = r.randint(90, 540)
        if z == DATE:
            start = dt.datetime(day.year, day.month, day.day)
            minutes = 1440
        else:
            start = dt.datetime(day.year, day.month, day.day, r.randint(7, 18),
                                r.choice([0, 0, 15, 30, 45]))
            minutes = r.choice([15, 30, 30, 45, 60, 60, 60, 90, 120])
        if end == "count":
            parts.append("COUNT=%d" % count)
        elif end == "until":
            parts.append("UNTIL=" + until_text(z, start, day + dt.timedelta(days=until_days)))
        ev = Event(z, start, minutes, self.summary())
        ev.rrule = ";".join(parts)
        ev.use_duration = r.random() < 0.2
        self.decorate(ev, False)
        events = [ev]
        occ = occurrences(ev, 400)
        near = [o for o in occ[1:] if dt.datetime(2025, 2, 20) <= o < dt.datetime(2025, 4, 10)]
        taken = set()

        def pick():
            pool = near if near and r.random() < 0.5 else occ[1:60]
            pool = [o for o in pool if o not in taken]
            if not pool:
                return None
            o = r.choice(pool)
            taken.add(o)
            return o

        exdates = []
        if len(occ) > 3 and r.random() < 0.4:
            for _ in range(r.randint(1, 3)):
                o = pick()
                if o is not None:
                    exdates.append(o)
            if exdates:
                exdates.sort()
                # Both spellings: one EXDATE with a list, or one line each.
                ev.exdates = [exdates] if r.random() < 0.5 else [[x] for x in exdates]
        overrides = 0
        if len(occ) > 3 and r.random() < 0.3:
            for _ in range(r.randint(1, 2)):
                o = pick()
                if o is None:
                    continue
                if z == DATE:
                    shift = dt.timedelta(days=r.choice([-2, -1, 1, 2]))
                else:
                    shift = r.choice([dt.timedelta(hours=r.randint(1, 3)),
                                      dt.timedelta(days=r.choice([-2, -1, 1, 2]))])
                ov = Event(z, o + shift, ev.minutes, ev.summary + " (moved)")
                ov.recurrence_id = o
                ov.sequence = 1
                ov.location = ev.location
                ov.description = ev.description
                ov.use_duration = ev.use_duration
                ov.transparent = ev.transparent
                events.append(ov)
                overrides += 1
        return kind, events, len(exdates), overrides


def until_text(zone, start, day):
    """UNTIL for a series: a DATE for all-day ones, else UTC (RFC 5545 §3.3.10)."""
    if zone == DATE:
        return day.strftime("%Y%m%d")
    local = dt.datetime(day.year, day.month, day.day, start.hour, start.minute)
    if zone == UTC:
        return local.strftime("%Y%m%dT%H%M%SZ")
    return aware(zone, local).astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def nth_weekday(year, month, weekday, n):
    d = dt.date(year, month, 1)
    d += dt.timedelta(days=(weekday - d.weekday()) % 7)
    return d + dt.timedelta(days=7 * (n - 1))


def last_weekday(year, month, weekday):
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - dt.timedelta(days=1)
    return d - dt.timedelta(days=(d.weekday() - weekday) % 7)


def occurrences(ev, limit):
    """Naive local starts of the first `limit` occurrences (for picking EXDATEs)."""
    rule = du.rrulestr(ev.rrule, dtstart=aware(ev.zone, ev.start))
    out = []
    for o in rule:
        out.append(o.replace(tzinfo=None))
        if len(out) >= limit:
            break
    return out


def edge_cases(g):
    """Hand-made objects around the window [2025-03-01, 2025-04-01) UTC.

    Yields (note, kind, events). The expected answer is computed by
    expected_uids.py, not here; the notes say what each one tests."""
    D = dt.datetime

    def ev(zone, start, minutes, summary, **kw):
        e = Event(zone, start, minutes, summary)
        for k, v in kw.items():
            setattr(e, k, v)
        g.decorate(e, True)
        return e

    yield "UTC, spans the window start", "single", [
        ev(UTC, D(2025, 2, 28, 22, 0), 240, "Night maintenance window")]
    yield "UTC, ends exactly at the window start (out)", "single", [
        ev(UTC, D(2025, 2, 28, 23, 0), 60, "Late support shift")]
    yield "UTC, starts exactly at the window end (out)", "single", [
        ev(UTC, D(2025, 4, 1, 0, 0), 60, "Release freeze begins")]
    yield "New York 21:00 EDT on 31 March = 1 April 01:00Z (out)", "single", [
        ev(NEW_YORK, D(2025, 3, 31, 21, 0), 60, "Evening call with Sydney team")]
    yield "New York 19:30 EST on 28 Feb = 1 March 00:30Z (in)", "single", [
        ev(NEW_YORK, D(2025, 2, 28, 19, 30), 60, "Donor dinner")]
    yield "Berlin 00:30-01:00 CET on 1 March = 23:30-00:00Z (out)", "single", [
        ev(BERLIN, D(2025, 3, 1, 0, 30), 30, "Server migration cut-over")]
    yield "Berlin 01:30 CEST on 1 April = 31 March 23:30Z (in, needs DST)", "single", [
        ev(BERLIN, D(2025, 4, 1, 1, 30), 30, "Backup verification")]
    yield "UTC DURATION P1DT5H from 27 Feb 20:00 ends 1 March 01:00Z (in)", "single", [
        ev(UTC, D(2025, 2, 27, 20, 0), 1740, "Hackathon", use_duration=True)]
    yield "all-day 28 Feb (floating: out in UTC, boundary)", "single", [
        ev(DATE, D(2025, 2, 28), 1440, "Team offsite")]
    yield "all-day 1 April (floating: out in UTC, boundary)", "single", [
        ev(DATE, D(2025, 4, 1), 1440, "Office closed")]
    yield "all-day 27 Feb - 2 March, DURATION P4D (in)", "single", [
        ev(DATE, D(2025, 2, 27), 4 * 1440, "Conference: Open Source Summit", use_duration=True)]
    # Series.
    m = ev(BERLIN, D(2024, 9, 3, 10, 0), 60, "Jour fixe Kommunikation",
           rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20250225T090000Z")
    o = ev(BERLIN, D(2025, 3, 4, 10, 0), 60, "Jour fixe Kommunikation (moved)",
           recurrence_id=D(2025, 2, 25, 10, 0), sequence=1)
    yield "weekly Berlin ends 25 Feb; override moves last instance to 4 March (in)", "weekly", [m, o]
    m = ev(NEW_YORK, D(2025, 1, 14, 15, 0), 60, "Partner call (2nd Tuesday)",
           rrule="FREQ=MONTHLY;BYDAY=2TU;COUNT=3", exdates=[[D(2025, 3, 11, 15, 0)]])
    yield "monthly NY, only March instance excluded by EXDATE (out)", "monthly", [m]
    m = ev(UTC, D(2025, 1, 15, 9, 0), 60, "Payroll review",
           rrule="FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3")
    o = ev(UTC, D(2025, 4, 2, 9, 0), 60, "Payroll review (moved)",
           recurrence_id=D(2025, 3, 15, 9, 0), sequence=1)
    yield "monthly UTC, March instance moved to 2 April by override (out)", "monthly", [m, o]
    m = ev(UTC, D(2025, 2, 25, 23, 0), 90, "On-call handover",
           rrule="FREQ=DAILY;COUNT=4")
    yield "daily UTC 25-28 Feb 23:00 for 90 min: last one reaches 1 March (in)", "daily", [m]
    m = ev(BERLIN, D(2025, 1, 4, 0, 30), 30, "Weekend batch job",
           rrule="FREQ=WEEKLY;BYDAY=SA;UNTIL=20250301T000000Z")
    yield ("weekly Berlin Sat 00:30 CET to UNTIL 1 March 00:00Z: last instance "
           "23:30-00:00Z (out; in if read as UTC)"), "weekly", [m]
    m = ev(NEW_YORK, D(2025, 3, 31, 19, 30), 60, "Evening volunteers' briefing",
           rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6")
    yield "weekly NY from 31 March 19:30 EDT = 23:30Z (in, needs DST)", "weekly", [m]
    m = ev(UTC, D(2023, 5, 1, 8, 0), 30, "Daily stand-up",
           rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    yield "open-ended weekly UTC since May 2023 (in)", "weekly", [m]
    m = ev(DATE, D(2024, 10, 1), 1440, "Payroll cut-off",
           rrule="FREQ=MONTHLY;BYMONTHDAY=1")
    yield "open-ended monthly all-day on the 1st (in)", "monthly", [m]
    m = ev(BERLIN, D(2025, 2, 4, 10, 0), 60, "Vorstandssitzung",
           rrule="FREQ=WEEKLY;INTERVAL=4;BYDAY=TU;COUNT=4",
           exdates=[[D(2025, 3, 4, 10, 0)]])
    o = ev(BERLIN, D(2025, 2, 27, 10, 0), 60, "Vorstandssitzung (vorgezogen)",
           recurrence_id=D(2025, 4, 1, 10, 0), sequence=1)
    yield ("every 4 weeks Berlin: March instance excluded, April instance moved "
           "to 27 Feb (out)"), "weekly", [m, o]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20250301)
    args = ap.parse_args()
    g = Generator(args.seed)
    objects = []  # (uid, kind, zone, exdates, overrides, note, events)
    for note, kind, events in edge_cases(g):
        ex = sum(len(x) for x in events[0].exdates)
        objects.append((g.uid(), kind, events[0].zone, ex, len(events) - 1, note, events))
    objects = objects[:args.events]
    n_series = round(args.events * 0.15) - sum(1 for o in objects if o[1] != "single")
    n_rest = args.events - len(objects)
    # Series at evenly spread positions among the rest, so any prefix of the
    # index has the same mix.
    series_at = {int(i * n_rest / max(n_series, 1)) for i in range(max(n_series, 0))}
    for i in range(n_rest):
        if i in series_at:
            kind, events, ex, ov = g.series()
            objects.append((g.uid(), kind, events[0].zone, ex, ov, "", events))
        else:
            kind, events = g.single()
            objects.append((g.uid(), kind, events[0].zone, 0, 0, "", events))

    out = args.dir
    if os.path.isdir(os.path.join(out, "ics")):
        shutil.rmtree(os.path.join(out, "ics"))
    os.makedirs(os.path.join(out, "ics"))
    digest = hashlib.sha256()
    index = ["uid\tfile\tkind\tzone\texdates\toverrides\tnote\n"]
    coll_events = []
    zones = set()
    for uid, kind, zone, ex, ov, note, events in objects:
        data = calendar_bytes(uid, events)
        digest.update(data)
        name = uid + ".ics"
        with open(os.path.join(out, "ics", name), "wb") as f:
            f.write(data)
        index.append("\t".join([uid, name, kind, zone, str(ex), str(ov), note]) + "\n")
        for e in events:
            coll_events.append((uid, e))
            if e.zone in VTIMEZONES:
                zones.add(e.zone)
    with open(os.path.join(out, "index.tsv"), "w", encoding="utf-8") as f:
        f.writelines(index)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + PRODID, "CALSCALE:GREGORIAN",
             "X-WR-CALNAME:Benchmark"]
    for z in sorted(zones):
        lines += VTIMEZONES[z]
    with open(os.path.join(out, "collection.ics"), "wb") as f:
        f.write(b"".join(fold(l) for l in lines))
        for uid, e in coll_events:
            f.write(b"".join(fold(l) for l in vevent_lines(uid, e)))
        f.write(fold("END:VCALENDAR"))
    kinds = {}
    for o in objects:
        kinds[o[1]] = kinds.get(o[1], 0) + 1
    meta = {
        "seed": args.seed, "events": len(objects), "kinds": kinds,
        "zones": {z: sum(1 for o in objects if o[2] == z) for z in (BERLIN, NEW_YORK, UTC, DATE)},
        "exdates": sum(o[3] for o in objects), "overrides": sum(o[4] for o in objects),
        "edge_cases": sum(1 for o in objects if o[5]),
        "sha256": digest.hexdigest(),
        "window": [WINDOW_START.strftime("%Y%m%dT%H%M%SZ"), WINDOW_END.strftime("%Y%m%dT%H%M%SZ")],
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print("gen_events: %d objects (%s), %d EXDATEs, %d overrides, sha256 %s" % (
        len(objects), ", ".join("%s %d" % kv for kv in sorted(kinds.items())),
        meta["exdates"], meta["overrides"], meta["sha256"][:16]), file=sys.stderr)


if __name__ == "__main__":
    main()
