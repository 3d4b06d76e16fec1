"""collector.tsdb.function_changes once retention has pruned ``function_results`` and
``function_changes``: the Function Log still shows the changes kept, ``function_last`` stays,
and a late result (a spool replayed after a reconnect) neither invents a change where the
status held since before the changes' cut nor corrupts the log when it is older than a cut.
The property test interleaves prunes with arrivals in any order: the log stays the changes of
every result accepted, from the changes' cut on (results older than a cut are dropped on arrival)."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st
from test_function_changes import Change, Result, _pending, _ts, newest, result, stored_last, stored_log, walk

from collector.tsdb import function_log, retention
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.extras import BatchExtras
from collector.tsdb.txn import transaction

T0 = datetime(2026, 12, 1)
DAY = 24 * 60  # minutes
OK, CRITICAL = 1, 3
FN = (1, "", "web")


def _commit(cur: duckdb.DuckDBPyConnection, results: list[Result], seq: int = 1) -> None:
    with transaction(cur):
        BatchExtras().in_txn(cur, _pending(results, seq))


def _prune(cur: duckdb.DuckDBPyConnection, now_minute: int, results_days: int, changes_days: int) -> None:
    """Retention of the results and the log only, at ``now_minute`` minutes after T0."""
    keep = retention.Retention(
        samples_days=0,
        rollup_5m_days=0,
        rollup_1h_days=0,
        collector_runs_days=0,
        function_results_days=results_days,
        function_changes_days=changes_days,
        events_days=0,
        command_results_days=0,
        inventory_changes_days=0,
    )
    retention.apply(cur, keep, _ts(now_minute))


def _daily(status: int, days: range) -> list[Result]:
    return [(*FN, status, day * DAY) for day in days]


def test_the_function_log_shows_the_changes_kept_and_function_last_stays(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    # a year and a half of daily results: critical on days 100, 400 and 500, ok otherwise
    everything = [(*FN, CRITICAL if day in (100, 400, 500) else OK, day * DAY) for day in range(531)]
    _commit(cur, everything)
    _prune(cur, 531 * DAY, results_days=30, changes_days=365)  # the changes' cut: day 166

    assert cur.execute("SELECT min(ts) FROM function_results").fetchall() == [(_ts(501 * DAY),)]
    kept = [c for c in walk(everything) if c[3] >= _ts(166 * DAY)]
    assert stored_log(cur) == kept and len(kept) == 4  # days 400, 401, 500, 501
    assert stored_last(cur) == newest(everything)
    shown = function_log.state_changes(cur, [1], _ts(0), _ts(600 * DAY))
    assert [(c.ts, c.status, c.previous) for c in shown] == [
        (_ts(501 * DAY), OK, CRITICAL),
        (_ts(500 * DAY), CRITICAL, OK),
        (_ts(401 * DAY), OK, CRITICAL),
        (_ts(400 * DAY), CRITICAL, OK),
    ]
    # the status before a time since the cut, read from the kept changes and function_last
    assert function_log.status_at(cur, *FN, _ts(200 * DAY)) == OK
    assert function_log.status_at(cur, *FN, _ts(500 * DAY) + timedelta(hours=1)) == CRITICAL
    assert function_log.status_at(cur, *FN, _ts(600 * DAY)) == OK


def test_a_late_result_after_the_cut_of_a_status_held_since_before_it_adds_no_change(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    """The function's only change (its first result) is past the changes' cut: the status
    before a late result comes from function_last, not from the changes gone."""
    everything = _daily(OK, range(400))
    _commit(cur, everything)
    _prune(cur, 400 * DAY, results_days=30, changes_days=365)
    assert stored_log(cur) == []

    late = [(*FN, OK, 390 * DAY + 30)]  # between two kept results, the status it held
    _commit(cur, late, seq=2)
    assert stored_log(cur) == []  # not a "first result" change
    assert stored_last(cur) == newest(everything)

    flap = [(*FN, CRITICAL, 395 * DAY + 30)]
    _commit(cur, flap, seq=3)
    everything += late + flap
    assert stored_log(cur) == [c for c in walk(everything) if c[3] >= _ts(35 * DAY)]
    assert [(c[3], c[4], c[5]) for c in stored_log(cur)] == [
        (_ts(395 * DAY + 30), CRITICAL, OK),
        (_ts(396 * DAY), OK, CRITICAL),
    ]


def test_a_late_result_older_than_the_results_cut_is_dropped_and_the_log_stays(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    """Its recomputation would drop the changes after it and find no results to redo them."""
    everything = [(*FN, CRITICAL if day == 50 else OK, day * DAY) for day in range(101)]
    _commit(cur, everything)
    _prune(cur, 100 * DAY, results_days=30, changes_days=365)
    log_before, last_before = stored_log(cur), stored_last(cur)
    assert [c[3] for c in log_before] == [_ts(0), _ts(50 * DAY), _ts(51 * DAY)]

    _commit(cur, [(*FN, OK, 40 * DAY), (*FN, CRITICAL, 60 * DAY), (*FN, OK, 95 * DAY + 30)], seq=2)
    everything.append((*FN, OK, 95 * DAY + 30))  # the one at or after the cut (day 70) is kept
    assert stored_log(cur) == log_before == walk(everything)
    assert stored_last(cur) == last_before
    old = cur.execute("SELECT count(*) FROM function_results WHERE ts < ?", [_ts(70 * DAY)]).fetchall()
    assert old == [(0,)]
    dropped_hours = [_ts(40 * DAY), _ts(60 * DAY)]
    hours = cur.execute("SELECT count(*) FROM function_hours WHERE list_contains(?, hour)", [dropped_hours])
    assert hours.fetchall() == [(0,)]


def test_a_late_result_older_than_the_changes_cut_is_dropped_when_the_log_is_kept_shorter(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    everything = [(*FN, CRITICAL if day == 80 else OK, day * DAY) for day in range(101)]
    _commit(cur, everything)
    _prune(cur, 100 * DAY, results_days=30, changes_days=7)  # results from day 70, changes from 93
    assert stored_log(cur) == []
    _commit(cur, [(*FN, CRITICAL, 85 * DAY + 30)], seq=2)  # results kept there, the log not
    assert stored_log(cur) == []
    assert stored_last(cur) == newest(everything)


Prune = tuple[int | None, int | None]  # the minute the results and the log are cut at (None: not cut)


@st.composite
def pruned_arrivals(draw: st.DrawFn) -> list[tuple[list[Result], Prune]]:
    """Results cut into commits in any order, each followed by a prune of the results, of the
    log, of both or of neither, each cut at any minute."""
    results = draw(st.permutations(draw(st.lists(result, max_size=60))))
    cuts = sorted(draw(st.lists(st.integers(0, len(results)), max_size=6)))
    cut = st.none() | st.integers(0, 41)
    return [
        (list(results[lo:hi]), (draw(cut), draw(cut)))
        for lo, hi in zip([0, *cuts], [*cuts, len(results)], strict=True)
    ]


@settings(max_examples=60, deadline=None)
@given(arrival=pruned_arrivals(), when=st.integers(0, 41))
def test_the_log_equals_the_changes_of_every_accepted_result_from_the_changes_cut_on(
    arrival: list[tuple[list[Result], Prune]], when: int
) -> None:
    accepted: list[Result] = []
    horizon = changes_cut = -1  # minutes; -1: never cut
    with tempfile.TemporaryDirectory() as tmp:
        db = TimeSeriesDB(Path(tmp) / "metrics.duckdb")
        try:
            cur = db.cursor()
            for seq, (commit, (results_at, changes_at)) in enumerate(arrival, 1):
                _commit(cur, commit, seq)
                accepted += [r for r in commit if r[4] >= horizon]  # older than a cut: dropped
                if results_at is not None:  # one day kept, a day after the minute drawn
                    _prune(cur, results_at + DAY, results_days=1, changes_days=0)
                    horizon = max(horizon, results_at)
                if changes_at is not None:
                    _prune(cur, changes_at + DAY, results_days=0, changes_days=1)
                    changes_cut = max(changes_cut, changes_at)
                    horizon = max(horizon, changes_at)
                expected: list[Change] = [c for c in walk(accepted) if c[3] >= _ts(changes_cut)]
                assert stored_log(cur) == expected
                assert stored_last(cur) == newest(accepted)
            for key in {(d, s, f) for d, s, f, *_ in accepted}:
                before = sorted((m, st) for *k, st, m in accepted if tuple(k) == key and m < when)
                if when >= changes_cut:
                    got = function_log.status_at(cur, *key, _ts(when))
                    assert got == (before[-1][1] if before else None)
        finally:
            db.close()
