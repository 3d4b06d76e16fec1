"""collector.tsdb.retention: each tier drops exactly what is past its age; the per-record tables
(function results and changes, events, command results, inventory changes) record their cut,
and ``function_last`` is never pruned."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from collector.app import Collector
from collector.config import load
from collector.tsdb import retention

NOW = datetime(2026, 12, 1, 12, 0)
US = timedelta(microseconds=1)


# The per-record tables, their default age and a row of them at ``$ts``.
RECORDS = (
    ("function_results", 30, "(1, '', 'f', 'http', 'f', 1, 'ok', $ts, 0.1, '{}')"),
    ("function_changes", 365, "(1, '', 'f', 'http', 'f', $ts, 1, NULL, 'ok')"),
    ("events", 180, "(1, $ts, 'snmp.trap', '192.0.2.1', 'warning', 'link down', '{}', $ts)"),
    ("command_results", 90, "(1, 'c1', true, 'done', $ts)"),
    ("inventory_changes", 730, "(1, '', $ts, $ts, 'package', 'curl', 'added', '', '8.0', NULL, '{}', 1, 1)"),
)


def _seed(cur: duckdb.DuckDBPyConnection) -> None:
    """In each tier one row whose data ends just before its cut and one that ends exactly on it."""
    raw_cut = NOW - timedelta(days=30)
    for ts in (raw_cut - US, raw_cut):
        cur.execute("INSERT INTO samples VALUES (1, ?, 1.0)", [ts])
        cur.execute("INSERT INTO sample_blocks VALUES (1, ?, ?, 2, 'x')", [ts - timedelta(hours=1), ts])
        cur.execute("INSERT INTO collector_runs VALUES (1, 'cpu', ?, 0.1, true, '')", [ts])
        bucket = ts - timedelta(seconds=300) + US  # ends on the cut, then a microsecond after it
        cur.execute("INSERT INTO collector_run_summary VALUES (1, 'cpu', ?, 30, 0, 0.1, 0.01, '')", [bucket])
    for step, days in ((300, 180), (3600, 730)):
        last_bucket_end = NOW - timedelta(days=days)
        # A bucket covers [start, start + step): the first is wholly before the cut, the second not.
        for end in (last_bucket_end, last_bucket_end + US):
            start = end - timedelta(seconds=step)
            cur.execute("INSERT INTO rollup_blocks VALUES (1, ?, ?, ?, 1, 0, 'x')", [step, start, start])
    for table, days, row in RECORDS:
        cut = NOW - timedelta(days=days)
        for ts in (cut - US, cut):  # a row a microsecond before its cut, one on it
            cur.execute(f"INSERT INTO {table} VALUES {row}", {"ts": ts})
    cur.execute("INSERT INTO function_last VALUES (1, '', 'f', ?, 1)", [NOW - timedelta(days=3650)])
    hours_cut = NOW - timedelta(days=retention.FUNCTION_HOURS_DAYS)
    for end in (hours_cut, hours_cut + timedelta(hours=1)):  # an hour ending on the cut, then one after
        cur.execute(
            "INSERT INTO function_hours VALUES (1, '', 'f', ?, 60, 60, 1)", [end - timedelta(hours=1)]
        )


def _left(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    out = {}
    for table, where in (
        ("samples", "true"),
        ("sample_blocks", "true"),
        ("collector_runs", "true"),
        ("collector_run_summary", "true"),
        ("rollup_blocks", "step_s = 300"),
        ("rollup_blocks", "step_s = 3600"),
        ("function_hours", "true"),
        *((table, "true") for table, _, _ in RECORDS),
    ):
        out[f"{table} {where}"] = int(
            cur.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0][0]
        )
    return out


def test_each_tier_drops_exactly_what_is_past_its_age(cur: duckdb.DuckDBPyConnection) -> None:
    _seed(cur)
    deleted = retention.apply(cur, retention.Retention(), NOW)
    assert deleted == {
        "raw samples": 1,
        "compacted samples": 1,
        "5-min rollups": 1,
        "1-h rollups": 1,
        "collector runs": 1,
        "collector run summaries": 1,
        "function results": 1,
        "function changes": 1,
        "events": 1,
        "command results": 1,
        "inventory changes": 1,
        "function hours": 1,
    }
    left = _left(cur)
    assert set(left.values()) == {1}, left
    assert retention.apply(cur, retention.Retention(), NOW) == dict.fromkeys(deleted, 0)
    # each function's newest result stays whatever its age: the Function Log's "now"
    assert cur.execute("SELECT count(*) FROM function_last").fetchall() == [(1,)]
    marks = dict(cur.execute("SELECT tbl, cut FROM retention_marks").fetchall())
    assert marks == {table: NOW - timedelta(days=days) for table, days, _ in RECORDS}


def test_a_cut_is_marked_before_its_rows_go_and_never_moves_back(cur: duckdb.DuckDBPyConnection) -> None:
    keep = retention.Retention(function_results_days=10)
    retention.apply(cur, keep, NOW)
    retention.apply(cur, retention.Retention(function_results_days=90), NOW + timedelta(days=1))
    marks = dict(cur.execute("SELECT tbl, cut FROM retention_marks").fetchall())
    assert marks["function_results"] == NOW - timedelta(days=10)  # not the later, longer age's
    assert marks["events"] == NOW + timedelta(days=1) - timedelta(days=180)


def test_zero_days_keeps_a_tier_forever(cur: duckdb.DuckDBPyConnection) -> None:
    _seed(cur)
    forever = retention.Retention(**dict.fromkeys((f.name for f in fields(retention.Retention)), 0))
    # the hourly function summaries are no setting: they go at their fixed age regardless
    assert retention.apply(cur, forever, NOW + timedelta(days=3650)) == {"function hours": 2}
    left = _left(cur)
    assert left.pop("function_hours true") == 0
    assert set(left.values()) == {2}
    assert cur.execute("SELECT count(*) FROM retention_marks").fetchall() == [(0,)]


def test_the_retention_job_applies_the_configured_ages_of_the_per_record_tables(tmp_path: Path) -> None:
    ages = {
        "retention_function_results_days": 2,
        "retention_events_days": 3,
        "retention_command_results_days": 0,
    }
    collector = Collector(load(env={}, overrides={"data_dir": tmp_path, **ages}))
    try:
        cur = collector.tsdb.cursor()
        now = datetime.now(UTC).replace(tzinfo=None)
        for table, _, row in RECORDS:
            if table in ("function_results", "events", "command_results"):
                for age in (timedelta(days=2, hours=1), timedelta(days=3, hours=1), timedelta(days=400)):
                    cur.execute(f"INSERT INTO {table} VALUES {row}", {"ts": now - age})
        collector.apply_retention()  # reads the clock itself: an hour of slack on each age
        left = {
            table: int(cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
            for table in ("function_results", "events", "command_results")
        }
        assert left == {"function_results": 0, "events": 1, "command_results": 3}
    finally:
        collector.tsdb.close()
        collector.store.dispose()
