""" "In maintenance from now for N hours" from a device page: the patch-night shortcut that
needs no form of dates. It creates an ordinary one-off device window (the alert engine
picks it up like any other), audited as ``maintenance.create``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from collector.alerting.models import MaintenanceWindow
from collector.store.models import Device
from collector.web.auditing import record
from collector.web.identity import current_user
from collector.web.permissions import Capability, get_device_or_404, require
from collector.web.resources import store

bp = Blueprint("maintenance_now", __name__)

HOURS = (1, 2, 4, 8)  # the choices the page offers; anything else is refused
MAX_REASON = 300


@bp.post("/devices/<int:device_id>/maintenance/now")
@require(Capability.HANDLE_ALERTS)
def start(device_id: int) -> ResponseReturnValue:
    """A window on this device from now for ``hours`` (one of :data:`HOURS`)."""
    raw = request.form.get("hours", "")
    if not raw.isdigit() or int(raw) not in HOURS:
        abort(400, f"hours: one of {', '.join(map(str, HOURS))}")
    reason = request.form.get("reason", "").strip()
    with store().session() as s:
        open_window(s, get_device_or_404(s, device_id), int(raw), reason)
    flash(f"In maintenance for {raw} h: alerts are recorded, nobody is notified.", "info")
    return redirect(url_for("dashboard.device", device_id=device_id))


def open_window(s: Session, dev: Device, hours: int, reason: str, **detail: Any) -> MaintenanceWindow:
    """A one-off window on ``dev`` from now for ``hours``, audited as ``maintenance.create``
    (``detail`` adds to the audit row, e.g. ``bulk=True`` from the fleet overview)."""
    now = datetime.now(UTC)
    reason = reason[:MAX_REASON]
    row = MaintenanceWindow(
        customer_id=dev.customer_id,
        device_id=dev.id,
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
        reason=reason,
        created_by=current_user().actor,
    )
    s.add(row)
    s.flush()
    # The detail says what was asked ("from now for N h on this device"); the window
    # row holds the resulting times.
    record(
        s,
        "maintenance.create",
        f"maintenance:{row.id}",
        customer_id=dev.customer_id,
        device_id=dev.id,
        from_now_hours=hours,
        reason=reason,
        **detail,
    )
    return row
