"""What the WAL's checkpoint threshold costs compaction: DuckDB's 16 MB against 256 MB.

A commit checkpoints the database file once the WAL passes ``checkpoint_threshold``, and a
checkpoint costs about the same whatever the WAL holds. This builds ``--devices`` devices x
50 of the real agent's series for a day up to each run's time (``bench.fleet``'s
generator), then measures the two compaction runs that merge: the one just after an hour closes (its last
window compacted, the hour's windows folded into hour blocks) and the one just after the
day closes (the same for the last hour, then the day's hour blocks folded into day blocks).
Each run starts from a copy of the file as the job leaves it a minute earlier, once per
threshold, the thresholds alternating ``--repeats`` times, and ends with a ``CHECKPOINT`` so
that both pay for everything they wrote. Reports wall and CPU seconds (p50) and the ratio to
16 MB (the baseline).

``--peak-rss`` measures memory instead: a whole raw day compacted at once (the worst case,
what a collector that was down for a day meets) in a fresh process per threshold, from
copies of one file, and reports each process's peak RSS (VmHWM) beside 16 MB's.

    .venv/bin/python -m bench.checkpoint_threshold --devices 100 --repeats 3
    .venv/bin/python -m bench.checkpoint_threshold --devices 200 --peak-rss
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from bench.fleet import Fleet
from bench.procs import own_peak_rss_mb
from collector.tsdb import compaction
from collector.tsdb.db import TimeSeriesDB

MIDNIGHT = datetime(2026, 12, 7)  # naive UTC
THRESHOLDS_MB = (0, 256)  # 0: DuckDB's own, 16 MB (the baseline)
RUNS = {"an hour closes (13:00)": timedelta(hours=13), "the day closes (00:00)": timedelta(days=1)}


def _build(path: Path, devices: int, end: datetime) -> None:
    """The day of ``devices`` up to ``end`` (at most a whole day: ``end`` may be midnight), raw."""
    args = argparse.Namespace(devices=devices, days=2, memory_mb=512, threads=2, slice_devices=50)
    fleet = Fleet(args, path, end, None)  # its day 0 is the day before ``end``'s
    day = (end - timedelta(microseconds=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    fleet.store_day((day - fleet.first).days, compact_before=None)
    fleet.close()


def _before(source: Path, target: Path, at: datetime) -> None:
    """A copy of ``source`` compacted as the job, run every minute, leaves it at ``at``."""
    shutil.copyfile(source, target)
    tsdb = TimeSeriesDB(target, memory_limit_mb=512, threads=2)
    compaction.compact(tsdb.cursor(), at - timedelta(minutes=1))
    tsdb.close()  # closing checkpoints: every copy starts with an empty WAL


def _run(path: Path, at: datetime, checkpoint_mb: int) -> tuple[float, float]:
    """(wall, CPU seconds) of the compaction run at ``at`` and the checkpoint after it."""
    tsdb = TimeSeriesDB(path, memory_limit_mb=512, threads=2, checkpoint_mb=checkpoint_mb)
    wall, cpu = time.perf_counter(), time.process_time()
    compaction.compact(tsdb.cursor(), at)
    tsdb.checkpoint()
    took = time.perf_counter() - wall, time.process_time() - cpu
    tsdb.close()
    return took


def _child(path: str, at: str, checkpoint_mb: str) -> int:
    """One compaction run in this (fresh) process: its time and peak RSS as JSON."""
    tsdb = TimeSeriesDB(path, memory_limit_mb=512, threads=2, checkpoint_mb=int(checkpoint_mb))
    wall = time.perf_counter()
    moved = compaction.compact(tsdb.cursor(), datetime.fromisoformat(at))
    tsdb.checkpoint()
    took = time.perf_counter() - wall
    tsdb.close()
    print(json.dumps({"moved": moved, "seconds": took, "hwm_mb": own_peak_rss_mb()}))
    return 0


def peak_rss(devices: int, thresholds: Sequence[int]) -> int:
    """A whole raw day compacted at once, in a fresh process per threshold: peak RSS."""
    at = MIDNIGHT + timedelta(days=1)
    print(f"## a whole day compacted at once, {devices} devices x 50 series, one process per threshold")
    print("| threshold | raw samples | wall s | peak RSS MB |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="eus-checkpoint-", dir="/var/tmp") as tmp:
        source, copy = Path(tmp) / "day.duckdb", Path(tmp) / "run.duckdb"
        _build(source, devices, at)
        for mb in thresholds:
            shutil.copyfile(source, copy)
            cmd = [
                sys.executable,
                "-m",
                "bench.checkpoint_threshold",
                "--child",
                str(copy),
                at.isoformat(),
                str(mb),
            ]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            got = json.loads(done.stdout.strip().splitlines()[-1])
            label = f"{mb} MB" if mb else "16 MB (DuckDB's)"
            print(f"| {label} | {got['moved']:,} | {got['seconds']:.1f} | {got['hwm_mb']:.0f} |", flush=True)
            copy.unlink()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=100)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--peak-rss", action="store_true", help="peak RSS of a whole day compacted at once")
    p.add_argument(
        "--thresholds",
        default=",".join(map(str, THRESHOLDS_MB)),
        help="the thresholds in MB, comma-separated (0: DuckDB's 16 MB, the baseline)",
    )
    p.add_argument("--child", nargs=3, metavar=("DB", "AT", "MB"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return _child(*args.child)
    thresholds = [int(mb) for mb in args.thresholds.split(",")]
    if args.peak_rss:
        return peak_rss(args.devices, thresholds)
    if 0 not in thresholds:
        p.error("--thresholds must include 0 (DuckDB's 16 MB), the baseline")
    results: dict[tuple[str, int], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="eus-checkpoint-") as tmp:
        source, start, copy = Path(tmp) / "day.duckdb", Path(tmp) / "start.duckdb", Path(tmp) / "run.duckdb"
        for name, offset in RUNS.items():
            at = MIDNIGHT + offset
            _build(source, args.devices, at)
            _before(source, start, at)
            source.unlink()
            for i in range(args.repeats):
                for mb in thresholds if i % 2 == 0 else thresholds[::-1]:  # load weighs alike
                    shutil.copyfile(start, copy)
                    results.setdefault((name, mb), []).append(_run(copy, at, mb))
    print(f"## a compaction run and a checkpoint, {args.devices} devices x 50 series, p50 of {args.repeats}")
    print("| run | threshold | wall s | CPU s | CPU x 16 MB |")
    print("|---|---|---|---|---|")
    for name in RUNS:
        base = statistics.median(cpu for _, cpu in results[(name, 0)])
        for mb in thresholds:
            wall = statistics.median(w for w, _ in results[(name, mb)])
            cpu = statistics.median(c for _, c in results[(name, mb)])
            label = f"{mb} MB" if mb else "16 MB (DuckDB's)"
            print(f"| {name} | {label} | {wall:.1f} | {cpu:.1f} | {cpu / base:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
