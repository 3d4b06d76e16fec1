"""JSON for the dashboard's charts. Scoped like the pages: another tenant's device is 404."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue

from collector.web.charts import CHARTS, RANGES, chart_data
from collector.web.permissions import Capability, get_device_or_404, require
from collector.web.resources import storage, store, tsdb_cursor

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/devices/<int:device_id>/series")
@require(Capability.VIEW_DASHBOARD)
def series(device_id: int) -> ResponseReturnValue:
    """``?metric=cpu|memory|disk|net|diskio&range=1h|24h`` → bucketed series for a chart."""
    with store().session() as s:
        get_device_or_404(s, device_id)
    metric = request.args.get("metric", "")
    range_key = request.args.get("range", "")
    chart = CHARTS.get(metric)
    if chart is None:
        abort(400, description=f"unknown metric {metric[:40]!r}; expected one of: {', '.join(CHARTS)}")
    time_range = RANGES.get(range_key)
    if time_range is None:
        abort(400, description=f"unknown range {range_key[:40]!r}; expected one of: {', '.join(RANGES)}")
    window = time_range.window()
    return jsonify(
        {
            "metric": chart.key,
            "title": chart.title,
            "unit": chart.unit,
            "range": time_range.key,
            "step": window.step_s,
            "start": int(window.start.timestamp()),
            "end": int(window.end.timestamp()),
            "series": chart_data(tsdb_cursor(), device_id, chart, window),
            "gaps": storage().gap_spans(device_id, window.start, window.end),
        }
    )
