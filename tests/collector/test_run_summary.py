"""collector.tsdb.run_summary: collector runs become one row per device, collector and 5 min."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from collector.tsdb import compaction

T0 = datetime(2026, 11, 20, 10, 0)


def test_runs_are_summarised_with_the_samples_and_late_ones_add_a_row(cur: duckdb.DuckDBPyConnection) -> None:
    runs = [
        (1, "cpu", T0 + timedelta(seconds=10 * i), 0.01 * (i + 1), i != 3, "boom" if i == 3 else "")
        for i in range(40)  # 0:00-0:06:30: one 5-min bucket full, the next partly
    ] + [(2, "disk", T0 + timedelta(seconds=5), 0.5, False, "no such device")]
    cur.executemany("INSERT INTO collector_runs VALUES (?, ?, ?, ?, ?, ?)", runs)
    compaction.compact(cur, T0 + timedelta(minutes=16))  # the window 10:00-10:15 is whole
    assert cur.execute("SELECT count(*) FROM collector_runs").fetchall() == [(0,)]
    got = cur.execute(
        "SELECT device_id, collector, bucket, runs, failures, round(duration_sum, 6), duration_max, "
        "last_error FROM collector_run_summary ORDER BY ALL"
    ).fetchall()
    assert got == [
        (1, "cpu", T0, 30, 1, round(sum(0.01 * (i + 1) for i in range(30)), 6), 0.3, "boom"),
        (
            1,
            "cpu",
            T0 + timedelta(minutes=5),
            10,
            0,
            round(sum(0.01 * (i + 1) for i in range(30, 40)), 6),
            0.4,
            "",
        ),
        (2, "disk", T0, 1, 1, 0.5, 0.5, "no such device"),
    ]
    cur.execute(
        "INSERT INTO collector_runs VALUES (2, 'disk', ?, 0.25, true, '')", [T0 + timedelta(seconds=7)]
    )
    compaction.compact(cur, T0 + timedelta(minutes=31))
    assert cur.execute(
        "SELECT sum(runs), sum(failures) FROM collector_run_summary WHERE device_id = 2"
    ).fetchall() == [(2, 1)]
