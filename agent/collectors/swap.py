"""``swap.*``: swap space in bytes, and the percent in use (0 on a host without swap)."""

from __future__ import annotations

from agent.collectors import register
from agent.collectors.base import Sample, samples_of, series_key
from agent.collectors.psutil_facade import ReadsHost, SwapMemory
from eus.names import Metric

TOTAL = series_key(Metric.SWAP_TOTAL_BYTES)
USED = series_key(Metric.SWAP_USED_BYTES)
PERCENT = series_key(Metric.SWAP_PERCENT)


def swap_samples(sw: SwapMemory) -> list[Sample]:
    """Samples for one ``swap_memory()`` reading."""
    return samples_of((TOTAL, USED, PERCENT), (sw.total, sw.used, sw.percent))


@register("swap", default_interval_s=10.0)
class SwapCollector(ReadsHost):
    """Swap space in use."""

    def collect(self) -> list[Sample]:
        return swap_samples(self._reader.swap_memory())
