"""Alert rules on the dashboard: list, create, edit, enable or disable, delete - scoped,
audited. Customer rules need ``edit-alerting``, global rules (no customer: they apply to
all) ``edit-global-rules``. Maintenance windows: :mod:`collector.web.maintenance_views`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import forms, kind_fields, rule_fields
from collector.alerting.domain import Severity
from collector.alerting.models import AlertRule
from collector.alerting.rules import RULE_KINDS
from collector.store.models import Customer, Device, Site
from collector.web import metric_picker, rule_overlap
from collector.web.auditing import record
from collector.web.device_names import device_name, names_of
from collector.web.forms import add_row
from collector.web.identity import CurrentUser, current_user
from collector.web.permissions import (
    Capability,
    OutOfScope,
    can,
    check_in_customer,
    may_edit_alerting,
    may_see,
    require,
    scope_to_customers,
    visible_customer_ids,
    visible_scope,
)
from collector.web.resources import storage, store

bp = Blueprint("rules", __name__)


# -- rules --------------------------------------------------------------------------------
def _visible_devices(scope: dict[str, Any], user: CurrentUser) -> list[int] | None:
    """The devices whose series the picker may show (None: every device)."""
    return None if visible_customer_ids(user) is None else [d.id for d in scope["devices"]]


def _list_page(form: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    """The rules and the new-rule form; ``form``: what was typed into a refused form."""
    user = current_user()
    with store().session() as s:
        stmt = select(AlertRule).order_by(AlertRule.family, AlertRule.id)
        # Global rules apply to every customer's devices, so everyone may read them.
        rows = s.scalars(scope_to_customers(stmt, AlertRule.customer_id, user, with_global=True)).all()
        scope = visible_scope(s, user)
        in_force = rule_overlap.in_force(rule_overlap.rule_defs(s), scope)
    counts = storage().series_held(_visible_devices(scope, user))
    page = render_template(
        "rules_list.html",
        rules=rows,
        kinds=RULE_KINDS,
        severities=[s.value for s in Severity],
        can_edit=can(user, Capability.EDIT_ALERTING),
        can_edit_global=can(user, Capability.EDIT_GLOBAL_RULES),
        site_names={st.id: st.name for st in scope["sites"]},
        device_names=names_of(scope["devices"]),
        metrics=metric_picker.picker(counts),
        ticket_choices=forms.TICKET_LABELS,
        in_force=in_force,
        summaries={r.id: _summary(r) for r in rows},
        standard_traps=kind_fields.STANDARD_TRAP_LINES,
        form=form or kind_fields.blank_form(),
        **scope,
    )
    return page, status


def _picker(user: CurrentUser) -> list[metric_picker.PickerMetric]:
    with store().session() as s:
        scope = visible_scope(s, user)
    return metric_picker.picker(storage().series_held(_visible_devices(scope, user)))


def _known_metrics(user: CurrentUser) -> set[str]:
    return {m.name for m in _picker(user)}


@bp.get("/alerting/rules")
@require(Capability.VIEW_DASHBOARD)
def rules() -> ResponseReturnValue:
    return _list_page()


@bp.get("/alerting/rules/preview")
@require(Capability.VIEW_DASHBOARD)
def rule_preview() -> ResponseReturnValue:
    """JSON: how many series of the user's devices a metric and label filter match, and the
    first of them with their newest value."""
    user = current_user()
    try:
        wanted = rule_fields.labels(request.args.get("labels", ""))
    except rule_fields.FieldError as exc:
        return jsonify({"error": str(exc)}), 400
    with store().session() as s:
        scope = visible_scope(s, user)
    names = names_of(scope["devices"])
    count, first = storage().series_matching(
        _visible_devices(scope, user),
        request.args.get("metric", "").strip()[:200],
        wanted,
        limit=metric_picker.PREVIEW_LIMIT,
    )
    return jsonify(metric_picker.preview_json(count, first, names))


@bp.post("/alerting/rules")
@require(Capability.EDIT_ALERTING)
def rule_create() -> ResponseReturnValue:
    user = current_user()
    try:
        data = forms.rule(request.form, _known_metrics(user))
        if not may_edit_alerting(user, data.customer_id):
            abort(403)
        with store().session() as s:
            check_in_customer(s, data.customer_id, data.site_id, data.device_id)
            row = add_row(s, AlertRule, data)
            _audit(
                s,
                "alert_rule.create",
                row,
                name=row.name,
                kind=row.kind,
                family=row.family,
                params=row.params,
            )
            s.flush()
            silences = rule_overlap.silenced_message(s, row.id, visible_scope(s, user))
    except (forms.FormError, OutOfScope) as exc:
        flash(f"Rule not saved: {exc}", "error")
        return _list_page(dict(request.form.items()), 400)
    flash(f"Rule “{data.name}” saved.", "info")
    if silences:
        flash(silences, "warning")
    return redirect(url_for("rules.rules"))


def _audit(s: Session, action: str, row: AlertRule, **detail: object) -> None:
    """Audit ``action`` on the rule: the rule is the target, its customer (None: a global rule) the scope."""
    record(s, action, f"alert_rule:{row.id}", customer_id=row.customer_id, **detail)


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
            typed = {**request.form.to_dict(), **scope, "kind": row.kind, "family": row.family}
            try:
                data = forms.rule(typed, _known_metrics(user))
            except forms.FormError as exc:
                flash(f"Rule not saved: {exc}", "error")
                return _edit_page(row, typed), 400
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
            _audit(s, "alert_rule.update", row, name=row.name, params=row.params, severity=row.severity)
            flash(f"Rule “{row.name}” saved.", "info")
            return redirect(url_for("rules.rules"))
    return _edit_page(row, None)


def _edit_page(row: AlertRule, typed: dict[str, str] | None) -> str:
    """The edit form, filled from the rule or from what was typed into a refused form."""
    fields = dict(typed) if typed is not None else kind_fields.fill(row.kind, json.loads(row.params or "{}"))
    return render_template(
        "rules_edit.html",
        rule=row,
        kind=RULE_KINDS.get(row.kind),
        severities=[v.value for v in Severity],
        form=fields,
        scope_name=_scope_name(row),
        metrics=_picker(current_user()),
        standard_traps=kind_fields.STANDARD_TRAP_LINES,
    )


def _summary(row: AlertRule) -> str:
    try:
        return kind_fields.summary(row.kind, json.loads(row.params or "{}"))
    except (ValueError, TypeError):  # a rule stored by an older release the form cannot read
        return row.params


def _scope_name(row: AlertRule) -> str:
    """ "global", the customer's name, "Customer / Site" or the device's name."""
    with store().session() as s:
        if row.device_id is not None and (dev := s.get(Device, row.device_id)) is not None:
            return f"device {device_name(dev)}"
        if row.site_id is not None and (site := s.get(Site, row.site_id)) is not None:
            return f"site {site.name}"
        if row.customer_id is not None and (c := s.get(Customer, row.customer_id)) is not None:
            return c.name
    return "global"


@bp.post("/alerting/rules/<int:rule_id>/toggle")
@require(Capability.EDIT_ALERTING)
def rule_toggle(rule_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = _rule_or_404(s, rule_id, user)
        row.enabled = not row.enabled
        row.updated_at = datetime.now(UTC)
        _audit(s, "alert_rule.enable" if row.enabled else "alert_rule.disable", row)
    return redirect(url_for("rules.rules"))


@bp.post("/alerting/rules/<int:rule_id>/delete")
@require(Capability.EDIT_ALERTING)
def rule_delete(rule_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = _rule_or_404(s, rule_id, user)
        _audit(s, "alert_rule.delete", row, name=row.name)
        s.delete(row)
    flash("Rule deleted; its alerts stay in the history.", "info")
    return redirect(url_for("rules.rules"))
