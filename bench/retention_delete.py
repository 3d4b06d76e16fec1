"""Peak memory of retention's delete of function results: one DELETE against bounded steps.

Seeds a DuckDB file with the collector's schema (1,000 devices, 50 functions, one result a
minute each: 50,000 rows a minute), then deletes its oldest ``--delete-minutes`` in a fresh
process per mode, on a copy of the file, with the collector's DuckDB settings (512 MB memory
limit, 2 threads); the process's peak RSS (VmHWM) is what it reports. ``--layout ordered``
stores the rows in time order (as ingest does); ``interleaved`` mixes 20 minutes spread over
the whole range into each insert, so rows before the cut share DuckDB's 2,048-row vectors with
newer ones (the worst case: what late results do to a few vectors, everywhere).

    .venv/bin/python -m bench.retention_delete --minutes 2000 --delete-minutes 1600 --layout interleaved
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from collector.tsdb import time_steps
from collector.tsdb.db import TimeSeriesDB

T0 = datetime(2026, 11, 1)
ROWS_A_MINUTE = 50_000
MODES = ("single", "steps-1m", "steps-250k", "steps-100k")
STEP_ROWS = {"steps-1m": 1_000_000, "steps-250k": 250_000, "steps-100k": 100_000}

_SEED = """
INSERT INTO function_results
SELECT d::INTEGER, '', 'fn' || f, 'http', 'Web check ' || f,
       CASE WHEN random() < 0.02 THEN 3 ELSE 1 END,
       'HTTP 200 in ' || (random() * 500)::INTEGER || ' ms',
       $t0 + to_minutes(m::BIGINT) + to_milliseconds((d * 37 + f)::BIGINT % 60000),
       random(), '{{"ms": ' || (random() * 500)::INTEGER || '}}'
FROM (SELECT $first + j * $stride AS m FROM range(20) a(j) WHERE m < $minutes),
     range(1000) b(d), range(50) c(f)
ORDER BY {order}
"""


def seed(path: Path, minutes: int, layout: str) -> None:
    """Twenty minutes per insert: consecutive ones in time order, or spread over the range and shuffled."""
    db = TimeSeriesDB(path, memory_limit_mb=2048, threads=2)
    cur = db.cursor()
    inserts = -(-minutes // 20)
    sql = _SEED.format(order="m" if layout == "ordered" else "random()")
    for k in range(inserts):
        first, stride = (k * 20, 1) if layout == "ordered" else (k, inserts)
        cur.execute(sql, {"t0": T0, "first": first, "stride": stride, "minutes": minutes})
    db.checkpoint()
    db.close()


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(path: Path, mode: str, delete_minutes: int) -> None:
    """One mode in this (fresh) process; prints one result line."""
    cut = T0 + timedelta(minutes=delete_minutes)
    conn = duckdb.connect(str(path), config={"memory_limit": "512MB", "threads": 2})
    cur = conn.cursor()
    before = _hwm_mb()
    started = time.monotonic()
    try:
        if mode == "single":
            cur.execute("BEGIN TRANSACTION")
            steps = [int(cur.execute("DELETE FROM function_results WHERE ts < ?", [cut]).fetchall()[0][0])]
            cur.execute("COMMIT")
        else:
            steps = list(time_steps.delete_steps(cur, "function_results", "ts", cut, STEP_ROWS[mode]))
    except duckdb.OutOfMemoryException as exc:
        took = time.monotonic() - started
        failed = str(exc).splitlines()[0][:40]
        print(f"| {mode} | failed: {failed} | | | {took:.1f} s | {before:.0f} MB | {_hwm_mb():.0f} MB | |")
        conn.close()
        return
    took = time.monotonic() - started
    left_old = int(cur.execute("SELECT count(*) FROM function_results WHERE ts < ?", [cut]).fetchall()[0][0])
    conn.close()
    print(
        f"| {mode} | {sum(steps):,} | {len(steps)} | {max(steps):,} | {took:.1f} s "
        f"| {before:.0f} MB | {_hwm_mb():.0f} MB | {left_old} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=int, default=500, help="minutes of results to seed (50,000 rows each)")
    ap.add_argument("--delete-minutes", type=int, default=400, help="the oldest minutes to delete")
    ap.add_argument("--layout", choices=("ordered", "interleaved"), default="ordered")
    ap.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    ap.add_argument("--work", type=Path, default=Path("/tmp/eus-retention-bench"))
    ap.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.work / f"{args.child}.duckdb", args.child, args.delete_minutes)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    seeded = args.work / f"seed-{args.layout}-{args.minutes}.duckdb"
    if not seeded.exists():
        seed(seeded, args.minutes, args.layout)
    print(
        f"{args.minutes * ROWS_A_MINUTE:,} rows ({args.layout}), "
        f"deleting the oldest {args.delete_minutes * ROWS_A_MINUTE:,}"
    )
    print("| mode | deleted | steps | largest step | time | RSS before | peak RSS | old rows left |")
    print("|---|---|---|---|---|---|---|---|")
    for mode in args.modes:
        copy = args.work / f"{mode}.duckdb"
        shutil.copy(seeded, copy)
        cmd = [sys.executable, "-m", "bench.retention_delete", "--work", str(args.work)]
        cmd += ["--delete-minutes", str(args.delete_minutes), "--child", mode]
        subprocess.run(cmd, check=True)
        copy.unlink()


if __name__ == "__main__":
    main()
