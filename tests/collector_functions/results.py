"""Rows in ``function_results`` as the ingest writer appends them (with their hour in
``function_hours``)."""

from __future__ import annotations

import json
from datetime import datetime

from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.function_summary import RECORD

ONE_RESULT = (
    "(SELECT ?::INTEGER AS device_id, ?::VARCHAR AS subject, ?::VARCHAR AS function_id, "
    "?::TINYINT AS status, ?::TIMESTAMP AS ts)"
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
    db.cursor().execute(RECORD.format(view=ONE_RESULT), [device_id, subject, function_id, status, ts])
