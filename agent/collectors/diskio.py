"""``diskio.*``: cumulative bytes and operations per block device (label disk).

Loop, RAM and floppy devices are skipped, and so are partitions (sda1, nvme0n1p2, mmcblk0p1):
their traffic is already counted on the whole disk, so keeping them would count it twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from agent.collectors import register
from agent.collectors.base import Sample, SeriesKey, samples_of, series_key
from agent.collectors.psutil_facade import DiskIO, ReadsHost
from eus.names import Label, Metric

# node_exporter's default device exclusion, plus mmcblk partitions.
_IGNORED_DEVICE = re.compile(r"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]+|nvme\d+n\d+p|mmcblk\d+p)\d+$")


def is_whole_disk(name: str) -> bool:
    """Whether a device name is a whole disk worth reporting (not a loop/RAM device or partition)."""
    return _IGNORED_DEVICE.match(name) is None


@lru_cache(maxsize=1024)
def _keys(disk: str) -> tuple[SeriesKey, SeriesKey, SeriesKey, SeriesKey]:
    lbl = {Label.DISK: disk}
    return (
        series_key(Metric.DISKIO_READ_BYTES, lbl),
        series_key(Metric.DISKIO_WRITE_BYTES, lbl),
        series_key(Metric.DISKIO_READ_OPS, lbl),
        series_key(Metric.DISKIO_WRITE_OPS, lbl),
    )


def diskio_samples(per_disk: Mapping[str, DiskIO]) -> list[Sample]:
    """Samples for one ``disk_io_counters()`` reading, disks in name order."""
    samples: list[Sample] = []
    for disk in sorted(per_disk):
        if not is_whole_disk(disk):
            continue
        io = per_disk[disk]
        samples += samples_of(_keys(disk), (io.read_bytes, io.write_bytes, io.read_count, io.write_count))
    return samples


@register("diskio", default_interval_s=10.0)
class DiskIOCollector(ReadsHost):
    """Block device counters; consumers take their rate."""

    def collect(self) -> list[Sample]:
        return diskio_samples(self._reader.disk_io_counters())
