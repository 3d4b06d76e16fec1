"""The ticket service: every change to a ticket goes through here, in the caller's session.

Dashboard, mail poller, alert hook and the acceptance page all call these functions, so a
ticket changes one way whoever changes it: the pure lifecycle decides, the change and its
history entry (and audit row, and any outgoing mail through the notification message log)
are written in one transaction, and the rules on save run on every create and update with
each outcome recorded in the ticket's history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.helpdesk import lifecycle, rules
from collector.helpdesk.lifecycle import Action, Status
from collector.helpdesk.models import (
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketEntry,
    TicketPause,
    TicketRule,
    TicketWatcher,
    TimeEntry,
)
from collector.helpdesk.numbers import format_number
from collector.store.db import audit
from collector.store.models import User

PRIORITIES = (1, 2, 3, 4)
SOURCES = ("alert", "email", "technician", "portal")
MAX_TITLE = 300
MAX_MINUTES = 24 * 60


class TicketError(ValueError):
    """A request the helpdesk refuses, said in words a technician can act on."""


def next_number(session: Session) -> int:
    """The next ticket number; the counter only goes up, so numbers are never reused."""
    counter = session.get(TicketCounter, "ticket")
    if counter is None:
        counter = TicketCounter(name="ticket", value=0)
        session.add(counter)
    counter.value += 1
    session.flush()
    return counter.value


def _entry(
    session: Session,
    ticket: Ticket,
    kind: str,
    author: str,
    body: str,
    *,
    now: datetime,
    public: bool = False,
    flagged: bool = False,
) -> TicketEntry:
    entry = TicketEntry(
        ticket_id=ticket.id, at=now, kind=kind, author=author, public=public, body=body, flagged=flagged
    )
    session.add(entry)
    session.flush()
    ticket.updated_at = now
    return entry


def _rules(session: Session) -> list[rules.Rule]:
    out = []
    for row in session.scalars(select(TicketRule).order_by(TicketRule.position, TicketRule.id)):
        c, a = json.loads(row.conditions or "{}"), json.loads(row.actions or "{}")
        out.append(
            rules.Rule(
                row.id,
                row.name,
                rules.Conditions(
                    events=frozenset(rules.Event(e) for e in c.get("events", ["created"])),
                    priorities=frozenset(int(p) for p in c.get("priorities", [])),
                    customer_ids=frozenset(int(i) for i in c.get("customer_ids", [])),
                    categories=frozenset(str(x) for x in c.get("categories", [])),
                    sources=frozenset(str(x) for x in c.get("sources", [])),
                ),
                rules.Actions(
                    set_priority=a.get("set_priority"),
                    set_category=a.get("set_category"),
                    assign_to=a.get("assign_to"),
                    notify=tuple(a.get("notify", ())),
                    add_note=str(a.get("add_note", "")),
                ),
                enabled=row.enabled,
                stop=row.stop,
            )
        )
    return out


def run_rules(session: Session, ticket: Ticket, event: rules.Event, now: datetime) -> rules.Result:
    """Evaluate the rules on save and apply what matched; every outcome goes in the history."""
    facts = rules.Facts(
        ticket.priority, ticket.customer_id, ticket.category, ticket.source, ticket.assignee_id
    )
    result = rules.evaluate(_rules(session), facts, event)
    ticket.priority = result.facts.priority
    ticket.category = result.facts.category
    ticket.assignee_id = result.facts.assignee_id
    if result.notify:
        known = [a for a in ticket.notify_also.split(",") if a]
        ticket.notify_also = ",".join(known + [a for a in result.notify if a not in known])
    for outcome in result.outcomes:
        verdict = "matched" if outcome.matched else "did not match"
        _entry(
            session,
            ticket,
            "rule",
            f"rule:{outcome.rule_id}",
            f"{outcome.rule_name}: {verdict} ({outcome.detail})",
            now=now,
        )
    for note in result.notes:
        _entry(session, ticket, "note", "system", note, now=now)
    return result


@dataclass(frozen=True, slots=True)
class NewTicket:
    customer_id: int
    title: str
    priority: int = 3
    body: str = ""
    source: str = "technician"
    category: str = ""
    device_id: int | None = None
    function_id: str = ""
    alert_id: int | None = None
    requester_contact_id: int | None = None
    requester_address: str = ""
    assignee_id: int | None = None


def validate(new: NewTicket) -> None:
    if not new.title.strip():
        raise TicketError("a ticket needs a title")
    if len(new.title) > MAX_TITLE:
        raise TicketError(f"the title is longer than {MAX_TITLE} characters")
    if new.priority not in PRIORITIES:
        raise TicketError(f"priority must be P1 to P4, not {new.priority!r}")
    if new.source not in SOURCES:
        raise TicketError(f"source must be one of {', '.join(SOURCES)}")


def open_ticket(session: Session, new: NewTicket, actor: str, now: datetime) -> Ticket:
    """Create a ticket with its first entry; rules on save run; audited."""
    validate(new)
    ticket = Ticket(
        number=next_number(session),
        customer_id=new.customer_id,
        device_id=new.device_id,
        function_id=new.function_id,
        alert_id=new.alert_id,
        title=new.title.strip(),
        priority=new.priority,
        status=Status.NEW.value,
        category=new.category,
        source=new.source,
        assignee_id=new.assignee_id,
        requester_contact_id=new.requester_contact_id,
        requester_address=new.requester_address,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    _entry(session, ticket, "opened", actor, new.body, now=now, public=True)
    run_rules(session, ticket, rules.Event.CREATED, now)
    audit(
        session,
        actor,
        "ticket.open",
        format_number(ticket.number),
        customer_id=ticket.customer_id,
        source=new.source,
    )
    return ticket


def transition(
    session: Session, ticket: Ticket, action: Action, actor: str, now: datetime, *, comment: str = ""
) -> Status:
    """Apply a lifecycle action: status, SLA stamps and pauses, history, rules, audit."""
    before = Status(ticket.status)
    after = lifecycle.apply(before, action)
    ticket.status = after.value
    if lifecycle.responds(action) and ticket.first_response_at is None and not actor.startswith("contact:"):
        ticket.first_response_at = now
    if lifecycle.pauses_clock(before) and not lifecycle.pauses_clock(after):
        for pause in session.scalars(
            select(TicketPause).where(TicketPause.ticket_id == ticket.id, TicketPause.end.is_(None))
        ):
            pause.end = now
    if lifecycle.pauses_clock(after) and not lifecycle.pauses_clock(before):
        session.add(TicketPause(ticket_id=ticket.id, start=now))
    if after is Status.RESOLVED:
        ticket.resolved_at = now
        ticket.resolutions += 1
    if after is Status.REOPENED:
        ticket.resolved_at = None
        ticket.resolution_warned_at = ticket.resolution_breached_at = None
    if after is Status.CLOSED:
        ticket.closed_at = now
    text = f"{before.value} → {after.value}" + (f": {comment}" if comment else "")
    _entry(session, ticket, "status", actor, text, now=now, public=action in {Action.RESOLVE, Action.REJECT})
    run_rules(session, ticket, rules.Event.UPDATED, now)
    audit(
        session, actor, f"ticket.{action.value}", format_number(ticket.number), customer_id=ticket.customer_id
    )
    return after


def add_message(
    session: Session,
    ticket: Ticket,
    author: str,
    body: str,
    now: datetime,
    *,
    public: bool,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    flagged: bool = False,
    kind: str = "",
) -> TicketEntry:
    """A public reply or an internal note (``kind`` "mail" for one that came by email)."""
    if not body.strip() and not attachments and not flagged:
        raise TicketError("a reply or note needs some text")
    entry = _entry(
        session,
        ticket,
        kind or ("reply" if public else "note"),
        author,
        body,
        now=now,
        public=public,
        flagged=flagged,
    )
    for filename, content_type, data in attachments:
        session.add(
            TicketAttachment(entry_id=entry.id, filename=filename, content_type=content_type, data=data)
        )
    if public and ticket.first_response_at is None and author.startswith("user:"):
        ticket.first_response_at = now
    audit(
        session,
        author,
        "ticket.reply" if public else "ticket.note",
        format_number(ticket.number),
        customer_id=ticket.customer_id,
    )
    return entry


def log_time(
    session: Session,
    ticket: Ticket,
    *,
    user_id: int,
    actor: str,
    minutes: int,
    started_at: datetime,
    billable: bool = True,
    note: str = "",
) -> TimeEntry:
    if not 0 < minutes <= MAX_MINUTES:
        raise TicketError(f"minutes must be between 1 and {MAX_MINUTES}, not {minutes}")
    entry = TimeEntry(
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        user_id=user_id,
        started_at=started_at,
        minutes=minutes,
        billable=billable,
        note=note,
    )
    session.add(entry)
    _entry(
        session,
        ticket,
        "time",
        actor,
        f"{minutes} min{' billable' if billable else ''}: {note}".strip(),
        now=started_at,
    )
    audit(
        session,
        actor,
        "ticket.time",
        format_number(ticket.number),
        customer_id=ticket.customer_id,
        minutes=minutes,
    )
    return entry


def by_number(session: Session, number: int) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.number == number)).first()


Pauses = list[tuple[datetime, datetime | None]]


def pauses_of(session: Session, ticket_ids: Iterable[int]) -> dict[int, Pauses]:
    """The SLA pauses of many tickets in one query (a queue page, a watch pass)."""
    out: dict[int, Pauses] = {}
    rows = session.scalars(
        select(TicketPause).where(TicketPause.ticket_id.in_(list(ticket_ids))).order_by(TicketPause.start)
    )
    for p in rows:
        out.setdefault(p.ticket_id, []).append((p.start, p.end))
    return out


def pauses(session: Session, ticket: Ticket) -> Pauses:
    return pauses_of(session, [ticket.id]).get(ticket.id, [])


def assign(session: Session, ticket: Ticket, assignee: User | None, actor: str, now: datetime) -> None:
    """Give the ticket to ``assignee`` (None: to nobody); in the history and the audit log."""
    ticket.assignee_id = assignee.id if assignee is not None else None
    name = assignee.username if assignee is not None else "nobody"
    _entry(session, ticket, "status", actor, f"assigned to {name}", now=now)
    run_rules(session, ticket, rules.Event.UPDATED, now)
    audit(
        session, actor, "ticket.assign", format_number(ticket.number), customer_id=ticket.customer_id, to=name
    )


def set_people(
    session: Session,
    ticket: Ticket,
    *,
    notify_also: list[str],
    watchers: list[int],
    actor: str,
    now: datetime,
) -> None:
    """Others to notify (addresses that get every public message) and watchers (staff who get
    every update); in the history and the audit log."""
    bad = [a for a in notify_also if "@" not in a or len(a) > 300]
    if bad:
        raise TicketError(f"not an email address: {bad[0][:60]!r}")
    ticket.notify_also = ",".join(dict.fromkeys(a.strip().lower() for a in notify_also if a.strip()))
    current = {
        w.user_id for w in session.scalars(select(TicketWatcher).where(TicketWatcher.ticket_id == ticket.id))
    }
    for user_id in set(watchers) - current:
        session.add(TicketWatcher(ticket_id=ticket.id, user_id=user_id))
    for w in session.scalars(select(TicketWatcher).where(TicketWatcher.ticket_id == ticket.id)):
        if w.user_id not in watchers:
            session.delete(w)
    text = f"others to notify: {ticket.notify_also or 'nobody'}; watchers: {len(set(watchers))}"
    _entry(session, ticket, "status", actor, text, now=now)
    audit(session, actor, "ticket.people", format_number(ticket.number), customer_id=ticket.customer_id)
