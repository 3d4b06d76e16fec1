"""``python -m bench.snmp``: how many switch-sized devices one gateway polls per minute.

One gateway (the agent's SNMP extension: its poll engine on its own loop, results through
the real batcher into a real spool) polls ``--devices`` simulated switches (snmpsim, a real
Catalyst 3560 recording with 57 interfaces) for IF-MIB every ``--interval`` seconds: more
than it can do, so the rate measured is its ceiling. After a warm-up cycle (discovery and
the slow inventory walk), completed polls, values and the gateway process's CPU time are
counted for ``--seconds``. Then, on the same simulators and the same data, net-snmp's
``snmpbulkwalk`` walks ifTable and ifXTable with the same concurrency; its rate and CPU
time are printed beside the gateway's, with the ratios.

Everything runs on this machine: the simulators take CPU from the same cores as the
gateway, so the wall-clock rate is bounded by them; the CPU cost per device is the
gateway's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agent.batcher import Batcher, RunInfo
from agent.collectors.base import Sample
from agent.series import SeriesRegistry
from agent.snmp.gateway import Gateway
from agent.snmp.settings import TrapSettings, check_target
from agent.spool import Spool
from bench.footprint.procstat import cpu_seconds
from bench.snmp_sim import V3_KEY, V3_USER, Sim, interfaces, start_sims, switch_lines
from eus.v1 import eus_pb2


@dataclass
class Result:
    version: str
    devices: int
    interfaces: int
    interval_s: float
    seconds: float
    polls: int
    failed: int
    values: int
    cpu_s: float
    varbinds_per_s: float
    devices_per_min: float
    cpu_ms_per_device: float
    devices_per_min_per_cpu: float
    sim_cpu_ms_per_device: float = 0.0  # the simulators' CPU per gateway poll, same window


@dataclass
class Walk:
    version: str
    devices: int
    seconds: float
    varbinds: int
    cpu_s: float
    varbinds_per_s: float
    cpu_us_per_varbind: float


class CountingSink:
    """The gateway's report sink: counts what arrives in the window, passes it to the batcher."""

    def __init__(self, inner: Batcher | None) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.counting = False
        self.polls = self.failed = self.values = 0
        self.polled: set[str] = set()  # devices with at least one good poll (warm-up)

    def put(self, samples: Sequence[Sample], ts_ms: int, run: RunInfo) -> None:
        with self.lock:
            if run.ok:
                self.polled.add(run.collector)
            if self.counting:
                self.polls += run.ok
                self.failed += not run.ok
                self.values += len(samples)
        if self.inner is not None:
            self.inner.put(samples, ts_ms, run)

    def put_report(self, **reports: Any) -> None:
        if self.inner is not None:
            self.inner.put_report(**reports)

    def flush(self) -> int:
        return self.inner.flush() if self.inner is not None else 0


WARMUP_TIMEOUT_S = 600


def sim_cpu_s(sim: Sim) -> float:
    """CPU seconds a simulator process has used so far."""
    return cpu_seconds(sim.proc.pid)


