"""Alerts on the dashboard: the list (filter by customer, severity, state), one alert with
its transitions, acknowledge and snooze (rules and windows: ``rules_views``; contacts and
their message log: ``contacts_views``).

Everything is scoped to the customers the user may see (system alerts and global rules,
which belong to no customer, to users who see every customer); every change is audited.
Who may do what is a capability (``collector.web.permissions``): reading needs
``view-dashboard``; acknowledging, snoozing, maintenance and testing a contact
``handle-alerts``; editing rules and contacts ``edit-alerting``; global rules
``edit-global-rules``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import forms
from collector.alerting.domain import Severity, State
from collector.alerting.models import (
    Alert,
    AlertTransition,
)
from collector.store.models import Device
from collector.web.auditing import record
from collector.web.identity import CurrentUser, current_user
from collector.web.permissions import (
    Capability,
    get_owned_or_404,
    require,
    scope_to_customers,
    visible_customers,
)
from collector.web.resources import store
from collector.web.security import safe_next

bp = Blueprint("alerting", __name__)

LIST_LIMIT = 500


def _alert_or_404(s: Session, alert_id: int, user: CurrentUser) -> Alert:
    return get_owned_or_404(s, Alert, alert_id, user)


# -- alerts -------------------------------------------------------------------------------
@bp.get("/alerts")
@require(Capability.VIEW_DASHBOARD)
def alerts() -> ResponseReturnValue:
    user = current_user()
    stmt = select(Alert).where(Alert.state != State.INACTIVE.value)
    stmt = scope_to_customers(stmt, Alert.customer_id, user)
    f = {k: request.args.get(k, "") for k in ("customer", "severity", "state")}
    if f["customer"].isdigit():
        stmt = stmt.where(Alert.customer_id == int(f["customer"]))
    if f["severity"] in {s.value for s in Severity}:
        stmt = stmt.where(Alert.severity == f["severity"])
    if f["state"] in {s.value for s in State}:
        stmt = stmt.where(Alert.state == f["state"])
    with store().session() as s:
        rows = s.scalars(stmt.order_by(Alert.updated_at.desc()).limit(LIST_LIMIT)).all()
        customers = visible_customers(s, user)
        names = {
            d.id: d.hostname or d.agent_id
            for d in s.scalars(select(Device).where(Device.id.in_({a.device_id for a in rows})))
        }
    return render_template(
        "alerts_list.html",
        alerts=rows,
        customers=customers,
        names=names,
        f=f,
        severities=[s.value for s in Severity],
        states=[s.value for s in State if s is not State.INACTIVE],
        customer_names={c.id: c.name for c in customers},
    )


@bp.get("/alerts/<int:alert_id>")
@require(Capability.VIEW_DASHBOARD)
def alert_detail(alert_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        alert = _alert_or_404(s, alert_id, user)
        transitions = s.scalars(
            select(AlertTransition)
            .where(AlertTransition.alert_id == alert.id)
            .order_by(AlertTransition.id.desc())
            .limit(200)
        ).all()
        device = s.get(Device, alert.device_id) if alert.device_id is not None else None
    return render_template("alerts_detail.html", alert=alert, transitions=transitions, device=device)


def _alert_action(alert_id: int, action: str, reason: str, apply: Any) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        alert = _alert_or_404(s, alert_id, user)
        if alert.state not in (State.PENDING.value, State.FIRING.value):
            flash("Only a pending or firing alert can be acknowledged or snoozed.", "error")
            return redirect(url_for("alerting.alert_detail", alert_id=alert_id))
        detail = apply(alert)
        s.add(
            AlertTransition(
                alert_id=alert.id,
                from_state=alert.state,
                to_state=alert.state,
                severity=alert.severity,
                reason=reason,
                actor=user.actor,
            )
        )
        record(s, f"alert.{action}", f"alert:{alert.id}", customer_id=alert.customer_id, **detail)
    flash(f"Alert {alert_id}: {reason}.", "info")
    return redirect(
        safe_next(request.form.get("next")) or url_for("alerting.alert_detail", alert_id=alert_id)
    )


@bp.post("/alerts/<int:alert_id>/ack")
@require(Capability.HANDLE_ALERTS)
def acknowledge(alert_id: int) -> ResponseReturnValue:
    now = datetime.now(UTC)

    def apply(alert: Alert) -> dict[str, Any]:
        alert.acked_by, alert.acked_at = current_user().actor, now
        return {}

    return _alert_action(alert_id, "ack", "acknowledged", apply)


@bp.post("/alerts/<int:alert_id>/snooze")
@require(Capability.HANDLE_ALERTS)
def snooze(alert_id: int) -> ResponseReturnValue:
    try:
        minutes = forms.snooze_minutes(request.form)
    except forms.FormError as exc:
        flash(f"Not snoozed: {exc}", "error")
        return redirect(url_for("alerting.alert_detail", alert_id=alert_id))
    until = datetime.now(UTC) + timedelta(minutes=minutes)

    def apply(alert: Alert) -> dict[str, Any]:
        alert.snoozed_until = until
        return {"until": until.isoformat(timespec="seconds")}

    return _alert_action(alert_id, "snooze", f"snoozed for {minutes:g} min", apply)
