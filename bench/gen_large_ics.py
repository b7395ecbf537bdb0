#!/usr/bin/env python3
"""Writes a large, realistic, strictly valid iCalendar file for `almanac_bench ics`.

One VCALENDAR holding VTIMEZONEs for the zones it uses and VEVENTs that look
like an organisation's calendar export: zoned, UTC and all-day events,
weekly/monthly series with EXDATEs and RECURRENCE-ID overrides, organisers and
up to 40 attendees (quoted CNs with commas), long UTF-8 descriptions in several
scripts with TEXT escapes, folded at 75 octets without splitting a UTF-8
sequence, VALARMs (DISPLAY, EMAIL, AUDIO with REPEAT) and X- properties.

Deterministic: the same --seed and --size-mb give the same bytes.

usage: gen_large_ics.py OUT [--size-mb 50] [--seed 20240101]
"""

import argparse
import datetime as dt
import os
import random
import sys

ZONES = {
    # TZID: (standard offset, daylight offset or None, std name, dst name,
    #        DAYLIGHT rule, STANDARD rule, daylight start, standard start)
    "Europe/Berlin": ("+0100", "+0200", "CET", "CEST",
                      "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
                      "19810329T020000", "19961027T030000"),
    "America/New_York": ("-0500", "-0400", "EST", "EDT",
                         "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
                         "20070311T020000", "20071104T020000"),
    "Australia/Sydney": ("+1000", "+1100", "AEST", "AEDT",
                         "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU", "FREQ=YEARLY;BYMONTH=4;BYDAY=1SU",
                         "20081005T020000", "20080406T030000"),
    "Asia/Kolkata": ("+0530", None, "IST", None, None, None, None, "19451015T000000"),
    "Africa/Nairobi": ("+0300", None, "EAT", None, None, None, None, "19600101T000000"),
}

WORDS = {
    "en": ("agenda review budget quarterly planning milestone stakeholder workshop minutes "
           "deliverable roadmap onboarding retrospective handover procurement volunteers "
           "community outreach schedule venue catering accessibility").split(),
    "de": ("Besprechung Übersicht Abstimmung Qualitätssicherung Terminplanung Mitarbeiterinnen "
           "Zuständigkeit Größe Öffentlichkeitsarbeit Fortbildung Prüfung Ergebnisse").split(),
    "fr": ("réunion équipe préparation budgétaire événement bénévoles coordonnées "
           "présentation élève répétition théâtre modalités").split(),
    "ru": ("совещание проект бюджет отчёт планирование сотрудники расписание "
           "обсуждение задачи итоги").split(),
    "ja": "会議 予算 計画 進捗 報告 研修 打ち合わせ 資料 確認 来週".split(),
    "el": "συνάντηση προϋπολογισμός έργο ομάδα πρόγραμμα".split(),
    "emoji": ["📅", "✅", "🚀", "☕", "🌍", "📝"],
}
FIRST = ("Jana Ola Wei Amara Lucía Søren Zoë Mateus Aiko Dmitri Fatima Noah Priya Émile "
         "Kwame Ingrid Tomás Yuki Chloé Arjun").split()
LAST = ("Müller Nordmann Chen Okafor García Jørgensen Dubois Silva Tanaka Ivanova Haddad "
        "Smith Raman Lefèvre Mensah Berg O'Neil Sato Martin Kapoor").split()
ROOMS = ["Raum 3.14 (Konferenzraum Süd)", "Board room, 2nd floor", "Salle Molière; bâtiment B",
         "Online: https://meet.example.org/r/abc-defg-hij", "会議室A", "Hall 1, East wing"]
CATEGORIES = ["MEETING", "PROJECT", "TRAINING", "LEAVE", "BOOKING", "COMMUNITY", "MILESTONE"]
DAYS = ["MO", "TU", "WE", "TH", "FR"]


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
        # Not inside a UTF-8 sequence, and not just before a blank (readers
        # that strip every blank after a fold would lose it).
        while cut > 1 and ((raw[cut] & 0xC0) == 0x80 or raw[cut] in b" \t"):
            cut -= 1
        out.append(raw[:cut])
        raw = raw[cut:]
        limit = 74  # continuation lines start with one space
    out.append(raw)
    return b"\r\n ".join(out) + b"\r\n"


