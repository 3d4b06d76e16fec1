"""The compacted tier: raw ``samples`` moved into per-series blocks and rollups, often, in slices.

``compact`` runs every few minutes (``collector.app``). It takes the raw samples before
``before`` rounded down to a whole window (5 min by default) and, one slice of series ids
and one hour at a time, writes one block per (series, window) into ``sample_blocks``
(codec: ``collector.tsdb.blocks``) and that window's 5-min buckets into ``rollup_blocks``
(``collector.tsdb.buckets``), deleting those raw rows in the same transaction. Memory is
therefore bounded by one slice-hour, not by the fleet or the day, and a killed run loses
nothing: each slice committed or did not, and the next run takes what is left. Then
``collector.tsdb.merging`` folds the blocks of closed hours into hour blocks and of closed
days into one day block per series, byte for byte what compacting the whole day at once
gives; and the collector runs before the cutoff are summarised (``collector.tsdb.run_summary``).

A sample that arrives after its window was compacted (late) becomes a block of its own,
merged into its hour or day on a later run; the 5-min buckets it falls in are recomputed
from every sample in them and written again (the newer copy wins). Readers see all tiers
through ``collector.tsdb.points`` and ``collector.tsdb.rollups``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np

from collector.tsdb import blocks, buckets, merging, run_summary, tables
from collector.tsdb.txn import at, insert, naive, transaction, us

log = logging.getLogger(__name__)

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
ROLLUP_STEP_S = 300
BLOCKS_SCHEMA = tables.SAMPLE_BLOCKS
ROLLUPS_SCHEMA = tables.ROLLUP_BLOCKS


@dataclass(frozen=True, slots=True)
class Settings:
    """How compaction cuts its work: the window, series per slice, samples per merge."""

    window_s: int = 300
    slice_series: int = 4096
    merge_samples: int = 2_000_000


def day_floor(t: datetime) -> datetime:
    """The start of ``t``'s UTC day, naive (DuckDB TIMESTAMP is naive UTC here)."""
    return naive(t).replace(hour=0, minute=0, second=0, microsecond=0)


