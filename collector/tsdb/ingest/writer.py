"""The single commit path: everything that has accumulated becomes one DuckDB transaction.

Stream handlers submit decoded batches. ``submit`` drops a batch already committed or
already queued (dedupe on device, epoch, seq: it is only acked again) and copies the others'
columns into the open *group*, the next transaction. One writer thread takes the oldest
full group, or whatever is open when it is idle, and in one transaction appends the samples
through one zero-copy Arrow insert, records the batches, gaps and collector runs and each
stream's new progress (``collector.tsdb.stream_progress``: contiguous mark and the ranges
above it, the durable dedupe key), commits, and only then reports each epoch's new
contiguous mark so the stream can ack. Start reads the progress rows (one per stream), never
the batch history, so it takes the same time and memory however long the collector has run.
DuckDB's INSERT has a fixed cost of a few milliseconds, so large commits are what makes
ingest fast; copying on the submitting thread keeps the writer's own Python work (which
needs the GIL) small, so it spends its time in DuckDB, which releases it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from collector.ingest.progress import EpochProgress, ProgressBook
from collector.tsdb import stream_progress
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.extras import BatchExtras, insert_from
from collector.tsdb.ingest.series import SeriesRegistry, SeriesRow
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

# Rows per transaction at most. Each DuckDB INSERT and COMMIT has a fixed cost of a few ms:
# under load, 1 M-row commits stored 25 % more per second than 400 k (bench/ingest); when
# the writer is idle it commits whatever has arrived at once.
MAX_ROWS_PER_COMMIT = 1_000_000
MAX_QUEUED_ROWS = 4_000_000  # above this, stream handlers stop reading (backpressure)


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
    """A batch's collector runs, column by column (how each run went, as the agent reported it).

    Columns rather than an object per run: a real agent reports a run for every ~30 samples,
    and a million small objects alive until their commit kept Python's garbage collector
    busy with full passes; a few sequences per batch leave it idle.
    """

    collector: Sequence[str]
    started_ms: Sequence[int]
    duration_s: Sequence[float]
    ok: Sequence[bool]
    error: Sequence[str]

    def __len__(self) -> int:
        return len(self.collector)


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
    runs: RunInfo | None = None
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


class _Group:
    """One future transaction: column buffers filled by the submitters, and its batches.

    Submitters copy each batch's columns in as it arrives (on their own thread, where the
    decoded arrays are hot), so the writer thread only wraps the filled prefix in Arrow
    (zero-copy) and spends its time inside DuckDB, which releases the GIL.
    """

    __slots__ = (
        "acks",
        "batches",
        "keys",
        "rows",
        "run_collector",
        "run_devices",
        "run_duration_s",
        "run_error",
        "run_ok",
        "run_started_ms",
        "series_ids",
        "ts_ms",
        "values",
    )

    def __init__(self, capacity: int) -> None:
        self.series_ids: npt.NDArray[np.uint32] = np.empty(capacity, dtype=np.uint32)
        self.ts_ms: npt.NDArray[np.int64] = np.empty(capacity, dtype=np.int64)
        self.values: npt.NDArray[np.float64] = np.empty(capacity, dtype=np.float64)
        self.rows = 0
        self.batches: list[PendingBatch] = []  # stored by this transaction
        self.acks: list[PendingBatch] = []  # answered after it: the stored ones and resends
        self.keys: set[tuple[int, int, int]] = set()
        self.run_collector: list[str] = []
        self.run_started_ms: list[int] = []
        self.run_duration_s: list[float] = []
        self.run_ok: list[bool] = []
        self.run_error: list[str] = []
        self.run_devices: list[tuple[int, int]] = []  # (device id, how many runs)

    @property
    def capacity(self) -> int:
        return int(self.series_ids.shape[0])

    @property
    def empty(self) -> bool:
        return not self.acks

    def add(self, b: PendingBatch) -> None:
        lo, hi = self.rows, self.rows + b.n
        self.series_ids[lo:hi] = b.series_ids
        self.ts_ms[lo:hi] = b.ts_ms
        self.values[lo:hi] = b.values
        self.rows = hi
        self.batches.append(b)
        self.acks.append(b)
        self.keys.add((b.device_id, b.epoch, b.seq))
        if b.runs:
            self.run_collector.extend(b.runs.collector)
            self.run_started_ms.extend(b.runs.started_ms)
            self.run_duration_s.extend(b.runs.duration_s)
            self.run_ok.extend(b.runs.ok)
            self.run_error.extend(b.runs.error)
            self.run_devices.append((b.device_id, len(b.runs)))


class IngestWriter:
    """Owns the writer thread. ``submit`` is safe from any thread."""

    def __init__(
        self,
        tsdb: TimeSeriesDB,
        series: SeriesRegistry,
        *,
        max_rows_per_commit: int = MAX_ROWS_PER_COMMIT,
        max_queued_rows: int = MAX_QUEUED_ROWS,
    ) -> None:
        self._tsdb = tsdb
        self._series = series
        self._max_rows = max_rows_per_commit
        self._max_queued = max_queued_rows
        # Everything below is guarded by ``_cond``: the open group, the sealed ones waiting
        # for the writer, the keys of every batch accepted but not committed yet, the
        # progress book (written only by the writer, after a commit) and the row count.
        self._cond = threading.Condition()
        self._open = _Group(max_rows_per_commit)
        self._sealed: deque[_Group] = deque()
        self._pending_keys: set[tuple[int, int, int]] = set()
        self._queued_rows = 0
        self.progress = ProgressBook()
        self._load_progress()
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        self.extras = BatchExtras()  # function results, events, txn hooks, BatchCommitted
        self._stopping = False
        self._room_listeners: list[Callable[[], None]] = []
        self.commits = 0
        self.rows_committed = 0

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> bool:
        """Commit what is queued, then stop; False when still committing after ``timeout``
        seconds (None: wait as long as it takes)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def hwm(self, device_id: int, epoch: int) -> int:
        """Highest contiguous committed seq."""
        with self._cond:
            return self.progress.hwm(device_id, epoch)

    @property
    def queued_rows(self) -> int:
        return self._queued_rows

    @property
    def saturated(self) -> bool:
        """True when producers should wait before submitting more."""
        return self._queued_rows >= self._max_queued

    def on_room(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (on the writer thread) whenever a commit has freed queue room."""
        self._room_listeners.append(listener)

    def _room_freed(self) -> None:
        for listener in self._room_listeners:
            listener()

    def submit(self, batch: PendingBatch) -> None:
        """Queue a batch for the next commit (copying its columns) or, if it is a resend of
        one already committed or queued, only for an ack after the next commit."""
        key = (batch.device_id, batch.epoch, batch.seq)
        with self._cond:
            if key in self._pending_keys or self.progress.get(batch.device_id, batch.epoch).is_committed(
                batch.seq
            ):
                self._open.acks.append(batch)  # store nothing, ack again after the next commit
            else:
                if self._open.rows + batch.n > self._open.capacity and not self._open.empty:
                    self._seal()
                if batch.n > self._open.capacity:
                    self._open = _Group(batch.n)
                self._open.add(batch)
                self._pending_keys.add(key)
                self._queued_rows += batch.n
            self._cond.notify()

    def _seal(self) -> None:
        self._sealed.append(self._open)
        self._open = _Group(self._max_rows)

    # -- start-up -------------------------------------------------------------------
    def _load_progress(self) -> None:
        """One row per stream (device, epoch): never the batch history."""
        for row in stream_progress.load(self._tsdb.cursor()):
            self.progress.put(row.device_id, row.epoch, EpochProgress(row.hwm, list(row.above)))

    def _advanced(self, fresh: list[PendingBatch]) -> dict[tuple[int, int], EpochProgress]:
        """Each touched stream's progress once ``fresh`` is committed (copies: the book itself
        changes only after the commit)."""
        out: dict[tuple[int, int], EpochProgress] = {}
        with self._cond:
            for b in fresh:
                key = (b.device_id, b.epoch)
                if key not in out:
                    out[key] = self.progress.get(*key).copy()
        for b in fresh:
            out[(b.device_id, b.epoch)].commit(b.first_seq, b.seq)
        return out

    # -- the loop -------------------------------------------------------------------
    def _next_group(self) -> _Group | None:
        """The oldest sealed group, else whatever is open; None once stopped and drained."""
        with self._cond:
            while True:
                if self._sealed:
                    return self._sealed.popleft()
                if not self._open.empty:
                    group = self._open
                    self._open = _Group(self._max_rows)
                    return group
                if self._stopping:
                    return None
                self._cond.wait(0.2)

    def _run(self) -> None:
        while (group := self._next_group()) is not None:
            self._commit_group(group)

    def _commit_group(self, group: _Group) -> None:
        new_series = self._series.take_pending()  # after the seal: covers every id the group uses
        try:
            if group.batches or new_series:
                self._write(group, new_series)
            stored, failed = group.batches, dict[tuple[int, int, int], str]()
        except Exception:
            # Validation keeps unfit batches out, but whatever still breaks the shared
            # transaction must not hold back every other stream: store them one by one.
            log.warning(
                "ingest commit of %d batches failed; committing them one by one",
                len(group.batches),
                exc_info=True,
            )
            stored, failed = self._one_by_one(group, new_series)
        failed_sinks = {id(b.sink) for b in group.batches if (b.device_id, b.epoch, b.seq) in failed}
        marks: list[tuple[CommitSink, int, int]] = []
        with self._cond:  # the book already holds what ``_write`` committed
            self._pending_keys -= group.keys
            self._queued_rows -= group.rows
            notified: set[tuple[int, int]] = set()
            for b in reversed(group.acks):  # one ack per stream and epoch: the final mark
                if (id(b.sink), b.epoch) in notified or id(b.sink) in failed_sinks:
                    continue
                notified.add((id(b.sink), b.epoch))
                marks.append((b.sink, b.epoch, self.progress.hwm(b.device_id, b.epoch)))
        if stored:
            self.extras.after_commit(stored)
            self.commits += 1
            self.rows_committed += sum(b.n for b in stored)
        for sink, epoch, hwm in marks:
            sink.committed(epoch, hwm)
        told: set[int] = set()
        for b in group.batches:
            error = failed.get((b.device_id, b.epoch, b.seq))
            if error is not None and id(b.sink) not in told:
                told.add(id(b.sink))
                b.sink.failed(f"storage error: {error} (batch {b.seq})")
        self._room_freed()

    def _one_by_one(
        self, group: _Group, new_series: list[SeriesRow]
    ) -> tuple[list[PendingBatch], dict[tuple[int, int, int], str]]:
        """The new series in a transaction of their own, then each batch in its own.

        Returns the batches stored, and the error (its type name) of each that failed.
        """
        try:
            if new_series:
                self._write(_Group(0), new_series)
        except Exception as exc:
            self._series.requeue(new_series)
            log.exception("ingest could not store %d new series", len(new_series))
            return [], {(b.device_id, b.epoch, b.seq): type(exc).__name__ for b in group.batches}
        stored: list[PendingBatch] = []
        failed: dict[tuple[int, int, int], str] = {}
        for b in group.batches:
            alone = _Group(b.n)
            alone.add(b)
            try:
                self._write(alone, [])
            except Exception as exc:
                log.exception(
                    "ingest could not store batch %d of device %d (epoch %d)", b.seq, b.device_id, b.epoch
                )
                failed[(b.device_id, b.epoch, b.seq)] = type(exc).__name__
            else:
                stored.append(b)
        return stored, failed

    def _write(self, group: _Group, new_series: list[SeriesRow]) -> None:
        """One transaction: new series, samples, the batch records, gaps, runs and the streams'
        progress (the dedupe key); the progress book takes the new marks after the commit."""
        cur = self._tsdb.cursor()
        fresh = group.batches
        advanced = self._advanced(fresh)
        now = time.time()
        cur.execute("BEGIN TRANSACTION")
        try:
            if new_series:  # through Arrow: executemany inserts ~2.5 k rows/s
                series = pa.table(
                    {
                        "id": pa.array([s.id for s in new_series], pa.uint32()),
                        "device_id": pa.array([s.device_id for s in new_series], pa.int32()),
                        "name": pa.array([s.name for s in new_series], pa.string()),
                        "labels": pa.array([s.labels for s in new_series], pa.string()),
                        "unit": pa.array([s.unit for s in new_series], pa.string()),
                        "monotonic": pa.array([s.monotonic for s in new_series], pa.bool_()),
                    }
                )
                insert_from(
                    cur,
                    "incoming_series",
                    series,
                    "INSERT INTO series (id, device_id, name, labels, unit, monotonic) "
                    "SELECT id, device_id, name, labels, unit, monotonic FROM incoming_series",
                )
            if group.rows:
                n = group.rows
                samples = pa.table(  # zero-copy views of the filled prefix
                    {
                        "series_id": pa.array(group.series_ids[:n]),
                        "ts": pa.array(group.ts_ms[:n].view("datetime64[ms]")),
                        "value": pa.array(group.values[:n]),
                    }
                )
                insert_from(
                    cur,
                    "incoming_samples",
                    samples,
                    "INSERT INTO samples SELECT series_id, ts, value FROM incoming_samples",
                )
            if fresh:
                batches = pa.table(
                    {
                        "device_id": pa.array([b.device_id for b in fresh], pa.int32()),
                        "epoch": pa.array([b.epoch for b in fresh], pa.uint64()),
                        "seq": pa.array([b.seq for b in fresh], pa.uint64()),
                        "samples": pa.array([b.n for b in fresh], pa.uint32()),
                    }
                )
                insert_from(
                    cur,
                    "incoming_batches",
                    batches,
                    "INSERT INTO batches SELECT device_id, epoch, seq, samples, to_timestamp(?)::TIMESTAMP "
                    "FROM incoming_batches",
                    [now],
                )
            gaps = [(b, b.gap) for b in fresh if b.gap is not None]
            if gaps:  # rare: one per spool overflow
                cur.executemany(
                    "INSERT INTO gaps VALUES (?, ?, ?, ?, ?, make_timestamp(? * 1000), "
                    "make_timestamp(? * 1000), ?, to_timestamp(?)::TIMESTAMP)",
                    [
                        [
                            b.device_id,
                            b.epoch,
                            g.from_seq,
                            b.seq,
                            g.samples_dropped,
                            g.first_ts_ms,
                            g.last_ts_ms,
                            g.reason[:200],
                            now,
                        ]
                        for b, g in gaps
                    ],
                )
            if group.run_devices:  # ~1 run per 30 samples: through Arrow as well
                device = np.repeat(
                    np.array([d for d, _ in group.run_devices], dtype=np.int32),
                    [k for _, k in group.run_devices],
                )
                runs = pa.table(
                    {
                        "device_id": pa.array(device),
                        "collector": pa.array(group.run_collector, pa.string()),
                        "started_ms": pa.array(group.run_started_ms, pa.int64()),
                        "duration_s": pa.array(group.run_duration_s, pa.float64()),
                        "ok": pa.array(group.run_ok, pa.bool_()),
                        "error": pa.array(group.run_error, pa.string()),
                    }
                )
                cur.register("incoming_runs", runs)
                cur.execute(
                    "INSERT INTO collector_runs SELECT device_id, left(collector, 100), "
                    "make_timestamp(started_ms * 1000), duration_s, ok, left(error, 500) FROM incoming_runs"
                )
                cur.unregister("incoming_runs")
            stream_progress.save(
                cur,
                (
                    stream_progress.StreamRow(device_id, epoch, p.hwm, tuple(p.above))
                    for (device_id, epoch), p in advanced.items()
                ),
            )
            self.extras.in_txn(cur, fresh)
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise
        if new_series:
            self._tsdb.catalog.added(s.device_id for s in new_series)
        with self._cond:
            for (device_id, epoch), p in advanced.items():
                self.progress.put(device_id, epoch, p)
