"""Disk use of each time-series table, for the admin page that shows retention per tier.

DuckDB stores a table in 256 KB blocks; ``pragma_storage_info`` lists the blocks of every
column segment, and the blocks holding long values (the compacted blobs) as each segment's
``additional_block_ids``. Counting them gives a table's bytes on disk without reading its
data (tens of milliseconds at fleet scale; within ~5 % of copying the table into a fresh
file, as ``bench/fleet`` does, when nothing was deleted lately). Only checkpointed blocks
count: what sits in the WAL is not in the file's tables yet; rows deleted (merged, past
retention) keep their blocks until DuckDB rewrites the row group, which is real disk use.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from collector.tsdb.retention import TIERS

# The tables retention's tiers cover; the hourly function summaries (a fixed age), each
# function's newest result, the loss records, the batch records (pruned below their stream's
# mark by the retention job), the series and the per-stream progress marks.
TABLES: tuple[str, ...] = (
    *dict.fromkeys(t.table for t in TIERS),
    "function_hours",
    "function_last",
    "gaps",
    "batches",
    "series",
    "stream_progress",
)

_BLOCKS = """
SELECT count(DISTINCT block) FROM (
    SELECT block_id AS block FROM pragma_storage_info($table) WHERE persistent
    UNION ALL
    SELECT unnest(additional_block_ids) FROM pragma_storage_info($table) WHERE persistent
)
"""


@dataclass(frozen=True, slots=True)
class TableUse:
    """A table's rows and the bytes its blocks take in the database file."""

    table: str
    rows: int
    bytes: int


def disk_use(cur: duckdb.DuckDBPyConnection) -> list[TableUse]:
    """Rows and bytes on disk of every time-series table, in :data:`TABLES` order."""
    block_size = int(cur.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0])
    out = []
    for table in TABLES:
        blocks = int(cur.execute(_BLOCKS, {"table": table}).fetchall()[0][0])
        rows = int(cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])  # noqa: S608 - TABLES
        out.append(TableUse(table, rows, blocks * block_size))
    return out
