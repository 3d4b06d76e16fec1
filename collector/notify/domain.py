"""The closed sets of notification, as string enums in one place, and who receives a message.

Alerting decides *who* is told *what* and hands notify :class:`Recipient` values; notify owns
the channels, the outbox and the message log. The dependency runs one way: alerting → notify.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Channel(enum.StrEnum):
    """Delivery channels, one module each under ``collector.notify``."""

    EMAIL = "email"
    SMS_HTTP = "sms_http"
    SMS_EMAIL_GATEWAY = "sms_email_gateway"
    WEBHOOK = "webhook"


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


@dataclass(frozen=True, slots=True)
class Recipient:
    """One destination of one notification: who (a stable key), by which channel, where."""

    key: str  # contact:3, user:2, ops, webhook
    channel: Channel
    address: str
    contact_id: int | None = None
