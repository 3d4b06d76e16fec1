"""Turn the helpdesk mailbox into tickets, exactly once.

For each waiting mail: read it, and in one transaction apply it (a new ticket, a reply on an
existing one, or a refusal) and record its key in ``helpdesk_inbound``; only after that commit
is the mail moved to the processed folder. A collector killed between the commit and the move
finds the mail again on its next poll, sees the key and only moves it: no mail is lost, none
is applied twice. A mail whose key is already recorded is never applied again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.alerting.models import Contact
from collector.helpdesk import inbound, mail_out, tickets
from collector.helpdesk.inbound import RouteKind, UnknownSenders
from collector.helpdesk.lifecycle import Action, Status
from collector.helpdesk.mailbox import MailboxSettings, open_mailbox
from collector.helpdesk.models import InboundMail, Ticket
from collector.helpdesk.numbers import format_number
from collector.store.db import Store
from collector.store.models import Customer

log = logging.getLogger(__name__)

UNKNOWN_CUSTOMER = "Unknown contacts"
ACKNOWLEDGEMENT = (
    "We have received your message and opened ticket {number}. We will answer within the "
    "response time agreed for its priority."
)


@dataclass(frozen=True, slots=True)
class InboundPolicy:
    unknown: UnknownSenders = UnknownSenders.TICKET
    priority: int = 3


def _contact(session: Session, address: str) -> Contact | None:
    return session.scalars(
        select(Contact).where(func.lower(Contact.email) == address.lower(), Contact.active.is_(True))
    ).first()


def _unknown_customer(session: Session) -> Customer:
    customer = session.scalars(select(Customer).where(Customer.name == UNKNOWN_CUSTOMER)).first()
    if customer is None:
        customer = Customer(name=UNKNOWN_CUSTOMER)
        session.add(customer)
        session.flush()
    return customer


def _append(session: Session, ticket: Ticket, mail: inbound.Mail, author: str, now: datetime) -> Ticket:
    if Status(ticket.status) is Status.CLOSED:
        return tickets.open_ticket(
            session,
            tickets.NewTicket(
                customer_id=ticket.customer_id,
                title=mail.subject or ticket.title,
                priority=ticket.priority,
                body=f"Follow-up to {format_number(ticket.number)} (closed).\n\n{mail.text}",
                source="email",
                requester_contact_id=ticket.requester_contact_id,
                requester_address=mail.sender,
            ),
            author,
            now,
        )
    attachments = [(a.filename, a.content_type, a.data) for a in mail.attachments]
    tickets.add_message(
        session,
        ticket,
        author,
        mail.text,
        now,
        public=True,
        attachments=attachments,
        flagged=mail.malformed,
        kind="mail",
    )
    if Status(ticket.status) is Status.WAITING:
        tickets.transition(
            session, ticket, Action.RESUME, author, now, comment="the customer answered by email"
        )
    elif Status(ticket.status) is Status.RESOLVED:
        tickets.transition(
            session, ticket, Action.REJECT, author, now, comment="the customer answered by email"
        )
    return ticket


def apply_mail(session: Session, raw: bytes, policy: InboundPolicy, now: datetime) -> InboundMail:
    """Apply one mail in the caller's transaction; a mail seen before is returned as it was."""
    mail = inbound.parse(raw)
    seen = session.scalars(select(InboundMail).where(InboundMail.key == mail.key)).first()
    if seen is not None:
        return seen
    route = inbound.route(
        mail,
        ticket_exists=lambda n: tickets.by_number(session, n) is not None,
        contact_for=lambda a: c.id if (c := _contact(session, a)) is not None else None,
        unknown=policy.unknown,
    )
    author = (
        f"contact:{route.contact_id}" if route.contact_id is not None else f"mail:{mail.sender or 'unknown'}"
    )
    ticket: Ticket | None = None
    if route.kind is RouteKind.APPEND:
        assert route.ticket_number is not None
        existing = tickets.by_number(session, route.ticket_number)
        assert existing is not None
        ticket = _append(session, existing, mail, author, now)
    elif route.kind in {RouteKind.NEW, RouteKind.NEW_UNKNOWN}:
        contact = session.get(Contact, route.contact_id) if route.contact_id is not None else None
        customer_id = contact.customer_id if contact is not None else _unknown_customer(session).id
        ticket = tickets.open_ticket(
            session,
            tickets.NewTicket(
                customer_id=customer_id,
                title=mail.subject or "(no subject)",
                priority=policy.priority,
                body=mail.text,
                source="email",
                requester_contact_id=route.contact_id,
                requester_address=mail.sender,
            ),
            author,
            now,
        )
        first = tickets.add_message(
            session,
            ticket,
            author,
            "(the original mail)",
            now,
            public=False,
            attachments=[(a.filename, a.content_type, a.data) for a in mail.attachments],
            flagged=mail.malformed,
            kind="mail",
        )
        if mail.malformed:
            first.body = "This mail could not be read completely: " + "; ".join(mail.problems)
        if mail.sender:
            mail_out.queue(
                session,
                ticket,
                event="opened",
                addresses=[mail.sender],
                contact_id=route.contact_id,
                body=ACKNOWLEDGEMENT.format(number=format_number(ticket.number)),
                now=now,
            )
    record = InboundMail(
        key=mail.key,
        received_at=now,
        sender=mail.sender,
        subject=mail.subject,
        outcome=route.kind.value,
        ticket_id=ticket.id if ticket is not None else None,
        reason=route.reason or "; ".join(mail.problems),
        raw=raw,
    )
    session.add(record)
    session.flush()
    return record


def poll(store: Store, settings: MailboxSettings, policy: InboundPolicy, now: Callable[[], datetime]) -> int:
    """One pass over the mailbox; returns how many mails were taken."""
    taken = 0
    with open_mailbox(settings) as box:
        for uid in box.waiting():
            raw = box.fetch(uid)
            with store.session() as s:
                record = apply_mail(s, raw, policy, now())
                outcome, ticket_id = record.outcome, record.ticket_id
            box.move_to_processed(uid)  # only after the commit above
            taken += 1
            log.info("mail %s from %r: %s (ticket id %s)", uid, record.sender, outcome, ticket_id)
    return taken
