"""``make bench``: end-to-end ingest rate vs raw DuckDB and VictoriaMetrics, in one run.

1. EUS end to end: a real ``eus-collector`` process; agents enrolled through the real
   Enrollment RPC; ``--senders`` load-generator processes stream pre-built batches over
   loopback mutual TLS with a window of in-flight batches. Timed from the first batch sent
   to the last ack; the collector acks only after the DuckDB commit that stored the batch
   (deduplicated on device, epoch, seq in the same transaction), so acked = stored. Then the
   collector is stopped (it checkpoints) and its DuckDB file is opened read-only to check
   that exactly the samples sent are stored, once each, and to measure bytes per sample.
2. Raw DuckDB: the same rows appended through Arrow into a fresh file with the same schema,
   in chunks of the collector's commit size, one transaction each: the ceiling of the
   storage engine alone.
3. VictoriaMetrics (Debian's ``/usr/bin/victoria-metrics``): the same samples POSTed to
   ``/api/v1/import`` as JSON lines by the same number of sender processes; timed from the
   first POST to the last response, and again including ``/internal/force_flush`` until a
   query counts every sample.

All three run one after another on the same machine, the load generator included.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bench.loadgen import GrpcJob, SenderResult, VmJob, grpc_sender, vm_sender
from bench.procs import Collector, enroll_agents, enroll_flood_env, eus
from bench.vm import VM_BINARY, VictoriaMetrics
from bench.workload import INTERVAL_MS, SERIES_PER_AGENT, AgentData, agent_data, batch_bounds
from collector.tsdb import schema
from collector.tsdb.compaction import compact
from collector.tsdb.ingest.writer import MAX_ROWS_PER_COMMIT

CLK_TCK = os.sysconf("SC_CLK_TCK")
PY_SPY = Path(sys.executable).parent / "py-spy"


@dataclass
class Phase:
    name: str
    samples: int
    seconds: float
    disk_bytes: int = 0
    cpu_s: float = 0.0  # server-side CPU (collector or VictoriaMetrics process)
    sender_cpu_s: float = 0.0
    load_before: float = 0.0  # 1-minute load average as the timed part started
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.samples / self.seconds if self.seconds > 0 else 0.0

    @property
    def bytes_per_sample(self) -> float:
        return self.disk_bytes / self.samples if self.samples else 0.0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg() -> float:
    """The 1-minute load average: other work on the machine skews every number here."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def machine() -> str:
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    return f"{os.cpu_count()} CPUs ({model}), {int(mem.split()[1]) / 2**20:.1f} GiB RAM"


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_hwm_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def run_senders(
    target: Callable[..., None], jobs: Sequence[object], on_start: Callable[[], None] | None = None
) -> list[SenderResult]:
    """Start one process per job, wait until all are ready, release them together, collect."""
    ctx = mp.get_context("spawn")
    ready: Any = ctx.Queue()
    results: Any = ctx.Queue()
    start = ctx.Event()
    procs = [ctx.Process(target=target, args=(job, ready, start, results), daemon=True) for job in jobs]
    for p in procs:
        p.start()
    for _ in procs:
        status = ready.get(timeout=600)
        if status != "ok":
            start.set()
            raise RuntimeError(f"a sender failed while preparing: {status}")
    if on_start is not None:
        on_start()
    start.set()
    out = [results.get(timeout=900) for _ in procs]
    for p in procs:
        p.join(60)
    errors = [r.error for r in out if r.error]
    if errors:
        raise RuntimeError(f"sender failed: {errors[0]}")
    return sorted(out, key=lambda r: r.sender)


