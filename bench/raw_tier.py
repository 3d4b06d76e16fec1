"""What the compaction window costs a chart line: both tiers as each window leaves them.

The raw tier lies in arrival order (time order across devices), so no row group can be
skipped by series and every one-series read scans all of it; what compaction moved out of it
is read as blocks instead, one per series and window until the hour is merged. This builds
``--devices`` devices x 50 of the real agent's series for the first ``--minutes`` of a day
(``bench.fleet``'s generator, laid out in arrival order), copies the file once per window
(15 min, the old default; 5 min) and compacts each copy as the job would a minute ago, then
alternates ``--reads`` one-series 1-h chart reads (random devices, the chart path's
``bucket_average``) between the copies. Reports each copy's raw rows and window blocks, the
reads' p50/p95, and the ratio to the 15-min window (the baseline).

    .venv/bin/python -m bench.raw_tier --devices 1000 --minutes 68
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.fleet import Fleet
from bench.fleet_data import CPU, raw_in_arrival_order, series_id
from collector.tsdb import compaction, queries
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.queries import Window

MIDNIGHT = datetime(2026, 12, 7)  # naive UTC
WINDOWS_S = (900, 300)  # the old default (the baseline) and the new one


def _build(path: Path, devices: int, minutes: int) -> int:
    args = argparse.Namespace(devices=devices, days=1, memory_mb=512, threads=2, slice_devices=50)
    fleet = Fleet(args, path, MIDNIGHT + timedelta(minutes=minutes), None)
    fleet.store_day(0, compact_before=None)
    rows = raw_in_arrival_order(fleet.tsdb.cursor())
    fleet.close()
    return rows


def _compacted(source: Path, target: Path, end: datetime, window_s: int) -> tuple[int, int]:
    """A copy of ``source`` compacted as the job leaves it at ``end``: (raw rows, window blocks)."""
    shutil.copyfile(source, target)
    tsdb = TimeSeriesDB(target, memory_limit_mb=512, threads=2)
    cur = tsdb.cursor()
    compaction.compact(cur, end - timedelta(minutes=1), compaction.Settings(window_s=window_s))
    raw = int(cur.execute("SELECT count(*) FROM samples").fetchall()[0][0])
    hour = end.replace(minute=0, second=0, microsecond=0)
    windows = int(
        cur.execute("SELECT count(*) FROM sample_blocks WHERE first_ts >= ?", [hour]).fetchall()[0][0]
    )
    tsdb.checkpoint()
    tsdb.close()
    return raw, windows


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=1000)
    p.add_argument("--minutes", type=int, default=68, help="how far into the day the data ends")
    p.add_argument("--reads", type=int, default=300)
    args = p.parse_args(argv)
    end = MIDNIGHT + timedelta(minutes=args.minutes)
    with tempfile.TemporaryDirectory(prefix="eus-raw-tier-") as tmp:
        source = Path(tmp) / "raw.duckdb"
        _build(source, args.devices, args.minutes)
        paths = {w: Path(tmp) / f"w{w}.duckdb" for w in WINDOWS_S}
        tiers = {w: _compacted(source, path, end, w) for w, path in paths.items()}
        source.unlink()
        dbs = {w: TimeSeriesDB(path, memory_limit_mb=512, threads=2) for w, path in paths.items()}
        window = Window.last(timedelta(hours=1), 10, now=end.replace(tzinfo=UTC))
        rng = random.Random(5)
        times: dict[int, list[float]] = {w: [] for w in dbs}
        for i in range(args.reads):
            device = rng.randint(1, args.devices)
            for w in WINDOWS_S if i % 2 else WINDOWS_S[::-1]:  # alternate: load weighs on both alike
                cur = dbs[w].cursor()
                t = time.perf_counter()
                queries.bucket_average(cur, [series_id(device, CPU)], window)
                times[w].append((time.perf_counter() - t) * 1000)
        for db in dbs.values():
            db.close()
    base = statistics.median(times[WINDOWS_S[0]])
    print(
        f"## a 1-h one-series chart line, {args.devices} devices x 50 series, {args.minutes} min into the day"
    )
    print("| compaction window | raw rows | window blocks this hour | p50 / p95 | p50 x 15-min window |")
    print("|---|---|---|---|---|")
    for w, got in times.items():
        got.sort()
        p95 = got[min(len(got) - 1, int(0.95 * len(got)))]
        raw, blocks = tiers[w]
        print(f"| {w // 60} min | {raw:,} | {blocks:,} | {statistics.median(got):.1f} / {p95:.1f} ms | "
              f"{statistics.median(got) / base:.2f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
