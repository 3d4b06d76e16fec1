"""SNMP trap: a trap a gateway forwarded raises an alert when its trap OID is mapped to a
severity; the alert resolves itself after ``hold_s`` (a trap has no "cleared" reading).
Without a mapping of its own the rule uses :data:`STANDARD_TRAPS`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from collector.alerting.domain import Severity
from collector.alerting.rules.params import RuleError, common_durations
from collector.alerting.state import Verdict

STANDARD_TRAPS: Mapping[str, tuple[str, Severity]] = {
    "1.3.6.1.6.3.1.1.5.3": ("linkDown", Severity.WARNING),  # SNMPv2-MIB
    "1.3.6.1.2.1.33.2.1": ("upsTrapOnBattery", Severity.CRITICAL),  # UPS-MIB (RFC 1628)
    "1.3.6.1.2.1.33.2.3": ("upsTrapAlarmEntryAdded", Severity.WARNING),  # UPS-MIB
    "1.3.6.1.4.1.318.0.5": ("upsOnBattery (APC)", Severity.CRITICAL),  # PowerNet-MIB
    "1.3.6.1.4.1.318.0.7": ("lowBattery (APC)", Severity.CRITICAL),  # PowerNet-MIB
}
"""Trap OID → (name, severity) for the standard traps a technician wants to hear about."""


@dataclass(frozen=True, slots=True)
class Params:
    traps: dict[str, Severity]  # trap OID → severity; empty: STANDARD_TRAPS
    for_s: float
    hold_s: float


def parse(raw: Mapping[str, Any]) -> Params:
    value = raw.get("traps") or {}
    if not isinstance(value, Mapping):
        raise RuleError(
            'traps: an object of trap OIDs to severities, e.g. {"1.3.6.1.6.3.1.1.5.3": "warning"}'
        )
    traps: dict[str, Severity] = {}
    for oid, severity in value.items():
        dotted = str(oid).strip().lstrip(".")
        if not dotted or not all(part.isdigit() for part in dotted.split(".")):
            raise RuleError(f"traps: not a numeric OID: {str(oid)[:60]!r}")
        try:
            traps[dotted] = Severity(str(severity))
        except ValueError:
            raise RuleError(f"traps.{dotted}: one of {', '.join(s.value for s in Severity)}") from None
    return Params(traps, *common_durations(raw))


def evaluate(p: Params, trap_oid: str, message: str, sender: str) -> Verdict | None:
    """A firing verdict for a mapped trap; None for a trap the rule does not map."""
    oid = trap_oid.strip().lstrip(".")
    if p.traps:
        severity = p.traps.get(oid)
        name = message or oid
    else:
        name, severity = STANDARD_TRAPS.get(oid, (message or oid, None))
    if severity is None:
        return None
    return Verdict(True, severity, f"trap {name} from {sender}")
