"""The roll-up decision (pure): down, degraded or OK from a customer's counts, and worst first."""

from __future__ import annotations

import pytest

from collector.customers.status import Counts, ServiceStatus, roll_up, status_changed, worst_first_key


@pytest.mark.parametrize(
    ("counts", "status", "reason"),
    [
        (Counts(functions_total=3), ServiceStatus.OK, "all functions OK"),
        (Counts(), ServiceStatus.OK, "no functions reported"),
        (Counts(functions_total=3, functions_warning=1), ServiceStatus.DEGRADED, "1 function warning"),
        (Counts(functions_total=3, functions_critical=2), ServiceStatus.DEGRADED, "2 functions failing"),
        (Counts(functions_total=2, functions_critical=2), ServiceStatus.DOWN, "every function failing"),
        (Counts(devices_total=2, devices_offline=1), ServiceStatus.DEGRADED, "1 instance offline"),
        (Counts(devices_total=2, devices_offline=2), ServiceStatus.DOWN, "every instance offline"),
        (Counts(open_alerts=1), ServiceStatus.DEGRADED, "1 alert firing"),
        (Counts(open_alerts=2, critical_alerts=1), ServiceStatus.DOWN, "1 critical alert firing"),
        (Counts(open_tickets=4, sla_at_risk=2), ServiceStatus.OK, "no functions reported"),
    ],
)
def test_roll_up(counts: Counts, status: ServiceStatus, reason: str) -> None:
    assert roll_up(counts) == (status, reason)


def test_reasons_are_joined_in_order_of_weight() -> None:
    _, reason = roll_up(Counts(functions_total=4, functions_critical=1, functions_warning=2, open_alerts=1))
    assert reason == "1 function failing; 2 functions warning; 1 alert firing"


def test_worst_first() -> None:
    rows = [
        ("ok", Counts(), "Alpha"),
        ("degraded", Counts(open_alerts=1), "Bravo"),
        ("down", Counts(critical_alerts=1), "Charlie"),
        ("degraded", Counts(open_alerts=3), "Delta"),
        ("ok", Counts(sla_at_risk=1), "Echo"),
    ]
    ordered = [name for status, c, name in sorted(rows, key=lambda r: worst_first_key(*r))]
    assert ordered == ["Charlie", "Delta", "Bravo", "Echo", "Alpha"]


@pytest.mark.parametrize(
    ("previous", "status", "logged"),
    [
        ("", "ok", False),  # the first roll-up, OK: nothing to say
        ("", "degraded", True),
        ("", "down", True),
        ("ok", "ok", False),
        ("ok", "degraded", True),
        ("degraded", "down", True),
        ("down", "ok", True),
        ("degraded", "degraded", False),  # the same status for another reason: not a change
    ],
)
def test_which_roll_ups_are_status_changes(previous: str, status: str, logged: bool) -> None:
    assert status_changed(previous, status) is logged
