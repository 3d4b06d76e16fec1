"""What a check kind is, what one run of it returns, and what it may use while it runs.

A kind is a :class:`CheckKind`: ``parse`` turns raw parameters into a typed, frozen params
object (raising :class:`~agent.functions.params.ParamError` with a specific message), and
``run`` is a coroutine that performs one check and returns an :class:`Outcome`. Blocking work
(psutil, file reads, ``http.client``) goes through :meth:`CheckContext.in_thread`, so the
scheduler can cut any run at its timeout: the coroutine is cancelled, the thread's result is
abandoned and the cleanups registered with :meth:`CheckContext.on_cancel` (closing a socket,
killing a child) run.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from agent.functions.params import ParamReader
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

T = TypeVar("T")
P = TypeVar("P")

OK: int = eus_pb2.HEALTH_OK
WARNING: int = eus_pb2.HEALTH_WARNING
CRITICAL: int = eus_pb2.HEALTH_CRITICAL
UNKNOWN: int = eus_pb2.HEALTH_UNKNOWN


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict of one run: a health, what a technician reads, and measurements.

    ``commit`` is run after the result has been handed to the batcher and spooled: durable
    check state (the log check's offsets) advances only once its result cannot be lost.
    """

    status: int
    message: str
    metrics: Mapping[str, float] = field(default_factory=dict)
    commit: Callable[[], None] | None = None


def worst(*statuses: int) -> int:
    """The most severe health: CRITICAL > WARNING > UNKNOWN > OK."""
    rank = {OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3}
    return max(statuses, key=lambda s: rank[s])


# Duration units for messages: (below this many seconds, seconds per unit, format), in order.
_DURATION_STEPS = (
    (0.01, 0.001, "{:.2f} ms"),
    (1.0, 0.001, "{:.0f} ms"),
    (10.0, 1.0, "{:.1f} s"),
    (120.0, 1.0, "{:.0f} s"),
    (7200.0, 60.0, "{:.0f} min"),
    (172800.0, 3600.0, "{:.1f} h"),
    (math.inf, 86400.0, "{:.1f} days"),
)


def fmt_s(seconds: float) -> str:
    """Durations for messages, from latencies to file ages: ``0.04 ms``, ``12 ms``, ``1.5 s``,
    ``42 s``, ``5 min``, ``2.0 h``, ``3.5 days``."""
    # The last step also takes what compares with nothing (NaN).
    _, unit, form = next((step for step in _DURATION_STEPS if seconds < step[0]), _DURATION_STEPS[-1])
    return form.format(seconds / unit)


class Resources:
    """Things shared by the runs of many functions (created on first use, kept for the agent's life).

    E.g. the log check's offset store and the process table snapshot.
    """

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._lock = threading.Lock()
        self._items: dict[str, Any] = {}

    def shared(self, key: str, factory: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._items:
                self._items[key] = factory()
            item: T = self._items[key]
            return item

    def peek(self, key: str) -> Any:
        """The shared thing under ``key`` if some run created it, else None."""
        with self._lock:
            return self._items.get(key)


class Executor(Protocol):
    """Where blocking check work runs (``agent.functions.pool.DaemonPool``)."""

    def submit(self, fn: Callable[[], T]) -> Future[T]: ...

    def grow(self) -> bool: ...


# A blocking call still queued after this long gets a thread of its own: checks take
# milliseconds, so one thread serves them all until one of them hangs.
GROW_AFTER_S = 0.1


class CheckContext:
    """What one run of one function may use: its id, its deadline, a thread for blocking work."""

    def __init__(
        self,
        function_id: str,
        timeout_s: float,
        resources: Resources,
        executor: Executor,
        blocked: dict[str, float],
    ) -> None:
        self.function_id = function_id
        self.timeout_s = timeout_s
        self.deadline = time.monotonic() + timeout_s
        self.resources = resources
        self._executor = executor
        self._blocked = blocked  # function id -> monotonic start of a thread that has not returned
        self._cleanups: list[Callable[[], None]] = []

    def remaining(self) -> float:
        """Seconds left before the scheduler cuts this run (never below a small floor)."""
        return max(0.05, self.deadline - time.monotonic())

    def on_cancel(self, cleanup: Callable[[], None]) -> None:
        """Run ``cleanup`` if the run is cut at its timeout (from the scheduler's thread)."""
        self._cleanups.append(cleanup)

    def cancelled(self) -> None:
        """Called by the scheduler when the run was cut: release what the check holds."""
        for cleanup in self._cleanups:
            try:
                cleanup()
            except Exception:  # a cleanup must not hide the timeout
                log.debug("cleanup of %s failed", self.function_id, exc_info=True)

    async def in_thread(self, fn: Callable[[], T]) -> T:
        """Run blocking ``fn`` in the check pool; on cancellation its result is abandoned.

        While such a thread has not returned, the function is marked blocked so the scheduler
        does not pile further runs of it onto the pool.
        """
        fid, blocked = self.function_id, self._blocked
        blocked[fid] = time.monotonic()

        def call() -> T:
            try:
                return fn()
            finally:
                blocked.pop(fid, None)

        try:
            future = self._executor.submit(call)
        except BaseException:
            blocked.pop(fid, None)
            raise
        waiting = asyncio.wrap_future(future)
        try:
            done, _ = await asyncio.wait({waiting}, timeout=GROW_AFTER_S)
            if not done and not future.running():
                self._executor.grow()  # the threads are busy with something slow
            return await waiting
        except asyncio.CancelledError:
            if future.cancel():  # cut while still queued: the thread never runs it
                blocked.pop(fid, None)
            raise


@dataclass(frozen=True, slots=True)
class CheckKind(Generic[P]):
    """One kind of check: its name, how to read its parameters, and how to run it once.

    ``timeout_status`` is the health reported when a run is cut at its timeout: CRITICAL for
    endpoints (not answering in time is the fault), UNKNOWN for local reads (we could not tell).
    """

    name: str
    parse: Callable[[ParamReader], P]
    run: Callable[[P, CheckContext], Awaitable[Outcome]]
    timeout_status: int = UNKNOWN
