"""The helpdesk's clock work, run by a scheduler job: SLA warnings and breaches, on-call pages,
and closing resolved tickets the customer never answered.

Each notification has a stamp on the ticket (``response_warned_at`` …, ``paged_backup_at``)
set in the same transaction as the message it queues, and the message's idempotency key names
the ticket and the event, so every warning, breach and page is sent exactly once however often
the job runs or the collector restarts. Decisions come from the pure modules (SLA clock, rota).
Nobody is told of a customer hidden from them ("Restrict access"): the composition root gives
the lookup (``collector.customers.access.hidden_map``), as it does the alert engine's, since
helpdesk may not import customers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting.directory import HiddenLookup, load_staff
from collector.alerting.routing import StaffInfo, staff_sees
from collector.helpdesk import lifecycle, rota, sla, tickets
from collector.helpdesk.calendar import BusinessCalendar, parse_calendar
from collector.helpdesk.lifecycle import Action, Status
from collector.helpdesk.models import Calendar, Rota, RotaOverride, SlaPolicy, SlaTarget, Ticket
from collector.helpdesk.numbers import format_number
from collector.notify import message_log

ESCALATE_TO = ("supervisor", "administrator")


@dataclass(frozen=True, slots=True)
class Policy:
    id: int
    calendar: BusinessCalendar
    targets: dict[int, tuple[timedelta, timedelta]]  # priority -> (response, resolution)
    warn_at: float


def load_calendar(row: Calendar) -> BusinessCalendar:
    return parse_calendar(row.hours, row.tz, [d for d in row.holidays.split(",") if d.strip()])


def policy_for(session: Session, customer_id: int) -> Policy | None:
    """The customer's own policy, else the default one (no customer), else none."""
    rows = session.scalars(
        select(SlaPolicy).where((SlaPolicy.customer_id == customer_id) | SlaPolicy.customer_id.is_(None))
    ).all()
    row = next((r for r in rows if r.customer_id == customer_id), None) or next(iter(rows), None)
    if row is None:
        return None
    calendar_row = session.get(Calendar, row.calendar_id)
    assert calendar_row is not None
    targets = {
        t.priority: (timedelta(minutes=t.response_minutes), timedelta(minutes=t.resolution_minutes))
        for t in session.scalars(select(SlaTarget).where(SlaTarget.policy_id == row.id))
    }
    return Policy(row.id, load_calendar(calendar_row), targets, row.warn_percent / 100)


def clocks(
    ticket: Ticket, policy: Policy, now: datetime, paused: tickets.Pauses
) -> tuple[sla.SlaClock, sla.SlaClock] | None:
    """(response, resolution) clocks of a ticket under ``policy``; None without targets."""
    targets = policy.targets.get(ticket.priority)
    if targets is None:
        return None

    def one(target: timedelta, met: datetime | None) -> sla.SlaClock:
        return sla.clock(
            policy.calendar, ticket.created_at, target, now, met=met, pauses=paused, warn_at=policy.warn_at
        )

    return one(targets[0], ticket.first_response_at), one(targets[1], ticket.resolved_at)


def _staff_for(staff: Iterable[StaffInfo], customer_id: int, roles: Iterable[str]) -> list[StaffInfo]:
    wanted = set(roles)
    return [p for p in staff if p.role in wanted and staff_sees(p, customer_id)]


def _notify(
    session: Session,
    ticket: Ticket,
    people: Iterable[StaffInfo],
    *,
    event: str,
    subject: str,
    body: str,
    now: datetime,
) -> int:
    sent = 0
    for person in people:
        for channel, address in (("email", person.email), ("sms_http", person.mobile)):
            if not address:
                continue
            message_log.queue(
                session,
                key=f"ticket:{ticket.id}:{event}:user:{person.id}:{channel}",
                kind="ticket",
                recipient=f"user:{person.id}",
                contact_id=None,
                customer_id=ticket.customer_id,
                channel=channel,
                address=address,
                subject=subject,
                body=body,
                now=now,
            )
            sent += 1
    return sent


