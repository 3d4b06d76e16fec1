"""The fleet bench's data: N devices x 50 of the real agent's series, laid out as the collector
stores them, and the same samples for VictoriaMetrics.

Values come from ``bench.workload`` (the real agent's series names, labels, units, value
precision and collector runs). One day is generated per device and repeated day after day,
counters carried on (so they keep increasing) and timestamps shifted, which keeps a
30-day fleet cheap to build; each day is still encoded, rolled up and stored on its own.

Every past day goes through the product's own paths: raw samples appended by Arrow insert,
then ``collector.tsdb.compaction.compact`` (slices, blocks, 5-min and 1-h rollups, day
merges); each collector run and each agent batch becomes a row as the ingest writer writes
them, and each stream's progress row is upserted with ``collector.tsdb.stream_progress.save``
in the same transaction, as the writer does. The batch rows below the marks are pruned with
``stream_progress.prune_batches`` (what the retention job calls) as the fleet is built. The
last day is compacted up to a minute before "now", so the raw tier holds what the
every-5-minute job leaves.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bench.vm import vm_name
from bench.workload import GROUPS, INTERVAL_MS, SERIES, SERIES_PER_AGENT, SeriesSpec, agent_data
from collector.tsdb import stream_progress
from collector.tsdb.txn import transaction

ROUNDS_PER_DAY = 86_400_000 // INTERVAL_MS
_SAMPLES = pa.schema([("series_id", pa.uint32()), ("ts", pa.timestamp("ms")), ("value", pa.float64())])


def _pick() -> tuple[SeriesSpec, ...]:
    """50 series of the real agent: what the device page draws and what alerting watches."""

    def wanted(s: SeriesSpec) -> bool:
        labels = dict(s.labels)
        return (
            (s.name == "cpu.percent" and labels["cpu"] in {"total", "0", "1", "2", "3"})
            or s.name.startswith(("load.", "memory."))
            or s.name in {"swap.percent", "disk.percent"}
            or (
                s.name in {"diskio.read_bytes", "diskio.write_bytes"}
                and labels["disk"] in {"sda", "sdb", "nvme0n1", "nvme1n1"}
            )
            or (
                s.name in {"net.rx_bytes", "net.tx_bytes"}
                and labels["iface"] in {"eth0", "eth1", "bond0", "docker0"}
            )
            or (s.name in {"net.rx_packets", "net.tx_packets"} and labels["iface"] in {"eth0", "eth1"})
            or s.name in {"host.uptime", "host.processes", "host.users"}
            or (s.name == "process.cpu_percent" and labels["process"] in {"postgres", "sshd", "nginx"})
        )

    picked = tuple(s for s in SERIES if wanted(s))
    assert len(picked) == 50, len(picked)
    return picked


FLEET_SERIES = _pick()
SERIES_PER_DEVICE = len(FLEET_SERIES)
_COLS = np.array([s.local_id - 1 for s in FLEET_SERIES])
_MONOTONIC = np.array([s.monotonic for s in FLEET_SERIES])


RANGES = (
    ("1h", timedelta(hours=1), 10),
    ("24h", timedelta(days=1), 300),
    ("7d", timedelta(days=7), 1800),
    ("30d", timedelta(days=30), 7200),
)
CPU = next(
    k for k, s in enumerate(FLEET_SERIES) if s.name == "cpu.percent" and dict(s.labels)["cpu"] == "total"
)
RX = next(
    k for k, s in enumerate(FLEET_SERIES) if s.name == "net.rx_bytes" and dict(s.labels)["iface"] == "eth0"
)


def series_id(device: int, k: int) -> int:
    """Global id of the device's k-th (0-based) series: devices take consecutive id ranges."""
    return (device - 1) * SERIES_PER_DEVICE + k + 1


@dataclass(frozen=True, slots=True)
class DeviceDay:
    """One device's generated day: rounds x series timestamps (ms) and values, runs."""

    ts_ms: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    run_group: npt.NDArray[np.int64]
    run_started_ms: npt.NDArray[np.int64]
    run_duration_s: npt.NDArray[np.float64]

    def shifted(self, days: int) -> DeviceDay:
        """The same day ``days`` later, counters carried on."""
        step = self.values[-1] - self.values[0] + (self.values[1] - self.values[0])
        values = self.values + np.where(_MONOTONIC, step * days, 0.0)
        shift = days * 86_400_000
        return DeviceDay(
            self.ts_ms + shift, values, self.run_group, self.run_started_ms + shift, self.run_duration_s
        )


BASE_DAYS = 20


