"""Per-stream progress: start reads one row per stream, never the batch history; the rows are
written in the samples' transaction; batch rows below the marks are pruned; the migration
builds the same marks from an old database's batches and gaps as the writer keeps."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from support.ingest import RecordingSink

from collector.ingest.progress import ProgressBook
from collector.tsdb import schema, stream_progress
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.series import SeriesRegistry
from collector.tsdb.ingest.writer import GapInfo, IngestWriter, PendingBatch

T0 = 1_700_000_000_000


class RecordingCursor:
    """A DuckDB cursor that records every statement and counts the rows fetched through it."""

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self._cur = cur
        self.statements: list[str] = []
        self.rows = 0

    def execute(self, sql: str, *args: Any) -> RecordingCursor:
        self.statements.append(sql)
        self._cur.execute(sql, *args)
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._cur.fetchall()
        self.rows += len(rows)
        return rows

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        rows = self._cur.fetchmany(size)
        self.rows += len(rows)
        return rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


class RecordingDB(TimeSeriesDB):
    """The real database, whose cursors record what they are asked."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.recorders: list[RecordingCursor] = []

    def cursor(self) -> duckdb.DuckDBPyConnection:
        rec = RecordingCursor(super().cursor())
        self.recorders.append(rec)
        return rec  # type: ignore[return-value]  # duck-typed: what the writer calls


def _batch(key: tuple[int, int, int], sid: int, sink: RecordingSink, gap_from: int = 0) -> PendingBatch:
    """A batch of three samples of series ``sid``; ``key`` is (device, epoch, seq)."""
    device_id, epoch, seq = key
    n = 3
    gap = GapInfo(gap_from, 10, T0, T0 + 1, "spool full") if gap_from else None
    return PendingBatch(
        device_id,
        epoch,
        seq,
        np.full(n, sid, np.uint32),
        T0 + seq * 1000 + np.arange(n, dtype=np.int64),
        np.ones(n, dtype=np.float64),
        sink,
        gap=gap,
    )


def _run(db: TimeSeriesDB, batches: Sequence[tuple[int, int, int, int]]) -> IngestWriter:
    """Commit (device, epoch, seq, gap_from) batches through a real writer; returns it stopped."""
    series = SeriesRegistry(db.cursor())
    writer = IngestWriter(db, series, max_rows_per_commit=300)
    sink = RecordingSink()
    for device_id, epoch, seq, gap_from in batches:
        sid = series.resolve(device_id, "cpu", {}, "%", False)
        writer.submit(_batch((device_id, epoch, seq), sid, sink, gap_from))
    writer.start()
    writer.stop()
    return writer


HISTORY = [  # three streams, 1,500 batches: one with a hole at 700, one ending on a gap batch
    *[(1, 1, s, 0) for s in range(1, 700)],
    *[(1, 1, s, 0) for s in range(701, 801)],
    *[(2, 7, s, 0) for s in range(1, 501)],
    *[(3, 1, s, 0) for s in range(1, 200)],
    (3, 1, 250, 200),  # a gap batch: 200..249 dropped by the agent's spool, 250 carries samples
]


def test_start_reads_one_row_per_stream_and_no_batch_history(tmp_path: Path) -> None:
    db = TimeSeriesDB(tmp_path / "m.duckdb")
    _run(db, HISTORY)
    assert db.cursor().execute("SELECT count(*) FROM batches").fetchall() == [(len(HISTORY),)]
    db.close()

    again = RecordingDB(tmp_path / "m.duckdb")
    series = SeriesRegistry(again.cursor())
    again.recorders.clear()  # reading the series is not the writer's start
    writer = IngestWriter(again, series)
    statements = [s for r in again.recorders for s in r.statements]
    assert statements, "the writer read nothing at start"
    assert not [s for s in statements if "batches" in s or "gaps" in s]
    assert sum(r.rows for r in again.recorders) == 3  # one row per stream
    assert writer.hwm(1, 1) == 699
    assert writer.progress.get(1, 1).above == [(701, 800)]
    assert writer.hwm(2, 7) == 500
    assert writer.hwm(3, 1) == 250
    again.close()


def test_a_restarted_writer_still_knows_pruned_batches_and_stores_each_seq_once(tmp_path: Path) -> None:
    db = TimeSeriesDB(tmp_path / "m.duckdb")
    _run(db, HISTORY)
    cur = db.cursor()
    pruned = stream_progress.prune_batches(cur)
    assert pruned == len(HISTORY) - 100  # everything at or below the marks
    kept = cur.execute("SELECT device_id, min(seq), max(seq), count(*) FROM batches GROUP BY 1").fetchall()
    assert kept == [(1, 701, 800, 100)]  # above device 1's hole: kept until it fills
    samples = cur.execute("SELECT count(*) FROM samples").fetchall()[0][0]
    # Resends below the mark (pruned) and above it (kept) are acked without storing anything;
    # the hole's seq is stored, the mark jumps over the range above it, and then those rows go.
    writer = _run(db, [(1, 1, 5, 0), (1, 1, 750, 0), (1, 1, 700, 0), (3, 1, 220, 0)])
    assert writer.hwm(1, 1) == 800
    assert writer.hwm(3, 1) == 250
    assert cur.execute("SELECT count(*) FROM samples").fetchall()[0][0] == samples + 3
    assert stream_progress.prune_batches(cur) == 101
    assert cur.execute("SELECT count(*) FROM batches").fetchall() == [(0,)]
    db.close()


