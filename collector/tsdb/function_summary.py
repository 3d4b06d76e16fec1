"""Summaries of ``function_results`` for the customer screen: availability over a window and
one sparkline per function (worst status per clock hour), for a customer's devices at once.

``function_hours`` (DuckDB migration 56) holds one row per device, subject, function and UTC
hour: its runs, OK runs and worst status. The ingest writer adds each committed batch's
results to it in the commit transaction (:data:`RECORD`, an upsert), so it survives restarts
exactly as the results do; retention drops hours past ``function_hours_days``. The readers
take whole hours from it and only the partial hours at a window's edges (at most two) from
``function_results``, so a read no longer grows with the history it covers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeAlias

import duckdb

from collector.tsdb.timestamps import naive_utc

OK = 1  # eus.v1.Health.OK
HOUR = timedelta(hours=1)

Cursor: TypeAlias = duckdb.DuckDBPyConnection
"""A thread's cursor on the time-series database, for callers outside ``collector.tsdb``."""

RECORD = """
INSERT INTO function_hours
SELECT device_id, subject, function_id, date_trunc('hour', ts), count(*),
       count(*) FILTER (WHERE status = 1), max(status)
FROM {view} GROUP BY ALL
ON CONFLICT DO UPDATE SET runs = runs + excluded.runs, ok_runs = ok_runs + excluded.ok_runs,
    worst = greatest(worst, excluded.worst)
"""
"""Add the function results in ``{view}`` (``function_results``' columns) to their hours."""


@dataclass(frozen=True, slots=True)
class Availability:
    """Share of check runs that were OK in a window (``None`` when nothing ran)."""

    ok_runs: int
    runs: int

    @property
    def percent(self) -> float | None:
        return None if self.runs == 0 else 100.0 * self.ok_runs / self.runs


def floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def ceil_hour(t: datetime) -> datetime:
    down = floor_hour(t)
    return down if down == t else down + HOUR


def _split(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """``[lo, hi)``: the whole hours inside ``[since, until)`` (``lo == hi`` when none)."""
    lo, hi = ceil_hour(since), floor_hour(until)
    return (lo, hi) if lo < hi else (since, since)


def availability(
    cur: duckdb.DuckDBPyConnection, device_ids: Sequence[int], since: datetime, until: datetime
) -> Availability:
    """OK runs over all runs of the devices' functions in ``[since, until)``."""
    since, until = naive_utc(since), naive_utc(until)
    if not device_ids or since >= until:
        return Availability(0, 0)
    lo, hi = _split(since, until)
    params: dict[str, Any] = {"ids": list(device_ids), "since": since, "until": until, "lo": lo, "hi": hi}
    row = cur.execute(
        """
        WITH ids AS (SELECT unnest($ids::INTEGER[]) AS id)
        SELECT coalesce(sum(ok), 0), coalesce(sum(n), 0) FROM (
            SELECT sum(ok_runs) AS ok, sum(runs) AS n FROM function_hours
            WHERE device_id IN (SELECT id FROM ids) AND hour >= $lo AND hour < $hi
            UNION ALL
            SELECT count(*) FILTER (WHERE status = 1), count(*) FROM function_results
            WHERE device_id IN (SELECT id FROM ids) AND ts >= $since AND ts < $until
              AND NOT (ts >= $lo AND ts < $hi)
        )
        """,
        params,
    ).fetchone()
    return Availability(int(row[0]), int(row[1])) if row else Availability(0, 0)


SparkKey = tuple[int, str, str]  # device id, subject, function id


def sparklines(
    cur: duckdb.DuckDBPyConnection, device_ids: Sequence[int], until: datetime, *, hours: int = 24
) -> dict[SparkKey, list[int]]:
    """Per function, the worst status of each of the ``hours`` UTC clock hours up to the one
    ``until`` falls in (counting only results before ``until``), oldest first; 0 where it did
    not run (``eus.v1.Health``: 1 ok, 2 warning, 3 critical)."""
    if not device_ids:
        return {}
    until = naive_utc(until)
    start = ceil_hour(until) - hours * HOUR
    hi = floor_hour(until)
    rows = cur.execute(
        """
        WITH ids AS (SELECT unnest($ids::INTEGER[]) AS id)
        SELECT device_id, subject, function_id, hour, worst FROM function_hours
        WHERE device_id IN (SELECT id FROM ids) AND hour >= $start AND hour < $hi
        UNION ALL
        SELECT device_id, subject, function_id, $hi, max(status) FROM function_results
        WHERE device_id IN (SELECT id FROM ids) AND ts >= $hi AND ts < $until
        GROUP BY ALL
        """,
        {"ids": list(device_ids), "start": start, "hi": hi, "until": until},
    ).fetchall()
    out: dict[SparkKey, list[int]] = defaultdict(lambda: [0] * hours)
    for device_id, subject, function_id, hour, status in rows:
        b = (hour - start) // HOUR
        if 0 <= b < hours:
            line = out[(int(device_id), str(subject), str(function_id))]
            line[b] = max(line[b], int(status))
    return dict(out)
