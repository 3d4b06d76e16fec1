"""The values the alert engine works with: its settings, a device as alerting sees it, the
engine's copy of one alert, and the system rule behind "notification channel failing"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from collector.alerting import routing
from collector.alerting.domain import Severity
from collector.alerting.rules.params import SystemParams
from collector.alerting.rules.scope import RuleDef
from collector.alerting.state import Lifecycle

Clock = Callable[[], float]
CHANNEL_FAILING = "channel_failing"


@dataclass(frozen=True, slots=True)
class EngineSettings:
    group_wait_s: float = 0.2  # how long a group collects before its message goes out
    offline_group_wait_s: float = 5.0  # site outages arrive as a burst of closing streams
    ops_email: str = ""  # the operator's address: receives every alert at tier 0
    webhook_url: str = ""
    hours: routing.BusinessHours = field(default_factory=routing.BusinessHours)
    cache_ttl_s: float = 2.0  # rules, people and windows edited elsewhere take effect after this
    max_tier: int = len(routing.TIER_ROLES) - 1


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: int
    customer_id: int
    site_id: int | None
    name: str  # as the dashboard shows it (collector.store.device_label)
    customer: str
    site: str
    retired: bool = False  # retired devices raise no alerts


@dataclass(slots=True)
class AlertRec:
    """The engine's copy of one alert."""

    id: int
    fingerprint: str
    rule: RuleDef
    device: DeviceInfo | None
    customer_id: int | None
    subject: str
    life: Lifecycle
    summary: str = ""
    notified_state: str = ""
    notified_severity: str = ""
    last_step_id: int = 0


def ts(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def dt(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


def channel_rule(channel: str) -> RuleDef:
    return RuleDef(
        0,
        f"Notification channel failing: {channel}",
        f"{CHANNEL_FAILING}:{channel}",
        CHANNEL_FAILING,
        SystemParams(),
        Severity.CRITICAL,
    )


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts on an alert by hand: as the audit log names them, from which address, and the
    customers they may see (None: every customer)."""

    name: str  # "user:tina"
    address: str = ""
    customers: frozenset[int] | None = None

    def may_see(self, customer_id: int | None) -> bool:
        """Alerts of no customer (system alerts) are for those who see every customer."""
        if self.customers is None:
            return True
        return customer_id is not None and customer_id in self.customers


@dataclass(frozen=True, slots=True)
class Acted:
    """What an action did: ``changed`` False when there was nothing to do (acknowledged twice)."""

    alert_id: int
    changed: bool
    life: Lifecycle
    reason: str


class AlertNotFound(LookupError):
    """No such alert, or not one the actor may see (the two are one answer: 404)."""
