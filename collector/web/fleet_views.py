"""The fleet overview (the technicians' home page): every customer they may see, worst first,
with its rolled-up service status, open alerts and tickets and SLA risks; and the device list
across customers with filter, sort, chosen columns and bulk actions (acknowledge the devices'
open alerts, maintenance from now). Reads only the roll-up state (``collector.customers``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.alerting.models import Alert
from collector.alerting.records import AlertNotFound
from collector.alerting.state import ActionRefused
from collector.customers.access import Category
from collector.customers.models import CustomerRollup
from collector.customers.rollup import counts_of_row
from collector.customers.status import Counts, worst_first_key
from collector.store.models import Customer, Device
from collector.web import fleet_devices
from collector.web.alerting_views import alert_engine, engine_actor
from collector.web.identity import current_user
from collector.web.maintenance_now import HOURS, open_window
from collector.web.permissions import Capability, can, may_see, require, visible_customers
from collector.web.resources import store
from collector.web.security import safe_next

bp = Blueprint("fleet", __name__)

MAX_BULK = 500


@dataclass(frozen=True, slots=True)
class CustomerRow:
    customer: Customer
    status: str | None  # None: not rolled up yet
    reason: str
    counts: Counts


def _customer_rows(customers: list[Customer], rollups: dict[int, CustomerRollup]) -> list[CustomerRow]:
    rows = []
    for c in customers:
        r = rollups.get(c.id)
        rows.append(
            CustomerRow(
                c, r.status if r else None, r.reason if r else "", counts_of_row(r) if r else Counts()
            )
        )
    # not rolled up yet sorts with OK: nothing known against it
    return sorted(rows, key=lambda row: worst_first_key(row.status or "ok", row.counts, row.customer.name))


def render_fleet() -> ResponseReturnValue:
    """The page itself (served at ``dashboard.index``, the endpoint every page links home to)."""
    user = current_user()
    allowed = list(fleet_devices.COLUMNS)
    with store().session() as s:
        customers = visible_customers(s, user)
        ids = [c.id for c in customers]
        rollups = {
            r.customer_id: r
            for r in s.scalars(select(CustomerRollup).where(CustomerRollup.customer_id.in_(ids)))
        }
        rows = _customer_rows(customers, rollups)
        blocked_address = Category.REMOTE_ACCESS in user.blocked_categories
        if blocked_address:
            allowed = [c for c in allowed if c != "address"]
        choices = fleet_devices.parse(request.args, request.args.getlist("col"), allowed)
        devices, total = fleet_devices.query(
            s, user, choices, datetime.now(UTC), search_addresses=not blocked_address
        )
        return render_template(
            "fleet.html",
            customers=rows,
            devices=devices,
            total=total,
            retired=fleet_devices.retired_count(s, user),
            choices=choices,
            columns={k: v for k, v in fleet_devices.COLUMNS.items() if k in allowed},
            states=fleet_devices.STATES,
            sorts=fleet_devices.SORTS,
            page_size=fleet_devices.PAGE,
            maintenance_hours=HOURS,
            can_handle_alerts=can(user, Capability.HANDLE_ALERTS),
            can_configure=can(user, Capability.CONFIGURE_DEVICES),
        )


def _chosen_devices() -> list[int]:
    return [int(v) for v in request.form.getlist("device_id") if v.isdigit()][:MAX_BULK]


@bp.post("/fleet/bulk")
@require(Capability.HANDLE_ALERTS)
def bulk() -> ResponseReturnValue:
    """Apply one action to every ticked device; devices the user may not see are skipped."""
    action = request.form.get("action", "")
    back = safe_next(request.form.get("next")) or url_for("dashboard.index")
    ids = _chosen_devices()
    if not ids:
        flash("Tick at least one device first.", "error")
        return redirect(back)
    if action == "acknowledge":
        _acknowledge(ids)
    elif action == "maintenance":
        raw = request.form.get("hours", "")
        if not raw.isdigit() or int(raw) not in HOURS:
            flash(f"Maintenance: choose how long — {', '.join(map(str, HOURS))} hours.", "error")
            return redirect(back)
        _maintenance(ids, int(raw), request.form.get("reason", "").strip())
    else:
        flash("Choose an action: acknowledge alerts or maintenance.", "error")
    return redirect(back)


def _acknowledge(device_ids: list[int]) -> None:
    user = current_user()
    with store().session() as s:
        devices = [
            d
            for d in s.scalars(select(Device).where(Device.id.in_(device_ids)))
            if may_see(user, d.customer_id)
        ]
        alert_ids = list(
            s.scalars(
                select(Alert.id).where(
                    Alert.device_id.in_([d.id for d in devices]),
                    Alert.state.in_(("firing", "pending")),
                    Alert.acked_at.is_(None),
                )
            )
        )
    engine, who = alert_engine(), engine_actor()
    acked = skipped = 0
    for alert_id in alert_ids:
        try:
            acked += engine.acknowledge(alert_id, who).changed  # the engine audits each
        except (AlertNotFound, ActionRefused):
            skipped += 1
    flash(
        f"{acked} alert(s) acknowledged on {len(devices)} device(s)"
        + (f", {skipped} could not be" if skipped else "")
        + ".",
        "info",
    )


def _maintenance(device_ids: list[int], hours: int, reason: str) -> None:
    user = current_user()
    with store().session() as s:
        devices = [
            d
            for d in s.scalars(select(Device).where(Device.id.in_(device_ids)))
            if may_see(user, d.customer_id)
        ]
        for dev in devices:
            open_window(s, dev, hours, reason, bulk=True)  # audited as maintenance.create
    flash(
        f"{len(devices)} device(s) in maintenance for {hours} h: alerts are recorded, nobody is notified.",
        "info",
    )
