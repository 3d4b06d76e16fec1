"""Latest state, last change and history over ``function_results`` (real DuckDB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.functions.queries import Health, history, latest_states, status_changes

from .results import add_result

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def at(minutes_ago: float) -> datetime:
    return (NOW - timedelta(minutes=minutes_ago)).replace(tzinfo=None)


def test_latest_state_and_last_change(tsdb: TimeSeriesDB) -> None:
    # tcp:db  ok, ok, critical, critical  -> critical since 20 min ago
    for minutes, status in [(40, 1), (30, 1), (20, 3), (10, 3)]:
        add_result(tsdb, 1, "tcp:db", status, at(minutes), message=f"s{status}", metrics={"latency_s": 0.2})
    # http:web ok all along -> since its first result, not exact
    for minutes in (50, 25, 5):
        add_result(tsdb, 1, "http:web", 1, at(minutes), kind="http", name="Web", message="HTTP 200")
    # an SNMP target's function on the same device, same id: kept apart by subject
    add_result(tsdb, 1, "tcp:db", 2, at(3), subject="snmp-4", message="slow")
    # another device, and a result outside the window
    add_result(tsdb, 2, "tcp:db", 1, at(1))
    add_result(tsdb, 1, "ping:old", 3, at(60 * 24 * 8))

    cur = tsdb.cursor()
    states = latest_states(cur, 1, now=NOW)
    assert [(s.subject, s.function_id, s.status) for s in states] == [
        ("", "tcp:db", Health.CRITICAL),
        ("snmp-4", "tcp:db", Health.WARNING),
        ("", "http:web", Health.OK),
    ]
    db, snmp, web = states
    assert (db.message, db.ts, db.since, db.since_exact) == ("s3", at(10), at(20), True)
    assert db.metrics == {"latency_s": 0.2}
    assert (web.name, web.since, web.since_exact) == ("Web", at(50), False)
    assert (snmp.message, snmp.since_exact) == ("slow", False)
    assert latest_states(cur, 1, now=NOW, window=timedelta(minutes=15))[0].since_exact is False
    assert [s.function_id for s in latest_states(cur, 3, now=NOW)] == []


def test_history_and_status_changes(tsdb: TimeSeriesDB) -> None:
    for minutes, status in [(50, 1), (40, 1), (30, 2), (20, 2), (10, 1)]:
        add_result(tsdb, 1, "tcp:db", status, at(minutes), message=f"m{minutes}")
    add_result(tsdb, 1, "tcp:db", 3, at(5), subject="snmp-4")
    cur = tsdb.cursor()
    rows = history(cur, 1, "tcp:db", since=NOW - timedelta(hours=1))
    assert [r.message for r in rows] == ["m10", "m20", "m30", "m40", "m50"]
    assert [r.message for r in history(cur, 1, "tcp:db", since=NOW - timedelta(minutes=25))] == ["m10", "m20"]
    assert len(history(cur, 1, "tcp:db", since=NOW - timedelta(hours=1), limit=2)) == 2
    assert [r.status for r in history(cur, 1, "tcp:db", "snmp-4", since=NOW - timedelta(hours=1))] == [
        Health.CRITICAL
    ]
    assert [r.message for r in status_changes(rows)] == ["m10", "m30", "m50"]
    assert status_changes([]) == []
