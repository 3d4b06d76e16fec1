"""``net.*``: cumulative bytes, packets, errors and drops per network interface (label iface).

The loopback interface is skipped: its traffic never leaves the host.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from agent.collectors import register
from agent.collectors.base import Sample, SeriesKey, labels
from agent.collectors.psutil_facade import HostReader, NetIO, PsutilReader

LOOPBACK = frozenset({"lo", "lo0"})  # Linux, BSD/macOS

_FIELDS = (  # (metric, unit, NetIO field)
    ("net.rx_bytes", "bytes", "bytes_recv"),
    ("net.tx_bytes", "bytes", "bytes_sent"),
    ("net.rx_packets", "count", "packets_recv"),
    ("net.tx_packets", "count", "packets_sent"),
    ("net.rx_errors", "count", "errin"),
    ("net.tx_errors", "count", "errout"),
    ("net.rx_drops", "count", "dropin"),
    ("net.tx_drops", "count", "dropout"),
)
_FIELD_INDEX = tuple(NetIO._fields.index(field) for _, _, field in _FIELDS)


@lru_cache(maxsize=1024)
def _keys(iface: str) -> tuple[SeriesKey, ...]:
    lbl = labels(iface=iface)
    return tuple(SeriesKey(name, lbl, unit=unit, monotonic=True) for name, unit, _ in _FIELDS)


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
class NetIOCollector:
    """Network interface counters; consumers take their rate."""

    name = "netio"
    default_interval_s = 10.0

    def __init__(self, reader: HostReader | None = None) -> None:
        self._reader: HostReader = reader if reader is not None else PsutilReader()

    def collect(self) -> list[Sample]:
        return netio_samples(self._reader.net_io_counters())
