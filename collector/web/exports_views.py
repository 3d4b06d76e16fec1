"""Downloads: a device's stored series (CSV or Parquet), the alert list and the audit log
(CSV). Each streams in constant memory (see :mod:`collector.web.streaming`), reads only the
customers the caller may see, and is audited before the first byte goes out.

The series export reads through :func:`collector.tsdb.points.load`, the same read path
the charts aggregate, one series and one :data:`CHUNK` of time at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyarrow as pa
from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.alerting.domain import State
from collector.alerting.models import Alert
from collector.customers.access import Category
from collector.inventory.versions import VersionError
from collector.store.models import Customer, Device
from collector.tsdb.inventory.queries import SoftwareHit
from collector.web import sensitive
from collector.web.audit_view import audit_query
from collector.web.auditing import record
from collector.web.device_names import device_name
from collector.web.identity import current_user
from collector.web.permissions import Capability, get_device_or_404, require, scope_to_customers
from collector.web.resources import storage, store
from collector.web.streaming import csv_chunks, download, parquet_chunks

bp = Blueprint("exports", __name__)

CHUNK = timedelta(hours=6)  # one Arrow table per series per chunk bounds the memory held
DEFAULT_SPAN = timedelta(hours=24)
MAX_SPAN = timedelta(days=400)
DB_ROWS = 500
MAX_QUERY = 200

SERIES_SCHEMA = pa.schema(
    [
        ("series_id", pa.uint32()),
        ("metric", pa.string()),
        ("labels", pa.string()),
        ("unit", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("value", pa.float64()),
    ]
)
CSV_MIME = "text/csv; charset=utf-8"
PARQUET_MIME = "application/vnd.apache.parquet"


def parse_range(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime] | None:
    """``[start, end)`` from ISO 8601 text (naive means UTC); ``None`` if it makes no sense.

    Missing ends default to the last :data:`DEFAULT_SPAN` up to ``now``.
    """
    try:
        hi = datetime.fromisoformat(end) if end else now
        lo = datetime.fromisoformat(start) if start else hi - DEFAULT_SPAN
    except ValueError:
        return None
    lo, hi = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (lo, hi))
    if not lo < hi or hi - lo > MAX_SPAN:
        return None
    return lo, hi


def time_chunks(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` cut into consecutive half-open pieces of at most ``size``."""
    out: list[tuple[datetime, datetime]] = []
    lo = start
    while lo < end:
        hi = min(lo + size, end)
        out.append((lo, hi))
        lo = hi
    return out


def _series_tables(device_id: int, start: datetime, end: datetime) -> Iterator[pa.Table]:
    """The device's points in ``[start, end)``: per series, per chunk, ordered by time."""
    db = storage()
    for info in db.device_series(device_id):
        for lo, hi in time_chunks(start, end, CHUNK):
            points = db.series_range([info.id], lo, hi).sort_by("ts")
            n = points.num_rows
            yield pa.table(
                [
                    points["series_id"],
                    pa.array([info.name] * n, pa.string()),
                    pa.array([json.dumps(info.labels, sort_keys=True)] * n, pa.string()),
                    pa.array([info.unit] * n, pa.string()),
                    points["ts"].cast(pa.timestamp("us", tz="UTC")),
                    points["value"],
                ],
                schema=SERIES_SCHEMA,
            )


def _series_rows(tables: Iterator[pa.Table]) -> Iterator[list[object]]:
    for table in tables:
        columns = [table[name].to_pylist() for name in SERIES_SCHEMA.names]
        for sid, metric, labels, unit, ts, value in zip(*columns, strict=True):
            yield [sid, metric, labels, unit, ts.isoformat().replace("+00:00", "Z"), repr(value)]


@bp.get("/devices/<int:device_id>/export.csv")
@require(Capability.VIEW_DASHBOARD)
def device_series_csv(device_id: int) -> ResponseReturnValue:
    """Every stored point of the device over ``start``..``end`` (default: the last 24 h)."""
    return _device_series(device_id, "csv")


@bp.get("/devices/<int:device_id>/export.parquet")
@require(Capability.VIEW_DASHBOARD)
def device_series_parquet(device_id: int) -> ResponseReturnValue:
    """As :func:`device_series_csv`, as one Parquet file (a row group per series and chunk)."""
    return _device_series(device_id, "parquet")


def _device_series(device_id: int, fmt: str) -> ResponseReturnValue:
    span = parse_range(request.args.get("start"), request.args.get("end"), datetime.now(UTC))
    if span is None:
        abort(400, "start and end must be ISO 8601 times, start before end, at most 400 days apart")
    start, end = span
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        name = dev.hostname or dev.agent_id
        record(
            s,
            "export.series",
            f"device:{dev.id}",
            customer_id=dev.customer_id,
            format=fmt,
            start=start.isoformat(),
            end=end.isoformat(),
        )
    stem = f"{name}-{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}"
    tables = _series_tables(device_id, start, end)
    if fmt == "parquet":
        return download(parquet_chunks(SERIES_SCHEMA, tables), f"{stem}.parquet", PARQUET_MIME)
    return download(csv_chunks(SERIES_SCHEMA.names, _series_rows(tables)), f"{stem}.csv", CSV_MIME)


