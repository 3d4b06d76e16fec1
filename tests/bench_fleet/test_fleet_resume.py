"""``bench.fleet --resume``: a killed build goes on where it stopped, each device-day stored once.

A full-size build (1,000 devices x 30 days) takes about a day of this machine; the device-days
it stored survive a kill in the DuckDB file, and the build's stream marks say which they are.
"""

from __future__ import annotations

from argparse import Namespace
from datetime import datetime
from pathlib import Path

import pytest

from bench.fleet import BuildState, Fleet
from bench.fleet_data import insert_day, raw_in_arrival_order

NOW = datetime(2026, 12, 7, 1, 0)  # naive UTC: an hour into "today"


def _args(devices: int = 2, days: int = 2) -> Namespace:
    return Namespace(devices=devices, days=days, memory_mb=256, threads=1, slice_devices=50)


def _rows(fleet: Fleet) -> tuple[int, int, int]:
    cur = fleet.tsdb.cursor()
    samples, distinct = cur.execute(
        "SELECT count(*), count(DISTINCT (series_id, ts)) FROM samples"
    ).fetchall()[0]
    batches = cur.execute("SELECT count(*) FROM batches").fetchall()[0][0]
    return int(samples), int(distinct), int(batches)


def test_a_resumed_build_stores_each_device_day_once(tmp_path: Path) -> None:
    db = tmp_path / "metrics.duckdb"
    whole = Fleet(_args(), tmp_path / "whole.duckdb", NOW, None)
    whole.store_day(0, compact_before=None)
    whole.store_day(1, compact_before=None)
    expected = _rows(whole)
    whole.close()

    first = Fleet(_args(), db, NOW, None)
    first.store_day(0, compact_before=None)
    # Killed during day 2: device 1's day was committed, device 2's was not.
    insert_day(first.tsdb.cursor(), 1, first.days.of(1, 1), first.now_ms, epoch=1)
    first.close()

    resumed = Fleet(_args(), db, NOW, None)
    resumed.store_day(0, compact_before=None)
    resumed.store_day(1, compact_before=None)
    assert _rows(resumed) == expected
    assert resumed.samples == whole.samples == expected[0]  # the stored ones counted too
    resumed.close()


def test_resume_refuses_a_build_of_another_size(tmp_path: Path) -> None:
    state = BuildState(tmp_path / "build.json")
    with pytest.raises(SystemExit, match="nothing to resume"):
        state.load(_args())
    state.save({"devices": 2, "days": 2, "now": NOW.isoformat(), "date": "x"})
    assert state.load(_args())["now"] == NOW.isoformat()
    with pytest.raises(SystemExit, match="--devices 2 --days 2"):
        state.load(_args(devices=3))


def test_the_raw_tier_is_laid_out_in_arrival_order(tmp_path: Path) -> None:
    fleet = Fleet(_args(devices=3), tmp_path / "metrics.duckdb", NOW, None)
    fleet.store_day(1, compact_before=None)  # today's first hour, stored device after device
    cur = fleet.tsdb.cursor()
    everything = "SELECT series_id, epoch_us(ts), value FROM samples ORDER BY ALL"
    in_rowid_order = "SELECT epoch_us(ts) FROM samples ORDER BY rowid"
    before = cur.execute(everything).fetchall()
    stored = [t for (t,) in cur.execute(in_rowid_order).fetchall()]
    assert stored != sorted(stored)  # device after device
    assert raw_in_arrival_order(cur) == len(before)
    assert cur.execute(everything).fetchall() == before  # the same rows
    stored = [t for (t,) in cur.execute(in_rowid_order).fetchall()]
    assert stored == sorted(stored)  # in time order, as batches arrive
    fleet.close()
