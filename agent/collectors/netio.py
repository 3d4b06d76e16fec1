"""``net.*``: cumulative bytes, packets, errors and drops per network interface (label iface).

The loopback interface is skipped: its traffic never leaves the host.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from agent.collectors import register
from agent.collectors.base import Sample, SeriesKey, series_key
from agent.collectors.psutil_facade import NetIO, ReadsHost
from eus.names import Label, Metric

LOOPBACK = frozenset({"lo", "lo0"})  # Linux, BSD/macOS

_FIELDS = (  # (metric, NetIO field)
    (Metric.NET_RX_BYTES, "bytes_recv"),
    (Metric.NET_TX_BYTES, "bytes_sent"),
    (Metric.NET_RX_PACKETS, "packets_recv"),
    (Metric.NET_TX_PACKETS, "packets_sent"),
    (Metric.NET_RX_ERRORS, "errin"),
    (Metric.NET_TX_ERRORS, "errout"),
    (Metric.NET_RX_DROPS, "dropin"),
    (Metric.NET_TX_DROPS, "dropout"),
)
_FIELD_INDEX = tuple(NetIO._fields.index(field) for _, field in _FIELDS)


@lru_cache(maxsize=1024)
def _keys(iface: str) -> tuple[SeriesKey, ...]:
    return tuple(series_key(metric, {Label.IFACE: iface}) for metric, _ in _FIELDS)


def netio_samples(per_nic: Mapping[str, NetIO]) -> list[Sample]:
    """Samples for one ``net_io_counters()`` reading, interfaces in name order."""
    samples: list[Sample] = []
    for iface in sorted(per_nic):
        if iface in LOOPBACK:
            continue
        counters = per_nic[iface]
        samples += [
            Sample(key, float(counters[i])) for key, i in zip(_keys(iface), _FIELD_INDEX, strict=True)
        ]
    return samples


@register("netio", default_interval_s=10.0)
class NetIOCollector(ReadsHost):
    """Network interface counters; consumers take their rate."""

    def collect(self) -> list[Sample]:
        return netio_samples(self._reader.net_io_counters())
