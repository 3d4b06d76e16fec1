"""The simulated fleet: what each bench agent sends, generated deterministically.

Every agent has the same 300 series a real Linux server's agent reports (the names of
``agent/collectors``): CPU per core, load, memory, swap, eight mounts, eight disks, sixteen
network interfaces, host facts and the top 25 processes. Each collector run stamps its
samples with one timestamp, runs repeat every 10 s (with a few milliseconds of scheduler
jitter), and values have the precision the agent really reports: percentages with one
decimal, load with two, byte gauges in whole pages, monotonically increasing counters.

Samples are laid out the way the agent's batcher produces them: run after run (time-major),
then cut into batches of ``batch`` samples. The generator is a pure function of the agent
index, so the load generator, the raw DuckDB bench and the VictoriaMetrics bench all use
exactly the same samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt

INTERVAL_MS = 10_000


class Kind(Enum):
    PERCENT = "percent"  # 0..100, one decimal, slow random walk with noise
    LOAD = "load"  # >= 0, two decimals
    GAUGE_BYTES = "gauge_bytes"  # whole 4 KiB pages, random walk
    CONST = "const"  # sizes that never change (memory.total, disk.total)
    COUNTER_BYTES = "counter_bytes"  # increasing by a heavy-tailed amount per interval
    COUNTER_OPS = "counter_ops"  # increasing by a Poisson amount per interval
    COUNTER_RARE = "counter_rare"  # errors and drops: almost always unchanged
    GAUGE_INT = "gauge_int"  # process counts, users
    UPTIME = "uptime"  # seconds, +10 per interval


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    local_id: int  # 1.. on the agent
    name: str
    labels: tuple[tuple[str, str], ...]
    unit: str
    monotonic: bool
    kind: Kind
    group: int  # which collector run stamps it (one timestamp per run)


GROUPS = ("cpu", "load", "memory", "swap", "disk", "diskio", "netio", "host", "process")


def _fleet_series() -> tuple[SeriesSpec, ...]:
    out: list[tuple[str, dict[str, str], str, bool, Kind, str]] = []
    for cpu in ["total", *(str(i) for i in range(32))]:
        out.append(("cpu.percent", {"cpu": cpu}, "percent", False, Kind.PERCENT, "cpu"))
    for w in ("1", "5", "15"):
        out.append((f"load.load{w}", {}, "", False, Kind.LOAD, "load"))
    out.append(("memory.total", {}, "bytes", False, Kind.CONST, "memory"))
    for f in ("available", "used", "free", "cached", "buffers"):
        out.append((f"memory.{f}", {}, "bytes", False, Kind.GAUGE_BYTES, "memory"))
    out.append(("memory.percent", {}, "percent", False, Kind.PERCENT, "memory"))
    out.append(("swap.total", {}, "bytes", False, Kind.CONST, "swap"))
    out.append(("swap.used", {}, "bytes", False, Kind.GAUGE_BYTES, "swap"))
    out.append(("swap.free", {}, "bytes", False, Kind.GAUGE_BYTES, "swap"))
    out.append(("swap.percent", {}, "percent", False, Kind.PERCENT, "swap"))
    for mount in ("/", "/boot", "/var", "/home", "/srv", "/data", "/var/lib/docker", "/tmp"):
        out.append(("disk.total", {"mount": mount}, "bytes", False, Kind.CONST, "disk"))
        out.append(("disk.used", {"mount": mount}, "bytes", False, Kind.GAUGE_BYTES, "disk"))
        out.append(("disk.free", {"mount": mount}, "bytes", False, Kind.GAUGE_BYTES, "disk"))
        out.append(("disk.percent", {"mount": mount}, "percent", False, Kind.PERCENT, "disk"))
    for disk in ("sda", "sdb", "sdc", "sdd", "nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1"):
        lbl = {"disk": disk}
        out.append(("diskio.read_bytes", lbl, "bytes", True, Kind.COUNTER_BYTES, "diskio"))
        out.append(("diskio.write_bytes", lbl, "bytes", True, Kind.COUNTER_BYTES, "diskio"))
        out.append(("diskio.read_ops", lbl, "count", True, Kind.COUNTER_OPS, "diskio"))
        out.append(("diskio.write_ops", lbl, "count", True, Kind.COUNTER_OPS, "diskio"))
        out.append(("diskio.busy_ms", lbl, "milliseconds", True, Kind.COUNTER_OPS, "diskio"))
    ifaces = ["eth0", "eth1", "bond0", "docker0", *(f"veth{i:02d}" for i in range(12))]
    for iface in ifaces:
        lbl = {"iface": iface}
        out.append(("net.rx_bytes", lbl, "bytes", True, Kind.COUNTER_BYTES, "netio"))
        out.append(("net.tx_bytes", lbl, "bytes", True, Kind.COUNTER_BYTES, "netio"))
        out.append(("net.rx_packets", lbl, "count", True, Kind.COUNTER_OPS, "netio"))
        out.append(("net.tx_packets", lbl, "count", True, Kind.COUNTER_OPS, "netio"))
        for f in ("rx_errors", "tx_errors", "rx_drops", "tx_drops"):
            out.append((f"net.{f}", lbl, "count", True, Kind.COUNTER_RARE, "netio"))
    out.append(("host.uptime", {}, "seconds", True, Kind.UPTIME, "host"))
    out.append(("host.processes", {}, "count", False, Kind.GAUGE_INT, "host"))
    out.append(("host.users", {}, "count", False, Kind.GAUGE_INT, "host"))
    procs = [
        "postgres", "sshd", "nginx", "dockerd", "containerd", "java", "python3", "node",
        "redis-server", "systemd", "journald", "rsyslogd", "cron", "chronyd", "eus-agent", "kubelet",
        "etcd", "prometheus", "grafana", "haproxy", "php-fpm", "mysqld", "memcached", "rabbitmq",
        "elasticsearch",
    ]  # fmt: skip
    for proc in procs:
        out.append(("process.cpu_percent", {"process": proc}, "percent", False, Kind.PERCENT, "process"))
        out.append(("process.rss", {"process": proc}, "bytes", False, Kind.GAUGE_BYTES, "process"))
    return tuple(
        SeriesSpec(i + 1, name, tuple(sorted(lbl.items())), unit, mono, kind, GROUPS.index(group))
        for i, (name, lbl, unit, mono, kind, group) in enumerate(out)
    )


SERIES: tuple[SeriesSpec, ...] = _fleet_series()
SERIES_PER_AGENT = len(SERIES)


def _walk(
    rng: np.random.Generator, rounds: int, n: int, *, lo: float, hi: float, step: float
) -> npt.NDArray[np.float64]:
    """``rounds`` x ``n`` bounded random walks (reflected at the bounds)."""
    start = rng.uniform(lo, hi, n)
    steps = rng.normal(0.0, step, (rounds, n))
    steps[0] = 0.0
    x = start + np.cumsum(steps, axis=0)
    span = hi - lo
    x = np.abs(np.mod(x - lo, 2 * span) - span)  # reflect into [0, span]
    return np.asarray(hi - x, dtype=np.float64)


def _values(rng: np.random.Generator, rounds: int) -> npt.NDArray[np.float64]:
    """The ``rounds`` x ``SERIES_PER_AGENT`` matrix of values for one agent."""
    out = np.empty((rounds, SERIES_PER_AGENT), dtype=np.float64)
    kinds = np.array([s.kind.value for s in SERIES])
    for kind in Kind:
        cols = np.flatnonzero(kinds == kind.value)
        n = cols.shape[0]
        if not n:
            continue
        v: npt.NDArray[Any]
        if kind is Kind.PERCENT:
            v = np.round(
                _walk(rng, rounds, n, lo=0.0, hi=100.0, step=1.5) + rng.normal(0.0, 2.0, (rounds, n)), 1
            )
            v = np.clip(v, 0.0, 100.0)
        elif kind is Kind.LOAD:
            v = np.round(np.maximum(_walk(rng, rounds, n, lo=0.0, hi=16.0, step=0.15), 0.0), 2)
        elif kind is Kind.GAUGE_BYTES:
            v = np.round(_walk(rng, rounds, n, lo=2.0**28, hi=2.0**36, step=2.0**22) / 4096.0) * 4096.0
        elif kind is Kind.CONST:
            v = np.broadcast_to(np.round(rng.uniform(2.0**30, 2.0**42, n) / 4096.0) * 4096.0, (rounds, n))
        elif kind is Kind.COUNTER_BYTES:
            inc = np.round(rng.lognormal(np.log(rng.uniform(1e3, 1e7, n)), 1.0, (rounds, n)))
            v = rng.uniform(1e9, 1e13, n).round() + np.cumsum(inc, axis=0)
        elif kind is Kind.COUNTER_OPS:
            v = rng.uniform(1e5, 1e9, n).round() + np.cumsum(
                rng.poisson(rng.uniform(5, 5000, n), (rounds, n)), 0
            )
        elif kind is Kind.COUNTER_RARE:
            v = rng.integers(0, 50, n) + np.cumsum(rng.random((rounds, n)) < 0.002, axis=0)
        elif kind is Kind.GAUGE_INT:
            v = np.round(_walk(rng, rounds, n, lo=1.0, hi=400.0, step=1.0))
        else:  # UPTIME
            v = rng.integers(10**5, 10**7, n) + INTERVAL_MS // 1000 * np.arange(rounds)[:, None]
        out[:, cols] = v
    return out


@dataclass(frozen=True, slots=True)
class AgentData:
    """One agent's samples in send order: local series ids, timestamps (ms), values.

    Also its collector runs (one per collector per round, as ``agent.batcher`` reports them):
    the sample index where each run's samples start, its collector, start and duration.
    """

    series_id: npt.NDArray[np.uint32]
    ts_ms: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    run_at: npt.NDArray[np.int64]
    run_group: npt.NDArray[np.int64]
    run_started_ms: npt.NDArray[np.int64]
    run_duration_s: npt.NDArray[np.float64]

    @property
    def n(self) -> int:
        return int(self.series_id.shape[0])


def agent_data(agent: int, n_samples: int, t0_ms: int) -> AgentData:
    """Agent ``agent``'s first ``n_samples`` samples, starting at ``t0_ms``."""
    rng = np.random.default_rng(1_000_003 * (agent + 1))
    rounds = -(-n_samples // SERIES_PER_AGENT)
    groups = np.array([s.group for s in SERIES])
    # One timestamp per collector run: a fixed phase per collector plus 0-9 ms of jitter.
    phase = np.arange(len(GROUPS), dtype=np.int64) * 3 + int(rng.integers(0, 1000))
    run_ts = (
        t0_ms
        + INTERVAL_MS * np.arange(rounds, dtype=np.int64)[:, None]
        + phase[None, :]
        + rng.integers(0, 10, (rounds, len(GROUPS)))
    )
    ts = run_ts[:, groups].reshape(-1)[:n_samples]
    ids = np.tile(np.arange(1, SERIES_PER_AGENT + 1, dtype=np.uint32), rounds)[:n_samples]
    values = _values(rng, rounds).reshape(-1)[:n_samples]
    group_start = np.array([min(i for i, s in enumerate(SERIES) if s.group == g) for g in range(len(GROUPS))])
    run_at = (SERIES_PER_AGENT * np.arange(rounds, dtype=np.int64)[:, None] + group_start[None, :]).reshape(
        -1
    )
    keep = run_at < n_samples
    durations = np.round(rng.lognormal(np.log(0.004), 0.6, run_ts.shape), 6).reshape(-1)
    return AgentData(
        ids,
        np.ascontiguousarray(ts),
        np.ascontiguousarray(values),
        run_at[keep],
        np.tile(np.arange(len(GROUPS), dtype=np.int64), rounds)[keep],
        run_ts.reshape(-1)[keep],
        durations[keep],
    )


def batch_bounds(n_samples: int, batch: int) -> list[tuple[int, int]]:
    """[start, end) of each batch of one agent's samples."""
    return [(i, min(i + batch, n_samples)) for i in range(0, n_samples, batch)]


def only_series(data: AgentData, local_ids: Sequence[int]) -> AgentData:
    """``data`` (whole rounds) with only the series ``local_ids``, still laid out run after run:
    a smaller agent (bench/fleet's 50 series) sending the same samples of those series."""
    rounds = data.n // SERIES_PER_AGENT
    cols = np.array(sorted(i - 1 for i in local_ids))
    shape = (rounds, SERIES_PER_AGENT)
    groups = np.array([SERIES[c].group for c in cols])
    first_of = {int(g): int(np.flatnonzero(groups == g)[0]) for g in np.unique(groups)}
    keep = np.isin(data.run_group, list(first_of))
    run_round = data.run_at[keep] // SERIES_PER_AGENT
    return AgentData(
        np.ascontiguousarray(data.series_id.reshape(shape)[:, cols].reshape(-1)),
        np.ascontiguousarray(data.ts_ms.reshape(shape)[:, cols].reshape(-1)),
        np.ascontiguousarray(data.value.reshape(shape)[:, cols].reshape(-1)),
        run_round * len(cols) + np.array([first_of[int(g)] for g in data.run_group[keep]], dtype=np.int64),
        data.run_group[keep],
        data.run_started_ms[keep],
        data.run_duration_s[keep],
    )
