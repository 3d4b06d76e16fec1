"""The only door to psutil: a few cheap host reads behind a ``HostReader`` protocol.

Collectors take a reader in their constructor, so tests feed them captured snapshots
(``SnapshotReader``) instead of the live machine (``PsutilReader``). The records carry only the
fields the collectors use, so a snapshot is small and the same on every platform.

``python -m agent.collectors.psutil_facade`` prints this machine's snapshot as JSON, which is how
the test fixtures were captured.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple, Protocol, overload

import psutil


class VirtualMemory(NamedTuple):
    total: int
    available: int
    used: int
    percent: float


class SwapMemory(NamedTuple):
    total: int
    used: int
    free: int
    percent: float


class DiskPartition(NamedTuple):
    device: str
    mountpoint: str
    fstype: str


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int
    percent: float


class DiskIO(NamedTuple):
    read_count: int
    write_count: int
    read_bytes: int
    write_bytes: int


class NetIO(NamedTuple):
    bytes_sent: int
    bytes_recv: int
    packets_sent: int
    packets_recv: int
    errin: int
    errout: int
    dropin: int
    dropout: int


class ProcessUsage(NamedTuple):
    name: str
    cpu_percent: float  # of one core, since the previous read (0 the first time a process is seen)
    rss: int  # resident memory, bytes


class HostReader(Protocol):
    """The host reads the collectors need; each is one cheap system call or file read."""

    @overload
    def cpu_percent(self, percpu: Literal[False] = False) -> float | None: ...
    @overload
    def cpu_percent(self, percpu: Literal[True]) -> list[float] | None: ...
    def cpu_percent(self, percpu: bool = False) -> float | list[float] | None:
        """CPU busy percent since the previous call; None when that is no reading (the first
        call, which only primes, or a call too soon after the previous one to measure)."""
        ...

    def getloadavg(self) -> tuple[float, float, float]: ...
    def virtual_memory(self) -> VirtualMemory: ...
    def swap_memory(self) -> SwapMemory: ...
    def disk_partitions(self) -> list[DiskPartition]:
        """Mounted partitions on physical devices (psutil's ``all=False``)."""
        ...

    def disk_usage(self, mountpoint: str) -> DiskUsage:
        """Usage of one mounted filesystem; raises ``OSError`` when it cannot be read."""
        ...

    def disk_io_counters(self) -> dict[str, DiskIO]:
        """Per-disk cumulative counters (psutil's ``perdisk=True``)."""
        ...

    def net_io_counters(self) -> dict[str, NetIO]:
        """Per-interface cumulative counters (psutil's ``pernic=True``)."""
        ...

    def boot_time(self) -> float: ...
    def pid_count(self) -> int: ...
    def processes(self) -> list[ProcessUsage]:
        """Every process that can be read (one walk of the process table: ~0.1 ms each)."""
        ...


# psutil's cpu_percent(interval=None) measures since its previous call in clock ticks (10 ms):
# its first call answers 0.0 (a priming call), and one a few milliseconds after the previous
# answers 0.0 or noise. Neither is a reading, so the reader answers None for them. Nor is a
# window in which the kernel counted no CPU time at all (/proc/stat did not advance, as when a
# virtual machine was paused or starved by its host): psutil answers 0.0 for it, a false idle
# reading that would clear a real CPU alert.
MIN_CPU_WINDOW_S = 0.1

CpuTimes = Callable[[bool], Any]  # psutil.cpu_times(percpu): one record, or one per core


class PsutilReader:
    """The live machine, read through psutil."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        cpu_times: CpuTimes = psutil.cpu_times,
    ) -> None:
        self._clock = clock
        self._cpu_times = cpu_times
        self._cpu_called: dict[bool, float] = {}  # per view (total, per core): when last called
        self._cpu_counted: dict[bool, list[tuple[float, ...]]] = {}  # per view: each row's fields

    def _cpu_window_ok(self, percpu: bool) -> bool:
        now = self._clock()
        previous = self._cpu_called.get(percpu)
        self._cpu_called[percpu] = now
        return previous is not None and now - previous >= MIN_CPU_WINDOW_S

    def _cpu_time_counted(self, percpu: bool) -> bool:
        """Whether the kernel counted CPU time on every row of this view since its last call:
        some field of the row grew. Not their sum: iowait may go down (proc(5): "this value is
        not reliable"), and under heavy I/O a row's sum can stand still while time passes."""
        times = self._cpu_times(percpu)
        counted = [tuple(row) for row in times] if percpu else [tuple(times)]
        previous = self._cpu_counted.get(percpu)
        self._cpu_counted[percpu] = counted
        if previous is None or len(previous) != len(counted):
            return False
        return all(
            any(n > b for b, n in zip(before, now, strict=True))
            for before, now in zip(previous, counted, strict=True)
        )

    @overload
    def cpu_percent(self, percpu: Literal[False] = False) -> float | None: ...
    @overload
    def cpu_percent(self, percpu: Literal[True]) -> list[float] | None: ...
    def cpu_percent(self, percpu: bool = False) -> float | list[float] | None:
        ok = self._cpu_window_ok(percpu)
        reading: float | list[float] = (
            psutil.cpu_percent(interval=None, percpu=True) if percpu else psutil.cpu_percent(interval=None)
        )
        counted = self._cpu_time_counted(percpu)  # read every call: it keeps the view's last count
        return reading if ok and counted else None

    def getloadavg(self) -> tuple[float, float, float]:
        return psutil.getloadavg()

    def virtual_memory(self) -> VirtualMemory:
        vm = psutil.virtual_memory()
        return VirtualMemory(vm.total, vm.available, vm.used, vm.percent)

    def swap_memory(self) -> SwapMemory:
        sw = psutil.swap_memory()
        return SwapMemory(sw.total, sw.used, sw.free, sw.percent)

    def disk_partitions(self) -> list[DiskPartition]:
        return [DiskPartition(p.device, p.mountpoint, p.fstype) for p in psutil.disk_partitions(all=False)]

    def disk_usage(self, mountpoint: str) -> DiskUsage:
        du = psutil.disk_usage(mountpoint)
        return DiskUsage(du.total, du.used, du.free, du.percent)

    def disk_io_counters(self) -> dict[str, DiskIO]:
        # nowrap=True (the default) keeps the counters monotonic across kernel wrap-arounds.
        per_disk = psutil.disk_io_counters(perdisk=True, nowrap=True) or {}
        return {
            name: DiskIO(d.read_count, d.write_count, d.read_bytes, d.write_bytes)
            for name, d in per_disk.items()
        }

    def net_io_counters(self) -> dict[str, NetIO]:
        per_nic = psutil.net_io_counters(pernic=True, nowrap=True) or {}
        return {
            name: NetIO(
                n.bytes_sent,
                n.bytes_recv,
                n.packets_sent,
                n.packets_recv,
                n.errin,
                n.errout,
                n.dropin,
                n.dropout,
            )
            for name, n in per_nic.items()
        }

    def boot_time(self) -> float:
        return psutil.boot_time()

    def pid_count(self) -> int:
        # len(pids()) is one directory listing; process_iter() would open every process.
        return len(psutil.pids())

    def processes(self) -> list[ProcessUsage]:
        # process_iter keeps its Process objects between calls, so cpu_percent measures since
        # the previous walk; a process it cannot read (AccessDenied) reads as None.
        out: list[ProcessUsage] = []
        for proc in psutil.process_iter(["name", "cpu_percent", "memory_info"]):
            info = proc.info
            mem = info.get("memory_info")
            out.append(
                ProcessUsage(
                    str(info.get("name") or f"pid {proc.pid}"),
                    float(info.get("cpu_percent") or 0.0),
                    int(mem.rss) if mem is not None else 0,
                )
            )
        return out


class SnapshotReader:
    """A ``HostReader`` replaying one captured snapshot: the test double for collectors.

    A ``null`` disk usage in the snapshot stands for a mount that could not be read.
    """

    def __init__(self, snapshot: Mapping[str, Any]) -> None:
        self._cpu_total = float(snapshot["cpu_percent"])
        self._cpu_per_core = [float(v) for v in snapshot["cpu_percent_percpu"]]
        one, five, fifteen = (float(v) for v in snapshot["loadavg"])
        self._loadavg = (one, five, fifteen)
        self._vm = VirtualMemory(**snapshot["virtual_memory"])
        self._swap = SwapMemory(**snapshot["swap_memory"])
        self._partitions = [DiskPartition(**p) for p in snapshot["disk_partitions"]]
        self._usage = {
            mount: None if du is None else DiskUsage(**du) for mount, du in snapshot["disk_usage"].items()
        }
        self._disk_io = {name: DiskIO(**d) for name, d in snapshot["disk_io_counters"].items()}
        self._net_io = {name: NetIO(**n) for name, n in snapshot["net_io_counters"].items()}
        self._boot_time = float(snapshot["boot_time"])
        self._pid_count = int(snapshot["pid_count"])
        self._processes = [ProcessUsage(**p) for p in snapshot.get("processes", [])]
        self.captured_at = float(snapshot["captured_at"])
        self.calls: list[str] = []  # what was read, in order: lets tests check priming and cost

    @overload
    def cpu_percent(self, percpu: Literal[False] = False) -> float | None: ...
    @overload
    def cpu_percent(self, percpu: Literal[True]) -> list[float] | None: ...
    def cpu_percent(self, percpu: bool = False) -> float | list[float] | None:
        self.calls.append(f"cpu_percent(percpu={percpu})")
        return list(self._cpu_per_core) if percpu else self._cpu_total

    def getloadavg(self) -> tuple[float, float, float]:
        self.calls.append("getloadavg")
        return self._loadavg

    def virtual_memory(self) -> VirtualMemory:
        self.calls.append("virtual_memory")
        return self._vm

    def swap_memory(self) -> SwapMemory:
        self.calls.append("swap_memory")
        return self._swap

    def disk_partitions(self) -> list[DiskPartition]:
        self.calls.append("disk_partitions")
        return list(self._partitions)

    def disk_usage(self, mountpoint: str) -> DiskUsage:
        self.calls.append(f"disk_usage({mountpoint})")
        if mountpoint not in self._usage:
            raise FileNotFoundError(2, "No such file or directory", mountpoint)
        usage = self._usage[mountpoint]
        if usage is None:
            raise PermissionError(13, "Permission denied", mountpoint)
        return usage

    def disk_io_counters(self) -> dict[str, DiskIO]:
        self.calls.append("disk_io_counters")
        return dict(self._disk_io)

    def net_io_counters(self) -> dict[str, NetIO]:
        self.calls.append("net_io_counters")
        return dict(self._net_io)

    def boot_time(self) -> float:
        self.calls.append("boot_time")
        return self._boot_time

    def pid_count(self) -> int:
        self.calls.append("pid_count")
        return self._pid_count

    def processes(self) -> list[ProcessUsage]:
        self.calls.append("processes")
        return list(self._processes)


def capture_snapshot(reader: HostReader, captured_at: float) -> dict[str, object]:
    """Everything ``reader`` reports, as JSON-ready data that ``SnapshotReader`` replays."""
    usage: dict[str, object] = {}
    for part in reader.disk_partitions():
        try:
            usage[part.mountpoint] = reader.disk_usage(part.mountpoint)._asdict()
        except OSError:
            usage[part.mountpoint] = None
    total, cores = reader.cpu_percent(percpu=False), reader.cpu_percent(percpu=True)
    if total is None or cores is None:  # that call primed: measure over the shortest window
        time.sleep(MIN_CPU_WINDOW_S)
        total, cores = reader.cpu_percent(percpu=False), reader.cpu_percent(percpu=True)
    return {
        "captured_at": captured_at,
        "cpu_percent": total,
        "cpu_percent_percpu": cores,
        "loadavg": list(reader.getloadavg()),
        "virtual_memory": reader.virtual_memory()._asdict(),
        "swap_memory": reader.swap_memory()._asdict(),
        "disk_partitions": [p._asdict() for p in reader.disk_partitions()],
        "disk_usage": usage,
        "disk_io_counters": {k: v._asdict() for k, v in reader.disk_io_counters().items()},
        "net_io_counters": {k: v._asdict() for k, v in reader.net_io_counters().items()},
        "boot_time": reader.boot_time(),
        "pid_count": reader.pid_count(),
        "processes": [p._asdict() for p in reader.processes()],
    }


def main() -> None:
    """Print this machine's snapshot (CPU percentages measured over one second)."""
    import sys

    reader = PsutilReader()
    reader.cpu_percent(percpu=False)  # prime: the next call measures from here
    reader.cpu_percent(percpu=True)
    reader.processes()
    time.sleep(1.0)
    snapshot = capture_snapshot(reader, captured_at=time.time())
    sys.stdout.write(json.dumps(snapshot, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()


class ReadsHost:
    """Base of the collectors that read the host through this facade: the real psutil by
    default, a captured snapshot (:class:`HostReader`) in tests. ``name`` and
    ``default_interval_s`` come from the collector's ``@register`` line."""

    name: str
    default_interval_s: float

    def __init__(self, reader: HostReader | None = None) -> None:
        self._reader: HostReader = reader if reader is not None else PsutilReader()
