"""Alerting on the dashboard: alerts (filter, acknowledge, snooze), rules and maintenance
windows (contacts and their message log: ``contacts_views``).

Everything is scoped to the customers the user may see (system alerts and global rules,
which belong to no customer, to users who see every customer); every change is audited.
Supervisors and administrators edit rules and contacts; global rules are for
administrators; anyone who sees a customer may acknowledge, snooze, schedule maintenance
and test a contact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from collector.alerting import forms
from collector.alerting.domain import Severity, State
from collector.alerting.models import (
    Alert,
    AlertRule,
    AlertTransition,
    MaintenanceWindow,
)
from collector.alerting.rules import RULE_KINDS
from collector.store.models import Customer, Device, Role, Site
from collector.web.auditing import record
from collector.web.identity import CurrentUser, current_user
from collector.web.permissions import visible_customer_ids
from collector.web.resources import store
from collector.web.security import safe_next

bp = Blueprint("alerting", __name__)

EDITORS = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})
LIST_LIMIT = 500


# -- scope helpers ------------------------------------------------------------------------
def scoped(stmt: Select[Any], column: Any, user: CurrentUser) -> Select[Any]:
    visible = visible_customer_ids(user)
    return stmt if visible is None else stmt.where(column.in_(visible))


def may_see(user: CurrentUser, customer_id: int | None) -> bool:
    visible = visible_customer_ids(user)
    if customer_id is None:
        return visible is None
    return visible is None or customer_id in visible


def may_edit(user: CurrentUser, customer_id: int | None) -> bool:
    if customer_id is None:
        return user.role is Role.ADMINISTRATOR
    return user.role in EDITORS and may_see(user, customer_id)


def customers_of(s: Session, user: CurrentUser) -> list[Customer]:
    return list(s.scalars(scoped(select(Customer).order_by(Customer.name), Customer.id, user)))


def _scope_names(s: Session, user: CurrentUser) -> dict[str, Any]:
    customers = customers_of(s, user)
    ids = [c.id for c in customers]
    sites = s.scalars(select(Site).where(Site.customer_id.in_(ids)).order_by(Site.name)).all()
    devices = s.scalars(select(Device).where(Device.customer_id.in_(ids)).order_by(Device.hostname)).all()
    return {"customers": customers, "sites": sites, "devices": devices}


def _check_scope(s: Session, customer_id: int | None, site_id: int | None, device_id: int | None) -> None:
    """A site or device chosen in a form must belong to the chosen customer."""
    if site_id is not None:
        site = s.get(Site, site_id)
        if site is None or site.customer_id != customer_id:
            raise forms.FormError("site_id: not a site of that customer")
    if device_id is not None:
        dev = s.get(Device, device_id)
        if dev is None or dev.customer_id != customer_id:
            raise forms.FormError("device_id: not a device of that customer")


def _alert_or_404(s: Session, alert_id: int, user: CurrentUser) -> Alert:
    alert = s.get(Alert, alert_id)
    if alert is None or not may_see(user, alert.customer_id):
        abort(404)
    return alert


# -- alerts -------------------------------------------------------------------------------
@bp.get("/alerts")
def alerts() -> ResponseReturnValue:
    user = current_user()
    stmt = select(Alert).where(Alert.state != State.INACTIVE.value)
    visible = visible_customer_ids(user)
    if visible is not None:
        stmt = stmt.where(Alert.customer_id.in_(visible))
    f = {k: request.args.get(k, "") for k in ("customer", "severity", "state")}
    if f["customer"].isdigit():
        stmt = stmt.where(Alert.customer_id == int(f["customer"]))
    if f["severity"] in {s.value for s in Severity}:
        stmt = stmt.where(Alert.severity == f["severity"])
    if f["state"] in {s.value for s in State}:
        stmt = stmt.where(Alert.state == f["state"])
    with store().session() as s:
        rows = s.scalars(stmt.order_by(Alert.updated_at.desc()).limit(LIST_LIMIT)).all()
        customers = customers_of(s, user)
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
def acknowledge(alert_id: int) -> ResponseReturnValue:
    now = datetime.now(UTC)

    def apply(alert: Alert) -> dict[str, Any]:
        alert.acked_by, alert.acked_at = current_user().actor, now
        return {}

    return _alert_action(alert_id, "ack", "acknowledged", apply)


@bp.post("/alerts/<int:alert_id>/snooze")
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


# -- rules --------------------------------------------------------------------------------
@bp.get("/alerting/rules")
def rules() -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        stmt = select(AlertRule).order_by(AlertRule.family, AlertRule.id)
        visible = visible_customer_ids(user)
        if visible is not None:
            stmt = stmt.where((AlertRule.customer_id.is_(None)) | (AlertRule.customer_id.in_(visible)))
        rows = s.scalars(stmt).all()
        scope = _scope_names(s, user)
    return render_template(
        "rules_list.html",
        rules=rows,
        kinds=RULE_KINDS,
        severities=[s.value for s in Severity],
        can_edit=user.role in EDITORS,
        is_admin=user.role is Role.ADMINISTRATOR,
        customer_names={c.id: c.name for c in scope["customers"]},
        **scope,
    )


@bp.post("/alerting/rules")
def rule_create() -> ResponseReturnValue:
    user = current_user()
    try:
        data = forms.rule(request.form)
        if not may_edit(user, data.customer_id):
            abort(403)
        with store().session() as s:
            _check_scope(s, data.customer_id, data.site_id, data.device_id)
            row = AlertRule(**{k: getattr(data, k) for k in data.__slots__})
            s.add(row)
            s.flush()
            record(
                s,
                "alert_rule.create",
                f"alert_rule:{row.id}",
                customer_id=row.customer_id,
                name=row.name,
                kind=row.kind,
                family=row.family,
                params=row.params,
            )
    except forms.FormError as exc:
        flash(f"Rule not saved: {exc}", "error")
    else:
        flash(f"Rule “{data.name}” saved.", "info")
    return redirect(url_for("alerting.rules"))


def _rule_or_404(s: Session, rule_id: int, user: CurrentUser) -> AlertRule:
    row = s.get(AlertRule, rule_id)
    if row is None or (row.customer_id is not None and not may_see(user, row.customer_id)):
        abort(404)
    if not may_edit(user, row.customer_id):
        abort(403)
    return row


@bp.route("/alerting/rules/<int:rule_id>", methods=["GET", "POST"])
def rule_edit(rule_id: int) -> ResponseReturnValue:
    """Change a rule's name, parameters, severity and delivery switches (its scope stays)."""
    user = current_user()
    with store().session() as s:
        row = _rule_or_404(s, rule_id, user)
        if request.method == "POST":
            scope = {
                k: "" if v is None else str(v)
                for k, v in (
                    ("customer_id", row.customer_id),
                    ("site_id", row.site_id),
                    ("device_id", row.device_id),
                )
            }
            try:
                data = forms.rule({**request.form, **scope, "kind": row.kind, "family": row.family})
            except forms.FormError as exc:
                flash(f"Rule not saved: {exc}", "error")
                return redirect(url_for("alerting.rule_edit", rule_id=rule_id))
            for key in ("name", "params", "severity", "notify_contacts", "escalate_after_s"):
                setattr(row, key, getattr(data, key))
            row.updated_at = datetime.now(UTC)
            record(
                s,
                "alert_rule.update",
                f"alert_rule:{row.id}",
                customer_id=row.customer_id,
                name=row.name,
                params=row.params,
                severity=row.severity,
            )
            flash(f"Rule “{row.name}” saved.", "info")
            return redirect(url_for("alerting.rules"))
    return render_template(
        "rules_edit.html", rule=row, kind=RULE_KINDS.get(row.kind), severities=[v.value for v in Severity]
    )


