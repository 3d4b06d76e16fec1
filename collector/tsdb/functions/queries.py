"""Each function's latest state and its history, read from ``function_results``.

The ingest writer appends one row per check run (device, subject, function id, kind,
name, status, message, ts, duration, metrics JSON). "Latest" queries are bounded in
time: a function not heard from within the window is not listed. The time of the last
state change is the newest result whose status differs from the result before it; when
the status held for the whole window, ``since`` is the window's first result and
``since_exact`` is False ("at least since").
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from collector.tsdb.timestamps import naive_utc

LATEST_WINDOW = timedelta(days=7)
MAX_HISTORY = 2000


class Health(enum.IntEnum):
    """``eus.v1.Health`` as stored in ``function_results.status``."""

    UNKNOWN = 0
    OK = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()


def health(value: int) -> Health:
    try:
        return Health(value)
    except ValueError:
        return Health.UNKNOWN


@dataclass(frozen=True, slots=True)
class FunctionState:
    """A function's newest result and when its status last changed."""

    subject: str
    function_id: str
    kind: str
    name: str
    status: Health
    message: str
    ts: datetime
    duration_s: float
    metrics: dict[str, float]
    since: datetime
    since_exact: bool


@dataclass(frozen=True, slots=True)
class FunctionResultRow:
    """One check run."""

    ts: datetime
    status: Health
    message: str
    duration_s: float
    metrics: dict[str, float]


def _metrics(raw: object) -> dict[str, float]:
    if not raw:
        return {}
    try:
        data = json.loads(str(raw))
    except ValueError:
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def latest_states(
    cur: duckdb.DuckDBPyConnection,
    device_id: int,
    *,
    window: timedelta = LATEST_WINDOW,
    now: datetime | None = None,
) -> list[FunctionState]:
    """Every function of the device with a result in the window, worst status first."""
    start = naive_utc((now or datetime.now(UTC)) - window)
    rows = cur.execute(
        """
        WITH r AS (
            SELECT subject, function_id, kind, name, status, message, ts, duration_s, metrics,
                   lag(status) OVER (PARTITION BY subject, function_id ORDER BY ts) AS prev
            FROM function_results
            WHERE device_id = ? AND ts >= ?
        )
        SELECT subject, function_id,
               arg_max(kind, ts), arg_max(name, ts), arg_max(status, ts), arg_max(message, ts),
               max(ts), arg_max(duration_s, ts), arg_max(metrics, ts),
               max(ts) FILTER (WHERE prev IS NOT NULL AND prev <> status),
               min(ts)
        FROM r
        GROUP BY subject, function_id
        """,
        [device_id, start],
    ).fetchall()
    states = [
        FunctionState(
            subject=str(subject),
            function_id=str(fid),
            kind=str(kind),
            name=str(name) or str(fid),
            status=health(int(status)),
            message=str(message),
            ts=ts,
            duration_s=float(duration),
            metrics=_metrics(metrics),
            since=changed if changed is not None else first,
            since_exact=changed is not None,
        )
        for subject, fid, kind, name, status, message, ts, duration, metrics, changed, first in rows
    ]
    return sorted(states, key=_severity_order)


_SEVERITY = {Health.CRITICAL: 0, Health.WARNING: 1, Health.UNKNOWN: 2, Health.OK: 3}


def _severity_order(s: FunctionState) -> tuple[int, str, str]:
    return (_SEVERITY[s.status], s.subject, s.name.lower())


def history(
    cur: duckdb.DuckDBPyConnection,
    device_id: int,
    function_id: str,
    subject: str = "",
    *,
    since: datetime | None = None,
    limit: int = 500,
) -> list[FunctionResultRow]:
    """One function's results, newest first (``since`` inclusive; default the last 7 days)."""
    start = naive_utc(since) if since is not None else naive_utc(datetime.now(UTC) - LATEST_WINDOW)
    rows = cur.execute(
        "SELECT ts, status, message, duration_s, metrics FROM function_results "
        "WHERE device_id = ? AND subject = ? AND function_id = ? AND ts >= ? ORDER BY ts DESC LIMIT ?",
        [device_id, subject, function_id, start, max(1, min(limit, MAX_HISTORY))],
    ).fetchall()
    return [
        FunctionResultRow(ts, health(int(status)), str(message), float(duration), _metrics(metrics))
        for ts, status, message, duration, metrics in rows
    ]


def status_changes(rows: list[FunctionResultRow]) -> list[FunctionResultRow]:
    """Pure: the results (newest first, as :func:`history` returns them) where the status
    differs from the result before; the oldest result counts as a change."""
    return [row for i, row in enumerate(rows) if i == len(rows) - 1 or rows[i + 1].status != row.status]
