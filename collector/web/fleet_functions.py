"""Bulk "assign functions" on the fleet's device list: the technician ticks devices, fills in
one function spec (a service, port or web check ...) once, and it is added to every ticked
device the user may see, as a device's own "Add a function" does: stored and audited per device
(``function.add`` by :func:`collector.functions.central.add_spec`), then pushed to each live
agent after the commit. A device that already has a function with that id, is full, revoked or
retired is skipped and named with the reason; a refused spec keeps everything typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.functions.central import add_spec
from collector.functions.specs import KINDS, SpecError, SpecInput, validate
from collector.store.models import Customer, Device
from collector.web.auditing import remote_address
from collector.web.functions_views import FORM_FIELDS, MAX_FORM_FIELD, agent_configs
from collector.web.identity import current_user
from collector.web.permissions import Capability, may_see, require
from collector.web.resources import store
from collector.web.security import safe_next

bp = Blueprint("fleet_functions", __name__)

MAX_DEVICES = 500


@dataclass(frozen=True, slots=True)
class Outcome:
    added: list[Device]
    skipped: list[tuple[Device, str]]


def chosen_ids() -> list[int]:
    """The ticked devices' ids, as the fleet's bulk form posts them."""
    return [int(v) for v in request.form.getlist("device_id") if v.isdigit()][:MAX_DEVICES]


def visible_devices(s: Session, ids: Sequence[int]) -> list[tuple[Device, str]]:
    """The devices among ``ids`` the user may see, with their customer's name, by customer and host;
    the others are left out as if they did not exist."""
    user = current_user()
    rows = s.execute(
        select(Device, Customer.name)
        .join(Customer, Customer.id == Device.customer_id)
        .where(Device.id.in_(ids))
        .order_by(Customer.name, Device.hostname)
    ).all()
    return [(d, name) for d, name in rows if may_see(user, d.customer_id)]


def _form() -> dict[str, str]:
    return {k: request.form.get(k, "")[:MAX_FORM_FIELD] for k in FORM_FIELDS}


def _page(ids: Sequence[int], form: Mapping[str, str], status: int = 200) -> ResponseReturnValue:
    with store().session() as s:
        devices = visible_devices(s, ids)
    back = safe_next(request.form.get("next")) or url_for("dashboard.index")
    return render_template("fleet_functions.html", devices=devices, kinds=KINDS, form=form, back=back), status


def _skip_reason(d: Device) -> str:
    if d.revoked_at is not None:
        return "revoked"
    if d.retired_at is not None:
        return "retired"
    return ""


def assign(s: Session, devices: Sequence[Device], spec: SpecInput, actor: str, address: str) -> Outcome:
    """Add ``spec`` to each device, each in its own savepoint so one refusal skips only that one."""
    added: list[Device] = []
    skipped: list[tuple[Device, str]] = []
    for d in devices:
        reason = _skip_reason(d)
        if not reason:
            try:
                with s.begin_nested():
                    add_spec(s, d, spec, actor=actor, address=address)  # audited as function.add
            except SpecError as exc:
                reason = str(exc)
        if reason:
            skipped.append((d, reason))
        else:
            added.append(d)
    return Outcome(added, skipped)


@bp.post("/fleet/functions/new")
@require(Capability.CONFIGURE_DEVICES)
def new() -> ResponseReturnValue:
    """The spec form for the devices ticked on the fleet's list."""
    ids = chosen_ids()
    if not ids:
        flash("Tick at least one device first.", "error")
        return redirect(safe_next(request.form.get("next")) or url_for("dashboard.index"))
    return _page(ids, {})


@bp.post("/fleet/functions")
@require(Capability.CONFIGURE_DEVICES)
def create() -> ResponseReturnValue:
    """Add the spec to every chosen device the user may see; push each live agent's config."""
    user, ids, form = current_user(), chosen_ids(), _form()
    try:
        spec = validate(
            form["kind"], form["name"], form["interval"], form["timeout"], form["params"], form["spec_id"]
        )
    except SpecError as exc:
        flash(f"Function not assigned: {exc}", "error")
        return _page(ids, form, 400)
    with store().session() as s:
        devices = [d for d, _ in visible_devices(s, ids)]
        if not devices:
            flash("Function not assigned: none of the chosen devices is yours to configure.", "error")
            return _page(ids, form, 400)
        out = assign(s, devices, spec, user.actor, remote_address())
        skipped = [(d.hostname or d.agent_id, why) for d, why in out.skipped]
        added_ids = [d.id for d in out.added]
    configs = agent_configs()
    pushed = sum(1 for i in added_ids if configs is not None and configs.push(i))
    flash(
        f"Function {spec.name} ({spec.spec_id}) added to {len(added_ids)} device(s); "
        f"sent to {pushed} connected agent(s), the others get it when they next connect.",
        "info",
    )
    for host, why in skipped:
        flash(f"{host}: not added — {why}.", "error")
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.index"))
