"""What the agent costs the machine it watches, beside Debian's node_exporter in the same run.

    python -m bench.agent_footprint [--minutes 10] [--sample-s 10] [--warmup-s 60] [--keep]

Starts a real collector, enrolls a real ``eus-agent`` with the default configuration (host
metrics every 10 s, inventory hourly) plus 10 functions at the default 60 s, and streams it
through a byte-counting TCP proxy to the collector; starts ``prometheus-node-exporter`` and
scrapes it every 10 s like Prometheus would (gzip accepted). Every ``--sample-s`` it reads
RSS and PSS (/proc/<pid>/smaps_rollup) and CPU time (/proc/<pid>/stat, reaped children
included: the agent's ``ping`` and ``systemctl`` count against it) of both processes.

Printed (after the warm-up, which holds the agent's start and its first full inventory):
RSS, PSS, CPU % of one core, and bytes on the wire per sample: for the agent, the TLS bytes it
sent to the collector divided by the samples the collector stored for it; for node_exporter,
the bytes of each scrape response divided by the series in it. Targets: CPU % <= node_exporter's,
RSS <= 45 MB, <= 12 bytes per sample.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from bench.footprint.procstat import cpu_seconds, grpc_core_cpu_seconds, memory
from bench.footprint.proxy import CountingProxy
from bench.footprint.stack import (
    agent_config,
    enroll_agent,
    free_port,
    scrape,
    start_agent,
    start_collector,
    start_node_exporter,
    stop,
)

TARGET_RSS_MB = 45.0
TARGET_BYTES_PER_SAMPLE = 12.0


@dataclass
class Reading:
    t: float
    agent_rss_kb: int
    agent_pss_kb: int
    agent_cpu_s: float
    ne_rss_kb: int
    ne_pss_kb: int
    ne_cpu_s: float
    agent_sent: int  # bytes the agent had sent to the collector so far
    agent_grpc_cpu_s: float = 0.0  # of agent_cpu_s: grpc's C core threads


@dataclass
class Measured:
    """Everything the run observed."""

    readings: list[Reading]
    scrapes: list[tuple[float, int, int, int]]  # (time, wire bytes, plain bytes, series)
    warm: float  # unix time the steady window starts
    bytes_window: int  # agent -> collector bytes from ``warm`` on
    bytes_total: int
    samples_window: int  # samples the collector stored with a timestamp from ``warm`` on
    samples_total: int
    functions_window: int


@dataclass
class Result:
    minutes: float
    warmup_s: float
    agent: dict[str, float] = field(default_factory=dict)
    node_exporter: dict[str, float] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    notes: dict[str, float] = field(default_factory=dict)


def _mb(kb: float) -> float:
    return kb / 1024


def stored_samples(data: Path, since: float) -> tuple[int, int, int]:
    """(samples stored from ``since`` on, in total, function results from ``since`` on) of a
    stopped collector."""
    con = duckdb.connect(str(data / "metrics.duckdb"), read_only=True)
    since_ms = int(since * 1000)
    try:
        window = con.execute("SELECT count(*) FROM samples WHERE epoch_ms(ts) >= ?", [since_ms]).fetchall()
        total = con.execute("SELECT count(*) FROM samples").fetchall()
        functions = con.execute(
            "SELECT count(*) FROM function_results WHERE epoch_ms(ts) >= ?", [since_ms]
        ).fetchall()
    finally:
        con.close()
    return int(window[0][0]), int(total[0][0]), int(functions[0][0])


def summarize(m: Measured, minutes: float) -> Result:
    """Pure: the table's numbers from what was measured."""
    steady = [r for r in m.readings if r.t >= m.warm]
    first, last = steady[0], steady[-1]
    span = last.t - first.t
    ne_scrapes = [s for s in m.scrapes if s[0] >= m.warm]
    ne_series = statistics.mean(s[3] for s in ne_scrapes)
    res = Result(minutes=minutes, warmup_s=round(m.warm - m.readings[0].t))
    res.agent = {
        "rss_mb_mean": _mb(statistics.mean(r.agent_rss_kb for r in steady)),
        "rss_mb_max": _mb(max(r.agent_rss_kb for r in steady)),
        "pss_mb_mean": _mb(statistics.mean(r.agent_pss_kb for r in steady)),
        "cpu_percent": 100 * (last.agent_cpu_s - first.agent_cpu_s) / span,
        "cpu_percent_grpc_core": 100 * (last.agent_grpc_cpu_s - first.agent_grpc_cpu_s) / span,
        "bytes_per_sample": m.bytes_window / max(1, m.samples_window),
        "bytes_per_sample_whole_run": m.bytes_total / max(1, m.samples_total),
        "samples_per_10s": 10 * m.samples_window / span,
    }
    res.node_exporter = {
        "rss_mb_mean": _mb(statistics.mean(r.ne_rss_kb for r in steady)),
        "rss_mb_max": _mb(max(r.ne_rss_kb for r in steady)),
        "pss_mb_mean": _mb(statistics.mean(r.ne_pss_kb for r in steady)),
        "cpu_percent": 100 * (last.ne_cpu_s - first.ne_cpu_s) / span,
        "bytes_per_sample": statistics.mean(s[1] / s[3] for s in ne_scrapes),
        "bytes_per_sample_uncompressed": statistics.mean(s[2] / s[3] for s in ne_scrapes),
        "samples_per_10s": ne_series,
    }
    # Split the agent's bytes: most 10-s intervals carry only host metrics (the median one is
    # such an interval); the rest is what the function results (10 a minute) added on top.
    deltas = [b.agent_sent - a.agent_sent for a, b in itertools.pairwise(steady)]
    quiet = statistics.median(deltas)
    samples_per_interval = m.samples_window / max(1, len(deltas))
    extra = max(0.0, sum(deltas) - quiet * len(deltas))
    res.agent["bytes_per_sample_host_metrics"] = quiet / max(1.0, samples_per_interval)
    res.agent["bytes_per_function_result"] = extra / max(1, m.functions_window)
    a, n = res.agent, res.node_exporter
    res.ratios = {
        k: a[k] / n[k] for k in ("rss_mb_mean", "pss_mb_mean", "cpu_percent", "bytes_per_sample") if n[k]
    }
    res.notes = {
        "agent_bytes_sent_window": float(m.bytes_window),
        "function_results_window": float(m.functions_window),
        "measured_s": span,
    }
    return res


