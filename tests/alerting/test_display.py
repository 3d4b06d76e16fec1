"""The alert's title, snooze and evidence link, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.alerting.display import Evidence, evidence, reading, snoozed, title

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "out"),
    [(None, ""), (99.5, "99.5"), (0.25, "0.25"), (1_234_567_890.0, "1.235e+09"), (3.0, "3")],
)
def test_reading(value: float | None, out: str) -> None:
    assert reading(value) == out


@pytest.mark.parametrize(
    ("rule", "summary", "kind", "value", "out"),
    [
        ("CPU busy", "cpu.percent > 98", "threshold", 99.5, "CPU busy: 99.5"),
        ("Agent offline", "offline", "instance_offline", None, "Agent offline"),
        (None, "cpu.percent > 98", "threshold", 99.5, "cpu.percent > 98: 99.5"),
        (None, "", "data_gap", None, "data_gap"),
    ],
)
def test_title(rule: str | None, summary: str, kind: str, value: float | None, out: str) -> None:
    assert title(rule, summary, kind, value) == out


@pytest.mark.parametrize(
    ("until", "out"),
    [(None, False), (NOW - timedelta(seconds=1), False), (NOW, False), (NOW + timedelta(minutes=5), True)],
)
def test_snoozed(until: datetime | None, out: bool) -> None:
    assert snoozed(until, NOW) is out


@pytest.mark.parametrize(
    ("kind", "device", "out"),
    [
        ("threshold", 1, Evidence.CHART),
        ("forecast", 1, Evidence.CHART),
        ("function_status", 1, Evidence.FUNCTION_HISTORY),
        ("instance_offline", 1, Evidence.NONE),
        ("threshold", None, Evidence.NONE),
    ],
)
def test_evidence(kind: str, device: int | None, out: Evidence) -> None:
    assert evidence(kind, device) is out
