"""Compaction as the collector runs it: every few minutes, in slices of series, restartable.

The reference is what compacting a whole UTC day at once stored: per series, the day's
samples sorted by time in one ``blocks.encode``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pytest

from collector.tsdb import blocks, buckets, compaction, merging
from collector.tsdb.compaction import Settings

DAY = datetime(2026, 11, 20)
SERIES = 7
STEP_MS = 30_000
SLICED = Settings(window_s=900, slice_series=3, merge_samples=5_000)


def _day() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(series, ts us, value) of one day in arrival order: gauges, counters with resets."""
    rng = np.random.default_rng(11)
    n = 86_400_000 // STEP_MS
    base = int((DAY - datetime(1970, 1, 1)).total_seconds() * 1000)
    sids, tss, vals = [], [], []
    for sid in range(1, SERIES + 1):
        ts = (base + np.arange(n, dtype=np.int64) * STEP_MS + rng.integers(0, STEP_MS // 2, n)) * 1000
        if sid % 2:
            values = np.round(rng.uniform(0, 100, n), 2)
        else:
            values = np.cumsum(rng.integers(0, 5000, n)).astype(np.float64)
            values[rng.integers(0, n, 3)] = 0.0  # resets
        sids.append(np.full(n, sid, dtype=np.int64))
        tss.append(ts)
        vals.append(values)
    all_ts = np.concatenate(tss)
    order = np.argsort(all_ts, kind="stable")  # arrival order: by time across series
    return np.concatenate(sids)[order], all_ts[order], np.concatenate(vals)[order]


def _insert(cur: duckdb.DuckDBPyConnection, sid: np.ndarray, ts: np.ndarray, val: np.ndarray) -> None:
    cur.execute(
        "INSERT INTO samples SELECT unnest(?::UINTEGER[]), make_timestamp(unnest(?::BIGINT[])), "
        "unnest(?::DOUBLE[])",
        [sid.tolist(), ts.tolist(), val.tolist()],
    )


def _reference(sid: np.ndarray, ts: np.ndarray, val: np.ndarray) -> dict[int, bytes]:
    out = {}
    for s in range(1, SERIES + 1):
        mask = sid == s
        order = np.argsort(ts[mask], kind="stable")
        out[s] = blocks.encode(ts[mask][order], val[mask][order])
    return out


def _run_the_day(cur: duckdb.DuckDBPyConnection, data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> int:
    """Samples arrive 5 minutes at a time; compaction runs after each, as the scheduler does."""
    sid, ts, val = data
    biggest_raw_span = 0
    for k in range(1, 24 * 12 + 13):  # the day and an hour after it
        now = DAY + timedelta(minutes=5 * k)
        mask = (ts >= (k - 1) * 300_000_000 + _us(DAY)) & (ts < k * 300_000_000 + _us(DAY))
        _insert(cur, sid[mask], ts[mask], val[mask])
        compaction.compact(cur, now - timedelta(minutes=1), SLICED)
        oldest = cur.execute("SELECT min(ts) FROM samples").fetchall()[0][0]
        if oldest is not None:
            biggest_raw_span = max(biggest_raw_span, int((now - oldest).total_seconds()))
    return biggest_raw_span


def _us(t: datetime) -> int:
    return int((t - datetime(1970, 1, 1)).total_seconds()) * 1_000_000


def _day_blocks(cur: duckdb.DuckDBPyConnection) -> dict[int, bytes]:
    rows = cur.execute(
        "SELECT series_id, data FROM sample_blocks WHERE first_ts >= ? AND first_ts < ? ORDER BY series_id",
        [DAY, DAY + timedelta(days=1)],
    ).fetchall()
    assert len(rows) == len({r[0] for r in rows}), "one block per series and day"
    return {int(s): bytes(d) for s, d in rows}


def test_a_day_compacted_every_five_minutes_in_slices_is_byte_identical(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    data = _day()
    biggest_raw_span = _run_the_day(cur, data)
    assert _day_blocks(cur) == _reference(*data)
    assert int(cur.execute("SELECT count(*) FROM samples").fetchall()[0][0]) == 0
    # The raw tier held at most a window plus the run's minute and interval.
    assert biggest_raw_span <= 900 + 60 + 300

    _assert_rollups_of(cur, data)


def _assert_rollups_of(
    cur: duckdb.DuckDBPyConnection, data: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    """One 5-min and one 1-h block per series, equal to the raw samples' buckets."""
    sid, ts, val = data
    rows = cur.execute(
        "SELECT series_id, step_s, data FROM rollup_blocks ORDER BY series_id, step_s"
    ).fetchall()
    assert [(int(s), int(step)) for s, step, _ in rows] == [
        (s, step) for s in range(1, SERIES + 1) for step in (300, 3600)
    ]
    for s, step, data_ in rows:
        mask = sid == s
        order = np.argsort(ts[mask], kind="stable")
        five = buckets.from_samples(ts[mask][order], val[mask][order], 300_000_000)
        want = five if step == 300 else buckets.combine(five, 3_600_000_000)
        got = buckets.decode(bytes(data_))
        for name in ("ts", "count", "min", "max", "sum", "first", "last", "inc"):
            assert getattr(got, name).tobytes() == getattr(want, name).tobytes(), (s, step, name)


def test_a_day_at_once_folds_its_rollups_in_transactions_of_bounded_blocks(
    cur: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _day()
    _insert(cur, *data)  # a whole day raw: 24 5-min blocks per series to fold once it is closed
    monkeypatch.setattr(merging, "_ROLLUP_BLOCKS", 48)
    real, read = merging._fetch, []

    def counting(
        c: duckdb.DuckDBPyConnection, ids: list[int], step_s: int, lo: datetime, hi: datetime
    ) -> dict[int, list[tuple[int, buckets.Buckets]]]:
        got = real(c, ids, step_s, lo, hi)
        if step_s == 300:
            read.append(sum(len(v) for v in got.values()))
        return got

    monkeypatch.setattr(merging, "_fetch", counting)
    compaction.compact(cur, DAY + timedelta(days=1, hours=1), SLICED)
    assert sum(read) == SERIES * 24 and len(read) >= 4 and max(read) <= 48
    assert _day_blocks(cur) == _reference(*data)
    _assert_rollups_of(cur, data)


def test_a_killed_compaction_resumes_and_ends_the_same(
    cur: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _day()
    _insert(cur, *data)
    real = blocks.encode_many
    calls = 0

    def dies(ts_rows: Sequence[np.ndarray], value_rows: Sequence[np.ndarray]) -> list[bytes]:
        nonlocal calls
        calls += 1
        if calls == 20:
            raise KeyboardInterrupt  # the process is told to stop in the middle of a slice
        return real(ts_rows, value_rows)

    monkeypatch.setattr(blocks, "encode_many", dies)
    with pytest.raises(KeyboardInterrupt):
        compaction.compact(cur, DAY + timedelta(days=1, hours=1), SLICED)
    left = int(cur.execute("SELECT count(*) FROM samples").fetchall()[0][0])
    stored = int(cur.execute("SELECT coalesce(sum(n), 0) FROM sample_blocks").fetchall()[0][0])
    assert 0 < left < data[0].shape[0]
    assert left + stored == data[0].shape[0]  # nothing lost, nothing twice

    monkeypatch.setattr(blocks, "encode_many", real)
    compaction.compact(cur, DAY + timedelta(days=1, hours=1), SLICED)
    assert _day_blocks(cur) == _reference(*data)


def test_a_late_sample_joins_its_day_block_and_its_bucket(cur: duckdb.DuckDBPyConnection) -> None:
    sid, ts, val = _day()
    keep = np.ones(sid.shape[0], dtype=bool)
    keep[1000] = False  # arrives after its day was compacted
    _insert(cur, sid[keep], ts[keep], val[keep])
    compaction.compact(cur, DAY + timedelta(days=1, hours=1), SLICED)
    assert _day_blocks(cur) == _reference(sid[keep], ts[keep], val[keep])

    _insert(cur, sid[~keep], ts[~keep], val[~keep])
    compaction.compact(cur, DAY + timedelta(days=1, hours=2), SLICED)
    assert _day_blocks(cur) == _reference(sid, ts, val)
    late = int(sid[1000])
    mask = sid == late
    order = np.argsort(ts[mask], kind="stable")
    want = buckets.from_samples(ts[mask][order], val[mask][order], 300_000_000)
    (data,) = cur.execute(
        "SELECT data FROM rollup_blocks WHERE series_id = ? AND step_s = 300", [late]
    ).fetchall()[0]
    assert buckets.decode(bytes(data)).sum.tobytes() == want.sum.tobytes()


def test_compaction_leaves_the_open_window_raw(cur: duckdb.DuckDBPyConnection) -> None:
    now = datetime(2026, 11, 20, 10, 3, tzinfo=UTC)
    base = _us(DAY + timedelta(hours=10))
    _insert(cur, np.array([1, 1]), np.array([base - 1, base + 60_000_000]), np.array([1.0, 2.0]))
    assert compaction.compact(cur, now) == 1  # the window ending 10:00 is whole; 10:00-10:05 is not
    assert cur.execute("SELECT epoch_us(ts) FROM samples").fetchall() == [(base + 60_000_000,)]


@pytest.mark.parametrize("window_s", [0, 7, 1000, 7200])
def test_a_window_must_divide_an_hour(cur: duckdb.DuckDBPyConnection, window_s: int) -> None:
    with pytest.raises(ValueError, match="divide an hour"):
        compaction.compact(cur, DAY, Settings(window_s=window_s))
