#!/usr/bin/python3
"""CalDAV interoperability tests with real clients (tests/interop, label interop).

  run_interop.py --server radicale
  run_interop.py --server almanac --almanac build/src/app/almanac [--driver sqlite|postgres]

Runs caldav_client_test (python3-caldav) and vdirsyncer_test (vdirsyncer and
khal) as unittest suites; every test class gets a fresh server on 127.0.0.1.
Prints one summary line and exits non-zero on any failure or error.

  --pg-url URL        PostgreSQL for --driver postgres (default $ALMANAC_TEST_PG_URL;
                      by hand: bash tests/tools/pg_test_server.sh start /tmp/pg 54349)
  -k PATTERN          only tests whose name contains PATTERN (repeatable)
  --suite NAME        only this suite (caldav_client_test, vdirsyncer_test)
  --keep              keep the temp directories (server logs and data, vdirs,
                      vdirsyncer and khal configs) under /tmp/interop-*

The tests need Debian's python3-caldav, vdirsyncer, khal and radicale; when
started by another interpreter (pyenv) the runner re-executes itself with
/usr/bin/python3, where the Debian modules live.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unittest

DEBIAN_PYTHON = "/usr/bin/python3"
SUITES = ["caldav_client_test", "vdirsyncer_test"]
SUITE_BUDGET_SECONDS = 60


def _ensure_debian_python() -> None:
    try:
        import caldav  # noqa: F401
        import lxml  # noqa: F401
    except ImportError:
        if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and \
                os.access(DEBIAN_PYTHON, os.X_OK):
            os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(__file__), *sys.argv[1:]])
        print("run_interop: python3-caldav is not importable (apt-get install python3-caldav)",
              file=sys.stderr)
        sys.exit(2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", choices=["radicale", "almanac"], required=True)
    ap.add_argument("--almanac", default="", help="path of the almanac binary")
    ap.add_argument("--driver", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url", default=os.environ.get("ALMANAC_TEST_PG_URL", ""))
    ap.add_argument("-k", dest="patterns", action="append", default=None)
    ap.add_argument("--suite", action="append", choices=SUITES)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    _ensure_debian_python()
    sys.dont_write_bytecode = True  # keep the source tree clean
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import servers  # noqa: E402

    servers.SERVER = args.server
    servers.DRIVER = args.driver
    servers.PG_URL = args.pg_url
    servers.KEEP_FILES = args.keep
    if args.server == "almanac":
        if not args.almanac:
            ap.error("--server almanac needs --almanac PATH")
        servers.ALMANAC = os.path.abspath(args.almanac)
        if not os.access(servers.ALMANAC, os.X_OK):
            print(f"run_interop: {servers.ALMANAC} is not an executable", file=sys.stderr)
            return 2
        if args.driver == "postgres" and not args.pg_url:
            print("run_interop: --driver postgres needs --pg-url or ALMANAC_TEST_PG_URL",
                  file=sys.stderr)
            return 2
    label = args.server + (f" ({args.driver})" if args.server == "almanac" else "")
    print(f"run_interop: server {label}", flush=True)

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [f"*{p}*" for p in args.patterns]
    total = failures = errors = skipped = 0
    slow = []
    start_all = time.monotonic()
    for name in args.suite or SUITES:
        suite = loader.loadTestsFromModule(__import__(name))
        start = time.monotonic()
        result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
        elapsed = time.monotonic() - start
        total += result.testsRun
        failures += len(result.failures)
        errors += len(result.errors)
        skipped += len(result.skipped)
        if elapsed > SUITE_BUDGET_SECONDS:
            slow.append(f"{name} took {elapsed:.0f}s (budget {SUITE_BUDGET_SECONDS}s)")
    ok = failures == 0 and errors == 0 and not slow
    for s in slow:
        print(f"run_interop: {s}")
    print(f"run_interop: {label}: {'PASS' if ok else 'FAIL'}: {total} tests, {failures} failures, "
          f"{errors} errors, {skipped} skipped in {time.monotonic() - start_all:.1f}s", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
