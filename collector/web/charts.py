"""A dashboard panel's data as the chart API returns it: lines over a window.

Which panels exist is data (``dashboards/``, loaded by ``collector.dashboards.loader``);
reading a line's series is ``collector.tsdb.chart_reads``. What is left here is how a
panel's lines become drawn lines: added together or one per series, named by a label or
by the device, with the min/max band of a gauge drawn from one series.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, current_app

from collector.dashboards.model import Combine, Dashboards, Line, Panel, View
from collector.tsdb.chart_reads import LineQuery, SeriesRead
from collector.tsdb.queries import Points, Window, sum_points
from collector.tsdb.storage import Storage
from collector.web.chart_ranges import RANGES

Drawn = dict[str, Any]
DASHBOARDS_KEY = "eus.dashboards"


def init_app(app: Flask, loaded: Dashboards) -> None:
    """The dashboards the collector loaded at start (composition root)."""
    app.extensions[DASHBOARDS_KEY] = loaded


def dashboards() -> Dashboards:
    """The running app's dashboards."""
    found: Dashboards = current_app.extensions[DASHBOARDS_KEY]
    return found


def chart_context(view: View) -> dict[str, Any]:
    """What ``_charts.html``'s chart area needs: the view's panels and the named ranges."""
    return {"panels": dashboards().panels(view), "ranges": RANGES.values()}


def query(line: Line, fixed: Mapping[str, str] | None = None) -> LineQuery:
    """The read of ``line``; ``fixed`` adds label pairs (an SNMP device's target)."""
    return LineQuery(str(line.metric), {**line.where, **(fixed or {})}, line.exclude, line.rate)


def series_label(line: Line, read: SeriesRead) -> str:
    labels = read.info.labels
    if line.legend and line.legend in labels:
        return labels[line.legend]
    if labels:
        return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return line.label or read.info.name


def _drawn(
    label: str, points: Points, low: list[float] | None, high: list[float] | None, matched: int = 1
) -> Drawn:
    out: Drawn = {"label": label, "t": points.t, "v": points.v, "matched": matched}
    if low is not None and high is not None:
        out["low"], out["high"] = low, high
    return out


def _one_line(label: str, reads: Sequence[SeriesRead]) -> Drawn:
    """Several series added up (``matched``: how many); a single one keeps its band."""
    if len(reads) == 1:
        r = reads[0]
        return _drawn(label, r.points, r.low, r.high)
    return _drawn(label, sum_points(r.points for r in reads), None, None, len(reads))


def lines_of(line: Line, reads: Sequence[SeriesRead]) -> list[Drawn]:
    if line.combine is Combine.SUM:
        return [_one_line(line.label or str(line.metric), reads)]
    return [_drawn(series_label(line, r), r.points, r.low, r.high) for r in reads]


def panel_data(
    db: Storage, device_id: int, panel: Panel, window: Window, fixed: Mapping[str, str] | None = None
) -> list[Drawn]:
    """The panel's drawn lines for one device (an agent, or an SNMP gateway with ``fixed``)."""
    return panels_data(db, device_id, [panel], window, fixed)[0]


def panels_data(
    db: Storage,
    device_id: int,
    panels: Sequence[Panel],
    window: Window,
    fixed: Mapping[str, str] | None = None,
) -> list[list[Drawn]]:
    """:func:`panel_data` of each of ``panels`` over one window, their series read together."""
    wants = [(device_id, query(line, fixed)) for panel in panels for line in panel.lines]
    reads = iter(db.read_many(wants, window))
    return [[d for line in panel.lines for d in lines_of(line, next(reads))] for panel in panels]


def fleet_data(db: Storage, devices: Sequence[tuple[int, str]], panel: Panel, window: Window) -> list[Drawn]:
    """One line per device and panel line: each device's matching series added up."""
    wants = [(device_id, query(line)) for line in panel.lines for device_id, _ in devices]
    reads = iter(db.read_many(wants, window))
    out: list[Drawn] = []
    for line in panel.lines:
        for _, name in devices:
            found = next(reads)
            if found:
                label = f"{name} {line.label}" if line.label and len(panel.lines) > 1 else name
                out.append(_one_line(label, found))
    return out
