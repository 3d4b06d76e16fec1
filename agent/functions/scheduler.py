"""Runs every function on its own interval with its own timeout; a hung check delays nothing else.

One asyncio loop in one thread ("eus-functions") holds a task per function. A run is
``asyncio.wait_for(kind.run(...), timeout_s)``: network checks are coroutines and are truly
cancelled; blocking checks run in a small pool of daemon threads (``agent.functions.pool``)
whose result is abandoned on timeout, after the check's cleanups (shut a socket down, kill a
child) have run. A function whose abandoned thread has still not returned is not queued again:
its runs report "still blocked" until the thread comes back, so one stuck mount cannot take the
pool from the other functions.

Every run, good or bad, becomes one ``FunctionResult`` handed to ``deliver`` (the collector keeps
the history; alerting counts consecutive failures): a timeout is reported with the kind's
``timeout_status`` and "timed out after N s", an invalid spec as UNKNOWN "invalid function
spec: ...", a check that raises as UNKNOWN "check failed: ...". Runs of one function never
overlap; when a run takes longer than the interval, the missed slots are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence

from agent.functions.base import UNKNOWN, CheckContext, Outcome, Resources, fmt_s
from agent.functions.pool import DaemonPool
from agent.functions.registry import get_kind
from agent.functions.spec import Spec
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

MAX_MESSAGE = 1000
Deliver = Callable[[eus_pb2.FunctionResult, Callable[[], None] | None], None]


class Scheduler:
    """Schedules functions; :meth:`set_functions` replaces the whole set (unchanged ones keep going)."""

    def __init__(
        self,
        deliver: Deliver,
        resources: Resources,
        *,
        workers: int = 16,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._deliver = deliver
        self._resources = resources
        self._pool = DaemonPool(workers)
        self._clock = clock
        self._blocked: dict[str, float] = {}  # function id -> when its abandoned thread started
        self._failing: set[str] = set()
        self._specs: dict[str, Spec] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}  # one run of a function at a time
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.runs = 0

    # ------------------------------------------------------------------ thread API

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._thread_main, name="eus-functions", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)

    def set_functions(self, specs: Sequence[Spec]) -> None:
        """Replace the set of functions (thread-safe; applied at start if not started)."""
        by_id = {s.id: s for s in specs}
        loop = self._loop
        if loop is None:
            self._specs = by_id
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(self._apply, by_id)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Cancel every function (runs in progress are dropped) and end the thread."""
        loop, event, thread = self._loop, self._stop_event, self._thread
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("function scheduler did not stop within %.0f s", timeout_s)
        self._thread = None
        self._pool.close()

    @property
    def function_ids(self) -> list[str]:
        return sorted(self._specs)

    def spec(self, function_id: str) -> Spec | None:
        return self._specs.get(function_id)

    def check_now(self, spec: Spec) -> eus_pb2.FunctionResult:
        """Run ``spec`` once now and deliver its result like any run (thread-safe; e.g. for
        "check again" from the dashboard). Waits while a run of the same function is under way,
        so two runs of one function never overlap. Raises RuntimeError when not running."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the function scheduler is not running")
        future = asyncio.run_coroutine_threadsafe(self._run_once(spec), loop)
        return future.result(timeout=2 * spec.timeout_s + 10)

    # ------------------------------------------------------------------ loop

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:  # the thread must not die silently
            log.exception("function scheduler failed")
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        self._apply(dict(self._specs))
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            self._loop = None
            tasks = list(self._tasks.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.clear()

    def _apply(self, specs: dict[str, Spec]) -> None:
        """On the loop: keep unchanged functions, restart changed ones, drop removed ones."""
        for fid in list(self._tasks):
            if specs.get(fid) != self._specs.get(fid) or fid not in specs:
                self._tasks.pop(fid).cancel()
        for fid, spec in specs.items():
            if fid not in self._tasks:
                self._tasks[fid] = asyncio.get_running_loop().create_task(self._every(spec), name=fid)
        self._specs = specs
        self._failing &= set(specs)
        self._locks = {fid: lock for fid, lock in self._locks.items() if fid in specs}

    async def _every(self, spec: Spec) -> None:
        due = time.monotonic()
        while True:
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self._run_once(spec)
            due += spec.interval_s
            now = time.monotonic()
            while due <= now:  # the run overran its interval: skip the missed slots
                due += spec.interval_s

    async def _run_once(self, spec: Spec) -> eus_pb2.FunctionResult:
        async with self._locks.setdefault(spec.id, asyncio.Lock()):
            ts_ms = int(self._clock() * 1000)
            started = time.perf_counter()
            outcome = await self._check(spec)
            result = eus_pb2.FunctionResult(
                id=spec.id,
                kind=spec.kind,
                name=spec.name,
                status=outcome.status,  # type: ignore[arg-type]
                message=outcome.message[:MAX_MESSAGE],
                ts_ms=ts_ms,
                duration_s=time.perf_counter() - started,
                metrics=outcome.metrics,
            )
            self.runs += 1
            try:
                self._deliver(result, outcome.commit)
            except Exception:
                log.exception("could not hand over the result of function %s", spec.id)
            return result

    async def _check(self, spec: Spec) -> Outcome:
        if not spec.valid:
            return Outcome(UNKNOWN, f"invalid function spec: {spec.error}")
        kind = get_kind(spec.kind)
        since = self._blocked.get(spec.id)
        if since is not None:
            return Outcome(
                kind.timeout_status,
                f"timed out: still blocked in the run that started {fmt_s(time.monotonic() - since)} ago",
            )
        ctx = CheckContext(spec.id, spec.timeout_s, self._resources, self._pool, self._blocked)
        try:
            outcome: Outcome = await asyncio.wait_for(kind.run(spec.params, ctx), spec.timeout_s)
        except TimeoutError:
            ctx.cancelled()
            return Outcome(kind.timeout_status, f"timed out after {spec.timeout_s:g} s")
        except Exception as exc:  # noqa: BLE001 -- fencing a failing check is the point
            self._note_failure(spec, exc)
            return Outcome(UNKNOWN, f"check failed: {type(exc).__name__}: {exc}")
        self._failing.discard(spec.id)
        return outcome

    def _note_failure(self, spec: Spec, exc: BaseException) -> None:
        # Log the first failure with its traceback; repeats would drown the log.
        if spec.id not in self._failing:
            self._failing.add(spec.id)
            log.warning("function %s (%s) failed", spec.id, spec.kind, exc_info=exc)
