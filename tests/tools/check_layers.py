#!/usr/bin/env python3
"""Checks every #include of a project header in src/ against DESIGN.md's layers.

DESIGN.md, "Layers (dependencies point downward only)":
  app -> {http, caldav, notify, sync, store}; caldav -> http, domain;
  http -> domain; notify, sync -> domain; store -> domain (it implements
  the ports); domain -> schedule -> ical -> core; core -> nothing.
A layer may also use anything below the layers it names (store may include
core/result.h), never a sibling or anything above. app may include anything.
Module-private headers (<layer>/internal/...) are for their own layer only
(STYLE.md). A top-level folder of src/ that is not a known layer is an error
too: add it to DESIGN.md and to ALLOWED below in the same change.

Usage: check_layers.py SRC_DIR     check a tree (exit 1 on any violation)
       check_layers.py --self-test
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

# Direct arrows from DESIGN.md; the closure below adds what lies beneath.
DIRECT = {
    "core": set(),
    "ical": {"core"},
    "schedule": {"ical"},
    "domain": {"schedule"},
    "store": {"domain"},
    "http": {"domain"},
    "caldav": {"http", "domain"},
    "notify": {"domain"},
    "sync": {"domain"},
    "app": {"http", "caldav", "notify", "sync", "store"},
}


def closure(layer: str) -> set[str]:
    out: set[str] = set()
    todo = list(DIRECT[layer])
    while todo:
        x = todo.pop()
        if x not in out:
            out.add(x)
            todo.extend(DIRECT[x])
    return out


ALLOWED = {layer: closure(layer) | {layer} for layer in DIRECT}
ALLOWED["app"] = set(DIRECT)  # "app -> anything"

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
SOURCE_EXT = (".h", ".hpp", ".cpp", ".cc", ".c", ".inc")


def check_tree(src: str) -> list[str]:
    errors = []
    layers_present = {d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))}
    for d in sorted(layers_present - set(DIRECT)):
        errors.append(f"src/{d}/: not a layer in DESIGN.md (add it there and to check_layers.py)")
    for layer in sorted(layers_present & set(DIRECT)):
        for root, _, files in os.walk(os.path.join(src, layer)):
            for name in sorted(files):
                if not name.endswith(SOURCE_EXT):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, os.path.dirname(src))
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(2)
                        first = target.split("/", 1)[0]
                        if "/" not in target or first not in DIRECT:
                            continue  # system, third-party or same-folder include
                        if first not in ALLOWED[layer]:
                            errors.append(f"{rel}:{n}: {layer} may not include {target} "
                                          f"({layer} -> {', '.join(sorted(ALLOWED[layer] - {layer})) or 'nothing'})")
                        elif "/internal/" in f"/{target}" and first != layer:
                            errors.append(f"{rel}:{n}: {target} is private to src/{first}/")
    return errors


def self_test() -> int:
    cases = {
        "core/a.h": ('#include "core/b.h"\n#include <vector>\n', 0),
        "core/bad.cpp": ('#include "ical/rrule.h"\n', 1),
        "ical/ok.cpp": ('#include "core/time.h"\n#include "ical/x.h"\n', 0),
        "ical/up.cpp": ('#  include "domain/event.h"\n', 1),
        "schedule/s.cpp": ('#include "core/time.h"\n#include "ical/rrule.h"\n', 0),
        "domain/d.cpp": ('#include "store/sqlite.h"\n', 1),
        "store/st.cpp": ('#include "domain/ports.h"\n#include "core/result.h"\n', 0),
        "store/side.cpp": ('#include "http/router.h"\n', 1),
        "http/h.cpp": ('#include <domain/service.h>\n', 0),
        "caldav/c.cpp": ('#include "http/router.h"\n#include "store/x.h"\n', 1),
        "notify/n.cpp": ('#include "sync/client.h"\n', 1),
        "app/main.cpp": ('#include "store/sqlite.h"\n#include "http/server.h"\n', 0),
        "ical/priv.cpp": ('#include "core/internal/tz.h"\n', 1),
        "core/own.cpp": ('#include "core/internal/tz.h"\n', 0),
        "gadgets/g.cpp": ('#include "core/time.h"\n', 1),  # unknown layer folder
    }
    want = sum(v[1] for v in cases.values())
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        for path, (text, _) in cases.items():
            os.makedirs(os.path.join(src, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(src, path), "w") as f:
                f.write(text)
        errors = check_tree(src)
    bad_files = {e.split(":")[0].replace("src/", "").rstrip("/") for e in errors}
    expected = {p for p, (_, n) in cases.items() if n} - {"gadgets/g.cpp"} | {"gadgets"}
    ok = len(errors) == want and bad_files == expected
    for e in errors:
        print("  found:", e)
    print(f"check_layers self-test: {'ok' if ok else 'FAILED'} ({len(errors)} violations, expected {want})")
    return 0 if ok else 1


def main() -> int:
    if len(sys.argv) == 2 and sys.argv[1] == "--self-test":
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    src = os.path.abspath(sys.argv[1])
    errors = check_tree(src)
    for e in errors:
        print(e)
    n = sum(1 for _, _, fs in os.walk(src) for f in fs if f.endswith(SOURCE_EXT))
    print(f"check_layers: {n} files checked, {len(errors)} violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
