"""Mail the helpdesk sends: every message carries the ticket's subject tag, so the answer
comes back to the same ticket, and goes through the notification message log (one row per
message under an idempotency key), so it is sent exactly once and shows in the contact's log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting.models import Contact, UserChannel
from collector.helpdesk.models import Ticket, TicketWatcher
from collector.helpdesk.numbers import format_number, tagged
from collector.notify import message_log

KIND = "ticket"


def requester(session: Session, ticket: Ticket) -> str:
    """Where the requester is written to: their contact's address, else the mail's sender."""
    if ticket.requester_contact_id is not None:
        contact = session.get(Contact, ticket.requester_contact_id)
        if contact is not None and contact.email:
            return contact.email
    return ticket.requester_address


def watcher_addresses(session: Session, ticket: Ticket) -> list[str]:
    """The alert e-mail of every staff member watching the ticket."""
    rows = session.scalars(
        select(UserChannel.email)
        .join(TicketWatcher, TicketWatcher.user_id == UserChannel.user_id)
        .where(TicketWatcher.ticket_id == ticket.id, UserChannel.email != "")
    )
    return [a.lower() for a in rows]


def recipients(ticket: Ticket, requester: str) -> list[str]:
    """The requester first, then the others to notify, each once."""
    out: list[str] = []
    for raw in [requester, *ticket.notify_also.split(",")]:
        address = raw.strip().lower()
        if "@" in address and address not in out:
            out.append(address)
    return out


def queue(
    session: Session,
    ticket: Ticket,
    *,
    event: str,  # e.g. "opened", "reply:17", "resolved:2": part of the idempotency key
    addresses: list[str],
    contact_id: int | None,
    body: str,
    now: datetime,
) -> int:
    """Queue one email per address; returns how many."""
    subject = tagged(ticket.title, ticket.number)
    for address in addresses:
        message_log.queue(
            session,
            key=f"ticket:{ticket.id}:{event}:{address}",
            kind=KIND,
            recipient=f"contact:{contact_id}" if contact_id is not None else f"address:{address}",
            contact_id=contact_id,
            customer_id=ticket.customer_id,
            channel="email",
            address=address,
            subject=subject,
            body=f"{body}\n\n-- \n{format_number(ticket.number)}: please keep {tagged('', ticket.number)} "
            "in the subject when you reply.",
            now=now,
        )
    return len(addresses)
