"""Deleting what a per-record table holds before a cut, in bounded steps of its time column.

What a ``DELETE`` costs DuckDB in memory depends on the layout (BENCHMARKS.md "Retention of
the per-record tables", ``bench/retention_delete.py``, 100 M function results, 512 MB memory
limit): rows in time order, as ingest appends them, fill whole 2,048-row vectors, and one
statement deletes 80 M of them in about a second within the limit. Rows before the cut that
share vectors with newer ones (late results, everywhere at once in the bench's worst case)
cost DuckDB per vector until the transaction ends: 20 M of them in one statement, or in steps
of 1 M rows, fail with "Out of Memory"; steps of 250,000 rows delete 80 M. Function results
are 72 M rows a day at 1,000 devices, and the first retention run after an upgrade (or after a
setting was lowered) deletes weeks of them.

:func:`delete_steps` deletes in windows ``[start, start + span)`` of the table's time column,
each its own transaction, the span scaled after each step to hold about ``rows`` rows (at
most :data:`GROWTH` times wider than the last). Each window starts at the oldest row left
before the cut, so an empty stretch costs one lookup, and DuckDB's min/max per row group limits
both the lookup and the delete to the row groups the window overlaps (in time order: a few).

A step may delete only some of its window's rows (``using`` and ``where``: ``batches`` keeps the
rows above their stream's mark); the next window starts at the window's end all the same.

Time windows, not rowid ranges (as ``stream_progress.prune_steps`` took at first): a checkpoint
(DuckDB runs one by itself once the WAL passes 16 MB) vacuums row groups that deletes left
partly empty and renumbers the rows it moves (seen: the row at rowid 230,000 was at 30,000
after one), so a rowid range taken before it can miss rows moved below it (seen: 208,480 of
20 M rows left behind by 100,000-row rowid steps). A time window holds the same rows whatever
the checkpoints did.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import duckdb

from collector.tsdb.txn import naive, transaction

STEP_ROWS = 250_000  # rows aimed at per transaction (1 M: out of memory in the worst layout)
FIRST_SPAN = timedelta(minutes=1)
GROWTH = 4.0  # a step's span is at most this many times the last one's
_TINY = timedelta(microseconds=1)


def delete_steps(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    cut: datetime,
    rows: int = STEP_ROWS,
    *,
    using: str = "",
    where: str = "TRUE",
) -> Iterator[int]:
    """Delete the rows of ``table`` whose ``column`` is before ``cut`` (and that match ``where``,
    which may name the tables of ``using``), one window of about ``rows`` rows per transaction;
    yields how many each step deleted. ``table``, ``column``, ``using`` and ``where`` are the
    caller's own SQL (retention's tiers, the batch prune), never user input."""
    if rows <= 0:
        raise ValueError(f"rows must be positive, not {rows}")
    cut = naive(cut)
    oldest = f"SELECT min({column}) FROM {table} WHERE {column} >= $lo AND {column} < $cut"  # noqa: S608
    joined = f"USING {using} " if using else ""
    delete = (
        f"DELETE FROM {table} {joined}"  # noqa: S608
        f"WHERE {table}.{column} >= $lo AND {table}.{column} < $hi AND ({where})"
    )
    start = cur.execute(oldest, {"lo": datetime.min, "cut": cut}).fetchall()[0][0]
    span = FIRST_SPAN
    while start is not None:
        end = min(start + span, cut)
        with transaction(cur):
            done = cur.execute(delete, {"lo": start, "hi": end}).fetchall()
        deleted = int(done[0][0]) if done else 0
        yield deleted
        span = max(span * min(GROWTH, rows / max(deleted, 1)), _TINY)
        start = cur.execute(oldest, {"lo": end, "cut": cut}).fetchall()[0][0]


def delete_before(
    cur: duckdb.DuckDBPyConnection, table: str, column: str, cut: datetime, rows: int = STEP_ROWS
) -> int:
    """:func:`delete_steps` to the end; returns how many rows went."""
    return sum(delete_steps(cur, table, column, cut, rows))
