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


def _rows_of(case_ts: np.ndarray, case_values: np.ndarray, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The case cut into blocks of ``n`` samples (the last one shorter), as a slice's windows."""
    return [(case_ts[i : i + n], case_values[i : i + n]) for i in range(0, max(1, case_ts.shape[0]), n)]


def test_encode_many_gives_every_case_byte_for_byte_what_encode_gives() -> None:
    # Every case cut into windows of 90 (the compaction window) and 7 samples, and the whole
    # cases together: rows of one length share a matrix, mixing each case's modes and widths.
    rows = [r for _, ts, values in CASES for n in (90, 7, 10**6) for r in _rows_of(ts, values, n)]
    got = blocks.encode_many([t for t, _ in rows], [v for _, v in rows])
    assert got == [blocks.encode(t, v) for t, v in rows]


def test_encode_many_matches_encode_on_random_blocks_of_every_mode() -> None:
    rng = np.random.default_rng(11)
    rows = []
    for i in range(400):
        n = int(rng.choice([1, 2, 90, 360]))
        step = int(rng.choice([1, 1000, 10_000_000]))  # µs, whole ms, the agent's 10 s
        ts = T0_US + np.cumsum(rng.integers(0, 3, n)) * step + int(rng.integers(-(10**9), 10**9))
        kind = i % 6
        if kind == 0:
            values = np.round(rng.uniform(-100, 100, n), int(rng.integers(0, 7)))
        elif kind == 1:
            values = rng.random(n)  # full precision: XOR
        elif kind == 2:
            values = np.cumsum(rng.integers(0, 10**9, n)).astype(np.float64)
        elif kind == 3:
            values = rng.choice([np.nan, np.inf, -0.0, 1.5, 2.0**62, 1e19], n)
        elif kind == 4:
            values = np.full(n, float(rng.integers(-5, 5)))
        else:
            values = np.round(rng.normal(0, 10 ** int(rng.integers(0, 15)), n), int(rng.integers(0, 4)))
        rows.append((ts, values))
    got = blocks.encode_many([t for t, _ in rows], [v for _, v in rows])
    assert got == [blocks.encode(t, v) for t, v in rows]


def test_encode_many_refuses_what_encode_refuses() -> None:
    with pytest.raises(ValueError, match="same length"):
        blocks.encode_many([_REGULAR[:2]], [np.array([1.0])])
    with pytest.raises(ValueError, match="one value array"):
        blocks.encode_many([_REGULAR[:2]], [])


def _same(got: list[tuple[np.ndarray, np.ndarray]], want: list[tuple[np.ndarray, np.ndarray]]) -> None:
    assert len(got) == len(want)
    for (gt, gv), (wt, wv) in zip(got, want, strict=True):
        assert gt.dtype == wt.dtype == np.int64 and gv.dtype == wv.dtype == np.float64
        np.testing.assert_array_equal(gt, wt)
        np.testing.assert_array_equal(gv.view(np.uint64), wv.view(np.uint64))  # NaN, -0.0 too


def test_decode_many_gives_every_block_what_decode_gives() -> None:
    rows = [r for _, ts, values in CASES for n in (90, 7, 10**6) for r in _rows_of(ts, values, n)]
    rng = np.random.default_rng(13)
    for i in range(300):  # blocks of one length with every mode, digit count and time shift
        n = int(rng.choice([1, 30, 90]))
        ts = T0_US + np.cumsum(rng.integers(0, 3, n)) * int(rng.choice([1, 1000, 10_000_000]))
        values = rng.random(n) if i % 3 == 0 else np.round(rng.uniform(-1e6, 1e6, n), int(rng.integers(0, 7)))
        rows.append((ts, values))
    encoded = [blocks.encode(t, v) for t, v in rows]
    _same(blocks.decode_many(encoded), [blocks.decode(b) for b in encoded])


def test_decode_many_refuses_an_unknown_version() -> None:
    block = bytearray(blocks.encode(_REGULAR[:3], np.array([1.0, 2.0, 3.0])))
    block[0] = 99
    with pytest.raises(ValueError, match="unknown sample block version"):
        blocks.decode_many([bytes(block)])
