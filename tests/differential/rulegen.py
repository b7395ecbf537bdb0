"""Seeded random recurrence cases for the differential tests.

A case is DTSTART (+ TZID), one RRULE and a window. Rules cover every BYxxx
part the RFC 5545 §3.3.10 table allows for their FREQ, with edge values
(negative and ordinal, month ends, day 366, week 53, BYSETPOS, WKST with
BYWEEKNO), INTERVAL, COUNT and UNTIL. Seeds lean toward year ends, leap days
and month ends.

To keep "DTSTART not matching the rule" (undefined-ish in RFC 5545, and read
differently by each oracle) out of the comparison, DTSTART is the rule's
first dateutil occurrence at or after a random seed date, and the case is
kept only if the rule anchored there yields DTSTART first.

Everything is a pure function of (seed, index): case i of seed s is the same
on every machine, so a mismatch is reproduced with --seed s --only i.
"""

from __future__ import annotations

import datetime as dt
import random
import signal
from dataclasses import dataclass

import dateutil_oracle as O

FREQS = ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ZONES = ["America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe",
         "Pacific/Apia", "America/Sao_Paulo", "Asia/Kolkata"]
# How far past DTSTART the window reaches, per FREQ.
SPAN = {"SECONDLY": dt.timedelta(hours=3), "MINUTELY": dt.timedelta(days=3),
        "HOURLY": dt.timedelta(days=90), "DAILY": dt.timedelta(days=3 * 366),
        "WEEKLY": dt.timedelta(days=6 * 366), "MONTHLY": dt.timedelta(days=12 * 366),
        "YEARLY": dt.timedelta(days=50 * 366)}


@dataclass
class Case:
    index: int
    dtstart: str          # CLI form
    tzid: str | None
    rule: str
    frm: str              # CLI form, wall clock
    to: str
    max_n: int
    expected: list[str]   # dateutil reference, CLI form
    ambiguous: str | None = None  # why the comparison is not meaningful, if so

    def cli_args(self) -> list[str]:
        args = ["expand", "--dtstart", self.dtstart]
        if self.tzid:
            args += ["--tzid", self.tzid]
        args += ["--rrule", self.rule, "--from", self.frm, "--to", self.to,
                 "--max", str(self.max_n)]
        return args


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise _Timeout()


def _pick(rng: random.Random, edge: list[int], lo: int, hi: int, k: int) -> list[int]:
    out = set()
    for _ in range(k):
        if rng.random() < 0.6:
            out.add(rng.choice(edge))
        else:
            v = 0
            while v == 0:
                v = rng.randint(lo, hi)
            out.add(v)
    return sorted(out)


def _ints(values: list[int]) -> str:
    return ",".join(str(v) for v in values)


def _seed_date(rng: random.Random) -> dt.datetime:
    year = rng.randint(1990, 2040)
    r = rng.random()
    if r < 0.2:   # year end / start
        d = dt.date(year, 12, 20) + dt.timedelta(days=rng.randint(0, 20))
    elif r < 0.3:  # leap day neighbourhood
        year = rng.choice([1992, 1996, 2000, 2004, 2016, 2020, 2024, 2028, 2032])
        d = dt.date(year, 2, 26) + dt.timedelta(days=rng.randint(0, 5))
    elif r < 0.45:  # month end
        m = rng.randint(1, 12)
        nxt = dt.date(year + (m == 12), m % 12 + 1, 1)
        d = nxt - dt.timedelta(days=rng.randint(1, 3))
    else:
        d = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    hour = rng.choice([0, 1, 2, 3, 9, 12, 23]) if rng.random() < 0.5 else rng.randint(0, 23)
    minute = rng.choice([0, 0, 15, 30, 45, rng.randint(0, 59)])
    second = rng.choice([0, 0, 0, rng.randint(0, 59)])
    return dt.datetime(d.year, d.month, d.day, hour, minute, second)


