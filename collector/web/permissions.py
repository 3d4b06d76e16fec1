"""Roles as capability sets, and the tenant scope every query goes through.

Two helpers carry the tenant scope (tacticalrmm style): :func:`visible_customer_ids`
says which customers a user may see, and :func:`get_device_or_404` /
:func:`get_customer_or_404` fetch one object or answer 404, so a technician cannot even
learn that another customer's device exists. Lacking a capability is a 403.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from flask import abort
from sqlalchemy import Select
from sqlalchemy.orm import Session

from collector.store.models import Customer, Device, Role
from collector.web.identity import CurrentUser, current_user

P = ParamSpec("P")
R = TypeVar("R")
SelectT = TypeVar("SelectT", bound=Select[Any])


class Capability(enum.StrEnum):
    """What a role may do, independent of which customers it may see."""

    VIEW_DASHBOARD = "view-dashboard"
    VIEW_AUDIT = "view-audit"
    ENROL_DEVICES = "enrol-devices"  # enrolment tokens for the customers one may see
    MANAGE_USERS = "manage-users"
    MANAGE_CUSTOMERS = "manage-customers"


_TECHNICIAN = frozenset({Capability.VIEW_DASHBOARD})
_SUPERVISOR = _TECHNICIAN | {Capability.VIEW_AUDIT, Capability.ENROL_DEVICES}
_ADMINISTRATOR = _SUPERVISOR | {Capability.MANAGE_USERS, Capability.MANAGE_CUSTOMERS}

ROLE_CAPABILITIES: Mapping[Role, frozenset[Capability]] = {
    Role.TECHNICIAN: _TECHNICIAN,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMINISTRATOR: _ADMINISTRATOR,
}


def can(user: CurrentUser | None, capability: Capability) -> bool:
    return user is not None and capability in ROLE_CAPABILITIES.get(user.role, frozenset())


def require(capability: Capability) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: 403 unless the logged-in user's role has ``capability``."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not can(current_user(), capability):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def visible_customer_ids(user: CurrentUser) -> set[int] | None:
    """The customers ``user`` may see: ``None`` means all of them."""
    if user.all_customers:
        return None
    return set(user.customer_ids)


def scope_to_customers(stmt: SelectT, column: Any, user: CurrentUser | None = None) -> SelectT:
    """Restrict ``stmt`` to rows whose ``column`` (a customer id) the user may see."""
    visible = visible_customer_ids(user or current_user())
    if visible is None:
        return stmt
    return stmt.where(column.in_(visible))


def get_customer_or_404(session: Session, customer_id: int, user: CurrentUser | None = None) -> Customer:
    """The customer if it exists and the user may see it; otherwise 404."""
    visible = visible_customer_ids(user or current_user())
    customer = session.get(Customer, customer_id)
    if customer is None or (visible is not None and customer.id not in visible):
        abort(404)
    return customer


def get_device_or_404(session: Session, device_id: int, user: CurrentUser | None = None) -> Device:
    """The device if it exists and belongs to a customer the user may see; otherwise 404."""
    visible = visible_customer_ids(user or current_user())
    device = session.get(Device, device_id)
    if device is None or (visible is not None and device.customer_id not in visible):
        abort(404)
    return device