# ------------------------------------------------------------------------ EUS end to end
def bench_eus(args: argparse.Namespace, work: Path, t0_ms: int, per_agent: int) -> Phase:
    data = work / "collector"
    eus(data, "init")
    eus(data, "customer", "create", "Bench")
    env = {"EUS_MAX_MESSAGE_BYTES": str(64 << 20), **enroll_flood_env(args.agents)}
    coll = Collector(data, work / "collector.log", env)
    coll.start()
    log(f"collector pid {coll.pid} up; enrolling {args.agents} agents over the Enrollment RPC")
    idents = enroll_agents(data, coll.enroll_port, "Bench", args.agents, "bench")
    jobs = [
        GrpcJob(
            sender=s,
            agents=[(a, idents[a]) for a in range(s, args.agents, args.senders)],
            ca_pem=coll.ca_pem,
            port=coll.stream_port,
            samples_per_agent=per_agent,
            batch=args.batch,
            window=args.window,
            t0_ms=t0_ms,
            epoch=1,
        )
        for s in range(args.senders)
    ]
    cpu = {"before": 0.0, "load": 0.0}
    profiler: list[subprocess.Popen[bytes]] = []

    def started() -> None:
        cpu["before"] = proc_cpu_s(coll.pid)
        cpu["load"] = loadavg()
        if args.py_spy:
            profiler.append(
                subprocess.Popen(
                    [
                        str(PY_SPY),
                        "record",
                        "--pid",
                        str(coll.pid),
                        "--output",
                        args.py_spy,
                        "--format",
                        "raw" if args.py_spy.endswith(".txt") else "flamegraph",
                        "--threads",
                        "--nonblocking",
                        "--rate",
                        "200",
                        *args.py_spy_args.split(),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    log(f"{args.senders} sender processes building payloads and opening {args.agents} mTLS streams")
    results = run_senders(grpc_sender, jobs, started)
    collector_cpu = proc_cpu_s(coll.pid) - cpu["before"]
    rss = proc_hwm_bytes(coll.pid)
    for p in profiler:
        p.send_signal(2)
        p.wait(60)
    first = min(r.first_send for r in results)
    last = max(r.last_ack for r in results)
    sent = sum(r.samples for r in results)
    batches = sum(r.batches for r in results)
    log(f"streamed {sent:,} samples in {batches:,} batches in {last - first:.2f} s; stopping the collector")
    t = time.monotonic()
    coll.stop()
    stop_s = time.monotonic() - t
    phase = Phase(
        "EUS end to end",
        sent,
        last - first,
        cpu_s=collector_cpu,
        sender_cpu_s=sum(r.cpu_s for r in results),
        load_before=cpu["load"],
        notes={
            "batches": batches,
            "wire_bytes_per_sample": sum(r.payload_bytes for r in results) / sent,
            "collector_max_rss_mb": rss / 2**20,
            "shutdown_s": stop_s,
        },
    )
    verify_eus(phase, data / "metrics.duckdb", args, t0_ms=t0_ms, per_agent=per_agent, batches=batches)
    compact_eus(phase, data / "metrics.duckdb", work)
    return phase


def expected_sums(args: argparse.Namespace, per_agent: int, t0_ms: int) -> tuple[int, float, int]:
    """Sum of timestamps, sum of values and number of collector runs of everything sent."""
    ts_sum, v_sum, runs = 0, 0.0, 0
    for a in range(args.agents):
        d = agent_data(a, per_agent, t0_ms)
        ts_sum += int(d.ts_ms.sum())
        v_sum += float(d.value.sum())
        runs += int(d.run_at.shape[0])
    return ts_sum, v_sum, runs


def verify_eus(
    phase: Phase, db: Path, args: argparse.Namespace, *, t0_ms: int, per_agent: int, batches: int
) -> None:
    """Exactly what was sent is stored, once: counts, distinct keys and content checksums."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows, distinct, ts_sum, v_sum = con.execute(
            "SELECT count(*), count(DISTINCT (series_id, ts)), sum(epoch_ms(ts))::HUGEINT, sum(value) "
            "FROM samples"
        ).fetchall()[0]
        n_batches, batch_samples = con.execute("SELECT count(*), sum(samples) FROM batches").fetchall()[0]
        n_series = con.execute("SELECT count(*) FROM series").fetchall()[0][0]
        n_runs = con.execute("SELECT count(*) FROM collector_runs").fetchall()[0][0]
        size = con.execute(
            "SELECT block_size, used_blocks, free_blocks FROM pragma_database_size()"
        ).fetchall()[0]
    finally:
        con.close()
    want_ts, want_v, want_runs = expected_sums(args, per_agent, t0_ms)
    checks = {
        "rows == sent": rows == phase.samples,
        "no duplicate (series, ts)": distinct == rows,
        "batches == sent": n_batches == batches and batch_samples == phase.samples,
        "series == agents x 300": n_series == args.agents * SERIES_PER_AGENT,
        "collector runs == sent": n_runs == want_runs,
        "sum(ts) matches": int(ts_sum) == want_ts,
        "sum(value) matches": abs(float(v_sum) - want_v) <= 1e-9 * abs(want_v),
    }
    wal = Path(str(db) + ".wal")
    phase.disk_bytes = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    phase.notes.update(
        {
            "stored_rows": int(rows),
            "collector_runs": int(n_runs),
            "checks": checks,
            "duckdb_used_bytes": int(size[0]) * int(size[1]),
            "duckdb_free_blocks": int(size[2]),
        }
    )
    bad = [k for k, ok in checks.items() if not ok]
    if bad:
        raise SystemExit(f"VERIFICATION FAILED: {bad} (stored {rows:,}, sent {phase.samples:,})")
    log(f"verified: {rows:,} rows stored = sent, no duplicates, checksums match")


def compact_eus(phase: Phase, db: Path, work: Path) -> None:
    """Offline (the collector is down): compact a copy of everything stored into
    ``sample_blocks``, check every sample is in a block, then copy the database into a fresh
    file (``ATTACH`` + ``COPY FROM DATABASE``) and measure that file's size."""
    copy, fresh = work / "compacted.duckdb", work / "compacted-fresh.duckdb"
    shutil.copy(db, copy)
    wal = Path(str(db) + ".wal")
    if wal.exists():
        shutil.copy(wal, Path(str(copy) + ".wal"))
    con = duckdb.connect(str(copy))
    try:
        t = time.perf_counter()
        moved = compact(con.cursor(), datetime(9999, 1, 1))
        seconds = time.perf_counter() - t
        left, in_blocks, n_blocks = con.execute(
            "SELECT (SELECT count(*) FROM samples), (SELECT sum(n) FROM sample_blocks), "
            "(SELECT count(*) FROM sample_blocks)"
        ).fetchall()[0]
        con.execute(f"ATTACH '{fresh}' AS fresh")
        con.execute("COPY FROM DATABASE compacted TO fresh")
        con.execute("DETACH fresh")
    finally:
        con.close()
    if left != 0 or int(in_blocks) != phase.samples or moved != phase.samples:
        raise SystemExit(f"COMPACTION FAILED: {moved:,} moved, {in_blocks:,} in blocks, {left:,} left raw")
    size = fresh.stat().st_size
    phase.notes.update(
        {
            "compacted_blocks": int(n_blocks),
            "compact_s": round(seconds, 2),
            "compacted_file_bytes": size,
            "compacted_bytes_per_sample": size / phase.samples,
        }
    )
    log(
        f"compacted {moved:,} samples into {n_blocks:,} blocks in {seconds:.1f} s: "
        f"{size / phase.samples:.2f} B/sample"
    )
    copy.unlink()
    fresh.unlink()


# ------------------------------------------------------------------------ raw DuckDB
def arrival_chunks(
    data: Sequence[AgentData], batch: int, chunk_rows: int
) -> list[tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
    """The rows in arrival order (agents' batches interleaved), cut like the collector's commits."""
    parts: list[tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.float64]]] = []
    for lo, hi in batch_bounds(data[0].n, batch):
        for a, d in enumerate(data):
            parts.append(
                (d.series_id[lo:hi] + np.uint32(a * SERIES_PER_AGENT), d.ts_ms[lo:hi], d.value[lo:hi])
            )
    per = max(1, chunk_rows // batch)
    return [
        (
            np.concatenate([p[0] for p in parts[i : i + per]]),
            np.concatenate([p[1] for p in parts[i : i + per]]),
            np.concatenate([p[2] for p in parts[i : i + per]]),
        )
        for i in range(0, len(parts), per)
    ]


def bench_raw(args: argparse.Namespace, work: Path, t0_ms: int, per_agent: int) -> Phase:
    data = [agent_data(a, per_agent, t0_ms) for a in range(args.agents)]
    chunks = arrival_chunks(data, args.batch, MAX_ROWS_PER_COMMIT)
    path = work / "raw.duckdb"
    con = duckdb.connect(str(path))
    schema.migrate(con)
    load = loadavg()
    t = time.monotonic()
    cpu0 = time.process_time()
    for sid, ts, val in chunks:
        table = pa.table(
            {"series_id": pa.array(sid), "ts": pa.array(ts.astype("datetime64[ms]")), "value": pa.array(val)}
        )
        con.execute("BEGIN TRANSACTION")
        con.register("incoming", table)
        con.execute("INSERT INTO samples SELECT series_id, ts, value FROM incoming")
        con.unregister("incoming")
        con.execute("COMMIT")
    seconds = time.monotonic() - t
    cpu = time.process_time() - cpu0
    con.execute("CHECKPOINT")
    rows = con.execute("SELECT count(*) FROM samples").fetchall()[0][0]
    con.close()
    if rows != sum(d.n for d in data):
        raise SystemExit(f"raw DuckDB stored {rows} rows, expected {sum(d.n for d in data)}")
    return Phase(
        "raw DuckDB Arrow append",
        int(rows),
        seconds,
        disk_bytes=path.stat().st_size,
        cpu_s=cpu,
        load_before=load,
        notes={"chunks": len(chunks), "rows_per_chunk": MAX_ROWS_PER_COMMIT},
    )


# ------------------------------------------------------------------------ VictoriaMetrics
def bench_vm(
    args: argparse.Namespace, work: Path, t0_ms: int, per_agent: int, *, post_samples: int, name: str
) -> Phase:
    total = per_agent * args.agents
    with VictoriaMetrics(work / name, work / f"{name}.log") as vm:
        assert vm.proc is not None
        pid = vm.proc.pid
        jobs = [
            VmJob(s, list(range(s, args.agents, args.senders)), vm.port, per_agent, post_samples, t0_ms)
            for s in range(args.senders)
        ]
        cpu = {"before": 0.0, "load": 0.0}
        log(f"victoria-metrics pid {pid} on :{vm.port}; {args.senders} senders building JSON-lines bodies")
        results = run_senders(vm_sender, jobs, lambda: cpu.update(before=proc_cpu_s(pid), load=loadavg()))
        first = min(r.first_send for r in results)
        last = max(r.last_ack for r in results)
        vm.force_flush()
        end_ms = t0_ms + INTERVAL_MS * (-(-per_agent // SERIES_PER_AGENT)) + 60_000
        deadline = time.monotonic() + 120
        counted = 0
        while time.monotonic() < deadline:
            counted = vm.count_samples(t0_ms - 60_000, end_ms)
            if counted >= total:
                break
            time.sleep(0.05)
        searchable = time.monotonic()
        server_cpu = proc_cpu_s(pid) - cpu["before"]
        added = vm.metrics().get("vm_rows_added_to_storage_total", 0.0)
        if counted != total:
            raise SystemExit(f"VictoriaMetrics counts {counted:,} samples, sent {total:,}")
        log("waiting 10 s for VictoriaMetrics' background merges before measuring its disk use")
        time.sleep(10)
        vm.force_flush()
        disk = vm.disk_bytes()
        rss = vm.rss_bytes
    return Phase(
        f"VictoriaMetrics JSON import, {post_samples:,} samples/request",
        total,
        last - first,
        disk_bytes=disk,
        cpu_s=server_cpu,
        sender_cpu_s=sum(r.cpu_s for r in results),
        load_before=cpu["load"],
        notes={
            "samples_per_line": post_samples / SERIES_PER_AGENT,
            "seconds_until_flushed_and_searchable": searchable - first,
            "rate_incl_flush": total / (searchable - first),
            "rows_added_to_storage": int(added),
            "counted_by_query": counted,
            "requests": sum(r.batches for r in results),
            "wire_bytes_per_sample": sum(r.payload_bytes for r in results) / total,
            "max_rss_mb": rss / 2**20,
        },
    )


# ------------------------------------------------------------------------ report
def fmt_rate(r: float) -> str:
    return f"{r / 1e6:.2f} M/s"


def summary(p: Phase) -> str:
    return f"{fmt_rate(p.rate)}, {p.bytes_per_sample:.2f} bytes/sample"


def report(phases: dict[str, Phase], args: argparse.Namespace) -> str:
    ours = phases["eus"]
    lines = [
        f"{args.agents} agents x {SERIES_PER_AGENT} series, {ours.samples:,} samples, batch {args.batch}, "
        f"window {args.window}, {args.senders} sender processes; {machine()}, shared by the server "
        "and the load generator",
        "",
        "| path | samples/s | time | bytes/sample on disk | server CPU s per M samples | "
        "sender CPU s | load avg before |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in phases.values():
        lines.append(
            f"| {p.name} | {fmt_rate(p.rate)} | {p.seconds:.2f} s | {p.bytes_per_sample:.2f} | "
            f"{p.cpu_s / p.samples * 1e6:.3f} | {p.sender_cpu_s:.1f} | {p.load_before:.2f} |"
        )
    lines.append("")
    for key in ("vm", "vm_large"):
        vm = phases.get(key)
        if vm is None:
            continue
        lines.append(
            f"ours / {vm.name}: {ours.rate / vm.rate:.2f}x rate "
            f"({ours.rate / vm.notes['rate_incl_flush']:.2f}x counting its flush until searchable), "
            f"{ours.bytes_per_sample / vm.bytes_per_sample:.2f}x bytes per sample"
        )
    raw = phases.get("raw")
    if raw is not None:
        lines.append(
            f"ours / raw DuckDB append: {ours.rate / raw.rate:.2f}x rate, "
            f"{ours.bytes_per_sample / raw.bytes_per_sample:.2f}x bytes per sample"
        )
    vm_rates = [phases[k].rate for k in ("vm", "vm_large") if k in phases]
    if vm_rates:
        lines.append(
            "target rate >= VictoriaMetrics: "
            f"{'met' if ours.rate >= max(vm_rates) else 'NOT met'} against its best run here "
            f"({fmt_rate(max(vm_rates))}), "
            f"{'met' if ours.rate >= min(vm_rates) else 'NOT met'} against the same batching"
        )
    lines.append(
        f"target <= 2 bytes/sample: {'met' if ours.bytes_per_sample <= 2 else 'NOT met'} "
        f"({ours.bytes_per_sample:.2f})"
    )
    if "compacted_bytes_per_sample" in ours.notes:
        c = float(ours.notes["compacted_bytes_per_sample"])
        lines.append(
            f"after compacting everything into sample_blocks (fresh copy of the file): {c:.2f} bytes/sample, "
            f"target {'met' if c <= 2 else 'NOT met'}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n")[0])
    ap.add_argument("--agents", type=int, default=16, help="simulated agents (default 16)")
    ap.add_argument("--samples", type=int, default=20_000_000, help="samples in total (default 20M)")
    ap.add_argument("--batch", type=int, default=5_000, help="samples per batch (default 5000)")
    ap.add_argument("--senders", type=int, default=2, help="load generator processes (default 2)")
    ap.add_argument("--window", type=int, default=32, help="batches in flight per agent (default 32)")
    ap.add_argument(
        "--vm-large-post",
        type=int,
        default=100_000,
        help="samples per request in VictoriaMetrics' second run (long JSON lines); 0 skips it",
    )
    ap.add_argument(
        "--only", choices=["eus", "raw", "vm"], action="append", help="run only these parts (repeatable)"
    )
    ap.add_argument("--workdir", type=Path, help="keep the data here (default: a temporary directory)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--py-spy", help="profile the collector with py-spy into this file (.svg or .txt)")
    ap.add_argument("--py-spy-args", default="", help='extra py-spy flags, e.g. "--gil --native"')
    args = ap.parse_args(argv)
    if args.agents < args.senders:
        ap.error("--agents must be >= --senders")
    only = set(args.only or ["eus", "raw", "vm"])
    if "vm" in only and not VM_BINARY.exists():
        ap.error(f"{VM_BINARY} is missing: apt-get install victoria-metrics (or run 'make bench')")
    if args.py_spy and not PY_SPY.exists():
        ap.error(f"{PY_SPY} is missing: .venv/bin/pip install py-spy")
    per_agent = args.samples // args.agents
    span_ms = INTERVAL_MS * (-(-per_agent // SERIES_PER_AGENT))
    hour = 3_600_000
    t0_ms = (int(time.time() * 1000) - span_ms - 2 * hour) // hour * hour
    work = args.workdir or Path(tempfile.mkdtemp(prefix="eus-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log(
        f"{args.agents} agents x {per_agent:,} samples ({SERIES_PER_AGENT} series, "
        f"{span_ms / hour:.1f} h of 10 s data each) in {work}"
    )
    phases: dict[str, Phase] = {}
    try:
        if "eus" in only:
            phases["eus"] = bench_eus(args, work, t0_ms, per_agent)
            log(f"EUS end to end: {summary(phases['eus'])}")
        if "raw" in only:
            phases["raw"] = bench_raw(args, work, t0_ms, per_agent)
            log(f"raw DuckDB: {summary(phases['raw'])}")
        if "vm" in only:
            shapes = [("vm", args.batch)] + ([("vm_large", args.vm_large_post)] if args.vm_large_post else [])
            for key, post in shapes:
                phases[key] = bench_vm(args, work, t0_ms, per_agent, post_samples=post, name=key)
                log(f"{phases[key].name}: {summary(phases[key])}")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    if "eus" in phases:
        print()
        print(report(phases, args))
    for p in phases.values():
        print(f"{p.name}: " + json.dumps(p.notes, default=str))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "date": datetime.now(UTC).isoformat(timespec="seconds"),
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "phases": {
                        k: {**asdict(p), "rate": p.rate, "bytes_per_sample": p.bytes_per_sample}
                        for k, p in phases.items()
                    },
                },
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
