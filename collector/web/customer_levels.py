"""What the customer screen shows at each of the four levels (Service, Instance, Function,
Contacts), read from the roll-up state, the store and the function-result summaries.

Each reader takes the session (and, for the time series, a cursor) and the signed-in user,
so the views stay thin and the sensitive categories are left out here, in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting.models import Alert, Contact
from collector.customers.access import Category
from collector.customers.models import CustomerRollup, FunctionLatest, InstanceClock
from collector.customers.rollup import FUNCTION_WINDOW
from collector.helpdesk import tickets as ticket_service
from collector.helpdesk import watch
from collector.helpdesk.lifecycle import OPEN
from collector.helpdesk.models import Ticket
from collector.helpdesk.sla import SlaClock
from collector.notify.message_log import for_contact
from collector.notify.models import Message
from collector.store.models import Device
from collector.tsdb.function_summary import Availability
from collector.tsdb.storage import Storage
from collector.web.identity import CurrentUser
from collector.web.permissions import may_see_category

WINDOWS = (("24 h", timedelta(hours=24)), ("7 d", timedelta(days=7)), ("30 d", timedelta(days=30)))
OPEN_ALERT_STATES = ("firing", "pending")
SHOWN = 50
MESSAGES_PER_CONTACT = 20


@dataclass(frozen=True, slots=True)
class TicketRow:
    ticket: Ticket
    response: SlaClock | None
    resolution: SlaClock | None


@dataclass(frozen=True, slots=True)
class Service:
    rollup: CustomerRollup | None
    availability: list[tuple[str, Availability]]
    alerts: list[Alert]
    tickets: list[TicketRow]


@dataclass(frozen=True, slots=True)
class Instance:
    device: Device
    address: str | None  # None: remote-access details are blocked for the user's role
    cert_days: int | None
    clock: InstanceClock | None


@dataclass(frozen=True, slots=True)
class FunctionRow:
    fn: FunctionLatest
    device: Device
    spark: list[int]  # worst status per hour over 24 h, oldest first


@dataclass(frozen=True, slots=True)
class ContactRow:
    contact: Contact
    messages: Sequence[Message]


def devices_of(s: Session, customer_id: int) -> list[Device]:
    """The customer's devices in service (retired ones keep their own pages, not a place here)."""
    stmt = select(Device).where(Device.customer_id == customer_id, Device.retired_at.is_(None))
    return list(s.scalars(stmt.order_by(Device.hostname)))


def service(s: Session, db: Storage, customer_id: int, device_ids: list[int], now: datetime) -> Service:
    alerts = s.scalars(
        select(Alert)
        .where(Alert.customer_id == customer_id, Alert.state.in_(OPEN_ALERT_STATES))
        .order_by(Alert.state, Alert.updated_at.desc())
        .limit(SHOWN)
    ).all()
    found = s.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status.in_([o.value for o in OPEN]))
        .order_by(Ticket.priority, Ticket.created_at)
        .limit(SHOWN)
    ).all()
    policy = watch.policy_for(s, customer_id)
    paused = ticket_service.pauses_of(s, (t.id for t in found))
    rows = []
    for t in found:
        pair = watch.clocks(t, policy, now, paused.get(t.id, [])) if policy is not None else None
        rows.append(TicketRow(t, pair[0] if pair else None, pair[1] if pair else None))
    return Service(
        rollup=s.get(CustomerRollup, customer_id),
        availability=[(label, db.availability(device_ids, now - span, now)) for label, span in WINDOWS],
        alerts=list(alerts),
        tickets=rows,
    )


def instances(
    s: Session, user: CurrentUser, customer_id: int, devices: list[Device], now: datetime
) -> list[Instance]:
    clocks = {
        c.device_id: c
        for c in s.scalars(select(InstanceClock).where(InstanceClock.device_id.in_([d.id for d in devices])))
    }
    show_address = may_see_category(user, customer_id, Category.REMOTE_ACCESS)
    return [
        Instance(
            device=d,
            address=d.last_address if show_address else None,
            cert_days=(d.cert_not_after - now).days if d.cert_not_after is not None else None,
            clock=clocks.get(d.id),
        )
        for d in devices
    ]


def functions(  # noqa: PLR0917 (the screen's readers share one argument order)
    s: Session,
    db: Storage,
    user: CurrentUser,
    customer_id: int,
    devices: list[Device],
    now: datetime,
) -> list[FunctionRow]:
    """The customer's functions heard from within the roll-up's window, failing first; process
    checks are left out for a role blocked from process lists."""
    stmt = select(FunctionLatest).where(
        FunctionLatest.customer_id == customer_id, FunctionLatest.checked_at >= now - FUNCTION_WINDOW
    )
    if not may_see_category(user, customer_id, Category.PROCESS_LISTS):
        stmt = stmt.where(FunctionLatest.kind != "process")
    rows = list(s.scalars(stmt.order_by(FunctionLatest.status.desc(), FunctionLatest.name)))
    by_id = {d.id: d for d in devices}
    spark = db.sparklines(list(by_id), now)
    return [
        FunctionRow(fn, by_id[fn.device_id], spark.get((fn.device_id, fn.subject, fn.function_id), [0] * 24))
        for fn in rows
        if fn.device_id in by_id
    ]


def contacts(s: Session, customer_id: int) -> list[ContactRow]:
    found = s.scalars(select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.name)).all()
    return [ContactRow(c, for_contact(s, c.id, MESSAGES_PER_CONTACT)) for c in found]


def now_utc() -> datetime:
    return datetime.now(UTC)
