"""``process.cpu_percent`` and ``process.memory_bytes``: the top processes, bounded.

Processes are added up by name (twenty ``chrome`` processes are one line, as a technician
reads them), and only the :data:`TOP_N` names using the most CPU and the :data:`TOP_N` using
the most memory are sent, so a run sends at most ``2 * TOP_N`` series of each metric
whatever the machine runs. CPU is in percent of one core, as ``top`` shows it (a process
busy on four cores reads 400). The decision (:func:`top_processes`) is pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from agent.collectors import register
from agent.collectors.base import Sample, SeriesKey, series_key
from agent.collectors.psutil_facade import HostReader, ProcessUsage, ReadsHost
from eus.names import Label, Metric

TOP_N = 10
MAX_NAME = 64  # longer names are cut: a label value, not a command line


@dataclass(frozen=True, slots=True)
class ProcessTotal:
    """All processes of one name together."""

    name: str
    cpu_percent: float
    rss: int
    count: int


def top_processes(rows: Iterable[ProcessUsage], n: int = TOP_N) -> list[ProcessTotal]:
    """The ``n`` names with the most CPU and the ``n`` with the most memory (together at
    most ``2 n``), busiest first; ties go to the name that sorts first."""
    totals: dict[str, list[float]] = {}
    for row in rows:
        t = totals.setdefault(row.name[:MAX_NAME] or "?", [0.0, 0.0, 0.0])
        t[0] += max(0.0, row.cpu_percent)
        t[1] += max(0, row.rss)
        t[2] += 1
    by_cpu = sorted(totals, key=lambda k: (-totals[k][0], k))[:n]
    by_mem = sorted(totals, key=lambda k: (-totals[k][1], k))[:n]
    chosen = sorted(set(by_cpu) | set(by_mem), key=lambda k: (-totals[k][0], -totals[k][1], k))
    return [ProcessTotal(k, totals[k][0], int(totals[k][1]), int(totals[k][2])) for k in chosen]


@lru_cache(maxsize=4096)
def _keys(name: str) -> tuple[SeriesKey, SeriesKey]:
    labels = {Label.PROCESS: name}
    return series_key(Metric.PROCESS_CPU_PERCENT, labels), series_key(Metric.PROCESS_MEMORY_BYTES, labels)


def process_samples(top: Iterable[ProcessTotal]) -> list[Sample]:
    out: list[Sample] = []
    for p in top:
        cpu, mem = _keys(p.name)
        out.extend((Sample(cpu, round(p.cpu_percent, 2)), Sample(mem, float(p.rss))))
    return out


@register("processes", default_interval_s=30.0)
class ProcessCollector(ReadsHost):
    """The top processes by CPU and by memory, CPU averaged since the previous run."""

    def __init__(self, reader: HostReader | None = None) -> None:
        super().__init__(reader)
        # Each process's cpu_percent measures since the previous walk and answers 0.0 the
        # first time: walk once now so the first run reports the time since construction.
        self._reader.processes()

    def collect(self) -> list[Sample]:
        return process_samples(top_processes(self._reader.processes()))