@bp.post("/alerting/rules/<int:rule_id>/toggle")
def rule_toggle(rule_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = _rule_or_404(s, rule_id, user)
        row.enabled = not row.enabled
        row.updated_at = datetime.now(UTC)
        record(
            s,
            "alert_rule.enable" if row.enabled else "alert_rule.disable",
            f"alert_rule:{row.id}",
            customer_id=row.customer_id,
        )
    return redirect(url_for("alerting.rules"))


@bp.post("/alerting/rules/<int:rule_id>/delete")
def rule_delete(rule_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = _rule_or_404(s, rule_id, user)
        record(s, "alert_rule.delete", f"alert_rule:{row.id}", customer_id=row.customer_id, name=row.name)
        s.delete(row)
    flash("Rule deleted; its alerts stay in the history.", "info")
    return redirect(url_for("alerting.rules"))


# -- maintenance windows ------------------------------------------------------------------
@bp.get("/alerting/maintenance")
def windows() -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        rows = s.scalars(
            scoped(select(MaintenanceWindow), MaintenanceWindow.customer_id, user).order_by(
                MaintenanceWindow.starts_at.desc()
            )
        ).all()
        scope = _scope_names(s, user)
    return render_template(
        "maintenance_list.html",
        windows=rows,
        customer_names={c.id: c.name for c in scope["customers"]},
        **scope,
    )


@bp.post("/alerting/maintenance")
def window_create() -> ResponseReturnValue:
    user = current_user()
    try:
        data = forms.window(request.form)
        if not may_see(user, data.customer_id):
            abort(404)
        with store().session() as s:
            _check_scope(s, data.customer_id, data.site_id, data.device_id)
            row = MaintenanceWindow(**{k: getattr(data, k) for k in data.__slots__}, created_by=user.actor)
            s.add(row)
            s.flush()
            record(
                s,
                "maintenance.create",
                f"maintenance:{row.id}",
                customer_id=row.customer_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                recurrence=row.recurrence,
                reason=row.reason,
            )
    except forms.FormError as exc:
        flash(f"Window not saved: {exc}", "error")
    else:
        flash("Maintenance window saved.", "info")
    return redirect(url_for("alerting.windows"))


@bp.post("/alerting/maintenance/<int:window_id>/delete")
def window_delete(window_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = s.get(MaintenanceWindow, window_id)
        if row is None or not may_see(user, row.customer_id):
            abort(404)
        record(s, "maintenance.delete", f"maintenance:{row.id}", customer_id=row.customer_id)
        s.delete(row)
    flash("Maintenance window deleted.", "info")
    return redirect(url_for("alerting.windows"))
