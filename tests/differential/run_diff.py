#!/usr/bin/env python3
"""Differential test: `almanac expand` against python-dateutil or libical.

  run_diff.py --oracle dateutil --almanac PATH [--seed S] [--rules N]
  run_diff.py --oracle libical  --almanac PATH --libical PATH [--seed S] [--rules N]
  run_diff.py ... --only I        one case, verbosely (reproduce a report)
  run_diff.py ... --oracles-only  libical against dateutil, no almanac

Cases come from rulegen.py (seeded; the seed is printed). The dateutil
reference (dateutil_oracle.py) corrects dateutil's known deviations from RFC
5545. In libical mode a case passes when almanac equals libical, or when
almanac equals the dateutil reference and libical's answer shows one of the
libical defects listed in DISAGREEMENTS.md. Anything else is a failure,
reported with the seed, the case index and a command line to rerun it.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import multiprocessing
import os
import shlex
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dateutil_oracle as O  # noqa: E402
import rulegen  # noqa: E402

MAX_REPORTS = int(os.environ.get("RUN_DIFF_MAX_REPORTS", "25"))


def _make(args):
    seed, index, profile = args
    return rulegen.make_case(seed, index, profile=profile)


def generate_cached(seed: int, n: int, zones: bool, jobs: int, only: int | None,
                    cache_dir: str | None):
    """generate(), remembered in cache_dir under a key that covers the
    generator's and the oracle's source, so an edit to either regenerates."""
    if only is not None or not cache_dir:
        return generate(seed, n, zones, jobs, only)
    import hashlib
    import pickle
    here = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256(f"{seed}:{n}:{zones}".encode())
    for name in ("rulegen.py", "dateutil_oracle.py"):
        with open(os.path.join(here, name), "rb") as f:
            h.update(f.read())
    path = os.path.join(cache_dir, f"cases-{h.hexdigest()[:20]}.pickle")
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError):
        pass
    result = generate(seed, n, zones, jobs, only)
    os.makedirs(cache_dir, exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        pickle.dump(result, f)
    os.replace(path + ".tmp", path)
    return result


def generate(seed: int, n: int, zones: bool, jobs: int, only: int | None):
    if only is not None:
        c = rulegen.make_case(seed, only, profile=zones)
        return ([c] if c else []), 1
    cases, drawn, index = [], 0, 0
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) as pool:
        while len(cases) < n:
            want = int((n - len(cases)) * 1.15) + 16
            batch = [(seed, i, zones) for i in range(index, index + want)]
            index += want
            for c in pool.imap(_make, batch, chunksize=16):
                drawn += 1
                if c is not None and len(cases) < n:
                    cases.append(c)
    return cases, drawn


def run_almanac(almanac: str, case: rulegen.Case):
    try:
        p = subprocess.run([almanac] + case.cli_args(), capture_output=True, text=True,
                           timeout=20, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, "timed out after 20 s"
    if p.returncode != 0:
        return None, f"exit {p.returncode}: {p.stderr.strip()[:300]}"
    return p.stdout.split(), None


def run_libical_batch(libical: str, cases: list[rulegen.Case]) -> dict[int, list[str] | None]:
    """Raw libical answers (None = libical rejected or gave up), filtered to
    the case's window after the same normalisation dateutil gets."""
    lines = []
    slack = dt.timedelta(days=1)
    for c in cases:
        if libical_hangs(c):
            continue
        frm = O.parse_value(c.frm)[0] - slack
        to = O.parse_value(c.to)[0] + slack
        lines.append(f"{c.index} {c.dtstart} {c.tzid or '-'} {c.rule} "
                     f"{frm.strftime('%Y%m%dT%H%M%S')} {to.strftime('%Y%m%dT%H%M%S')} "
                     f"{c.max_n + 50}\n")
    p = subprocess.run([libical, "--batch"], input="".join(lines), capture_output=True,
                       text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit(f"libical_expand --batch failed: {p.stderr}")
    out: dict[int, list[str] | None] = {}
    current, values = None, []
    for line in p.stdout.splitlines():
        if line.startswith("BEGIN "):
            current, values = int(line.split()[1]), []
        elif line.startswith("END "):
            out[current] = None if len(line.split()) > 2 else values
        else:
            values.append(line)
    by_index = {c.index: c for c in cases}
    for index, values in out.items():
        if values is None:
            continue
        c = by_index[index]
        s = O.Series(c.dtstart, c.tzid)
        frm, to = O.parse_value(c.frm)[0], O.parse_value(c.to)[0]
        raw = [O.parse_value(v)[0] for v in values]
        seen, kept = set(), []
        for t in sorted(s.normalize(x) for x in raw):
            k = s.instant_key(t)
            if k in seen or t < frm or t >= to:
                continue
            seen.add(k)
            kept.append(s.format(t))
        out[index] = kept[:c.max_n]
    return out


def libical_hangs(case: rulegen.Case) -> bool:
    """DISAGREEMENTS.md L3: libical 3.0.16 loops forever on sub-daily rules
    with a negative BYMONTHDAY or BYYEARDAY; such cases are not sent to it."""
    parts = O.rule_parts(case.rule)
    return parts["FREQ"] in ("SECONDLY", "MINUTELY", "HOURLY") and any(
        v.startswith("-") for k in ("BYMONTHDAY", "BYYEARDAY") for v in parts.get(k, "").split(","))


def libical_quirk(case: rulegen.Case, ref: list[str], lib: list[str]) -> str | None:
    """Names the DISAGREEMENTS.md entry that explains libical != reference."""
    parts = O.rule_parts(case.rule)
    # L1: with BYWEEKNO, libical gets the weeks that straddle a year
    # boundary wrong (drops days of week 52/53 on Dec 29-31, invents a week
    # 53 in 52-week years). The first difference must lie at a year
    # boundary; everything after it may shift (COUNT).
    i = 0
    while i < min(len(ref), len(lib)) and ref[i] == lib[i]:
        i += 1
    first = [x for x in (ref[i] if i < len(ref) else None, lib[i] if i < len(lib) else None) if x]
    if "BYWEEKNO" in parts and first and any(
            x[4:8] >= "1222" or x[4:8] <= "0107" for x in first):
        return "L1 libical BYWEEKNO year-boundary weeks"
    return None


def dateutil_quirk(case: rulegen.Case, ref: list[str], got: list[str]) -> str | None:
    """Names the DISAGREEMENTS.md entry that explains almanac != dateutil."""
    parts = O.rule_parts(case.rule)
    i = 0
    while i < min(len(ref), len(got)) and ref[i] == got[i]:
        i += 1
    first = [x for x in (ref[i] if i < len(ref) else None, got[i] if i < len(got) else None) if x]
    # D8: weeks that straddle a year boundary (dateutil counts 53 weeks in
    # years that start on a Friday or Saturday).
    # Rules without BYDAY count too: the oracle gives them DTSTART's weekday (D2).
    if "BYWEEKNO" in parts and first and any(
            x[4:8] >= "1222" or x[4:8] <= "0107" for x in first):
        return "D8 dateutil BYWEEKNO year-boundary weeks"
    return None


def describe(case: rulegen.Case, seed: int, oracle: str, almanac_path: str) -> str:
    cmd = " ".join(shlex.quote(a) for a in [almanac_path] + case.cli_args())
    return (f"  seed {seed} case {case.index}: DTSTART{';TZID=' + case.tzid if case.tzid else ''}:"
            f"{case.dtstart} RRULE:{case.rule}\n"
            f"    window [{case.frm}, {case.to}) max {case.max_n}\n"
            f"    rerun: {cmd}\n"
            f"    or:    {sys.argv[0]} --oracle {oracle} --seed {seed} --only {case.index} ...")


def diff_lines(want: list[str], got: list[str] | None, label: str) -> str:
    if got is None:
        return f"    {label}: (no answer)"
    out = []
    i = 0
    while i < min(len(want), len(got)) and want[i] == got[i]:
        i += 1
    out.append(f"    first {i} agree; expected {len(want)} occurrences, {label} gave {len(got)}")
    out.append(f"    expected[{i}:{i + 6}] {want[i:i + 6]}")
    out.append(f"    {label}[{i}:{i + 6}] {got[i:i + 6]}")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--oracle", choices=["dateutil", "libical"], required=True)
    ap.add_argument("--almanac")
    ap.add_argument("--libical")
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--rules", type=int, default=3000)
    ap.add_argument("--only", type=int)
    ap.add_argument("--oracles-only", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cache-dir", help="remember generated cases here (keyed by seed and source)")
    args = ap.parse_args()
    if args.oracle == "libical" and not args.libical:
        ap.error("--libical PATH is required with --oracle libical")
    if not args.oracles_only and not args.almanac:
        ap.error("--almanac PATH is required")
    if args.almanac and not os.access(args.almanac, os.X_OK):
        print(f"run_diff: {args.almanac} is not built")
        return 1

    start = time.time()
    # libical 3.0.16 mishandles DST gaps (L2) and many rule shapes (L3-L8):
    # its comparison uses the "libical" profile of rulegen.
    zones = "full" if args.oracle == "dateutil" else "libical"
    print(f"run_diff: oracle={args.oracle} seed={args.seed} rules={args.rules} profile={zones}", flush=True)
    cases, drawn = generate_cached(args.seed, args.rules, zones, args.jobs, args.only, args.cache_dir)
    print(f"run_diff: {len(cases)} cases from {drawn} draws in {time.time() - start:.1f}s", flush=True)

    libical = run_libical_batch(args.libical, cases) if args.oracle == "libical" else {}
    almanac: dict[int, tuple] = {}
    if not args.oracles_only:
        t = time.time()
        with cf.ThreadPoolExecutor(args.jobs) as ex:
            for c, res in zip(cases, ex.map(lambda c: run_almanac(args.almanac, c), cases)):
                almanac[c.index] = res
        print(f"run_diff: almanac ran {len(cases)} rules in {time.time() - t:.1f}s "
              f"({(time.time() - t) / max(len(cases), 1) * 1000:.1f} ms each)", flush=True)

    agree = skipped = 0
    explained: dict[str, int] = {}
    no_answer: dict[str, int] = {}
    failures: list[str] = []
    for c in cases:
        if c.ambiguous:
            skipped += 1
            continue
        ref = c.expected
        lib = libical.get(c.index)
        if args.oracle == "libical" and lib is None:
            # libical gave no answer (L3 hang, or it rejected or gave up):
            # the case is still checked against dateutil.
            why = "L3 libical hangs (not asked)" if libical_hangs(c) else "libical gave no answer"
            no_answer[why] = no_answer.get(why, 0) + 1
            if args.oracles_only:
                continue
            got, err = almanac[c.index]
            if got == ref:
                agree += 1
            else:
                failures.append(f"almanac disagrees with dateutil ({why}):\n"
                                + describe(c, args.seed, args.oracle, args.almanac) + "\n"
                                + (f"    almanac failed: {err}" if err else diff_lines(ref, got, "almanac")))
            continue
        if args.oracles_only:
            if lib == ref:
                agree += 1
                continue
            q = libical_quirk(c, ref, lib)
            if q:
                explained[q] = explained.get(q, 0) + 1
                continue
            failures.append("libical disagrees with dateutil, unexplained:\n" + describe(c, args.seed, args.oracle, "almanac")
                            + "\n" + diff_lines(ref, lib, "libical"))
            continue
        got, err = almanac[c.index]
        if args.oracle == "dateutil":
            if got == ref:
                agree += 1
            elif got is not None and (q := dateutil_quirk(c, ref, got)):
                explained[q] = explained.get(q, 0) + 1
            else:
                failures.append("almanac disagrees with dateutil:\n" + describe(c, args.seed, args.oracle, args.almanac)
                                + "\n" + (f"    almanac failed: {err}" if err else diff_lines(ref, got, "almanac")))
            continue
        if got == lib:
            agree += 1
        elif got == ref and lib is not None and (q := libical_quirk(c, ref, lib)):
            explained[q] = explained.get(q, 0) + 1
        elif (got is not None and lib is not None and dateutil_quirk(c, ref, got)
              and libical_quirk(c, got, lib)):
            # Both oracles are known to misplace year-boundary weeks (D8, L1).
            q = "D8+L1 both oracles: BYWEEKNO year-boundary weeks"
            explained[q] = explained.get(q, 0) + 1
        elif got == ref:
            failures.append("libical disagrees with almanac and dateutil, not in DISAGREEMENTS.md:\n"
                            + describe(c, args.seed, args.oracle, args.almanac) + "\n" + diff_lines(ref, lib, "libical"))
        else:
            failures.append("almanac disagrees with libical and dateutil:\n" + describe(c, args.seed, args.oracle, args.almanac)
                            + "\n" + (f"    almanac failed: {err}" if err else diff_lines(ref, got, "almanac"))
                            + "\n" + diff_lines(ref, lib, "libical"))

    for f in failures[:MAX_REPORTS]:
        print(f)
    if len(failures) > MAX_REPORTS:
        print(f"... and {len(failures) - MAX_REPORTS} more mismatches")
    what = "libical vs dateutil" if args.oracles_only else f"almanac vs {args.oracle}"
    print(f"run_diff ({what}, seed {args.seed}): {len(cases)} rules, {agree} agree, "
          f"{sum(explained.values())} explained by DISAGREEMENTS.md {dict(sorted(explained.items()))}, "
          f"{skipped} skipped as ambiguous, "
          + (f"{sum(no_answer.values())} without a libical answer {dict(sorted(no_answer.items()))}, "
             if no_answer else "")
          + f"{len(failures)} mismatches [{time.time() - start:.0f}s]")
    if len(cases) < min(args.rules, 1):
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
