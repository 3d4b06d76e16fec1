"""Folding compacted blocks together once their hour or day is closed.

Compaction (``collector.tsdb.compaction``) writes a block per (series, 5-min window). Here
the blocks of each closed hour become one hour block, and those of each closed UTC day one
day block per series; a late block joins its hour or day the same way on the next run.
``blocks.encode`` is deterministic and every merge decodes, orders by time (stable) and
encodes again, so a day block is byte-identical to compacting the whole day at once.

Rollups: a day's 5-min blocks are folded into one once there are ``_FOLD_AT`` of them (about
hourly) and when the day is closed; a closed day's 1-h buckets, recomputed from its 5-min
ones whenever those change, join the series' 1-h block of the month.

Every group of series is merged in its own transaction, sized by ``max_samples`` (sample
blocks) or by the number of 5-min blocks it reads (rollups), so memory stays bounded whatever
the fleet, and a killed merge is simply redone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

import duckdb
import numpy as np

from collector.tsdb import blocks, buckets, tables
from collector.tsdb.txn import insert, naive, transaction

_FOLD_AT = 5  # 5-min rollup blocks of one open day: the folded one and four new windows
# 5-min blocks read per rollup transaction. A decoded block costs ~2 KB of numpy arrays
# whatever its buckets, and a day compacted at once leaves 24 blocks per series (the job,
# folding hourly, at most _FOLD_AT): a bound on series instead let a 10,000-series day read
# 240,000 blocks (~0.5 GB) in one transaction.
_ROLLUP_BLOCKS = 20_000


def _groups(
    candidates: Iterable[tuple[int, datetime, int]], limit: int
) -> Iterator[tuple[datetime, list[int]]]:
    """(period, series ids) chunks of candidates sorted by period, each within ``limit`` weight."""
    period: datetime | None = None
    chunk: list[int] = []
    weight = 0
    for sid, p, w in candidates:
        if chunk and (p != period or weight + w > limit):
            assert period is not None
            yield period, chunk
            chunk, weight = [], 0
        period = p
        chunk.append(int(sid))
        weight += int(w)
    if chunk:
        assert period is not None
        yield period, chunk


def _merge_sample_group(
    cur: duckdb.DuckDBPyConnection, period: datetime, span: timedelta, ids: list[int]
) -> None:
    where = (
        "series_id >= ? AND series_id <= ? AND series_id IN (SELECT unnest(?::UINTEGER[])) "
        "AND first_ts >= ? AND first_ts < ?"
    )
    params = [min(ids), max(ids), ids, period, period + span]
    with transaction(cur):
        rows = cur.execute(
            f"SELECT series_id, data FROM sample_blocks WHERE {where} ORDER BY series_id, first_ts",  # noqa: S608
            params,
        ).fetchall()
        decoded = blocks.decode_many([bytes(data) for _, data in rows])
        by_series: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        for (sid, _), part in zip(rows, decoded, strict=True):
            by_series.setdefault(int(sid), []).append(part)
        del rows, decoded
        merged: list[tuple[int, np.ndarray, np.ndarray]] = []
        for sid, parts in by_series.items():
            ts = np.concatenate([p[0] for p in parts])
            values = np.concatenate([p[1] for p in parts])
            order = np.argsort(ts, kind="stable")
            merged.append((sid, ts[order], values[order]))
        del by_series
        out = blocks.columns(merged)
        cur.execute(f"DELETE FROM sample_blocks WHERE {where}", params)  # noqa: S608
        insert(cur, "sample_blocks", tables.SAMPLE_BLOCKS, out)


_SAMPLE_CANDIDATES = """
SELECT series_id, period, span_h, sum(n) AS total
FROM (
    SELECT series_id, n,
           CASE WHEN first_ts < $day THEN date_trunc('day', first_ts)
                ELSE date_trunc('hour', first_ts) END AS period,
           CASE WHEN first_ts < $day THEN 24 ELSE 1 END AS span_h
    FROM sample_blocks
    WHERE first_ts < $hour
)
GROUP BY series_id, period, span_h
HAVING count(*) > 1
ORDER BY period, span_h, series_id
"""


def merge_samples(cur: duckdb.DuckDBPyConnection, cutoff: datetime, max_samples: int) -> int:
    """Fold the blocks of every hour and day closed by ``cutoff``; returns groups merged."""
    day = naive(cutoff).replace(hour=0, minute=0, second=0, microsecond=0)
    hour = naive(cutoff).replace(minute=0, second=0, microsecond=0)
    found = cur.execute(_SAMPLE_CANDIDATES, {"day": day, "hour": hour}).fetchall()
    merged = 0
    for span_h in (1, 24):
        cands = [(sid, p, total) for sid, p, s, total in found if s == span_h]
        for period, ids in _groups(cands, max_samples):
            _merge_sample_group(cur, period, timedelta(hours=span_h), ids)
            merged += len(ids)
    return merged


# A closed day needs folding when it has several 5-min blocks, or when no 1-h block (one per
# series and month) reaches into it yet.
_ROLLUP_CANDIDATES = """
WITH five AS (
    SELECT series_id, date_trunc('day', first_ts) AS d, count(*) AS c
    FROM rollup_blocks WHERE step_s = 300 GROUP BY ALL
), hourly AS (
    SELECT series_id, first_ts, last_ts FROM rollup_blocks WHERE step_s = 3600
)
SELECT five.series_id, five.d, five.c
FROM five LEFT JOIN hourly
    ON hourly.series_id = five.series_id
    AND hourly.first_ts < five.d + INTERVAL 1 DAY AND hourly.last_ts >= five.d
