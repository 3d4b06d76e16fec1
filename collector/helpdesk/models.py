"""Relational tables of the helpdesk, on the shared declarative base. Times are UTC.

Tickets with their thread (replies, notes, history: one ``ticket_entries`` row each, so the
ticket page is one ordered list), attachments, SLA pauses and time entries; SLA policies and
business calendars; rules on save; the on-call rota; and the record of every mail taken from
the mailbox (its key is the dedupe that makes mail processing exactly-once).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime


class Calendar(Base):
    __tablename__ = "helpdesk_calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    hours: Mapped[str] = mapped_column(String(500))  # "mon-fri 09:00-18:00" (calendar.parse_hours)
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    holidays: Mapped[str] = mapped_column(Text, default="")  # ISO dates, comma-separated


class SlaPolicy(Base):
    """Targets per priority under one calendar; a customer's own policy, else the default."""

    __tablename__ = "helpdesk_sla_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=True, unique=True
    )  # None: the default policy (at most one: the service keeps it so)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_calendars.id"))
    warn_percent: Mapped[int] = mapped_column(Integer, default=75)


class SlaTarget(Base):
    __tablename__ = "helpdesk_sla_targets"
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_sla_policies.id", ondelete="CASCADE"), primary_key=True
    )
    priority: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1..4
    response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # EUS-000123; never reused
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    function_id: Mapped[str] = mapped_column(String(200), default="")
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="SET NULL"), nullable=True, unique=True
    )  # one ticket per alert
    title: Mapped[str] = mapped_column(String(300))
    priority: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(32), default="new", index=True)
    category: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(20), default="technician")  # alert, email, technician, portal
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    requester_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_contacts.id", ondelete="SET NULL"), nullable=True
    )
    requester_address: Mapped[str] = mapped_column(String(300), default="")  # unknown senders
    notify_also: Mapped[str] = mapped_column(Text, default="")  # others to notify, comma-separated
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_sla_policies.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolutions: Mapped[int] = mapped_column(Integer, default=0)  # acceptance links name one
    # One stamp per SLA notification, so each is sent exactly once (reset when reopened).
    response_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    response_breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolution_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolution_breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    paged_responsible_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    paged_backup_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TicketEntry(Base):
    """One line of a ticket's thread and history: a public reply, an internal note, a status
    change, a rule's outcome, a mail, a time entry's record."""

    __tablename__ = "ticket_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # reply, note, status, rule, mail, alert, time, sla
    author: Mapped[str] = mapped_column(String(200))  # user:alice, contact:3, system, rule:2, mail:<addr>
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # a malformed mail: look at it


class TicketAttachment(Base):
    __tablename__ = "ticket_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ticket_entries.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class TicketPause(Base):
    """A span in which the SLA clock stood still (waiting on the customer, or resolved)."""

    __tablename__ = "ticket_pauses"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TicketWatcher(Base):
    __tablename__ = "ticket_watchers"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class TimeEntry(Base):
    __tablename__ = "ticket_time_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")


class TicketRule(Base):
    __tablename__ = "helpdesk_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    stop: Mapped[bool] = mapped_column(Boolean, default=False)
    conditions: Mapped[str] = mapped_column(Text, default="{}")  # JSON of rules.Conditions
    actions: Mapped[str] = mapped_column(Text, default="{}")  # JSON of rules.Actions


class Rota(Base):
    __tablename__ = "helpdesk_rotas"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    members: Mapped[str] = mapped_column(Text, default="")  # user ids in turn order, comma-separated
    handover: Mapped[datetime] = mapped_column(UtcDateTime)
    period_days: Mapped[int] = mapped_column(Integer, default=7)
    ack_timeout_minutes: Mapped[int] = mapped_column(Integer, default=15)


class RotaOverride(Base):
    __tablename__ = "helpdesk_rota_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_rotas.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime] = mapped_column(UtcDateTime)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class InboundMail(Base):
    """Every mail taken from the mailbox, by its key: written in the same transaction as the
    ticket change it caused, so a mail seen again after a crash is only moved, not re-applied."""

    __tablename__ = "helpdesk_inbound"
    __table_args__ = (UniqueConstraint("key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sender: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    outcome: Mapped[str] = mapped_column(String(20))  # inbound.RouteKind
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # the original, kept (malformed ones above all)


class TicketCounter(Base):
    """Counters that never go back: ticket numbers."""

    __tablename__ = "helpdesk_sequences"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
