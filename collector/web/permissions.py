"""Who may do what, and on which customers: the one capability model and the one tenant scope.

Every route declares exactly one of two things (a test walks the ``url_map`` for it):
``@require(capability)`` — the signed-in user's role must grant it, else 403 — or
``@public`` — no session needed (login, health, static files). Roles are sets of
:class:`Capability` in :data:`ROLE_CAPABILITIES`; views ask :func:`can`, never the role.

The tenant scope (tacticalrmm style) says which customers a user may see:
:func:`visible_customer_ids`, :func:`scope_to_customers` for queries, :func:`may_see` for
one row, and :func:`get_owned_or_404` (devices, alerts, contacts, ...) /
:func:`get_customer_or_404` that answer 404, so a technician cannot even learn that
another customer's device exists. Rows that belong to
no customer (system alerts, global rules) are seen only by users who see every customer,
unless a query asks for them explicitly (``with_global``).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, Protocol, TypeVar

from flask import abort
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from collector.store.models import Customer, Device, Role, Site
from collector.web.identity import CurrentUser, current_user

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])
SelectT = TypeVar("SelectT", bound=Select[Any])


class CustomerOwned(Protocol):
    """A row that belongs to one customer, or to none (``None``: system alerts, global rules)."""

    @property
    def customer_id(self) -> int | None: ...


OwnedT = TypeVar("OwnedT", bound=CustomerOwned)
RowT = TypeVar("RowT")


class Capability(enum.StrEnum):
    """What a role may do, independent of which customers it may see."""

    VIEW_DASHBOARD = "view-dashboard"  # every page and JSON read of the customers one sees
    HANDLE_ALERTS = "handle-alerts"  # acknowledge, snooze, maintenance windows, test a contact
    COMMAND_AGENTS = "command-agents"  # one-off requests to an agent ("collect inventory now")
    NAME_DEVICES = "name-devices"  # a device's alias, shown instead of its host name
    EDIT_OWN_CHANNELS = "edit-own-channels"  # one's own alert e-mail and mobile
    MANAGE_OWN_ACCOUNT = "manage-own-account"  # one's own sessions and second factor
    WORK_TICKETS = "work-tickets"  # open, reply to, move on, assign and log time on tickets
    VIEW_AUDIT = "view-audit"
    ENROLL_DEVICES = "enroll-devices"  # enrollment tokens for the customers one may see
    CONFIGURE_DEVICES = "configure-devices"  # SNMP devices, trap listeners, central functions
    EDIT_ALERTING = "edit-alerting"  # alert rules and contacts of the customers one may see
    EDIT_GLOBAL_RULES = "edit-global-rules"  # alert rules of no customer: they apply to all
    MANAGE_HELPDESK = "manage-helpdesk"  # SLA policies, business calendars, on-call rota, ticket rules
    EDIT_KNOWLEDGE_BASE = "edit-knowledge-base"  # write and edit knowledge-base articles
    MANAGE_USERS = "manage-users"
    MANAGE_CUSTOMERS = "manage-customers"


class Public(enum.Enum):
    """The other thing a route may declare: anyone may call it, signed in or not."""

    PUBLIC = "public"


PUBLIC = Public.PUBLIC
Access = Capability | Public

_TECHNICIAN = frozenset(
    {
        Capability.VIEW_DASHBOARD,
        Capability.HANDLE_ALERTS,
        Capability.COMMAND_AGENTS,
        Capability.NAME_DEVICES,
        Capability.EDIT_OWN_CHANNELS,
        Capability.MANAGE_OWN_ACCOUNT,
        Capability.WORK_TICKETS,
    }
)
_SUPERVISOR = _TECHNICIAN | {
    Capability.VIEW_AUDIT,
    Capability.ENROLL_DEVICES,
    Capability.CONFIGURE_DEVICES,
    Capability.EDIT_ALERTING,
    Capability.MANAGE_HELPDESK,
    Capability.EDIT_KNOWLEDGE_BASE,
}
_ADMINISTRATOR = _SUPERVISOR | {
    Capability.MANAGE_USERS,
    Capability.MANAGE_CUSTOMERS,
    Capability.EDIT_GLOBAL_RULES,
}

ROLE_CAPABILITIES: Mapping[Role, frozenset[Capability]] = {
    Role.TECHNICIAN: _TECHNICIAN,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMINISTRATOR: _ADMINISTRATOR,
}

# The attribute a view carries its declaration in (Flask keeps its own view options,
# such as ``required_methods``, the same way).
_ACCESS_ATTR = "eus_access"


def can(user: CurrentUser | None, capability: Capability) -> bool:
    """Whether ``user``'s role grants ``capability`` (never, without a user)."""
    return user is not None and capability in ROLE_CAPABILITIES.get(user.role, frozenset())


def access_of(view: Callable[..., Any] | None) -> Access | None:
    """What ``view`` declared: its capability, :data:`PUBLIC`, or None (a bug)."""
    access = getattr(view, _ACCESS_ATTR, None)
    return access if isinstance(access, Capability | Public) else None


def _declare(view: Callable[..., Any], access: Access) -> None:
    setattr(view, _ACCESS_ATTR, access)


def _refuse_second_declaration(view: Callable[..., Any]) -> None:
    if access_of(view) is not None:
        raise TypeError(f"{view.__qualname__} already declares {access_of(view)}; a route declares one")


def public(view: F) -> F:
    """View marker: callable without a session (the login guard lets it through)."""
    _refuse_second_declaration(view)
    _declare(view, PUBLIC)
    return view