WHERE (five.d < $day AND (five.c > 1 OR hourly.series_id IS NULL)) OR five.c >= $fold
ORDER BY five.d, five.series_id
"""

_IN_GROUP = "series_id >= ? AND series_id <= ? AND series_id IN (SELECT unnest(?::UINTEGER[])) AND step_s = ?"


def _fetch(
    cur: duckdb.DuckDBPyConnection, ids: list[int], step_s: int, lo: datetime, hi: datetime
) -> dict[int, list[tuple[int, buckets.Buckets]]]:
    """(written, buckets) of each series' rollup blocks of ``step_s`` starting in [lo, hi)."""
    rows = cur.execute(
        f"SELECT series_id, written, data FROM rollup_blocks "  # noqa: S608
        f"WHERE {_IN_GROUP} AND first_ts >= ? AND first_ts < ?",
        [min(ids), max(ids), ids, step_s, lo, hi],
    ).fetchall()
    rows.sort(key=lambda r: (int(r[0]), int(r[1])))
    by_series: dict[int, list[tuple[int, buckets.Buckets]]] = {}
    for sid, written, data in rows:
        by_series.setdefault(int(sid), []).append((int(written), buckets.decode(bytes(data))))
    return by_series


def _month(day: datetime) -> tuple[datetime, datetime]:
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def _merge_rollup_group(cur: duckdb.DuckDBPyConnection, day: datetime, closed: bool, ids: list[int]) -> None:
    """One block of the day's 5-min buckets per series; when the day is closed, its 1-h buckets
    join the series' block of the month (a 30-day chart reads one or two blocks)."""
    month = _month(day)
    with transaction(cur):
        fives = _fetch(cur, ids, 300, day, day + timedelta(days=1))
        if not fives:  # gone since the candidates were listed (retention)
            return
        months = _fetch(cur, ids, 3600, *month) if closed else {}
        out: list[list[object]] = [[] for _ in tables.ROLLUP_BLOCKS]
        for sid, parts in fives.items():
            five = buckets.newest([b for _, b in parts])
            written = max(w for w, _ in parts)
            results = [(300, five)]
            if closed:
                earlier = months.get(sid, [])
                hourly = buckets.newest([*(b for _, b in earlier), buckets.combine(five, 3_600_000_000)])
                results.append((3600, hourly))
                written = max([written, *(w for w, _ in earlier)])
            for step_s, b in results:
                row = (sid, step_s, int(b.ts[0]), int(b.ts[-1]), len(b), written, buckets.encode(b))
                for col, v in zip(out, row, strict=True):
                    col.append(v)
        delete = f"DELETE FROM rollup_blocks WHERE {_IN_GROUP} AND first_ts >= ? AND first_ts < ?"  # noqa: S608
        touched = list(fives)
        cur.execute(delete, [min(touched), max(touched), touched, 300, day, day + timedelta(days=1)])
        if closed:
            cur.execute(delete, [min(touched), max(touched), touched, 3600, *month])
        insert(cur, "rollup_blocks", tables.ROLLUP_BLOCKS, out)


def merge_rollups(cur: duckdb.DuckDBPyConnection, cutoff: datetime) -> int:
    """Fold each day's 5-min rollup blocks; give closed days their 1-h block. Returns groups."""
    day = naive(cutoff).replace(hour=0, minute=0, second=0, microsecond=0)
    found = cur.execute(_ROLLUP_CANDIDATES, {"day": day, "fold": _FOLD_AT}).fetchall()
    merged = 0
    for period, ids in _groups(found, _ROLLUP_BLOCKS):
        _merge_rollup_group(cur, period, period < day, ids)
        merged += len(ids)
    return merged


def merge(cur: duckdb.DuckDBPyConnection, cutoff: datetime, max_samples: int) -> int:
    """Both merges for everything closed by ``cutoff``; returns the groups merged."""
    return merge_samples(cur, cutoff, max_samples) + merge_rollups(cur, cutoff)
