"""A real DuckDB file with the ``function_results`` table, and a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB


@pytest.fixture
def tsdb(tmp_path: Path) -> Iterator[TimeSeriesDB]:
    db = TimeSeriesDB(tmp_path / "metrics.duckdb")
    # The ingest writer's migration creates this table; until it has landed, the same
    # columns as agreed for it (a no-op once the migration exists).
    db.cursor().execute(
        "CREATE TABLE IF NOT EXISTS function_results (device_id INTEGER NOT NULL, "
        "subject VARCHAR NOT NULL, function_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, "
        "name VARCHAR NOT NULL, status TINYINT NOT NULL, message VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, "
        "duration_s DOUBLE NOT NULL, metrics VARCHAR NOT NULL)"
    )
    yield db
    db.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    st.migrate()
    yield st
    st.dispose()


def add_result(
    db: TimeSeriesDB,
    device_id: int,
    function_id: str,
    status: int,
    ts: datetime,
    *,
    subject: str = "",
    message: str = "",
    kind: str = "tcp",
    name: str = "",
    metrics: dict[str, float] | None = None,
) -> None:
    """One row as the ingest writer appends it."""
    db.cursor().execute(
        "INSERT INTO function_results (device_id, subject, function_id, kind, name, status, message, ts, "
        "duration_s, metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [device_id, subject, function_id, kind, name or function_id, status, message, ts, 0.05,
         json.dumps(metrics or {})],
    )  # fmt: skip
