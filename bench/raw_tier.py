"""What the raw tier's size costs a chart line: ratios measured in one run.

The raw tier lies in arrival order (time order across devices), so no row group can be
skipped by series and every one-series read scans all of it. This builds ``--devices``
devices x 50 of the real agent's series for the first ``--minutes`` of a day (``bench.fleet``'s
generator, laid out in arrival order), and a second file holding only the last ``--small``
minutes of it, then alternates ``--reads`` one-series 1-h chart reads (random devices, the
chart path's ``bucket_average``) between the two files. Reports p50/p95 of each and the ratio
to the larger tier (the baseline).

    .venv/bin/python -m bench.raw_tier --devices 1000 --minutes 15 --small 5
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.fleet import Fleet
from bench.fleet_data import CPU, raw_in_arrival_order, series_id
from collector.tsdb import queries
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.queries import Window

MIDNIGHT = datetime(2026, 12, 7)  # naive UTC


def _build(path: Path, devices: int, minutes: int) -> int:
    args = argparse.Namespace(devices=devices, days=1, memory_mb=512, threads=2, slice_devices=50)
    fleet = Fleet(args, path, MIDNIGHT + timedelta(minutes=minutes), None)
    fleet.store_day(0, compact_before=None)
    rows = raw_in_arrival_order(fleet.tsdb.cursor())
    fleet.close()
    return rows


def _last_minutes(source: Path, target: Path, since: datetime) -> int:
    """A fresh database holding the series and the raw samples of ``source`` from ``since`` on."""
    tsdb = TimeSeriesDB(target, memory_limit_mb=512, threads=2)
    cur = tsdb.cursor()
    cur.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    cur.execute("INSERT INTO series SELECT * FROM src.series")
    cur.execute("INSERT INTO samples SELECT * FROM src.samples WHERE ts >= ? ORDER BY ts, series_id", [since])
    cur.execute("DETACH src")
    rows = int(cur.execute("SELECT count(*) FROM samples").fetchall()[0][0])
    tsdb.close()
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=1000)
    p.add_argument("--minutes", type=int, default=15)
    p.add_argument("--small", type=int, default=5)
    p.add_argument("--reads", type=int, default=300)
    args = p.parse_args(argv)
    end = MIDNIGHT + timedelta(minutes=args.minutes)
    with tempfile.TemporaryDirectory(prefix="eus-raw-tier-") as tmp:
        big, small = Path(tmp) / "big.duckdb", Path(tmp) / "small.duckdb"
        rows = {args.minutes: _build(big, args.devices, args.minutes)}
        rows[args.small] = _last_minutes(big, small, end - timedelta(minutes=args.small))
        dbs = {
            m: TimeSeriesDB(path, memory_limit_mb=512, threads=2)
            for m, path in ((args.minutes, big), (args.small, small))
        }
        window = Window.last(timedelta(hours=1), 10, now=end.replace(tzinfo=UTC))
        rng = random.Random(5)
        times: dict[int, list[float]] = {m: [] for m in dbs}
        order = list(dbs)
        for i in range(args.reads):
            device = rng.randint(1, args.devices)
            for m in order if i % 2 else order[::-1]:  # alternate: load weighs on both alike
                cur = dbs[m].cursor()
                t = time.perf_counter()
                queries.bucket_average(cur, [series_id(device, CPU)], window)
                times[m].append((time.perf_counter() - t) * 1000)
        for db in dbs.values():
            db.close()
    base = statistics.median(times[args.minutes])
    print(f"## a 1-h one-series chart line over the raw tier, {args.devices} devices x 50 series")
    print("| raw tier | rows | p50 / p95 | p50 x the larger tier |")
    print("|---|---|---|---|")
    for m, got in times.items():
        got.sort()
        p95 = got[min(len(got) - 1, int(0.95 * len(got)))]
        print(f"| {m} min | {rows[m]:,} | {statistics.median(got):.1f} / {p95:.1f} ms | "
              f"{statistics.median(got) / base:.2f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
