"""The runner's sink: samples -> packed columns -> spooled batches.

The runner calls :meth:`Batcher.put` after every collector run. Samples become three parallel
columns (series id, timestamp, value) and the run itself a ``CollectorRun``; a batch is spooled
when it reaches ``max_batch_samples``, ``flush_interval_s`` after the first thing handed over
since the last flush (what arrives meanwhile rides along: the collectors of one tick share a
batch), and on :meth:`Batcher.close`. With nothing pending the flush thread sleeps; it never
wakes up just to find nothing. After each spool write the transport is woken (``on_spooled``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from agent.collectors.base import Sample
from agent.series import SeriesRegistry
from agent.spool import Spool
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)


class SpoolWriteError(OSError):
    """Something handed to the batcher could not be written to the spool (e.g. disk full)."""


class RunInfo(Protocol):
    """What the batcher reads from ``agent.runner.RunRecord``."""

    @property
    def collector(self) -> str: ...
    @property
    def started_ms(self) -> int: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def ok(self) -> bool: ...
    @property
    def error(self) -> str | None: ...


class Batcher:
    """Accumulates samples and collector runs; writes them to the spool as batches."""

    def __init__(
        self,
        spool: Spool,
        registry: SeriesRegistry,
        *,
        max_batch_samples: int = 5000,
        flush_interval_s: float = 1.0,
        on_spooled: Callable[[], None] | None = None,
    ) -> None:
        if max_batch_samples < 1:
            raise ValueError("max_batch_samples must be >= 1")
        self._spool = spool
        self._registry = registry
        self._max = max_batch_samples
        self._interval = flush_interval_s
        self._on_spooled = on_spooled
        self._lock = threading.Lock()
        self._ids: list[int] = []
        self._ts: list[int] = []
        self._values: list[float] = []
        self._runs: list[eus_pb2.CollectorRun] = []
        # Function results, inventory reports, events and command results ride in the next batch.
        self._extras = eus_pb2.Batch()
        self._stop = threading.Event()
        self._pending = threading.Event()  # something was handed over since the flush thread looked
        self._thread: threading.Thread | None = None
        self.batches_written = 0
        self.samples_lost = 0  # samples that could not be spooled (e.g. disk full)
        self._failed = 0  # batches that could not be spooled since the last flush()

    # ------------------------------------------------------------------ sink protocol

    def put(self, samples: Sequence[Sample], ts_ms: int, run: RunInfo) -> None:
        """Accept one collector run's samples; spools full batches right away."""
        ids = self._registry.ids(s.key for s in samples)
        with self._lock:
            self._runs.append(
                eus_pb2.CollectorRun(
                    collector=run.collector,
                    started_ms=run.started_ms,
                    duration_s=run.duration_s,
                    ok=run.ok,
                    error=run.error or "",
                )
            )
            self._ids.extend(ids)
            self._ts.extend([ts_ms] * len(ids))
            self._values.extend(float(s.value) for s in samples)
            written = 0
            while len(self._ids) >= self._max:
                written += self._write(self._max)
        self._pending.set()
        if written:
            self._notify()

    def put_report(
        self,
        *,
        functions: Sequence[eus_pb2.FunctionResult] = (),
        inventory: Sequence[eus_pb2.InventoryReport] = (),
        events: Sequence[eus_pb2.Event] = (),
        command_results: Sequence[eus_pb2.CommandResult] = (),
    ) -> None:
        """Queue non-sample reports; they are spooled with the next batch (at the next periodic
        flush at the latest; call :meth:`flush` to spool them now)."""
        with self._lock:
            self._extras.functions.extend(functions)
            self._extras.inventory.extend(inventory)
            self._extras.events.extend(events)
            self._extras.command_results.extend(command_results)
        self._pending.set()

    # ------------------------------------------------------------------ flushing

    def pending_samples(self) -> int:
        with self._lock:
            return len(self._ids)

    def flush(self) -> int:
        """Spool whatever is pending (in batches of at most ``max_batch_samples``); return batches.

        Raises :class:`SpoolWriteError` when something could not be spooled since the last
        flush, so a caller that keeps state about what it reported (inventory) does not
        record as sent what was lost."""
        written = 0
        with self._lock:
            while self._ids or self._runs or self._has_extras():
                written += self._write(self._max)
            failed, self._failed = self._failed, 0
        if written:
            self._notify()
        if failed:
            raise SpoolWriteError(f"{failed} batch(es) could not be spooled; see the log")
        return written

    def start(self) -> None:
        """Start the periodic flush thread."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="eus-batcher", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the periodic flush and spool everything pending."""
        self._stop.set()
        self._pending.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        try:
            self.flush()
        except SpoolWriteError as exc:
            log.error("on shutdown: %s", exc)

    def _loop(self) -> None:
        while True:
            self._pending.wait()
            if self._stop.wait(self._interval):
                return
            self._pending.clear()  # before flushing: what arrives during the flush sets it again
            try:
                self.flush()
            except Exception:  # the flush thread must outlive one bad write
                log.exception("periodic flush failed")

    def _has_extras(self) -> bool:
        e = self._extras
        return bool(e.functions or e.inventory or e.events or e.command_results)

    def _write(self, limit: int) -> int:
        """Spool the oldest ``limit`` pending samples, all pending runs and reports.

        Caller holds the lock."""
        batch = eus_pb2.Batch(
            series_id=self._ids[:limit],
            ts_ms=self._ts[:limit],
            value=self._values[:limit],
            runs=self._runs,
        )
        batch.MergeFrom(self._extras)
        self._extras = eus_pb2.Batch()
        n = len(batch.series_id)
        del self._ids[:limit], self._ts[:limit], self._values[:limit]
        self._runs = []
        try:
            self._spool.append(batch)
        except Exception:
            # Keeping them would grow memory without bound while the disk is unusable.
            self.samples_lost += n
            self._failed += 1
            log.exception(
                "could not spool a batch of %d samples and %d reports; they are lost",
                n,
                len(batch.functions) + len(batch.inventory) + len(batch.events) + len(batch.command_results),
            )
            return 0
        self.batches_written += 1
        return 1

    def _notify(self) -> None:
        if self._on_spooled is not None:
            self._on_spooled()
