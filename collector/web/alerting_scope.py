"""Tenant scope for the alerting pages: which customers a user sees and may edit, and
checks that a chosen site or device belongs to the chosen customer. Alerts, rules and
windows that belong to no customer (system alerts, global rules) are for users who see
every customer; global rules are edited by administrators only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from collector.alerting import forms
from collector.store.models import Customer, Device, Role, Site
from collector.web.identity import CurrentUser
from collector.web.permissions import visible_customer_ids

EDITORS = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})


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


def scope_names(s: Session, user: CurrentUser) -> dict[str, Any]:
    customers = customers_of(s, user)
    ids = [c.id for c in customers]
    sites = s.scalars(select(Site).where(Site.customer_id.in_(ids)).order_by(Site.name)).all()
    devices = s.scalars(select(Device).where(Device.customer_id.in_(ids)).order_by(Device.hostname)).all()
    return {"customers": customers, "sites": sites, "devices": devices}


def check_scope(s: Session, customer_id: int | None, site_id: int | None, device_id: int | None) -> None:
    """A site or device chosen in a form must belong to the chosen customer."""
    if site_id is not None:
        site = s.get(Site, site_id)
        if site is None or site.customer_id != customer_id:
            raise forms.FormError("site_id: not a site of that customer")
    if device_id is not None:
        dev = s.get(Device, device_id)
        if dev is None or dev.customer_id != customer_id:
            raise forms.FormError("device_id: not a device of that customer")
