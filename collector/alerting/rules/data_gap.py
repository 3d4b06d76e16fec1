"""Data gap: the agent had to drop data (spool full or too old) and said so."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from collector.alerting.domain import Severity
from collector.alerting.rules.params import common_durations, number
from collector.alerting.state import Verdict


@dataclass(frozen=True, slots=True)
class Params:
    min_samples: int  # smaller gaps are recorded by ingest but not alerted on
    for_s: float
    hold_s: float


def parse(raw: Mapping[str, Any]) -> Params:
    return Params(int(number(raw, "min_samples", 1, minimum=1)), *common_durations(raw))


def evaluate(p: Params, samples_dropped: int, reason: str, severity: Severity) -> Verdict | None:
    if samples_dropped < p.min_samples:
        return None
    return Verdict(
        True, severity, f"agent dropped {samples_dropped} samples ({reason})", float(samples_dropped)
    )
