"""``load.avg``: the 1, 5 and 15 minute load averages (period="1m" | "5m" | "15m")."""

from __future__ import annotations

from agent.collectors import register
from agent.collectors.base import Sample, samples_of, series_key
from agent.collectors.psutil_facade import ReadsHost
from eus.names import Label, Metric

_KEYS = tuple(series_key(Metric.LOAD_AVG, {Label.PERIOD: p}) for p in ("1m", "5m", "15m"))


def load_samples(loadavg: tuple[float, float, float]) -> list[Sample]:
    """Samples for one ``getloadavg()`` reading, in 1m, 5m, 15m order."""
    return samples_of(_KEYS, loadavg)


@register("load", default_interval_s=10.0)
class LoadCollector(ReadsHost):
    """Run-queue load averages as the kernel reports them (psutil emulates them on Windows)."""

    def collect(self) -> list[Sample]:
        return load_samples(self._reader.getloadavg())
