"""collector.tsdb.time_steps: a delete before a cut goes in committed steps of about the rows
asked for, leaves nothing before the cut and everything from it on, skips empty stretches, and
holds whatever checkpoints happen between its steps."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest

from collector.tsdb import time_steps
from collector.tsdb.db import TimeSeriesDB

T0 = datetime(2026, 12, 1)
CUT = T0 + timedelta(seconds=30_000)


def _seed(cur: duckdb.DuckDBPyConnection) -> None:
    """A result a second for 40,000 s, then one from a year before, arriving late (last)."""
    cur.execute(
        "INSERT INTO events SELECT 1, ? + to_seconds(i), 'agent.restart', 'agent', 'info', '', '{}', ? "
        "FROM range(40000) t(i) ORDER BY i",
        [T0, T0],
    )
    cur.execute(
        "INSERT INTO events VALUES (1, ?, 'agent.restart', 'agent', 'info', 'late', '{}', ?)",
        [T0 - timedelta(days=365), T0],
    )


def _count(cur: duckdb.DuckDBPyConnection, where: str) -> int:
    return int(cur.execute(f"SELECT count(*) FROM events WHERE {where}", [CUT]).fetchall()[0][0])


def test_a_delete_goes_in_committed_steps_of_about_the_rows_asked_for(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    _seed(cur)
    steps = []
    for deleted in time_steps.delete_steps(cur, "events", "ts", CUT, rows=2_000):
        steps.append(deleted)
        # each step is committed: another connection's cursor sees it at once
        assert _count(tsdb.cursor().cursor(), "ts < ?") == 30_001 - sum(steps)
        tsdb.checkpoint()  # may vacuum and renumber rows: the next window still finds them
    assert sum(steps) == 30_001
    assert _count(cur, "ts < ?") == 0 and _count(cur, "ts >= ?") == 10_000
    assert cur.execute("SELECT min(ts) FROM events").fetchall() == [(CUT,)]  # the row on the cut stays
    assert steps[0] == 1  # the late row alone: its year-long gap costs one lookup, not a step a minute
    assert max(steps) <= 2 * 2_000 and len(steps) < 40  # growing 4-fold a step up to the rows asked for


def test_nothing_before_the_cut_is_no_step(tsdb: TimeSeriesDB) -> None:
    cur = tsdb.cursor()
    assert list(time_steps.delete_steps(cur, "events", "ts", CUT)) == []
    _seed(cur)
    assert time_steps.delete_before(cur, "events", "ts", T0 - timedelta(days=400)) == 0


def test_rows_must_be_positive(tsdb: TimeSeriesDB) -> None:
    with pytest.raises(ValueError, match="rows must be positive"):
        list(time_steps.delete_steps(tsdb.cursor(), "events", "ts", CUT, rows=0))
