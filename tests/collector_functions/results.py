"""Rows in ``function_results`` as the ingest writer appends them (with their hour in
``function_hours`` and their state change in ``function_changes``)."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pyarrow as pa

from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.function_changes import store


def add_result(
    db: TimeSeriesDB | duckdb.DuckDBPyConnection,
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
    duration_s: float = 0.05,
) -> None:
    """One result stored (on the database's cursor, or the cursor given) as the ingest writer
    stores a batch's results."""
    cur = db.cursor() if isinstance(db, TimeSeriesDB) else db
    row = pa.table(
        {
            "device_id": pa.array([device_id], pa.int32()),
            "subject": pa.array([subject], pa.string()),
            "function_id": pa.array([function_id], pa.string()),
            "kind": pa.array([kind], pa.string()),
            "name": pa.array([name or function_id], pa.string()),
            "status": pa.array([status], pa.int8()),
            "message": pa.array([message], pa.string()),
            "ts": pa.array([ts], pa.timestamp("us")),
            "duration_s": pa.array([duration_s], pa.float64()),
            "metrics": pa.array([json.dumps(metrics or {})], pa.string()),
        }
    )
    cur.register("_one_result", row)
    try:
        store(cur, "_one_result")
    finally:
        cur.unregister("_one_result")
