"""Customer contacts on the dashboard (EUS level 4): who receives alert copies, their
message log with every attempt and provider response, the *test contact* button, and each
user's own alert channels. Scoped to the customers the user may see; editing contacts
needs ``edit-alerting``, testing one ``handle-alerts``; every change is audited."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting import forms
from collector.alerting.directory import contact_info
from collector.alerting.domain import Severity
from collector.alerting.models import AlertRule, Contact, UserChannel
from collector.alerting.routing import contact_channels
from collector.notify import message_log
from collector.store.models import Customer
from collector.web.auditing import record
from collector.web.forms import add_row
from collector.web.identity import CurrentUser, current_user
from collector.web.permissions import (
    Capability,
    can,
    get_owned_or_404,
    may_edit_alerting,
    require,
    scope_to_customers,
    visible_customers,
)
from collector.web.resources import store
from eus.values import checkbox

bp = Blueprint("contacts", __name__)


# -- contacts -----------------------------------------------------------------------------
def _contact_or_404(s: Session, contact_id: int, user: CurrentUser) -> Contact:
    return get_owned_or_404(s, Contact, contact_id, user)


@bp.get("/alerting/contacts")
@require(Capability.VIEW_DASHBOARD)
def contacts() -> ResponseReturnValue:
    return _contacts_page({}, "")


def _contacts_page(typed: Mapping[str, str], error: str) -> ResponseReturnValue:
    """The list with the new-contact form; a refused form comes back as typed, with why (400)."""
    user = current_user()
    with store().session() as s:
        stmt = scope_to_customers(select(Contact), Contact.customer_id, user).order_by(Contact.name)
        rows = s.scalars(stmt).all()
        customers = visible_customers(s, user)
    return render_template(
        "contacts_list.html",
        contacts=rows,
        customers=customers,
        customer_names={c.id: c.name for c in customers},
        severities=[s.value for s in Severity],
        can_edit=can(user, Capability.EDIT_ALERTING),
        typed=typed,
        error=error,
    ), (400 if error else 200)


@bp.post("/alerting/contacts")
@require(Capability.EDIT_ALERTING)
def contact_create() -> ResponseReturnValue:
    user = current_user()
    try:
        data = forms.contact(request.form, request.form.getlist("opt_in"))
        if not may_edit_alerting(user, data.customer_id):
            abort(403)
        with store().session() as s:
            row = add_row(s, Contact, data)
            record(s, "contact.create", f"contact:{row.id}", customer_id=row.customer_id, name=row.name)
    except forms.FormError as exc:
        return _contacts_page(request.form.to_dict(), str(exc))
    flash(f"Contact {data.name} saved.", "info")
    return redirect(url_for("contacts.contacts"))


@bp.get("/alerting/contacts/<int:contact_id>")
@require(Capability.VIEW_DASHBOARD)
def contact_detail(contact_id: int) -> ResponseReturnValue:
    return _contact_page(contact_id, None, "")


def _stored(row: Contact) -> dict[str, str]:
    """A contact as its edit form's fields."""
    fields = {k: str(getattr(row, k) or "") for k in ("name", "email", "mobile", "sms_gateway_domain")}
    fields |= {"min_severity": row.min_severity, "hours": row.hours}
    return fields | {"all_rules": "1" if row.all_rules else "", "active": "1" if row.active else ""}


def _contact_page(
    contact_id: int, typed: tuple[dict[str, str], list[str]] | None, error: str
) -> ResponseReturnValue:
    """The contact's page; a refused edit comes back as typed (fields, rule opt-ins), with why (400)."""
    user = current_user()
    with store().session() as s:
        row = _contact_or_404(s, contact_id, user)
        log = message_log.for_contact(s, row.id)
        rules = s.scalars(
            select(AlertRule).where(
                (AlertRule.customer_id.is_(None)) | (AlertRule.customer_id == row.customer_id)
            )
        ).all()
        customer = s.get(Customer, row.customer_id)
        stored_opt_in = set(json.loads(row.opt_in_rules or "[]"))
        values = _stored(row) if typed is None else typed[0]
    opt_in = stored_opt_in if typed is None else {int(v) for v in typed[1] if v.isdigit()}
    return render_template(
        "contacts_detail.html",
        contact=row,
        log=log,
        rules=rules,
        customer=customer,
        opt_in=opt_in,
        stored_opt_in=stored_opt_in,
        values=values,
        error=error,
        can_edit=may_edit_alerting(user, row.customer_id),
    ), (400 if error else 200)


