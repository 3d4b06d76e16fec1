"""Relational tables of alerting, on the shared declarative base.

Rules (with their scope), alerts (one row per stable identity, the *fingerprint*), every
lifecycle transition, maintenance windows, customer contacts and technicians' channels.
The outbox, the message log and dead letters are notify's (``collector.notify.models``).
Times are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime


class AlertRule(Base):
    """A rule of one kind. Rules sharing a ``family`` override each other: most specific wins."""

    __tablename__ = "alert_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=True, index=True
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), nullable=True)
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON, validated by the rule kind
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    notify_contacts: Mapped[bool] = mapped_column(Boolean, default=False)
    escalate_after_s: Mapped[float] = mapped_column(Float, default=0.0)  # 0: no escalation
    # None: critical alerts open a P2 ticket; 0: never; 1..4: always, at that priority.
    ticket_priority: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InstalledDefault(Base):
    """A default rule once installed (``collector.alerting.defaults``): never installed again."""

    __tablename__ = "alert_installed_defaults"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="SET NULL"), nullable=True
    )
    installed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ChannelSetting(Base):
    """An administrator's override of one channel setting (``collector.alerting.channel_settings``)."""

    __tablename__ = "alert_channel_settings"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")  # secrets too: never shown back
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Alert(Base):
    """One alert identity (rule family + target), kept across restarts and episodes."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(400), unique=True)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    site_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    state: Mapped[str] = mapped_column(String(16), default="inactive", index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    active_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    firing_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    notified_state: Mapped[str] = mapped_column(String(16), default="")
    notified_severity: Mapped[str] = mapped_column(String(16), default="")
    acked_by: Mapped[str] = mapped_column(String(100), default="")
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    escalation_tier: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AlertTransition(Base):
    """Every change of an alert: lifecycle steps, acknowledgements, snoozes, escalations."""

    __tablename__ = "alert_transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100), default="system")
    source_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    suppressed: Mapped[str] = mapped_column(String(60), default="")  # why nothing was sent


class MaintenanceWindow(Base):
    """A one-off or recurring window; scope narrows from customer to site, device or function."""

    __tablename__ = "maintenance_windows"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), nullable=True)
    function_id: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # none, daily, weekly, monthly, monthly-nth (the form's choice; ``rule`` is what repeats)
    recurrence: Mapped[str] = mapped_column(String(16), default="none")
    until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    rule: Mapped[str] = mapped_column(String(200), default="")  # RFC 5545 RRULE; "": fixed period
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # whose wall clock the rule repeats in
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Contact(Base):
    """A person at the customer who receives alert copies (EUS level 4)."""

    __tablename__ = "alert_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(300), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")  # E.164
    sms_gateway_domain: Mapped[str] = mapped_column(String(200), default="")  # "": the HTTP provider
    min_severity: Mapped[str] = mapped_column(String(16), default="warning")
    hours: Mapped[str] = mapped_column(String(16), default="24x7")
    all_rules: Mapped[bool] = mapped_column(Boolean, default=True)
    opt_in_rules: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of rule ids
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class UserChannel(Base):
    """Where a technician, supervisor or administrator receives alerts."""

    __tablename__ = "alert_user_channels"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(300), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