def rusage_s(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def target(args: argparse.Namespace, i: int, sims: list[Sim], communities: list[str]) -> eus_pb2.SnmpTarget:
    t = eus_pb2.SnmpTarget(
        id=f"snmp-{i}",
        host="127.0.0.1",
        port=sims[i % len(sims)].port,
        interval_s=args.interval,
        timeout_s=10,
        profiles=["interfaces"],
    )
    if args.snmp_version == "3":
        t.user, t.auth_protocol, t.auth_key = V3_USER, "SHA-256", V3_KEY
        t.priv_protocol, t.priv_key, t.context = "AES", V3_KEY, communities[i % len(communities)]
    else:
        t.version, t.legacy, t.community = "2c", True, communities[i % len(communities)]
    return t


def run_gateway(args: argparse.Namespace, sims: list[Sim], communities: list[str], workdir: Path) -> Result:
    workdir.mkdir(parents=True)
    spool = Spool(workdir / "spool.sqlite3", max_bytes=4 << 30, max_age_s=3600) if args.spool else None
    batcher = Batcher(spool, SeriesRegistry(spool), flush_interval_s=1.0) if spool else None
    sink = CountingSink(batcher)
    if batcher is not None:
        batcher.start()
    targets = [check_target(target(args, i, sims, communities)) for i in range(args.devices)]
    gateway = Gateway(sink, max_concurrency=args.concurrency, max_repetitions=args.max_repetitions)
    gateway.apply(targets, TrapSettings(), timeout=300)
    # Warm-up: every device discovered, walked for inventory and polled once (its series
    # registered in the spool), so the window measures steady-state polling only.
    deadline = time.monotonic() + WARMUP_TIMEOUT_S
    while len(sink.polled) < args.devices and time.monotonic() < deadline:
        time.sleep(0.5)
    if len(sink.polled) < args.devices:
        print(
            f"  warm-up: only {len(sink.polled)} of {args.devices} devices polled once in"
            f" {WARMUP_TIMEOUT_S} s"
        )
    cpu0, t0 = rusage_s(resource.RUSAGE_SELF), time.monotonic()
    sim0 = sum(sim_cpu_s(sim) for sim in sims)
    with sink.lock:
        sink.counting = True
    time.sleep(args.seconds)
    with sink.lock:
        sink.counting = False
    wall, cpu = time.monotonic() - t0, rusage_s(resource.RUSAGE_SELF) - cpu0
    sim_cpu = sum(sim_cpu_s(sim) for sim in sims) - sim0
    gateway.stop(timeout=60)
    if batcher is not None and spool is not None:
        batcher.close()
        spool.close()
    return Result(
        version=args.snmp_version,
        devices=args.devices,
        interfaces=interfaces(switch_lines()),
        interval_s=args.interval,
        seconds=round(wall, 1),
        polls=sink.polls,
        failed=sink.failed,
        values=sink.values,
        cpu_s=round(cpu, 2),
        varbinds_per_s=round(sink.values / wall),
        devices_per_min=round(sink.polls / wall * 60),
        cpu_ms_per_device=round(cpu / max(1, sink.polls) * 1000, 2),
        devices_per_min_per_cpu=round(sink.polls / cpu * 60) if cpu else 0,
        sim_cpu_ms_per_device=round(sim_cpu / max(1, sink.polls) * 1000, 2),
    )


def walk_argv(args: argparse.Namespace, version: str, port: int, community: str, subtree: str) -> list[str]:
    if version == "3":
        auth = [
            "-v3",
            "-l",
            "authPriv",
            "-u",
            V3_USER,
            "-a",
            "SHA-256",
            "-A",
            V3_KEY,
            "-x",
            "AES",
            "-X",
            V3_KEY,
        ]
        auth += ["-n", community]
    else:
        auth = ["-v2c", "-c", community]
    return [
        "snmpbulkwalk",
        *auth,
        f"-Cr{args.max_repetitions}",
        "-On",
        "-t",
        "10",
        f"127.0.0.1:{port}",
        subtree,
    ]


def run_snmpbulkwalk(args: argparse.Namespace, version: str, sims: list[Sim], communities: list[str]) -> Walk:
    """net-snmp's snmpbulkwalk over ifTable and ifXTable of the same devices, same version."""
    jobs = [
        walk_argv(args, version, sims[i % len(sims)].port, communities[i % len(communities)], subtree)
        for i in range(args.walk_devices)
        for subtree in ("1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1")
    ]
    cpu0, t0 = rusage_s(resource.RUSAGE_CHILDREN), time.monotonic()

    async def walk(sem: asyncio.Semaphore, argv: list[str]) -> int:
        async with sem:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                env={"MIBS": "", "PATH": "/usr/bin:/bin"},
            )
            out, _ = await proc.communicate()
            return out.count(b"\n")

    async def all_walks() -> int:
        sem = asyncio.Semaphore(args.concurrency)
        return sum(await asyncio.gather(*(walk(sem, argv) for argv in jobs)))

    varbinds = asyncio.run(all_walks())
    wall, cpu = time.monotonic() - t0, rusage_s(resource.RUSAGE_CHILDREN) - cpu0
    return Walk(
        version=version,
        devices=args.walk_devices,
        seconds=round(wall, 1),
        varbinds=varbinds,
        cpu_s=round(cpu, 2),
        varbinds_per_s=round(varbinds / wall),
        cpu_us_per_varbind=round(cpu / max(1, varbinds) * 1e6, 1),
    )


