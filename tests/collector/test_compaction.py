"""collector.tsdb.compaction and the two-tier read path (collector.tsdb.points)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pytest

from collector.tsdb import blocks, compaction, queries
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.points import load
from collector.tsdb.queries import Window
from collector.tsdb.snmp.readings import latest_points

DAY0 = datetime(2026, 11, 20, tzinfo=UTC)
END = DAY0 + timedelta(days=3)


def _seed(cur: duckdb.DuckDBPyConnection) -> None:
    """Two series over three UTC days, 60 s apart with ms jitter: a gauge and a counter."""
    rng = np.random.default_rng(3)
    n = 3 * 1440
    base = int(DAY0.timestamp() * 1000) + np.arange(n, dtype=np.int64) * 60_000
    for sid, monotonic in ((1, False), (2, True)):
        cur.execute(
            "INSERT INTO series (id, device_id, name, labels, unit, monotonic) VALUES (?, 7, ?, '{}', '', ?)",
            [sid, f"m{sid}", monotonic],
        )
        ts = base + rng.integers(0, 60, n)
        values = (
            np.round(rng.uniform(0, 100, n), 2) if sid == 1 else np.cumsum(rng.integers(0, 5000, n)) * 1.0
        )
        if sid == 2:
            values[2000] = 0.0  # a counter reset
        cur.execute(
            "INSERT INTO samples SELECT ?, make_timestamp(unnest(?::BIGINT[]) * 1000), unnest(?::DOUBLE[])",
            [sid, ts.tolist(), values.tolist()],
        )


def _answers(cur: duckdb.DuckDBPyConnection) -> list[object]:
    out: list[object] = []
    for start, end, step in (
        (DAY0, END, 300),
        (DAY0 + timedelta(hours=23), DAY0 + timedelta(days=1, hours=1), 10),
        (DAY0 + timedelta(days=1, minutes=3), DAY0 + timedelta(days=2, hours=5), 60),
    ):
        w = Window(start, end, step)
        out.append(queries.bucket_average(cur, [1, 2], w))
        out.append(queries.bucket_rate(cur, [2], w))
    out.append(latest_points(cur, [1, 2], window=timedelta(hours=2), now=DAY0 + timedelta(days=1, minutes=1)))
    return out


def _count(cur: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def test_dashboard_answers_are_the_same_after_compaction(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    _seed(cur)
    before = _answers(cur)
    everything = load(cur, [1, 2], None, None).sort_by([("series_id", "ascending"), ("ts", "ascending")])

    moved = compaction.compact(cur, DAY0 + timedelta(days=2, hours=5))  # days 0 and 1
    assert moved == int(cur.execute("SELECT sum(n) FROM sample_blocks").fetchall()[0][0])
    assert _count(cur, "sample_blocks") == 2 * 2 + 2 * 5  # 2 series: 2 whole days, 5 closed hours
    remaining = int(cur.execute("SELECT min(ts) FROM samples").fetchall()[0][0].timestamp())
    assert remaining >= int((DAY0 + timedelta(days=2)).replace(tzinfo=None).timestamp())

    assert _answers(cur) == before
    after = load(cur, [1, 2], None, None).sort_by([("series_id", "ascending"), ("ts", "ascending")])
    assert after.equals(everything)
    assert compaction.compact(cur, DAY0 + timedelta(days=2, hours=5)) == 0  # idempotent
    assert _answers(cur) == before


def test_a_late_sample_is_merged_into_its_days_block(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    _seed(cur)
    compaction.compact(cur, END)
    assert _count(cur, "samples") == 0
    late = DAY0.replace(tzinfo=None) + timedelta(hours=5, seconds=1)
    cur.execute("INSERT INTO samples VALUES (1, ?, 123.5)", [late])
    assert compaction.compact(cur, END) == 1
    assert _count(cur, "sample_blocks") == 6
    got = load(cur, [1], late, late + timedelta(microseconds=1))
    assert got.column("value").to_pylist() == [123.5]
    assert int(cur.execute("SELECT sum(n) FROM sample_blocks").fetchall()[0][0]) == 2 * 3 * 1440 + 1


def test_a_failure_leaves_both_tiers_untouched(tsdb: TimeSeriesDB, monkeypatch: pytest.MonkeyPatch) -> None:
    cur = tsdb.cursor()
    _seed(cur)
    rows = _count(cur, "samples")

    def failing(ts_rows: object, value_rows: object) -> list[bytes]:
        raise OSError("disk full")  # the first slice's blocks, its rollups already made

    monkeypatch.setattr(blocks, "encode_many", failing)
    with pytest.raises(OSError, match="disk full"):
        compaction.compact(cur, END)
    assert _count(cur, "samples") == rows
    assert _count(cur, "sample_blocks") == 0
