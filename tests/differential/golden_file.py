"""Reader for tests/data/rrule/*.test golden files (format: STYLE.md)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GoldenFile:
    path: str
    dtstart: str = ""
    tzid: str | None = None
    rrules: list[str] = field(default_factory=list)
    rdates: list[tuple[str, str | None]] = field(default_factory=list)   # (value, tzid)
    exdates: list[tuple[str, str | None]] = field(default_factory=list)
    window: tuple[str, str] | None = None
    max_n: int = 1000
    stop: str | None = None
    expected: list[str] = field(default_factory=list)
    error: str | None = None
    oracle_skip: str | None = None   # "# oracle: skip <reason>"


def _params(head: str) -> tuple[str, dict[str, str]]:
    name, *rest = head.split(";")
    return name, dict(p.split("=", 1) for p in rest)


def read(path: str) -> GoldenFile:
    g = GoldenFile(path)
    after = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("# oracle: skip"):
                g.oracle_skip = line[len("# oracle: skip"):].strip() or "unspecified"
            if not line or line.startswith("#"):
                continue
            if after:
                if line.startswith("error"):
                    g.error = line[6:]
                else:
                    g.expected.append(line)
                continue
            if line == "----":
                after = True
                continue
            word, _, rest = line.partition(" ")
            if word == "window":
                a, b = rest.split()
                g.window = (a, b)
            elif word == "max":
                g.max_n = int(rest)
            elif word == "stop":
                g.stop = rest.strip()
            else:
                head, _, value = line.partition(":")
                name, params = _params(head)
                if name == "DTSTART":
                    g.dtstart, g.tzid = value, params.get("TZID")
                elif name == "RRULE":
                    g.rrules.append(value)
                elif name == "RDATE":
                    g.rdates += [(v, params.get("TZID")) for v in value.split(",")]
                elif name == "EXDATE":
                    g.exdates += [(v, params.get("TZID")) for v in value.split(",")]
                else:
                    raise ValueError(f"{path}: unknown line {line!r}")
    if not after:
        raise ValueError(f"{path}: no ---- line")
    return g
