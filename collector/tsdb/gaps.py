"""Read-side queries over ``gaps``: the data a device's agent lost, and told us it lost.

A gap row is written once per loss (collector.tsdb.ingest.writer): a spool overflow, a batch the
collector refused and the agent set aside, or seqs a restored collector never saw. The
device page lists the latest ones and shades their time spans on every chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

SHOWN = 20


@dataclass(frozen=True, slots=True)
class GapRow:
    """One recorded loss. ``first``/``last`` are None when the lost batches held no samples."""

    from_seq: int
    to_seq: int
    samples_dropped: int
    first: datetime | None
    last: datetime | None
    reason: str
    received: datetime


def _utc(ts: datetime | None) -> datetime | None:
    return None if ts is None else ts.replace(tzinfo=UTC)


def recent_gaps(cur: duckdb.DuckDBPyConnection, device_id: int, limit: int = SHOWN) -> list[GapRow]:
    """The device's latest gaps, newest first."""
    rows = cur.execute(
        "SELECT from_seq, to_seq, samples_dropped, first_ts, last_ts, reason, received FROM gaps "
        "WHERE device_id = ? ORDER BY received DESC, to_seq DESC LIMIT ?",
        [device_id, limit],
    ).fetchall()
    return [
        GapRow(int(f), int(t), int(n), _utc(a), _utc(b), str(r), rec.replace(tzinfo=UTC))
        for f, t, n, a, b, r, rec in rows
    ]


def gap_spans(
    cur: duckdb.DuckDBPyConnection, device_id: int, start: datetime, end: datetime
) -> list[tuple[int, int]]:
    """(first, last) unix seconds of every gap with samples that overlaps ``[start, end)``."""
    naive = [t.astimezone(UTC).replace(tzinfo=None) for t in (start, end)]
    rows = cur.execute(
        "SELECT epoch(first_ts)::BIGINT, epoch(last_ts)::BIGINT FROM gaps WHERE device_id = ? "
        "AND first_ts IS NOT NULL AND last_ts IS NOT NULL AND last_ts >= ? AND first_ts < ? "
        "ORDER BY first_ts",
        [device_id, naive[0], naive[1]],
    ).fetchall()
    return [(int(a), int(b)) for a, b in rows]
