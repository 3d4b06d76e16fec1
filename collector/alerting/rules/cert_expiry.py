"""Certificate expiring: an enrolled agent's client certificate ends within a warning or a
critical time. The collector issued the certificate, so it knows its not-after without
asking the agent (``Device.cert_not_after``); a renewed or re-enrolled agent clears it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from collector.alerting.domain import Severity
from collector.alerting.rules.params import RuleError, common_durations, number
from collector.alerting.state import Verdict

DAY_S = 86400.0
SUBJECT = "agent certificate"


@dataclass(frozen=True, slots=True)
class Params:
    warning_s: float  # warn when the certificate ends within this time
    critical_s: float  # critical within this time (and once it has ended)
    for_s: float
    hold_s: float


def parse(raw: Mapping[str, Any]) -> Params:
    warning = number(raw, "warning_s", 30 * DAY_S, minimum=0.0)
    critical = number(raw, "critical_s", 7 * DAY_S, minimum=0.0)
    if critical > warning:
        raise RuleError("critical_s: must not be longer than warning_s (critical is the nearer end)")
    return Params(warning, critical, *common_durations(raw))


def _left(seconds: float) -> str:
    if seconds >= DAY_S:
        return f"{seconds / DAY_S:.0f} d"
    return f"{seconds / 3600:.0f} h"


def evaluate(p: Params, not_after_s: float, now_s: float) -> Verdict:
    """The verdict on a certificate valid until ``not_after_s`` (unix seconds) at ``now_s``."""
    left = not_after_s - now_s
    until = datetime.fromtimestamp(not_after_s, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if left <= 0:
        return Verdict(True, Severity.CRITICAL, f"{SUBJECT} expired on {until}", left / DAY_S)
    summary = f"{SUBJECT} expires on {until} (in {_left(left)})"
    if left <= p.critical_s:
        return Verdict(True, Severity.CRITICAL, summary, left / DAY_S)
    if left <= p.warning_s:
        return Verdict(True, Severity.WARNING, summary, left / DAY_S)
    return Verdict(False, Severity.WARNING, f"{SUBJECT} valid until {until}", left / DAY_S)
