"""``cpu.percent``: busy percent of the whole machine (cpu="total") and of each core (cpu="0", ...)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from agent.collectors import register
from agent.collectors.base import Sample, SeriesKey, series_key
from agent.collectors.psutil_facade import HostReader, ReadsHost
from eus.names import Label, Metric


@lru_cache(maxsize=1024)
def _key(cpu: str) -> SeriesKey:
    return series_key(Metric.CPU_PERCENT, {Label.CPU: cpu})


def cpu_samples(total: float, per_core: Sequence[float]) -> list[Sample]:
    """Samples for one reading: the total first, then the cores in index order."""
    samples = [Sample(_key("total"), float(total))]
    samples.extend(Sample(_key(str(i)), float(v)) for i, v in enumerate(per_core))
    return samples


@register("cpu", default_interval_s=10.0)
class CpuCollector(ReadsHost):
    """CPU busy percent averaged over the time since the previous run."""

    def __init__(self, reader: HostReader | None = None) -> None:
        super().__init__(reader)
        # cpu_percent(interval=None) measures since its previous call; its first call only
        # primes. Prime both views now, so the first run reports the time since construction.
        self._reader.cpu_percent(percpu=False)
        self._reader.cpu_percent(percpu=True)

    def collect(self) -> list[Sample]:
        """The reading, or nothing when the reader has none (the runner's first run comes right
        after construction: too soon to measure, and a false 0 % point is worse than none)."""
        total, per_core = self._reader.cpu_percent(percpu=False), self._reader.cpu_percent(percpu=True)
        if total is None or per_core is None:
            return []
        return cpu_samples(total, per_core)