def libical_safe_rule(rng: random.Random, freq: str) -> str:
    """A rule in the subset libical 3.0.16 expands per RFC 5545: the shapes
    listed in DISAGREEMENTS.md (L3-L8) are left out, so that a difference
    from libical means something. Sub-daily parts, negative BYMONTHDAY,
    BYSETPOS outside MONTHLY/YEARLY and YEARLY;BYMONTHDAY without BYMONTH
    are covered by the dateutil comparison instead."""
    parts = [f"FREQ={freq}"]
    if rng.random() < 0.4:
        parts.append(f"INTERVAL={rng.choice([2, 2, 3, 4, 5, 7, 12, 18])}")
    by_week_no = freq == "YEARLY" and rng.random() < 0.15
    if by_week_no:
        parts.append("BYWEEKNO=" + _ints(_pick(rng, [1, 2, 20, 52, 53], 1, 53, rng.randint(1, 2))))
    months = []
    if not by_week_no and rng.random() < (0.6 if freq == "YEARLY" else 0.25):
        months = sorted(set(rng.choice([1, 2, 3, 6, 11, 12, rng.randint(1, 12)])
                            for _ in range(rng.randint(1, 3))))
        parts.append("BYMONTH=" + _ints(months))
    if freq in ("DAILY", "MONTHLY") or (freq == "YEARLY" and months):
        if rng.random() < 0.35:
            values = sorted(set(rng.choice([1, 2, 13, 15, 28, 29, 30, 31, rng.randint(1, 31)])
                                for _ in range(rng.randint(1, 3))))
            if months == [2]:
                values = [v for v in values if v < 29] or [28]
            parts.append("BYMONTHDAY=" + _ints(values))
    days = set()
    if by_week_no or rng.random() < 0.55:  # L5: never BYWEEKNO without BYDAY
        ordinal_ok = freq in ("MONTHLY", "YEARLY") and not by_week_no
        use_ordinals = ordinal_ok and rng.random() < 0.5
        for _ in range(rng.randint(1, 3)):
            day = rng.choice(DAYS)
            if use_ordinals:
                edge = [1, 2, 3, 4, -1, -2] + ([20, -10] if freq == "YEARLY" and not months else [])
                days.add(f"{rng.choice(edge)}{day}")
            else:
                days.add(day)
        parts.append("BYDAY=" + ",".join(sorted(days)))
    if freq == "MONTHLY" and len(days) > 1 and not any(len(d) > 2 for d in days) and rng.random() < 0.4:
        parts.append("BYSETPOS=" + _ints(_pick(rng, [1, 2, -1, -2], -3, 3, 1)))
    if (freq == "WEEKLY" or by_week_no) and rng.random() < 0.5:
        parts.append("WKST=" + rng.choice(["MO", "SU"]))  # L6: other WKSTs
    rng.shuffle(parts)
    return ";".join(parts)


