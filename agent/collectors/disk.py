"""``disk.*``: space on each mounted filesystem (labels mount, device, fstype).

Pseudo and read-only image filesystems are skipped, and a device mounted several times (bind
mounts, container volumes) is reported once, at its shortest mount point. A mount whose usage
cannot be read (permission, a stale network mount) is skipped for this run, not fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache

from agent.collectors import register
from agent.collectors.base import Sample, SeriesKey, samples_of, series_key
from agent.collectors.psutil_facade import DiskPartition, DiskUsage, ReadsHost
from eus.names import Label, Metric

log = logging.getLogger(__name__)

# node_exporter's default exclusions, plus the RAM-backed filesystems: none of them is a disk.
PSEUDO_FSTYPES = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
        "devtmpfs", "efivarfs", "erofs", "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs",
        "overlay", "proc", "procfs", "pstore", "ramfs", "rpc_pipefs", "securityfs", "selinuxfs",
        "squashfs", "sysfs", "tmpfs", "tracefs",
    }
)  # fmt: skip
PSEUDO_MOUNT_PREFIXES = ("/dev/", "/proc/", "/sys/", "/run/credentials/", "/var/lib/docker/")
PSEUDO_MOUNTS = frozenset({"/dev", "/proc", "/sys"})


def is_real_filesystem(part: DiskPartition) -> bool:
    """Whether a partition holds a filesystem worth reporting."""
    if not part.fstype or not part.device or part.fstype.lower() in PSEUDO_FSTYPES:
        return False
    return part.mountpoint not in PSEUDO_MOUNTS and not part.mountpoint.startswith(PSEUDO_MOUNT_PREFIXES)


def mounts_by_device(partitions: Iterable[DiskPartition]) -> list[list[DiskPartition]]:
    """Real partitions grouped by device, each group shortest mount point first.

    Groups keep the order in which their devices first appear.
    """
    groups: dict[str, list[DiskPartition]] = {}
    for part in partitions:
        if is_real_filesystem(part):
            groups.setdefault(part.device, []).append(part)
    return [sorted(group, key=lambda p: (len(p.mountpoint), p.mountpoint)) for group in groups.values()]


@lru_cache(maxsize=1024)
def _keys(mount: str, device: str, fstype: str) -> tuple[SeriesKey, SeriesKey, SeriesKey, SeriesKey]:
    lbl = {Label.MOUNT: mount, Label.DEVICE: device, Label.FSTYPE: fstype}
    return (
        series_key(Metric.DISK_TOTAL_BYTES, lbl),
        series_key(Metric.DISK_USED_BYTES, lbl),
        series_key(Metric.DISK_FREE_BYTES, lbl),
        series_key(Metric.DISK_PERCENT, lbl),
    )


def disk_samples(part: DiskPartition, usage: DiskUsage) -> list[Sample]:
    """Samples for one filesystem."""
    total, used, free, percent = _keys(part.mountpoint, part.device, part.fstype)
    return samples_of((total, used, free, percent), (usage.total, usage.used, usage.free, usage.percent))


@register("disk", default_interval_s=60.0)
class DiskCollector(ReadsHost):
    """Filesystem space; slow-moving, so it runs once a minute by default."""

    def collect(self) -> list[Sample]:
        samples: list[Sample] = []
        for candidates in mounts_by_device(self._reader.disk_partitions()):
            for part in candidates:  # the shortest mount point, or the next if it cannot be read
                try:
                    usage = self._reader.disk_usage(part.mountpoint)
                except OSError as exc:
                    log.debug("disk usage of %s unreadable: %s", part.mountpoint, exc)
                    continue
                samples.extend(disk_samples(part, usage))
                break
        return samples