def test_progress_rows_are_written_in_the_samples_transaction(tmp_path: Path) -> None:
    db = TimeSeriesDB(tmp_path / "m.duckdb")
    series = SeriesRegistry(db.cursor())
    writer = IngestWriter(db, series)

    def refuse_device_2(cur: duckdb.DuckDBPyConnection, batches: Sequence[PendingBatch]) -> None:
        if any(b.device_id == 2 for b in batches):
            raise RuntimeError("cannot store")

    writer.extras.add_txn_hook("refuse", refuse_device_2)
    ok, refused = RecordingSink(), RecordingSink()
    for seq in (1, 2, 4):
        writer.submit(_batch((1, 1, seq), series.resolve(1, "cpu", {}, "%", False), ok))
    writer.submit(_batch((2, 1, 1), series.resolve(2, "cpu", {}, "%", False), refused))
    writer.start()
    writer.stop()
    assert ok.acked == 2 and refused.errors
    rows = list(stream_progress.load(db.cursor()))
    assert rows == [stream_progress.StreamRow(1, 1, 2, ((4, 4),))]  # nothing for the rolled-back one
    db.close()


@pytest.mark.parametrize("seed", range(8))
def test_the_migration_builds_the_marks_the_writer_keeps(tmp_path: Path, seed: int) -> None:
    """An old database (batches and gaps, no progress table) gets the same marks and ranges as
    committing its batches one by one into a progress book."""
    rng = random.Random(seed)
    db = TimeSeriesDB(tmp_path / "m.duckdb")
    cur = db.cursor()
    cur.execute("DROP TABLE stream_progress")
    cur.execute("DELETE FROM schema_version WHERE version = 55")
    book = ProgressBook()
    for device_id in range(1, 4):
        for epoch in (1, 2 + rng.randrange(1000)):
            for seq in rng.sample(range(60), rng.randrange(1, 50)):
                cur.execute("INSERT INTO batches VALUES (?, ?, ?, 1, now())", [device_id, epoch, seq])
                book.get(device_id, epoch).commit(seq, seq)
            for _ in range(rng.randrange(3)):
                lo = rng.randrange(1, 70)
                hi = lo + rng.randrange(6)
                cur.execute(
                    "INSERT INTO gaps VALUES (?, ?, ?, ?, 0, NULL, NULL, 'spool full', now())",
                    [device_id, epoch, lo, hi],
                )
                book.get(device_id, epoch).commit(lo, hi)
    assert schema.migrate(cur) == [55]
    rows = {(r.device_id, r.epoch): r for r in stream_progress.load(cur)}
    assert len(rows) == 6
    for (device_id, epoch), row in rows.items():
        expected = book.get(device_id, epoch)
        assert (row.hwm, list(row.above)) == (expected.hwm, expected.above)
    db.close()


def test_a_prune_over_many_rows_goes_in_bounded_committed_steps_and_keeps_what_dedupe_needs(
    tmp_path: Path,
) -> None:
    db = TimeSeriesDB(tmp_path / "m.duckdb")
    cur = db.cursor()
    # Three streams' histories, interleaved as agents' batches arrive (a commit a second);
    # each mark below its stream's top.
    marks = {(1, 1): 9_000, (2, 1): 4_000, (2, 2): 12_000, (3, 1): 0}
    cur.execute(
        "INSERT INTO batches SELECT CASE i % 3 WHEN 0 THEN 1 ELSE 2 END, "
        "CASE i % 3 WHEN 2 THEN 2 ELSE 1 END, i // 3 + 1, 1, "
        "TIMESTAMP '2026-12-01' + to_seconds(i) FROM range(36000) t(i)"
    )
    cur.execute(
        "INSERT INTO batches SELECT 3, 1, i + 1, 1, TIMESTAMP '2026-12-01' + to_seconds(i) "
        "FROM range(500) t(i)"
    )
    stream_progress.save(cur, [stream_progress.StreamRow(d, e, hwm, ()) for (d, e), hwm in marks.items()])
    everything = cur.execute("SELECT device_id, epoch, seq FROM batches").fetchall()
    needed = sorted(r for r in everything if r[2] > marks[(r[0], r[1])])

    other = db.cursor()
    steps = stream_progress.prune_steps(cur, step_rows=1_000)
    first = next(steps)
    assert 0 < first <= 1_000
    # The first step is committed on its own: another cursor sees it while the prune goes on.
    assert other.execute("SELECT count(*) FROM batches").fetchall() == [(len(everything) - first,)]
    rest = []
    for deleted in steps:
        rest.append(deleted)
        db.checkpoint()  # may vacuum and renumber rows: the next window still finds them
    assert len(rest) >= 20 and max(rest) <= 2 * 1_000  # 36,500 rows in steps of about 1,000
    assert first + sum(rest) == len(everything) - len(needed)
    assert sorted(cur.execute("SELECT device_id, epoch, seq FROM batches").fetchall()) == needed
    # Once more: nothing more goes.
    assert stream_progress.prune_batches(cur, step_rows=1_000) == 0
    assert sorted(cur.execute("SELECT device_id, epoch, seq FROM batches").fetchall()) == needed
    db.close()


def test_a_prune_of_no_batches_is_no_step(tmp_path: Path) -> None:
    db = TimeSeriesDB(tmp_path / "m.duckdb")
    assert list(stream_progress.prune_steps(db.cursor())) == []
    with pytest.raises(ValueError, match="step_rows must be positive"):
        list(stream_progress.prune_steps(db.cursor(), step_rows=0))
    db.close()
