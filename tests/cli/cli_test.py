#!/usr/bin/env python3
"""Black-box tests of the `almanac` command line (tests/cli, ctest label cli).

Runs the binary as a user would: exit codes, stdout, stderr, and that hostile
rules finish quickly. Usage: cli_test.py PATH/TO/almanac [unittest args]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

ALMANAC = ""
TIMEOUT = 10  # seconds; every command here must finish well within it


def run(*args: str, timeout: float = TIMEOUT) -> tuple[int, str, str, float]:
    start = time.monotonic()
    p = subprocess.run([ALMANAC, *args], capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - start


class HelpTest(unittest.TestCase):
    def check_help(self, *cmd: str, mentions: tuple[str, ...]) -> None:
        rc, out, err, _ = run(*cmd, "--help")
        self.assertEqual(rc, 0, f"almanac {' '.join(cmd)} --help: {err}")
        for word in mentions:
            self.assertIn(word, out, f"help of '{' '.join(cmd) or 'almanac'}' lacks {word}")

    def test_top_level(self):
        self.check_help(mentions=("expand", "ics"))

    def test_expand(self):
        self.check_help("expand", mentions=("--dtstart", "--tzid", "--rrule", "--rdate", "--exdate",
                                            "--from", "--to", "--max"))

    def test_ics(self):
        self.check_help("ics", mentions=("check", "expand"))

    def test_ics_check(self):
        self.check_help("ics", "check", mentions=("FILE",))

    def test_ics_expand(self):
        self.check_help("ics", "expand", mentions=("FILE", "--from", "--to"))

    def test_no_arguments_is_an_error_with_usage(self):
        rc, out, err, _ = run()
        self.assertNotEqual(rc, 0)
        self.assertTrue(out or err)


class BadInputTest(unittest.TestCase):
    """An invalid rule exits 2 with one stderr line naming the bad part."""

    def check_rejected(self, must_name: str, *args: str) -> None:
        rc, out, err, took = run("expand", *args)
        self.assertEqual(rc, 2, f"args {args}: exit {rc}, stdout {out[:200]!r}, stderr {err!r}")
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, f"args {args}: want one stderr line, got {err!r}")
        self.assertIn(must_name.lower(), lines[0].lower(), f"args {args}: {lines[0]!r}")
        self.assertEqual(out, "", f"args {args}: nothing on stdout, got {out[:200]!r}")
        self.assertLess(took, 5)

    def test_bymonthday_zero(self):
        self.check_rejected("BYMONTHDAY", "--dtstart", "20250101T090000", "--rrule", "FREQ=DAILY;BYMONTHDAY=0")

    def test_unknown_freq(self):
        self.check_rejected("FREQ", "--dtstart", "20250101T090000", "--rrule", "FREQ=FOO")

    def test_missing_freq(self):
        self.check_rejected("FREQ", "--dtstart", "20250101T090000", "--rrule", "COUNT=3")

    def test_count_and_until(self):
        rc, _, err, _ = run("expand", "--dtstart", "20250101T090000", "--rrule",
                            "FREQ=DAILY;COUNT=5;UNTIL=20250201T000000")
        self.assertEqual(rc, 2)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertTrue("COUNT" in err and "UNTIL" in err, err)

    def test_interval_negative(self):
        self.check_rejected("INTERVAL", "--dtstart", "20250101T090000", "--rrule", "FREQ=DAILY;INTERVAL=-1")

    def test_bysetpos_alone(self):
        self.check_rejected("BYSETPOS", "--dtstart", "20250101T090000", "--rrule", "FREQ=MONTHLY;BYSETPOS=1")

    def test_byweekno_with_monthly(self):
        self.check_rejected("BYWEEKNO", "--dtstart", "20250101T090000", "--rrule", "FREQ=MONTHLY;BYWEEKNO=1")

    def test_garbage_dtstart(self):
        for bad in ("2025-01-01", "20251301T000000", "20250101T250000", "tomorrow", "", "20250230"):
            with self.subTest(dtstart=bad):
                self.check_rejected("dtstart", "--dtstart", bad, "--rrule", "FREQ=DAILY;COUNT=2")

    def test_unknown_zone(self):
        self.check_rejected("Mars/Olympus", "--dtstart", "20250101T090000", "--tzid", "Mars/Olympus",
                            "--rrule", "FREQ=DAILY;COUNT=2")

    def test_garbage_rrule(self):
        for bad in ("", ";;;", "FREQ=", "FREQ=DAILY;COUNT=abc", "FREQ=DAILY;BYDAY=XX",
                    "FREQ=DAILY;COUNT=99999999999999999999", "FREQ=WEEKLY;BYDAY=+54MO",
                    "FREQ=DAILY;BYHOUR=24", "FREQ=DAILY;UNTIL=2025"):
            with self.subTest(rrule=bad):
                rc, out, err, took = run("expand", "--dtstart", "20250101T090000", "--rrule", bad)
                self.assertEqual(rc, 2, f"{bad!r}: exit {rc}, stderr {err!r}")
                self.assertEqual(len(err.strip().splitlines()), 1, f"{bad!r}: {err!r}")
                self.assertLess(took, 5)

    def test_huge_rule_text(self):
        rule = "FREQ=DAILY;BYHOUR=" + ",".join(["1"] * 50000)
        rc, _, err, took = run("expand", "--dtstart", "20250101T090000", "--rrule", rule, "--max", "5")
        self.assertIn(rc, (0, 2), err)
        self.assertLess(took, 5)

    def test_bad_from_and_max(self):
        rc, _, err, _ = run("expand", "--dtstart", "20250101T090000", "--rrule", "FREQ=DAILY",
                            "--from", "yesterday")
        self.assertEqual(rc, 2, err)
        rc, _, err, _ = run("expand", "--dtstart", "20250101T090000", "--rrule", "FREQ=DAILY",
                            "--max", "-3")
        self.assertNotEqual(rc, 0, err)


class ExpandTest(unittest.TestCase):
    def expand(self, *args: str) -> list[str]:
        rc, out, err, took = run("expand", *args)
        self.assertEqual(rc, 0, f"args {args}: exit {rc}: {err}")
        self.assertLess(took, TIMEOUT)
        return out.split()

    def test_count(self):
        self.assertEqual(self.expand("--dtstart", "19970902T090000", "--tzid", "America/New_York",
                                     "--rrule", "FREQ=DAILY;INTERVAL=10;COUNT=5"),
                         ["19970902T090000", "19970912T090000", "19970922T090000",
                          "19971002T090000", "19971012T090000"])

    def test_max(self):
        self.assertEqual(self.expand("--dtstart", "20250101T000000", "--rrule", "FREQ=DAILY",
                                     "--max", "3"),
                         ["20250101T000000", "20250102T000000", "20250103T000000"])

    def test_default_max_is_1000(self):
        self.assertEqual(len(self.expand("--dtstart", "20250101T000000", "--rrule", "FREQ=MINUTELY")), 1000)

    def test_from_inclusive_to_exclusive(self):
        self.assertEqual(self.expand("--dtstart", "20250101T090000", "--rrule", "FREQ=DAILY",
                                     "--from", "20250105T090000", "--to", "20250108T090000"),
                         ["20250105T090000", "20250106T090000", "20250107T090000"])

    def test_from_far_away_is_fast(self):
        self.assertEqual(self.expand("--dtstart", "20250101T090000", "--rrule", "FREQ=SECONDLY",
                                     "--from", "99991231T235958"),
                         ["99991231T235958", "99991231T235959"])

    def test_count_with_from_counts_from_dtstart(self):
        self.assertEqual(self.expand("--dtstart", "20250101T090000", "--rrule", "FREQ=DAILY;COUNT=5",
                                     "--from", "20250104T000000"),
                         ["20250104T090000", "20250105T090000"])

    def test_secondly_unbounded_finishes(self):
        out = self.expand("--dtstart", "20250101T000000", "--rrule", "FREQ=SECONDLY")
        self.assertEqual(len(out), 1000)
        self.assertEqual(out[-1], "20250101T001639")

    def test_never_matching_rule_finishes_with_dtstart_only(self):
        rc, out, err, took = run("expand", "--dtstart", "20250101T090000",
                                 "--rrule", "FREQ=YEARLY;BYMONTHDAY=30;BYMONTH=2")
        self.assertLess(took, TIMEOUT)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.split(), ["20250101T090000"])

    def test_sparse_secondly_finishes(self):
        rc, out, err, took = run("expand", "--dtstart", "20250101T000000",
                                 "--rrule", "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=0;BYMINUTE=0;BYSECOND=0",
                                 "--max", "3")
        self.assertLess(took, TIMEOUT)
        self.assertIn(rc, (0, 2), err)
        if rc == 0:
            self.assertEqual(out.split()[:1], ["20250101T000000"])

    def test_dtstart_counts_first_even_if_not_matching(self):
        self.assertEqual(self.expand("--dtstart", "20250101T090000",
                                     "--rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=3"),
                         ["20250101T090000", "20250106T090000", "20250113T090000"])

    def test_date_dtstart_prints_dates(self):
        self.assertEqual(self.expand("--dtstart", "20240229", "--rrule", "FREQ=YEARLY;COUNT=2"),
                         ["20240229", "20280229"])

    def test_utc_dtstart_keeps_z(self):
        self.assertEqual(self.expand("--dtstart", "20250330T003000Z", "--rrule", "FREQ=DAILY;COUNT=2"),
                         ["20250330T003000Z", "20250331T003000Z"])

    def test_zone_gap_moves_forward(self):
        self.assertEqual(self.expand("--dtstart", "20250308T023000", "--tzid", "America/New_York",
                                     "--rrule", "FREQ=DAILY;COUNT=3"),
                         ["20250308T023000", "20250309T033000", "20250310T023000"])

    def test_rdate_and_exdate(self):
        self.assertEqual(self.expand("--dtstart", "20250106T090000", "--rrule", "FREQ=WEEKLY;COUNT=3",
                                     "--rdate", "20250108T140000,20250113T090000",
                                     "--exdate", "20250120T090000"),
                         ["20250106T090000", "20250108T140000", "20250113T090000"])

    def test_output_sorted_with_many_parts(self):
        out = self.expand("--dtstart", "20250101T000000",
                          "--rrule", "FREQ=YEARLY;BYMONTH=12,1;BYDAY=-1FR,1MO;BYHOUR=23,1",
                          "--max", "50")
        self.assertEqual(out, sorted(out))
        self.assertEqual(len(out), len(set(out)))


ICS_VALID = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cli test//EN\r\nBEGIN:VEVENT\r\n"
             "UID:a@example.org\r\nDTSTAMP:20250101T000000Z\r\n"
             "DTSTART;TZID=Europe/London:20250101T090000\r\nDURATION:PT1H\r\n"
             "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
ICS_INVALID = ICS_VALID.replace("END:VEVENT\r\n", "")


class IcsTest(unittest.TestCase):
    def write(self, text: str) -> str:
        fd, path = tempfile.mkstemp(suffix=".ics")
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def test_check_valid(self):
        rc, out, err, _ = run("ics", "check", self.write(ICS_VALID))
        self.assertEqual(rc, 0, out + err)

    def test_check_invalid_exits_2(self):
        rc, out, err, _ = run("ics", "check", self.write(ICS_INVALID))
        self.assertEqual(rc, 2, out + err)

    def test_check_missing_file(self):
        rc, _, _, _ = run("ics", "check", "/nonexistent/file.ics")
        self.assertNotEqual(rc, 0)

    def test_expand_json_lines(self):
        rc, out, err, _ = run("ics", "expand", self.write(ICS_VALID), "--from", "20250101", "--to", "20250201")
        self.assertEqual(rc, 0, err)
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        self.assertEqual(len(rows), 3, out)



class MigrateTest(unittest.TestCase):
    def test_migrate_reports_versions_and_is_idempotent(self):
        import re
        with tempfile.TemporaryDirectory() as d:
            code, out, err, _ = run("migrate", "--data", d)
            self.assertEqual(code, 0, err)
            m = re.search(r"schema version (\d+) -> (\d+) \((\d+) migrations? applied\)", out)
            self.assertIsNotNone(m, out)
            before, after, applied = map(int, m.groups())
            self.assertEqual(before, 0)
            self.assertGreaterEqual(after, 2)
            self.assertEqual(applied, after)
            code, out, err, _ = run("migrate", "--data", d)
            self.assertEqual(code, 0, err)
            self.assertIn(f"schema version {after} -> {after} (0 migrations applied)", out)

def main() -> int:
    global ALMANAC
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    ALMANAC = os.path.abspath(sys.argv.pop(1))
    if not os.access(ALMANAC, os.X_OK):
        print(f"cli_test: {ALMANAC} is not built")
        return 1
    result = unittest.main(argv=[sys.argv[0], "-v", *sys.argv[1:]], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