def _utc(t: datetime | None) -> str:
    return t.isoformat() if t else ""


@bp.get("/alerts/export.csv")
@require(Capability.VIEW_DASHBOARD)
def alerts_csv() -> ResponseReturnValue:
    """The alerts the caller may see (not the inactive ones), newest change first."""
    alerts = scope_to_customers(select(Alert).where(Alert.state != State.INACTIVE.value), Alert.customer_id)
    customer = request.args.get("customer", "")
    if customer.isdigit():
        alerts = alerts.where(Alert.customer_id == int(customer))
    stmt = alerts.add_columns(Device.hostname).outerjoin(Device, Device.id == Alert.device_id)
    with store().session() as s:
        record(s, "export.alerts", "alerts", customer_id=int(customer) if customer.isdigit() else None)

    def rows() -> Iterator[list[object]]:
        with store().session() as s:
            for a, host in s.execute(stmt.order_by(Alert.updated_at.desc())).yield_per(DB_ROWS):
                yield [
                    a.id, a.state, a.severity, a.kind, a.summary, a.customer_id, a.device_id,
                    host or "", a.subject, _utc(a.firing_since), _utc(a.resolved_at), a.acked_by or "",
                ]  # fmt: skip

    header = [
        "id", "state", "severity", "kind", "summary", "customer_id", "device_id",
        "device", "subject", "firing_since", "resolved_at", "acked_by",
    ]  # fmt: skip
    return download(csv_chunks(header, rows()), "alerts.csv", CSV_MIME)


@bp.get("/audit/export.csv")
@require(Capability.VIEW_AUDIT)
def audit_csv() -> ResponseReturnValue:
    """The audit log as the caller may read it, with the page's action and actor filters."""
    action = request.args.get("action", "").strip()[:100]
    actor = request.args.get("actor", "").strip()[:100]
    stmt = audit_query(current_user(), action, actor)
    with store().session() as s:
        record(s, "export.audit", "audit", action_filter=action, actor_filter=actor)

    def rows() -> Iterator[list[object]]:
        with store().session() as s:
            for e in s.scalars(stmt).yield_per(DB_ROWS):
                yield [e.id, _utc(e.at), e.actor, e.action, e.target, e.customer_id, e.address, e.detail]

    header = ["id", "at", "actor", "action", "target", "customer_id", "address", "detail"]
    return download(csv_chunks(header, rows()), "audit.csv", CSV_MIME)


def _package_row(h: SoftwareHit) -> list[object]:
    return [h.subject, h.name, h.version, h.arch, h.source, h.key]


PACKAGE_HEADER = ["subject", "name", "version", "arch", "source", "key"]


@bp.get("/devices/<int:device_id>/inventory/export.csv")
@require(Capability.VIEW_DASHBOARD)
def inventory_csv(device_id: int) -> ResponseReturnValue:
    """The device's packages, with the inventory page's ``q`` and ``subject`` filters."""
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    subject = request.args.get("subject", "").strip()[:MAX_QUERY]
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        if not sensitive.shows(dev.customer_id, Category.SOFTWARE_INVENTORY):
            abort(404)
        record(s, "export.inventory", f"device:{dev.id}", customer_id=dev.customer_id, query=query)
    hits = storage().software(device_id, query, subject=subject)
    rows = (_package_row(h) for h in hits)
    return download(
        csv_chunks(PACKAGE_HEADER, rows), f"{dev.hostname or dev.agent_id}-software.csv", CSV_MIME
    )


@bp.get("/software/export.csv")
@require(Capability.VIEW_DASHBOARD)
def software_csv() -> ResponseReturnValue:
    """The fleet software search (``name``, optional ``below``) over the visible devices."""
    name = request.args.get("name", "").strip()[:MAX_QUERY]
    below = request.args.get("below", "").strip()[:MAX_QUERY]
    if not name:
        abort(400, "name is required")
    if sensitive.blocked(Category.SOFTWARE_INVENTORY):
        abort(404)
    with store().session() as s:
        found = {
            d.id: (c.name, device_name(d))
            for d, c in s.execute(
                scope_to_customers(select(Device).where(Device.retired_at.is_(None)), Device.customer_id)
                .add_columns(Customer)
                .join(Customer, Customer.id == Device.customer_id)
            )
        }
        record(s, "export.software", "software", name=name, below=below)
    try:
        hits = storage().software_search(found.keys(), name, below or None)
    except (VersionError, ValueError) as exc:
        abort(400, str(exc))
    rows = ([*found[h.device_id], h.device_id, *_package_row(h)] for h in hits)
    header = ["customer", "device", "device_id", *PACKAGE_HEADER]
    return download(csv_chunks(header, rows), "software.csv", CSV_MIME)