def require(capability: Capability) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: 403 unless the logged-in user's role has ``capability``."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        _refuse_second_declaration(view)

        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not can(current_user(), capability):
                abort(403)
            return view(*args, **kwargs)

        _declare(wrapped, capability)
        return wrapped

    return decorate


# -- tenant scope -------------------------------------------------------------------------
def visible_customer_ids(user: CurrentUser) -> set[int] | None:
    """The customers ``user`` may see: ``None`` means all of them. A customer an administrator
    hid from the user or their role is never among them (for a user of all customers,
    ``customer_ids`` then holds every customer's id)."""
    if user.all_customers and not user.hidden_customer_ids:
        return None
    return set(user.customer_ids - user.hidden_customer_ids)


def may_see(user: CurrentUser, customer_id: int | None) -> bool:
    """Whether ``user`` may see a row of ``customer_id``; a row of no customer (``None``)
    only if they see every customer (hidden ones aside)."""
    if customer_id is None:
        return user.all_customers
    visible = visible_customer_ids(user)
    return visible is None or customer_id in visible


def may_see_category(user: CurrentUser, customer_id: int | None, category: str) -> bool:
    """Whether ``user`` may receive ``category`` (``collector.customers.access.Category``:
    process lists, software inventory, remote-access details) of ``customer_id``'s objects.
    Every view showing such data asks this, in HTML and JSON alike."""
    return may_see(user, customer_id) and category not in user.blocked_categories


def scope_to_customers(
    stmt: SelectT, column: Any, user: CurrentUser | None = None, *, with_global: bool = False
) -> SelectT:
    """Restrict ``stmt`` to rows whose ``column`` (a customer id) the user may see.

    ``with_global`` keeps rows of no customer for everyone (global alert rules, which
    apply to every customer's devices).
    """
    who = user or current_user()
    visible = visible_customer_ids(who)
    if visible is None:
        return stmt
    if who.all_customers:  # every customer but the hidden ones; rows of no customer stay
        return stmt.where(column.not_in(who.hidden_customer_ids) | column.is_(None))
    seen = column.in_(visible)
    return stmt.where(seen | column.is_(None) if with_global else seen)


def get_customer_or_404(session: Session, customer_id: int, user: CurrentUser | None = None) -> Customer:
    """The customer if it exists and the user may see it; otherwise 404."""
    customer = session.get(Customer, customer_id)
    if customer is None or not may_see(user or current_user(), customer.id):
        abort(404)
    return customer


def get_owned_or_404(
    session: Session, model: type[OwnedT], row_id: int, user: CurrentUser | None = None
) -> OwnedT:
    """The ``model`` row if it exists and the user may see its customer; otherwise 404."""
    row = session.get(model, row_id)
    if row is None or not may_see(user or current_user(), row.customer_id):
        abort(404)
    return row


def get_or_404(session: Session, model: type[RowT], row_id: int) -> RowT:
    """The ``model`` row of no customer (a user, an article, an access rule) if it exists;
    otherwise 404. The route's capability is the whole check: use :func:`get_owned_or_404`
    for a row that belongs to a customer."""
    row = session.get(model, row_id)
    if row is None:
        abort(404)
    return row


def get_device_or_404(session: Session, device_id: int, user: CurrentUser | None = None) -> Device:
    """The device if it exists and belongs to a customer the user may see; otherwise 404."""
    return get_owned_or_404(session, Device, device_id, user)


def visible_customers(session: Session, user: CurrentUser | None = None) -> list[Customer]:
    """The customers the user may see, by name."""
    stmt = scope_to_customers(select(Customer).order_by(Customer.name), Customer.id, user)
    return list(session.scalars(stmt))


def visible_scope(session: Session, user: CurrentUser | None = None) -> dict[str, Any]:
    """The customers, sites and devices the user may see (the choices of a scoped form), and
    ``customer_names`` by id, for the lists beside such a form."""
    customers = visible_customers(session, user)
    ids = [c.id for c in customers]
    sites = session.scalars(select(Site).where(Site.customer_id.in_(ids)).order_by(Site.name)).all()
    devices = session.scalars(
        select(Device)
        .where(Device.customer_id.in_(ids), Device.retired_at.is_(None))
        .order_by(Device.hostname)
    ).all()
    names = {c.id: c.name for c in customers}
    return {"customers": customers, "sites": sites, "devices": devices, "customer_names": names}


class OutOfScope(ValueError):
    """A site or device chosen in a form is not one of the chosen customer's."""


def check_in_customer(
    session: Session, customer_id: int | None, site_id: int | None, device_id: int | None
) -> None:
    """Raise :class:`OutOfScope` unless the chosen site and device belong to ``customer_id``
    (which the caller has already checked the user may see)."""
    if site_id is not None:
        site = session.get(Site, site_id)
        if site is None or site.customer_id != customer_id:
            raise OutOfScope("site_id: not a site of that customer")
    if device_id is not None:
        dev = session.get(Device, device_id)
        if dev is None or dev.customer_id != customer_id:
            raise OutOfScope("device_id: not a device of that customer")


def may_edit_alerting(user: CurrentUser, customer_id: int | None) -> bool:
    """Whether ``user`` may change a rule or contact of ``customer_id``; ``None`` is a
    global rule, which needs its own capability."""
    if customer_id is None:
        return can(user, Capability.EDIT_GLOBAL_RULES)
    return can(user, Capability.EDIT_ALERTING) and may_see(user, customer_id)