@bp.post("/alerting/contacts/<int:contact_id>/test")
@require(Capability.HANDLE_ALERTS)
def contact_test(contact_id: int) -> ResponseReturnValue:
    """Queue one test message per channel; the worker sends each once and logs the outcome."""
    user = current_user()
    now = datetime.now(UTC)
    with store().session() as s:
        row = _contact_or_404(s, contact_id, user)
        channels = contact_channels(contact_info(row))
        for r in channels:
            message_log.queue(
                s,
                key=f"test:{row.id}:{r.channel}:{uuid.uuid4().hex}",
                kind="test",
                recipient=r.key,
                contact_id=row.id,
                customer_id=row.customer_id,
                channel=r.channel.value,
                address=r.address,
                subject="[EUS TEST] Test message",
                body=f"This is a test message from EUS for {row.name}.",
                now=now,
            )
        record(
            s,
            "contact.test",
            f"contact:{row.id}",
            customer_id=row.customer_id,
            channels=[r.channel.value for r in channels],
        )
    flash(f"Test queued on {len(channels)} channel(s); the outcome appears in the message log below.", "info")
    return redirect(url_for("contacts.contact_detail", contact_id=contact_id))


@bp.post("/alerting/contacts/<int:contact_id>/edit")
@require(Capability.EDIT_ALERTING)
def contact_edit(contact_id: int) -> ResponseReturnValue:
    """Change a contact's channels, minimum severity, hours and rule opt-ins."""
    user = current_user()
    with store().session() as s:
        row = _contact_or_404(s, contact_id, user)
        try:
            data = forms.contact(
                {**request.form, "customer_id": str(row.customer_id)}, request.form.getlist("opt_in")
            )
        except forms.FormError as exc:
            typed = request.form.to_dict()
            typed.setdefault("all_rules", "")
            typed.setdefault("active", "")
            return _contact_page(contact_id, (typed, request.form.getlist("opt_in")), str(exc))
        allowed = set(
            s.scalars(
                select(AlertRule.id).where(
                    (AlertRule.customer_id.is_(None)) | (AlertRule.customer_id == row.customer_id)
                )
            )
        )
        if not set(json.loads(data.opt_in_rules)) <= allowed:
            abort(404)
        for key in data.__slots__:
            setattr(row, key, getattr(data, key))
        row.active = checkbox(request.form.get("active"))
        record(s, "contact.update", f"contact:{row.id}", customer_id=row.customer_id, name=row.name)
    flash("Contact saved.", "info")
    return redirect(url_for("contacts.contact_detail", contact_id=contact_id))


@bp.post("/alerting/contacts/<int:contact_id>/delete")
@require(Capability.EDIT_ALERTING)
def contact_delete(contact_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = _contact_or_404(s, contact_id, user)
        record(s, "contact.delete", f"contact:{row.id}", customer_id=row.customer_id, name=row.name)
        s.delete(row)
    flash("Contact deleted; their message log is kept.", "info")
    return redirect(url_for("contacts.contacts"))


# -- one's own channels -------------------------------------------------------------------
@bp.route("/alerting/me", methods=["GET", "POST"])
@require(Capability.EDIT_OWN_CHANNELS)
def my_channels() -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        row = s.get(UserChannel, user.id)
        if request.method == "POST":
            try:
                data = forms.contact(
                    {**request.form, "customer_id": "0", "name": user.username, "hours": "24x7"}, []
                )
            except forms.FormError as exc:
                flash(f"Not saved: {exc}", "error")
                return redirect(url_for("contacts.my_channels"))
            if row is None:
                row = UserChannel(user_id=user.id)
                s.add(row)
            row.email, row.mobile = data.email, data.mobile
            row.enabled = checkbox(request.form.get("enabled"))
            record(s, "user_channel.update", f"user:{user.id}", enabled=row.enabled)
            flash("Your alert channels are saved.", "info")
            return redirect(url_for("contacts.my_channels"))
    return render_template("alerts_channels.html", channel=row)
