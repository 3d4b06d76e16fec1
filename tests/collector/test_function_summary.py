"""collector.tsdb.function_summary: availability and sparklines read from the hourly summary kept
by ingest (``function_hours``) equal what a scan of ``function_results`` gives, on random data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.ingest import function_batches

from collector.tsdb import function_summary
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.extras import BatchExtras
from collector.tsdb.timestamps import EPOCH
from collector.tsdb.txn import transaction

T0 = datetime(2026, 12, 1)  # results fall in the 30 hours from here: a sparkline and a bit
SPAN_US = 30 * 3600 * 1_000_000
DEVICES = (1, 2, 3)


@pytest.fixture(scope="module")
def cur(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    db = TimeSeriesDB(Path(tmp_path_factory.mktemp("summary")) / "metrics.duckdb")
    yield db.cursor()
    db.close()


def scan_availability(
    cur: duckdb.DuckDBPyConnection, device_ids: Sequence[int], since: datetime, until: datetime
) -> tuple[int, int]:
    """Today's computation before the summary: every result of the window counted."""
    row = cur.execute(
        "SELECT count(*) FILTER (WHERE status = 1), count(*) FROM function_results "
        "WHERE device_id IN (SELECT unnest(?::INTEGER[])) AND ts >= ? AND ts < ?",
        [list(device_ids), since, until],
    ).fetchall()[0]
    return int(row[0]), int(row[1])


def scan_sparklines(
    cur: duckdb.DuckDBPyConnection, device_ids: Sequence[int], end: datetime, until: datetime
) -> dict[function_summary.SparkKey, list[int]]:
    """Today's computation before the summary, with 24 one-hour buckets ending at ``end``, over the
    results before ``until`` (``end == until`` is exactly the former reader)."""
    start = end - timedelta(hours=24)
    rows = cur.execute(
        "SELECT device_id, subject, function_id, "
        "(epoch_us(ts) - epoch_us(?::TIMESTAMP)) // ? AS b, max(status) FROM function_results "
        "WHERE device_id IN (SELECT unnest(?::INTEGER[])) AND ts >= ? AND ts < ? GROUP BY ALL",
        [start, 3600 * 1_000_000, list(device_ids), start, until],
    ).fetchall()
    out: dict[function_summary.SparkKey, list[int]] = defaultdict(lambda: [0] * 24)
    for device_id, subject, function_id, bucket, status in rows:
        if 0 <= int(bucket) < 24:
            out[(int(device_id), str(subject), str(function_id))][int(bucket)] = int(status)
    return dict(out)


result = st.tuples(
    st.sampled_from(DEVICES),
    st.sampled_from(["", "printer-1"]),
    st.sampled_from(["web", "disk"]),
    st.integers(0, 3),  # status
    st.integers(0, SPAN_US - 1),  # microseconds after T0
)
moment = st.one_of(
    st.integers(0, SPAN_US).map(lambda u: T0 + timedelta(microseconds=u)),
    st.integers(0, 30).map(lambda h: T0 + timedelta(hours=h)),  # on the hour
)


def _ingest(cur: duckdb.DuckDBPyConnection, batches: list[list[tuple[int, str, str, int, int]]]) -> None:
    """Each batch through the ingest writer's commit step, in its own transaction."""
    extras = BatchExtras()
    t0_ms = (T0 - EPOCH) // timedelta(milliseconds=1)
    for seq, rows in enumerate(batches, 1):
        pending = function_batches(((d, s, f, h, t0_ms + us // 1000, "") for d, s, f, h, us in rows), seq)
        with transaction(cur):
            extras.in_txn(cur, pending)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batches=st.lists(st.lists(result, max_size=80), max_size=6),
    since=moment,
    until=moment,
    devices=st.lists(st.sampled_from(DEVICES), unique=True),
)
def test_the_summary_reads_equal_a_scan_of_the_results(
    cur: duckdb.DuckDBPyConnection,
    batches: list[list[tuple[int, str, str, int, int]]],
    since: datetime,
    until: datetime,
    devices: list[int],
) -> None:
    cur.execute("DELETE FROM function_results")
    cur.execute("DELETE FROM function_hours")
    cur.execute("DELETE FROM function_changes")
    cur.execute("DELETE FROM function_last")
    _ingest(cur, batches)
    stored = int(cur.execute("SELECT count(*) FROM function_results").fetchall()[0][0])
    assert stored == sum(len(b) for b in batches)
    # bounded: one row per device, subject, function and hour, however many batches brought it
    assert cur.execute(
        "SELECT count(*) = count(DISTINCT (device_id, subject, function_id, hour)) FROM function_hours"
    ).fetchall() == [(True,)]

    got = function_summary.availability(cur, devices, since, until)
    assert (got.ok_runs, got.runs) == (
        scan_availability(cur, devices, since, until) if since < until else (0, 0)
    )

    aligned = until.replace(minute=0, second=0, microsecond=0)
    assert function_summary.sparklines(cur, devices, aligned) == scan_sparklines(
        cur, devices, aligned, aligned
    )
    end = function_summary.ceil_hour(until)  # within an hour: it is the last bucket, so far
    assert function_summary.sparklines(cur, devices, until) == scan_sparklines(cur, devices, end, until)
