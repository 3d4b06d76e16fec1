"""Metric threshold: an operator, warning and critical levels, a for-duration, and clear levels.

Hysteresis: an active alert clears only once the value is back past its *clear* level
(defaults to the trigger level), so a value hovering around the threshold does not flap.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from collector.alerting.domain import Severity
from collector.alerting.rules import params
from collector.alerting.rules.params import RuleError, choice, common_durations, labels, optional_number
from collector.alerting.state import CLEARED, Verdict
from eus.names import Metric

OPERATORS: Mapping[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True, slots=True)
class Params:
    metric: str
    labels: dict[str, str]
    op: str
    warning: float | None
    critical: float | None
    warning_clear: float | None
    critical_clear: float | None
    for_s: float
    hold_s: float


def parse(raw: Mapping[str, Any]) -> Params:
    metric = params.metric(raw)
    op = choice(raw, "op", tuple(OPERATORS), ">")
    warning, critical = optional_number(raw, "warning"), optional_number(raw, "critical")
    if warning is None and critical is None:
        raise RuleError("warning or critical: at least one level is required")
    for_s, hold_s = common_durations(raw)
    p = Params(
        metric,
        labels(raw),
        op,
        warning,
        critical,
        optional_number(raw, "warning_clear"),
        optional_number(raw, "critical_clear"),
        for_s,
        hold_s,
    )
    beyond = OPERATORS[op]
    for level, clear, name in (
        (p.warning, p.warning_clear, "warning"),
        (p.critical, p.critical_clear, "critical"),
    ):
        if level is not None and clear is not None and beyond(clear, level):
            raise RuleError(
                f"{name}_clear: must not be beyond the {name} level (it is where the alert clears)"
            )
    return p


IF_PREFIX = "snmp.if."
IF_ADMIN_STATUS = Metric.SNMP_IF_ADMIN_STATUS.value
ADMIN_DOWN = 2.0  # IF-MIB ifAdminStatus down(2): switched off on purpose
PortKey = tuple[int, str, str]  # (gateway device id, target, ifIndex)


def port_key(device_id: int, name: str, series_labels: Mapping[str, str]) -> PortKey | None:
    """The interface a series is about, or None when it is no SNMP interface series (pure)."""
    if not name.startswith(IF_PREFIX) or "ifIndex" not in series_labels:
        return None
    return (device_id, series_labels.get("target", ""), series_labels["ifIndex"])


def admin_down_exempt(p: Params, name: str) -> bool:
    """Whether a port that is administratively down is left out of this rule (pure): every
    interface rule, except one on ifAdminStatus itself. A port an operator shut has no
    traffic, errors or link on purpose; alerting on it is noise."""
    return name.startswith(IF_PREFIX) and p.metric != IF_ADMIN_STATUS


def matches(p: Params, name: str, series_labels: Mapping[str, str]) -> bool:
    return name == p.metric and all(series_labels.get(k) == v for k, v in p.labels.items())


def evaluate(p: Params, value: float, current: Severity | None) -> Verdict:
    """``current``: the alert's severity while it is pending or firing, else None."""
    beyond = OPERATORS[p.op]
    desc = f"{p.metric} = {value:g}"
    if p.critical is not None and beyond(value, p.critical):
        return Verdict(True, Severity.CRITICAL, f"{desc} {p.op} {p.critical:g}", value)
    if current is Severity.CRITICAL and p.critical is not None:
        clear = p.critical if p.critical_clear is None else p.critical_clear
        if beyond(value, clear):
            return Verdict(True, Severity.CRITICAL, f"{desc}, not yet back past {clear:g}", value)
    if p.warning is not None and beyond(value, p.warning):
        return Verdict(True, Severity.WARNING, f"{desc} {p.op} {p.warning:g}", value)
    if current is not None and p.warning is not None:
        clear = p.warning if p.warning_clear is None else p.warning_clear
        if beyond(value, clear):
            return Verdict(True, Severity.WARNING, f"{desc}, not yet back past {clear:g}", value)
    return Verdict(False, Severity.WARNING, f"{desc}: back to normal", value) if current else CLEARED
