"""How the engine's values map to rows: an alert's lifecycle read from and written to its
row, a transition row, a device as alerting sees it. Every function works in the caller's
session (the engine's transaction) and never commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.alerting.domain import Severity, State
from collector.alerting.models import Alert, AlertTransition
from collector.alerting.records import AlertRec, DeviceInfo, dt, ts
from collector.alerting.state import Lifecycle, Step
from collector.store.device_label import label, shared_names, shown_name
from collector.store.models import Customer, Device, Site

SYSTEM = "system"


def lifecycle_of(row: Alert) -> Lifecycle:
    return Lifecycle(
        state=State(row.state),
        severity=Severity(row.severity),
        active_since=ts(row.active_since),
        firing_since=ts(row.firing_since),
        resolved_at=ts(row.resolved_at),
        acked=row.acked_at is not None,
        snoozed_until=ts(row.snoozed_until),
        escalation_tier=row.escalation_tier,
    )


def new_row(rec: AlertRec) -> Alert:
    """The row of an alert identity seen for the first time."""
    return Alert(
        fingerprint=rec.fingerprint,
        kind=rec.rule.kind,
        customer_id=rec.customer_id,
        site_id=rec.device.site_id if rec.device else None,
        device_id=rec.device.id if rec.device else None,
        subject=rec.subject[:300],
    )


def write_life(row: Alert, life: Lifecycle, now: float, actor: str) -> None:
    """Store ``life`` in ``row``; an acknowledgement keeps who made it and when."""
    row.state = life.state.value
    row.severity = life.severity.value
    row.active_since = dt(life.active_since)
    row.firing_since = dt(life.firing_since)
    row.resolved_at = dt(life.resolved_at)
    row.escalation_tier = life.escalation_tier
    row.snoozed_until = dt(life.snoozed_until)
    if not life.acked:
        row.acked_by, row.acked_at = "", None
    elif row.acked_at is None:
        row.acked_by, row.acked_at = actor[:100], dt(now)
    row.updated_at = dt(now) or row.updated_at


def add_transition(
    s: Session,
    alert_id: int,
    st: Step,
    *,
    now: float,
    source_at: float | None,
    suppressed: str,
    actor: str = SYSTEM,
) -> AlertTransition:
    tr = AlertTransition(
        alert_id=alert_id,
        at=dt(now),
        from_state=st.from_state.value,
        to_state=st.to_state.value,
        severity=st.severity.value,
        reason=st.reason[:2000],
        actor=actor[:100],
        source_at=dt(source_at),
        suppressed=suppressed,
    )
    s.add(tr)
    s.flush()
    return tr


def last_transitions(s: Session, alert_ids: list[int]) -> dict[int, int]:
    """Each alert's latest transition id (the one a catch-up message refers to)."""
    rows = s.execute(
        select(AlertTransition.alert_id, func.max(AlertTransition.id))
        .where(AlertTransition.alert_id.in_(alert_ids))
        .group_by(AlertTransition.alert_id)
    ).all()
    return {int(aid): int(tid) for aid, tid in rows}


def device_info(s: Session, device_id: int) -> DeviceInfo | None:
    row = s.execute(
        select(Device, Customer.name)
        .join(Customer, Customer.id == Device.customer_id)
        .where(Device.id == device_id)
    ).first()
    if row is None:
        return None
    d, customer = row
    site = s.get(Site, d.site_id) if d.site_id is not None else None
    # named as the dashboard names it: among the customer's devices, whose messages these are
    shared = shared_names(s, select(shown_name()).where(Device.customer_id == d.customer_id))
    return DeviceInfo(
        d.id,
        d.customer_id,
        d.site_id,
        label(d.hostname or "", d.agent_id, shared, d.alias or ""),
        customer,
        site.name if site else "",
        retired=d.retired_at is not None,
    )
