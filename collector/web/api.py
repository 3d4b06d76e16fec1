"""JSON for the dashboard's charts: one panel of a dashboard file over a window.

Scoped like the pages: another tenant's device, SNMP device or customer is 404. The window
is ``?range=1h|6h|24h|7d|30d`` (ending now) or ``?from=&to=`` in unix seconds (zoom, custom);
a bad panel or window is a 400 that says what was expected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.dashboards.model import Panel, View
from collector.store.models import Device
from collector.tsdb.queries import Window
from collector.web.chart_ranges import window_of
from collector.web.charts import Drawn, dashboards, fleet_data, panel_data, panels_data
from collector.web.device_names import device_name
from collector.web.permissions import Capability, get_customer_or_404, get_device_or_404, require
from collector.web.resources import resources, store
from collector.web.snmp_views import get_network_device_or_404
from eus.names import Label

bp = Blueprint("api", __name__, url_prefix="/api")
FLEET_DEVICES = 50  # lines a fleet panel draws at most: the first devices by name


def _panel(view: View, key: str) -> Panel:
    """The view's panel ``key``; a 400 naming the panels there are."""
    panel = dashboards().panel(view, key)
    if panel is None:
        known = ", ".join(p.key for p in dashboards().panels(view))
        abort(400, description=f"unknown panel {key[:40]!r}; expected one of: {known}")
    return panel


def _window(default_range: str) -> tuple[str, Window]:
    """The window asked for (``?range=`` or ``?from=&to=``, else ``default_range``); a 400 saying
    what is wrong with it."""
    try:
        return window_of(request.args, default_range)
    except ValueError as exc:
        abort(400, description=str(exc))


def _panel_and_window(view: View) -> tuple[Panel, str, Window]:
    panel = _panel(view, request.args.get("panel") or request.args.get("metric", ""))
    return panel, *_window(panel.default_range)


def _payload(panel: Panel, range_key: str, window: Window, lines: list[Drawn], gaps: Any) -> dict[str, Any]:
    return {
        "panel": panel.key,
        "metric": panel.key,
        "title": panel.title,
        "kind": panel.kind.value,
        "unit": panel.unit.value,
        "range": range_key,
        "step": window.step_s,
        "start": int(window.start.timestamp()),
        "end": int(window.end.timestamp()),
        "series": [line | {"unit": panel.unit.value} for line in lines],
        "gaps": gaps,
    }


def _answer(
    view: View, read: Callable[[Panel, Window], list[Drawn]], gaps: Callable[[Window], Any] | None = None
) -> ResponseReturnValue:
    panel, range_key, window = _panel_and_window(view)
    return jsonify(_payload(panel, range_key, window, read(panel, window), gaps(window) if gaps else []))


def _panels_and_windows(view: View) -> tuple[list[str], dict[tuple[str, Window], list[Panel]]]:
    """The panels asked for (``?panel=`` repeated; none: every panel of the view), in the order
    asked, and grouped by the window each shows: the page's ``?range=``/``?from=&to=``, or each
    panel's default (one clock reading per range, so the panels line up)."""
    every = dashboards().panels(view)
    keys = request.args.getlist("panel") or [p.key for p in every]
    if len(keys) > len(every):
        abort(400, description=f"at most {len(every)} panels")
    groups: dict[tuple[str, Window], list[Panel]] = {}
    windows: dict[str, tuple[str, Window]] = {}
    for key in keys:
        panel = _panel(view, key)
        if panel.default_range not in windows:
            windows[panel.default_range] = _window(panel.default_range)
        groups.setdefault(windows[panel.default_range], []).append(panel)
    return keys, groups


@bp.get("/devices/<int:device_id>/series")
@require(Capability.VIEW_DASHBOARD)
def series(device_id: int) -> ResponseReturnValue:
    """``?panel=<a device panel>&range=…`` → the panel's bucketed lines on this device."""
    with store().session() as s:
        get_device_or_404(s, device_id)
    db = resources().tsdb
    return _answer(
        View.DEVICE,
        lambda panel, window: panel_data(db, device_id, panel, window),
        lambda window: db.gap_spans(device_id, window.start, window.end),
    )


@bp.get("/devices/<int:device_id>/panels")
@require(Capability.VIEW_DASHBOARD)
def panels(device_id: int) -> ResponseReturnValue:
    """``?panel=…&panel=…&range=…`` → ``{"panels": [...]}``, each as ``series`` answers it: a
    device page's charts in one request, their series read together."""
    with store().session() as s:
        get_device_or_404(s, device_id)
    db = resources().tsdb
    keys, groups = _panels_and_windows(View.DEVICE)
    out: dict[str, dict[str, Any]] = {}
    for (range_key, window), group in groups.items():
        gaps = db.gap_spans(device_id, window.start, window.end)
        for panel, lines in zip(group, panels_data(db, device_id, group, window), strict=True):
            out[panel.key] = _payload(panel, range_key, window, lines, gaps)
    return jsonify({"panels": [out[k] for k in keys]})


@bp.get("/snmp/<int:device_id>/series")
@require(Capability.VIEW_DASHBOARD)
def snmp_series(device_id: int) -> ResponseReturnValue:
    """An SNMP device's panel: its gateway's series labelled with the device's target."""
    with store().session() as s:
        device = get_network_device_or_404(s, device_id)
        gateway, target = device.gateway_device_id, device.target_id
    db = resources().tsdb
    fixed = {str(Label.TARGET): target}
    if not target:
        return _answer(View.SNMP, lambda panel, window: [])
    return _answer(View.SNMP, lambda panel, window: panel_data(db, gateway, panel, window, fixed))


@bp.get("/customers/<int:customer_id>/fleet")
@require(Capability.VIEW_DASHBOARD)
def fleet(customer_id: int) -> ResponseReturnValue:
    """A fleet panel: one line per device of the customer (the first FLEET_DEVICES by name)."""
    with store().session() as s:
        cust = get_customer_or_404(s, customer_id)
        rows = s.scalars(
            select(Device).where(Device.customer_id == cust.id).order_by(Device.hostname, Device.id)
        ).all()[:FLEET_DEVICES]
        devices = [(d.id, device_name(d)) for d in rows]
    db = resources().tsdb
    return _answer(View.FLEET, lambda panel, window: fleet_data(db, devices, panel, window))
