"""Write series and samples straight into a real DuckDB file, as the ingest path would."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import duckdb

from collector.tsdb.timestamps import naive_utc


def add_series(
    cur: duckdb.DuckDBPyConnection,
    series_id: int,
    device_id: int,
    name: str,
    labels: Mapping[str, str] | None = None,
    *,
    unit: str = "",
    monotonic: bool = False,
) -> int:
    cur.execute(
        "INSERT INTO series (id, device_id, name, labels, unit, monotonic) VALUES (?, ?, ?, ?, ?, ?)",
        [series_id, device_id, name, json.dumps(dict(labels or {}), sort_keys=True), unit, monotonic],
    ).fetchall()
    return series_id


def add_samples(
    cur: duckdb.DuckDBPyConnection, series_id: int, points: Sequence[tuple[datetime, float]]
) -> None:
    """Append samples in one statement (timestamps stored as naive UTC, like the ingest)."""
    stamps = [naive_utc(ts) for ts, _ in points]
    values = [float(v) for _, v in points]
    cur.execute(
        "INSERT INTO samples SELECT ?, unnest(?::TIMESTAMP[]), unnest(?::DOUBLE[])",
        [series_id, stamps, values],
    ).fetchall()


def aligned_now(step_s: int = 10) -> datetime:
    """Now, rounded down to a bucket boundary, so one sample lands in one bucket."""
    now = int(datetime.now(UTC).timestamp())
    return datetime.fromtimestamp(now - now % step_s, UTC)
