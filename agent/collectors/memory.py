"""``memory.*``: physical memory in bytes, and the percent in use."""

from __future__ import annotations

from agent.collectors import register
from agent.collectors.base import Sample, samples_of, series_key
from agent.collectors.psutil_facade import ReadsHost, VirtualMemory
from eus.names import Metric

TOTAL = series_key(Metric.MEMORY_TOTAL_BYTES)
USED = series_key(Metric.MEMORY_USED_BYTES)
AVAILABLE = series_key(Metric.MEMORY_AVAILABLE_BYTES)
PERCENT = series_key(Metric.MEMORY_PERCENT)


def memory_samples(vm: VirtualMemory) -> list[Sample]:
    """Samples for one ``virtual_memory()`` reading."""
    return samples_of((TOTAL, USED, AVAILABLE, PERCENT), (vm.total, vm.used, vm.available, vm.percent))


@register("memory", default_interval_s=10.0)
class MemoryCollector(ReadsHost):
    """Physical memory. ``available`` (not ``free``) is what new work can get without swapping."""

    def collect(self) -> list[Sample]:
        return memory_samples(self._reader.virtual_memory())
