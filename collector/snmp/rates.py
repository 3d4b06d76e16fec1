"""Counters to rates, the SNMP way: counters wrap, and devices reboot.

Pure functions over (time, value, sysUpTime) readings, so the rules are table-tested:

* the elapsed time must be positive;
* a reboot between two readings makes the pair meaningless: sysUpTime went backwards, or
  the device has been up for less time than has passed since the previous reading;
* a counter that went down has wrapped when it is a 32-bit counter (Counter32 wraps in 34 s
  at 1 Gbit/s), or a 64-bit counter that was in its top half; anything else going down is a
  reset (an interface re-initialised) and gives no rate;
* a rate faster than the interface can carry (``max_rate``) is a reset in disguise.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

COUNTER32 = 2**32
COUNTER64 = 2**64


@dataclass(frozen=True, slots=True)
class Reading:
    """One poll of a counter: unix seconds, the raw value and the device's uptime (if known)."""

    ts: float
    value: float
    uptime_s: float | None = None


def modulus(bits: int) -> int:
    if bits not in (32, 64):
        raise ValueError(f"SNMP counters have 32 or 64 bits, not {bits}")
    return COUNTER32 if bits == 32 else COUNTER64


def rebooted(prev: Reading, cur: Reading) -> bool:
    """True when the device restarted between the two readings (as far as uptime tells)."""
    if prev.uptime_s is None or cur.uptime_s is None:
        return False
    return cur.uptime_s < prev.uptime_s or cur.uptime_s < cur.ts - prev.ts


def increase(prev: float, cur: float, bits: int) -> float | None:
    """How much a counter grew from ``prev`` to ``cur``, through at most one wrap; None for
    a reset or a value that cannot come from a counter of ``bits`` bits."""
    top = modulus(bits)
    if not (0 <= prev < top and 0 <= cur < top):
        return None
    if cur >= prev:
        return cur - prev
    if bits == 32 or prev >= top // 2:
        return cur + top - prev
    return None


def rate(prev: Reading, cur: Reading, *, bits: int = 64, max_rate: float | None = None) -> float | None:
    """Per-second rate between two readings, or None when the pair says nothing."""
    dt = cur.ts - prev.ts
    if dt <= 0 or rebooted(prev, cur):
        return None
    grown = increase(prev.value, cur.value, bits)
    if grown is None:
        return None
    per_s = grown / dt
    if max_rate is not None and per_s > max_rate:
        return None
    return per_s


def rates(
    readings: Iterable[Reading], *, bits: int = 64, max_rate: float | None = None
) -> list[tuple[float, float | None]]:
    """(time, rate) for every consecutive pair of readings in time order."""
    ordered = sorted(readings, key=lambda r: r.ts)
    return [
        (cur.ts, rate(prev, cur, bits=bits, max_rate=max_rate)) for prev, cur in itertools.pairwise(ordered)
    ]


def latest_rate(
    readings: Sequence[Reading], *, bits: int = 64, max_rate: float | None = None
) -> float | None:
    """The rate over the two newest readings (None when there are fewer or they say nothing)."""
    if len(readings) < 2:
        return None
    prev, cur = sorted(readings, key=lambda r: r.ts)[-2:]
    return rate(prev, cur, bits=bits, max_rate=max_rate)


def with_uptime(
    points: Iterable[tuple[float, float]], uptimes: Iterable[tuple[float, float]], *, tolerance_s: float = 5.0
) -> list[Reading]:
    """Attach to each counter point the uptime read in the same poll (nearest in time,
    within ``tolerance_s``); points without one get None and rely on the counter alone."""
    ups = sorted(uptimes)
    out: list[Reading] = []
    j = 0
    for ts, value in sorted(points):
        while j + 1 < len(ups) and abs(ups[j + 1][0] - ts) <= abs(ups[j][0] - ts):
            j += 1
        uptime = ups[j][1] if ups and abs(ups[j][0] - ts) <= tolerance_s else None
        out.append(Reading(ts, value, uptime))
    return out
