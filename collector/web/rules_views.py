"""Alert rules and maintenance windows on the dashboard: list, create, edit, enable or
disable, delete - scoped, audited. Customer rules need ``edit-alerting``, global rules
(no customer: they apply to all) ``edit-global-rules``, maintenance windows
``handle-alerts`` on a customer one sees.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import forms
from collector.alerting.domain import Severity
from collector.alerting.models import AlertRule, MaintenanceWindow
from collector.alerting.rules import RULE_KINDS
from collector.web.auditing import record
from collector.web.forms import add_row
from collector.web.identity import CurrentUser, current_user
from collector.web.permissions import (
    Capability,
    OutOfScope,
    can,
    check_in_customer,
    get_owned_or_404,
    may_edit_alerting,
    may_see,
    require,
    scope_to_customers,
    visible_scope,
)
from collector.web.resources import store

bp = Blueprint("rules", __name__)


# -- rules --------------------------------------------------------------------------------
@bp.get("/alerting/rules")
@require(Capability.VIEW_DASHBOARD)
def rules() -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        stmt = select(AlertRule).order_by(AlertRule.family, AlertRule.id)
        # Global rules apply to every customer's devices, so everyone may read them.
        rows = s.scalars(scope_to_customers(stmt, AlertRule.customer_id, user, with_global=True)).all()
        scope = visible_scope(s, user)
    return render_template(
        "rules_list.html",
        rules=rows,
        kinds=RULE_KINDS,
        severities=[s.value for s in Severity],
        can_edit=can(user, Capability.EDIT_ALERTING),
        can_edit_global=can(user, Capability.EDIT_GLOBAL_RULES),
        **scope,
    )


@bp.post("/alerting/rules")
@require(Capability.EDIT_ALERTING)
def rule_create() -> ResponseReturnValue:
    user = current_user()
    try:
        data = forms.rule(request.form)
        if not may_edit_alerting(user, data.customer_id):
            abort(403)
        with store().session() as s:
            check_in_customer(s, data.customer_id, data.site_id, data.device_id)
            row = add_row(s, AlertRule, data)
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
    except (forms.FormError, OutOfScope) as exc:
        flash(f"Rule not saved: {exc}", "error")
    else:
        flash(f"Rule “{data.name}” saved.", "info")
    return redirect(url_for("rules.rules"))


def _rule_or_404(s: Session, rule_id: int, user: CurrentUser) -> AlertRule:
    row = s.get(AlertRule, rule_id)
    if row is None or (row.customer_id is not None and not may_see(user, row.customer_id)):
        abort(404)
    if not may_edit_alerting(user, row.customer_id):
        abort(403)
    return row


@bp.route("/alerting/rules/<int:rule_id>", methods=["GET", "POST"])
@require(Capability.EDIT_ALERTING)
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
                return redirect(url_for("rules.rule_edit", rule_id=rule_id))
            for key in (
                "name",
                "params",
                "severity",
                "notify_contacts",
                "escalate_after_s",
                "ticket_priority",
            ):
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
            return redirect(url_for("rules.rules"))
    return render_template(
        "rules_edit.html", rule=row, kind=RULE_KINDS.get(row.kind), severities=[v.value for v in Severity]
    )


@bp.post("/alerting/rules/<int:rule_id>/toggle")
@require(Capability.EDIT_ALERTING)
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
    return redirect(url_for("rules.rules"))


@bp.post("/alerting/rules/<int:rule_id>/delete")
@require(Capability.EDIT_ALERTING)
def rule_delete(rule_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = _rule_or_404(s, rule_id, user)
        record(s, "alert_rule.delete", f"alert_rule:{row.id}", customer_id=row.customer_id, name=row.name)
        s.delete(row)
    flash("Rule deleted; its alerts stay in the history.", "info")
    return redirect(url_for("rules.rules"))


# -- maintenance windows ------------------------------------------------------------------
@bp.get("/alerting/maintenance")
@require(Capability.VIEW_DASHBOARD)
def windows() -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        rows = s.scalars(
            scope_to_customers(select(MaintenanceWindow), MaintenanceWindow.customer_id, user).order_by(
                MaintenanceWindow.starts_at.desc()
            )
        ).all()
        scope = visible_scope(s, user)
    return render_template(
        "maintenance_list.html",
        windows=rows,
        **scope,
    )


@bp.post("/alerting/maintenance")
@require(Capability.HANDLE_ALERTS)
def window_create() -> ResponseReturnValue:
    user = current_user()
    try:
        data = forms.window(request.form)
        if not may_see(user, data.customer_id):
            abort(404)
        with store().session() as s:
            check_in_customer(s, data.customer_id, data.site_id, data.device_id)
            row = add_row(s, MaintenanceWindow, data, created_by=user.actor)
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
    except (forms.FormError, OutOfScope) as exc:
        flash(f"Window not saved: {exc}", "error")
    else:
        flash("Maintenance window saved.", "info")
    return redirect(url_for("rules.windows"))


@bp.post("/alerting/maintenance/<int:window_id>/delete")
@require(Capability.HANDLE_ALERTS)
def window_delete(window_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = get_owned_or_404(s, MaintenanceWindow, window_id, user)
        record(s, "maintenance.delete", f"maintenance:{row.id}", customer_id=row.customer_id)
        s.delete(row)
    flash("Maintenance window deleted.", "info")
    return redirect(url_for("rules.windows"))