def _sla_events(
    session: Session,
    ticket: Ticket,
    policy: Policy,
    now: datetime,
    *,
    staff: list[StaffInfo],
    paused: tickets.Pauses,
) -> int:
    pair = clocks(ticket, policy, now, paused)
    if pair is None:
        return 0
    sent = 0
    for name, c in zip(("response", "resolution"), pair, strict=True):
        warned, breached = f"{name}_warned_at", f"{name}_breached_at"
        if c.state is sla.SlaState.BREACHED and getattr(ticket, breached) is None:
            level, what = "breached", "breached"
            setattr(ticket, breached, now)
            if getattr(ticket, warned) is None:  # the warning window passed unseen: one message
                setattr(ticket, warned, now)
        elif c.state is sla.SlaState.WARNING and getattr(ticket, warned) is None:
            level, what = "warned", f"at {round(c.fraction * 100)} %"
            setattr(ticket, warned, now)
        else:
            continue
        number = format_number(ticket.number)
        # A reopened ticket warns again: the round of resolution is part of the event key.
        event = f"sla:{name}:{level}:{ticket.resolutions}"
        subject = f"[{number}] SLA {name} {what}: {ticket.title}"
        body = f"{number} (P{ticket.priority}) {name} target {c.target} {what}; used {c.used}."
        people = _staff_for(staff, ticket.customer_id, ESCALATE_TO)
        sent += _notify(session, ticket, people, event=event, subject=subject, body=body, now=now)
        tickets.add_message(session, ticket, "system", f"SLA {name} {what}", now, public=False, kind="sla")
    return sent


def load_rota(session: Session) -> rota.Rota | None:
    row = session.scalars(select(Rota).order_by(Rota.id)).first()
    if row is None or not row.members.strip():
        return None
    overrides = [
        rota.Override(o.start, o.end, o.responsible_id, o.backup_id)
        for o in session.scalars(
            select(RotaOverride).where(RotaOverride.rota_id == row.id).order_by(RotaOverride.id)
        )
    ]
    handover = row.handover
    return rota.Rota(
        tuple(int(m) for m in row.members.split(",") if m.strip()),
        handover,
        timedelta(days=row.period_days),
        tuple(overrides),
        timedelta(minutes=row.ack_timeout_minutes),
    )


def _pages(
    session: Session,
    ticket: Ticket,
    duty: rota.Rota,
    *,
    policy: Policy,
    ack_timeout: timedelta,
    now: datetime,
    staff: list[StaffInfo],
) -> int:
    opened = ticket.created_at
    acknowledged = Status(ticket.status) is not Status.NEW
    sent = 0
    for page in rota.pages(
        duty,
        policy.calendar,
        ticket.priority,
        opened,
        now,
        acknowledged=acknowledged,
        ack_timeout=ack_timeout,
    ):
        attr = f"paged_{page.role}_at"
        if getattr(ticket, attr) is not None:
            continue
        setattr(ticket, attr, now)
        number = format_number(ticket.number)
        on_duty = [p for p in staff if p.id == page.user_id]
        people = [p for p in on_duty if staff_sees(p, ticket.customer_id)]
        # on duty, yet the customer is hidden from them: not paged, and the ticket says so
        note = f"paged user {page.user_id} ({page.role})"
        if on_duty and not people:
            note = f"user {page.user_id} ({page.role}) not paged: the customer is hidden from them"
        subject = f"[{number}] on call ({page.role}): P{ticket.priority} {ticket.title}"
        sent += _notify(
            session, ticket, people, event=f"page:{page.role}", subject=subject, body=subject, now=now
        )
        tickets.add_message(
            session,
            ticket,
            "system",
            note,
            now,
            public=False,
            kind="sla",
        )
    return sent


def run(
    session: Session,
    now: datetime,
    *,
    acceptance_days: int = 7,
    hidden: HiddenLookup | None = None,
) -> int:
    """One pass over the open and resolved tickets; returns how many messages were queued.
    ``hidden`` says which customers are hidden from whom: their tickets message nobody of those."""
    staff = load_staff(session, hidden)
    duty = load_rota(session)
    sent = 0
    policies: dict[int, Policy | None] = {}
    live = {s.value for s in lifecycle.OPEN}
    watched = session.scalars(select(Ticket).where(Ticket.status.in_(live | {Status.RESOLVED.value}))).all()
    paused = tickets.pauses_of(session, (t.id for t in watched))
    for ticket in watched:
        if ticket.customer_id not in policies:
            policies[ticket.customer_id] = policy_for(session, ticket.customer_id)
        policy = policies[ticket.customer_id]
        if Status(ticket.status) is Status.RESOLVED:
            resolved = ticket.resolved_at
            if resolved is not None and now - resolved >= timedelta(days=acceptance_days):
                tickets.transition(
                    session,
                    ticket,
                    Action.EXPIRE,
                    "system",
                    now,
                    comment=f"no answer from the customer in {acceptance_days} days",
                )
            continue
        if policy is None:
            continue
        sent += _sla_events(session, ticket, policy, now, staff=staff, paused=paused.get(ticket.id, []))
        if duty is not None:
            sent += _pages(
                session, ticket, duty, policy=policy, ack_timeout=duty.ack_timeout, now=now, staff=staff
            )
    return sent
