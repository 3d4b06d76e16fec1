"""Restrict access (administrators): hide a customer entirely from chosen users or roles, and
block sensitive categories (process lists, software inventory, remote-access details) per
role. A hidden customer answers 404 everywhere for those users, exactly like one they were
never granted (``collector.web.permissions``). Every change is audited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.customers.access import Category, category
from collector.customers.models import CategoryBlock, CustomerRestriction
from collector.store.models import Customer, Role, User
from collector.web.auditing import record
from collector.web.identity import current_user
from collector.web.permissions import Capability, get_or_404, require
from collector.web.resources import store

bp = Blueprint("restrict_access", __name__)


class Refused(ValueError):
    """A form value that cannot be used; the message names the field."""


def _page(form: dict[str, str] | None = None, error: str = "", status: int = 200) -> ResponseReturnValue:
    with store().session() as s:
        customers = list(s.scalars(select(Customer).order_by(Customer.name)))
        users = list(s.scalars(select(User).order_by(User.username)))
        hidden = list(s.scalars(select(CustomerRestriction).order_by(CustomerRestriction.customer_id)))
        blocks = list(s.scalars(select(CategoryBlock).order_by(CategoryBlock.role, CategoryBlock.category)))
        return (
            render_template(
                "restrict_access.html",
                customers=customers,
                customer_names={c.id: c.name for c in customers},
                users=users,
                user_names={u.id: u.username for u in users},
                roles=[r.value for r in Role],
                categories=list(Category),
                hidden=hidden,
                blocks=blocks,
                form=form or {},
                error=error,
            ),
            status,
        )


@bp.get("/admin/access")
@require(Capability.MANAGE_USERS)
def overview() -> ResponseReturnValue:
    return _page()


def _who(s: Session, raw: str) -> tuple[int | None, str | None]:
    """``user:<id>`` or ``role:<name>`` from the form's "hide from" choice."""
    kind, _, value = raw.partition(":")
    if kind == "user" and value.isdigit() and s.get(User, int(value)) is not None:
        return int(value), None
    if kind == "role" and value in {r.value for r in Role}:
        return None, value
    raise Refused("Hide from: choose a user or a role.")


def _customer(s: Session, raw: str) -> Customer:
    row = s.get(Customer, int(raw)) if raw.isdigit() else None
    if row is None:
        raise Refused("Customer: choose one of the list.")
    return row


@bp.post("/admin/access/hidden")
@require(Capability.MANAGE_USERS)
def hide() -> ResponseReturnValue:
    form = {k: request.form.get(k, "") for k in ("customer_id", "who")}
    try:
        with store().session() as s:
            cust = _customer(s, form["customer_id"])
            user_id, role = _who(s, form["who"])
            if user_id == current_user().id:
                raise Refused("Hide from: you cannot hide a customer from yourself.")
            same = select(CustomerRestriction).where(
                CustomerRestriction.customer_id == cust.id,
                CustomerRestriction.user_id.is_(None)
                if user_id is None
                else CustomerRestriction.user_id == user_id,
                CustomerRestriction.role.is_(None) if role is None else CustomerRestriction.role == role,
            )
            if s.scalars(same).first() is not None:
                raise Refused(f"{cust.name} is already hidden from {form['who']}.")
            s.add(
                CustomerRestriction(
                    customer_id=cust.id, user_id=user_id, role=role, created_by=current_user().actor
                )
            )
            record(s, "access.hide", f"customer:{cust.id}", customer_id=cust.id, user_id=user_id, role=role)
            name = cust.name
    except Refused as exc:
        return _page(form, str(exc), 400)
    flash(f"{name} is now hidden from {form['who'].replace(':', ' ')}.", "info")
    return redirect(url_for("restrict_access.overview"))


@bp.post("/admin/access/hidden/<int:restriction_id>/remove")
@require(Capability.MANAGE_USERS)
def unhide(restriction_id: int) -> ResponseReturnValue:
    with store().session() as s:
        row = get_or_404(s, CustomerRestriction, restriction_id)
        detail: dict[str, Any] = {"user_id": row.user_id, "role": row.role}
        record(s, "access.unhide", f"customer:{row.customer_id}", customer_id=row.customer_id, **detail)
        s.delete(row)
    flash("The customer is visible again to those it was hidden from.", "info")
    return redirect(url_for("restrict_access.overview"))


@bp.post("/admin/access/blocks")
@require(Capability.MANAGE_USERS)
def block() -> ResponseReturnValue:
    form = {k: request.form.get(k, "") for k in ("role", "category")}
    try:
        if form["role"] not in {r.value for r in Role}:
            raise Refused("Role: choose one of the list.")
        try:
            cat = category(form["category"])
        except ValueError as exc:
            raise Refused(str(exc)) from None
        with store().session() as s:
            same = select(CategoryBlock).where(
                CategoryBlock.role == form["role"], CategoryBlock.category == cat.value
            )
            if s.scalars(same).first() is not None:
                raise Refused(f"{cat.label} are already blocked for {form['role']}s.")
            s.add(CategoryBlock(role=form["role"], category=cat.value, created_by=current_user().actor))
            record(s, "access.block", f"role:{form['role']}", category=cat.value)
    except Refused as exc:
        return _page(form, str(exc), 400)
    flash(f"{cat.label}: blocked for every {form['role']}.", "info")
    return redirect(url_for("restrict_access.overview"))


@bp.post("/admin/access/blocks/<int:block_id>/remove")
@require(Capability.MANAGE_USERS)
def unblock(block_id: int) -> ResponseReturnValue:
    with store().session() as s:
        row = get_or_404(s, CategoryBlock, block_id)
        record(s, "access.unblock", f"role:{row.role}", category=row.category)
        s.delete(row)
    flash("Category unblocked.", "info")
    return redirect(url_for("restrict_access.overview"))
