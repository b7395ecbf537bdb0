"""The calendar objects the interoperability tests write, with fixed dates in
March-April 2025 in Europe/Berlin (which changes to summer time on Sunday
2025-03-30, so instances before and after have different UTC offsets).

Every object is a complete VCALENDAR with CRLF line ends and the VTIMEZONE for
each TZID it uses (RFC 4791 §4.1: one UID per resource, all components of a
recurring series together; RFC 5545 §3.6.5: a VTIMEZONE for every TZID).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

TZ = "Europe/Berlin"
UTC = timezone.utc

VTIMEZONE_BERLIN = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

DTSTAMP = "DTSTAMP:20250101T000000Z"


def vcalendar(*components: str, timezone_needed: bool = True) -> str:
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Almanac//interop tests//EN"]
    if timezone_needed:
        parts.append(VTIMEZONE_BERLIN)
    parts.extend(components)
    parts.append("END:VCALENDAR")
    return "\r\n".join("\r\n".join(p.split("\n")) for p in parts) + "\r\n"


def vevent(uid: str, summary: str, start: str, end: str, *extra: str) -> str:
    """start/end are full property values after the colon-less name, e.g.
    'DTSTART;TZID=Europe/Berlin:20250310T090000'."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", DTSTAMP, start, end, f"SUMMARY:{summary}", *extra,
             "END:VEVENT"]
    return "\n".join(lines)


# ---- the objects ---------------------------------------------------------------------

SINGLE_UID = "interop-single-1"
SINGLE_SUMMARY = "Planning meeting"
SINGLE = vcalendar(vevent(SINGLE_UID, SINGLE_SUMMARY,
                          "DTSTART;TZID=Europe/Berlin:20250310T090000",
                          "DTEND;TZID=Europe/Berlin:20250310T100000",
                          "LOCATION:Room 1", "SEQUENCE:0"))

ALLDAY_UID = "interop-allday-1"
ALLDAY_SUMMARY = "Company holiday"
ALLDAY = vcalendar(vevent(ALLDAY_UID, ALLDAY_SUMMARY, "DTSTART;VALUE=DATE:20250312",
                          "DTEND;VALUE=DATE:20250313", "TRANSP:TRANSPARENT"),
                   timezone_needed=False)

# Weekly on Mondays 14:00-15:00 Berlin, 8 times: Mar 3, 10, 17, 24, 31, Apr 7, 14, 21.
# Mar 17 is cancelled (EXDATE); Mar 24 is moved to Tue Mar 25 16:00-17:00 with
# a new title (RECURRENCE-ID override). Mar 31 is after the change to summer time.
WEEKLY_UID = "interop-weekly-1"
WEEKLY_SUMMARY = "Weekly sync"
WEEKLY_MOVED_SUMMARY = "Weekly sync (moved)"
WEEKLY = vcalendar(
    vevent(WEEKLY_UID, WEEKLY_SUMMARY, "DTSTART;TZID=Europe/Berlin:20250303T140000",
           "DTEND;TZID=Europe/Berlin:20250303T150000", "RRULE:FREQ=WEEKLY;COUNT=8",
           "EXDATE;TZID=Europe/Berlin:20250317T140000"),
    vevent(WEEKLY_UID, WEEKLY_MOVED_SUMMARY, "DTSTART;TZID=Europe/Berlin:20250325T160000",
           "DTEND;TZID=Europe/Berlin:20250325T170000",
           "RECURRENCE-ID;TZID=Europe/Berlin:20250324T140000", "SEQUENCE:1"))
# The instances in March 2025 as UTC (RECURRENCE-ID, DTSTART) pairs.
WEEKLY_MARCH_INSTANCES = [
    (datetime(2025, 3, 3, 13, tzinfo=UTC), datetime(2025, 3, 3, 13, tzinfo=UTC)),
    (datetime(2025, 3, 10, 13, tzinfo=UTC), datetime(2025, 3, 10, 13, tzinfo=UTC)),
    (datetime(2025, 3, 24, 13, tzinfo=UTC), datetime(2025, 3, 25, 15, tzinfo=UTC)),  # moved
    (datetime(2025, 3, 31, 12, tzinfo=UTC), datetime(2025, 3, 31, 12, tzinfo=UTC)),  # CEST
]
WEEKLY_EXDATE_UTC = datetime(2025, 3, 17, 13, tzinfo=UTC)

