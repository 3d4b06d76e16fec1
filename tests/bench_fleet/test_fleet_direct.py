"""``bench.fleet_direct``: closed days written directly leave every table as storing the raw
days and running the product's compaction on them does, so a fleet built that way measures
the collector's real layout (and takes minutes instead of hours)."""

from __future__ import annotations

from argparse import Namespace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bench import fleet_direct
from bench.fleet import Fleet
from collector.tsdb import compaction

# Naive UTC, an hour into "today": the three closed days cross a month boundary (Nov 29, 30,
# Dec 1), so a series has two 1-h rollup blocks.
NOW = datetime(2026, 12, 2, 1, 0)
DAYS = 4
CLOSED = DAYS - 1

TABLES = {
    "sample_blocks": "SELECT series_id, first_ts, last_ts, n, md5(data) FROM sample_blocks",
    # ``written`` is the compaction's clock: which copy of a rewritten bucket is the newest.
    "rollup_blocks": "SELECT series_id, step_s, first_ts, last_ts, n, md5(data) FROM rollup_blocks",
    "samples": "SELECT * FROM samples",
    "collector_runs": "SELECT * FROM collector_runs",
    "collector_run_summary": "SELECT * FROM collector_run_summary",
    "batches": "SELECT * FROM batches",
    "stream_progress": "SELECT * FROM stream_progress",
}


def _args() -> Namespace:
    return Namespace(devices=2, days=DAYS, memory_mb=256, threads=1, slice_devices=1)


def _tables(fleet: Fleet) -> dict[str, list[tuple[object, ...]]]:
    cur = fleet.tsdb.cursor()
    return {name: sorted(cur.execute(sql).fetchall(), key=repr) for name, sql in TABLES.items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Fleet, Fleet]:
    tmp = tmp_path_factory.mktemp("direct")
    compacted = Fleet(_args(), tmp / "compacted.duckdb", NOW, None)
    for d in range(CLOSED):
        compacted.store_day(d, compact_before=compacted.first + timedelta(days=d + 1))
    direct = Fleet(_args(), tmp / "direct.duckdb", NOW, None)
    direct.store_closed_days(CLOSED)
    return compacted, direct


def test_closed_days_written_directly_equal_what_compaction_leaves(built: tuple[Fleet, Fleet]) -> None:
    compacted, direct = built
    want, got = _tables(compacted), _tables(direct)
    assert want["sample_blocks"]  # something to compare: a day block per series and day
    assert len(want["sample_blocks"]) == 2 * 50 * CLOSED
    hourly = [r for r in want["rollup_blocks"] if r[1] == 3600]
    assert len(hourly) == 2 * 50 * 2  # one per series and month
    assert want["collector_run_summary"]
    assert not want["samples"] and not want["collector_runs"]
    for name in TABLES:
        assert got[name] == want[name], name
    assert direct.samples == compacted.samples == 2 * 50 * 8_640 * CLOSED


def test_today_compacts_on_top_of_them_the_same_way(built: tuple[Fleet, Fleet]) -> None:
    compacted, direct = built
    for fleet in built:
        fleet.store_day(DAYS - 1, compact_before=NOW - timedelta(minutes=1))
        compaction.compact(fleet.tsdb.cursor(), NOW - timedelta(minutes=1))
    assert _tables(direct) == _tables(compacted)
    for fleet in built:
        fleet.close()


def test_a_day_that_is_not_closed_is_refused(tmp_path: Path) -> None:
    fleet = Fleet(_args(), tmp_path / "m.duckdb", NOW, None)
    today = fleet.days.of(1, DAYS - 1)
    with pytest.raises(ValueError, match="closed days only"):
        fleet_direct.store_closed_days(fleet.tsdb.cursor(), 1, [today], fleet.now_ms, epoch=1)
    fleet.close()
