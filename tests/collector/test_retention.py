"""collector.tsdb.retention: each tier drops exactly what is past its age."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from collector.tsdb import retention
from collector.tsdb.db import TimeSeriesDB

NOW = datetime(2026, 12, 1, 12, 0)
US = timedelta(microseconds=1)


@pytest.fixture
def cur(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    db = TimeSeriesDB(tmp_path / "metrics.duckdb")
    yield db.cursor()
    db.close()


def _seed(cur: duckdb.DuckDBPyConnection) -> None:
    """In each tier one row whose data ends just before its cut and one that ends exactly on it."""
    raw_cut = NOW - timedelta(days=30)
    for ts in (raw_cut - US, raw_cut):
        cur.execute("INSERT INTO samples VALUES (1, ?, 1.0)", [ts])
        cur.execute("INSERT INTO sample_blocks VALUES (1, ?, ?, 2, 'x')", [ts - timedelta(hours=1), ts])
        cur.execute("INSERT INTO collector_runs VALUES (1, 'cpu', ?, 0.1, true, '')", [ts])
        bucket = ts - timedelta(seconds=300) + US  # ends on the cut, then a microsecond after it
        cur.execute("INSERT INTO collector_run_summary VALUES (1, 'cpu', ?, 30, 0, 0.1, 0.01, '')", [bucket])
    for step, days in ((300, 180), (3600, 730)):
        last_bucket_end = NOW - timedelta(days=days)
        # A bucket covers [start, start + step): the first is wholly before the cut, the second not.
        for end in (last_bucket_end, last_bucket_end + US):
            start = end - timedelta(seconds=step)
            cur.execute("INSERT INTO rollup_blocks VALUES (1, ?, ?, ?, 1, 0, 'x')", [step, start, start])
    hours_cut = NOW - timedelta(days=retention.FUNCTION_HOURS_DAYS)
    for end in (hours_cut, hours_cut + timedelta(hours=1)):  # an hour ending on the cut, then one after
        cur.execute(
            "INSERT INTO function_hours VALUES (1, '', 'f', ?, 60, 60, 1)", [end - timedelta(hours=1)]
        )


def _left(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    out = {}
    for table, where in (
        ("samples", "true"),
        ("sample_blocks", "true"),
        ("collector_runs", "true"),
        ("collector_run_summary", "true"),
        ("rollup_blocks", "step_s = 300"),
        ("rollup_blocks", "step_s = 3600"),
        ("function_hours", "true"),
    ):
        out[f"{table} {where}"] = int(
            cur.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0][0]
        )
    return out


def test_each_tier_drops_exactly_what_is_past_its_age(cur: duckdb.DuckDBPyConnection) -> None:
    _seed(cur)
    deleted = retention.apply(cur, retention.Retention(), NOW)
    assert deleted == {
        "raw samples": 1,
        "compacted samples": 1,
        "5-min rollups": 1,
        "1-h rollups": 1,
        "collector runs": 1,
        "collector run summaries": 1,
        "function hours": 1,
    }
    assert set(_left(cur).values()) == {1}
    assert retention.apply(cur, retention.Retention(), NOW) == dict.fromkeys(deleted, 0)


def test_zero_days_keeps_a_tier_forever(cur: duckdb.DuckDBPyConnection) -> None:
    _seed(cur)
    forever = retention.Retention(samples_days=0, rollup_5m_days=0, rollup_1h_days=0, collector_runs_days=0)
    # the hourly function summaries are no setting: they go at their fixed age regardless
    assert retention.apply(cur, forever, NOW + timedelta(days=3650)) == {"function hours": 2}
    left = _left(cur)
    assert left.pop("function_hours true") == 0
    assert set(left.values()) == {2}
