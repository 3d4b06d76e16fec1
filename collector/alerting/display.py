"""How an alert reads on the dashboard: its title (the rule's name with the reading), whether
it is snoozed, and where its evidence is (the device's charts or its function history).
Pure, so the list, the detail page and the tests agree."""

from __future__ import annotations

import enum
from datetime import datetime


class Evidence(enum.StrEnum):
    """Which page shows what made an alert fire."""

    NONE = ""
    CHART = "chart"  # the device page with its charts
    FUNCTION_HISTORY = "function-history"


EVIDENCE_BY_KIND: dict[str, Evidence] = {
    "threshold": Evidence.CHART,
    "forecast": Evidence.CHART,
    "function_status": Evidence.FUNCTION_HISTORY,
}


def reading(value: float | None) -> str:
    """A value short enough for a title: 99.5, 0.25, 1.2e+09; "" when there is none."""
    if value is None:
        return ""
    return f"{value:.4g}"


def title(rule_name: str | None, summary: str, kind: str, value: float | None) -> str:
    """The rule's name and the reading ("CPU busy: 99.5"); the summary when the rule is gone."""
    head = rule_name or summary or kind
    shown = reading(value)
    return f"{head}: {shown}" if shown else head


def snoozed(snoozed_until: datetime | None, now: datetime) -> bool:
    return snoozed_until is not None and snoozed_until > now


def evidence(kind: str, device_id: int | None) -> Evidence:
    """Where to look: none without a device (system and offline alerts need no chart)."""
    if device_id is None:
        return Evidence.NONE
    return EVIDENCE_BY_KIND.get(kind, Evidence.NONE)
