"""A fleet's closed days written straight in the layout compaction leaves a closed day in.

``collector.tsdb.compaction.compact`` moves raw samples at about 250 k a second on this
machine, so the closed days of a 1,000-device x 7-day fleet (2.6 billion samples) took
about four hours to build, longer than a working session. The end state of a closed day does
not depend on how the job got there (``collector.tsdb.merging``: every merge decodes, orders
and encodes again, so a day block is byte-identical to compacting the day at once):

* one ``sample_blocks`` row per series and day (``blocks.columns`` of the day's samples);
* one 5-min ``rollup_blocks`` row per series and day (``buckets.from_samples``);
* one 1-h ``rollup_blocks`` row per series and month (``buckets.combine`` of the 5-min
  buckets, ``buckets.newest`` across the days);
* the collector runs summarised per 5 minutes (``run_summary.summarise``), the batch rows
  pruned below the stream marks (``stream_progress.prune_batches``).

:func:`store_closed_days` writes that state with those same functions, one device (all its
closed days) per transaction, together with the device's batch records and stream mark as
the ingest writer commits them. ``tests/bench_fleet/test_fleet_direct.py`` checks that every
table equals what storing the raw days and compacting them leaves (the rollups' ``written``
stamp, the compaction's clock, aside).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb
import numpy as np

from bench.fleet_data import SERIES_PER_DEVICE, DeviceDay, day_records, day_samples, insert_records, series_id
from collector.tsdb import blocks, buckets, tables
from collector.tsdb.txn import insert, transaction

FIVE_MIN_US = 300_000_000
HOUR_US = 3_600_000_000


def _month(ts_us: int) -> tuple[int, int]:
    t = datetime.fromtimestamp(ts_us / 1e6, UTC)
    return t.year, t.month


def _rollup_row(sid: int, step_s: int, b: buckets.Buckets, written: int) -> tuple[object, ...]:
    return (sid, step_s, int(b.ts[0]), int(b.ts[-1]), len(b), written, buckets.encode(b))


def store_closed_days(
    cur: duckdb.DuckDBPyConnection,
    device: int,
    days: Sequence[DeviceDay],
    until_ms: int,
    *,
    epoch: int,
) -> int:
    """``device``'s closed ``days`` (oldest first, each wholly before ``until_ms``) stored as
    compaction leaves them, in one transaction; returns the samples they hold."""
    stamp = time.time_ns() // 1000  # the rollups' ``written``: compaction's clock
    day_blocks: list[tuple[int, np.ndarray, np.ndarray]] = []
    rollups: list[tuple[object, ...]] = []
    hourly: dict[tuple[int, tuple[int, int]], list[buckets.Buckets]] = {}
    for day in days:
        if int(day.ts_ms.max()) >= until_ms:
            raise ValueError("store_closed_days stores closed days only: this one reaches past the cutoff")
        ts_us = day.ts_ms * 1000
        for k in range(SERIES_PER_DEVICE):
            sid = series_id(device, k)
            ts = np.ascontiguousarray(ts_us[:, k])
            values = np.ascontiguousarray(day.values[:, k])
            day_blocks.append((sid, ts, values))
            five = buckets.from_samples(ts, values, FIVE_MIN_US)
            rollups.append(_rollup_row(sid, 300, five, stamp))
            hourly.setdefault((sid, _month(int(ts[0]))), []).append(buckets.combine(five, HOUR_US))
    for (sid, _), parts in hourly.items():
        rollups.append(_rollup_row(sid, 3600, buckets.newest(parts), stamp))
    with transaction(cur):
        insert(cur, "sample_blocks", tables.SAMPLE_BLOCKS, blocks.columns(day_blocks))
        insert(cur, "rollup_blocks", tables.ROLLUP_BLOCKS, [list(col) for col in zip(*rollups, strict=True)])
        for day in days:
            insert_records(cur, day_records(device, day, until_ms, epoch=epoch))
    return sum(day_samples(day, until_ms) for day in days)
