"""A customer's Function Log: every state change of its functions and every event its agents
reported, newest first, filterable by range, device, status and text, and exportable as CSV
(audited ``export.function_log``). Above it, the functions not OK now, each with Resolve and
Manage. Reads go through :mod:`collector.tsdb.function_log`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.customers.models import FunctionLatest
from collector.customers.rollup import FUNCTION_WINDOW
from collector.store.models import Customer, Device
from collector.tsdb.functions.queries import Health, health
from collector.web.auditing import record
from collector.web.exports_views import CSV_MIME
from collector.web.manage_views import PRESETS as RANGES
from collector.web.permissions import Capability, get_customer_or_404, require
from collector.web.resources import storage, store
from collector.web.status_chart import LABELS
from collector.web.streaming import csv_chunks, download

bp = Blueprint("function_log", __name__)

STATUSES = ("ok", "warning", "critical", "unknown")
HEADER = ("time_utc", "device", "what", "function_id", "name", "from", "to", "message")


@dataclass(frozen=True, slots=True)
class Entry:
    ts: datetime  # naive UTC
    device_id: int
    what: str  # "change" or the event's kind
    function_id: str
    name: str
    previous: str
    status: str  # a health label, or the event's severity
    message: str
    subject: str = ""


@dataclass(frozen=True, slots=True)
class Filters:
    span: str
    device_id: int | None
    status: str
    text: str


def _filters(devices: Sequence[Device]) -> Filters:
    span = request.args.get("range", "24h")
    raw = request.args.get("device", "")
    device_id = int(raw) if raw.isdigit() and any(d.id == int(raw) for d in devices) else None
    status = request.args.get("status", "")
    return Filters(
        span if span in RANGES else "24h",
        device_id,
        status if status in STATUSES else "",
        request.args.get("q", "").strip().lower()[:200],
    )


def _entries(devices: Sequence[Device], f: Filters) -> list[Entry]:
    db = storage()
    end = datetime.now(UTC)
    start = end - RANGES[f.span]
    ids = [d.id for d in devices if f.device_id is None or d.id == f.device_id]
    out = [
        Entry(
            c.ts,
            c.device_id,
            "change",
            c.function_id,
            c.name,
            LABELS.get(c.previous, "") if c.previous is not None else "",
            LABELS.get(c.status, "unknown"),
            c.message,
            c.subject,
        )
        for c in db.function_changes(ids, start, end)
    ]
    if not f.status:
        out += [
            Entry(e.ts, e.device_id, e.kind, "", e.source, "", e.severity, e.message)
            for e in db.device_events(ids, start, end)
        ]
    if f.status:
        out = [e for e in out if e.status == f.status]
    if f.text:
        out = [e for e in out if f.text in f"{e.function_id} {e.name} {e.message} {e.what}".lower()]
    return sorted(out, key=lambda e: e.ts, reverse=True)


def _customer_devices(customer_id: int) -> tuple[Customer, list[Device]]:
    with store().session() as s:
        customer = get_customer_or_404(s, customer_id)
        devices = list(
            s.scalars(select(Device).where(Device.customer_id == customer.id).order_by(Device.hostname))
        )
    return customer, devices


@dataclass(frozen=True, slots=True)
class Faulty:
    """A function not OK now, as the customer roll-up keeps its newest result."""

    subject: str
    function_id: str
    name: str
    status: Health
    message: str
    since: datetime


def faulty_now(customer_id: int, devices: Sequence[Device]) -> list[tuple[Device, Faulty]]:
    """The customer's functions not OK now, worst first: the roll-up's newest-result rows (one
    indexed read, kept current as results are committed), never a scan of every device's results."""
    by_id = {d.id: d for d in devices}
    with store().session() as s:
        rows = s.scalars(
            select(FunctionLatest).where(
                FunctionLatest.customer_id == customer_id,
                FunctionLatest.status != int(Health.OK),
                FunctionLatest.checked_at >= datetime.now(UTC) - FUNCTION_WINDOW,
            )
        ).all()
        found = [
            (by_id[r.device_id], Faulty(r.subject, r.function_id, r.name or r.function_id, health(r.status),
                                        r.message, r.changed_at))
            for r in rows
            if r.device_id in by_id
        ]  # fmt: skip
    order = {Health.CRITICAL: 0, Health.WARNING: 1, Health.UNKNOWN: 2}
    return sorted(found, key=lambda p: (order.get(p[1].status, 3), p[1].name.lower()))


@bp.get("/customers/<int:customer_id>/function-log")
@require(Capability.VIEW_DASHBOARD)
def function_log(customer_id: int) -> ResponseReturnValue:
    customer, devices = _customer_devices(customer_id)
    f = _filters(devices)
    return render_template(
        "function_log.html",
        customer=customer,
        devices=devices,
        names={d.id: d for d in devices},
        entries=_entries(devices, f),
        faulty=faulty_now(customer.id, devices),
        f=f,
        ranges=RANGES,
        statuses=STATUSES,
    )


@bp.get("/customers/<int:customer_id>/function-log.csv")
@require(Capability.VIEW_DASHBOARD)
def function_log_csv(customer_id: int) -> ResponseReturnValue:
    customer, devices = _customer_devices(customer_id)
    f = _filters(devices)
    names = {d.id: d.hostname or d.agent_id for d in devices}
    with store().session() as s:
        record(s, "export.function_log", f"customer:{customer.id}", customer_id=customer.id, range=f.span)

    def rows() -> Iterator[list[object]]:
        for e in _entries(devices, f):
            yield [
                e.ts.isoformat() + "Z",
                names.get(e.device_id, e.device_id),
                e.what,
                e.function_id,
                e.name,
                e.previous,
                e.status,
                e.message,
            ]

    return download(csv_chunks(HEADER, rows()), f"function-log-{customer.id}-{f.span}.csv", CSV_MIME)
