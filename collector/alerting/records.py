"""The values the alert engine works with: its settings, a device as alerting sees it, the
engine's copy of one alert, and the system rule behind "notification channel failing"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from collector.alerting import routing
from collector.alerting.domain import Severity
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
    name: str
    customer: str
    site: str


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


@dataclass(frozen=True, slots=True)
class SystemParams:
    for_s: float = 0.0
    hold_s: float = 3600.0


def channel_rule(channel: str) -> RuleDef:
    return RuleDef(
        0,
        f"Notification channel failing: {channel}",
        f"{CHANNEL_FAILING}:{channel}",
        CHANNEL_FAILING,
        SystemParams(),
        Severity.CRITICAL,
    )
