"""Instance offline: a crash or network loss pages; a clean shutdown is shown, not paged.

Inputs are connection facts: the stream opened, closed after a goodbye (clean), closed
without one (crash or network), or fell silent with its TCP connection still up.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from collector.alerting.domain import Severity
from collector.alerting.rules.params import common_durations
from collector.alerting.state import Verdict


class Connection(enum.StrEnum):
    OPENED = "opened"
    CLOSED_CLEAN = "closed-clean"
    CLOSED_UNEXPECTED = "closed-unexpected"
    SILENT = "silent"


@dataclass(frozen=True, slots=True)
class Params:
    for_s: float
    hold_s: float


def parse(raw: Mapping[str, Any]) -> Params:
    return Params(*common_durations(raw))


def evaluate(p: Params, fact: Connection, detail: str, severity: Severity) -> Verdict:
    if fact is Connection.OPENED:
        return Verdict(False, severity, "online again")
    if fact is Connection.CLOSED_CLEAN:
        return Verdict(True, Severity.INFO, f"offline (clean shutdown): {detail}")
    why = "network loss" if fact is Connection.SILENT else "crash or network loss"
    return Verdict(True, severity, f"offline (unexpected, {why}): {detail}")
