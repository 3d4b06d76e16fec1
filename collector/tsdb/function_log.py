"""Reads for the Function Log and one function's history: its state changes (from the change
log ``function_changes``, :mod:`collector.tsdb.function_changes`), ``events`` and ``function_results``.

- :func:`state_changes`: every result in a range whose status differs from the result before it
  (a function's first result counts as one), across a set of devices;
- :func:`device_events`: the events those devices reported;
- :func:`results`: one function's every result in a range, oldest first, one time chunk a
  call (exports stream them);
- :func:`status_at`: a function's status just before a range (where its chart starts), from
  the change log too.

Every bound is a range ``[start, end)`` of aware or naive UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from collector.tsdb.timestamps import naive_utc

MAX_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class StateChange:
    device_id: int
    subject: str
    function_id: str
    kind: str
    name: str
    ts: datetime  # naive UTC
    status: int  # eus.v1.Health
    previous: int | None  # None: the function's first result in the range
    message: str


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    device_id: int
    ts: datetime
    kind: str
    source: str
    severity: str
    message: str


@dataclass(frozen=True, slots=True)
class Result:
    ts: datetime
    status: int
    message: str
    duration_s: float
    metrics: str  # JSON


def state_changes(
    cur: duckdb.DuckDBPyConnection,
    device_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    function_id: str = "",
    subject: str | None = None,
    limit: int = MAX_ROWS,
) -> list[StateChange]:
    """Status changes of the devices' functions in ``[start, end)``, newest first.

    The status before ``start`` counts, so a function that held its status into the range
    shows no change at its first result there unless it had none before."""
    if not device_ids:
        return []
    # The log holds exactly the changes a lag() over all results gives, the status held from
    # before the range included: a range filter, no window, no scan of the results.
    rows = cur.execute(
        """
        SELECT device_id, subject, function_id, kind, name, ts, status, previous, message
        FROM function_changes
        WHERE device_id IN (SELECT unnest($ids)) AND ($fid = '' OR function_id = $fid)
          AND ($subject IS NULL OR subject = $subject) AND ts >= $start AND ts < $end
        ORDER BY ts DESC, status DESC, device_id, subject, function_id
        LIMIT $limit
        """,
        {
            "ids": list(device_ids),
            "fid": function_id,
            "subject": subject,
            "end": naive_utc(end),
            "start": naive_utc(start),
            "limit": max(1, min(limit, MAX_ROWS)),
        },
    ).fetchall()
    return [
        StateChange(
            int(d),
            str(s),
            str(f),
            str(k),
            str(n) or str(f),
            ts,
            int(st),
            None if p is None else int(p),
            str(m),
        )
        for d, s, f, k, n, ts, st, p, m in rows
    ]


def device_events(
    cur: duckdb.DuckDBPyConnection,
    device_ids: Sequence[int],
    start: datetime,
    end: datetime,
    limit: int = MAX_ROWS,
) -> list[DeviceEvent]:
    """The events the devices reported in ``[start, end)``, newest first."""
    if not device_ids:
        return []
    rows = cur.execute(
        "SELECT device_id, ts, kind, source, severity, message FROM events "
        "WHERE device_id IN (SELECT unnest(?)) AND ts >= ? AND ts < ? ORDER BY ts DESC LIMIT ?",
        [list(device_ids), naive_utc(start), naive_utc(end), max(1, min(limit, MAX_ROWS))],
    ).fetchall()
    return [DeviceEvent(int(d), ts, str(k), str(s), str(sev), str(m)) for d, ts, k, s, sev, m in rows]


def results(
    cur: duckdb.DuckDBPyConnection,
    device_id: int,
    subject: str,
    function_id: str,
    *,
    start: datetime,
    end: datetime,
) -> list[Result]:
    """One function's results in ``[start, end)``, oldest first (callers bound the range)."""
    rows = cur.execute(
        "SELECT ts, status, message, duration_s, metrics FROM function_results "
        "WHERE device_id = ? AND subject = ? AND function_id = ? AND ts >= ? AND ts < ? ORDER BY ts",
        [device_id, subject, function_id, naive_utc(start), naive_utc(end)],
    ).fetchall()
    return [Result(ts, int(st), str(m), float(d), str(mx)) for ts, st, m, d, mx in rows]


def status_at(
    cur: duckdb.DuckDBPyConnection, device_id: int, subject: str, function_id: str, when: datetime
) -> int | None:
    """The function's status as of its last result before ``when`` (None: no result before).

    Read from the change log: the first change at or after ``when`` says what it changed from
    (None when it was the function's first result); without one, the status has held since, so
    it is the newest result's (``function_last``), or None when the function never ran."""
    key = [device_id, subject, function_id]
    row = cur.execute(
        "SELECT previous FROM function_changes WHERE device_id = ? AND subject = ? AND function_id = ? "
        "AND ts >= ? ORDER BY ts, status LIMIT 1",
        [*key, naive_utc(when)],
    ).fetchone()
    if row is None:
        row = cur.execute(
            "SELECT status FROM function_last WHERE device_id = ? AND subject = ? AND function_id = ?", key
        ).fetchone()
    return None if row is None or row[0] is None else int(row[0])
