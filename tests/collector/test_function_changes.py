"""collector.tsdb.function_changes: the state-change log kept by ingest equals the changes a walk
over all results gives (each function's results by time, then status), whatever order the
results arrive in: late and out-of-order batches (a spool replayed after a reconnect), several
batches of one function in one commit, and the collector restarted between commits. The
migration's backfill gives the same log from results stored before it."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.ingest import function_batches

from collector.tsdb import function_changes, function_log, schema
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.ingest.extras import BatchExtras
from collector.tsdb.ingest.writer import PendingBatch
from collector.tsdb.timestamps import EPOCH
from collector.tsdb.txn import transaction

T0 = datetime(2026, 12, 1)
MINUTE_MS = 60_000

Result = tuple[int, str, str, int, int]  # device, subject, function id, status, minute after T0
Change = tuple[int, str, str, datetime, int, int | None, str]  # ... ts, status, previous, message

result = st.tuples(
    st.sampled_from((1, 2)),
    st.sampled_from(("", "printer-1")),
    st.sampled_from(("web", "disk")),
    st.integers(0, 3),  # status
    st.integers(0, 40),  # few minutes: results of one function at the same instant happen
)


def _ts(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def _message(status: int) -> str:
    return f"status {status}"


def walk(results: list[Result]) -> list[Change]:
    """The oracle: each function's results by time then status, each whose status differs from
    the one before (the first included)."""
    by_function: dict[tuple[int, str, str], list[tuple[int, int]]] = defaultdict(list)
    for device, subject, fid, status, minute in results:
        by_function[(device, subject, fid)].append((minute, status))
    out: list[Change] = []
    for (device, subject, fid), rows in by_function.items():
        previous: int | None = None
        for i, (minute, status) in enumerate(sorted(rows)):
            if i == 0 or status != previous:
                out.append((device, subject, fid, _ts(minute), status, previous, _message(status)))
            previous = status
    return sorted(out, key=repr)


def newest(results: list[Result]) -> list[tuple[int, str, str, datetime, int]]:
    """The oracle of ``function_last``: each function's last result by time then status."""
    last: dict[tuple[int, str, str], tuple[int, int]] = {}
    for device, subject, fid, status, minute in results:
        key = (device, subject, fid)
        last[key] = max(last.get(key, (minute, status)), (minute, status))
    return sorted(((d, s, f, _ts(m), st) for (d, s, f), (m, st) in last.items()), key=repr)


def stored_last(cur: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, datetime, int]]:
    rows = cur.execute("SELECT device_id, subject, function_id, ts, status FROM function_last").fetchall()
    return sorted(((int(d), s, f, ts, int(st)) for d, s, f, ts, st in rows), key=repr)


def stored_log(cur: duckdb.DuckDBPyConnection) -> list[Change]:
    rows = cur.execute(
        "SELECT device_id, subject, function_id, ts, status, previous, message FROM function_changes"
    ).fetchall()
    return sorted(((int(d), s, f, ts, int(st), p, m) for d, s, f, ts, st, p, m in rows), key=repr)


def _pending(results: list[Result], seq: int) -> list[PendingBatch]:
    ms = timedelta(milliseconds=1)
    return function_batches(
        ((d, s, f, h, (_ts(m) - EPOCH) // ms, _message(h)) for d, s, f, h, m in results), seq
    )


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[list[list[Result]]], list[bool]]:
    """Results cut into commits of one or more batches, in any order; a restart flag per commit."""
    results = draw(st.lists(result, max_size=60))
    order = draw(st.permutations(results))
    cuts = sorted(draw(st.lists(st.integers(0, len(order)), max_size=8)))
    commits: list[list[list[Result]]] = []
    for lo, hi in zip([0, *cuts], [*cuts, len(order)], strict=True):
        part = list(order[lo:hi])
        split = draw(st.integers(0, len(part)))  # two batches in one commit
        commits.append([part[:split], part[split:]])
    restarts = draw(st.lists(st.booleans(), min_size=len(commits), max_size=len(commits)))
    return commits, restarts


@settings(max_examples=60, deadline=None)
@given(arrival=arrivals(), when=st.integers(0, 41), span=st.tuples(st.integers(0, 41), st.integers(0, 41)))
def test_the_log_equals_the_changes_of_all_results_in_any_arrival_order(
    arrival: tuple[list[list[list[Result]]], list[bool]], when: int, span: tuple[int, int]
) -> None:
    commits, restarts = arrival
    extras = BatchExtras()
    everything: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.duckdb"
        db = TimeSeriesDB(path)
        try:
            for seq, (commit, restart) in enumerate(zip(commits, restarts, strict=True), 1):
                if restart:
                    db.close()
                    db = TimeSeriesDB(path)
                cur = db.cursor()
                batches = [b for part in commit for b in _pending(part, seq)]
                with transaction(cur):
                    extras.in_txn(cur, batches)
                everything += [r for part in commit for r in part]
                # after every commit, not only at the end
                assert stored_log(cur) == walk(everything)
                assert stored_last(cur) == newest(everything)

            cur = db.cursor()
            expected = walk(everything)
            assert sorted(
                cur.execute(function_changes.REFERENCE.format(view="function_results")).fetchall(), key=repr
            ) == sorted(
                cur.execute(
                    "SELECT device_id, subject, function_id, 'http', function_id, ts, status, previous, "
                    "message FROM function_changes"
                ).fetchall(),
                key=repr,
            )
            for device, subject, fid in {(d, s, f) for d, s, f, *_ in everything}:
                held = [(m, st) for d, s, f, st, m in everything if (d, s, f) == (device, subject, fid)]
                before = [st for m, st in sorted(held) if m < when]
                assert function_log.status_at(cur, device, subject, fid, _ts(when)) == (
                    before[-1] if before else None
                )
            start, end = _ts(min(span)), _ts(max(span))
            got = function_log.state_changes(cur, [1, 2], start, end)
            assert sorted(
                ((c.device_id, c.subject, c.function_id, c.ts, c.status, c.previous, c.message) for c in got),
                key=repr,
            ) == [c for c in expected if start <= c[3] < end]
            assert [c.ts for c in got] == sorted((c.ts for c in got), reverse=True)
        finally:
            db.close()


@settings(max_examples=20, deadline=None)
@given(results=st.lists(result, max_size=60))
def test_the_migration_fills_the_log_from_the_results_stored_before_it(
    results: list[Result],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        conn = duckdb.connect(str(Path(tmp) / "metrics.duckdb"))
        try:
            with pytest.MonkeyPatch.context() as m:  # the database as it was before migration 57
                m.setattr(schema, "MIGRATIONS", [(v, sql) for v, sql in schema.MIGRATIONS if v < 57])
                schema.migrate(conn)
            for device, subject, fid, status, minute in results:
                conn.execute(
                    "INSERT INTO function_results VALUES (?, ?, ?, 'http', ?, ?, ?, ?, 0.1, '{}')",
                    [device, subject, fid, fid, status, _message(status), _ts(minute)],
                )
            assert 57 in schema.migrate(conn)
            assert stored_log(conn) == walk(results)
            assert stored_last(conn) == newest(results)
        finally:
            conn.close()
