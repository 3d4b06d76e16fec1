"""Relational tables of notification, on the shared declarative base: the transactional
outbox (notifications owed, written in the alert transition's transaction), the message log
and dead letters. Times are UTC.

The outbox rows point at alerting's rows (``alerts``, ``alert_transitions``) by foreign key
only: notify never imports alerting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime


class OutboxEntry(Base):
    """One notification owed: (transition, recipient, channel), written with the transition."""

    __tablename__ = "alert_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("alert_transitions.id", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(100))  # "contact:3", "user:2", "ops", "webhook"
    contact_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(300))
    announcement: Mapped[str] = mapped_column(String(16))
    group_key: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(200))  # the group's name in a subject line
    line: Mapped[str] = mapped_column(Text)  # this alert's line in the grouped message
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_messages.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Message(Base):
    """The message log: every message to anyone, its attempts and its final state."""

    __tablename__ = "alert_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="alert")  # alert, test
    recipient: Mapped[str] = mapped_column(String(100))
    contact_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    provider_response: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    source_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DeadLetter(Base):
    """A message given up on, and why; a "notification channel failing" alert follows."""

    __tablename__ = "alert_dead_letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("alert_messages.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
