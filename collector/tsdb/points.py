"""The read path over both tiers: raw ``samples`` and compacted ``sample_blocks``.

Every reader of stored points goes through :func:`points`: it registers, on the caller's
cursor, an Arrow view of (series_id, ts, value) holding the raw samples in [start, end)
and the decoded blocks overlapping it (filtered to the range), and yields the view's name
to put in the ``FROM`` clause.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from collector.tsdb import blocks
from collector.tsdb.txn import naive

SCHEMA = pa.schema([("series_id", pa.uint32()), ("ts", pa.timestamp("us")), ("value", pa.float64())])
_names = itertools.count()


def _us(t: datetime) -> int:
    return int(np.datetime64(t, "us").astype(np.int64))


# Up to this many series, their blocks are found by an equality on series_id and the time
# bounds per series: DuckDB answers that from its zone maps (0.5-1.5 ms at 1,000 devices;
# EXPLAIN shows a sequential scan skipping row groups). Its index scan on series_id, which it
# picks only without the time bounds, measured slower (5-8 ms). The equalities go as one
# UNION ALL statement: one round trip instead of one a series. More series (a device page's
# panels read together, the latest value of every device) are one scan, pruned by the time
# bounds: each UNION ALL branch scans again, so its cost grows with the series while the
# scan's barely does. At 100 devices x 30 days (bench/fleet, 2026-12-08), 2 / 4 / 8 / 16 / 40
# series cost 27 / 57 / 95 / 218 / 524 ms as branches against 15 / 17 / 14 / 16 / 17 ms as one
# scan over 1 h of blocks, and 5 / 9 / 15 / 26 / 67 ms against 4 / 4 / 5 / 5 / 5 ms over 30
# days of 1-h rollups; one series, the branch and the scan cost the same.
INDEX_LOOKUPS = 4


def per_series(
    cur: duckdb.DuckDBPyConnection,
    branch: Callable[[int], str],
    each: Sequence[Mapping[str, object]],
    shared: Mapping[str, object],
) -> list[tuple[Any, ...]]:
    """The rows of ``branch(i)`` for each ``each[i]``, as UNION ALL statements of at most
    :data:`INDEX_LOOKUPS` branches: one round trip per few lookups instead of one a lookup.

    ``branch(i)`` is one SELECT naming its own parameters with the suffix ``i`` (``each[i]``'s
    keys, e.g. ``$sid0``) and ``shared``'s without one."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(each), INDEX_LOOKUPS):
        chunk = each[start : start + INDEX_LOOKUPS]
        params = dict(shared)
        for i, own in enumerate(chunk):
            params |= {f"{k}{i}": v for k, v in own.items()}
        sql = " UNION ALL ".join(branch(i) for i in range(len(chunk)))
        rows.extend(cur.execute(sql, params).fetchall())
    return rows


def _blocks(
    cur: duckdb.DuckDBPyConnection, ids: list[int], params: dict[str, object]
) -> list[tuple[int, bytes]]:
    """(series id, block) of the blocks of ``ids`` overlapping [$lo, $hi) (each bound optional)."""
    bounds = (["last_ts >= $lo"] if "lo" in params else []) + (["first_ts < $hi"] if "hi" in params else [])
    if len(ids) > INDEX_LOOKUPS:
        where = " AND ".join(["series_id IN (SELECT unnest($ids::UINTEGER[]))", *bounds])
        found = cur.execute(f"SELECT series_id, data FROM sample_blocks WHERE {where}", params).fetchall()  # noqa: S608
        return [(int(sid), data) for sid, data in found]
    shared = {k: v for k, v in params.items() if k != "ids"}
    where = "".join(f" AND {b}" for b in bounds)
    found = per_series(
        cur,
        lambda i: f"SELECT series_id, data FROM sample_blocks WHERE series_id = $sid{i}{where}",  # noqa: S608
        [{"sid": sid} for sid in ids],
        shared,
    )
    return [(int(sid), data) for sid, data in found]


def load(
    cur: duckdb.DuckDBPyConnection,
    series_ids: Sequence[int],
    start: datetime | None,
    end: datetime | None,
) -> pa.Table:
    """(series_id, ts, value) of the series in [start, end) from both tiers (None: open)."""
    ids = [int(i) for i in series_ids]
    lo, hi = (None if t is None else naive(t) for t in (start, end))
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


Arrays = dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]


def _raw_columns(
    cur: duckdb.DuckDBPyConnection, ids: Sequence[int], lo: datetime, hi: datetime
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """(series ids, int64 µs, values) of the raw-tier samples of ``ids`` in [lo, hi), unordered."""
    lo, hi = naive(lo), naive(hi)
    if len(ids) == 1:  # an equality filter scans the raw tier's series column ~3x faster
        got = cur.execute(
            "SELECT series_id, epoch_us(ts) AS t, value FROM samples "
            "WHERE series_id = ? AND ts >= ? AND ts < ?",
            [int(ids[0]), lo, hi],
        ).fetchnumpy()
    else:
        got = cur.execute(
            "SELECT series_id, epoch_us(ts) AS t, value FROM samples "
            "WHERE series_id IN (SELECT unnest(?::UINTEGER[])) AND ts >= ? AND ts < ?",
            [[int(i) for i in ids], lo, hi],
        ).fetchnumpy()
    return (
        np.asarray(got["series_id"], dtype=np.int64),
        np.asarray(got["t"], dtype=np.int64),
        np.asarray(got["value"], dtype=np.float64),
    )


def raw_arrays(cur: duckdb.DuckDBPyConnection, ids: Sequence[int], lo: datetime, hi: datetime) -> Arrays:
    """Each series' raw-tier samples in [lo, hi) as (int64 µs, values), ascending."""
    return _split(*_raw_columns(cur, ids, lo, hi))


def _split(sid: npt.NDArray[np.int64], ts: npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> Arrays:
    order = np.lexsort((ts, sid))
    sid, ts, values = sid[order], ts[order], values[order]
    uniq, starts = np.unique(sid, return_index=True)
    ends = np.append(starts[1:], sid.shape[0]) if starts.shape[0] else starts
    return {
        int(s): (ts[a:b], values[a:b])
        for s, a, b in zip(uniq.tolist(), starts.tolist(), ends.tolist(), strict=True)
    }


def arrays(
    cur: duckdb.DuckDBPyConnection, series_ids: Sequence[int], start: datetime, end: datetime
) -> Arrays:
    """Like :func:`load`, as numpy arrays per series (ascending): no Arrow, no SQL view, for
    readers that aggregate in numpy (a chart line)."""
    ids = [int(i) for i in series_ids]
    lo, hi = naive(start), naive(end)
    raw_s, raw_t, raw_v = _raw_columns(cur, ids, lo, hi)
    parts_s, parts_t, parts_v = [raw_s], [raw_t], [raw_v]
    lo_us, hi_us = _us(lo), _us(hi)
    found = _blocks(cur, ids, {"ids": ids, "lo": lo, "hi": hi})
    for (sid, _), (t, v) in zip(found, blocks.decode_many([bytes(d) for _, d in found]), strict=True):
        keep = (t >= lo_us) & (t < hi_us)
        parts_s.append(np.full(int(keep.sum()), sid, dtype=np.int64))
        parts_t.append(t[keep])
        parts_v.append(v[keep])
    return _split(np.concatenate(parts_s), np.concatenate(parts_t), np.concatenate(parts_v))


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
