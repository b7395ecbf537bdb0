#!/usr/bin/env python3
"""Cross-checks every tests/data/rrule/*.test file against python-dateutil.

The golden files are the engine's specification, so a transcription slip in
one would pin a bug. This recomputes each expected list with the dateutil
oracle (dateutil_oracle.py, which corrects dateutil's known deviations from
RFC 5545) and fails on any difference. Files whose point is a case dateutil
cannot model (an error, a stop reason, a PERIOD RDATE) say so with
"# oracle: skip <reason>".

Usage: check_golden.py [DIR]   (default: tests/data/rrule beside this script)
"""

from __future__ import annotations

import glob
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dateutil_oracle  # noqa: E402
import golden_file  # noqa: E402


def check(path: str) -> str | None:
    """None if the file agrees with the oracle, else a message."""
    g = golden_file.read(path)
    if g.oracle_skip or g.error is not None:
        return None
    s = dateutil_oracle.Series(g.dtstart, g.tzid)
    frm = to = None
    if g.window:
        frm = dateutil_oracle.parse_value(g.window[0])[0]
        to = dateutil_oracle.parse_value(g.window[1])[0]
    rdates = [s.to_frame(v.split("/")[0], tz) for v, tz in g.rdates]
    exdates = [s.to_frame(v, tz) for v, tz in g.exdates]
    horizon = to or dateutil_oracle.dt.datetime(9999, 1, 1)
    got = [s.format(t) for t in s.expand(g.rrules, rdates, exdates, frm, to, g.max_n, horizon)]
    if got == g.expected:
        return None
    lines = [f"{path}: dateutil disagrees with the file"]
    width = max(len(got), len(g.expected))
    for i in range(width):
        a = g.expected[i] if i < len(g.expected) else "-"
        b = got[i] if i < len(got) else "-"
        lines.append(f"  {'  ' if a == b else '!!'} file {a:<17} dateutil {b}")
    return "\n".join(lines)


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data", "rrule")
    files = sorted(glob.glob(os.path.join(root, "*.test")))
    failures = [m for m in (check(f) for f in files) if m]
    skipped = sum(1 for f in files if golden_file.read(f).oracle_skip or golden_file.read(f).error is not None)
    for m in failures:
        print(m)
    print(f"check_golden: {len(files)} files, {len(files) - len(failures) - skipped} agree with "
          f"dateutil, {skipped} skipped (errors or marked), {len(failures)} disagree")
    return 1 if failures or not files else 0


if __name__ == "__main__":
    sys.exit(main())
