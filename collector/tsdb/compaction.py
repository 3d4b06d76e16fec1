"""The compacted tier: closed UTC days of ``samples`` rewritten as one block per (series, day).

``compact`` moves every raw sample of the whole UTC days before ``before`` into
``sample_blocks`` (codec: ``collector.tsdb.blocks``) and deletes those rows from
``samples``, in one transaction: a crash leaves either both or neither. A sample that
arrives late for a day already compacted is merged into that day's block on the next run,
so running it again is harmless. Readers see both tiers through ``collector.tsdb.points``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa

from collector.tsdb import blocks
from collector.tsdb.timestamps import naive_utc

log = logging.getLogger(__name__)

DAY_US = 86_400_000_000
_BLOCKS_SCHEMA = pa.schema(
    [
        ("series_id", pa.uint32()),
        ("first_ts", pa.timestamp("us")),
        ("last_ts", pa.timestamp("us")),
        ("n", pa.uint32()),
        ("data", pa.binary()),
    ]
)


def day_floor(t: datetime) -> datetime:
    """The start of ``t``'s UTC day, naive (DuckDB TIMESTAMP is naive UTC here)."""
    return naive_utc(t).replace(hour=0, minute=0, second=0, microsecond=0)


def _compact_day(cur: duckdb.DuckDBPyConnection, day: datetime) -> int:
    end = day + timedelta(days=1)
    raw = cur.sql(
        "SELECT series_id, epoch_us(ts) AS t, value FROM samples WHERE ts >= ? AND ts < ?",
        params=[day, end],
    ).to_arrow_table()
    if raw.num_rows == 0:
        return 0
    sid = raw.column("series_id").to_numpy().astype(np.uint32)
    ts = raw.column("t").to_numpy().astype(np.int64)
    val = raw.column("value").to_numpy().astype(np.float64)
    # A late sample for a day compacted before: merge the existing blocks in.
    touched = np.unique(sid)
    old = cur.execute(
        "SELECT series_id, data FROM sample_blocks "
        "WHERE series_id IN (SELECT unnest(?::UINTEGER[])) AND first_ts >= ? AND first_ts < ?",
        [touched.tolist(), day, end],
    ).fetchall()
    if old:
        parts_s, parts_t, parts_v = [sid], [ts], [val]
        for old_sid, data in old:
            t, v = blocks.decode(bytes(data))
            parts_s.append(np.full(t.shape[0], int(old_sid), dtype=np.uint32))
            parts_t.append(t)
            parts_v.append(v)
        sid, ts, val = np.concatenate(parts_s), np.concatenate(parts_t), np.concatenate(parts_v)
        cur.execute(
            "DELETE FROM sample_blocks "
            "WHERE series_id IN (SELECT unnest(?::UINTEGER[])) AND first_ts >= ? AND first_ts < ?",
            [touched.tolist(), day, end],
        )
    order = np.lexsort((ts, sid))
    sid, ts, val = sid[order], ts[order], val[order]
    starts = np.flatnonzero(np.diff(sid.astype(np.int64), prepend=-1))
    ends = [*starts[1:].tolist(), int(sid.shape[0])]
    out_sid, out_first, out_last, out_n, out_data = [], [], [], [], []
    for a, b in zip(starts.tolist(), ends, strict=True):
        out_sid.append(int(sid[a]))
        out_first.append(int(ts[a]))
        out_last.append(int(ts[b - 1]))
        out_n.append(b - a)
        out_data.append(blocks.encode(ts[a:b], val[a:b]))
    table = pa.table(
        [
            pa.array(out_sid, pa.uint32()),
            pa.array(out_first, pa.int64()).cast(pa.timestamp("us")),
            pa.array(out_last, pa.int64()).cast(pa.timestamp("us")),
            pa.array(out_n, pa.uint32()),
            pa.array(out_data, pa.binary()),
        ],
        schema=_BLOCKS_SCHEMA,
    )
    cur.register("_compacted_blocks", table)
    try:
        cur.execute("INSERT INTO sample_blocks SELECT * FROM _compacted_blocks")
    finally:
        cur.unregister("_compacted_blocks")
    cur.execute("DELETE FROM samples WHERE ts >= ? AND ts < ?", [day, end])
    return int(raw.num_rows)


def compact(cur: duckdb.DuckDBPyConnection, before: datetime) -> int:
    """Compact every whole UTC day before ``before``; returns the raw samples moved."""
    cutoff = day_floor(before)
    cur.execute("BEGIN TRANSACTION")
    try:
        days = cur.execute(
            "SELECT DISTINCT date_trunc('day', ts) AS d FROM samples WHERE ts < ? ORDER BY d",
            [cutoff],
        ).fetchall()
        moved = 0
        for (day,) in days:
            moved += _compact_day(cur, day)
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    if moved:
        log.info("compacted %d samples of %d day(s) before %s", moved, len(days), cutoff)
    return moved
