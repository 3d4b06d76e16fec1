"""The device page's charts: which metrics each draws and how they are aggregated.

A chart is one entry in :data:`CHARTS`; the API and the device page both read it, so a
new chart is one entry here (the page and ``device.js`` draw whatever is listed).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from collector.tsdb import queries
from collector.tsdb.queries import Points, SeriesInfo, Window
from eus.names import Label, Metric


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A selectable chart range and its bucket size (both give at most ~360 points)."""

    key: str
    label: str
    span: timedelta
    step_s: int

    def window(self, now: datetime | None = None) -> Window:
        return Window.last(self.span, self.step_s, now=now)


RANGES: Mapping[str, TimeRange] = {
    r.key: r
    for r in (
        TimeRange("1h", "1 hour", timedelta(hours=1), 10),
        TimeRange("24h", "24 hours", timedelta(hours=24), 300),
        # Longer ranges read rollups (collector.tsdb.rollups): 5-min up to 7 days, 1-h beyond.
        TimeRange("7d", "7 days", timedelta(days=7), 1800),
        TimeRange("30d", "30 days", timedelta(days=30), 7200),
    )
}
DEFAULT_RANGE = "1h"


class Combine(enum.StrEnum):
    SUM = "sum"  # one line: the series added together (e.g. all interfaces)
    EACH = "each"  # one line per series, labelled by ``label_key`` (e.g. one per mount)


@dataclass(frozen=True, slots=True)
class Line:
    """One metric name drawn on a chart."""

    metric: Metric
    label: str = ""
    rate: bool = False  # a counter: draw its per-second rate
    combine: Combine = Combine.SUM
    match: Mapping[str, str] = field(default_factory=dict)  # label keys are eus.names.Label
    exclude: Mapping[str, frozenset[str]] = field(default_factory=dict)
    label_key: Label | None = None


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    title: str
    unit: str
    lines: tuple[Line, ...]


CHARTS: Mapping[str, Chart] = {
    c.key: c
    for c in (
        Chart("cpu", "CPU", "percent", (Line(Metric.CPU_PERCENT, "CPU", match={Label.CPU: "total"}),)),
        Chart("memory", "Memory used", "percent", (Line(Metric.MEMORY_PERCENT, "memory used"),)),
        Chart(
            "disk",
            "Disk used",
            "percent",
            (Line(Metric.DISK_PERCENT, combine=Combine.EACH, label_key=Label.MOUNT),),
        ),
        Chart(
            "net",
            "Network",
            "bytes/s",
            (
                Line(Metric.NET_RX_BYTES, "received", rate=True, exclude={Label.IFACE: frozenset({"lo"})}),
                Line(Metric.NET_TX_BYTES, "sent", rate=True, exclude={Label.IFACE: frozenset({"lo"})}),
            ),
        ),
        Chart(
            "diskio",
            "Disk I/O",
            "bytes/s",
            (
                Line(Metric.DISKIO_READ_BYTES, "read", rate=True),
                Line(Metric.DISKIO_WRITE_BYTES, "written", rate=True),
            ),
        ),
    )
}


def _series_label(line: Line, info: SeriesInfo) -> str:
    if line.label_key and line.label_key in info.labels:
        return info.labels[line.label_key]
    if info.labels:
        return ",".join(f"{k}={v}" for k, v in sorted(info.labels.items()))
    return line.label or info.name


def _excluded(line: Line, info: SeriesInfo) -> bool:
    return any(info.labels.get(k) in values for k, values in line.exclude.items())


def chart_data(
    cur: duckdb.DuckDBPyConnection, device_id: int, chart: Chart, window: Window
) -> list[dict[str, Any]]:
    """The chart's lines for one device over ``window``, as the API returns them."""
    out: list[dict[str, Any]] = []
    for line in chart.lines:
        infos = [
            i for i in queries.find_series(cur, device_id, line.metric, line.match) if not _excluded(line, i)
        ]
        ids = [i.id for i in infos]
        if line.rate:
            by_id = queries.bucket_rate(cur, ids, window)
        else:
            by_id = queries.bucket_average(cur, ids, window)
        drawn: list[tuple[str, Points]]
        if line.combine is Combine.SUM:
            drawn = [(line.label or line.metric, queries.sum_points(by_id.values()))]
        else:
            drawn = [(_series_label(line, i), by_id[i.id]) for i in infos]
        out.extend({"label": label, "unit": chart.unit, "t": p.t, "v": p.v} for label, p in drawn)
    return out
