"""One batch that breaks the shared commit never blocks the others: they are stored one by one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
from support.ingest import RecordingSink

from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.series import SeriesRegistry
from collector.tsdb.ingest.writer import IngestWriter, PendingBatch

POISONED_DEVICE = 666


Sink = RecordingSink


def _batch(device_id: int, seq: int, sid: int, sink: Sink) -> PendingBatch:
    n = 5
    return PendingBatch(
        device_id,
        1,
        seq,
        np.full(n, sid, np.uint32),
        1_700_000_000_000 + seq * 1000 + np.arange(n, dtype=np.int64),
        np.arange(n, dtype=np.float64),
        sink,
    )


def test_a_failing_batch_leaves_the_others_in_its_commit_stored_and_acked(tmp_path: Path) -> None:
    db = TimeSeriesDB(tmp_path / "m.duckdb")
    series = SeriesRegistry(db.cursor())
    writer = IngestWriter(db, series)

    def hook(cur: duckdb.DuckDBPyConnection, batches: Sequence[PendingBatch]) -> None:
        if any(b.device_id == POISONED_DEVICE for b in batches):
            raise RuntimeError("this batch cannot be stored")

    writer.extras.add_txn_hook("poison", hook)
    honest = [Sink() for _ in range(3)]
    poisoned = Sink()
    # Queued before the writer starts: all of them share one transaction.
    for i, sink in enumerate(honest, start=1):
        sid = series.resolve(i, "x", {}, "", False)
        writer.submit(_batch(i, 1, sid, sink))
        writer.submit(_batch(i, 2, sid, sink))
    writer.submit(_batch(POISONED_DEVICE, 1, series.resolve(POISONED_DEVICE, "x", {}, "", False), poisoned))
    writer.start()
    try:
        for sink in [*honest, poisoned]:
            assert sink.done.wait(20), "the writer did not report"
    finally:
        writer.stop()
    assert [s.acked for s in honest] == [2, 2, 2]
    assert all(not s.errors for s in honest)
    assert poisoned.acked == 0
    assert poisoned.errors == ["storage error: RuntimeError (batch 1)"]
    cur = db.cursor()
    assert cur.execute("SELECT device_id, count(*) FROM batches GROUP BY 1 ORDER BY 1").fetchall() == [
        (1, 2),
        (2, 2),
        (3, 2),
    ]
    assert cur.execute("SELECT count(*) FROM samples").fetchall() == [(30,)]
    # Every series was stored, the poisoned device's too: later batches of it can use its id.
    assert cur.execute("SELECT count(*) FROM series").fetchall() == [(4,)]
    assert writer.hwm(POISONED_DEVICE, 1) == 0
    db.close()
