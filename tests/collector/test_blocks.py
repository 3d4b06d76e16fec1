"""collector.tsdb.blocks: the compacted tier's codec round-trips bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from collector.tsdb import blocks

T0_US = 1_795_000_000_000_000
_rng = np.random.default_rng(7)
_N = 8640
_REGULAR = T0_US + np.arange(_N, dtype=np.int64) * 10_000_000
_JITTER = _REGULAR + _rng.integers(-40, 40, _N) * 1000  # whole ms, jittered
_MICRO = _REGULAR + _rng.integers(0, 999, _N)  # not whole ms


CASES: list[tuple[str, np.ndarray, np.ndarray]] = [
    ("percent, 1 decimal", _JITTER, np.round(_rng.uniform(0, 100, _N), 1)),
    ("huge counter", _REGULAR, 1e12 + np.cumsum(_rng.integers(0, 10**6, _N)).astype(np.float64)),
    ("counter near 2**63", _REGULAR[:3], np.array([2.0**62, 2.0**62 + 2048, 9.2e18])),
    ("beyond int64", _REGULAR[:3], np.array([1e19, 1e300, -1e300])),
    ("negatives", _JITTER, np.round(_rng.normal(0, 1000, _N), 3)),
    ("full precision", _MICRO, _rng.random(_N)),
    ("NaN and inf", _REGULAR[:5], np.array([1.0, np.nan, np.inf, -np.inf, 2.5])),
    ("negative zero", _REGULAR[:2], np.array([-0.0, 0.0])),
    ("seven digits", _REGULAR[:2], np.array([0.1234567, 1.0])),
    ("subnormal", _REGULAR[:2], np.array([5e-324, 0.0])),
    ("one sample", _REGULAR[:1], np.array([42.5])),
    ("empty", _REGULAR[:0], np.array([], dtype=np.float64)),
    ("duplicate timestamps", np.array([T0_US, T0_US, T0_US + 1000]), np.array([1.0, 2.0, 3.0])),
    ("negative timestamps", np.array([-5_000_000, -1, 7]), np.array([0.1, 0.2, 0.3])),
]


@pytest.mark.parametrize(("ts", "values"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_round_trip_is_bit_exact(ts: np.ndarray, values: np.ndarray) -> None:
    data = blocks.encode(ts, values)
    got_ts, got_values = blocks.decode(data)
    assert got_ts.dtype == np.int64
    assert got_values.dtype == np.float64
    np.testing.assert_array_equal(got_ts, ts)
    np.testing.assert_array_equal(got_values.view(np.uint64), values.astype(np.float64).view(np.uint64))


def test_a_day_of_decimal_gauge_takes_about_two_bytes_per_sample() -> None:
    values = np.round(50 + np.cumsum(_rng.normal(0, 0.3, _N)), 1)
    assert len(blocks.encode(_JITTER, values)) / _N < 2.5


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        blocks.encode(_REGULAR[:2], np.array([1.0]))
