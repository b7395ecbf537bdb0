#!/usr/bin/env python3
"""API tests over real HTTP against `almanac serve` (tests/integration, ctest label integration).

Runs every suite below once for one storage driver:

  api_test.py --driver sqlite   --almanac build/src/app/almanac
  api_test.py --driver postgres --almanac build/src/app/almanac [--pg-url URL]

The PostgreSQL URL comes from --pg-url or ALMANAC_TEST_PG_URL (CTest's `pg`
fixture sets it; by hand: `bash tests/tools/pg_test_server.sh start /tmp/pg 54349`
prints one). Each test class gets its own database (a fresh data directory, or
a fresh schema), its own server on 127.0.0.1:0, and stops it with SIGTERM,
requiring exit status 0.

  -k PATTERN   run only tests whose name contains PATTERN (unittest -k)
  --seed N     seed of the random choices (the kill -9 moments); printed

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

SUITES = ["endpoints_cases", "series_cases", "access_cases", "hostile_cases",
          "robustness_cases", "caldav_cases", "bookings_cases", "analytics_cases", "leave_cases",
          "web_cases"]
DEFAULT_SEED = 20250309


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--almanac", required=True, help="path of the almanac binary")
    ap.add_argument("--pg-url", default=os.environ.get("ALMANAC_TEST_PG_URL", ""))
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("ALMANAC_INTEGRATION_SEED", DEFAULT_SEED)))
    ap.add_argument("-k", dest="patterns", action="append", default=None,
                    help="only tests whose name contains this (repeatable)")
    ap.add_argument("--suite", action="append", choices=SUITES,
                    help="only these suites (repeatable)")
    args = ap.parse_args()

    harness.ALMANAC = os.path.abspath(args.almanac)
    if not os.access(harness.ALMANAC, os.X_OK):
        print(f"api_test: {harness.ALMANAC} is not an executable", file=sys.stderr)
        return 2
    harness.SEED = args.seed
    harness.DRIVER = harness.Driver(args.driver, args.pg_url)
    print(f"api_test: driver {args.driver}, seed {args.seed} "
          f"(rerun with --seed {args.seed}), almanac {harness.ALMANAC}", flush=True)

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [f"*{p}*" for p in args.patterns]
    suite = unittest.TestSuite()
    for name in args.suite or SUITES:
        suite.addTests(loader.loadTestsFromModule(__import__(name)))
    start = time.monotonic()
    ok = False
    try:
        result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
        ok = result.wasSuccessful()
    finally:
        harness.DRIVER.cleanup(keep_files=not ok)
    if not ok:
        print(f"api_test: server logs and data kept in {harness.DRIVER.workdir}", flush=True)
    print(f"api_test: driver {args.driver}: {result.testsRun} tests, "
          f"{len(result.failures)} failures, {len(result.errors)} errors, "
          f"{len(result.skipped)} skipped in {time.monotonic() - start:.1f}s (seed {args.seed})",
          flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
