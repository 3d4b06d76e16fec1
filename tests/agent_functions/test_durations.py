"""The one duration format of function messages, from ping latencies to file ages."""

from __future__ import annotations

import pytest

from agent.functions.base import fmt_s


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.00004, "0.04 ms"),
        (0.012, "12 ms"),
        (1.5, "1.5 s"),
        (42, "42 s"),
        (119, "119 s"),
        (300, "5 min"),
        (7200, "2.0 h"),
        (3 * 3600, "3.0 h"),
        (3.5 * 86400, "3.5 days"),
    ],
)
def test_durations_switch_unit_where_the_number_would_grow_unreadable(seconds: float, shown: str) -> None:
    assert fmt_s(seconds) == shown
