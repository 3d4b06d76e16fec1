"""Administration: users (role, activity, customer grants) and customers with their sites.

The changes themselves, their rules and audit rows are :mod:`collector.accounts`, which
the admin CLI calls too. Administrators see every customer here, whatever their own
dashboard scope, because granting access is their job.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.accounts import customers as customers_service
from collector.accounts import users as users_service
from collector.accounts.errors import AccountError
from collector.signin.sessions import revoke_user_sessions
from collector.store.models import Customer, Device, Role, Site, User, UserCustomer
from collector.web import forms
from collector.web.auditing import record
from collector.web.forms import FormError
from collector.web.identity import current_user
from collector.web.permissions import Capability, get_or_404, require
from collector.web.resources import store
from eus.values import checkbox

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _all_customers(s: Session) -> list[Customer]:
    return list(s.scalars(select(Customer).order_by(Customer.name)).all())


def _grants(s: Session) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for grant in s.scalars(select(UserCustomer)).all():
        out.setdefault(grant.user_id, set()).add(grant.customer_id)
    return out


def _users_page(form: dict[str, Any] | None = None, status: int = 200) -> ResponseReturnValue:
    with store().session() as s:
        users = s.scalars(select(User).order_by(User.username)).all()
        customers = _all_customers(s)
        grants = _grants(s)
    names = {c.id: c.name for c in customers}
    return (
        render_template(
            "admin_users.html",
            users=users,
            customers=customers,
            customer_names=names,
            grants=grants,
            roles=list(Role),
            form=form or {"role": Role.TECHNICIAN.value, "customers": set()},
        ),
        status,
    )


@bp.get("/users")
@require(Capability.MANAGE_USERS)
def users() -> ResponseReturnValue:
    return _users_page()


@bp.post("/users")
@require(Capability.MANAGE_USERS)
def create_user() -> ResponseReturnValue:
    form = request.form
    echo = {
        "username": form.get("username", "")[:64],
        "role": form.get("role", ""),
        "all_customers": checkbox(form.get("all_customers")),
        "customers": set(),
    }
    try:
        with store().session() as s:
            granted = forms.ids(form, "customers", (c.id for c in _all_customers(s)))
            echo["customers"] = granted
            user = users_service.create(
                s,
                record,
                username=form.get("username", ""),
                password=form.get("password", ""),
                role=form.get("role", ""),
                all_customers=checkbox(form.get("all_customers")),
                customer_ids=granted,
            )
            name = user.username
    except (FormError, AccountError) as exc:
        flash(str(exc), "error")
        return _users_page(echo, 400)
    flash(f"User {name} created.", "info")
    return redirect(url_for("admin.users"))


def _edit_page(user_id: int, status: int = 200) -> ResponseReturnValue:
    with store().session() as s:
        user = get_or_404(s, User, user_id)
        customers = _all_customers(s)
        granted = set(
            s.scalars(select(UserCustomer.customer_id).where(UserCustomer.user_id == user_id)).all()
        )
    return (
        render_template(
            "admin_user_edit.html",
            user=user,
            customers=customers,
            granted=granted,
            roles=list(Role),
            is_self=user.id == current_user().id,
        ),
        status,
    )


@bp.get("/users/<int:user_id>")
@require(Capability.MANAGE_USERS)
def edit_user(user_id: int) -> ResponseReturnValue:
    return _edit_page(user_id)


@bp.post("/users/<int:user_id>")
@require(Capability.MANAGE_USERS)
def update_user(user_id: int) -> ResponseReturnValue:
    form = request.form
    me = current_user()
    try:
        with store().session() as s:
            user = get_or_404(s, User, user_id)
            granted = forms.ids(form, "customers", (c.id for c in _all_customers(s)))
            users_service.update(
                s,
                record,
                user,
                role=form.get("role", ""),
                active=checkbox(form.get("active")),
                all_customers=checkbox(form.get("all_customers")),
                password=form.get("password") or None,  # empty: unchanged
                acting_user_id=me.id,
            )
            users_service.grant(s, record, user, granted)
            password_changed, active = bool(form.get("password")), user.active
            if password_changed or not active:
                # End the sessions on the server, not only when a browser next shows its cookie.
                revoke_user_sessions(s, user.id, "deactivated" if not active else "password-changed")
    except (FormError, AccountError) as exc:
        flash(str(exc), "error")
        return _edit_page(user_id, 400)
    flash(f"User {user.username} saved.", "info")
    return redirect(url_for("admin.edit_user", user_id=user_id))


def _customers_page(status: int = 200) -> ResponseReturnValue:
    with store().session() as s:
        customers = _all_customers(s)
        counted = s.execute(select(Device.customer_id, func.count(Device.id)).group_by(Device.customer_id))
        device_counts: dict[int, int] = dict(counted.all())
        sites: dict[int, list[str]] = {}
        for site in s.scalars(select(Site).order_by(Site.name)).all():
            sites.setdefault(site.customer_id, []).append(site.name)
    return (
        render_template(
            "admin_customers.html", customers=customers, device_counts=device_counts, sites=sites
        ),
        status,
    )


@bp.get("/customers")
@require(Capability.MANAGE_CUSTOMERS)
def customers() -> ResponseReturnValue:
    return _customers_page()


@bp.post("/customers")
@require(Capability.MANAGE_CUSTOMERS)
def create_customer() -> ResponseReturnValue:
    try:
        with store().session() as s:
            name = customers_service.create(s, record, request.form.get("name", "")).name
    except (FormError, AccountError) as exc:
        flash(str(exc), "error")
        return _customers_page(400)
    flash(f"Customer {name} created.", "info")
    return redirect(url_for("admin.customers"))


@bp.post("/customers/<int:customer_id>/sites")
@require(Capability.MANAGE_CUSTOMERS)
def create_site(customer_id: int) -> ResponseReturnValue:
    try:
        with store().session() as s:
            cust = get_or_404(s, Customer, customer_id)
            name = customers_service.create_site(s, record, cust, request.form.get("name", "")).name
    except (FormError, AccountError) as exc:
        flash(str(exc), "error")
        return _customers_page(400)
    flash(f"Site {name} added to {cust.name}.", "info")
    return redirect(url_for("admin.customers"))
