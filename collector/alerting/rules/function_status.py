"""Function status: WARNING or CRITICAL for N consecutive checks.

The engine counts consecutive non-OK results per function; this decides. UNKNOWN gives
no verdict (the previous one stands), so a check that cannot run neither fires nor clears.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from collector.alerting.domain import Severity
from collector.alerting.rules.params import RuleError, choice, common_durations, number, text
from collector.alerting.state import Verdict

HEALTH_OK, HEALTH_WARNING, HEALTH_CRITICAL = "ok", "warning", "critical"


@dataclass(frozen=True, slots=True)
class Params:
    function: str  # "" = every function of the device, else an id or a pattern with "*"
    consecutive: int
    min_status: str  # "warning": WARNING and CRITICAL count; "critical": only CRITICAL
    for_s: float
    hold_s: float


def parse(raw: Mapping[str, Any]) -> Params:
    consecutive = number(raw, "consecutive", 3, minimum=1)
    if consecutive != int(consecutive) or consecutive > 1000:
        raise RuleError("consecutive: a whole number from 1 to 1000")
    for_s, hold_s = common_durations(raw)
    return Params(
        text(raw, "function", ""),
        int(consecutive),
        choice(raw, "min_status", (HEALTH_WARNING, HEALTH_CRITICAL), HEALTH_WARNING),
        for_s,
        hold_s,
    )


def matches(p: Params, function_id: str) -> bool:
    """ "" matches every function; ``*`` matches any text, so ``web-*`` is a prefix and
    ``*:reachability`` every SNMP device's reachability check."""
    if not p.function:
        return True
    if "*" in p.function:
        return fnmatchcase(function_id, p.function)
    return function_id == p.function


def counts(p: Params, health: str) -> bool:
    """Whether a result of this health counts towards the streak."""
    if p.min_status == HEALTH_CRITICAL:
        return health == HEALTH_CRITICAL
    return health in (HEALTH_WARNING, HEALTH_CRITICAL)


def evaluate(p: Params, health: str, streak: int, name: str, message: str) -> Verdict | None:
    """``health``: ok, warning, critical or unknown; ``streak``: consecutive counted results."""
    if health == "unknown":
        return None
    if counts(p, health) and streak >= p.consecutive:
        sev = Severity.CRITICAL if health == HEALTH_CRITICAL else Severity.WARNING
        return Verdict(True, sev, f"{name}: {health.upper()} for {streak} checks: {message}")
    if health == HEALTH_OK or not counts(p, health):
        return Verdict(False, Severity.WARNING, f"{name}: {health.upper()}: {message}")
    return None  # counted, but the streak is not long enough yet