def random_rule(rng: random.Random, freq: str, all_day: bool) -> str:
    """A rule without COUNT/UNTIL, valid in strict RFC 5545 for `freq`.

    Combinations that can never match (BYMONTH=2 with BYMONTHDAY=30, BYSETPOS
    past the size of every period's set) make dateutil search to year 9999,
    so the generator keeps the parts mostly compatible: BYYEARDAY does not
    meet BYMONTH/BYMONTHDAY, and BYSETPOS comes only with a part that puts
    several candidates into each period.
    """
    parts = [f"FREQ={freq}"]
    fi = FREQS.index(freq)
    if rng.random() < 0.45:
        parts.append(f"INTERVAL={rng.choice([2, 2, 3, 4, 5, 7, 12, 18, 52])}")
    sparse = fi <= 2  # sub-daily: keep the candidate set from exploding
    p = 0.25 if sparse else 0.35
    multi = False  # does some part put several candidates into a period?

    by_week_no = freq == "YEARLY" and rng.random() < 0.2
    if by_week_no:
        parts.append("BYWEEKNO=" + _ints(_pick(rng, [1, 2, 52, 53, -1, -2, -53, 20], -53, 53,
                                              rng.randint(1, 3))))
        multi = True
    by_year_day = (freq in ("SECONDLY", "MINUTELY", "HOURLY", "YEARLY") and not by_week_no
                   and rng.random() < p * 0.7)
    if by_year_day:
        values = _pick(rng, [1, 59, 60, 100, 365, 366, -1, -365, -366], -366, 366, rng.randint(1, 3))
        parts.append("BYYEARDAY=" + _ints(values))
        multi |= len(values) > 1 or freq == "YEARLY"
    elif rng.random() < p * (0.5 if by_week_no else 1):
        months = sorted(set(rng.choice([1, 2, 2, 3, 6, 11, 12, rng.randint(1, 12)])
                            for _ in range(rng.randint(1, 3))))
        parts.append("BYMONTH=" + _ints(months))
        multi |= len(months) > 1 and freq == "YEARLY"
    if freq != "WEEKLY" and not by_year_day and not by_week_no and rng.random() < p:
        values = _pick(rng, [1, 13, 15, 28, 29, 30, 31, -1, -2, -29, -30, -31], -31, 31,
                       rng.randint(1, 4))
        if "BYMONTH=2" == next((x for x in parts if x.startswith("BYMONTH=")), ""):
            values = [v for v in values if abs(v) < 29] or [28]
        parts.append("BYMONTHDAY=" + _ints(values))
        multi |= len(values) > 1 and fi >= 5
    if rng.random() < (0.5 if freq in ("WEEKLY", "MONTHLY", "YEARLY") else p):
        ordinal_ok = freq in ("MONTHLY", "YEARLY") and not by_week_no
        days = set()
        for _ in range(rng.randint(1, 4)):
            day = rng.choice(DAYS)
            if ordinal_ok and rng.random() < 0.5:
                edge = [1, 2, 3, 4, -1, -2, 5, -5] + ([20, 53, -53, 52] if freq == "YEARLY" else [])
                days.add(f"{rng.choice(edge)}{day}")
            else:
                days.add(day)
        parts.append("BYDAY=" + ",".join(sorted(days)))
        multi |= fi >= 4 and any(d.isalpha() for d in days) or len(days) > 1 and fi >= 4
    if not all_day:
        if rng.random() < (0.3 if fi >= 3 else 0.2):
            hours = sorted(set(rng.randint(0, 23) for _ in range(rng.randint(1, 3))))
            parts.append("BYHOUR=" + _ints(hours))
            multi |= len(hours) > 1 and fi >= 3
        if rng.random() < (0.2 if fi >= 2 else 0.3):
            minutes = sorted(set(rng.choice([0, 15, 30, 45, rng.randint(0, 59)])
                                 for _ in range(rng.randint(1, 3))))
            parts.append("BYMINUTE=" + _ints(minutes))
            multi |= len(minutes) > 1 and fi >= 2
        if rng.random() < 0.15:
            seconds = sorted(set(rng.choice([0, 30, rng.randint(0, 59)])
                                 for _ in range(rng.randint(1, 2))))
            parts.append("BYSECOND=" + _ints(seconds))
            multi |= len(seconds) > 1 and fi >= 1
    if multi and rng.random() < 0.3 and not O.mixed_byday(";".join(parts)):
        parts.append("BYSETPOS=" + _ints(_pick(rng, [1, 2, -1, -2, 3], -4, 4, rng.randint(1, 2))))
    if rng.random() < (0.6 if by_week_no or freq == "WEEKLY" else 0.15):
        parts.append("WKST=" + rng.choice(DAYS))
    rng.shuffle(parts)  # part order must not matter
    return ";".join(parts)


# How far past the seed date the first occurrence may lie; a bound on the
# search keeps case selection deterministic (no wall-clock timeouts decide).
SEARCH = {"SECONDLY": dt.timedelta(days=40), "MINUTELY": dt.timedelta(days=120),
          "HOURLY": dt.timedelta(days=800), "DAILY": dt.timedelta(days=20 * 366),
          "WEEKLY": dt.timedelta(days=20 * 366), "MONTHLY": dt.timedelta(days=30 * 366),
          "YEARLY": dt.timedelta(days=100 * 366)}


def _first_occurrence(rule: str, seed: dt.datetime, zone) -> dt.datetime | None:
    limit = seed + SEARCH[O.rule_parts(rule)["FREQ"]]
    for occ in O.raw_iter(rule, seed.replace(tzinfo=zone) if zone else seed,
                          limit.replace(tzinfo=zone) if zone else limit):
        return occ.replace(tzinfo=None)
    return None


