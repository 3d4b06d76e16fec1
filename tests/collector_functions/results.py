"""Rows in ``function_results`` as the ingest writer appends them."""

from __future__ import annotations

import json
from datetime import datetime

from collector.tsdb.db import TimeSeriesDB


def ensure_function_results(db: TimeSeriesDB) -> None:
    """The ingest writer's migration creates this table; until it has landed, the same
    columns as agreed for it (a no-op once the migration exists)."""
    db.cursor().execute(
        "CREATE TABLE IF NOT EXISTS function_results (device_id INTEGER NOT NULL, "
        "subject VARCHAR NOT NULL, function_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, "
        "name VARCHAR NOT NULL, status TINYINT NOT NULL, message VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, "
        "duration_s DOUBLE NOT NULL, metrics VARCHAR NOT NULL)"
    )


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
