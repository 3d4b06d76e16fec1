"""What the compaction window and the block encoder cost: ratios measured in one run.

Builds one raw day of ``--devices`` devices x 50 of the real agent's series (``bench.fleet``'s
generator), copies the DuckDB file once per case, and compacts the whole day at once in a fresh
process per case and round, alternating the cases so a busy machine weighs on each alike.
Reports raw samples per CPU-second of the compacting process (its own user + system time), and
each case's ratio to the baseline (the 15-min window, the previous default). Then times the
block encoder on one slice's 15-min and 5-min windows: ``blocks.encode`` per block against
``blocks.encode_many`` on them all.

    .venv/bin/python -m bench.compaction_window --devices 10 --rounds 2
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
from datetime import datetime
from pathlib import Path

import numpy as np

from bench.fleet import Fleet
from bench.fleet_data import day_start

NOW = datetime(2026, 12, 7, 1, 0)  # naive UTC: yesterday is the whole day compacted
WINDOWS_S = (900, 300)  # the baseline first


def _build(path: Path, devices: int) -> None:
    args = argparse.Namespace(devices=devices, days=2, memory_mb=512, threads=2, slice_devices=50)
    fleet = Fleet(args, path, NOW, None)
    fleet.store_day(0, compact_before=None)
    fleet.close()


def _compact_child(db: str, window_s: int) -> None:
    """In a fresh process: compact the day, print samples moved and CPU seconds."""
    from collector.tsdb import compaction
    from collector.tsdb.db import TimeSeriesDB

    tsdb = TimeSeriesDB(db, memory_limit_mb=512, threads=2)
    started = time.process_time()
    moved = compaction.compact(tsdb.cursor(), day_start(NOW, 0), compaction.Settings(window_s=window_s))
    cpu = time.process_time() - started
    tsdb.close()
    print(json.dumps({"moved": moved, "cpu_s": cpu}))


def _compact(source: Path, work: Path, window_s: int) -> float:
    """Raw samples per CPU-second compacting a copy of ``source`` by ``window_s`` windows."""
    copy = work / f"w{window_s}.duckdb"
    shutil.copyfile(source, copy)
    cmd = [sys.executable, "-m", "bench.compaction_window", "--child", str(copy), str(window_s)]
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    copy.unlink()
    return float(out["moved"]) / float(out["cpu_s"])


def _encoder(rounds: int) -> dict[int, tuple[float, float]]:
    """Per window: (s per block with encode, s per block with encode_many) on 4,096 series."""
    from collector.tsdb import blocks

    rng = np.random.default_rng(5)
    out: dict[int, tuple[float, float]] = {}
    for window_s in WINDOWS_S:
        n = window_s // 10
        ts = [1_795_000_000_000 + np.arange(n) * 10_000 + rng.integers(-40, 40, n) for _ in range(4096)]
        ts = [t * 1000 for t in ts]  # whole milliseconds, in microseconds
        values = [
            np.round(rng.uniform(0, 100, n), 1) if i % 2 else np.cumsum(rng.integers(0, 10**6, n)) * 1.0
            for i in range(4096)
        ]
        one, many = [], []
        for _ in range(rounds):
            t = time.perf_counter()
            single = [blocks.encode(a, b) for a, b in zip(ts, values, strict=True)]
            one.append(time.perf_counter() - t)
            t = time.perf_counter()
            batch = blocks.encode_many(ts, values)
            many.append(time.perf_counter() - t)
            assert batch == single
        out[window_s] = (min(one) / 4096, min(many) / 4096)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        _compact_child(argv[1], int(argv[2]))
        return 0
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=10)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="eus-compaction-") as tmp:
        work = Path(tmp)
        source = work / "day.duckdb"
        _build(source, args.devices)
        rates: dict[int, list[float]] = {w: [] for w in WINDOWS_S}
        for r in range(args.rounds):
            for window_s in WINDOWS_S if r % 2 == 0 else WINDOWS_S[::-1]:
                rates[window_s].append(_compact(source, work, window_s))
    base = statistics.median(rates[WINDOWS_S[0]])
    print(f"## compaction of one day, {args.devices} devices x 50 series, {args.rounds} rounds")
    print("| window | raw samples per CPU-second (each round) | x 15-min window |")
    print("|---|---|---|")
    for window_s, got in rates.items():
        each = ", ".join(f"{g / 1000:.0f} k" for g in got)
        print(f"| {window_s // 60} min | {each} | {statistics.median(got) / base:.2f} |")
    print("\n## block encoder, 4,096 series' windows")
    print("| window | encode, µs a block | encode_many, µs a block | x encode |")
    print("|---|---|---|---|")
    for window_s, (one, many) in _encoder(args.rounds).items():
        print(f"| {window_s // 60} min | {one * 1e6:.1f} | {many * 1e6:.1f} | {one / many:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