class Days:
    """Every device's days from the first day's midnight ``first_ms``. The generator takes
    ~1.5 s a device-day: at most BASE_DAYS distinct days are generated (~7 MB each, kept),
    device k + BASE_DAYS repeating device k's values (under its own ids), and each later day
    is a device's first one shifted, counters carried on."""

    def __init__(self, first_ms: int) -> None:
        self.first_ms = first_ms
        self._base: dict[int, DeviceDay] = {}

    def of(self, device: int, d: int) -> DeviceDay:
        """Device ``device``'s day ``d`` (0 = the first)."""
        key = (device - 1) % BASE_DAYS + 1
        base = self._base.get(key) or device_day(key, self.first_ms)
        self._base[key] = base
        return base.shifted(d)


def device_day(device: int, t0_ms: int) -> DeviceDay:
    """Device ``device``'s first day starting at ``t0_ms``, the real agent's layout."""
    data = agent_data(device, ROUNDS_PER_DAY * SERIES_PER_AGENT, t0_ms)
    ts = data.ts_ms.reshape(ROUNDS_PER_DAY, SERIES_PER_AGENT)[:, _COLS]
    values = data.value.reshape(ROUNDS_PER_DAY, SERIES_PER_AGENT)[:, _COLS]
    groups = {s.group for s in FLEET_SERIES}
    runs = np.isin(data.run_group, list(groups))
    return DeviceDay(
        np.ascontiguousarray(ts),
        np.ascontiguousarray(values),
        data.run_group[runs],
        data.run_started_ms[runs],
        data.run_duration_s[runs],
    )


def insert_series(cur: duckdb.DuckDBPyConnection, devices: int) -> None:
    """The ``series`` rows of every device, as the ingest path defines them."""
    rows = [
        (
            series_id(d, k),
            d,
            s.name,
            json.dumps(dict(s.labels), sort_keys=True, separators=(",", ":")),
            s.unit,
            s.monotonic,
        )
        for d in range(1, devices + 1)
        for k, s in enumerate(FLEET_SERIES)
    ]
    cols = list(zip(*rows, strict=True))
    table = pa.table(
        {
            "id": pa.array(cols[0], pa.uint32()),
            "device_id": pa.array(cols[1], pa.int32()),
            "name": pa.array(cols[2]),
            "labels": pa.array(cols[3]),
            "unit": pa.array(cols[4]),
            "monotonic": pa.array(cols[5]),
        }
    )
    cur.register("_fleet_series", table)
    cur.execute(
        "INSERT INTO series (id, device_id, name, labels, unit, monotonic) SELECT * FROM _fleet_series"
    )
    cur.unregister("_fleet_series")


