"""Summaries of ``function_results`` for the customer screen: availability over a window and
one sparkline per function (worst status per bucket), for a customer's devices at once.

Both read one bounded time range of the customer's devices in a single query each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeAlias

import duckdb

from collector.tsdb.timestamps import naive_utc

OK = 1  # eus.v1.Health.OK

Cursor: TypeAlias = duckdb.DuckDBPyConnection
"""A thread's cursor on the time-series database, for callers outside ``collector.tsdb``."""


@dataclass(frozen=True, slots=True)
class Availability:
    """Share of check runs that were OK in a window (``None`` when nothing ran)."""

    ok_runs: int
    runs: int

    @property
    def percent(self) -> float | None:
        return None if self.runs == 0 else 100.0 * self.ok_runs / self.runs


def availability(
    cur: duckdb.DuckDBPyConnection, device_ids: Sequence[int], since: datetime, until: datetime
) -> Availability:
    """OK runs over all runs of the devices' functions in ``[since, until)``."""
    if not device_ids:
        return Availability(0, 0)
    row = cur.execute(
        "SELECT count(*) FILTER (WHERE status = ?), count(*) FROM function_results "
        "WHERE device_id IN (SELECT unnest(?::INTEGER[])) AND ts >= ? AND ts < ?",
        [OK, list(device_ids), naive_utc(since), naive_utc(until)],
    ).fetchone()
    return Availability(int(row[0]), int(row[1])) if row else Availability(0, 0)


SparkKey = tuple[int, str, str]  # device id, subject, function id


def sparklines(
    cur: duckdb.DuckDBPyConnection,
    device_ids: Sequence[int],
    until: datetime,
    *,
    span: timedelta = timedelta(hours=24),
    buckets: int = 24,
) -> dict[SparkKey, list[int]]:
    """Per function, the worst status of each of ``buckets`` equal slices of ``span`` before
    ``until``, oldest first; 0 where it did not run (``eus.v1.Health``: 1 ok, 2 warning,
    3 critical)."""
    if not device_ids:
        return {}
    start = naive_utc(until - span)
    width_us = max(1, int(span / timedelta(microseconds=1)) // buckets)
    rows = cur.execute(
        "SELECT device_id, subject, function_id, "
        "(epoch_us(ts) - epoch_us(?::TIMESTAMP)) // ? AS b, max(status) FROM function_results "
        "WHERE device_id IN (SELECT unnest(?::INTEGER[])) AND ts >= ? AND ts < ? GROUP BY ALL",
        [start, width_us, list(device_ids), start, naive_utc(until)],
    ).fetchall()
    out: dict[SparkKey, list[int]] = defaultdict(lambda: [0] * buckets)
    for device_id, subject, function_id, bucket, status in rows:
        b = int(bucket)
        if 0 <= b < buckets:
            out[(int(device_id), str(subject), str(function_id))][b] = int(status)
    return dict(out)
