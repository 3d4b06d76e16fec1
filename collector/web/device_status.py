"""What a technician needs first on a device page: the device's open alerts and the
maintenance windows that cover it right now (or next), read from the relational store.

Whether a window covers the device, and which occurrence is current, is decided by the
alert engine's own pure rules (:mod:`collector.alerting.maintenance`), so the page says
"in maintenance" exactly when alerts are being held back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import maintenance, window_form
from collector.alerting.directory import window_of
from collector.alerting.domain import State
from collector.alerting.models import Alert, MaintenanceWindow
from collector.store.models import Device

OPEN_STATES = (State.PENDING.value, State.FIRING.value)
MAX_OPEN_ALERTS = 50


@dataclass(frozen=True, slots=True)
class WindowNow:
    """A maintenance window covering the device and its occurrence containing ``now``."""

    window: MaintenanceWindow
    starts: datetime
    ends: datetime
    repeats: str = ""  # "no", "daily", "2nd Tuesday monthly (Europe/Berlin)", ...


def open_alerts(s: Session, device_id: int) -> list[Alert]:
    """The device's pending and firing alerts, firing first, newest first."""
    stmt = (
        select(Alert)
        .where(Alert.device_id == device_id, Alert.state.in_(OPEN_STATES))
        .order_by(Alert.state, Alert.updated_at.desc())  # "firing" sorts before "pending"
        .limit(MAX_OPEN_ALERTS)
    )
    return list(s.scalars(stmt))


def active_maintenance(s: Session, device: Device, now: datetime | None = None) -> list[WindowNow]:
    """The windows of the device's customer that cover it (customer-, site- or device-wide,
    or one of its functions) and have an occurrence running at ``now``."""
    at = (now or datetime.now(UTC)).timestamp()
    target = maintenance.Target(device.customer_id, device.site_id, device.id)
    found: list[WindowNow] = []
    rows = s.scalars(select(MaintenanceWindow).where(MaintenanceWindow.customer_id == device.customer_id))
    for row in rows:
        w = window_of(row)
        # A function window covers one function of this device: it still says maintenance.
        scoped = maintenance.Target(target.customer_id, target.site_id, target.device_id, w.function_id)
        span = maintenance.occurrence(w, at) if maintenance.covers(w, scoped) else None
        if span is not None:
            starts, ends = (datetime.fromtimestamp(x, UTC) for x in span)
            found.append(WindowNow(row, starts, ends, window_form.describe(row)))
    return sorted(found, key=lambda x: x.ends)