def last_seq(day: DeviceDay, until_ms: int) -> int:
    """The seq of the device-day's last batch before ``until_ms`` (its stream's mark once
    :func:`insert_day` has stored it)."""
    rounds = int((day.ts_ms < until_ms).any(axis=1).sum())
    return int(day.ts_ms[0, 0] // INTERVAL_MS) + rounds - 1


def day_samples(day: DeviceDay, until_ms: int) -> int:
    """How many samples :func:`insert_day` stores of ``day`` before ``until_ms``."""
    return int((day.ts_ms < until_ms).sum())


def samples_table(device: int, day: DeviceDay, until_ms: int) -> pa.Table:
    """The raw samples of one device-day before ``until_ms``, as the ingest writer appends them."""
    keep = day.ts_ms < until_ms
    ids = np.broadcast_to(np.array([series_id(device, k) for k in range(SERIES_PER_DEVICE)]), day.ts_ms.shape)
    return pa.table(
        [
            pa.array(ids[keep].astype(np.uint32)),
            pa.array(day.ts_ms[keep], pa.int64()).cast(pa.timestamp("ms")),
            pa.array(day.values[keep]),
        ],
        schema=_SAMPLES,
    )


@dataclass(frozen=True, slots=True)
class DayRecords:
    """What the ingest writer commits with a device-day's samples: its collector runs, its
    batch records and its stream's progress row (None: no batch)."""

    runs: pa.Table
    batches: pa.Table
    progress: stream_progress.StreamRow | None


def day_records(device: int, day: DeviceDay, until_ms: int, *, epoch: int) -> DayRecords:
    """The :class:`DayRecords` of one device-day before ``until_ms``."""
    run_keep = day.run_started_ms < until_ms
    runs = pa.table(
        {
            "device_id": pa.array(np.full(int(run_keep.sum()), device, dtype=np.int32)),
            "collector": pa.array([GROUPS[g] for g in day.run_group[run_keep].tolist()]),
            "started": pa.array(day.run_started_ms[run_keep], pa.int64()).cast(pa.timestamp("ms")),
            "duration_s": pa.array(day.run_duration_s[run_keep]),
        }
    )
    # The agent flushes about once per round here: one batch record per device per 10 s, its
    # seq the round's number since the epoch (so the stream's seqs run on day after day).
    keep = day.ts_ms < until_ms
    rounds = int(keep.any(axis=1).sum())
    first_seq = int(day.ts_ms[0, 0] // INTERVAL_MS)
    batches = pa.table(
        {
            "device_id": pa.array(np.full(rounds, device, dtype=np.int32)),
            "epoch": pa.array(np.full(rounds, epoch, dtype=np.uint64)),
            "seq": pa.array(np.arange(first_seq, first_seq + rounds, dtype=np.uint64)),
            "samples": pa.array(keep.sum(axis=1)[:rounds].astype(np.uint32)),
            "committed": pa.array(day.ts_ms[:rounds, -1] + 50, pa.int64()).cast(pa.timestamp("ms")),
        }
    )
    progress = stream_progress.StreamRow(device, epoch, last_seq(day, until_ms), ()) if rounds else None
    return DayRecords(runs, batches, progress)


def _append(cur: duckdb.DuckDBPyConnection, table: pa.Table, sql: str) -> None:
    """``sql`` run with ``table`` registered as ``_fleet_rows``."""
    cur.register("_fleet_rows", table)
    try:
        cur.execute(sql)
    finally:
        cur.unregister("_fleet_rows")


def insert_records(cur: duckdb.DuckDBPyConnection, records: DayRecords) -> None:
    """A device-day's :class:`DayRecords` stored inside the caller's transaction."""
    _append(
        cur,
        records.runs,
        "INSERT INTO collector_runs "
        "SELECT device_id, collector, started, duration_s, true, '' FROM _fleet_rows",
    )
    _append(cur, records.batches, "INSERT INTO batches SELECT * FROM _fleet_rows")
    if records.progress is not None:
        stream_progress.save(cur, [records.progress])


def insert_day(
    cur: duckdb.DuckDBPyConnection, device: int, day: DeviceDay, until_ms: int, *, epoch: int
) -> int:
    """Raw samples, collector runs and batch records of one device-day before ``until_ms``."""
    samples = samples_table(device, day, until_ms)
    records = day_records(device, day, until_ms, epoch=epoch)
    with transaction(cur):  # one commit, as the writer's: samples, runs, batches and progress
        _append(cur, samples, "INSERT INTO samples SELECT series_id, ts, value FROM _fleet_rows")
        insert_records(cur, records)
    return day_samples(day, until_ms)


def raw_in_arrival_order(cur: duckdb.DuckDBPyConnection) -> int:
    """Lay the raw tier out as the ingest writer leaves it: appended batch after batch as the
    agents send, so in time order across devices. :func:`insert_day` stores device after
    device, which left each row group holding a few devices' whole span: a one-series read
    then skipped most row groups by their series ids, which a collector's raw tier never
    allows (measured: 1-h chart reads 3-9 ms on the device-ordered tier, 13-22 ms in time
    order, 1,000 devices, busy machine). Returns the rows laid out again."""
    with transaction(cur):
        cur.execute("CREATE TEMP TABLE _arrival AS SELECT * FROM samples ORDER BY ts, series_id")
        cur.execute("DELETE FROM samples")
        cur.execute("INSERT INTO samples SELECT * FROM _arrival")
        cur.execute("DROP TABLE _arrival")
    return int(cur.execute("SELECT count(*) FROM samples").fetchall()[0][0])


def vm_body(device: int, day: DeviceDay, until_ms: int) -> Iterator[bytes]:
    """The same samples as JSON lines for VictoriaMetrics' import API, one line per series."""
    for k, s in enumerate(FLEET_SERIES):
        keep = day.ts_ms[:, k] < until_ms
        if not keep.any():
            continue
        metric = {"__name__": vm_name(s.name), "device": str(device), **dict(s.labels)}
        values = day.values[keep, k].tolist()
        yield (
            json.dumps(
                {"metric": metric, "values": values, "timestamps": day.ts_ms[keep, k].tolist()},
                separators=(",", ":"),
            )
            + "\n"
        ).encode()


def percentiles(calls: Sequence[Callable[[], object]]) -> dict[str, float]:
    """p50 and p95 in milliseconds of each call, run once each in order (after one warm-up)."""
    calls[0]()
    times = []
    for call in calls:
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))]}


def chart_devices(devices: int, queries_n: int) -> list[list[int]]:
    """The devices each range's chart reads ask for (the same for EUS and VictoriaMetrics)."""
    rng = random.Random(7)
    return [[rng.randint(1, devices) for _ in range(queries_n)] for _ in RANGES]


def day_start(now: datetime, days_ago: int) -> datetime:
    """The UTC midnight ``days_ago`` days before ``now``'s (naive UTC)."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
