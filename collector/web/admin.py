"""Administration: users (role, activity, customer grants) and customers with their sites.

Every change is audited. Administrators see every customer here, whatever their own
dashboard scope, because granting access is their job.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.passwords import hash_password
from collector.store.models import Customer, Device, Role, Site, User, UserCustomer
from collector.web import forms
from collector.web.auditing import record
from collector.web.forms import FormError
from collector.web.identity import current_user
from collector.web.permissions import Capability, require
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
            name = forms.username(form)
            pw = forms.password(form, required=True)
            role = forms.role(form)
            all_customers = checkbox(form.get("all_customers"))
            granted = forms.ids(form, "customers", (c.id for c in _all_customers(s)))
            echo["customers"] = granted
            if s.scalar(select(User.id).where(User.username == name)) is not None:
                raise FormError(f"A user named {name!r} already exists.")
            assert pw is not None
            user = User(
                username=name,
                password_hash=hash_password(pw),
                role=role.value,
                all_customers=all_customers,
                active=True,
            )
            user.grants = [UserCustomer(customer_id=cid) for cid in sorted(granted)]
            s.add(user)
            s.flush()
            record(
                s,
                "user.create",
                f"user:{name}",
                role=role.value,
                all_customers=all_customers,
                customers=sorted(granted),
            )
            for cid in sorted(granted):
                record(s, "grant.add", f"user:{name}", customer_id=cid)
    except FormError as exc:
        flash(str(exc), "error")
        return _users_page(echo, 400)
    flash(f"User {name} created.", "info")
    return redirect(url_for("admin.users"))


def _edit_page(user_id: int, status: int = 200) -> ResponseReturnValue:
    with store().session() as s:
        user = s.get(User, user_id)
        if user is None:
            abort(404)
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
            user = s.get(User, user_id)
            if user is None:
                abort(404)
            role = forms.role(form)
            active = checkbox(form.get("active"))
            all_customers = checkbox(form.get("all_customers"))
            pw = forms.password(form, required=False)
            granted = forms.ids(form, "customers", (c.id for c in _all_customers(s)))
            if user.id == me.id and (role is not Role.ADMINISTRATOR or not active):
                raise FormError("You cannot remove your own administrator role or deactivate yourself.")

            changes: dict[str, list[Any]] = {}
            for field, new in (("role", role.value), ("active", active), ("all_customers", all_customers)):
                old = getattr(user, field)
                if old != new:
                    changes[field] = [old, new]
                    setattr(user, field, new)
            if pw is not None:
                user.password_hash = hash_password(pw)
            target = f"user:{user.username}"
            if changes or pw is not None:
                record(s, "user.update", target, changes=changes, password_changed=pw is not None)

            current = {g.customer_id: g for g in user.grants}
            for cid in sorted(granted - current.keys()):
                user.grants.append(UserCustomer(customer_id=cid))
                record(s, "grant.add", target, customer_id=cid)
            for cid in sorted(current.keys() - granted):
                user.grants.remove(current[cid])
                record(s, "grant.remove", target, customer_id=cid)
    except FormError as exc:
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
            name = forms.name(request.form)
            if s.scalar(select(Customer.id).where(func.lower(Customer.name) == name.lower())) is not None:
                raise FormError(f"A customer named {name!r} already exists.")
            cust = Customer(name=name)
            s.add(cust)
            s.flush()
            record(s, "customer.create", f"customer:{name}", customer_id=cust.id)
    except FormError as exc:
        flash(str(exc), "error")
        return _customers_page(400)
    flash(f"Customer {name} created.", "info")
    return redirect(url_for("admin.customers"))


@bp.post("/customers/<int:customer_id>/sites")
@require(Capability.MANAGE_CUSTOMERS)
def create_site(customer_id: int) -> ResponseReturnValue:
    try:
        with store().session() as s:
            cust = s.get(Customer, customer_id)
            if cust is None:
                abort(404)
            name = forms.name(request.form)
            exists = s.scalar(select(Site.id).where(Site.customer_id == cust.id, Site.name == name))
            if exists is not None:
                raise FormError(f"{cust.name} already has a site named {name!r}.")
            s.add(Site(customer_id=cust.id, name=name))
            record(s, "site.create", f"customer:{cust.name}/site:{name}", customer_id=cust.id)
    except FormError as exc:
        flash(str(exc), "error")
        return _customers_page(400)
    flash(f"Site {name} added to {cust.name}.", "info")
    return redirect(url_for("admin.customers"))
