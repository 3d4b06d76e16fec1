"""Rule kinds: one module each, listed explicitly in :data:`RULE_KINDS`.

A kind declares how its parameters are validated (``parse``: raises ``RuleError`` with a
specific message) and which input feeds it; its pure ``evaluate`` lives in its module and
is called by the engine for that input.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from collector.alerting.rules import (
    cert_expiry,
    data_gap,
    forecast,
    function_status,
    instance_offline,
    inventory_change,
    snmp_trap,
    threshold,
)
from collector.alerting.rules.params import RuleError, SystemParams

RuleParams = (
    threshold.Params
    | function_status.Params
    | instance_offline.Params
    | data_gap.Params
    | forecast.Params
    | inventory_change.Params
    | snmp_trap.Params
    | cert_expiry.Params
    | SystemParams
)
"""Every kind's parameters: each has ``for_s`` and ``hold_s``; the rest is the kind's own."""


class Input(enum.StrEnum):
    """What feeds a kind's evaluation."""

    SAMPLES = "samples"
    FUNCTION_RESULTS = "function-results"
    CONNECTION = "connection"
    GAPS = "gaps"
    INVENTORY = "inventory"
    EVENTS = "events"  # events in committed batches (SNMP traps)
    SCHEDULE = "schedule"  # evaluated by a scheduler job over stored history


@dataclass(frozen=True, slots=True)
class RuleKind:
    name: str
    title: str
    input: Input
    parse: Callable[[Mapping[str, Any]], RuleParams]
    event_like: bool = False  # fires on an event and resolves itself after ``hold_s``
    example: str = "{}"


RULE_KINDS: Mapping[str, RuleKind] = {
    k.name: k
    for k in (
        RuleKind(
            "threshold",
            "Metric threshold",
            Input.SAMPLES,
            threshold.parse,
            example='{"metric": "disk.percent", "op": ">", "warning": 85, "critical": 95, '
            '"warning_clear": 80, "for_s": 300}',
        ),
        RuleKind(
            "function_status",
            "Function status",
            Input.FUNCTION_RESULTS,
            function_status.parse,
            example='{"function": "", "consecutive": 3, "min_status": "warning"}',
        ),
        RuleKind("instance_offline", "Instance offline", Input.CONNECTION, instance_offline.parse),
        RuleKind(
            "data_gap",
            "Data gap reported by an agent",
            Input.GAPS,
            data_gap.parse,
            event_like=True,
            example='{"min_samples": 1, "hold_s": 3600}',
        ),
        RuleKind(
            "forecast",
            "Forecast (trend reaches a limit)",
            Input.SCHEDULE,
            forecast.parse,
            example='{"metric": "disk.percent", "limit": 100, "horizon_s": 259200, "window_s": 86400}',
        ),
        RuleKind(
            "inventory_change",
            "Inventory change",
            Input.INVENTORY,
            inventory_change.parse,
            event_like=True,
            example='{"watch": ["software", "hardware", "serial"], "hold_s": 86400}',
        ),
        RuleKind(
            "snmp_trap",
            "SNMP trap received",
            Input.EVENTS,
            snmp_trap.parse,
            event_like=True,
            example='{"traps": {"1.3.6.1.6.3.1.1.5.3": "warning"}, "hold_s": 3600}',
        ),
        RuleKind(
            "cert_expiry",
            "Agent certificate expiring",
            Input.SCHEDULE,
            cert_expiry.parse,
            example='{"warning_s": 2592000, "critical_s": 604800}',
        ),
    )
}


def parse_params(kind: str, raw: Mapping[str, Any]) -> RuleParams:
    """Validated parameters of a rule of ``kind``; RuleError names what is wrong."""
    found = RULE_KINDS.get(kind)
    if found is None:
        raise RuleError(f"kind: one of {', '.join(RULE_KINDS)} (got {kind[:40]!r})")
    if not isinstance(raw, Mapping):
        raise RuleError("params: a JSON object")
    return found.parse(raw)


__all__ = ["RULE_KINDS", "Input", "RuleError", "RuleKind", "RuleParams", "SystemParams", "parse_params"]
