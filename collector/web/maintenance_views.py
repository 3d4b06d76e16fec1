"""Maintenance windows on the dashboard: list (with "active now"), create, edit, delete.
Everyone who sees the dashboard sees the windows of their customers; changing them needs
``handle-alerts``. A refused form comes back with everything typed and the reason. Every
change is audited (``maintenance.create``, ``maintenance.update``, ``maintenance.delete``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import maintenance, recurrence, window_form
from collector.alerting.directory import window_of
from collector.alerting.forms import FormError
from collector.alerting.models import MaintenanceWindow
from collector.web.auditing import record
from collector.web.forms import add_row
from collector.web.identity import CurrentUser, current_user
from collector.web.permissions import (
    Capability,
    OutOfScope,
    check_in_customer,
    get_owned_or_404,
    may_see,
    require,
    scope_to_customers,
    visible_scope,
)
from collector.web.resources import store

bp = Blueprint("maintenance", __name__)

COMMON_ZONES = ("UTC", "Europe/Berlin", "Europe/London", "Europe/Vienna", "Europe/Zurich", "America/New_York")


@dataclass(frozen=True, slots=True)
class Listed:
    """A window as the list shows it: how it repeats, and its occurrence running now."""

    row: MaintenanceWindow
    repeats: str
    active_until: datetime | None
    next_start: datetime | None


def _listed(row: MaintenanceWindow, now: datetime) -> Listed:
    w = window_of(row)
    span = maintenance.occurrence(w, now.timestamp())
    nxt = maintenance.next_start(w, now.timestamp()) if span is None else None
    return Listed(
        row,
        window_form.describe(row),
        datetime.fromtimestamp(span[1], UTC) if span else None,
        datetime.fromtimestamp(nxt, UTC) if nxt is not None else None,
    )


def _page(
    s: Session, user: CurrentUser, values: dict[str, str], error: str = "", editing: int | None = None
) -> str:
    rows = s.scalars(
        scope_to_customers(select(MaintenanceWindow), MaintenanceWindow.customer_id, user).order_by(
            MaintenanceWindow.starts_at.desc()
        )
    ).all()
    scope = visible_scope(s, user)
    now = datetime.now(UTC)
    return render_template(
        "maintenance_list.html",
        windows=[_listed(r, now) for r in rows],
        values=values,
        error=error,
        editing=editing,
        repeats=window_form.REPEATS,
        nths=recurrence.NTH,
        weekdays=recurrence.WEEKDAYS,
        zones=COMMON_ZONES,
        device_by_id={d.id: d for d in scope["devices"]},
        site_names={st.id: st.name for st in scope["sites"]},
        **scope,
    )


def _submitted(s: Session, user: CurrentUser) -> window_form.WindowInput | str:
    """The posted window, or why it is refused; 404 for a customer the user does not see."""
    try:
        data = window_form.window(request.form)
        if not may_see(user, data.customer_id):
            abort(404)
        check_in_customer(s, data.customer_id, data.site_id, data.device_id)
    except (FormError, OutOfScope) as exc:
        return f"Window not saved: {exc}"
    return data


def _typed() -> dict[str, str]:
    return {k: str(v) for k, v in request.form.items() if k != "csrf_token"}


def _audit_fields(row: MaintenanceWindow) -> dict[str, Any]:
    return {
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "recurrence": row.recurrence,
        "rule": row.rule,
        "timezone": row.timezone,
        "until": row.until,
        "site_id": row.site_id,
        "device_id": row.device_id,
        "function_id": row.function_id,
        "reason": row.reason,
    }


@bp.get("/alerting/maintenance")
@require(Capability.VIEW_DASHBOARD)
def windows() -> ResponseReturnValue:
    with store().session() as s:
        return _page(s, current_user(), {"timezone": "UTC"})


@bp.post("/alerting/maintenance")
@require(Capability.HANDLE_ALERTS)
def window_create() -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        data = _submitted(s, user)
        if isinstance(data, str):
            return _page(s, user, _typed(), data), 400
        row = add_row(s, MaintenanceWindow, data, created_by=user.actor)
        fields = _audit_fields(row)
        record(s, "maintenance.create", f"maintenance:{row.id}", customer_id=row.customer_id, **fields)
    flash("Maintenance window saved.", "info")
    return redirect(url_for("maintenance.windows"))


@bp.get("/alerting/maintenance/<int:window_id>/edit")
@require(Capability.HANDLE_ALERTS)
def window_edit(window_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = get_owned_or_404(s, MaintenanceWindow, window_id, user)
        return _page(s, user, window_form.values_of(row), editing=row.id)


@bp.post("/alerting/maintenance/<int:window_id>")
@require(Capability.HANDLE_ALERTS)
def window_update(window_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = get_owned_or_404(s, MaintenanceWindow, window_id, user)
        data = _submitted(s, user)
        if isinstance(data, str):
            return _page(s, user, _typed(), data, editing=row.id), 400
        before = _audit_fields(row)
        for name in data.__slots__:
            setattr(row, name, getattr(data, name))
        after = _audit_fields(row)
        changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
        record(s, "maintenance.update", f"maintenance:{row.id}", customer_id=row.customer_id, changed=changed)
    flash("Maintenance window changed.", "info")
    return redirect(url_for("maintenance.windows"))


@bp.post("/alerting/maintenance/<int:window_id>/delete")
@require(Capability.HANDLE_ALERTS)
def window_delete(window_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = get_owned_or_404(s, MaintenanceWindow, window_id, user)
        record(s, "maintenance.delete", f"maintenance:{row.id}", customer_id=row.customer_id)
        s.delete(row)
    flash("Maintenance window deleted.", "info")
    return redirect(url_for("maintenance.windows"))
