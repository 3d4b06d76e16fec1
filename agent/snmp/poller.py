"""One target's polling: discovery, the slow (inventory) fetch, the regular poll, and what
each produces. The scheduler (agent.snmp.engine) decides when; this decides what.

A poll never stores values from a failed exchange: an auth failure, a timeout or a missing
system group yields only the reachability function, CRITICAL, with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from agent.collectors.base import Sample
from agent.snmp import inventory
from agent.snmp.discovery import Choice, choose, probes_needed
from agent.snmp.oids import Oid, PollData
from agent.snmp.profiles import PROFILES
from agent.snmp.profiles import system as system_profile
from agent.snmp.profiles.base import ProfileResult, TargetInfo
from agent.snmp.settings import TargetSpec
from agent.snmp.status import SnmpError, Status
from agent.snmp.walk import Requester, Walker
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

SLOW_REFRESH_S = 900.0  # names, serials, neighbours: every 15 minutes
REDISCOVER_S = 6 * 3600.0  # profiles again (firmware updates add MIBs)


class SessionLike(Requester, Protocol):
    async def open(self) -> None: ...

    def close(self) -> None: ...

    @property
    def engine_id(self) -> bytes | None: ...

    @property
    def address(self) -> str: ...


@dataclass
class PollReport:
    """Everything one poll produced, for the extension to hand to the batcher."""

    target_id: str
    started_ms: int
    duration_s: float
    status: Status
    message: str
    samples: list[Sample] = field(default_factory=list)
    functions: list[eus_pb2.FunctionResult] = field(default_factory=list)
    inventory: list[eus_pb2.InventoryReport] = field(default_factory=list)
    values: int = 0
    requests: int = 0
    engine_id: bytes | None = None
    values_ms: int = 0  # when the values were read (the poll's fetch began): the samples' time

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


class TargetPoller:
    """State of one target between polls: chosen profiles, slow data, last inventory."""

    def __init__(
        self,
        spec: TargetSpec,
        session: SessionLike,
        *,
        max_repetitions: int,
        clock: Callable[[], float] = time.time,
        slow_refresh_s: float = SLOW_REFRESH_S,
    ) -> None:
        self.spec = spec
        self.session = session
        self.walker = Walker(session, max_repetitions)
        self.clock = clock
        self.slow_refresh_s = slow_refresh_s
        self.info = TargetInfo(spec.id, spec.name, spec.params)
        self.choice: Choice | None = None
        self.slow = PollData()
        self._slow_at = 0.0
        self._discovered_at = 0.0
        self._uptime: float | None = None
        self._inventory: inventory.Items | None = None
        self.suspect = False  # last poll failed or was slow: the engine gives it the slow lane
        self.polls = 0

    @property
    def deadline_s(self) -> float:
        """No poll may hold a slot longer than this, however slow the device."""
        per_request = self.spec.timeout_s * (self.spec.retries + 1)
        return max(self.spec.interval_s, 3 * per_request)

    async def poll(self) -> PollReport:
        """One fenced poll: never raises (except cancellation)."""
        started = self.clock()
        t0 = time.perf_counter()
        self.polls += 1
        before = self.walker.requests
        try:
            async with asyncio.timeout(self.deadline_s):
                report = await self._poll(int(started * 1000), t0)
        except SnmpError as exc:
            report = self._failed(int(started * 1000), time.perf_counter() - t0, exc)
        except TimeoutError:
            slow = SnmpError(
                Status.TIMEOUT,
                f"no complete answer from {self.spec.address} within {self.deadline_s:g} s "
                "(the device is too slow)",
            )
            report = self._failed(int(started * 1000), time.perf_counter() - t0, slow)
        report.requests = self.walker.requests - before
        self.suspect = not report.ok or report.duration_s > self.spec.interval_s / 2
        return report

    async def _poll(self, started_ms: int, t0: float) -> PollReport:
        now = started_ms / 1000
        if self.choice is None or now - self._discovered_at >= REDISCOVER_S:
            await self._discover(now)
        elif now - self._slow_at >= self.slow_refresh_s:
            await self._refresh_slow(now)
        assert self.choice is not None
        scalars: list[Oid] = []
        columns: list[Oid] = []
        for name in self.choice.profiles:
            s, c = PROFILES[name].poll_oids(self.slow)
            scalars += s
            columns += c
        values_ms = int(self.clock() * 1000)
        data = await self.walker.fetch(scalars, columns)
        rtt = self.walker.first_rtt_s
        merged = self.slow.merged(data)
        uptime = system_profile.uptime_s(merged)
        if uptime is None:
            raise SnmpError(
                Status.NO_SUCH,
                "sysUpTime.0 is not in the device's view (check the SNMPv3 context and the agent's view)",
            )
        rebooted = self._uptime is not None and uptime + 1 < self._uptime
        self._uptime = uptime
        result = ProfileResult()
        for name in self.choice.profiles:
            try:
                result.extend(PROFILES[name].collect(merged, self.info))
            except Exception:  # a profile bug must not cost the device its other data
                log.exception("SNMP profile %s failed on target %s", name, self.spec.id)
        duration = time.perf_counter() - t0
        report = PollReport(
            self.spec.id, started_ms, duration, Status.OK, "", samples=result.samples, values=data.count()
        )
        report.engine_id = self.session.engine_id
        report.values_ms = values_ms
        for item in result.inventory:
            if item.kind == "snmp_system":
                item.attrs["profiles"] = ",".join(self.choice.profiles)
                item.attrs.update(self.spec.polling_facts())
        inv = inventory.report(
            self.spec.id, started_ms, inventory.index_items(result.inventory), self._inventory
        )
        self._inventory = inventory.index_items(result.inventory)
        if inv is not None:
            report.inventory.append(inv)
        message = f"polled {data.count()} values ({', '.join(self.choice.profiles)}) in {duration:.2f} s"
        if rebooted:
            message += "; the device restarted since the last poll"
            self._discovered_at = 0.0  # rediscover next time: the firmware may have changed
        if self.choice.unknown:
            message += f"; unknown profile(s) ignored: {', '.join(self.choice.unknown)}"
        report.message = message + self.spec.credentials.legacy_note()
        report.functions = [self._reachability(report, rtt_s=rtt), *result.functions]
        for f in report.functions[1:]:
            f.ts_ms, f.duration_s = started_ms, duration
        return report

    async def _discover(self, now: float) -> None:
        await self.session.open()
        ident = await self.walker.fetch((*system_profile.IDENTITY, system_profile.SYS_UPTIME), ())
        if all(ident.scalar(o) is None for o in (*system_profile.IDENTITY, system_profile.SYS_UPTIME)):
            raise SnmpError(
                Status.NO_SUCH,
                "the system group (sysDescr, sysObjectID, sysUpTime) is not in the device's view "
                "(check the SNMPv3 context and the agent's view)",
            )
        soid = system_profile.sys_object_id(ident)
        if self.spec.profiles:
            choice = choose(soid, {}, self.spec.profiles)
        else:
            probes = await self.walker.next_of(probes_needed(soid))
            choice = choose(soid, probes)
        if choice != self.choice:
            log.info("SNMP target %s: profiles %s", self.spec.id, ", ".join(choice.profiles))
        self.choice = choice
        self._discovered_at = now
        self._inventory = None  # the next report is a full one
        await self._refresh_slow(now)

    async def _refresh_slow(self, now: float) -> None:
        assert self.choice is not None
        scalars: list[Oid] = []
        columns: list[Oid] = []
        for name in self.choice.profiles:
            scalars += PROFILES[name].slow_scalars
            columns += PROFILES[name].slow_columns
        self.slow = await self.walker.fetch(scalars, columns)
        self._slow_at = now

    def _reachability(self, report: PollReport, rtt_s: float | None = None) -> eus_pb2.FunctionResult:
        status = eus_pb2.HEALTH_OK if report.ok else eus_pb2.HEALTH_CRITICAL
        return eus_pb2.FunctionResult(
            id=f"{self.spec.id}:reachability",
            kind="snmp",
            name=self.spec.name,
            status=status,
            message=report.message,
            ts_ms=report.started_ms,
            duration_s=report.duration_s,
            metrics={} if rtt_s is None else {"rtt_s": rtt_s},
            subject=self.spec.id,
        )

    def _failed(self, started_ms: int, duration_s: float, exc: SnmpError) -> PollReport:
        report = PollReport(self.spec.id, started_ms, duration_s, exc.status, str(exc))
        report.message = str(exc) + self.spec.credentials.legacy_note()
        report.functions = [self._reachability(report)]
        if exc.status is Status.NO_SUCH:
            self.choice = None  # try discovery again next time (a context may be fixed)
        return report
