"""Read snmpsim ``.snmprec`` recordings (``OID|tag|value``) into the agent's plain values,
so tests can compare what was polled with what the recording holds."""

from __future__ import annotations

import bz2
from pathlib import Path

from agent.snmp.oids import IpAddress, Oid, PollData, Value, oid

INTEGER_TAGS = {"2", "65", "66", "67", "70"}


def parse_value(tag: str, raw: str) -> Value:
    hexed = tag.endswith("x")
    base = tag.rstrip("x")
    if base in ("4", "68"):
        return bytes.fromhex(raw) if hexed else raw.encode("utf-8", "surrogateescape")
    if base in INTEGER_TAGS:
        return int(raw)
    if base == "6":
        return oid(raw)
    if base == "64":
        return IpAddress(".".join(str(b) for b in bytes.fromhex(raw)) if hexed else raw)
    if base == "5":
        return None
    raise ValueError(f"unknown snmprec tag {tag!r}")


def load(path: Path) -> dict[Oid, Value]:
    """Every plain record of a recording; rows using a variation module are left out."""
    opener = bz2.open if path.suffix == ".bz2" else open
    out: dict[Oid, Value] = {}
    with opener(path, "rt", encoding="utf-8", errors="surrogateescape") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("|", 2)
            if len(parts) != 3 or ":" in parts[1] or line.startswith("#"):
                continue
            out[oid(parts[0])] = parse_value(parts[1], parts[2])
    return out


def num(value: Value) -> float:
    """A recorded number (failing the test when the recording holds something else)."""
    assert isinstance(value, int), value
    return float(value)


def column(records: dict[Oid, Value], col: Oid) -> dict[Oid, Value]:
    n = len(col)
    return {k[n:]: v for k, v in records.items() if len(k) > n and k[:n] == col}


def poll_data(records: dict[Oid, Value], scalars: tuple[Oid, ...], columns: tuple[Oid, ...]) -> PollData:
    """What a perfect poll of these scalars and columns would return from the recording."""
    return PollData(
        {s: records[s] for s in scalars if s in records},
        {c: column(records, c) for c in columns},
    )
