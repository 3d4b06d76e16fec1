"""The message log: every message to anyone, with its channel, content, attempts, the
provider's responses and its final state. The worker claims and records through here;
the dashboard reads a contact's log through here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from collector.notify.channel import Outcome
from collector.notify.domain import MessageState
from collector.notify.models import DeadLetter, Message

MAX_RESPONSE_LOG = 4000


def queue(
    session: Session,
    *,
    key: str,
    kind: str,
    recipient: str,
    contact_id: int | None,
    customer_id: int | None,
    channel: str,
    address: str,
    subject: str,
    body: str,
    now: datetime,
    source_at: datetime | None = None,
) -> Message:
    msg = Message(
        idempotency_key=key[:200],
        kind=kind,
        recipient=recipient,
        contact_id=contact_id,
        customer_id=customer_id,
        channel=channel,
        address=address,
        subject=subject,
        body=body,
        state=MessageState.QUEUED.value,
        next_attempt_at=now,
        source_at=source_at,
        created_at=now,
    )
    session.add(msg)
    session.flush()
    return msg


def recover_in_flight(session: Session) -> int:
    """At start-up: messages claimed by a process that died are sent again (same key)."""
    result = session.execute(
        update(Message)
        .where(Message.state == MessageState.SENDING.value)
        .values(state=MessageState.RETRYING.value)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim_due(session: Session, now: datetime, limit: int) -> list[Message]:
    rows = session.scalars(
        select(Message)
        .where(or_(Message.state == MessageState.QUEUED.value, Message.state == MessageState.RETRYING.value))
        .where(Message.next_attempt_at <= now)
        .order_by(Message.next_attempt_at, Message.id)
        .limit(limit)
    ).all()
    for m in rows:
        m.state = MessageState.SENDING.value
        m.attempts += 1
        m.last_attempt_at = now
        if m.first_attempt_at is None:
            m.first_attempt_at = now
    return list(rows)


def record(
    session: Session, message_id: int, outcome: Outcome, now: datetime, retry_in: timedelta | None
) -> Message:
    """Store one attempt's outcome. ``retry_in`` None: no further attempt (dead or failed)."""
    m = session.get(Message, message_id)
    assert m is not None
    line = f"[{now.isoformat(timespec='seconds')} #{m.attempts}] {outcome.response}"
    m.provider_response = (m.provider_response + "\n" + line).strip()[-MAX_RESPONSE_LOG:]
    if outcome.ok:
        m.state = MessageState.DELIVERED.value
        m.delivered_at = now
    elif retry_in is not None:
        m.state = MessageState.RETRYING.value
        m.next_attempt_at = now + retry_in
    elif m.kind == "test":
        m.state = MessageState.FAILED.value
    else:
        m.state = MessageState.DEAD.value
        session.add(DeadLetter(message_id=m.id, channel=m.channel, reason=outcome.response[:2000], at=now))
    return m


def for_contact(session: Session, contact_id: int, limit: int = 100) -> Sequence[Message]:
    return session.scalars(
        select(Message).where(Message.contact_id == contact_id).order_by(Message.id.desc()).limit(limit)
    ).all()
