"""The single commit path: everything that has accumulated becomes one DuckDB transaction.

Stream handlers submit decoded batches; one writer thread drains whatever is queued,
drops batches already committed (dedupe on device, epoch, seq), appends samples through
one Arrow insert, records the batches in the same transaction, commits, and only then
reports each epoch's new contiguous mark so the stream can ack. DuckDB's INSERT has a
fixed cost of a few milliseconds, so batching commits is what makes ingest fast.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from collector.ingest.extras import BatchExtras
from collector.ingest.progress import ProgressBook
from collector.ingest.series import SeriesRegistry, SeriesRow
from collector.tsdb.db import TimeSeriesDB
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)


class CommitSink(Protocol):
    """Where the writer reports a batch's fate: one object per stream."""

    def committed(self, epoch: int, hwm: int) -> None:
        """Called from the writer thread after the commit; ``hwm`` is the new contiguous mark."""

    def failed(self, message: str) -> None:
        """Called from the writer thread when the transaction holding the batch rolled back."""


@dataclass(frozen=True, slots=True)
class GapInfo:
    from_seq: int
    samples_dropped: int
    first_ts_ms: int
    last_ts_ms: int
    reason: str


@dataclass(frozen=True, slots=True)
class RunInfo:
    collector: str
    started_ms: int
    duration_s: float
    ok: bool
    error: str


@dataclass(slots=True)
class PendingBatch:
    """A decoded batch waiting for the writer. Series ids are already global."""

    device_id: int
    epoch: int
    seq: int
    series_ids: npt.NDArray[np.uint32]
    ts_ms: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    sink: CommitSink
    gap: GapInfo | None = None
    runs: list[RunInfo] = field(default_factory=list)
    functions: list[eus_pb2.FunctionResult] = field(default_factory=list)
    inventory: list[eus_pb2.InventoryReport] = field(default_factory=list)
    events: list[eus_pb2.Event] = field(default_factory=list)
    command_results: list[eus_pb2.CommandResult] = field(default_factory=list)

    @property
    def first_seq(self) -> int:
        return self.gap.from_seq if self.gap else self.seq

    @property
    def n(self) -> int:
        return int(self.series_ids.shape[0])


