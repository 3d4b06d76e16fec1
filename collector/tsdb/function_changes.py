"""The state-change log of every function, kept as results are committed, so the Function Log and
Manage read a function's changes without scanning ``function_results``.

``function_changes`` (DuckDB migration 57) holds every result whose status differs from the one
before it (a function's first result counts, with ``previous`` NULL): exactly the rows
``lag(status) OVER (PARTITION BY device_id, subject, function_id ORDER BY ts, status)`` marks in
``function_results`` (:data:`REFERENCE`; results of one function at the same instant are ordered
by status). ``function_last`` holds each function's newest result (time and status), so a batch
finds its changes without reading any history.

:func:`store` is what the ingest writer does with a batch's results in its commit transaction:
append them, add them to their hours (:data:`collector.tsdb.function_summary.RECORD`) and to
this log. A batch whose results all come after the function's newest is the usual case: its
changes are its own rows compared with their predecessor, the first with ``function_last``. A
batch holding a result at or before the function's newest (an agent's spool replayed after a
reconnect) is the rare one: that function's changes from its oldest such result on are deleted
and computed again from ``function_results`` (one function, from that time). The status held
before that result is read before the delete the way :func:`collector.tsdb.function_log.status_at`
reads it, from the log at or after that time (the first change's ``previous``) or, with no
change since, from ``function_last``: never from what came before it, which retention may have
deleted. Nothing is derived outside the transaction, so the log survives restarts exactly as
the results do.

Retention (:mod:`collector.tsdb.retention`) deletes results and changes before their cuts and
records each cut in ``retention_marks`` first. A result older than either cut is dropped on
arrival (:func:`store`): the results after it that its recomputation would read, or the changes
the status before it is read from, may be gone. So the log equals :data:`REFERENCE` over every
result accepted, from the changes' cut on, and ``function_last`` (never pruned) is each
function's newest accepted result.
"""

from __future__ import annotations

import logging

import duckdb
import pyarrow as pa

from collector.tsdb.function_summary import RECORD

log = logging.getLogger(__name__)

COLUMNS = "device_id, subject, function_id, kind, name, ts, status, previous, message"

REFERENCE = f"""
SELECT {COLUMNS} FROM (
    SELECT *, lag(status) OVER (PARTITION BY device_id, subject, function_id ORDER BY ts, status)
        AS previous
    FROM {{view}}
)
WHERE previous IS NULL OR previous <> status
"""  # noqa: S608 - a fixed relation name
"""The changes of all results in ``{view}``, computed from scratch (the migration's backfill)."""

_LATE = """
WITH late AS (
    SELECT b.device_id, b.subject, b.function_id, min(b.ts) AS lo, l.status AS last_status
    FROM {view} b JOIN function_last l USING (device_id, subject, function_id)
    GROUP BY b.device_id, b.subject, b.function_id, l.ts, l.status
    HAVING min(b.ts) <= l.ts
)
SELECT k.device_id, k.subject, k.function_id, k.lo,
       CASE WHEN min(c.ts) IS NULL THEN any_value(k.last_status)
            ELSE min({{'ts': c.ts, 'status': c.status, 'previous': c.previous}}).previous END
FROM late k LEFT JOIN function_changes c
  ON c.device_id = k.device_id AND c.subject = k.subject AND c.function_id = k.function_id
 AND c.ts >= k.lo
GROUP BY k.device_id, k.subject, k.function_id, k.lo
"""
"""The functions of the batch that have a result at or before their newest known one: the
oldest such result and the status held just before it (the first change's at or after it,
else the newest result's; NULL when the function had no result before it)."""
_LATE_SCHEMA = pa.schema(
    [
        ("device_id", pa.int32()),
        ("subject", pa.string()),
        ("function_id", pa.string()),
        ("lo", pa.timestamp("us")),
        ("held", pa.int8()),
    ]
)

_IN_ORDER = f"""
INSERT INTO function_changes
SELECT {COLUMNS} FROM (
    SELECT b.device_id, b.subject, b.function_id, b.kind, b.name, b.ts, b.status, b.message,
           coalesce(lag(b.status) OVER (
               PARTITION BY b.device_id, b.subject, b.function_id ORDER BY b.ts, b.status
           ), l.status) AS previous,
           min(b.ts) OVER (PARTITION BY b.device_id, b.subject, b.function_id) AS lo,
           l.ts AS last_ts
    FROM {{view}} b LEFT JOIN function_last l USING (device_id, subject, function_id)
)
WHERE (last_ts IS NULL OR lo > last_ts) AND (previous IS NULL OR previous <> status)
"""  # noqa: S608 - a fixed relation name
"""The changes of the batch's functions whose results all come after their newest known one."""

_DROP_LATE = """
DELETE FROM function_changes c USING late_functions k
WHERE c.device_id = k.device_id AND c.subject = k.subject AND c.function_id = k.function_id
  AND c.ts >= k.lo
"""

_RECOMPUTE_LATE = f"""
INSERT INTO function_changes
SELECT {COLUMNS} FROM (
    SELECT r.device_id, r.subject, r.function_id, r.kind, r.name, r.ts, r.status, r.message,
           coalesce(lag(r.status) OVER (
               PARTITION BY r.device_id, r.subject, r.function_id ORDER BY r.ts, r.status
           ), k.held) AS previous
    FROM function_results r JOIN late_functions k
      ON r.device_id = k.device_id AND r.subject = k.subject AND r.function_id = k.function_id
     AND r.ts >= k.lo
    WHERE r.ts >= $lo AND r.device_id IN (SELECT device_id FROM late_functions)
)
WHERE previous IS NULL OR previous <> status
"""  # noqa: S608 - fixed relation names

_LAST = """
INSERT INTO function_last
SELECT device_id, subject, function_id, m.ts, m.status
FROM (
    SELECT device_id, subject, function_id, max({{'ts': ts, 'status': status}}) AS m
    FROM {view} GROUP BY ALL
)
ON CONFLICT DO UPDATE SET
    status = CASE WHEN {{'ts': excluded.ts, 'status': excluded.status}} > {{'ts': ts, 'status': status}}
                  THEN excluded.status ELSE status END,
    ts = greatest(ts, excluded.ts)
"""
"""Each function's newest result, by time then status."""


def record(cur: duckdb.DuckDBPyConnection, view: str) -> int:
    """Add the results in ``view`` (``function_results``' columns, already appended to it) to
    the log and ``function_last``; returns how many functions needed recomputing (late)."""
    late = cur.execute(_LATE.format(view=view)).fetchall()
    cur.execute(_IN_ORDER.format(view=view))
    if late:
        cur.register("late_functions", pa.table(list(zip(*late, strict=True)), schema=_LATE_SCHEMA))
        try:
            cur.execute(_DROP_LATE)
            cur.execute(_RECOMPUTE_LATE, {"lo": min(lo for _, _, _, lo, _ in late)})
        finally:
            cur.unregister("late_functions")
    cur.execute(_LAST.format(view=view))
    return len(late)


_HORIZON = """
SELECT max(cut) FROM retention_marks WHERE tbl IN ('function_results', 'function_changes')
"""
"""The later of retention's cuts of the results and of the log (NULL: neither was pruned)."""

_KEPT = "kept_function_results"


def store(cur: duckdb.DuckDBPyConnection, view: str) -> None:
    """What the ingest writer does with the results in ``view`` inside its commit transaction:
    append them to ``function_results``, their hours (``function_hours``) and their changes.
    Results older than retention's cut of the results or of the log are dropped (module doc)."""
    # One statement on the usual path (no mark, or nothing older): NULL compares false.
    count = f"SELECT count(*), ({_HORIZON}) FROM {view} WHERE ts < ({_HORIZON})"  # noqa: S608 - fixed text
    old, horizon = cur.execute(count).fetchall()[0]
    if not old:
        _store(cur, view)
        return
    log.info("dropped %d function results older than retention's cut %s", old, horizon)
    kept = cur.sql(f"SELECT * FROM {view} WHERE ts >= ?", params=[horizon]).to_arrow_table()  # noqa: S608
    cur.register(_KEPT, kept)
    try:
        _store(cur, _KEPT)
    finally:
        cur.unregister(_KEPT)


def _store(cur: duckdb.DuckDBPyConnection, view: str) -> None:
    cur.execute(f"INSERT INTO function_results SELECT * FROM {view}")  # noqa: S608 - a fixed name
    cur.execute(RECORD.format(view=view))
    record(cur, view)
