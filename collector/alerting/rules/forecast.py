"""Forecast: a metric's linear trend over a window reaches a limit within a horizon
(e.g. disk full in less than 3 days by its trend over 24 h) - preemptive support."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from collector.alerting.domain import Severity
from collector.alerting.rules import params
from collector.alerting.rules.params import choice, common_durations, labels, number
from collector.alerting.state import Verdict


@dataclass(frozen=True, slots=True)
class Params:
    metric: str
    labels: dict[str, str]
    limit: float
    direction: str
    horizon_s: float
    window_s: float
    min_points: int
    for_s: float
    hold_s: float


def parse(raw: Mapping[str, Any]) -> Params:
    metric = params.metric(raw)
    return Params(
        metric,
        labels(raw),
        number(raw, "limit", 100.0),
        choice(raw, "direction", ("up", "down"), "up"),
        number(raw, "horizon_s", 3 * 86400.0, minimum=60.0),
        number(raw, "window_s", 86400.0, minimum=60.0),
        int(number(raw, "min_points", 10, minimum=2)),
        *common_durations(raw),
    )


def seconds_to_limit(
    ts_s: npt.NDArray[np.float64], values: npt.NDArray[np.float64], limit: float, direction: str = "up"
) -> float | None:
    """Seconds from the last sample until the least-squares line reaches ``limit`` going
    ``direction`` (up: a ceiling such as 100 % used; down: a floor such as 0 bytes free);
    0 when already there, None when the trend never gets there."""
    if ts_s.shape[0] < 2 or float(np.ptp(ts_s)) <= 0:
        return None
    sign = 1.0 if direction == "up" else -1.0
    slope, now_value = (float(x) * sign for x in np.polyfit(ts_s - float(ts_s[-1]), values, 1))
    target = limit * sign
    if now_value >= target:
        return 0.0
    if slope <= 1e-12:
        return None
    return (target - now_value) / slope


def evaluate(
    p: Params, ts_s: npt.NDArray[np.float64], values: npt.NDArray[np.float64], severity: Severity
) -> Verdict | None:
    if ts_s.shape[0] < p.min_points:
        return None
    eta = seconds_to_limit(ts_s, values, p.limit, p.direction)
    if eta is not None and eta < p.horizon_s:
        return Verdict(
            True, severity, f"{p.metric} reaches {p.limit:g} in {eta / 3600:.1f} h by its trend", eta
        )
    return Verdict(False, severity, f"{p.metric}: no limit reached within {p.horizon_s / 3600:.0f} h")
