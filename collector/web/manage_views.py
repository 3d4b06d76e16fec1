"""Manage: what a technician does with a function Resolve did not fix — remove it (a central
function; typed confirmation, ``configure-devices``, audited as ``function.remove`` and pushed
to the agent), or read its history: a chart of its status over any range with every change
marked, the changes listed, and every result exported as CSV or Parquet (audited
``export.function``, streamed like the other exports).

``/customers/<customer>/functions/<function>/manage?device=<id>[&subject=…][&start=…&end=…]``
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyarrow as pa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from collector.functions.central import remove_spec
from collector.tsdb.timestamps import naive_utc
from collector.web.auditing import record, remote_address
from collector.web.customer_functions import CustomerFunction, locate
from collector.web.exports_views import CSV_MIME, PARQUET_MIME, parse_range, time_chunks
from collector.web.functions_views import agent_configs
from collector.web.identity import current_user
from collector.web.permissions import Capability, can, require
from collector.web.resources import storage, store
from collector.web.status_chart import LABELS, build
from collector.web.streaming import csv_chunks, download, parquet_chunks

bp = Blueprint("manage", __name__)

PRESETS = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
CHUNK = timedelta(days=1)
HISTORY_SCHEMA = pa.schema(
    [
        ("ts", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),
        ("message", pa.string()),
        ("duration_s", pa.float64()),
        ("metrics", pa.string()),
    ]
)


def _range() -> tuple[datetime, datetime, str]:
    now = datetime.now(UTC)
    preset = request.args.get("range", "")
    if preset in PRESETS:
        return now - PRESETS[preset], now, preset
    span = parse_range(request.args.get("start") or None, request.args.get("end") or None, now)
    if span is None:
        abort(400, "start and end must be ISO 8601 times, start before end, at most 400 days apart")
    return span[0], span[1], "" if request.args.get("start") else "24h"


@bp.get("/customers/<int:customer_id>/functions/<function_id>/manage")
@require(Capability.VIEW_DASHBOARD)
def manage(customer_id: int, function_id: str) -> ResponseReturnValue:
    start, end, preset = _range()
    db = storage()
    with store().session() as s:
        fn = locate(s, customer_id, function_id)
        changes = db.function_changes(
            [fn.device.id], start, end, function_id=fn.function_id, subject=fn.subject
        )
        before = db.function_status_at(fn.device.id, fn.subject, fn.function_id, start)
        chart = build(
            naive_utc(start),
            naive_utc(end),
            before,
            [(c.ts, c.status) for c in reversed(changes)],
        )
        return render_template(
            "manage.html",
            fn=fn,
            chart=chart,
            changes=changes,
            labels=LABELS,
            start=start,
            end=end,
            preset=preset,
            presets=PRESETS,
            can_remove=can(current_user(), Capability.CONFIGURE_DEVICES),
        )


@bp.post("/customers/<int:customer_id>/functions/<function_id>/remove")
@require(Capability.CONFIGURE_DEVICES)
def remove(customer_id: int, function_id: str) -> ResponseReturnValue:
    """Remove the central function once the user has typed its id to confirm."""
    with store().session() as s:
        fn = locate(s, customer_id, function_id)
        query = fn.query
        if fn.spec is None:
            flash(
                "Not removed: this function comes from the agent's own agent.toml; remove it there.", "error"
            )
            return redirect(
                url_for("manage.manage", customer_id=customer_id, function_id=function_id, **query)
            )
        if request.form.get("confirm", "").strip() != fn.function_id:
            flash(f"Not removed: type the function's id ({fn.function_id}) to confirm.", "error")
            return redirect(
                url_for("manage.manage", customer_id=customer_id, function_id=function_id, **query)
            )
        remove_spec(s, fn.device, fn.spec.id, actor=current_user().actor, address=remote_address())
        device_id, name = fn.device.id, fn.name
    configs = agent_configs()
    pushed = configs is not None and configs.push(device_id)
    where = "sent to the agent" if pushed else "the agent drops it when it next connects"
    flash(f"Function {name} ({function_id}) removed; {where}. Its history is kept.", "info")
    return redirect(url_for("functions.device_functions", device_id=device_id))


def _tables(fn: CustomerFunction, start: datetime, end: datetime) -> Iterator[pa.Table]:
    db = storage()
    for lo, hi in time_chunks(start, end, CHUNK):
        rows = db.function_results(fn.device.id, fn.subject, fn.function_id, start=lo, end=hi)
        yield pa.table(
            [
                pa.array([r.ts for r in rows], pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC")),
                pa.array([LABELS.get(r.status, "unknown") for r in rows], pa.string()),
                pa.array([r.message for r in rows], pa.string()),
                pa.array([r.duration_s for r in rows], pa.float64()),
                pa.array([r.metrics for r in rows], pa.string()),
            ],
            schema=HISTORY_SCHEMA,
        )


def _rows(tables: Iterator[pa.Table]) -> Iterator[list[object]]:
    for table in tables:
        for ts, status, message, duration, metrics in zip(
            *(table[c].to_pylist() for c in HISTORY_SCHEMA.names), strict=True
        ):
            yield [ts.isoformat().replace("+00:00", "Z"), status, message, repr(duration), metrics]


def _export(customer_id: int, function_id: str, fmt: str) -> ResponseReturnValue:
    start, end, _ = _range()
    with store().session() as s:
        fn = locate(s, customer_id, function_id)
        record(
            s,
            "export.function",
            f"device:{fn.device.id}",
            customer_id=fn.customer.id,
            function=fn.function_id,
            format=fmt,
            start=start.isoformat(),
            end=end.isoformat(),
        )
    stem = f"{fn.function_id}-{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}".replace(":", "_").replace("/", "_")
    tables = _tables(fn, start, end)
    if fmt == "parquet":
        return download(parquet_chunks(HISTORY_SCHEMA, tables), f"{stem}.parquet", PARQUET_MIME)
    return download(csv_chunks(HISTORY_SCHEMA.names, _rows(tables)), f"{stem}.csv", CSV_MIME)


@bp.get("/customers/<int:customer_id>/functions/<function_id>/history.csv")
@require(Capability.VIEW_DASHBOARD)
def history_csv(customer_id: int, function_id: str) -> ResponseReturnValue:
    return _export(customer_id, function_id, "csv")


@bp.get("/customers/<int:customer_id>/functions/<function_id>/history.parquet")
@require(Capability.VIEW_DASHBOARD)
def history_parquet(customer_id: int, function_id: str) -> ResponseReturnValue:
    return _export(customer_id, function_id, "parquet")
