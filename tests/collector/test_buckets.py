"""collector.tsdb.buckets: rollups equal the raw aggregates, counter resets included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.tsdb import buckets

FIVE_MIN = 300_000_000
HOUR = 3_600_000_000


@st.composite
def series(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Ascending, distinct timestamps over a few hours; counter-like values with resets."""
    n = draw(st.integers(0, 200))
    gaps = draw(st.lists(st.integers(1, 900_000_000), min_size=n, max_size=n))
    start = draw(st.integers(0, 10 * HOUR))
    ts = start + np.cumsum(np.array(gaps, dtype=np.int64))
    values = draw(st.lists(st.integers(-5, 1000).map(float), min_size=n, max_size=n))
    return ts.astype(np.int64), np.array(values, dtype=np.float64)


def reference(ts: np.ndarray, values: np.ndarray, step: int) -> dict[int, dict[str, float]]:
    """The raw aggregates, one sample at a time: what a rollup bucket must equal.

    ``increase`` counts every consecutive pair whose second sample lies in the bucket,
    including the pair that crosses into it; a drop is a reset, so the new value is added.
    """
    out: dict[int, dict[str, float]] = {}
    prev: float | None = None
    for t, v in zip(ts.tolist(), values.tolist(), strict=True):
        key = t // step * step
        b = out.setdefault(
            key, {"count": 0, "min": math.inf, "max": -math.inf, "sum": 0.0, "first": v, "increase": 0.0}
        )
        b["count"] += 1
        b["min"] = min(b["min"], v)
        b["max"] = max(b["max"], v)
        b["sum"] += v
        b["last"] = v
        if prev is not None:
            b["increase"] += v - prev if v >= prev else v
        prev = v
    return out


def _check(got: buckets.Buckets, want: dict[int, dict[str, float]]) -> None:
    assert got.ts.tolist() == sorted(want)
    increase = got.increase()
    for i, key in enumerate(got.ts.tolist()):
        w = want[key]
        assert (got.count[i], got.min[i], got.max[i]) == (w["count"], w["min"], w["max"])
        assert (got.first[i], got.last[i]) == (w["first"], w["last"])
        assert got.sum[i] == pytest.approx(w["sum"])
        assert increase[i] == pytest.approx(w["increase"])


@settings(max_examples=200, deadline=None)
@given(series(), st.sampled_from([10_000_000, FIVE_MIN, HOUR]))
def test_buckets_equal_the_raw_aggregates(data: tuple[np.ndarray, np.ndarray], step: int) -> None:
    ts, values = data
    _check(buckets.from_samples(ts, values, step), reference(ts, values, step))


@settings(max_examples=200, deadline=None)
@given(series())
def test_hour_buckets_combined_from_five_minute_ones_equal_the_raw_aggregates(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    ts, values = data
    combined = buckets.combine(buckets.from_samples(ts, values, FIVE_MIN), HOUR)
    _check(combined, reference(ts, values, HOUR))
    assert combined.ts.tolist() == buckets.from_samples(ts, values, HOUR).ts.tolist()


@settings(max_examples=100, deadline=None)
@given(series())
def test_the_stored_form_is_lossless(data: tuple[np.ndarray, np.ndarray]) -> None:
    ts, values = data
    b = buckets.from_samples(ts, values, FIVE_MIN)
    back = buckets.decode(buckets.encode(b))
    for name in ("ts", "count", "min", "max", "sum", "first", "last", "inc"):
        assert getattr(back, name).tobytes() == getattr(b, name).tobytes(), name


@settings(max_examples=50, deadline=None)
@given(st.lists(series(), min_size=1, max_size=12), st.sampled_from([FIVE_MIN, HOUR]))
def test_many_blocks_decoded_together_are_each_decoded_alone(
    many: list[tuple[np.ndarray, np.ndarray]], step: int
) -> None:
    """Plain (a few buckets) and framed blocks mixed, of one length or many: decode_many gives
    what decode gives, in order."""
    stored = [buckets.encode(buckets.from_samples(ts, values, step)) for ts, values in many]
    stored += stored[:3]  # blocks of one shape: decoded as rows of one matrix
    together = buckets.decode_many(stored)
    assert len(together) == len(stored)
    for got, data in zip(together, stored, strict=True):
        alone = buckets.decode(data)
        for name in ("ts", "count", "min", "max", "sum", "first", "last", "inc"):
            assert getattr(got, name).tobytes() == getattr(alone, name).tobytes(), name


def test_a_counter_reset_adds_the_new_value() -> None:
    ts = np.array([0, 10, 20, 30], dtype=np.int64) * 1_000_000
    b = buckets.from_samples(ts, np.array([100.0, 150.0, 20.0, 50.0]), FIVE_MIN)
    assert b.increase().tolist() == [50.0 + 20.0 + 30.0]


def test_a_rewritten_bucket_replaces_the_older_copy() -> None:
    step = FIVE_MIN
    old = buckets.from_samples(np.array([0, step, 2 * step]), np.array([1.0, 2.0, 3.0]), step)
    new = buckets.from_samples(np.array([step, step + 1]), np.array([5.0, 7.0]), step)
    got = buckets.newest([old, new])
    assert got.ts.tolist() == [0, step, 2 * step]
    assert got.sum.tolist() == [1.0, 12.0, 3.0]
    assert len(buckets.newest([])) == 0


def test_sums_of_decimals_are_the_exact_decimal_sum() -> None:
    ts = np.array([0, 1, 2], dtype=np.int64)
    b = buckets.from_samples(ts, np.array([0.1, 0.2, 0.4]), FIVE_MIN)
    assert 0.1 + 0.2 + 0.4 != 0.7  # summing floats drifts
    assert b.sum.tolist() == [0.7]
    assert buckets.combine(b, HOUR).sum.tolist() == [0.7]
