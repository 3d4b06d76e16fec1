"""The rules a fresh install starts with, each an ordinary rule a technician can edit or switch off.

Each default has a stable key; :func:`install_defaults` inserts the defaults whose key it has
never installed and records the key, so a default a technician deleted does not come back at
the next start, and a default added by a later release is installed once on upgrade.
Thresholds are the ones listed in the README ("Default alert rules").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from collector.alerting.models import AlertRule, InstalledDefault
from collector.alerting.rules import parse_params
from collector.store.db import Store
from eus.names import Label, Metric


@dataclass(frozen=True, slots=True)
class DefaultRule:
    """One default rule: ``key`` never changes once released; the rest is the rule as created."""

    key: str
    name: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: str = "warning"
    # The device's customer's contacts hear of it (each by their minimum severity); internal
    # matters (lost data, our own certificates) go to staff and the operator only.
    notify_contacts: bool = True


DEFAULT_RULES: tuple[DefaultRule, ...] = (
    # cpu=total: without it the rule would fire once per core.
    DefaultRule(
        "cpu",
        "CPU busy",
        "threshold",
        {
            "metric": Metric.CPU_PERCENT,
            "labels": {Label.CPU: "total"},
            "op": ">",
            "warning": 90,
            "critical": 98,
            "warning_clear": 80,
            "for_s": 300,
        },
    ),
    DefaultRule(
        "memory",
        "Memory nearly full",
        "threshold",
        {
            "metric": Metric.MEMORY_PERCENT,
            "op": ">",
            "warning": 90,
            "critical": 97,
            "warning_clear": 85,
            "for_s": 600,
        },
    ),
    DefaultRule(
        "disk-percent",
        "Disk nearly full",
        "threshold",
        {
            "metric": Metric.DISK_PERCENT,
            "op": ">",
            "warning": 90,
            "critical": 97,
            "warning_clear": 88,
            "for_s": 300,
        },
    ),
    DefaultRule(
        "disk-forecast",
        "Disk full within 3 days",
        "forecast",
        {"metric": Metric.DISK_PERCENT, "limit": 100, "horizon_s": 3 * 86400, "window_s": 86400},
    ),
    DefaultRule("agent-offline", "Agent offline", "instance_offline", {"for_s": 120}, "critical"),
    DefaultRule(
        "data-gap",
        "Data lost (agent spool overflow)",
        "data_gap",
        {"min_samples": 1, "hold_s": 3600},
        notify_contacts=False,
    ),
    DefaultRule(
        "function",
        "Function not OK",
        "function_status",
        {"function": "", "consecutive": 3, "min_status": "warning"},
    ),
    DefaultRule(
        "printer-supply",
        "Printer supply low or empty",
        "threshold",
        {
            "metric": Metric.SNMP_PRINTER_SUPPLY_PERCENT,
            "op": "<",
            "warning": 10,
            "critical": 1,
            "warning_clear": 15,
            "for_s": 600,
        },
    ),
    # upsBatteryStatus (UPS-MIB): 2 normal, 3 low, 4 depleted.
    DefaultRule(
        "ups-battery",
        "UPS battery low",
        "threshold",
        {"metric": Metric.SNMP_UPS_BATTERY_STATUS, "op": ">=", "warning": 3, "critical": 4, "for_s": 60},
    ),
    # No mapping of its own: the standard traps (linkDown, UPS on battery ...) at their severity.
    DefaultRule("snmp-trap", "SNMP trap received", "snmp_trap", {"hold_s": 3600}),
    DefaultRule(
        "ups-runtime",
        "UPS runtime low",
        "threshold",
        {
            "metric": Metric.SNMP_UPS_RUNTIME_S,
            "op": "<",
            "warning": 900,
            "critical": 300,
            "warning_clear": 1200,
            "for_s": 60,
        },
    ),
    # The gateway's reachability check of each SNMP device is "<target>:reachability".
    DefaultRule(
        "snmp-unreachable",
        "SNMP device unreachable",
        "function_status",
        {"function": "*:reachability", "consecutive": 2, "min_status": "critical"},
        "critical",
    ),
    # ifOperStatus 1 is up; 2 down ... 7 lowerLayerDown. Ports shut on purpose
    # (ifAdminStatus down) are left out by every interface rule (rules.threshold).
    DefaultRule(
        "interface-down",
        "Interface down (administratively up)",
        "threshold",
        {"metric": Metric.SNMP_IF_OPER_STATUS, "op": ">=", "warning": 2, "for_s": 120},
    ),
    # Waste toner: how full, as the printer profile judges receptacles (80 % warning, full critical).
    DefaultRule(
        "printer-waste",
        "Printer waste container nearly full",
        "threshold",
        {
            "metric": Metric.SNMP_PRINTER_RECEPTACLE_PERCENT,
            "op": ">=",
            "warning": 80,
            "critical": 100,
            "warning_clear": 75,
            "for_s": 600,
        },
    ),
    # From the UPS's output source (UPS-MIB upsOutputSource battery, PowerNet output status).
    DefaultRule(
        "ups-on-battery",
        "UPS on battery",
        "threshold",
        {"metric": Metric.SNMP_UPS_ON_BATTERY, "op": ">=", "critical": 1, "for_s": 30},
        "critical",
    ),
    DefaultRule(
        "agent-certificate",
        "Agent certificate expiring",
        "cert_expiry",
        {"warning_s": 30 * 86400, "critical_s": 7 * 86400},
        notify_contacts=False,
    ),
)
"""Keys are unique and every entry's parameters parse (``tests/alerting/test_defaults.py``)."""


def install_defaults(store: Store, rules: tuple[DefaultRule, ...] = DEFAULT_RULES) -> list[str]:
    """Create, as global rules, the defaults never installed before; returns their keys."""
    added: list[str] = []
    with store.session() as s:
        done = set(s.scalars(select(InstalledDefault.key)))
        for rule in rules:
            if rule.key in done:
                continue
            parse_params(rule.kind, rule.params)  # a default that does not parse is a bug: fail loudly
            row = AlertRule(
                name=rule.name,
                family=f"default.{rule.key}",
                kind=rule.kind,
                params=json.dumps(dict(rule.params)),
                severity=rule.severity,
                notify_contacts=rule.notify_contacts,
            )
            s.add(row)
            s.flush()
            s.add(InstalledDefault(key=rule.key, rule_id=row.id))
            added.append(rule.key)
    return added
