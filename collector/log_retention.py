"""Retention of the relational logs: the audit log, the message log and the notification
outbox (SQLite).

The hourly retention job (``collector.app``) applies it beside the time-series tiers
(``collector.tsdb.retention``). An audit entry goes when it was written before the cut; a
message goes when it was created before the cut and its delivery is over (delivered, failed
or dead): one still queued, being sent or retried is never deleted, however old. A deleted
message takes its dead-letter row with it, and outbox rows that point at it keep their own
record but lose the link. An outbox row (a notification owed, written with its alert's
transition) goes when it was created before the cut and it is done: grouped into a message
whose delivery is over, or whose message retention already took. A row still pending (not
yet grouped) or whose message is still queued, being sent or retried is never deleted.
``0`` days keeps a log forever. What went is audited as ``retention.logs`` (counts only) by
``system``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Delete, Result, delete, or_, select, update
from sqlalchemy.orm import Session

from collector.notify.domain import MessageState, OutboxState
from collector.notify.models import DeadLetter, Message, OutboxEntry
from collector.store.db import audit
from collector.store.models import AuditEntry

OVER = (MessageState.DELIVERED.value, MessageState.FAILED.value, MessageState.DEAD.value)


@dataclass(frozen=True, slots=True)
class LogRetention:
    """Days each log is kept (0: forever)."""

    audit_days: int = 365
    messages_days: int = 180
    outbox_days: int = 30  # notification outbox rows whose message's delivery is over


def apply(session: Session, keep: LogRetention, now: datetime) -> dict[str, int]:
    """Delete the log rows past their age at ``now`` in the caller's transaction; returns
    the rows deleted per log (only the logs with a limit)."""
    deleted: dict[str, int] = {}
    if keep.audit_days > 0:
        cut = now - timedelta(days=keep.audit_days)
        deleted["audit log"] = _rows(session.execute(delete(AuditEntry).where(AuditEntry.at < cut)))
    if keep.outbox_days > 0:
        deleted["notification outbox"] = _rows(
            session.execute(_outbox_done(now - timedelta(days=keep.outbox_days)))
        )
    if keep.messages_days > 0:
        cut = now - timedelta(days=keep.messages_days)
        done = select(Message.id).where(Message.created_at < cut, Message.state.in_(OVER))
        session.execute(update(OutboxEntry).where(OutboxEntry.message_id.in_(done)).values(message_id=None))
        session.execute(delete(DeadLetter).where(DeadLetter.message_id.in_(done)))
        deleted["message log"] = _rows(session.execute(delete(Message).where(Message.id.in_(done))))
    if any(deleted.values()):
        audit(
            session,
            "system",
            "retention.logs",
            audit_log=deleted.get("audit log", 0),
            message_log=deleted.get("message log", 0),
            outbox=deleted.get("notification outbox", 0),
        )
    return deleted


def _outbox_done(cut: datetime) -> Delete:
    """The outbox rows created before ``cut`` whose notification is over: grouped into a message
    whose delivery is over, or whose message is gone (only such messages are deleted)."""
    over = select(Message.id).where(Message.state.in_(OVER))
    return delete(OutboxEntry).where(
        OutboxEntry.created_at < cut,
        OutboxEntry.state == OutboxState.GROUPED.value,
        or_(OutboxEntry.message_id.is_(None), OutboxEntry.message_id.in_(over)),
    )


def _rows(result: Result[Any]) -> int:
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
