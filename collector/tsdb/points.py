"""The read path over both tiers: raw ``samples`` and compacted ``sample_blocks``.

Every reader of stored points goes through :func:`points`: it registers, on the caller's
cursor, an Arrow view of (series_id, ts, value) holding the raw samples in [start, end)
and the decoded blocks overlapping it (filtered to the range), and yields the view's name
to put in the ``FROM`` clause.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa

from collector.tsdb import blocks

SCHEMA = pa.schema([("series_id", pa.uint32()), ("ts", pa.timestamp("us")), ("value", pa.float64())])
_names = itertools.count()


def _naive(t: datetime | None) -> datetime | None:
    if t is not None and t.tzinfo is not None:
        return t.astimezone(UTC).replace(tzinfo=None)
    return t


def _us(t: datetime) -> int:
    return int(np.datetime64(t, "us").astype(np.int64))


# Up to this many series, their blocks are found one series at a time through the
# series_id index (a chart line: ~1 ms however many blocks the table holds); more (e.g. the
# latest value of every device) is one scan, pruned by the time bounds' zone maps.
INDEX_LOOKUPS = 16


def _blocks(
    cur: duckdb.DuckDBPyConnection, ids: list[int], params: dict[str, object]
) -> list[tuple[int, bytes]]:
    """(series id, block) of the blocks of ``ids`` overlapping [$lo, $hi) (each bound optional)."""
    bounds = (["last_ts >= $lo"] if "lo" in params else []) + (["first_ts < $hi"] if "hi" in params else [])
    if len(ids) > INDEX_LOOKUPS:
        where = " AND ".join(["series_id IN (SELECT unnest($ids::UINTEGER[]))", *bounds])
        found = cur.execute(f"SELECT series_id, data FROM sample_blocks WHERE {where}", params).fetchall()  # noqa: S608
        return [(int(sid), data) for sid, data in found]
    rows: list[tuple[int, bytes]] = []
    one = {k: v for k, v in params.items() if k != "ids"}
    where = " AND ".join(["series_id = $sid", *bounds])
    for sid in ids:
        found = cur.execute(f"SELECT data FROM sample_blocks WHERE {where}", one | {"sid": sid}).fetchall()  # noqa: S608
        rows.extend((sid, data) for (data,) in found)
    return rows


def load(
    cur: duckdb.DuckDBPyConnection,
    series_ids: Sequence[int],
    start: datetime | None,
    end: datetime | None,
) -> pa.Table:
    """(series_id, ts, value) of the series in [start, end) from both tiers (None: open)."""
    ids = [int(i) for i in series_ids]
    lo, hi = _naive(start), _naive(end)
    where = ["series_id IN (SELECT unnest($ids::UINTEGER[]))"]
    params: dict[str, object] = {"ids": ids}
    if lo is not None:
        params["lo"] = lo
    if hi is not None:
        params["hi"] = hi
    raw_where = where + (["ts >= $lo"] if lo is not None else []) + (["ts < $hi"] if hi is not None else [])
    raw = cur.sql(
        f"SELECT series_id, ts, value FROM samples WHERE {' AND '.join(raw_where)}",  # noqa: S608
        params=params,
    ).to_arrow_table()
    parts = [raw.cast(SCHEMA)]
    rows = _blocks(cur, ids, params)
    lo_us = _us(lo) if lo is not None else None
    hi_us = _us(hi) if hi is not None else None
    for sid, data in rows:
        ts, values = blocks.decode(bytes(data))
        keep = np.ones(ts.shape[0], dtype=bool)
        if lo_us is not None:
            keep &= ts >= lo_us
        if hi_us is not None:
            keep &= ts < hi_us
        ts, values = ts[keep], values[keep]
        parts.append(
            pa.table(
                [
                    pa.array(np.full(ts.shape[0], int(sid), dtype=np.uint32)),
                    pa.array(ts, pa.int64()).cast(pa.timestamp("us")),
                    pa.array(values, pa.float64()),
                ],
                schema=SCHEMA,
            )
        )
    return pa.concat_tables(parts)


@contextmanager
def points(
    cur: duckdb.DuckDBPyConnection,
    series_ids: Sequence[int],
    start: datetime | None,
    end: datetime | None,
) -> Iterator[str]:
    """Register the points of ``series_ids`` in [start, end) on ``cur``; yield the view name."""
    name = f"_points_{next(_names)}"
    cur.register(name, load(cur, series_ids, start, end))
    try:
        yield name
    finally:
        cur.unregister(name)