UNICODE_UID = "interop-unicode-1"
UNICODE_SUMMARY = "Café Zürich – 会議 🎉"
UNICODE_LOCATION = "Straße 5, Genève"
UNICODE_DESCRIPTION = "Zeile eins\nligne deux, avec virgule; et point-virgule"
UNICODE = vcalendar(vevent(
    UNICODE_UID, UNICODE_SUMMARY, "DTSTART;TZID=Europe/Berlin:20250311T120000",
    "DTEND;TZID=Europe/Berlin:20250311T130000",
    "LOCATION:Straße 5\\, Genève",
    "DESCRIPTION:Zeile eins\\nligne deux\\, avec virgule\\; et point-virgule"))

TODO_OPEN_UID = "interop-todo-open"
TODO_OPEN_SUMMARY = "Prepare quarterly report"
TODO_OPEN = vcalendar("\n".join([
    "BEGIN:VTODO", f"UID:{TODO_OPEN_UID}", DTSTAMP, f"SUMMARY:{TODO_OPEN_SUMMARY}",
    "DUE;TZID=Europe/Berlin:20250314T170000", "STATUS:NEEDS-ACTION", "PRIORITY:1",
    "END:VTODO"]))

TODO_DONE_UID = "interop-todo-done"
TODO_DONE_SUMMARY = "Book the venue"
TODO_DONE = vcalendar("\n".join([
    "BEGIN:VTODO", f"UID:{TODO_DONE_UID}", DTSTAMP, f"SUMMARY:{TODO_DONE_SUMMARY}",
    "DUE;TZID=Europe/Berlin:20250306T120000", "STATUS:COMPLETED",
    "COMPLETED:20250305T100000Z", "PERCENT-COMPLETE:100", "END:VTODO"]))

ALL_EVENTS = {SINGLE_UID: SINGLE, ALLDAY_UID: ALLDAY, WEEKLY_UID: WEEKLY, UNICODE_UID: UNICODE}
ALL_TODOS = {TODO_OPEN_UID: TODO_OPEN, TODO_DONE_UID: TODO_DONE}


def simple_event(uid: str, summary: str, day: date, hour: int = 10) -> str:
    """A one-hour event at `hour` Berlin time on `day`."""
    d = day.strftime("%Y%m%d")
    return vcalendar(vevent(uid, summary, f"DTSTART;TZID=Europe/Berlin:{d}T{hour:02d}0000",
                            f"DTEND;TZID=Europe/Berlin:{d}T{hour + 1:02d}0000"))


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# ---- reading objects back --------------------------------------------------------------


def unfold(text: str) -> list[str]:
    """Content lines of an iCalendar text (RFC 5545 §3.1 unfolding)."""
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if raw.startswith((" ", "\t")) and out:
            out[-1] += raw[1:]
        elif raw:
            out.append(raw)
    return out


def components(text: str, name: str) -> list[dict[str, list[str]]]:
    """Each `name` component (e.g. VEVENT) as {PROPERTY: [full lines]}, not
    descending into nested components (VALARM)."""
    result: list[dict[str, list[str]]] = []
    depth = 0
    current: dict[str, list[str]] | None = None
    for line in unfold(text):
        upper = line.upper()
        if upper == f"BEGIN:{name}" and current is None:
            current = {}
            depth = 0
            continue
        if current is None:
            continue
        if upper.startswith("BEGIN:"):
            depth += 1
            continue
        if upper.startswith("END:"):
            if depth == 0:
                result.append(current)
                current = None
            else:
                depth -= 1
            continue
        if depth == 0:
            prop = upper.split(":", 1)[0].split(";", 1)[0]
            current.setdefault(prop, []).append(line)
    return result


def value(line: str) -> str:
    """The value of a content line (after the first colon outside quotes)."""
    in_quotes = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == ":" and not in_quotes:
            return line[i + 1:]
    raise ValueError(f"no value in {line!r}")


def unescape(text: str) -> str:
    """RFC 5545 §3.3.11 TEXT unescaping."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def prop_text(comp: dict[str, list[str]], name: str) -> str | None:
    lines = comp.get(name)
    return unescape(value(lines[0])) if lines else None


def uids(text: str) -> set[str]:
    found = set()
    for kind in ("VEVENT", "VTODO", "VJOURNAL"):
        for c in components(text, kind):
            u = prop_text(c, "UID")
            if u:
                found.add(u)
    return found