def window_floor(t: datetime, window_s: int) -> datetime:
    """``t`` rounded down to a whole ``window_s`` (naive UTC)."""
    step = window_s * 1_000_000
    return at(us(t) // step * step)


class _Rows:
    """Columns of the blocks and rollups one slice writes."""

    def __init__(self) -> None:
        self._windows: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.rollups: list[list[object]] = [[] for _ in ROLLUPS_SCHEMA]

    def block(self, sid: int, ts: np.ndarray, values: np.ndarray) -> None:
        self._windows.append((sid, ts, values))

    def block_columns(self) -> list[list[object]]:
        """The block rows' columns, every window encoded at once."""
        return blocks.columns(self._windows)

    def rollup(self, sid: int, step_s: int, b: buckets.Buckets, written: int) -> None:
        row = (sid, step_s, int(b.ts[0]), int(b.ts[-1]), len(b), written, buckets.encode(b))
        for col, v in zip(self.rollups, row, strict=True):
            col.append(v)


def _starts(keys: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(keys, prepend=keys[:1] - 1)).tolist()
    return list(zip(edges, [*edges[1:], int(keys.shape[0])], strict=True))


def _late_samples(
    cur: duckdb.DuckDBPyConnection, sid: int, keys: np.ndarray, step_us: int
) -> tuple[np.ndarray, np.ndarray]:
    """The compacted samples of ``sid`` in the buckets ``keys`` (a late sample's neighbours)."""
    rows = cur.execute(
        "SELECT data FROM sample_blocks WHERE series_id = ? AND last_ts >= ? AND first_ts < ? "
        "ORDER BY first_ts",
        [sid, at(int(keys[0])), at(int(keys[-1]) + step_us)],
    ).fetchall()
    parts = [blocks.decode(bytes(data)) for (data,) in rows]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    ts = np.concatenate([p[0] for p in parts])
    values = np.concatenate([p[1] for p in parts])
    keep = np.isin(ts // step_us * step_us, keys)
    return ts[keep], values[keep]


def _series_rollups(
    cur: duckdb.DuckDBPyConnection, sid: int, ts: np.ndarray, values: np.ndarray, high: int | None
) -> buckets.Buckets:
    step_us = ROLLUP_STEP_S * 1_000_000
    keys = np.unique(ts // step_us * step_us)
    if high is not None and int(keys[0]) <= high:
        old_ts, old_values = _late_samples(cur, sid, keys, step_us)
        if old_ts.shape[0]:
            ts = np.concatenate([old_ts, ts])
            values = np.concatenate([old_values, values])
            order = np.argsort(ts, kind="stable")
            ts, values = ts[order], values[order]
    return buckets.from_samples(ts, values, step_us)


def _compact_slice(
    cur: duckdb.DuckDBPyConnection, lo_sid: int, hi_sid: int, lo: datetime, hi: datetime, *, window_s: int
) -> int:
    """Move the raw samples of series [lo_sid, hi_sid) in [lo, hi) into blocks and rollups."""
    where = "series_id >= ? AND series_id < ? AND ts >= ? AND ts < ?"
    params = [lo_sid, hi_sid, lo, hi]
    with transaction(cur):
        raw = cur.sql(
            f"SELECT series_id, epoch_us(ts) AS t, value FROM samples WHERE {where}",  # noqa: S608
            params=params,
        ).to_arrow_table()
        if raw.num_rows == 0:
            return 0
        sid = raw.column("series_id").to_numpy().astype(np.int64)
        ts = raw.column("t").to_numpy().astype(np.int64)
        val = raw.column("value").to_numpy().astype(np.float64)
        del raw
        order = np.lexsort((ts, sid))
        sid, ts, val = sid[order], ts[order], val[order]
        highs = dict(
            cur.execute(
                "SELECT series_id, max(epoch_us(last_ts)) FROM sample_blocks "
                "WHERE series_id >= ? AND series_id < ? AND last_ts >= ? GROUP BY series_id",
                [lo_sid, hi_sid, at(us(lo) // (ROLLUP_STEP_S * 1_000_000) * ROLLUP_STEP_S * 1_000_000)],
            ).fetchall()
        )
        written = time.time_ns() // 1000  # orders rewrites of a bucket: the newer wins
        rows = _Rows()
        for a, b in _starts(sid):
            s_ts, s_val, s = ts[a:b], val[a:b], int(sid[a])
            for wa, wb in _starts(s_ts // (window_s * 1_000_000)):
                rows.block(s, s_ts[wa:wb], s_val[wa:wb])
            rolled = _series_rollups(cur, s, s_ts, s_val, highs.get(s))
            for da, db in _starts(rolled.ts // DAY_US):
                rows.rollup(s, ROLLUP_STEP_S, rolled.take(np.arange(da, db)), written)
        cur.execute(f"DELETE FROM samples WHERE {where}", params)  # noqa: S608
        insert(cur, "sample_blocks", BLOCKS_SCHEMA, rows.block_columns())
        insert(cur, "rollup_blocks", ROLLUPS_SCHEMA, rows.rollups)
        return int(sid.shape[0])


def compact(cur: duckdb.DuckDBPyConnection, before: datetime, settings: Settings | None = None) -> int:
    """Compact every raw sample before ``before`` (rounded down to a window); merge closed
    hours and days. Returns the raw samples moved."""
    cfg = settings or Settings()
    if cfg.window_s <= 0 or 3600 % cfg.window_s:
        raise ValueError(f"the compaction window must divide an hour, not {cfg.window_s} s")
    cutoff = window_floor(before, cfg.window_s)
    bounds = cur.execute(
        "SELECT min(series_id), max(series_id) FROM samples WHERE ts < ?", [cutoff]
    ).fetchall()[0]
    moved = 0
    if bounds[0] is not None:
        hours = cur.execute(
            "SELECT DISTINCT date_trunc('hour', ts) AS h FROM samples WHERE ts < ? ORDER BY h", [cutoff]
        ).fetchall()
        for (hour,) in hours:
            end = min(hour + timedelta(hours=1), cutoff)
            for lo_sid in range(int(bounds[0]), int(bounds[1]) + 1, cfg.slice_series):
                moved += _compact_slice(
                    cur, lo_sid, lo_sid + cfg.slice_series, hour, end, window_s=cfg.window_s
                )
    merged = merging.merge(cur, cutoff, cfg.merge_samples)
    run_summary.summarise(cur, cutoff)
    if moved or merged:
        log.info("compacted %d raw samples before %s; merged %d block groups", moved, cutoff, merged)
    return moved
