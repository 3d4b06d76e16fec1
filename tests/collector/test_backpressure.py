"""Stream handlers wait on an asyncio condition while the writer is full, and wake on its commit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from collector.rpc.backpressure import Backpressure
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.series import SeriesRegistry
from collector.tsdb.ingest.writer import IngestWriter, PendingBatch


class Sink:
    def committed(self, epoch: int, hwm: int) -> None:
        pass

    def failed(self, message: str) -> None:
        raise AssertionError(message)


def test_a_full_writer_holds_handlers_until_its_commit_frees_room(tmp_path: Path) -> None:
    tsdb = TimeSeriesDB(tmp_path / "m.duckdb")
    series = SeriesRegistry(tsdb.cursor())
    sid = series.resolve(1, "x", {}, "", False)
    writer = IngestWriter(tsdb, series, max_queued_rows=10)
    pressure = Backpressure(writer)
    n = 10
    writer.submit(
        PendingBatch(
            1,
            1,
            1,
            np.full(n, sid, np.uint32),
            1_700_000_000_000 + np.arange(n, dtype=np.int64),
            np.zeros(n, np.float64),
            Sink(),
        )
    )
    assert writer.saturated

    async def scenario() -> None:
        waiter = asyncio.ensure_future(pressure.wait())
        done, _ = await asyncio.wait((waiter,), timeout=0.3)
        assert not done, "returned while the writer was still full"
        writer.start()  # commits, frees the room, notifies the condition
        await asyncio.wait_for(waiter, timeout=20)
        assert not writer.saturated

    try:
        asyncio.run(scenario())
    finally:
        writer.stop()
        tsdb.close()


def test_no_wait_when_the_writer_has_room(tmp_path: Path) -> None:
    tsdb = TimeSeriesDB(tmp_path / "m.duckdb")
    try:
        pressure = Backpressure(IngestWriter(tsdb, SeriesRegistry(tsdb.cursor())))
        asyncio.run(asyncio.wait_for(pressure.wait(), timeout=5))
    finally:
        tsdb.close()