def report(gateway: Result, walk: Walk, sims: int, concurrency: int) -> str:
    gw_us = gateway.cpu_s / max(1, gateway.values) * 1e6
    g, w = gateway, walk
    lines = [
        f"gateway, SNMPv{g.version}: {g.devices} switches x {g.interfaces} interfaces "
        f"every {g.interval_s:g} s, {g.seconds:g} s measured ({sims} snmpsim, concurrency {concurrency})",
        f"  {g.polls} polls ok, {g.failed} failed: {g.varbinds_per_s} varbinds/s, "
        f"{g.devices_per_min} devices/min",
        f"  gateway CPU: {g.cpu_ms_per_device} ms per device poll, {gw_us:.0f} us per varbind "
        f"= {g.devices_per_min_per_cpu} devices/min per busy core",
        f"  simulators' CPU: {g.sim_cpu_ms_per_device} ms per device poll (same cores, same window)",
        f"snmpbulkwalk, SNMPv{w.version}: {w.devices} switches (ifTable + ifXTable), {w.varbinds} varbinds "
        f"in {w.seconds:g} s: {w.varbinds_per_s} varbinds/s, {w.cpu_us_per_varbind} us CPU per varbind",
        f"ratio gateway / snmpbulkwalk: {g.varbinds_per_s / max(1, w.varbinds_per_s):.2f} in varbinds/s, "
        f"{gw_us / max(0.1, w.cpu_us_per_varbind):.1f}x the CPU per varbind",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=400, help="simulated switches polled (default 400)")
    parser.add_argument("--interval", type=float, default=10.0, help="poll interval of each (default 10 s)")
    parser.add_argument("--seconds", type=float, default=60.0, help="measurement window (default 60 s)")
    parser.add_argument("--sims", type=int, default=2, help="snmpsim processes (default 2)")
    parser.add_argument("--recordings", type=int, default=20, help="distinct communities (default 20)")
    parser.add_argument("--concurrency", type=int, default=10, help="gateway max_concurrency (default 10)")
    parser.add_argument("--max-repetitions", type=int, default=25)
    parser.add_argument("--max-var-binds", type=int, default=256, help="snmpsim's per-response cap")
    parser.add_argument(
        "--walk-devices", type=int, default=60, help="devices snmpbulkwalk walks (default 60)"
    )
    parser.add_argument(
        "--snmp-version",
        choices=("2c", "3", "both"),
        default="both",
        help="3 = authPriv SHA-256/AES (default both)",
    )
    parser.add_argument(
        "--no-spool", dest="spool", action="store_false", help="count results without spooling"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    communities = [f"switch{i:03d}" for i in range(args.recordings)]
    versions = ["2c", "3"] if args.snmp_version == "both" else [args.snmp_version]
    workdir = Path(tempfile.mkdtemp(prefix="eus-bench-snmp-"))
    results: list[dict[str, Any]] = []
    sims = start_sims(workdir, communities, args.sims, args.max_var_binds)
    try:
        for version in versions:
            args.snmp_version = version
            gateway = run_gateway(args, sims, communities, workdir / f"gateway-v{version}")
            walk = run_snmpbulkwalk(args, version, sims, communities)
            print(report(gateway, walk, args.sims, args.concurrency), flush=True)
            results.append({"gateway": asdict(gateway), "snmpbulkwalk": asdict(walk)})
    finally:
        for sim in sims:
            sim.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
