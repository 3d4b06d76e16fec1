"""UtcDateTime columns and DuckDB timestamps: UTC in, aware UTC out, one format on disk."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from collector.store.db import Store
from collector.store.models import Customer
from collector.store.utc import as_utc
from collector.tsdb.timestamps import naive_from_epoch, naive_utc

BERLIN_WINTER = timezone(timedelta(hours=1))


def test_store_columns_come_back_aware_in_utc_and_are_stored_as_before(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    local = datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN_WINTER)  # 09:00 UTC
    with store.session() as s:
        s.add_all(
            [
                Customer(name="a", created_at=local),
                Customer(name="b", created_at=datetime(2026, 12, 1, 9, 30)),
            ]
        )
    with store.session() as s:
        rows = {c.name: c.created_at for c in s.scalars(select(Customer))}
        later = s.scalars(
            select(Customer.name).where(Customer.created_at > datetime(2026, 12, 1, 9, 15, tzinfo=UTC))
        )
        assert list(later) == ["b"]  # compared in UTC, not in the fields of the local time
    assert rows == {
        "a": datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        "b": datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    }
    assert all(v.tzinfo is UTC for v in rows.values())
    store.dispose()
    with sqlite3.connect(tmp_path / "s.db") as raw:  # the text DateTime(timezone=True) always wrote
        stored = dict(raw.execute("SELECT name, created_at FROM customers").fetchall())
    assert stored == {"a": "2026-12-01 09:00:00.000000", "b": "2026-12-01 09:30:00.000000"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 12, 1, 9, 0), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        (datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN_WINTER), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_as_utc(value: datetime, expected: datetime) -> None:
    assert as_utc(value) == expected
    assert as_utc(value).tzinfo is UTC


def test_duckdb_timestamps_are_naive_utc() -> None:
    assert naive_utc(datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN_WINTER)) == datetime(2026, 12, 1, 9, 0)
    assert naive_utc(datetime(2026, 12, 1, 9, 0)) == datetime(2026, 12, 1, 9, 0)
    assert naive_from_epoch(1_764_579_600.000001) == datetime(2025, 12, 1, 9, 0, 0, 1)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (ts TIMESTAMP)")
    con.execute("INSERT INTO t VALUES (?)", [naive_from_epoch(1_764_579_600)])
    assert con.execute("SELECT epoch(ts) FROM t").fetchall() == [(1_764_579_600.0,)]
    assert con.execute(
        "SELECT count(*) FROM t WHERE ts >= ?", [naive_utc(datetime.fromtimestamp(1_764_579_600, UTC))]
    ).fetchall() == [(1,)]