def fmt_local(t):
    return t.strftime("%Y%m%dT%H%M%S")


def fmt_utc(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.stamp = dt.datetime(2024, 6, 1, 12, 0, 0)
        self.n = 0

    def sentence(self):
        r = self.rng
        lang = r.choice(["en", "en", "de", "fr", "ru", "ja", "el"])
        words = [r.choice(WORDS[lang]) for _ in range(r.randint(5, 14))]
        if r.random() < 0.15:
            words.append(r.choice(WORDS["emoji"]))
        sep = "" if lang == "ja" else " "
        s = sep.join(words)
        return s[0].upper() + s[1:] + r.choice([".", ".", ";", ",", "!", "?", ": see \\docs"])

    def description(self):
        r = self.rng
        paragraphs = []
        for _ in range(r.randint(1, 6)):
            paragraphs.append(" ".join(self.sentence() for _ in range(r.randint(1, 5))))
        return "\n\n".join(paragraphs)

    def person(self):
        r = self.rng
        first, last = r.choice(FIRST), r.choice(LAST)
        mail = (first + "." + last).lower().encode("ascii", "ignore").decode().replace("'", "")
        mail = "".join(c for c in mail if c.isalnum() or c == ".") + "@example.org"
        if r.random() < 0.2:
            cn = '"%s, %s"' % (last, first)  # a comma forces quoting
        else:
            cn = "%s %s" % (first, last)
        return cn, mail

    def lines_for_event(self):
        r = self.rng
        self.n += 1
        uid = "%08x-%04x-4%03x-%04x-%012x@almanac.example" % (
            r.getrandbits(32), r.getrandbits(16), r.getrandbits(12),
            0x8000 | r.getrandbits(14), r.getrandbits(48))
        created = self.stamp - dt.timedelta(days=r.randint(30, 900), seconds=r.randint(0, 86399))
        modified = created + dt.timedelta(days=r.randint(0, 29), seconds=r.randint(0, 86399))
        day = dt.datetime(2022, 1, 3) + dt.timedelta(days=r.randint(0, 1200))
        kind = r.random()
        tzid = r.choice(list(ZONES)) if kind < 0.75 else None
        all_day = kind >= 0.9
        start = day.replace(hour=r.choice(range(7, 19)), minute=r.choice([0, 15, 30, 45]))
        length = dt.timedelta(minutes=r.choice([15, 30, 45, 60, 90, 120, 240]))

        L = []
        L.append("BEGIN:VEVENT")
        L.append("UID:" + uid)
        L.append("DTSTAMP:" + fmt_utc(self.stamp))
        L.append("CREATED:" + fmt_utc(created))
        L.append("LAST-MODIFIED:" + fmt_utc(modified))
        L.append("SEQUENCE:%d" % r.randint(0, 7))
        if all_day:
            end = day + dt.timedelta(days=r.randint(1, 5))
            start_prop = "DTSTART;VALUE=DATE:" + day.strftime("%Y%m%d")
            L.append(start_prop)
            L.append("DTEND;VALUE=DATE:" + end.strftime("%Y%m%d"))
        elif tzid:
            start_prop = "DTSTART;TZID=%s:%s" % (tzid, fmt_local(start))
            L.append(start_prop)
            if r.random() < 0.7:
                L.append("DTEND;TZID=%s:%s" % (tzid, fmt_local(start + length)))
            else:
                L.append("DURATION:PT%dM" % (length.seconds // 60))
        else:
            start_prop = "DTSTART:" + fmt_utc(start)
            L.append(start_prop)
            L.append("DTEND:" + fmt_utc(start + length))

        recurring = r.random() < 0.35
        exdates = []
        if recurring:
            if r.random() < 0.6:
                days = sorted(r.sample(DAYS, r.randint(1, 3)), key=DAYS.index)
                rule = "FREQ=WEEKLY;INTERVAL=%d;BYDAY=%s" % (r.choice([1, 1, 2]), ",".join(days))
            elif r.random() < 0.5:
                rule = "FREQ=MONTHLY;BYDAY=%d%s" % (r.choice([1, 2, 3, -1]), r.choice(DAYS))
            else:
                rule = "FREQ=DAILY;INTERVAL=%d" % r.choice([1, 2, 7])
            if r.random() < 0.5:
                rule += ";COUNT=%d" % r.randint(5, 120)
            elif all_day:
                rule += ";UNTIL=" + (day + dt.timedelta(days=r.randint(60, 700))).strftime("%Y%m%d")
            elif tzid:
                rule += ";UNTIL=" + fmt_utc(start + dt.timedelta(days=r.randint(60, 700)))
            else:
                rule += ";UNTIL=" + fmt_utc(start + dt.timedelta(days=r.randint(60, 700)))
            L.append("RRULE:" + rule)
            if not all_day and r.random() < 0.5:
                for _ in range(r.randint(1, 12)):
                    exdates.append(start + dt.timedelta(days=7 * r.randint(1, 50)))
                exdates = sorted(set(exdates))
                if tzid:
                    L.append("EXDATE;TZID=%s:%s" % (tzid, ",".join(fmt_local(t) for t in exdates)))
                else:
                    L.append("EXDATE:" + ",".join(fmt_utc(t) for t in exdates))

        L.append("SUMMARY:" + escape_text(self.sentence()[:90]))
        L.append("DESCRIPTION:" + escape_text(self.description()))
        L.append("LOCATION:" + escape_text(r.choice(ROOMS)))
        if r.random() < 0.2:
            L.append("GEO:%.6f;%.6f" % (r.uniform(-60, 60), r.uniform(-180, 180)))
        L.append("CATEGORIES:" + ",".join(r.sample(CATEGORIES, r.randint(1, 3))))
        L.append("STATUS:" + r.choice(["CONFIRMED", "CONFIRMED", "TENTATIVE", "CANCELLED"]))
        L.append("TRANSP:" + r.choice(["OPAQUE", "TRANSPARENT"]))
        L.append("CLASS:" + r.choice(["PUBLIC", "PUBLIC", "PRIVATE", "CONFIDENTIAL"]))
        if r.random() < 0.3:
            L.append("URL:https://intranet.example.org/events/%d?ref=cal&lang=de" % self.n)
        organizer = None
        n_att = r.choice([0, 0, 2, 3, 5, 8, 12, 20, 40])
        if n_att:
            cn, mail = self.person()
            organizer = mail
            L.append("ORGANIZER;CN=%s:mailto:%s" % (cn, mail))
            for _ in range(n_att):
                cn, mail = self.person()
                L.append("ATTENDEE;CUTYPE=%s;ROLE=%s;PARTSTAT=%s;RSVP=%s;CN=%s:mailto:%s" % (
                    r.choice(["INDIVIDUAL", "INDIVIDUAL", "GROUP", "RESOURCE", "ROOM"]),
                    r.choice(["REQ-PARTICIPANT", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "CHAIR"]),
                    r.choice(["NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE"]),
                    r.choice(["TRUE", "FALSE"]), cn, mail))
        if r.random() < 0.15:
            L.append("ATTACH;FMTTYPE=application/pdf:https://files.example.org/d/%d/agenda.pdf"
                     % self.n)
        L.append("X-ALMANAC-MODULE:" + r.choice(["events", "projects", "leave", "bookings"]))
        L.append("X-ALMANAC-COLOR:#%06x" % r.getrandbits(24))
        if r.random() < 0.4:
            L.append("X-MICROSOFT-CDO-BUSYSTATUS:" + r.choice(["BUSY", "FREE", "OOF"]))
        if r.random() < 0.2:
            L.append("X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC")

        for _ in range(r.choice([0, 1, 1, 2])):
            a = r.random()
            L.append("BEGIN:VALARM")
            if a < 0.6:
                L.append("ACTION:DISPLAY")
                L.append("DESCRIPTION:" + escape_text(self.sentence()[:60]))
                L.append("TRIGGER:-PT%dM" % r.choice([5, 10, 15, 30, 60]))
            elif a < 0.85 and organizer:
                L.append("ACTION:EMAIL")
                L.append("SUMMARY:Reminder")
                L.append("DESCRIPTION:" + escape_text(self.sentence()))
                L.append("ATTENDEE:mailto:" + organizer)
                L.append("TRIGGER;RELATED=START:-P1D")
            else:
                L.append("ACTION:AUDIO")
                L.append("TRIGGER:-PT10M")
                L.append("REPEAT:2")
                L.append("DURATION:PT5M")
                L.append("ATTACH;FMTTYPE=audio/basic:https://files.example.org/sounds/bell.au")
            L.append("X-WR-ALARMUID:%032x" % r.getrandbits(128))
            L.append("END:VALARM")
        L.append("END:VEVENT")

        # An edited occurrence of a weekly series: same UID, RECURRENCE-ID.
        if recurring and not all_day and r.random() < 0.3 and "FREQ=WEEKLY;INTERVAL=1" in rule:
            occ = start + dt.timedelta(days=7 * r.randint(1, 4))
            if occ not in exdates:
                rid = (("RECURRENCE-ID;TZID=%s:%s" % (tzid, fmt_local(occ))) if tzid
                       else "RECURRENCE-ID:" + fmt_utc(occ))
                moved = occ + dt.timedelta(hours=1)
                L.append("BEGIN:VEVENT")
                L.append("UID:" + uid)
                L.append("DTSTAMP:" + fmt_utc(self.stamp))
                L.append(rid)
                if tzid:
                    L.append("DTSTART;TZID=%s:%s" % (tzid, fmt_local(moved)))
                    L.append("DTEND;TZID=%s:%s" % (tzid, fmt_local(moved + length)))
                else:
                    L.append("DTSTART:" + fmt_utc(moved))
                    L.append("DTEND:" + fmt_utc(moved + length))
                L.append("SUMMARY:" + escape_text("(moved) " + self.sentence()[:60]))
                L.append("SEQUENCE:%d" % r.randint(1, 9))
                L.append("END:VEVENT")
        return L


def vtimezone(tzid):
    std, dst, std_name, dst_name, dst_rule, std_rule, dst_start, std_start = ZONES[tzid]
    L = ["BEGIN:VTIMEZONE", "TZID:" + tzid, "X-LIC-LOCATION:" + tzid]
    if dst:
        L += ["BEGIN:DAYLIGHT", "TZOFFSETFROM:" + std, "TZOFFSETTO:" + dst, "TZNAME:" + dst_name,
              "DTSTART:" + dst_start, "RRULE:" + dst_rule, "END:DAYLIGHT"]
        L += ["BEGIN:STANDARD", "TZOFFSETFROM:" + dst, "TZOFFSETTO:" + std, "TZNAME:" + std_name,
              "DTSTART:" + std_start, "RRULE:" + std_rule, "END:STANDARD"]
    else:
        L += ["BEGIN:STANDARD", "TZOFFSETFROM:" + std, "TZOFFSETTO:" + std,
              "TZNAME:" + std_name, "DTSTART:" + std_start, "END:STANDARD"]
    L.append("END:VTIMEZONE")
    return L


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--size-mb", type=float, default=50.0, help="target size, 10^6 bytes")
    ap.add_argument("--seed", type=int, default=20240101)
    args = ap.parse_args()

    target = int(args.size_mb * 1e6)
    gen = Generator(args.seed)
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Almanac//gen_large_ics.py//EN",
            "CALSCALE:GREGORIAN", "X-WR-CALNAME:Organisation (synthetic, seed %d)" % args.seed,
            "X-WR-TIMEZONE:Europe/Berlin"]
    for tzid in ZONES:
        head += vtimezone(tzid)
    tail = fold("END:VCALENDAR")

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    size = 0
    events = 0
    with open(args.out, "wb") as f:
        for line in head:
            b = fold(line)
            f.write(b)
            size += len(b)
        while size + len(tail) < target:
            chunk = b"".join(fold(line) for line in gen.lines_for_event())
            f.write(chunk)
            size += len(chunk)
            events += 1
        f.write(tail)
        size += len(tail)
    print("wrote %s: %d bytes, %d series (seed %d)" % (args.out, size, events, args.seed),
          file=sys.stderr)


if __name__ == "__main__":
    main()
