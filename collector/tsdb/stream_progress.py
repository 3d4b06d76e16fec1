"""Per-stream ingest progress in DuckDB: what the writer reads at start instead of every batch.

One row per agent spool stream (device, epoch): the contiguous mark (every seq up to it is
committed) and the committed ranges above it (the few batches that arrived after a hole).
The ingest writer upserts the rows its transaction changes in that same transaction, so the
row and the samples are committed together or not at all; at start it reads these rows only
(one per stream), never the batch history. With the marks durable, ``batches`` is no longer
the dedupe record: :func:`prune_batches` drops every batch row at or below its stream's mark,
a bounded number of rows per transaction.
The rows above a mark stay until the hole below them fills (a resend below the mark is
recognised by the mark itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import duckdb
import pyarrow as pa

from collector.tsdb import time_steps

_SCHEMA = pa.schema(
    [
        ("device_id", pa.int32()),
        ("epoch", pa.uint64()),
        ("hwm", pa.uint64()),
        ("above_lo", pa.list_(pa.uint64())),
        ("above_hi", pa.list_(pa.uint64())),
    ]
)


@dataclass(frozen=True, slots=True)
class StreamRow:
    """One stream's committed seqs: everything up to ``hwm``, and ``above`` (inclusive ranges)."""

    device_id: int
    epoch: int
    hwm: int
    above: tuple[tuple[int, int], ...]


def load(cur: duckdb.DuckDBPyConnection) -> Iterator[StreamRow]:
    """Every stream's row: one per (device, epoch), whatever the batch history holds."""
    result = cur.execute("SELECT device_id, epoch, hwm, above_lo, above_hi FROM stream_progress")
    while rows := result.fetchmany(10_000):
        for device_id, epoch, hwm, lo, hi in rows:
            yield StreamRow(int(device_id), int(epoch), int(hwm), tuple(zip(lo, hi, strict=True)))


def save(cur: duckdb.DuckDBPyConnection, rows: Iterable[StreamRow]) -> None:
    """Upsert the streams' rows, inside the caller's transaction (the one with the samples)."""
    rows = list(rows)
    if not rows:
        return
    table = pa.table(
        [
            [r.device_id for r in rows],
            [r.epoch for r in rows],
            [r.hwm for r in rows],
            [[lo for lo, _ in r.above] for r in rows],
            [[hi for _, hi in r.above] for r in rows],
        ],
        schema=_SCHEMA,
    )
    cur.register("incoming_progress", table)
    try:
        cur.execute("INSERT OR REPLACE INTO stream_progress SELECT * FROM incoming_progress")
    finally:
        cur.unregister("incoming_progress")


PRUNE_STEP_ROWS = 100_000  # batch rows aimed at per prune transaction

_AT_OR_BELOW_MARK = "batches.device_id = p.device_id AND batches.epoch = p.epoch AND batches.seq <= p.hwm"


def prune_steps(cur: duckdb.DuckDBPyConnection, step_rows: int = PRUNE_STEP_ROWS) -> Iterator[int]:
    """Delete the batch rows at or below their stream's mark, in windows of their commit time
    of about ``step_rows`` rows, each its own transaction (``time_steps``: time windows hold
    the same rows whatever a checkpoint between two steps renumbered); yields how many each
    step deleted. Months of history on an upgraded install are so many short transactions,
    each bounded in memory and WAL, not one huge statement; rows committed while it runs lie
    after the cut taken at its start and wait for the next prune. One writer commit shares
    one commit time, so a step holds at least that commit's rows."""
    if step_rows <= 0:
        raise ValueError(f"step_rows must be positive, not {step_rows}")
    newest = cur.execute("SELECT max(committed) FROM batches").fetchall()[0][0]
    if newest is None:
        return
    cut = newest + timedelta(microseconds=1)
    yield from time_steps.delete_steps(
        cur, "batches", "committed", cut, step_rows, using="stream_progress p", where=_AT_OR_BELOW_MARK
    )


def prune_batches(cur: duckdb.DuckDBPyConnection, step_rows: int = PRUNE_STEP_ROWS) -> int:
    """Delete the batch rows at or below their stream's mark in bounded steps
    (:func:`prune_steps`); returns how many went. The retention job calls it (``collector.app``)."""
    return sum(prune_steps(cur, step_rows))
