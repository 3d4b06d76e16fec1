"""collector.tsdb.rollups: which resolution a chart reads, and that it answers as raw would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pytest

from collector.tsdb import compaction, queries, rollups
from collector.tsdb.queries import Window

T0 = datetime(2026, 11, 1, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("span", "step_s", "want"),
    [
        (H, 10, None),
        (6 * H, 60, None),
        (6 * H, 300, None),
        (24 * H, 300, 300),
        (24 * H, 60, None),  # not whole 5-min buckets: from samples
        (7 * 24 * H, 1800, 300),
        (7 * 24 * H, 3600, 300),
        (30 * 24 * H, 7200, 3600),
        (30 * 24 * H, 900, 300),  # not whole hours: 5-min rollups
    ],
)
def test_the_resolution_follows_the_range(span: timedelta, step_s: int, want: int | None) -> None:
    assert rollups.resolution(T0, T0 + span, step_s) == want


def _seed(cur: duckdb.DuckDBPyConnection, days: int) -> None:
    rng = np.random.default_rng(5)
    n = days * 1440
    base = int(T0.timestamp() * 1000) + np.arange(n, dtype=np.int64) * 60_000
    for sid in (1, 2):
        ts = base + rng.integers(0, 30_000, n)
        values = np.round(rng.uniform(0, 100, n), 1) if sid == 1 else np.cumsum(rng.integers(0, 900, n)) * 1.0
        if sid == 2:
            values[n // 3] = 5.0  # a reset
        cur.execute(
            "INSERT INTO samples SELECT ?, make_timestamp(unnest(?::BIGINT[]) * 1000), unnest(?::DOUBLE[])",
            [sid, ts.tolist(), values.tolist()],
        )


def _charts(cur: duckdb.DuckDBPyConnection, end: datetime) -> list[object]:
    out: list[object] = []
    for span, step in ((24 * H, 300), (7 * 24 * H, 1800), (9 * 24 * H, 7200)):
        w = Window.last(span, step, now=end)
        out.append(queries.bucket_average(cur, [1, 2], w))
        out.append(queries.bucket_rate(cur, [2], w))
    return out


def test_charts_answer_the_same_from_rollups_as_from_samples(cur: duckdb.DuckDBPyConnection) -> None:
    _seed(cur, 10)
    end = T0 + timedelta(days=10) - timedelta(minutes=7)
    from_samples = _charts(cur, end)
    compaction.compact(cur, end)  # all but the open window now lives in blocks and rollups
    raw_left = int(cur.execute("SELECT count(*) FROM samples").fetchall()[0][0])
    assert 0 < raw_left < 40
    assert cur.execute("SELECT DISTINCT step_s FROM rollup_blocks ORDER BY 1").fetchall() == [(300,), (3600,)]
    after = _charts(cur, end)
    assert after[:4] == from_samples[:4]  # 5-min rollups hold exactly the sums of the samples
    for got, want in zip(after[4:], from_samples[4:], strict=True):  # 1-h: the same sums regrouped
        assert isinstance(got, dict) and isinstance(want, dict) and got.keys() == want.keys()
        for sid, points in got.items():
            assert points.t == want[sid].t
            assert points.v == pytest.approx(want[sid].v, rel=1e-12)


def test_a_rate_from_rollups_is_the_increase_over_the_step(cur: duckdb.DuckDBPyConnection) -> None:
    ts = [T0 + timedelta(minutes=m) for m in (1, 3, 6, 8, 11)]
    for t, v in zip(ts, (100.0, 160.0, 10.0, 70.0, 100.0), strict=True):
        cur.execute("INSERT INTO samples VALUES (9, ?, ?)", [t.replace(tzinfo=None), v])
    compaction.compact(cur, T0 + timedelta(days=1))
    w = Window(T0, T0 + 24 * H, 300)
    got = queries.bucket_rate(cur, [9], w)[9]
    # 0:00-0:05 +60; 0:05-0:10 reset to 10 then +60 = 70; 0:10-0:15 +30.
    assert got.t[:3] == [int(T0.timestamp()) + k * 300 for k in range(3)]
    assert got.v[:3] == [60 / 300, 70 / 300, 30 / 300]


def test_hour_rollups_are_one_block_per_series_and_month(cur: duckdb.DuckDBPyConnection) -> None:
    start = datetime(2026, 10, 28, tzinfo=UTC)
    for day in range(6):  # 28 Oct - 2 Nov, one day at a time as the job would see them
        for minute in range(0, 1440, 7):
            t = start + timedelta(days=day, minutes=minute)
            cur.execute("INSERT INTO samples VALUES (3, ?, ?)", [t.replace(tzinfo=None), float(minute % 50)])
        compaction.compact(cur, start + timedelta(days=day + 1, minutes=20))
    months = cur.execute(
        "SELECT first_ts, n FROM rollup_blocks WHERE step_s = 3600 ORDER BY first_ts"
    ).fetchall()
    assert [(t.month, n) for t, n in months] == [(10, 4 * 24), (11, 2 * 24)]
    w = Window(start, start + timedelta(days=9), 7200)
    got = queries.bucket_average(cur, [3], w)[3]
    assert len(got.t) == 6 * 12
    assert got.v[0] == pytest.approx(sum(m % 50 for m in range(0, 120, 7)) / len(range(0, 120, 7)))


def test_many_series_read_together_answer_as_each_read_alone(cur: duckdb.DuckDBPyConnection) -> None:
    """20 series read together (one scan between the widest bounds) and each read alone (an
    equality on its id), late samples rewriting some buckets, give each series the same."""
    rng = np.random.default_rng(8)
    n = 3 * 288  # three days, one sample every 5 min
    base = int(T0.timestamp() * 1000) + np.arange(n, dtype=np.int64) * 300_000
    ids = list(range(100, 120))
    for sid in ids:
        cur.execute(
            "INSERT INTO samples SELECT ?, make_timestamp(unnest(?::BIGINT[]) * 1000), unnest(?::DOUBLE[])",
            [sid, (base + rng.integers(0, 60_000, n)).tolist(), np.round(rng.uniform(0, 9, n), 1).tolist()],
        )
    end = T0 + timedelta(days=3)
    compaction.compact(cur, end)
    late = T0 + timedelta(days=1, hours=5, minutes=1)  # after its window was compacted
    for sid in ids[::3]:
        cur.execute("INSERT INTO samples VALUES (?, ?, 50.0)", [sid, late.replace(tzinfo=None)])
    compaction.compact(cur, end + timedelta(minutes=5))
    for span, step in ((24 * H, 300), (9 * 24 * H, 7200)):  # 5-min rollups; 1-h ones, then 5-min
        w = Window.last(span, step, now=end)
        assert rollups.resolution(w.start, w.end, step) == (300 if step == 300 else 3600)
        together = queries.bucket_average(cur, ids, w)
        assert together == {sid: queries.bucket_average(cur, [sid], w)[sid] for sid in ids}
        assert all(together[sid].t for sid in ids)
    w = Window.last(9 * 24 * H, 7200, now=end)
    assert 50.0 in queries.bucket_spread(cur, [ids[0]], w)[ids[0]].high  # the late sample is read