def render(res: Result) -> str:
    a, n, r = res.agent, res.node_exporter, res.ratios

    def ratio(key: str, digits: int = 2) -> str:
        return f"{r[key]:.{digits}f}" if key in r else "-"

    rows = [
        ("RSS MB, mean (max)", f"{a['rss_mb_mean']:.1f} ({a['rss_mb_max']:.1f})",
         f"{n['rss_mb_mean']:.1f} ({n['rss_mb_max']:.1f})", ratio("rss_mb_mean")),
        ("PSS MB, mean", f"{a['pss_mb_mean']:.1f}", f"{n['pss_mb_mean']:.1f}", ratio("pss_mb_mean")),
        ("CPU % of one core", f"{a['cpu_percent']:.3f}", f"{n['cpu_percent']:.3f}", ratio("cpu_percent")),
        ("  of which grpc's C core threads", f"{a.get('cpu_percent_grpc_core', 0.0):.3f}", "", ""),
        ("bytes on the wire per sample", f"{a['bytes_per_sample']:.2f}", f"{n['bytes_per_sample']:.2f}",
         ratio("bytes_per_sample", 3)),
        ("  host metrics only / uncompressed", f"{a['bytes_per_sample_host_metrics']:.2f}",
         f"{n['bytes_per_sample_uncompressed']:.1f}", ""),
        ("  whole run, start included", f"{a['bytes_per_sample_whole_run']:.2f}", "", ""),
        ("bytes per function result", f"{a['bytes_per_function_result']:.0f}", "", ""),
        ("samples per 10 s", f"{a['samples_per_10s']:.0f}", f"{n['samples_per_10s']:.0f}", ""),
    ]  # fmt: skip
    width = max(len(x[0]) for x in rows)
    lines = [
        f"agent footprint: {res.minutes:g} min, first {res.warmup_s:.0f} s excluded "
        f"({res.notes['function_results_window']:.0f} function results in the window)",
        f"{'':{width}}  {'eus-agent':>14}  {'node_exporter':>14}  {'agent/ne':>9}",
    ]
    lines += [f"{name:{width}}  {x:>14}  {y:>14}  {z:>9}" for name, x, y, z in rows]
    verdicts = [
        ("CPU % <= node_exporter's", a["cpu_percent"] <= n["cpu_percent"]),
        (f"RSS <= {TARGET_RSS_MB:g} MB", a["rss_mb_max"] <= TARGET_RSS_MB),
        (
            f"<= {TARGET_BYTES_PER_SAMPLE:g} bytes per sample",
            a["bytes_per_sample"] <= TARGET_BYTES_PER_SAMPLE,
        ),
    ]
    lines.append("targets: " + ", ".join(f"{what}: {'met' if ok else 'MISSED'}" for what, ok in verdicts))
    return "\n".join(lines)