class IngestWriter:
    """Owns the writer thread. ``submit`` is safe from any thread."""

    def __init__(
        self,
        tsdb: TimeSeriesDB,
        series: SeriesRegistry,
        *,
        max_rows_per_commit: int = 400_000,
        max_queued_rows: int = 4_000_000,
    ) -> None:
        self._tsdb = tsdb
        self._series = series
        self._max_rows = max_rows_per_commit
        self._max_queued = max_queued_rows
        self._queue: queue.SimpleQueue[PendingBatch | None] = queue.SimpleQueue()
        self._queued_rows = 0
        self._rows_lock = threading.Lock()
        self.progress = ProgressBook()
        self._load_progress()
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        self.extras = BatchExtras()  # function results, events, txn hooks, BatchCommitted
        self._stopping = False
        self.commits = 0
        self.rows_committed = 0

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Commit what is queued, then stop."""
        self._stopping = True
        self._queue.put(None)
        self._thread.join(timeout)

    def hwm(self, device_id: int, epoch: int) -> int:
        """Highest contiguous committed seq (read from the stream handlers: a plain int read)."""
        return self.progress.hwm(device_id, epoch)

    @property
    def queued_rows(self) -> int:
        return self._queued_rows

    @property
    def saturated(self) -> bool:
        """True when producers should wait before submitting more."""
        return self._queued_rows >= self._max_queued

    def submit(self, batch: PendingBatch) -> None:
        with self._rows_lock:
            self._queued_rows += batch.n
        self._queue.put(batch)

    # -- start-up -------------------------------------------------------------------
    def _load_progress(self) -> None:
        cur = self._tsdb.cursor()
        for device_id, epoch, seq in cur.execute(
            "SELECT device_id, epoch, seq FROM batches ORDER BY device_id, epoch, seq"
        ).fetchall():
            self.progress.get(int(device_id), int(epoch)).commit(int(seq), int(seq))
        for device_id, epoch, lo, hi in cur.execute(
            "SELECT device_id, epoch, from_seq, to_seq FROM gaps"
        ).fetchall():
            self.progress.get(int(device_id), int(epoch)).commit(int(lo), int(hi))

    # -- the loop -------------------------------------------------------------------
    def _drain(self) -> tuple[list[PendingBatch], bool]:
        """Block for the first item, then take whatever else is queued, up to the row cap."""
        items: list[PendingBatch] = []
        stop = False
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return items, self._stopping
        if first is None:
            stop = True
        else:
            items.append(first)
        rows = sum(b.n for b in items)
        while rows < self._max_rows:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                stop = True
                continue
            items.append(nxt)
            rows += nxt.n
        return items, stop

    def _run(self) -> None:
        while True:
            items, stop = self._drain()
            if items:
                self._commit_group(items)
                with self._rows_lock:
                    self._queued_rows -= sum(b.n for b in items)
            if stop and self._queue.empty():
                return

    def _commit_group(self, items: list[PendingBatch]) -> None:
        fresh: list[PendingBatch] = []
        seen: set[tuple[int, int, int]] = set()
        for b in items:
            key = (b.device_id, b.epoch, b.seq)
            if key in seen or self.progress.get(b.device_id, b.epoch).is_committed(b.seq):
                continue  # a resend of something committed: store nothing, ack again below
            seen.add(key)
            fresh.append(b)
        new_series = self._series.take_pending()
        try:
            if fresh or new_series:
                self._write(fresh, new_series)
        except Exception as exc:
            self._series.requeue(new_series)
            log.exception("ingest commit failed for %d batches", len(fresh))
            for b in items:
                b.sink.failed(f"storage error: {type(exc).__name__}")
            return
        for b in fresh:
            self.progress.get(b.device_id, b.epoch).commit(b.first_seq, b.seq)
        self.extras.after_commit(fresh)
        self.commits += 1
        self.rows_committed += sum(b.n for b in fresh)
        notified: set[tuple[int, int]] = set()
        for b in reversed(items):  # the last batch of each stream carries the final mark
            if (id(b.sink), b.epoch) in notified:
                continue
            notified.add((id(b.sink), b.epoch))
            b.sink.committed(b.epoch, self.progress.hwm(b.device_id, b.epoch))

    def _write(self, fresh: list[PendingBatch], new_series: list[SeriesRow]) -> None:
        cur = self._tsdb.cursor()
        now = time.time()
        cur.execute("BEGIN TRANSACTION")
        try:
            if new_series:
                cur.executemany(
                    "INSERT INTO series (id, device_id, name, labels, unit, monotonic) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [[s.id, s.device_id, s.name, s.labels, s.unit, s.monotonic] for s in new_series],
                )
            with_samples = [b for b in fresh if b.n]
            if with_samples:
                samples = pa.table(
                    {
                        "series_id": pa.array(np.concatenate([b.series_ids for b in with_samples])),
                        "ts": pa.array(
                            np.concatenate([b.ts_ms for b in with_samples]).astype("datetime64[ms]")
                        ),
                        "value": pa.array(np.concatenate([b.values for b in with_samples])),
                    }
                )
                cur.register("incoming_samples", samples)
                cur.execute("INSERT INTO samples SELECT series_id, ts, value FROM incoming_samples")
                cur.unregister("incoming_samples")
            if fresh:
                batches = pa.table(
                    {
                        "device_id": pa.array([b.device_id for b in fresh], pa.int32()),
                        "epoch": pa.array([b.epoch for b in fresh], pa.uint64()),
                        "seq": pa.array([b.seq for b in fresh], pa.uint64()),
                        "samples": pa.array([b.n for b in fresh], pa.uint32()),
                    }
                )
                cur.register("incoming_batches", batches)
                cur.execute(
                    "INSERT INTO batches SELECT device_id, epoch, seq, samples, to_timestamp(?)::TIMESTAMP "
                    "FROM incoming_batches",
                    [now],
                )
                cur.unregister("incoming_batches")
            gaps = [b for b in fresh if b.gap is not None]
            if gaps:
                cur.executemany(
                    "INSERT INTO gaps VALUES (?, ?, ?, ?, ?, make_timestamp(? * 1000), "
                    "make_timestamp(? * 1000), ?, to_timestamp(?)::TIMESTAMP)",
                    [
                        [
                            b.device_id,
                            b.epoch,
                            b.gap.from_seq,
                            b.seq,
                            b.gap.samples_dropped,
                            b.gap.first_ts_ms,
                            b.gap.last_ts_ms,
                            b.gap.reason[:200],
                            now,
                        ]
                        for b in gaps
                        if b.gap is not None
                    ],
                )
            runs = [(b.device_id, r) for b in fresh for r in b.runs]
            if runs:
                cur.executemany(
                    "INSERT INTO collector_runs VALUES (?, ?, make_timestamp(? * 1000), ?, ?, ?)",
                    [
                        [d, r.collector[:100], r.started_ms, r.duration_s, r.ok, r.error[:500]]
                        for d, r in runs
                    ],
                )
            self.extras.in_txn(cur, fresh)
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise
