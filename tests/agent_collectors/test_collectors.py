"""Each collector, table-driven over captured host snapshots: snapshot in, exact samples out."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent.collectors.base import Collector
from agent.collectors.cpu import CpuCollector
from agent.collectors.disk import DiskCollector, is_real_filesystem, mounts_by_device
from agent.collectors.diskio import DiskIOCollector, is_whole_disk
from agent.collectors.host import HostCollector, host_samples
from agent.collectors.load import LoadCollector
from agent.collectors.memory import MemoryCollector
from agent.collectors.netio import NetIOCollector
from agent.collectors.processes import ProcessCollector
from agent.collectors.psutil_facade import DiskPartition, SnapshotReader
from agent.collectors.swap import SwapCollector

from ._support import SNAPSHOTS, assert_contract, render, snapshot_reader

MakeCollector = Callable[[SnapshotReader], Collector]

FACTORIES: dict[str, MakeCollector] = {
    "cpu": CpuCollector,
    "load": LoadCollector,
    "memory": MemoryCollector,
    "swap": SwapCollector,
    "disk": DiskCollector,
    "diskio": DiskIOCollector,
    "netio": NetIOCollector,
    "host": lambda reader: HostCollector(reader, clock=lambda: reader.captured_at),
    "processes": ProcessCollector,
}


def _net(iface: str, *values: float) -> dict[str, float]:
    names = ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "rx_errors", "tx_errors", "rx_drops")
    return {f"net.{n}{{iface={iface}}}": v for n, v in zip((*names, "tx_drops"), values, strict=True)}


def _diskio(
    disk: str, read_bytes: float, write_bytes: float, read_ops: float, write_ops: float
) -> dict[str, float]:
    return {
        f"diskio.read_bytes{{disk={disk}}}": read_bytes,
        f"diskio.write_bytes{{disk={disk}}}": write_bytes,
        f"diskio.read_ops{{disk={disk}}}": read_ops,
        f"diskio.write_ops{{disk={disk}}}": write_ops,
    }


def _disk(device: str, fstype: str, mount: str, usage: tuple[float, float, float, float]) -> dict[str, float]:
    """Expected samples of one filesystem; ``usage`` is (total, used, free, percent)."""
    lbl = f"{{device={device},fstype={fstype},mount={mount}}}"
    names = ("disk.total_bytes", "disk.used_bytes", "disk.free_bytes", "disk.percent")
    return {f"{name}{lbl}": v for name, v in zip(names, usage, strict=True)}


VM = "vm_debian12_virtio"
SERVER = "server_nvme_2nic"

CASES: list[tuple[str, str, dict[str, float]]] = [
    (VM, "processes", {}),  # captured before processes were
    (
        SERVER,
        "processes",
        {
            "process.cpu_percent{process=postgres}": 128.5,  # three postgres processes as one
            "process.memory_bytes{process=postgres}": 2_400_000_000,
            "process.cpu_percent{process=java}": 45.0,
            "process.memory_bytes{process=java}": 4_000_000_000,
            "process.cpu_percent{process=systemd}": 0.1,
            "process.memory_bytes{process=systemd}": 12_000_000,
            "process.cpu_percent{process=sshd}": 0.0,
            "process.memory_bytes{process=sshd}": 8_000_000,
        },
    ),
    (VM, "cpu", {"cpu.percent{cpu=total}": 50.3, "cpu.percent{cpu=0}": 100.0, "cpu.percent{cpu=1}": 0.0}),
    (
        SERVER,
        "cpu",
        {"cpu.percent{cpu=total}": 37.5}
        | {
            f"cpu.percent{{cpu={i}}}": v
            for i, v in enumerate([62.0, 48.5, 35.0, 30.0, 41.0, 22.5, 28.0, 33.0])
        },
    ),
    (
        VM,
        "load",
        {
            "load.avg{period=1m}": 0.07861328125,
            "load.avg{period=5m}": 0.10205078125,
            "load.avg{period=15m}": 0.07666015625,
        },
    ),
    (
        SERVER,
        "load",
        {"load.avg{period=1m}": 3.12, "load.avg{period=5m}": 2.87, "load.avg{period=15m}": 2.41},
    ),
    (
        VM,
        "memory",
        {
            "memory.total_bytes": 25276502016,
            "memory.used_bytes": 395460608,
            "memory.available_bytes": 24881041408,
            "memory.percent": 1.6,
        },
    ),
    (
        SERVER,
        "memory",
        {
            "memory.total_bytes": 67219230720,
            "memory.used_bytes": 23461097472,
            "memory.available_bytes": 41876471808,
            "memory.percent": 37.7,
        },
    ),
    # The VM has no swap at all: zeros, not an error and not a division by zero.
    (VM, "swap", {"swap.total_bytes": 0, "swap.used_bytes": 0, "swap.percent": 0.0}),
    (SERVER, "swap", {"swap.total_bytes": 8589930496, "swap.used_bytes": 268435456, "swap.percent": 3.1}),
    (VM, "disk", _disk("/dev/vda", "ext4", "/", (270553174016, 24719843328, 84224450560, 22.7))),
    # Server: snap squashfs, CD iso9660 and tmpfs are skipped; the bind-mounted pg volume is reported
    # once at its shorter mount; the unreadable USB stick is skipped; the LVM volume whose first
    # mount is unreadable is reported at its second.
    (
        SERVER,
        "disk",
        _disk("/dev/nvme0n1p2", "ext4", "/", (502391226368, 118111600640, 358712352768, 24.8))
        | _disk("/dev/nvme0n1p1", "vfat", "/boot/efi", (535805952, 6369280, 529436672, 1.2))
        | _disk("/dev/nvme1n1p1", "xfs", "/var/lib/pgsql", (1920383410176, 771751936000, 1148631474176, 40.2))
        | _disk(
            "/dev/mapper/vg0-scratch",
            "ext4",
            "/data/scratch2",
            (105089261568, 52544630784, 47175139328, 52.7),
        ),
    ),
    # Loop devices and zram are skipped.
    (VM, "diskio", _diskio("vda", 1797534720, 1858043904, 46749, 23495)),
    # Partitions (nvme0n1p1, sda1) are skipped: their traffic is already in the whole disk's.
    (
        SERVER,
        "diskio",
        _diskio("dm-0", 832143360, 11744051200, 20331, 88102)
        | _diskio("nvme0n1", 98214563840, 301245763584, 4180233, 9120455)
        | _diskio("nvme1n1", 5633348943872, 2899102515200, 88123456, 41234567)
        | _diskio("sda", 48234496, 49152, 1503, 12),
    ),
    # lo is skipped; the VM's ifb devices are idle but real interfaces.
    (
        VM,
        "netio",
        _net("eth0", 390993185, 307501, 7397, 3463, 0, 0, 0, 0)
        | _net("ifb0", 0, 0, 0, 0, 0, 0, 0, 0)
        | _net("ifb1", 0, 0, 0, 0, 0, 0, 0, 0),
    ),
    (
        SERVER,
        "netio",
        _net("docker0", 2097152, 10485760, 4311, 9120, 0, 0, 0, 0)
        | _net("eno1", 3917248954368, 1846928173056, 2871662301, 1502334455, 0, 0, 1213, 0)
        | _net("enp65s0f0", 51200433152, 48213770240, 42018877, 40123812, 3, 0, 0, 17),
    ),
    (VM, "host", {"host.uptime_seconds": 597.4844830036163, "host.processes": 73}),
    (SERVER, "host", {"host.uptime_seconds": 1210400.0, "host.processes": 412}),
]


@pytest.mark.parametrize(("snapshot", "collector", "expected"), CASES, ids=[f"{s}-{c}" for s, c, _ in CASES])
def test_collector_maps_snapshot_to_samples(
    snapshot: str, collector: str, expected: dict[str, float]
) -> None:
    samples = list(FACTORIES[collector](snapshot_reader(snapshot)).collect())
    assert render(samples) == pytest.approx(expected)
    assert_contract(samples)


def test_every_collector_has_a_case_on_every_snapshot() -> None:
    assert {(s, c) for s, c, _ in CASES} == {(s, c) for s in SNAPSHOTS for c in FACTORIES}


@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_collectors_reuse_series_keys_across_runs(snapshot: str) -> None:
    for make in FACTORIES.values():
        collector = make(snapshot_reader(snapshot))
        first, second = list(collector.collect()), list(collector.collect())
        assert [s.key for s in first] == [s.key for s in second]
        assert all(a.key is b.key for a, b in zip(first, second, strict=True)), collector.name


def test_cpu_collector_primes_both_views_at_construction() -> None:
    reader = snapshot_reader(VM)
    collector = CpuCollector(reader)
    assert reader.calls == ["cpu_percent(percpu=False)", "cpu_percent(percpu=True)"]
    list(collector.collect())
    assert reader.calls[2:] == ["cpu_percent(percpu=False)", "cpu_percent(percpu=True)"]


def test_host_collector_counts_pids_and_never_reports_negative_uptime() -> None:
    reader = snapshot_reader(SERVER)
    collector = HostCollector(reader, clock=lambda: reader.boot_time() - 5.0)  # clock stepped back
    assert render(collector.collect()) == {"host.uptime_seconds": 0.0, "host.processes": 412}
    assert "pid_count" in reader.calls
    assert render(host_samples(now=110.5, boot_time=100.0, pid_count=3)) == {
        "host.uptime_seconds": 10.5,
        "host.processes": 3,
    }


@pytest.mark.parametrize(
    ("name", "whole_disk"),
    [
        ("sda", True),
        ("sda1", False),
        ("vda", True),
        ("vda15", False),
        ("xvdb", True),
        ("xvdb3", False),
        ("sdaa", True),
        ("sdaa2", False),
        ("nvme0n1", True),
        ("nvme0n1p1", False),
        ("nvme12n3p14", False),
        ("mmcblk0", True),
        ("mmcblk0p2", False),
        ("dm-0", True),
        ("md127", True),
        ("loop0", False),
        ("loop13", False),
        ("ram0", False),
        ("zram0", False),
        ("fd0", False),
        ("PhysicalDrive0", True),
        ("disk0", True),
    ],
)
def test_is_whole_disk(name: str, whole_disk: bool) -> None:
    assert is_whole_disk(name) is whole_disk


@pytest.mark.parametrize(
    ("device", "mountpoint", "fstype", "real"),
    [
        ("/dev/sda1", "/", "ext4", True),
        ("/dev/nvme0n1p1", "/boot/efi", "vfat", True),
        ("C:\\", "C:\\", "NTFS", True),
        ("/dev/loop3", "/snap/core22/1380", "squashfs", False),
        ("overlay", "/", "overlay", False),
        ("tmpfs", "/run", "tmpfs", False),
        ("/dev/sr0", "/media/cdrom", "iso9660", False),
        ("D:\\", "D:\\", "", False),  # an empty CD drive on Windows
        ("/dev/sda1", "/var/lib/docker/volumes/x/_data", "ext4", False),
        ("/dev/sda1", "/dev/shm", "ext4", False),
        ("", "/mnt/x", "ext4", False),
    ],
)
def test_is_real_filesystem(device: str, mountpoint: str, fstype: str, real: bool) -> None:
    assert is_real_filesystem(DiskPartition(device, mountpoint, fstype)) is real


def test_mounts_by_device_groups_shortest_mount_first_in_device_order() -> None:
    parts = [
        DiskPartition("/dev/b", "/srv/long/bind", "xfs"),
        DiskPartition("/dev/a", "/", "ext4"),
        DiskPartition("/dev/b", "/srv", "xfs"),
        DiskPartition("/dev/b", "/opt", "xfs"),
        DiskPartition("tmpfs", "/tmp", "tmpfs"),
    ]
    groups = mounts_by_device(parts)
    assert [[p.mountpoint for p in g] for g in groups] == [["/opt", "/srv", "/srv/long/bind"], ["/"]]
