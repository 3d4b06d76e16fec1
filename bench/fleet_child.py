"""The collector's side of bench/fleet, each measure in a fresh process so its RSS is its own.

    python -m bench.fleet_child open|compact|reads DB MEMORY_MB THREADS [args...]

Prints one JSON object: the measure and ``hwm_mb``, the process's peak RSS (VmHWM, which
starts afresh at exec, unlike ``ru_maxrss`` of a forked child).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.fleet_data import CPU, RANGES, RX, chart_devices, percentiles, series_id
from bench.procs import own_peak_rss_mb
from collector.tsdb import compaction, queries
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.queries import Window
from collector.tsdb.snmp.readings import latest_points


def _chart(tsdb: TimeSeriesDB, device: int, window: Window, rate: bool) -> Callable[[], object]:
    cur = tsdb.cursor()
    if rate:
        return lambda: queries.bucket_rate(cur, [series_id(device, RX)], window)
    return lambda: queries.bucket_average(cur, [series_id(device, CPU)], window)


def reads(tsdb: TimeSeriesDB, now: datetime, devices: int, days: int, queries_n: int) -> dict[str, Any]:
    """p50/p95 of each range's chart reads and of the latest value of every device."""
    out: dict[str, Any] = {}
    for (key, span, step), picks in zip(RANGES, chart_devices(devices, queries_n), strict=True):
        if span > timedelta(days=days):
            continue
        window = Window.last(span, step, now=now.replace(tzinfo=UTC))
        out[f"chart {key} (cpu, one series)"] = percentiles([_chart(tsdb, d, window, False) for d in picks])
        out[f"chart {key} (net rate, one counter)"] = percentiles(
            [_chart(tsdb, d, window, True) for d in picks]
        )
    cur = tsdb.cursor()
    ids = [series_id(d, CPU) for d in range(1, devices + 1)]

    def latest() -> object:
        return latest_points(cur, ids, window=timedelta(minutes=10), per_series=1, now=now)

    out[f"latest value of {devices} devices"] = percentiles([latest] * queries_n)
    return out


def main(argv: Sequence[str]) -> int:
    task, db, memory_mb, threads, *rest = argv
    started = time.monotonic()
    tsdb = TimeSeriesDB(db, memory_limit_mb=int(memory_mb), threads=int(threads))
    tsdb.cursor().execute("SELECT count(*) FROM series").fetchall()
    result: dict[str, Any] = {"open_s": time.monotonic() - started}
    if task == "compact":
        t = time.monotonic()
        result["moved"] = compaction.compact(tsdb.cursor(), datetime.fromisoformat(rest[0]))
        result["seconds"] = time.monotonic() - t
    elif task == "reads":
        now = datetime.fromisoformat(rest[0])
        result["reads"] = reads(tsdb, now, int(rest[1]), int(rest[2]), int(rest[3]))
    tsdb.close()
    result["hwm_mb"] = own_peak_rss_mb()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
