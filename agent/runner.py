"""Runs every collector on its interval, times each run and fences its failures.

The runner, not the collector, stamps the run's timestamp, measures how long ``collect()`` took,
and turns any exception into a failed ``RunRecord``: one broken collector never stops the
scheduler or the other collectors. Every run, good or bad, reaches the ``SampleSink``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from agent.collectors.base import Collector, Sample

__all__ = ["RunRecord", "Runner", "SampleSink"]

log = logging.getLogger(__name__)

MAX_WORKERS = 2  # collectors are short and mostly syscalls; two threads keep one slow one from blocking


@dataclass(frozen=True, slots=True)
class RunRecord:
    """The outcome of one collector run. ``error`` is ``"Type: message"`` when ``ok`` is false."""

    collector: str
    started_ms: int
    duration_s: float
    ok: bool
    error: str = ""


class SampleSink(Protocol):
    """Where runs go. Called from scheduler worker threads, so implementations must be thread-safe."""

    def put(self, samples: Sequence[Sample], ts_ms: int, run: RunRecord) -> None:
        """Accept one run's samples (empty when the run failed), all stamped ``ts_ms``."""
        ...


@dataclass(slots=True)
class _Slot:
    """One collector and its mutable run state."""

    collector: Collector
    interval_s: float
    lock: threading.Lock  # one run at a time, whether scheduled or on demand
    failures: int = 0  # consecutive failed runs


class Runner:
    """Schedules collectors on an APScheduler ``BackgroundScheduler``.

    An interval of 0 means the collector is not scheduled (it can still be run with ``run_once``).
    """

    def __init__(
        self,
        collectors: list[tuple[Collector, float]],
        sink: SampleSink,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sink = sink
        self._clock = clock
        self._slots: dict[str, _Slot] = {}
        for collector, interval_s in collectors:
            if collector.name in self._slots:
                raise ValueError(f"two collectors are named {collector.name!r}")
            _check_interval(interval_s)
            self._slots[collector.name] = _Slot(collector, interval_s, threading.Lock())
        self._state_lock = threading.Lock()  # guards scheduling changes
        self._sink_failing = False
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=MAX_WORKERS)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        self._started = False

    @property
    def intervals(self) -> dict[str, float]:
        """Current interval of each collector by name (0 = not scheduled)."""
        with self._state_lock:
            return {name: slot.interval_s for name, slot in self._slots.items()}

    def start(self) -> None:
        """Start the scheduler; every scheduled collector also runs once right away."""
        with self._state_lock:
            if self._started:
                raise RuntimeError("runner already started")
            self._scheduler.start()
            self._started = True
            now = datetime.now(UTC)
            for name, slot in self._slots.items():
                if slot.interval_s > 0:
                    self._add_job(name, slot.interval_s, first_run=now)

    def shutdown(self, wait: bool = True) -> None:
        """Stop scheduling; with ``wait``, return once the runs in progress have finished."""
        with self._state_lock:
            if self._started and self._scheduler.running:
                self._scheduler.shutdown(wait=wait)

    def run_once(self, name: str | None = None) -> list[RunRecord]:
        """Run one collector (or every scheduled one) now, in the calling thread.

        Raises ``KeyError`` for an unknown name.
        """
        if name is None:
            names = [n for n, interval in self.intervals.items() if interval > 0]
        elif name in self._slots:
            names = [name]
        else:
            raise KeyError(f"no collector named {name!r}")
        return [self._run(n) for n in names]

    def reschedule(self, name: str, interval_s: float) -> None:
        """Change a collector's interval, e.g. when the collector service pushes config; 0 disables.

        A newly enabled collector runs once right away; a changed one next runs one new interval
        from now. Raises ``KeyError`` for an unknown name, ``ValueError`` for a
        negative or non-finite interval.
        """
        _check_interval(interval_s)
        with self._state_lock:
            slot = self._slots.get(name)
            if slot is None:
                raise KeyError(f"no collector named {name!r}")
            old, slot.interval_s = slot.interval_s, interval_s
            if not self._started or not self._scheduler.running or old == interval_s:
                return
            if interval_s == 0:
                self._scheduler.remove_job(name)
            elif old == 0:
                self._add_job(name, interval_s, first_run=datetime.now(UTC))
            else:
                self._scheduler.reschedule_job(name, trigger=_trigger(interval_s))
                self._scheduler.modify_job(name, misfire_grace_time=_grace(interval_s))
        log.info("collector %s interval %.3g s -> %.3g s", name, old, interval_s)

    def _add_job(self, name: str, interval_s: float, first_run: datetime) -> None:
        self._scheduler.add_job(
            self._run,
            trigger=_trigger(interval_s),
            args=(name,),
            id=name,
            name=f"collector:{name}",
            next_run_time=first_run,
            misfire_grace_time=_grace(interval_s),
            replace_existing=True,
        )

    def _run(self, name: str) -> RunRecord:
        """One fenced, timed run of one collector, delivered to the sink. Never raises."""
        slot = self._slots[name]
        with slot.lock:
            ts_ms = int(self._clock() * 1000)
            started = time.perf_counter()
            try:
                samples = list(slot.collector.collect())
            except Exception as exc:  # noqa: BLE001 -- fencing every collector failure is the point
                duration_s = time.perf_counter() - started
                samples = []
                run = RunRecord(name, ts_ms, duration_s, ok=False, error=f"{type(exc).__name__}: {exc}")
            else:
                duration_s = time.perf_counter() - started
                run = RunRecord(name, ts_ms, duration_s, ok=True)
            self._note_outcome(slot, run)
            self._deliver(samples, ts_ms, run)
        return run

    def _note_outcome(self, slot: _Slot, run: RunRecord) -> None:
        # Log the first failure and the recovery, not every failed run of a broken collector.
        if not run.ok:
            slot.failures += 1
            if slot.failures == 1:
                log.warning("collector %s failed: %s", run.collector, run.error)
            else:
                log.debug(
                    "collector %s failed again (%d in a row): %s", run.collector, slot.failures, run.error
                )
        elif slot.failures:
            log.warning("collector %s recovered after %d failed runs", run.collector, slot.failures)
            slot.failures = 0

    def _deliver(self, samples: Sequence[Sample], ts_ms: int, run: RunRecord) -> None:
        try:
            self._sink.put(samples, ts_ms, run)
        except Exception:
            if not self._sink_failing:
                log.exception("sample sink failed; the run of %s is lost", run.collector)
            self._sink_failing = True
        else:
            if self._sink_failing:
                log.warning("sample sink recovered")
            self._sink_failing = False


def _check_interval(interval_s: float) -> None:
    if not math.isfinite(interval_s) or interval_s < 0:
        raise ValueError(f"interval must be a finite number of seconds >= 0, got {interval_s!r}")


def _trigger(interval_s: float) -> IntervalTrigger:
    return IntervalTrigger(seconds=interval_s, timezone=UTC)


def _grace(interval_s: float) -> int:
    # A run that starts late by up to one interval still runs; coalesce folds missed ones into it.
    return max(1, math.ceil(interval_s))
