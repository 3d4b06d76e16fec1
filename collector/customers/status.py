"""Pure: a customer's service status rolled up from its functions, instances and alerts, and
the order the fleet overview lists customers in (worst first)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ServiceStatus(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"

    @property
    def rank(self) -> int:
        """0 for the worst."""
        return {ServiceStatus.DOWN: 0, ServiceStatus.DEGRADED: 1, ServiceStatus.OK: 2}[self]


@dataclass(frozen=True, slots=True)
class Counts:
    """What the roll-up is computed from."""

    functions_total: int = 0
    functions_warning: int = 0
    functions_critical: int = 0
    devices_total: int = 0
    devices_offline: int = 0  # offline without saying goodbye
    open_alerts: int = 0  # firing
    critical_alerts: int = 0  # firing and critical
    open_tickets: int = 0
    sla_at_risk: int = 0  # open tickets warned of or past an SLA target


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def roll_up(c: Counts) -> tuple[ServiceStatus, str]:
    """The status and the reason a technician reads.

    Down: every instance is offline, every function fails, or a critical alert fires.
    Degraded: a function warns or fails, an instance is offline, or an alert fires.
    OK otherwise (open tickets and SLA risks are shown, but do not make a service unwell).
    """
    reasons: list[str] = []
    if c.devices_total and c.devices_offline >= c.devices_total:
        reasons.append("every instance offline")
    if c.functions_total and c.functions_critical >= c.functions_total:
        reasons.append("every function failing")
    if c.critical_alerts:
        reasons.append(_plural(c.critical_alerts, "critical alert") + " firing")
    if reasons:
        return ServiceStatus.DOWN, "; ".join(reasons)
    if c.functions_critical:
        reasons.append(_plural(c.functions_critical, "function") + " failing")
    if c.functions_warning:
        reasons.append(_plural(c.functions_warning, "function") + " warning")
    if c.devices_offline:
        reasons.append(_plural(c.devices_offline, "instance") + " offline")
    if c.open_alerts:
        reasons.append(_plural(c.open_alerts, "alert") + " firing")
    if reasons:
        return ServiceStatus.DEGRADED, "; ".join(reasons)
    return ServiceStatus.OK, "all functions OK" if c.functions_total else "no functions reported"


def status_changed(previous: str, status: str) -> bool:
    """Pure: whether a roll-up is a change worth a Function Log entry (a customer's first roll-up
    counts only when it is not OK: "OK from the start" says nothing)."""
    return previous != status and (previous != "" or status != ServiceStatus.OK.value)


def worst_first_key(status: str, c: Counts, name: str) -> tuple[int, int, int, int, int, str]:
    """Sort key of the fleet overview: status, then critical alerts, alerts, SLA risks, failing
    functions (more first), then name."""
    return (
        ServiceStatus(status).rank,
        -c.critical_alerts,
        -c.open_alerts,
        -c.sla_at_risk,
        -(c.functions_critical + c.functions_warning),
        name.lower(),
    )
