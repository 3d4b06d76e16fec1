"""A function's status over a range as an inline SVG chart, with every state change marked. Pure.

The chart is drawn on the server (no script, nothing the strict CSP must allow): a band per
stretch of one status, coloured like the status badges, a step line of the health level
(ok at the bottom, critical at the top) and a marker with its time at every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH = 900
HEIGHT = 160
TOP = 10
BOTTOM = 130
COLOURS = {0: "#9e9e9e", 1: "#2e7d32", 2: "#f9a825", 3: "#c62828"}  # unknown, ok, warning, critical
LABELS = {0: "unknown", 1: "ok", 2: "warning", 3: "critical"}
LEVEL = {1: 0, 0: 1, 2: 2, 3: 3}  # height order: ok, unknown, warning, critical


@dataclass(frozen=True, slots=True)
class Band:
    x: float
    width: float
    colour: str
    label: str


@dataclass(frozen=True, slots=True)
class Marker:
    x: float
    colour: str
    title: str


@dataclass(frozen=True, slots=True)
class StatusChart:
    width: int
    height: int
    bands: list[Band]
    markers: list[Marker]
    line: str  # SVG polyline points
    start_label: str
    end_label: str


def _y(status: int) -> float:
    return BOTTOM - (BOTTOM - TOP) * LEVEL.get(status, 1) / 3


def build(
    start: datetime,
    end: datetime,
    before: int | None,
    changes: Sequence[tuple[datetime, int]],
) -> StatusChart:
    """The chart of ``[start, end)`` from the status held before it and the changes in it
    (oldest first; all naive UTC or all aware)."""
    span = (end - start).total_seconds() or 1.0

    def x(t: datetime) -> float:
        return round(WIDTH * min(max((t - start).total_seconds() / span, 0.0), 1.0), 1)

    bands: list[Band] = []
    markers: list[Marker] = []
    points: list[str] = [] if before is None else [f"{x(start)},{_y(before)}"]
    current, since = before, start
    for ts, status in changes:
        if current is not None:
            bands.append(
                Band(x(since), x(ts) - x(since), COLOURS.get(current, COLOURS[0]), LABELS.get(current, "?"))
            )
            points.append(f"{x(ts)},{_y(current)}")
        title = f"{ts:%Y-%m-%d %H:%M:%S} → {LABELS.get(status, '?')}"
        markers.append(Marker(x(ts), COLOURS.get(status, COLOURS[0]), title))
        points.append(f"{x(ts)},{_y(status)}")
        current, since = status, ts
    if current is not None:
        bands.append(
            Band(x(since), x(end) - x(since), COLOURS.get(current, COLOURS[0]), LABELS.get(current, "?"))
        )
        points.append(f"{x(end)},{_y(current)}")
    return StatusChart(
        WIDTH, HEIGHT, bands, markers, " ".join(points), f"{start:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}"
    )
