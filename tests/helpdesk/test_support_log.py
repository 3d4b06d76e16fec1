"""Support Log sessions: one person's activities, split at pauses, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector.helpdesk.support_log import Activity, sessions

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def act(minutes: int, actor: str = "user:alice", ticket: int | None = 1) -> Activity:
    return Activity(T0 + timedelta(minutes=minutes), actor, "note", f"at {minutes}", ticket)


def test_one_sitting_is_one_session_across_tickets() -> None:
    (s,) = sessions([act(0, ticket=1), act(10, ticket=2), act(35, ticket=1)])
    assert (s.actor, s.start, s.end, s.tickets) == ("user:alice", T0, T0 + timedelta(minutes=35), [1, 2])


def test_a_long_pause_starts_a_new_session_and_the_newest_comes_first() -> None:
    found = sessions([act(0), act(20), act(51), act(60)])
    assert [(s.start, len(s.activities)) for s in found] == [
        (T0 + timedelta(minutes=51), 2),
        (T0, 2),
    ]


def test_people_have_their_own_sessions_and_order_within_is_by_time() -> None:
    found = sessions([act(5, "user:bob"), act(0), act(3, "user:bob"), act(1)])
    assert [(s.actor, [a.at.minute for a in s.activities]) for s in found] == [
        ("user:bob", [3, 5]),
        ("user:alice", [0, 1]),
    ]
    assert sessions([]) == []
