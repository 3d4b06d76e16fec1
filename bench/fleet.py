"""Storage at fleet scale: N devices x 50 series x D days, EUS beside VictoriaMetrics.

    python -m bench.fleet --devices 20 --days 2          # CI size, a few minutes
    make bench-fleet                                     # 1,000 devices x 30 days (hours)
    make bench-fleet BENCH_ARGS=--resume                 # ... going on after a kill

Builds the time-series database through the product's own code paths (``bench.fleet_data``),
loads VictoriaMetrics with the same samples, then measures in one run: opening the
database (time, RSS), compacting one whole day of raw samples in a separate process (time,
peak RSS), bytes per sample per tier and in total (every table), and p50/p95 of the chart
reads at 1 h / 24 h / 7 d / 30 d and of "latest value of every device", each beside the
same question asked of VictoriaMetrics; then seeds the relational side to the fleet's size
(``bench.fleet_seed``) and times the technician's pages over HTTP against a real collector
process on that data (``bench.fleet_pages``), each beside the same server's ``/healthz``.
Results are printed as Markdown and written to ``<work>/fleet.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from bench import fleet_direct, fleet_pages, fleet_seed
from bench.fleet_data import (
    RANGES,
    SERIES_PER_DEVICE,
    Days,
    chart_devices,
    day_samples,
    day_start,
    insert_day,
    insert_series,
    last_seq,
    percentiles,
    raw_in_arrival_order,
)
from bench.procs import dir_bytes
from bench.vm import VictoriaMetrics
from bench.vm_feed import VmFeed
from collector.tsdb import compaction, run_summary, stream_progress
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.queries import Window

TIERS = (
    ("raw samples", "samples", "true"),
    ("compacted samples", "sample_blocks", "true"),
    ("5-min rollups", "rollup_blocks", "step_s = 300"),
    ("1-h rollups", "rollup_blocks", "step_s = 3600"),
    ("collector runs", "collector_runs", "true"),
    ("batches", "batches", "true"),
    ("stream progress", "stream_progress", "true"),
    ("series", "series", "true"),
)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Fleet:
    """Stores the fleet's days one after another, and the same samples in VictoriaMetrics."""

    def __init__(
        self, args: argparse.Namespace, db_path: Path, now: datetime, vm: VictoriaMetrics | None
    ) -> None:
        self.args, self.now = args, now
        self.first = day_start(now, args.days - 1)
        self.now_ms = int(now.replace(tzinfo=UTC).timestamp() * 1000)
        self.samples = 0
        self.days = Days(int(self.first.replace(tzinfo=UTC).timestamp() * 1000))
        # VictoriaMetrics gets the same days from a second process: its JSON took half the build.
        self.feed = None if vm is None else VmFeed(vm.port, self.days.first_ms)
        self.tsdb = TimeSeriesDB(db_path, memory_limit_mb=args.memory_mb, threads=args.threads)
        cur = self.tsdb.cursor()
        if not cur.execute("SELECT count(*) FROM series").fetchall()[0][0]:  # else: resumed
            insert_series(cur, args.devices)

    def store_day(self, d: int, *, compact_before: datetime | None) -> None:
        """Day ``d`` (0 = the first) of every device; compacted up to ``compact_before`` as
        devices come in (the job's cadence does not change what it leaves), or left raw."""
        cur = self.tsdb.cursor()
        started = time.monotonic()
        # A resumed build: each device's stream mark says whether its day is stored already
        # (samples, runs, batches and mark go in one transaction).
        marks = {r.device_id: r.hwm for r in stream_progress.load(cur) if r.epoch == r.device_id}
        skipped = 0
        for device in range(1, self.args.devices + 1):
            day = self.days.of(device, d)
            if marks.get(device, -1) >= last_seq(day, self.now_ms):
                self.samples += day_samples(day, self.now_ms)
                skipped += 1
                continue
            self.samples += insert_day(cur, device, day, self.now_ms, epoch=device)
            if self.feed is not None:
                self.feed.day(device, d, self.now_ms)
            if compact_before is not None and device % self.args.slice_devices == 0:
                compaction.compact(cur, compact_before)
        if compact_before is not None:
            compaction.compact(cur, compact_before)
        stream_progress.prune_batches(cur)  # the hourly retention job's step
        done = f" ({skipped} devices stored before the resume)" if skipped else ""
        log(f"day {d + 1}/{self.args.days} stored in {time.monotonic() - started:.1f} s{done}")

    def store_closed_days(self, count: int) -> None:
        """Days 0 to ``count`` - 1 of every device, written directly as compaction leaves closed
        days (``bench.fleet_direct``: the same tables, hours faster), device after device."""
        cur = self.tsdb.cursor()
        started = time.monotonic()
        cutoff = self.first + timedelta(days=count)
        cutoff_ms = int(cutoff.replace(tzinfo=UTC).timestamp() * 1000)
        marks = {r.device_id: r.hwm for r in stream_progress.load(cur) if r.epoch == r.device_id}
        skipped = 0
        for device in range(1, self.args.devices + 1):
            days = [self.days.of(device, d) for d in range(count)]
            if marks.get(device, -1) >= last_seq(days[-1], cutoff_ms):
                self.samples += sum(day_samples(day, cutoff_ms) for day in days)
                skipped += 1
                continue
            self.samples += fleet_direct.store_closed_days(cur, device, days, cutoff_ms, epoch=device)
            if self.feed is not None:
                for d in range(count):
                    self.feed.day(device, d, cutoff_ms)
            if device % self.args.slice_devices == 0:  # as compaction and retention keep up:
                # the runs summarised, the batch rows below the marks pruned. Left to the end,
                # 43 M batch rows (1,000 devices x 5 days) stored device after device spread
                # every prune step over the whole table: out of memory at 512 MB.
                run_summary.summarise(cur, cutoff)
                stream_progress.prune_batches(cur)
            if device % 100 == 0:
                took = time.monotonic() - started
                log(f"closed days: {device}/{self.args.devices} devices in {took:.0f} s")
        run_summary.summarise(cur, cutoff)
        stream_progress.prune_batches(cur)
        done = f" ({skipped} devices stored before the resume)" if skipped else ""
        log(f"{count} closed days stored in {time.monotonic() - started:.1f} s{done}")

    @classmethod
    def reopen(cls, old: Fleet) -> Fleet:
        """The same fleet on the database file again (after another process used it)."""
        new = cls.__new__(cls)
        new.__dict__.update(old.__dict__)
        new.tsdb = TimeSeriesDB(old.tsdb.path, memory_limit_mb=old.args.memory_mb, threads=old.args.threads)
        return new

    def close(self) -> None:
        """Checkpoint and close the database; VictoriaMetrics' feed emptied (not stopped)."""
        if self.feed is not None:
            self.feed.drain()
        self.tsdb.checkpoint()
        self.tsdb.close()


