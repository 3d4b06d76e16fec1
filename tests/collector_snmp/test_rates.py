"""Counter-to-rate rules: wraps, resets and reboots (table-driven)."""

from __future__ import annotations

import pytest

from collector.snmp.rates import (
    COUNTER32,
    COUNTER64,
    Reading,
    increase,
    latest_rate,
    rate,
    rates,
    rebooted,
    with_uptime,
)

R = Reading


@pytest.mark.parametrize(
    ("prev", "cur", "bits", "expected"),
    [
        (100, 700, 64, 600),  # plain growth
        (5, 5, 64, 0),  # idle
        (COUNTER32 - 100, 50, 32, 150),  # a 32-bit wrap
        (10, 5, 32, COUNTER32 - 5),  # a 32-bit counter that went down wrapped (nearly a full turn)
        (COUNTER64 - 1000, 24, 64, 1024),  # a 64-bit wrap from the top half
        (1_000_000, 10, 64, None),  # a 64-bit counter far from its top went down: a reset
        (-1, 10, 64, None),  # not a counter value
        (COUNTER32, 10, 32, None),  # out of range for 32 bits
        (10, COUNTER64, 64, None),
    ],
)
def test_increase(prev: float, cur: float, bits: int, expected: float | None) -> None:
    assert increase(prev, cur, bits) == expected


@pytest.mark.parametrize(
    ("prev", "cur", "expected"),
    [
        (R(0, 0, 1000), R(60, 0, 1060), False),  # normal
        (R(0, 0, 1000), R(60, 0, 20), True),  # uptime went backwards
        (R(0, 0, 10), R(60, 0, 30), True),  # up for 30 s although 60 s passed: booted in between
        (R(0, 0, None), R(60, 0, 5), False),  # nothing to compare with
        (R(0, 0, 1000), R(60, 0, None), False),
    ],
)
def test_rebooted(prev: Reading, cur: Reading, expected: bool) -> None:
    assert rebooted(prev, cur) is expected


@pytest.mark.parametrize(
    ("prev", "cur", "kwargs", "expected"),
    [
        (R(0, 1000, 100), R(10, 6000, 110), {}, 500.0),
        (R(0, COUNTER32 - 1000, 100), R(10, 1000, 110), {"bits": 32}, 200.0),  # wrap
        (R(0, COUNTER64 - 500, 100), R(5, 500, 105), {"bits": 64}, 200.0),  # 64-bit wrap
        (R(0, 9_000_000, 100), R(10, 1000, 110), {"bits": 64}, None),  # reset
        (R(0, 9_000_000, 100_000), R(10, 1000, 3), {"bits": 32}, None),  # reboot beats wrap
        (R(0, 1000, 100_000), R(10, 5000, 5), {}, None),  # reboot even though the counter grew
        (R(10, 1000), R(10, 2000), {}, None),  # no time passed
        (R(10, 1000), R(5, 2000), {}, None),  # time went backwards
        (R(0, 0, 100), R(10, 10_000, 110), {"max_rate": 500.0}, None),  # faster than the link
        (R(0, 0, 100), R(10, 5000, 110), {"max_rate": 500.0}, 500.0),
    ],
)
def test_rate(prev: Reading, cur: Reading, kwargs: dict[str, float], expected: float | None) -> None:
    assert rate(prev, cur, **kwargs) == expected  # type: ignore[arg-type]


def test_rates_over_a_series_skip_the_reboot_interval_only() -> None:
    readings = [
        R(30, 3000, 130),
        R(0, 0, 100),
        R(10, 1000, 110),
        R(20, 2000, 120),
        R(40, 100, 2),
        R(50, 600, 12),
    ]
    assert rates(readings) == [(10, 100.0), (20, 100.0), (30, 100.0), (40, None), (50, 50.0)]
    assert latest_rate(readings) == 50.0
    assert latest_rate(readings[:1]) is None


def test_with_uptime_pairs_each_point_with_the_same_polls_uptime() -> None:
    points = [(100.0, 1.0), (160.2, 2.0), (400.0, 3.0)]
    uptimes = [(100.1, 5000.0), (160.0, 5060.0), (220.0, 5120.0)]
    assert with_uptime(points, uptimes) == [R(100.0, 1.0, 5000.0), R(160.2, 2.0, 5060.0), R(400.0, 3.0, None)]
    assert with_uptime(points, []) == [R(100.0, 1.0), R(160.2, 2.0), R(400.0, 3.0)]


def test_only_32_and_64_bit_counters_exist() -> None:
    with pytest.raises(ValueError, match="32 or 64"):
        increase(1, 2, 16)
