"""The real, psutil-backed collectors on this machine report sane values."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import TypeVar

import psutil
import pytest

from agent.collectors import CollectorSettings, build_collectors
from agent.collectors.base import Collector, Sample
from agent.collectors.cpu import CpuCollector
from agent.collectors.disk import DiskCollector
from agent.collectors.diskio import DiskIOCollector, is_whole_disk
from agent.collectors.host import HostCollector
from agent.collectors.load import LoadCollector
from agent.collectors.memory import MemoryCollector
from agent.collectors.netio import NetIOCollector
from agent.collectors.psutil_facade import MIN_CPU_WINDOW_S, PsutilReader, SnapshotReader, capture_snapshot
from agent.collectors.swap import SwapCollector

from ._support import assert_contract, render, series_id

T = TypeVar("T")


@pytest.fixture(scope="module")
def live() -> dict[str, Collector]:
    built = build_collectors({})
    assert {c.name: interval for c, interval in built} == {
        "cpu": 10.0,
        "load": 10.0,
        "memory": 10.0,
        "swap": 10.0,
        "disk": 60.0,
        "diskio": 10.0,
        "netio": 10.0,
        "host": 10.0,
        "processes": 30.0,
    }
    time.sleep(0.2)  # give cpu.percent a measurable window after its priming
    return {c.name: c for c, _ in built}


def _read_until(read: Callable[[], T | None], timeout_s: float = 30.0) -> T:
    """``read()`` again, 50 ms apart, until it answers (not None, not empty).

    A CPU reading exists only for a window in which the kernel counted time on every row of
    /proc/stat since the reader's last call. Predicting that from a baseline of the test's own
    missed: idle and iowait move into each other and may go down (proc(5)), so a row can grow
    against the test's baseline and not against the reader's. The reader is the judge.
    """
    deadline = time.monotonic() + timeout_s
    while not (got := read()):
        assert time.monotonic() < deadline, "no CPU reading: the kernel counted no CPU time"
        time.sleep(0.05)
    return got


def _by_name(samples: list[Sample], name: str) -> list[Sample]:
    return [s for s in samples if s.key.name == name]


def _label(sample: Sample, key: str) -> str:
    return dict(sample.key.labels)[key]


def test_every_live_sample_follows_the_contract(live: dict[str, Collector]) -> None:
    for collector in live.values():
        samples = list(collector.collect())
        assert_contract(samples)
        render(samples)  # no duplicate series


def test_cpu_percent_total_and_every_core_within_0_100() -> None:
    # The module's collectors may have just been read: this one's clock gives a second per read.
    collector = CpuCollector(PsutilReader(clock=itertools.count(0.0, 1.0).__next__))  # primes
    samples = _read_until(collector.collect)
    assert [_label(s, "cpu") for s in samples] == ["total", *(str(i) for i in range(psutil.cpu_count() or 0))]
    assert all(0.0 <= s.value <= 100.0 for s in samples)


def test_memory_and_swap_match_psutil(live: dict[str, Collector]) -> None:
    memory = render(live["memory"].collect())
    vm = psutil.virtual_memory()
    assert memory["memory.total_bytes"] == vm.total
    assert 0 < memory["memory.available_bytes"] <= vm.total
    assert 0 < memory["memory.used_bytes"] <= vm.total
    assert 0.0 <= memory["memory.percent"] <= 100.0
    swap = render(live["swap"].collect())
    assert swap["swap.total_bytes"] == psutil.swap_memory().total
    assert 0 <= swap["swap.used_bytes"] <= swap["swap.total_bytes"]


def test_load_has_three_non_negative_periods(live: dict[str, Collector]) -> None:
    load = render(live["load"].collect())
    assert set(load) == {"load.avg{period=1m}", "load.avg{period=5m}", "load.avg{period=15m}"}
    assert all(v >= 0.0 for v in load.values())


def test_disk_reports_real_mounts_with_consistent_usage(live: dict[str, Collector]) -> None:
    samples = list(live["disk"].collect())
    mounts = {p.mountpoint for p in psutil.disk_partitions(all=False)}
    for total in _by_name(samples, "disk.total_bytes"):
        assert _label(total, "mount") in mounts
        assert total.value > 0
    for used, total in zip(
        _by_name(samples, "disk.used_bytes"), _by_name(samples, "disk.total_bytes"), strict=True
    ):
        assert used.key.labels == total.key.labels
        assert 0 <= used.value <= total.value
    assert all(0.0 <= s.value <= 100.0 for s in _by_name(samples, "disk.percent"))


def test_io_counters_are_whole_disks_and_real_nics_and_never_decrease(live: dict[str, Collector]) -> None:
    first = {name: render(live[name].collect()) for name in ("diskio", "netio")}
    time.sleep(0.05)
    second = {name: render(live[name].collect()) for name in ("diskio", "netio")}
    disks = psutil.disk_io_counters(perdisk=True) or {}
    nics = psutil.net_io_counters(pernic=True)
    for sample in live["diskio"].collect():
        disk = _label(sample, "disk")
        assert disk in disks
        assert is_whole_disk(disk)
    for sample in live["netio"].collect():
        assert _label(sample, "iface") in nics
        assert _label(sample, "iface") != "lo"
    for name in ("diskio", "netio"):
        for sid, value in first[name].items():
            assert 0 <= value <= second[name].get(sid, value), sid


def test_host_uptime_and_process_count(live: dict[str, Collector]) -> None:
    host = render(live["host"].collect())
    assert host["host.uptime_seconds"] == pytest.approx(time.time() - psutil.boot_time(), abs=5.0)
    assert host["host.processes"] > 0
    assert host["host.processes"] == pytest.approx(len(psutil.pids()), abs=20)


def test_build_collectors_can_disable_part_of_the_live_set() -> None:
    built = build_collectors(
        {"disk": CollectorSettings(enabled=False), "cpu": CollectorSettings(interval_s=2.5)}
    )
    intervals = {c.name: interval for c, interval in built}
    assert "disk" not in intervals
    assert intervals["cpu"] == 2.5


def test_a_captured_snapshot_replays_the_same_series() -> None:
    reader = PsutilReader(clock=itertools.count(0.0, 1.0).__next__)  # a second between reads
    snapshot = json.loads(json.dumps(capture_snapshot(reader, captured_at=time.time())))
    replay = SnapshotReader(snapshot)
    pairs: list[tuple[Collector, Collector]] = [
        (CpuCollector(reader), CpuCollector(replay)),
        (LoadCollector(reader), LoadCollector(replay)),
        (MemoryCollector(reader), MemoryCollector(replay)),
        (SwapCollector(reader), SwapCollector(replay)),
        (DiskCollector(reader), DiskCollector(replay)),
        (DiskIOCollector(reader), DiskIOCollector(replay)),
        (NetIOCollector(reader), NetIOCollector(replay)),
        (HostCollector(reader), HostCollector(replay)),
    ]
    for live_collector, replayed in pairs:
        # The CPU collector above primed the reader again: its reading comes with the next window.
        live = (
            _read_until(live_collector.collect) if live_collector.name == "cpu" else live_collector.collect()
        )
        live_ids = {series_id(s) for s in live}
        assert live_ids == {series_id(s) for s in replayed.collect()}, live_collector.name


def test_the_first_cpu_run_after_start_emits_no_false_zero_and_later_runs_read() -> None:
    now = [1000.0]  # a monotonic clock the test moves by hand
    reader = PsutilReader(clock=lambda: now[0])
    collector = CpuCollector(reader)  # primes both views
    now[0] += 0.001  # the runner's first run, right after the agent started
    assert collector.collect() == []

    def after_ten_seconds() -> list[Sample]:
        now[0] += 10.0
        return collector.collect()

    first = _read_until(after_ten_seconds)
    cores = psutil.cpu_count() or 1
    assert [dict(s.key.labels)["cpu"] for s in first] == ["total", *map(str, range(cores))]
    assert all(0.0 <= s.value <= 100.0 for s in first)
    now[0] += MIN_CPU_WINDOW_S / 2  # run_once right after a scheduled run: too soon again
    assert collector.collect() == []


def test_the_psutil_reader_answers_none_for_a_priming_call_and_a_too_short_window() -> None:
    now = [1000.0]
    reader = PsutilReader(clock=lambda: now[0])
    assert reader.cpu_percent() is None and reader.cpu_percent(percpu=True) is None  # priming

    def after_a_window() -> tuple[float, list[float]] | None:
        now[0] += MIN_CPU_WINDOW_S
        total, cores = reader.cpu_percent(), reader.cpu_percent(percpu=True)
        return None if total is None or cores is None else (total, cores)

    total, cores = _read_until(after_a_window)
    assert total is not None and 0.0 <= total <= 100.0
    assert cores is not None and len(cores) == (psutil.cpu_count() or 1)
    assert reader.cpu_percent() is None  # no time passed since the call before


def test_a_window_whose_iowait_went_down_is_still_counted() -> None:
    # proc(5): iowait "is not reliable" and may decrease. Under heavy I/O a core's fields can
    # grow by less than its iowait drops: the kernel counted time all the same.
    user, nice, system, idle, iowait = 50.0, 0.0, 20.0, 900.0, 30.0
    views = iter(
        [
            (user, nice, system, idle, iowait),  # priming
            (user, nice, system, idle + 0.1, iowait - 0.1),  # the sum stood still
            (user, nice, system, idle + 0.1, iowait - 0.1),  # nothing moved: a paused machine
        ]
    )
    now = [1000.0]
    reader = PsutilReader(clock=lambda: now[0], cpu_times=lambda percpu: next(views))
    assert reader.cpu_percent() is None  # priming
    now[0] += 10.0
    assert reader.cpu_percent() is not None
    now[0] += 10.0
    assert reader.cpu_percent() is None


def test_the_psutil_reader_answers_none_for_a_window_in_which_the_kernel_counted_no_cpu_time() -> None:
    # A paused or starved virtual machine: the clock moved on, /proc/stat did not. psutil
    # answers 0.0 % for such a window, which would read as an idle machine and clear an alert.
    now = [1000.0]
    frozen_total, frozen_cores = psutil.cpu_times(), psutil.cpu_times(percpu=True)
    frozen = PsutilReader(
        clock=lambda: now[0], cpu_times=lambda percpu: frozen_cores if percpu else frozen_total
    )
    live = PsutilReader(clock=lambda: now[0])
    for reader in (frozen, live):
        assert reader.cpu_percent() is None and reader.cpu_percent(percpu=True) is None  # priming

    def live_after_ten_seconds() -> bool:
        now[0] += 10.0
        return live.cpu_percent() is not None and live.cpu_percent(percpu=True) is not None

    _read_until(live_after_ten_seconds)  # windows in which the live machine counted time
    assert frozen.cpu_percent() is None and frozen.cpu_percent(percpu=True) is None
