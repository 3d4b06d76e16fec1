"""Series ids that survive restarts, and the batcher's flush rules (with the real runner)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from support.waits import wait_for

from agent.batcher import Batcher
from agent.collectors.base import Sample, SeriesKey, labels
from agent.runner import Runner, RunRecord
from agent.series import SeriesRegistry
from agent.spool import Spool
from eus.v1 import eus_pb2

CPU = SeriesKey("cpu.percent", labels(cpu="total"), "percent")
CPU0 = SeriesKey("cpu.percent", labels(cpu="0"), "percent")
RX = SeriesKey("net.rx_bytes", labels(nic="eth0"), "bytes", monotonic=True)


def stored(spool: Spool) -> list[eus_pb2.Batch]:
    return [eus_pb2.Batch.FromString(r.payload) for r in spool.read_after(0, 10_000)]


def run(name: str = "fake", ok: bool = True, error: str = "") -> RunRecord:
    return RunRecord(collector=name, started_ms=1_000, duration_s=0.25, ok=ok, error=error)


def test_series_ids_are_stable_across_restarts(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db")
    reg = SeriesRegistry(spool)
    assert reg.ids([CPU, CPU0, CPU, RX]) == [1, 2, 1, 3]
    d = reg.definition(3)
    assert (d.id, d.name, dict(d.labels), d.unit, d.monotonic) == (
        3,
        "net.rx_bytes",
        {"nic": "eth0"},
        "bytes",
        True,
    )
    spool.close()

    spool = Spool(tmp_path / "s.db")
    reg = SeriesRegistry(spool)
    assert len(reg) == 3
    assert reg.ids([RX, CPU, CPU0]) == [3, 1, 2]
    assert reg.id(SeriesKey("mem.used", (), "bytes")) == 4
    # Same name and labels but another unit is another series.
    assert reg.id(SeriesKey("cpu.percent", labels(cpu="total"), "ratio")) == 5
    assert reg.definition(1).labels == {"cpu": "total"}
    spool.close()


def test_full_batches_are_spooled_at_once_and_the_rest_on_flush(
    spool: Spool, registry: SeriesRegistry
) -> None:
    woken: list[int] = []
    batcher = Batcher(spool, registry, max_batch_samples=5, on_spooled=lambda: woken.append(1))
    samples = [Sample(CPU, float(i)) for i in range(12)]
    batcher.put(samples, 5_000, run())
    batches = stored(spool)
    assert [len(b.series_id) for b in batches] == [5, 5]
    assert batcher.pending_samples() == 2
    assert woken == [1]
    # The run travels with the first batch cut after it was recorded.
    assert [(r.collector, r.ok, r.duration_s) for r in batches[0].runs] == [("fake", True, 0.25)]
    assert not batches[1].runs
    assert list(batches[0].ts_ms) == [5_000] * 5
    assert list(batches[1].value) == [5.0, 6.0, 7.0, 8.0, 9.0]

    assert batcher.flush() == 1
    assert [len(b.series_id) for b in stored(spool)] == [5, 5, 2]
    assert batcher.flush() == 0  # nothing pending: no empty batch


def test_failed_runs_travel_without_samples(spool: Spool, registry: SeriesRegistry) -> None:
    batcher = Batcher(spool, registry)
    batcher.put([], 1_000, run("smart", ok=False, error="OSError: denied"))
    batcher.close()
    (only,) = stored(spool)
    assert len(only.series_id) == 0
    assert [(r.collector, r.ok, r.error) for r in only.runs] == [("smart", False, "OSError: denied")]


def test_interval_flush_and_close(spool: Spool, registry: SeriesRegistry) -> None:
    batcher = Batcher(spool, registry, max_batch_samples=1000, flush_interval_s=0.05)
    batcher.start()
    try:
        batcher.put([Sample(CPU, 1.0), Sample(RX, 2.0)], 7_000, run())
        wait_for(lambda: spool.stats().rows == 1, timeout=5, what="the interval flush")
        (b,) = stored(spool)
        assert list(b.series_id) == registry.ids([CPU, RX])
        batcher.put([Sample(CPU, 3.0)], 8_000, run())
    finally:
        batcher.close()
    assert sum(len(b.series_id) for b in stored(spool)) == 3


class Counting:
    """A collector for the runner: three samples per run."""

    name = "counting"
    default_interval_s = 0.05

    def __init__(self) -> None:
        self.runs = 0
        self.lock = threading.Lock()

    def collect(self) -> Iterable[Sample]:
        with self.lock:
            self.runs += 1
            n = self.runs
        return [Sample(CPU, n), Sample(CPU0, n), Sample(RX, n * 100)]


def test_with_the_real_runner(spool: Spool, registry: SeriesRegistry) -> None:
    collector = Counting()
    batcher = Batcher(spool, registry, max_batch_samples=6, flush_interval_s=0.05)
    runner = Runner([(collector, 0.05)], batcher)
    batcher.start()
    runner.start()
    try:
        wait_for(lambda: collector.runs >= 4, timeout=10, what="four runs")
    finally:
        runner.shutdown(wait=True)
        batcher.close()
    batches = stored(spool)
    samples = sum(len(b.series_id) for b in batches)
    runs = [r for b in batches for r in b.runs]
    assert samples == 3 * collector.runs
    assert len(runs) == collector.runs and all(r.collector == "counting" and r.ok for r in runs)
    assert all(len(b.series_id) <= 6 for b in batches)
    assert set(registry.ids([CPU, CPU0, RX])) == {sid for b in batches for sid in b.series_id}
