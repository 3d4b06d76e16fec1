"""``host.uptime_seconds`` and ``host.processes``: cheap whole-host facts."""

from __future__ import annotations

import time
from collections.abc import Callable

from agent.collectors import register
from agent.collectors.base import Sample, series_key
from agent.collectors.psutil_facade import HostReader, ReadsHost
from eus.names import Metric

UPTIME = series_key(Metric.HOST_UPTIME_SECONDS)
PROCESSES = series_key(Metric.HOST_PROCESSES)


def host_samples(now: float, boot_time: float, pid_count: int) -> list[Sample]:
    """Uptime (never negative, even if the clock stepped back) and the process count."""
    return [Sample(UPTIME, max(0.0, now - boot_time)), Sample(PROCESSES, float(pid_count))]


@register("host", default_interval_s=10.0)
class HostCollector(ReadsHost):
    """Uptime and process count. Counts PIDs only: walking the process table costs ~0.1 ms each."""

    def __init__(self, reader: HostReader | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(reader)
        self._clock = clock

    def collect(self) -> list[Sample]:
        return host_samples(self._clock(), self._reader.boot_time(), self._reader.pid_count())
