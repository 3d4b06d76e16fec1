"""The transactional outbox: notifications owed, written in the alert transition's own
transaction, one row per (transition, recipient, channel) under a unique idempotency key.

:func:`flush_due` turns due rows into messages, one per (recipient, channel, group): the
rows and their message change in one transaction, so a crash can neither lose a row nor
make two messages of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.notify import message_log
from collector.notify.domain import OutboxState, Recipient
from collector.notify.models import Message, OutboxEntry

Renderer = Callable[[str, str, Sequence[str], str], tuple[str, str]]


def idempotency_key(transition_id: int, recipient: Recipient) -> str:
    return f"t{transition_id}:{recipient.key}:{recipient.channel}"


def enqueue(
    session: Session,
    *,
    transition_id: int,
    alert_id: int,
    customer_id: int | None,
    recipients: Sequence[Recipient],
    announcement: str,
    group_key: str,
    title: str,
    line: str,
    due_at: datetime,
    source_at: datetime | None,
) -> int:
    """Add one row per recipient and channel unless it exists; returns how many were added."""
    keys = {idempotency_key(transition_id, r): r for r in recipients}
    if not keys:
        return 0
    existing = set(
        session.scalars(select(OutboxEntry.idempotency_key).where(OutboxEntry.idempotency_key.in_(keys)))
    )
    added = 0
    for key, r in keys.items():
        if key in existing:
            continue
        session.add(
            OutboxEntry(
                idempotency_key=key,
                transition_id=transition_id,
                alert_id=alert_id,
                recipient=r.key,
                contact_id=r.contact_id,
                customer_id=customer_id,
                channel=r.channel.value,
                address=r.address,
                announcement=announcement,
                group_key=group_key,
                title=title[:200],
                line=line,
                due_at=due_at,
                source_at=source_at,
                state=OutboxState.PENDING.value,
            )
        )
        added += 1
    return added


def flush_due(session: Session, now: datetime, render: Renderer) -> list[Message]:
    """Group every pending row whose group is due into one queued message per group."""
    pending = session.scalars(
        select(OutboxEntry).where(OutboxEntry.state == OutboxState.PENDING.value).order_by(OutboxEntry.id)
    ).all()
    groups: dict[tuple[str, str, str, str], list[OutboxEntry]] = {}
    for row in pending:
        groups.setdefault((row.recipient, row.channel, row.address, row.group_key), []).append(row)
    made: list[Message] = []
    for (recipient, channel, address, _), rows in groups.items():
        if min(r.due_at for r in rows) > now:
            continue  # the group is still collecting
        subject, body = render(channel, rows[0].announcement, [r.line for r in rows], rows[0].title)
        sources = [r.source_at for r in rows if r.source_at is not None]
        msg = message_log.queue(
            session,
            key=f"m:{rows[0].idempotency_key}",
            kind="alert",
            recipient=recipient,
            contact_id=rows[0].contact_id,
            customer_id=rows[0].customer_id,
            channel=channel,
            address=address,
            subject=subject,
            body=body,
            now=now,
            source_at=min(sources) if sources else None,
        )
        for r in rows:
            r.state = OutboxState.GROUPED.value
            r.message_id = msg.id
        made.append(msg)
    return made
