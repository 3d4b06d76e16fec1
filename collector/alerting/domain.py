"""The closed sets of alerting, as string enums in one place, and small shared value types."""

from __future__ import annotations

import enum


class Severity(enum.StrEnum):
    """How bad an alert is. ``info`` is shown on the dashboard and never paged."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class State(enum.StrEnum):
    """The alert lifecycle (see ``collector.alerting.state``)."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


class Scope(enum.StrEnum):
    """Where a rule applies; the most specific rule of a family wins."""

    GLOBAL = "global"
    CUSTOMER = "customer"
    SITE = "site"
    DEVICE = "device"


class Channel(enum.StrEnum):
    """Delivery channels, one module each under ``collector.notify``."""

    EMAIL = "email"
    SMS_HTTP = "sms_http"
    SMS_EMAIL_GATEWAY = "sms_email_gateway"
    WEBHOOK = "webhook"


class Hours(enum.StrEnum):
    """When a contact wants alert copies."""

    ALWAYS = "24x7"
    BUSINESS = "business"


class MessageState(enum.StrEnum):
    """A message's delivery state in the message log."""

    QUEUED = "queued"
    SENDING = "sending"  # claimed by the worker; found at start-up means "resend"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"  # a test message that failed (not retried)
    DEAD = "dead"  # retry budget spent or a permanent refusal: a dead-letter row exists


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # waiting for its group to be flushed into a message
    GROUPED = "grouped"  # part of a message


class Announcement(enum.StrEnum):
    """What a notification tells its recipients."""

    FIRING = "firing"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
