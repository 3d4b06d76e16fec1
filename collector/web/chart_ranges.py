"""Which time window a chart shows, from the page's or the API's query string (pure).

A named range (``?range=1h|6h|24h|7d|30d``) ends now; a custom one (``?from=&to=``, unix
seconds, as drag-to-zoom and the custom range form send) is any span of at least a minute.
Either way the bucket size is the smallest of :data:`STEPS` that keeps a chart at
:data:`MAX_POINTS` points at most, so a zoom reads finer buckets (and raw samples once
the span is short enough: ``collector.tsdb.rollups.resolution``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from collector.tsdb.queries import Window

STEPS = (10, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 86400)
MAX_POINTS = 360
MIN_SPAN_S = 60
MAX_SPAN = timedelta(days=730)  # the 1-h rollups' retention
CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class TimeRange:
    key: str
    label: str
    span: timedelta


RANGES: Mapping[str, TimeRange] = {
    r.key: r
    for r in (
        TimeRange("1h", "1 hour", timedelta(hours=1)),
        TimeRange("6h", "6 hours", timedelta(hours=6)),
        TimeRange("24h", "24 hours", timedelta(hours=24)),
        TimeRange("7d", "7 days", timedelta(days=7)),
        TimeRange("30d", "30 days", timedelta(days=30)),
    )
}


def step_for(span_s: float) -> int:
    """The bucket size for a span: the smallest step giving at most MAX_POINTS buckets."""
    return next((s for s in STEPS if span_s / s <= MAX_POINTS), STEPS[-1])


def named_window(key: str, now: datetime | None = None) -> Window:
    span = RANGES[key].span
    return Window.last(span, step_for(span.total_seconds()), now=now)


def custom_window(start_s: int, end_s: int) -> Window:
    """[start, end) widened to whole buckets; ValueError when it is not a usable span."""
    if end_s - start_s < MIN_SPAN_S:
        raise ValueError(f"a custom range must end at least {MIN_SPAN_S} seconds after it starts")
    if end_s - start_s > MAX_SPAN.total_seconds():
        raise ValueError(f"a custom range is at most {MAX_SPAN.days} days")
    step = step_for(end_s - start_s)
    lo, hi = start_s // step * step, -(-end_s // step) * step
    return Window(datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC), step)


def _unix(args: Mapping[str, str], name: str) -> int:
    raw = args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f'"{name}" must be a time in unix seconds, not {raw[:40]!r}') from None
    if not 0 < value < 2**33:
        raise ValueError(f'"{name}" is out of range')
    return value


def window_of(args: Mapping[str, str], default: str) -> tuple[str, Window]:
    """(range key, window) asked for by ``args``; ValueError naming what is wrong."""
    if "from" in args or "to" in args:
        return CUSTOM, custom_window(_unix(args, "from"), _unix(args, "to"))
    key = args.get("range") or default
    if key not in RANGES:
        raise ValueError(f"unknown range {key[:40]!r}; expected one of: {', '.join(RANGES)}, or from and to")
    return key, named_window(key)
