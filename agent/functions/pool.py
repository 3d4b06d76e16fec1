"""A small, elastic pool of daemon threads for blocking check work.

Why not ``concurrent.futures.ThreadPoolExecutor``: its workers are joined when the interpreter
exits, so one check stuck in the kernel (a ``stat`` on a dead NFS mount, an ``open`` of a FIFO)
would keep the agent from ever exiting on SIGTERM. Here a stuck worker is simply abandoned: the
scheduler has already reported the run as timed out, and the daemon thread dies with the process.

And why elastic: a fixed pool would let two slow checks hold every worker while a third,
healthy function waits in the queue, which is exactly the delay a timeout must prevent. Yet
every thread costs the agent ~250 kB of resident memory (its stack and malloc arena), and
most checks take milliseconds. So :meth:`DaemonPool.submit` starts a thread only when there is
none; a caller whose call is still queued after a short grace asks for one more with
:meth:`DaemonPool.grow` (``CheckContext.in_thread`` does), up to ``max_workers``; threads idle
for ``idle_s`` end. The scheduler never gives one function a second thread while its previous
one is still out, so the pool holds one thread normally and one per hung function at worst.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class DaemonPool:
    """Runs submitted callables on daemon threads, started on demand and ended when idle."""

    def __init__(self, max_workers: int = 16, idle_s: float = 60.0, name: str = "eus-check") -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be >= 1")
        self.max_workers = max_workers
        self._idle_s = idle_s
        self._name = name
        self._cond = threading.Condition(threading.Lock())
        self._queue: collections.deque[tuple[Future[Any], Callable[[], Any]]] = collections.deque()
        self._threads = 0
        self._idle = 0  # threads waiting for work
        self._started = 0
        self._closed = False
        self.peak = 0  # most threads alive at once

    @property
    def threads(self) -> int:
        with self._cond:
            return self._threads

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Queue ``fn``; an idle thread takes it, or a new one if the pool has no thread at all."""
        future: Future[T] = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError("pool is closed")
            self._queue.append((future, fn))
            if self._threads == 0:
                self._spawn()
            else:
                self._cond.notify()
        return future

    def grow(self) -> bool:
        """Start one more thread if calls are waiting that no idle thread will take (and the cap
        allows); True when a thread was started."""
        with self._cond:
            if self._closed or self._idle >= len(self._queue) or self._threads >= self.max_workers:
                return False
            self._spawn()
            return True

    def _spawn(self) -> None:  # caller holds the lock
        self._threads += 1
        self._started += 1
        self.peak = max(self.peak, self._threads)
        name = f"{self._name}-{self._started}"
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def close(self) -> None:
        """Idle threads end now, busy ones after their current call (or with the process)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _work(self) -> None:
        self._cond.acquire()
        try:
            while True:
                while not self._queue and not self._closed:
                    self._idle += 1
                    woken = self._cond.wait(timeout=self._idle_s)
                    self._idle -= 1
                    if not woken and not self._queue:
                        return  # idle too long
                if not self._queue:
                    return  # closed
                future, fn = self._queue.popleft()
                self._cond.release()
                try:
                    if future.set_running_or_notify_cancel():
                        try:
                            future.set_result(fn())
                        except BaseException as exc:  # noqa: BLE001 -- delivered to the waiter
                            future.set_exception(exc)
                finally:
                    self._cond.acquire()
        finally:
            self._threads -= 1
            self._cond.release()