def _with_timeout(seconds: float, fn, *args):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    except _Timeout:
        return None
    except (IndexError, ValueError, OverflowError):
        # dateutil has a few crashes on exotic BYWEEKNO/WKST combinations and
        # on dates past 9999; such a draw is skipped, not compared.
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def make_case(seed: int, index: int, profile: str = "full", max_n: int = 60) -> Case | None:
    """Case `index` of run `seed`, or None if this draw is unusable (never
    matches, too slow for dateutil, DTSTART not first). Profile "full"
    draws from every rule shape and includes time zones; "libical" draws
    floating rules from libical_safe_rule()."""
    rng = random.Random(f"{seed}:{index}:{profile}")
    zones = profile == "full"
    if profile == "full":
        freq = rng.choices(FREQS, weights=[4, 6, 8, 16, 18, 22, 26])[0]
    else:
        freq = rng.choices(FREQS[3:], weights=[20, 25, 30, 25])[0]
    all_day = freq in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY") and rng.random() < 0.1
    utc = not all_day and rng.random() < 0.1
    tzid = rng.choice(ZONES) if zones and not all_day and not utc and rng.random() < 0.25 else None
    rule = random_rule(rng, freq, all_day) if profile == "full" else libical_safe_rule(rng, freq)
    seed_time = _seed_date(rng)
    if all_day:
        seed_time = seed_time.replace(hour=0, minute=0, second=0)
    series_zone = O.ZoneInfo(tzid) if tzid else (O.UTC if utc else None)

    first = _with_timeout(1.0, _first_occurrence, rule, seed_time, series_zone)
    if first is None or first.year > 2150:
        return None
    # Anchored at `first`, the rule must yield `first` first (fill-ins from
    # DTSTART such as BYMONTHDAY can change with the anchor).
    if _with_timeout(1.0, _first_occurrence, rule, first, series_zone) != first:
        return None

    span = SPAN[freq]
    end = first + span
    term = rng.random()
    if term < 0.35:
        rule += f";COUNT={rng.choice([1, 2, 3, 5, 10, 20, rng.randint(1, 80)])}"
    elif term < 0.65:
        until = first + dt.timedelta(seconds=rng.randint(0, int(span.total_seconds())))
        if all_day:
            rule += ";UNTIL=" + until.strftime("%Y%m%d")
        elif tzid or utc:
            aware = until.replace(tzinfo=series_zone).astimezone(O.UTC)
            rule += ";UNTIL=" + aware.strftime("%Y%m%dT%H%M%SZ")
        else:
            rule += ";UNTIL=" + until.strftime("%Y%m%dT%H%M%S")
    frm = first
    if rng.random() < 0.3:  # exercise seeking
        frm = first + dt.timedelta(seconds=rng.randint(0, int(span.total_seconds() * 0.8)))
        if all_day:
            frm = frm.replace(hour=0, minute=0, second=0)
    fmt = "%Y%m%dT%H%M%S"
    dtstart_text = first.strftime("%Y%m%d") if all_day else first.strftime(fmt) + ("Z" if utc else "")
    case = Case(index, dtstart_text, tzid, rule, frm.strftime(fmt), end.strftime(fmt), max_n, [])
    s = O.Series(dtstart_text, tzid)
    got = _with_timeout(20.0, s.expand, [rule], (), (), frm, end, max_n, end)
    if got is None:
        return None
    case.expected = [s.format(t) for t in got]
    if tzid and "COUNT=" in rule and _merged_instants(s, rule, end):
        case.ambiguous = ("COUNT with occurrences merged by a DST gap: whether the merged "
                          "one uses up a COUNT slot is not pinned down")
    return case


def _merged_instants(s: O.Series, rule: str, end: dt.datetime) -> bool:
    keys = set()
    n = 0
    for t in s.rule_iter(rule):
        if t >= end + dt.timedelta(days=1):
            break
        k = s.instant_key(s.normalize(t))
        if k in keys:
            return True
        keys.add(k)
        n += 1
    return False
