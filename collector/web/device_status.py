"""What a technician needs first on a device page: the device's open alerts and the
maintenance windows that cover it right now, and those starting within a week, read from
the relational store.

Whether a window covers the device, and which occurrence is current, is decided by the
alert engine's own pure rules (:mod:`collector.alerting.maintenance`), so the page says
"in maintenance" exactly when alerts are being held back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import maintenance, window_form
from collector.alerting.directory import window_of
from collector.alerting.domain import State
from collector.alerting.models import Alert, MaintenanceWindow
from collector.store.models import Device

OPEN_STATES = (State.PENDING.value, State.FIRING.value)
MAX_OPEN_ALERTS = 50
UPCOMING = timedelta(days=7)


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


def _covering(s: Session, device: Device) -> list[tuple[MaintenanceWindow, maintenance.Window]]:
    """The windows of the device's customer that cover it: customer-, site- or device-wide,
    or one of its functions (which still says maintenance)."""
    rows = s.scalars(select(MaintenanceWindow).where(MaintenanceWindow.customer_id == device.customer_id))
    out = []
    for row in rows:
        w = window_of(row)
        if maintenance.covers(
            w, maintenance.Target(device.customer_id, device.site_id, device.id, w.function_id)
        ):
            out.append((row, w))
    return out


def _now_item(row: MaintenanceWindow, span: tuple[float, float]) -> WindowNow:
    starts, ends = (datetime.fromtimestamp(x, UTC) for x in span)
    return WindowNow(row, starts, ends, window_form.describe(row))


def active_maintenance(s: Session, device: Device, now: datetime | None = None) -> list[WindowNow]:
    """The windows covering the device with an occurrence running at ``now``, ending first."""
    at = (now or datetime.now(UTC)).timestamp()
    found = [
        _now_item(row, span) for row, w in _covering(s, device) if (span := maintenance.occurrence(w, at))
    ]
    return sorted(found, key=lambda x: x.ends)


def upcoming_maintenance(
    s: Session, device: Device, now: datetime | None = None, within: timedelta = UPCOMING
) -> list[WindowNow]:
    """The next occurrence of each window covering the device that starts after ``now`` and
    within ``within``, soonest first (a patch night is seen coming)."""
    at = (now or datetime.now(UTC)).timestamp()
    found: list[WindowNow] = []
    for row, w in _covering(s, device):
        nxt = maintenance.next_start(w, at)
        span = (
            maintenance.occurrence(w, nxt) if nxt is not None and nxt - at <= within.total_seconds() else None
        )
        if span is not None:
            found.append(_now_item(row, span))
    return sorted(found, key=lambda x: x.starts)
