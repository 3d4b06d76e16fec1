"""The fleet overview's device list: every device the user may see across customers, filtered,
sorted and paged in one query, with the columns the technician chose.

The choices are parsed from the query string here (:func:`parse`), pure, so a wrong value falls
back to the default instead of failing; :func:`query` runs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, Select, func, or_, select
from sqlalchemy.orm import Session

from collector.alerting.models import Alert
from collector.customers.models import FunctionLatest
from collector.customers.rollup import FUNCTION_WINDOW
from collector.store.models import Customer, Device, StreamState
from collector.web.identity import CurrentUser
from collector.web.permissions import scope_to_customers
from eus.values import like_literal

PAGE = 100
COLUMNS: Mapping[str, str] = {
    "customer": "Customer",
    "os": "OS",
    "agent": "Agent",
    "address": "Address",
    "state": "Stream",
    "last_seen": "Last seen",
    "health": "Functions",
    "alerts": "Open alerts",
}
DEFAULT_COLUMNS = ("customer", "os", "state", "last_seen", "health", "alerts")
SORTS = ("host", "customer", "state", "last_seen", "health", "alerts")
HEALTH_FILTERS = {"failing": 3, "warning": 2}  # at least this bad
STATES = tuple(s.value for s in StreamState)


@dataclass(frozen=True, slots=True)
class Choices:
    q: str = ""
    customer_id: int | None = None
    state: str = ""
    health: str = ""
    sort: str = "health"
    descending: bool = True
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    page: int = 1
    retired: bool = False  # retired devices leave the list unless asked for


def parse(args: Mapping[str, str], column_args: Sequence[str], allowed_columns: Sequence[str]) -> Choices:
    """Pure: the list's choices from the query string; unknown values fall back to defaults."""
    raw_customer = args.get("customer", "")
    raw_page = args.get("page", "1")
    columns = tuple(c for c in column_args if c in allowed_columns)
    return Choices(
        q=args.get("q", "").strip()[:100],
        customer_id=int(raw_customer) if raw_customer.isdigit() else None,
        state=args.get("state", "") if args.get("state", "") in STATES else "",
        health=args.get("health", "") if args.get("health", "") in HEALTH_FILTERS else "",
        sort=args.get("sort", "health") if args.get("sort", "health") in SORTS else "health",
        descending=args.get("dir", "desc") != "asc",
        columns=columns or tuple(c for c in DEFAULT_COLUMNS if c in allowed_columns),
        page=max(1, int(raw_page)) if raw_page.isdigit() else 1,
        retired=args.get("retired") == "1",
    )


@dataclass(frozen=True, slots=True)
class DeviceRow:
    device: Device
    customer: str
    worst: int | None  # worst function status (eus.v1.Health), None when none reported
    alerts: int


def retired_count(s: Session, user: CurrentUser) -> int:
    """How many retired devices the user's customers have (the list says they are hidden)."""
    stmt = select(func.count()).select_from(Device).where(Device.retired_at.is_not(None))
    return s.scalar(scope_to_customers(stmt, Device.customer_id, user)) or 0


def _worst(now: datetime) -> ScalarSelect[Any]:
    """A device's worst function status within the roll-up's window (NULL when none reported),
    correlated to the device row: an index lookup per device, no aggregate over the table."""
    return (
        select(func.max(FunctionLatest.status))
        .where(FunctionLatest.device_id == Device.id, FunctionLatest.checked_at >= now - FUNCTION_WINDOW)
        .correlate(Device)
        .scalar_subquery()
    )


def _open_alerts() -> ScalarSelect[Any]:
    """A device's number of open (firing or pending) alerts, correlated to the device row."""
    return (
        select(func.count())
        .select_from(Alert)
        .where(Alert.device_id == Device.id, Alert.state.in_(("firing", "pending")))
        .correlate(Device)
        .scalar_subquery()
    )


def _matching(
    stmt: Select[Any], user: CurrentUser, c: Choices, worst: ScalarSelect[Any], *, search_addresses: bool
) -> Select[Any]:
    """``stmt`` (over devices joined to their customer) narrowed to the user's customers and the
    list's filters."""
    stmt = scope_to_customers(stmt, Device.customer_id, user)
    if not c.retired:
        stmt = stmt.where(Device.retired_at.is_(None))
    if c.q:
        like = f"%{like_literal(c.q)}%"
        fields = [Device.hostname, Device.alias, Device.agent_id, Device.os, Device.os_version, Customer.name]
        if search_addresses:
            fields.append(Device.last_address)
        stmt = stmt.where(or_(*(f.ilike(like, escape="\\") for f in fields)))
    if c.customer_id is not None:
        stmt = stmt.where(Device.customer_id == c.customer_id)
    if c.state:
        stmt = stmt.where(Device.stream_state == c.state)
    if c.health:
        stmt = stmt.where(worst >= HEALTH_FILTERS[c.health])
    return stmt


def query(
    s: Session, user: CurrentUser, c: Choices, now: datetime, *, search_addresses: bool
) -> tuple[list[DeviceRow], int]:
    """One page of rows and the number of matching devices.

    Three narrow queries rather than one wide one: the count (no sort, no per-device
    aggregate unless the health filter needs it), the page's device ids in order (sorting ids
    and one key, not whole rows), and those devices' rows with their worst status and open
    alerts (correlated lookups for the page's devices only)."""
    worst, n_alerts = _worst(now), _open_alerts()

    def over_devices(*columns: Any) -> Select[Any]:
        base = select(*columns).select_from(Device).join(Customer, Customer.id == Device.customer_id)
        return _matching(base, user, c, worst, search_addresses=search_addresses)

    total = s.scalar(over_devices(func.count(Device.id))) or 0
    key = {
        "host": func.lower(Device.hostname),
        "customer": func.lower(Customer.name),
        "state": Device.stream_state,
        "last_seen": Device.last_seen,
        "health": func.coalesce(worst, -1),
        "alerts": n_alerts,
    }[c.sort]
    order = key.desc() if c.descending else key.asc()
    page = (
        over_devices(Device.id)
        .order_by(order, func.lower(Device.hostname), Device.id)
        .limit(PAGE)
        .offset((c.page - 1) * PAGE)
    )
    ids = list(s.scalars(page))
    stmt = (
        select(Device, Customer.name, worst, n_alerts)
        .join(Customer, Customer.id == Device.customer_id)
        .where(Device.id.in_(ids))
    )
    found = {
        d.id: DeviceRow(d, str(name), None if w is None else int(w), int(n))
        for d, name, w, n in s.execute(stmt)
    }
    return [found[i] for i in ids if i in found], int(total)
