"""The polling engine: one task per target on the gateway's asyncio loop, each on its own
schedule, with bounded concurrency.

* Each target polls every ``interval_s`` from its own first poll; an overrun skips the
  missed slots instead of bunching polls up. No global cycle exists that a slow device
  could hold back.
* At most ``max_concurrency`` polls run at once. Targets whose last poll failed or took
  more than half their interval queue in a separate, smaller lane, so unreachable or very
  slow devices cannot occupy the slots the healthy ones need.
* Every poll has a deadline (agent.snmp.poller): a device that answers slowly forever
  still releases its slot.
* Targets are replaced as a set (:meth:`PollEngine.set_targets`): an unchanged target
  keeps its task, schedule and discovery; a changed one starts over.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.snmp.engines import EnginePool
from agent.snmp.poller import PollReport, TargetPoller
from agent.snmp.session import Session
from agent.snmp.settings import TargetSpec

log = logging.getLogger(__name__)


@dataclass
class _Running:
    spec: TargetSpec
    poller: TargetPoller
    session: Session
    task: asyncio.Task[None]


class PollEngine:
    """Lives on the gateway loop: every method except the constructor runs there."""

    def __init__(
        self,
        on_report: Callable[[PollReport], None],
        *,
        max_concurrency: int = 10,
        max_repetitions: int = 25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.on_report = on_report
        self.max_concurrency = max_concurrency
        self.max_repetitions = max_repetitions
        self.clock = clock
        self.pool = EnginePool()
        self._lane = asyncio.Semaphore(max_concurrency)
        self._slow_lane = asyncio.Semaphore(max(1, max_concurrency // 4))
        self._running: dict[str, _Running] = {}

    @property
    def target_ids(self) -> list[str]:
        return sorted(self._running)

    def poller(self, target_id: str) -> TargetPoller | None:
        running = self._running.get(target_id)
        return None if running is None else running.poller

    async def set_targets(self, specs: Sequence[TargetSpec]) -> None:
        """Poll exactly these targets from now on."""
        wanted = {s.id: s for s in specs}
        for target_id in [t for t, r in self._running.items() if wanted.get(t) != r.spec]:
            await self._remove(target_id)
        for target_id, spec in wanted.items():
            if target_id not in self._running:
                self._add(spec)

    def _add(self, spec: TargetSpec) -> None:
        session = Session(self.pool, spec)
        poller = TargetPoller(spec, session, max_repetitions=self.max_repetitions, clock=self.clock)
        task = asyncio.get_running_loop().create_task(self._schedule(poller), name=f"snmp:{spec.id}")
        self._running[spec.id] = _Running(spec, poller, session, task)
        log.info("SNMP target %s (%s) every %g s", spec.id, spec.address, spec.interval_s)

    async def _remove(self, target_id: str) -> None:
        running = self._running.pop(target_id)
        running.task.cancel()
        await asyncio.gather(running.task, return_exceptions=True)
        running.session.close()
        log.info("SNMP target %s no longer polled", target_id)

    async def close(self) -> None:
        for target_id in list(self._running):
            await self._remove(target_id)
        self.pool.close()

    async def _schedule(self, poller: TargetPoller) -> None:
        loop = asyncio.get_running_loop()
        next_due: float | None = None
        while True:
            if next_due is not None and (delay := next_due - loop.time()) > 0:
                await asyncio.sleep(delay)
            lane = self._slow_lane if poller.suspect else self._lane
            async with lane:
                if next_due is None:
                    # The phase is when the first poll really began: targets added together
                    # spread out by their queueing instead of bursting every interval.
                    next_due = loop.time()
                report = await poller.poll()
            try:
                self.on_report(report)
            except Exception:
                log.exception("SNMP results of %s could not be handed on", poller.spec.id)
            interval = poller.spec.interval_s
            next_due += interval
            now = loop.time()
            if next_due < now:  # overran: skip the missed slots, keep the phase
                next_due += math.ceil((now - next_due) / interval) * interval