def run(minutes: float, sample_s: float, warmup_s: float, workdir: Path) -> Result:
    collector = start_collector(workdir)
    proxy = CountingProxy("127.0.0.1", collector.stream_port).start()
    ne_port = free_port()
    ne = start_node_exporter(workdir, ne_port)
    state = workdir / "agent"
    agent = None
    try:
        enroll_agent(workdir, collector, state)
        agent = start_agent(workdir, agent_config(workdir, collector, state, proxy.port, ne_port))
        started = time.time()
        end = started + minutes * 60
        warm = started + min(warmup_s, minutes * 60 / 3)
        readings: list[Reading] = []
        scrapes: list[tuple[float, int, int, int]] = []
        bytes_at_warm: int | None = None
        next_tick = started
        while True:
            if agent.poll() is not None:
                raise RuntimeError(f"the agent exited with {agent.returncode}; see {workdir / 'agent.log'}")
            now = time.time()
            if bytes_at_warm is None and now >= warm:
                bytes_at_warm = proxy.counts.up
            s = scrape(ne_port)
            scrapes.append((now, s.wire_bytes, s.plain_bytes, s.series))
            am, nm = memory(agent.pid), memory(ne.pid)
            readings.append(
                Reading(
                    now,
                    am.rss_kb,
                    am.pss_kb,
                    cpu_seconds(agent.pid),
                    nm.rss_kb,
                    nm.pss_kb,
                    cpu_seconds(ne.pid),
                    proxy.counts.up,
                    grpc_core_cpu_seconds(agent.pid),
                )
            )
            print(
                f"  {now - started:5.0f} s  agent rss {am.rss_kb / 1024:5.1f} MB  "
                f"node_exporter rss {nm.rss_kb / 1024:5.1f} MB  agent sent {proxy.counts.up} B",
                flush=True,
            )
            if now >= end:
                break
            next_tick += sample_s
            time.sleep(max(0.0, min(next_tick, end) - time.time()))
        stop(agent)  # drains: everything sampled up to now reaches the collector
        agent = None
        bytes_window = proxy.counts.up - (bytes_at_warm or 0)
    finally:
        if agent is not None:
            stop(agent)
        stop(ne)
        stop(collector.proc)
        proxy.stop()
    window, total, functions = stored_samples(collector.data, warm)
    measured = Measured(readings, scrapes, warm, bytes_window, proxy.counts.up, window, total, functions)
    return summarize(measured, minutes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.agent_footprint", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to measure (default 10)")
    parser.add_argument("--sample-s", type=float, default=10.0, help="seconds between readings and scrapes")
    parser.add_argument("--warmup-s", type=float, default=60.0, help="seconds left out at the start")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    if not Path("/usr/bin/prometheus-node-exporter").exists():
        print(
            "needs Debian's prometheus-node-exporter (apt-get install prometheus-node-exporter)",
            file=sys.stderr,
        )
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="eus-footprint-"))
    print(f"work directory {workdir}; measuring for {args.minutes:g} min", flush=True)
    try:
        result = run(args.minutes, args.sample_s, args.warmup_s, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(render(result))
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(result), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
