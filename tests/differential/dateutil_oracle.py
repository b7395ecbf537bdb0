"""Reference expansion of DTSTART + RRULE + RDATE - EXDATE with python-dateutil.

Used by the differential tests and to cross-check the golden files. It wraps
Debian's python3-dateutil and corrects, explicitly, the places where dateutil
reads RFC 5545 differently from Almanac (each is written down in
DISAGREEMENTS.md):

  * DTSTART always counts as the first occurrence (RFC 5545 §3.3.10), even
    when it does not match the rule; dateutil only yields matching dates.
  * FREQ=YEARLY;BYWEEKNO=n with no BYDAY/BYMONTHDAY/BYYEARDAY: dateutil yields
    every day of the week; RFC 5545 takes the missing day from DTSTART, so we
    add BYDAY=<weekday of DTSTART>.
  * BYDAY mixing ordinal and plain weekdays (MONTHLY;BYDAY=2FR,SA): dateutil
    yields nothing at all; RFC 5545 means the union. Without BYSETPOS we
    expand the two halves separately and merge them; with BYSETPOS (which
    selects from the joint set) dateutil cannot be corrected, and the
    random rule generator does not produce that combination.
  * FREQ=WEEKLY with BYSETPOS: dateutil builds the first week's set from
    DTSTART's day on, not from the start of the week (WKST), so BYSETPOS
    picks from a truncated set. We expand from the start of DTSTART's week
    (same time of day; only when BYDAY is given, so no fill-in changes),
    drop what precedes DTSTART and apply COUNT afterwards.
  * In a time zone, a wall-clock time in a DST gap moves forward by the gap
    and an ambiguous one means its first occurrence (§3.3.5); dateutil leaves
    the raw wall-clock value. We normalise through UTC with zoneinfo (fold=0)
    and drop occurrences that land on an instant already seen.

Values use the CLI's forms: YYYYMMDD, YYYYMMDDTHHMMSS, optional trailing Z.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

UTC = dt.timezone.utc
WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def parse_value(text: str) -> tuple[dt.datetime, bool, bool]:
    """Returns (naive datetime, is_date, is_utc)."""
    utc = text.endswith("Z")
    if utc:
        text = text[:-1]
    if len(text) == 8:
        return dt.datetime.strptime(text, "%Y%m%d"), True, utc
    return dt.datetime.strptime(text, "%Y%m%dT%H%M%S"), False, utc


def format_value(t: dt.datetime, is_date: bool, utc: bool) -> str:
    if is_date:
        return t.strftime("%Y%m%d")
    return "%04d%02d%02dT%02d%02d%02d%s" % (t.year, t.month, t.day, t.hour, t.minute, t.second,
                                             "Z" if utc else "")


def rule_parts(rule: str) -> dict[str, str]:
    parts = {}
    for p in rule.split(";"):
        if "=" in p:
            k, v = p.split("=", 1)
            parts[k.upper()] = v
    return parts


def corrected_rule(rule: str, dtstart: dt.datetime) -> str:
    """The rule as dateutil must see it to mean what RFC 5545 says (the
    BYWEEKNO fill-in; the BYDAY split is done by raw_iter)."""
    parts = rule_parts(rule)
    if parts.get("FREQ") == "YEARLY" and "BYWEEKNO" in parts and not (
            {"BYDAY", "BYMONTHDAY", "BYYEARDAY"} & parts.keys()):
        rule += ";BYDAY=" + WEEKDAY_CODES[dtstart.weekday()]
    return rule


def mixed_byday(rule: str) -> bool:
    days = rule_parts(rule).get("BYDAY", "").split(",")
    ordinal = [d for d in days if d and len(d) > 2]
    return bool(ordinal) and len(ordinal) < len([d for d in days if d])


def _with_parts(rule: str, **changes: str | None) -> str:
    parts = rule_parts(rule)
    for k, v in changes.items():
        if v is None:
            parts.pop(k, None)
        else:
            parts[k] = v
    return ";".join(f"{k}={v}" for k, v in parts.items())


def raw_iter(rule: str, dtstart: dt.datetime, search_limit: dt.datetime | None = None):
    """dateutil's occurrences of `rule` (ascending, aware if dtstart is),
    with the BYWEEKNO and mixed-BYDAY corrections. `search_limit` stops an
    open-ended rule there (it must have neither COUNT nor UNTIL)."""
    import heapq

    rule = corrected_rule(rule, dtstart.replace(tzinfo=None))
    parts = rule_parts(rule)
    if mixed_byday(rule):
        if "BYSETPOS" in parts:
            raise ValueError("dateutil cannot model mixed BYDAY with BYSETPOS")
        days = parts["BYDAY"].split(",")
        count = parts.get("COUNT")
        halves = [_with_parts(rule, BYDAY=",".join(d for d in days if len(d) > 2), COUNT=None),
                  _with_parts(rule, BYDAY=",".join(d for d in days if len(d) <= 2), COUNT=None)]
        merged = heapq.merge(*(raw_iter(h, dtstart, search_limit) for h in halves))
        produced, last = 0, None
        for t in merged:
            if t == last:
                continue
            last = t
            yield t
            produced += 1
            if count and produced >= int(count):
                return
        return
    if parts.get("FREQ") == "WEEKLY" and "BYSETPOS" in parts and "BYDAY" in parts:
        wkst = WEEKDAY_CODES.index(parts.get("WKST", "MO"))
        back = (dtstart.weekday() - wkst) % 7
        if back:
            count = parts.get("COUNT")
            produced = 0
            for t in raw_iter(_with_parts(rule, COUNT=None), dtstart - dt.timedelta(days=back),
                              search_limit):
                if t < dtstart:
                    continue
                yield t
                produced += 1
                if count and produced >= int(count):
                    return
            return
    rr = rrulestr("RRULE:" + rule, dtstart=dtstart)
    if search_limit is not None:
        rr = rr.replace(until=search_limit)
    yield from rr


class Series:
    """One series in the frame of its DTSTART."""

    def __init__(self, dtstart: str, tzid: str | None = None):
        self.start, self.is_date, self.utc = parse_value(dtstart)
        self.zone = ZoneInfo(tzid) if tzid else (UTC if self.utc else None)

    def aware(self, naive: dt.datetime) -> dt.datetime:
        return naive.replace(tzinfo=self.zone) if self.zone else naive

    def normalize(self, t: dt.datetime) -> dt.datetime:
        """Wall clock that actually happens (gap -> forward), naive."""
        if self.zone is None:
            return t.replace(tzinfo=None)
        t = t.replace(tzinfo=self.zone, fold=0)
        return t.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None)

    def instant_key(self, naive: dt.datetime):
        if self.zone is None:
            return naive
        return naive.replace(tzinfo=self.zone, fold=0).astimezone(UTC)

    def to_frame(self, value: str, tzid: str | None = None) -> dt.datetime:
        """An RDATE/EXDATE value converted to this series' wall clock."""
        t, _, utc = parse_value(value)
        if utc:
            t = t.replace(tzinfo=UTC)
        elif tzid:
            t = t.replace(tzinfo=ZoneInfo(tzid))
        else:
            return t
        if self.zone is None:
            return t.astimezone(UTC).replace(tzinfo=None)
        return t.astimezone(self.zone).replace(tzinfo=None)

    def rule_iter(self, rule: str):
        """Raw dateutil occurrences of one rule, naive wall clock, with the
        DTSTART-always-first correction applied to COUNT."""
        rr = raw_iter(rule, self.aware(self.start))
        count = rule_parts(rule).get("COUNT")
        produced = 0
        limit = int(count) if count else None
        first = True
        for occ in rr:
            naive = occ.replace(tzinfo=None)
            if first:
                first = False
                if naive != self.start:
                    # DTSTART does not match: it is the first occurrence and
                    # takes one of the COUNT slots.
                    yield self.start
                    produced += 1
                    if limit is not None and produced >= limit:
                        return
            yield naive
            produced += 1
            if limit is not None and produced >= limit:
                return
        if first:
            yield self.start

    def expand(self, rrules: list[str], rdates: list[dt.datetime] = (),
               exdates: list[dt.datetime] = (), frm: dt.datetime | None = None,
               to: dt.datetime | None = None, max_n: int = 1000,
               horizon: dt.datetime | None = None) -> list[dt.datetime]:
        """Sorted, normalised occurrences with start in [frm, to), at most max_n.

        `horizon` (wall clock) stops raw generation early for unbounded rules;
        it defaults to `to`.
        """
        stop = horizon or to
        raw = []
        if not rrules:
            raw.append(self.start)
        # Each rule yields ascending times, so once a rule has produced enough
        # times inside the window to fill max_n (with room for EXDATEs and
        # for duplicates merged by normalisation) later ones cannot matter.
        enough = max_n + len(exdates) + len(rdates) + 30
        for rule in rrules:
            in_window = 0
            for t in self.rule_iter(rule):
                # Normalisation moves a time forward by at most a day, so
                # stopping on the raw value a day past `stop` is safe.
                if stop is not None and t >= stop + dt.timedelta(days=1):
                    break
                raw.append(t)
                # Normalisation only moves times forward, so a raw time at
                # or after `frm` stays in the window's lower bound.
                if frm is None or t >= frm:
                    in_window += 1
                    if in_window >= enough:
                        break
        raw.extend(rdates)
        excluded = {self.instant_key(self.normalize(x)) for x in exdates}
        seen = set()
        out = []
        for t in sorted(self.normalize(x) for x in raw):
            key = self.instant_key(t)
            if key in seen or key in excluded:
                continue
            seen.add(key)
            if frm is not None and t < frm:
                continue
            if to is not None and t >= to:
                continue
            out.append(t)
        return out[:max_n]

    def format(self, t: dt.datetime) -> str:
        return format_value(t, self.is_date, self.utc)
