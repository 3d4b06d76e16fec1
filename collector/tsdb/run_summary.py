"""Collector runs summarised: one row per device, collector and 5 minutes instead of one per run.

The ingest writer records every agent-side collector run in ``collector_runs`` (about one
row per six samples with the real agent). Compaction (``collector.tsdb.compaction``) calls
:func:`summarise` with its cutoff: the runs before it become rows of
``collector_run_summary`` (runs, failures, total and longest duration, the last failure's
error) and leave ``collector_runs``, in one transaction, in SQL so nothing is held in Python.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from collector.tsdb.txn import naive, transaction

BUCKET_S = 300  # the bucket in _SUMMARISE

_SUMMARISE = """
INSERT INTO collector_run_summary
SELECT device_id, collector, time_bucket(INTERVAL 300 SECOND, started) AS bucket,
       count(*), count(*) FILTER (WHERE NOT ok), sum(duration_s), max(duration_s),
       coalesce(arg_max(error, started) FILTER (WHERE NOT ok), '')
FROM collector_runs
WHERE started < $cutoff
GROUP BY device_id, collector, bucket
"""


def summarise(cur: duckdb.DuckDBPyConnection, cutoff: datetime) -> int:
    """Summarise and remove the collector runs started before ``cutoff``; returns runs moved."""
    with transaction(cur):
        moved = int(
            cur.execute("SELECT count(*) FROM collector_runs WHERE started < ?", [naive(cutoff)]).fetchall()[
                0
            ][0]
        )
        if moved:
            cur.execute(_SUMMARISE, {"cutoff": naive(cutoff)})
            cur.execute("DELETE FROM collector_runs WHERE started < ?", [naive(cutoff)])
    return moved
