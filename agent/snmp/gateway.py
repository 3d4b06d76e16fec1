"""The running SNMP gateway: its loop thread, the poll engine, the trap listener, and a
sink thread that hands results to the agent's batcher. Importing this imports pysnmp.

Results cross from the loop to the sink thread through a queue so that a spool write
(an fsync) never stalls polling; :meth:`Gateway.stop` drains the queue into the batcher
before it returns, so nothing polled is lost at shutdown.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence

from agent.extensions import ReportSink
from agent.runner import RunRecord
from agent.snmp.engine import PollEngine
from agent.snmp.poller import PollReport
from agent.snmp.runtime import LoopThread
from agent.snmp.settings import TargetSpec, TrapSettings
from agent.snmp.traps import TrapListener
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

_STOP = object()
Result = PollReport | eus_pb2.Event | eus_pb2.FunctionResult


class Gateway:
    def __init__(
        self,
        reports: ReportSink,
        *,
        max_concurrency: int,
        max_repetitions: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.reports = reports
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._specs: dict[str, TargetSpec] = {}
        self.loop = LoopThread()
        self.loop.start()
        self.engine: PollEngine = self.loop.call(self._make(max_concurrency, max_repetitions, clock))
        self.traps = TrapListener(self._queue.put, self._queue.put, self._target_for_address)
        self.polls = 0
        self.values = 0
        self._sink = threading.Thread(target=self._drain, name="eus-snmp-sink", daemon=True)
        self._sink.start()

    async def _make(
        self, max_concurrency: int, max_repetitions: int, clock: Callable[[], float]
    ) -> PollEngine:
        return PollEngine(
            self._on_report, max_concurrency=max_concurrency, max_repetitions=max_repetitions, clock=clock
        )

    def apply(self, specs: Sequence[TargetSpec], traps: TrapSettings, timeout: float = 30.0) -> None:
        """Poll these targets and listen as told, from now on."""
        self.loop.call(self._apply(list(specs), traps), timeout)

    async def _apply(self, specs: list[TargetSpec], traps: TrapSettings) -> None:
        self._specs = {s.id: s for s in specs}
        await self.engine.set_targets(specs)
        self.traps.configure(traps)

    def _on_report(self, report: PollReport) -> None:  # on the loop
        self._queue.put(report)
        spec = self._specs.get(report.target_id)
        if report.engine_id and spec is not None and spec.credentials.version == "3":
            self.traps.learn(report.engine_id, spec.credentials.user, spec.id)

    def _target_for_address(self, address: str) -> str:  # on the loop
        for target_id in self.engine.target_ids:
            poller = self.engine.poller(target_id)
            if poller is not None and address in (poller.spec.host, poller.session.address):
                return target_id
        return ""

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                self._deliver(item)
            except Exception:
                log.exception("SNMP results could not be queued for the collector")

    def _deliver(self, item: object) -> None:
        if isinstance(item, PollReport):
            self.polls += 1
            self.values += item.values
            run = RunRecord(
                collector=f"snmp:{item.target_id}",
                started_ms=item.started_ms,
                duration_s=item.duration_s,
                ok=item.ok,
                error="" if item.ok else item.message,
            )
            self.reports.put(item.samples, item.values_ms or item.started_ms, run)
            self.reports.put_report(functions=item.functions, inventory=item.inventory)
        elif isinstance(item, eus_pb2.Event):
            self.reports.put_report(events=[item])
        elif isinstance(item, eus_pb2.FunctionResult):
            self.reports.put_report(functions=[item])

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling and listening, then hand every result still queued to the batcher."""
        try:
            self.loop.call(self._close(), timeout)
        except Exception:
            log.exception("the SNMP gateway did not close cleanly")
        self.loop.stop(timeout)
        self._queue.put(_STOP)
        self._sink.join(timeout)

    async def _close(self) -> None:
        self.traps.close()
        await self.engine.close()