def in_child(task: str, args: argparse.Namespace, db_path: Path, *rest: str) -> dict[str, Any]:
    """``bench.fleet_child`` in a fresh interpreter: its JSON answer, with ``hwm_mb``."""
    cmd = [
        sys.executable,
        "-m",
        "bench.fleet_child",
        task,
        str(db_path),
        str(args.memory_mb),
        str(args.threads),
    ]
    done = subprocess.run([*cmd, *rest], check=False, capture_output=True, text=True)
    if done.returncode != 0:  # its stderr says why (a DuckDB error, a traceback): not lost
        raise RuntimeError(f"bench.fleet_child {task} exited {done.returncode}:\n{done.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def tier_bytes(db_path: Path, samples: int) -> dict[str, dict[str, float]]:
    """Each tier copied alone into a fresh file: its bytes on disk and bytes per sample."""
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, table, where in TIERS:
            target = Path(tmp) / "tier.duckdb"
            con = duckdb.connect(str(target))
            con.execute(f"ATTACH '{db_path}' AS src (READ_ONLY)")
            con.execute(f"CREATE TABLE t AS SELECT * FROM src.{table} WHERE {where}")
            rows = int(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
            con.execute("DETACH src")
            con.execute("CHECKPOINT")
            con.close()
            size = target.stat().st_size if rows else 0
            out[name] = {"rows": rows, "bytes": size, "bytes_per_sample": size / samples}
            target.unlink()
    return out


def vm_get(vm: VictoriaMetrics, path: str, args: dict[str, object]) -> None:
    status, body = vm.get(f"{path}?{urllib.parse.urlencode(args)}")
    if status != 200:
        raise RuntimeError(f"VictoriaMetrics {path}: HTTP {status} {body[:200]!r}")


def _vm_chart(vm: VictoriaMetrics, device: int, window: Window, rate: bool) -> Callable[[], object]:
    step = window.step_s
    if rate:
        query = f'rate(net_rx_bytes{{device="{device}",iface="eth0"}}[{step}s])'
    else:
        query = f'avg_over_time(cpu_percent{{device="{device}",cpu="total"}}[{step}s])'
    args = {
        "query": query,
        "start": window.start.timestamp(),
        "end": window.end.timestamp(),
        "step": f"{step}s",
    }
    return lambda: vm_get(vm, "/api/v1/query_range", args)


def vm_reads(args: argparse.Namespace, now: datetime, vm: VictoriaMetrics) -> dict[str, Any]:
    """The same questions as ``fleet_child.reads``, asked of VictoriaMetrics over HTTP."""
    out: dict[str, Any] = {}
    for (key, span, step), picks in zip(RANGES, chart_devices(args.devices, args.queries), strict=True):
        if span > timedelta(days=args.days):
            continue
        window = Window.last(span, step, now=now.replace(tzinfo=UTC))
        out[f"chart {key} (cpu, one series)"] = percentiles([_vm_chart(vm, d, window, False) for d in picks])
        out[f"chart {key} (net rate, one counter)"] = percentiles(
            [_vm_chart(vm, d, window, True) for d in picks]
        )
    at = now.replace(tzinfo=UTC).timestamp()
    vm_args = {"query": 'last_over_time(cpu_percent{cpu="total"}[10m])', "time": at}
    out[f"latest value of {args.devices} devices"] = percentiles(
        [lambda: vm_get(vm, "/api/v1/query", vm_args)] * args.queries
    )
    return out


def report(result: dict[str, Any]) -> str:
    size = f"{result['devices']} devices x {SERIES_PER_DEVICE} series x {result['days']} days"
    lines = [f"## bench/fleet: {size}", ""]
    lines.append(f"{result['samples']:,} samples; `{result['command']}`; {result['date']}")
    lines.append(f"load average before: {result['load']:.2f}")
    lines += ["", "| measure | EUS | VictoriaMetrics |", "|---|---|---|"]
    lines.append(
        f"| open the time-series DB | {result['open_s']:.2f} s, {result['open_rss_mb']:.0f} MB RSS | |"
    )
    if "compaction" in result:
        c = result["compaction"]
        day = f"{c['seconds']:.1f} s, peak RSS {c['peak_rss_mb']:.0f} MB"
        lines.append(f"| compact one day ({c['moved']:,} raw samples) | {day} | |")
    for name, tier in result["tiers"].items():
        lines.append(f"| {name}: rows, bytes/sample | {tier['rows']:,}, {tier['bytes_per_sample']:.3f} | |")
    total = sum(t["bytes"] for t in result["tiers"].values())
    vm_disk = result.get("vm_disk_bytes")
    vm_cell = f"{vm_disk / result['samples']:.3f}" if vm_disk else ""
    lines.append(f"| all tables, bytes/sample | {total / result['samples']:.3f} | {vm_cell} |")
    lines.append(f"| peak RSS of a process serving the reads below | {result['reads_rss_mb']:.0f} MB | |")
    for name, r in result["reads"].items():
        vm = r.get("vm")
        vm_txt = f"{vm['p50_ms']:.1f} / {vm['p95_ms']:.1f} ms" if vm else ""
        lines.append(
            f"| {name}, p50 / p95 | {r['eus']['p50_ms']:.1f} / {r['eus']['p95_ms']:.1f} ms | {vm_txt} |"
        )
    if "http" in result:
        lines += pages_report(result)
    return "\n".join(lines)


def pages_report(result: dict[str, Any]) -> list[str]:
    h = result["http"]
    lines = [
        "",
        f"Pages over HTTP (a real collector process; load average {result['pages_load']:.2f}; "
        f"the data ends {result['pages_lag_min']:.0f} min before the pages are timed):",
        "",
        f"collector start {h['start_s']:.1f} s; RSS after the pages {h['rss_mb']:.0f} MB "
        f"(peak {h['peak_rss_mb']:.0f} MB)",
        *(
            [
                f"while {h['live']['agents']:,} agents streamed at the real pace through the pages: "
                f"{h['live']['samples']:,} samples in {h['live']['batches']:,} batches over "
                f"{h['live']['seconds']:.0f} s ({h['live']['samples_per_s']:,.0f} samples/s), acked"
            ]
            if "live" in h
            else []
        ),
        "",
        "| page | p50 / p95 | x /healthz (p50 / p95) |",
        "|---|---|---|",
    ]
    for name, p in h["pages"].items():
        lines.append(
            f"| {name} | {p['p50_ms']:.1f} / {p['p95_ms']:.1f} ms | {p['x_p50']:.1f} / {p['x_p95']:.1f} |"
        )
    return lines


def time_pages(
    args: argparse.Namespace, result: dict[str, Any], data_dir: Path, first: datetime, now: datetime
) -> None:
    """Seed the relational side (and function results up to ``now``), then time the pages."""
    log("seeding customers, devices, function results, alerts and tickets")
    t = time.monotonic()
    seeded = fleet_seed.seed(data_dir, data_dir / "metrics.duckdb", args.devices, first, now)
    log(f"seeded in {time.monotonic() - t:.0f} s")
    result["pages_load"] = os.getloadavg()[0]
    result["pages_lag_min"] = (datetime.now(UTC).replace(tzinfo=None) - now).total_seconds() / 60
    result["http"] = fleet_pages.measure(
        data_dir,
        seeded,
        queries=args.queries,
        memory_mb=args.memory_mb,
        threads=args.threads,
        log=log,
        live_agents=args.devices if args.live_agents is None else args.live_agents,
    )


def pages_again(args: argparse.Namespace) -> int:
    """``--pages-only``: the earlier run's fleet, its relational side and function results
    seeded afresh (up to the clock's now), the pages timed again; fleet.json updated."""
    data_dir = args.work / "collector"
    if (args.work / "fleet.json").exists():
        result = json.loads((args.work / "fleet.json").read_text())
    else:  # no fleet built: the relational side and function results only, no time series
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        started = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
        result = {"devices": args.devices, "days": args.days, "samples": 0}
        result["first"] = day_start(started, args.days - 1).isoformat()
    args.devices = result["devices"]
    if "first" in result:
        first = datetime.fromisoformat(result["first"])
    else:  # a run from before "first" was recorded: its first day's midnight
        started = datetime.strptime(result["date"], "%Y-%m-%d %H:%M UTC")
        first = day_start(started, result["days"] - 1)
    (data_dir / "eus.sqlite3").unlink(missing_ok=True)
    tsdb = TimeSeriesDB(data_dir / "metrics.duckdb", memory_limit_mb=args.memory_mb, threads=args.threads)
    tsdb.cursor().execute("DELETE FROM function_results").fetchall()
    tsdb.cursor().execute("DELETE FROM function_hours").fetchall()
    tsdb.checkpoint()
    tsdb.close()
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    result["pages_command"] = "python -m bench.fleet " + " ".join(sys.argv[1:])
    time_pages(args, result, data_dir, first, now)
    if "now" in result:  # the time series end where the build stopped
        ended = datetime.fromisoformat(result["now"])
        result["pages_lag_min"] = (datetime.now(UTC).replace(tzinfo=None) - ended).total_seconds() / 60
    (args.work / "fleet.json").write_text(json.dumps(result, indent=2))
    print(report(result) if result["samples"] else "\n".join(pages_report(result)))
    return 0


def build_now(hours_today: float | None) -> datetime:
    """Where the fleet's time series end (naive UTC): the clock's now, or ``hours_today`` into today."""
    if hours_today is None:
        return datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    midnight = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(hours=hours_today)


class BuildState:
    """``<work>/build.json``: what a build has fixed (its size, its "now") and measured so far,
    so a killed build (a full-size one takes hours) can go on with ``--resume``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, result: dict[str, Any]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=2))
        tmp.replace(self.path)

    def load(self, args: argparse.Namespace) -> dict[str, Any]:
        if not self.path.exists():
            raise SystemExit(f"bench.fleet: nothing to resume: no {self.path}")
        result: dict[str, Any] = json.loads(self.path.read_text())
        if (result["devices"], result["days"]) != (args.devices, args.days):
            raise SystemExit(
                f"bench.fleet: {self.path} is a build of {result['devices']} devices x "
                f"{result['days']} days; resume it with --devices {result['devices']} --days {result['days']}"
            )
        return result


def start_build(
    args: argparse.Namespace, argv: Sequence[str] | None, work: Path, state: BuildState
) -> dict[str, Any]:
    """The build's record: a fresh one (the work directory emptied), or the interrupted one."""
    if args.resume:
        result = state.load(args)
        log(f"resuming the build of {result['date']} in {work}")
        return result
    shutil.rmtree(work / "collector", ignore_errors=True)
    shutil.rmtree(work / "vm", ignore_errors=True)
    (work / "collector").mkdir(parents=True, mode=0o700)
    result = {
        "devices": args.devices,
        "days": args.days,
        "command": "python -m bench.fleet " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": os.getloadavg()[0],
        "now": build_now(args.hours_today).isoformat(),
    }
    state.save(result)
    return result


def compact_yesterday(
    args: argparse.Namespace, db_path: Path, now: datetime, result: dict[str, Any], state: BuildState
) -> None:
    """Yesterday's raw day compacted all at once in a fresh process: its time and peak RSS."""
    log("compacting yesterday in a separate process")
    interrupted = bool(result.get("compaction_started"))
    result["compaction_started"] = True
    state.save(result)
    got = in_child("compact", args, db_path, day_start(now, 0).isoformat())
    result["compaction"] = {"moved": got["moved"], "seconds": got["seconds"], "peak_rss_mb": got["hwm_mb"]}
    if interrupted:  # what an earlier, killed compaction left: not a whole day's measure
        result["compaction"]["resumed"] = True
    state.save(result)


def store_closed(fleet: Fleet, result: dict[str, Any], state: BuildState) -> Fleet:
    """Every closed day of the fleet; yesterday left raw and its compaction measured, unless
    ``--no-compaction-measure``. Returns the fleet, open again."""
    args = fleet.args
    closed = args.days - 1 if args.no_compaction_measure else args.days - 2
    if args.compact_every_day:  # the product's compaction, day after day (hours at 1,000)
        for d in range(closed):
            fleet.store_day(d, compact_before=fleet.first + timedelta(days=d + 1))
    else:
        fleet.store_closed_days(closed)
    if args.no_compaction_measure:
        return fleet
    fleet.store_day(args.days - 2, compact_before=None)  # yesterday: raw, to measure its compaction
    fleet.close()
    if "compaction" not in result:
        compact_yesterday(args, Path(fleet.tsdb.path), fleet.now, result, state)
    return Fleet.reopen(fleet)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=20)
    p.add_argument("--days", type=int, default=2)
    p.add_argument(
        "--hours-today",
        type=float,
        default=None,
        help="how far into today 'now' is (default: the clock's now, which the pages need)",
    )
    p.add_argument("--queries", type=int, default=30)
    p.add_argument(
        "--live-agents",
        type=int,
        default=None,
        help="agents streaming at the real pace while the pages are timed (default: --devices; 0: none)",
    )
    p.add_argument("--slice-devices", type=int, default=50, help="devices inserted between compactions")
    p.add_argument("--memory-mb", type=int, default=512)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-vm", action="store_true")
    p.add_argument(
        "--compact-every-day",
        action="store_true",
        help="store each closed day raw and run the product's compaction on it (hours at 1,000 "
        "devices) instead of writing the layout it leaves directly (bench.fleet_direct)",
    )
    p.add_argument(
        "--no-compaction-measure",
        action="store_true",
        help="write yesterday like the other closed days instead of compacting it in a child "
        "process to measure that compaction's time and peak RSS",
    )
    p.add_argument("--no-pages", action="store_true", help="skip the pages over HTTP")
    p.add_argument("--work", type=Path, default=None)
    p.add_argument(
        "--resume",
        action="store_true",
        help="go on with an interrupted build in --work (same --devices and --days): the device-days "
        "stored are kept, the rest stored, then every measure taken",
    )
    p.add_argument(
        "--pages-only",
        action="store_true",
        help="re-seed the relational side and time the pages again on --work's fleet, built before "
        "(with no fleet there: --devices and --days of function results, no time series)",
    )
    args = p.parse_args(argv)
    if args.pages_only:
        if args.work is None:
            p.error("--pages-only needs the --work directory of an earlier run")
        return pages_again(args)
    if args.days < 2:
        p.error("--days must be at least 2 (yesterday's compaction is measured)")
    if args.resume and args.work is None:
        p.error("--resume needs the --work directory of the interrupted run")
    work = args.work or Path(tempfile.mkdtemp(prefix="eus-fleet-"))
    work.mkdir(parents=True, exist_ok=True)
    data_dir = work / "collector"  # the collector's data directory: the pages run on it
    db_path = data_dir / "metrics.duckdb"
    vm_dir = work / "vm"
    state = BuildState(work / "build.json")
    result = start_build(args, argv, work, state)
    now = datetime.fromisoformat(result["now"])
    vm = None if args.no_vm else VictoriaMetrics(vm_dir, work / "vm.log").__enter__()
    try:
        log(f"building {args.devices} devices x {SERIES_PER_DEVICE} series x {args.days} days in {work}")
        fleet = store_closed(Fleet(args, db_path, now, vm), result, state)
        fleet.store_day(
            args.days - 1, compact_before=now - timedelta(minutes=1)
        )  # today, as the job leaves it
        log(f"raw tier in arrival order: {raw_in_arrival_order(fleet.tsdb.cursor()):,} rows")
        fleet.close()
        if fleet.feed is not None:
            fleet.feed.close()
        result["samples"] = fleet.samples
        got = in_child("open", args, db_path)
        result["open_s"], result["open_rss_mb"] = got["open_s"], got["hwm_mb"]
        result["tiers"] = tier_bytes(db_path, result["samples"])
        if vm is not None:
            vm.force_flush()
        log("timing reads")
        got = in_child(
            "reads", args, db_path, now.isoformat(), str(args.devices), str(args.days), str(args.queries)
        )
        result["reads"] = {k: {"eus": v} for k, v in got["reads"].items()}
        result["reads_rss_mb"] = got["hwm_mb"]
        if vm is not None:
            for k, v in vm_reads(args, now, vm).items():
                result["reads"][k]["vm"] = v
            # Its data directory after a clean stop: force_flush makes the samples searchable
            # but can leave them in memory (4 devices x 3 days measured 0.03 B/sample before).
            vm.__exit__(None, None, None)
            result["vm_disk_bytes"] = dir_bytes(vm_dir)
        result["first"] = fleet.first.isoformat()
        if not args.no_pages:
            time_pages(args, result, data_dir, fleet.first, now)
    finally:
        if vm is not None:
            vm.__exit__(None, None, None)
    (work / "fleet.json").write_text(json.dumps(result, indent=2))
    print(report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
