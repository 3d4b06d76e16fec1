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


class Hours(enum.StrEnum):
    """When a contact wants alert copies."""

    ALWAYS = "24x7"
    BUSINESS = "business"


class Announcement(enum.StrEnum):
    """What a notification tells its recipients."""

    FIRING = "firing"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
