"""The alert lifecycle, table-driven."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from collector.alerting.domain import Announcement, Severity, State
from collector.alerting.state import (
    CLEARED,
    ActionRefused,
    InvalidInput,
    Lifecycle,
    Step,
    Verdict,
    acknowledge,
    announcement,
    comment,
    due_escalation,
    resolve,
    snooze,
    step,
    unacknowledge,
)

W, C = Severity.WARNING, Severity.CRITICAL
ON_W = Verdict(True, W, "hot")
ON_C = Verdict(True, C, "very hot")

STEPS = [
    # (current, verdict, now, for_s, expected state, transition to or None)
    (Lifecycle(), CLEARED, 10, 0, State.INACTIVE, None),
    (Lifecycle(), ON_W, 10, 0, State.FIRING, State.FIRING),
    (Lifecycle(), ON_W, 10, 300, State.PENDING, State.PENDING),
    (Lifecycle(State.PENDING, W, active_since=0), ON_W, 299, 300, State.PENDING, None),
    (Lifecycle(State.PENDING, W, active_since=0), ON_W, 300, 300, State.FIRING, State.FIRING),
    (Lifecycle(State.PENDING, W, active_since=0), CLEARED, 100, 300, State.INACTIVE, State.INACTIVE),
    (Lifecycle(State.FIRING, W, 0, 0), ON_W, 500, 300, State.FIRING, None),
    (Lifecycle(State.FIRING, W, 0, 0), ON_C, 500, 300, State.FIRING, State.FIRING),
    (Lifecycle(State.FIRING, W, 0, 0), CLEARED, 500, 300, State.RESOLVED, State.RESOLVED),
    (Lifecycle(State.RESOLVED, W, 0, 0, 50), CLEARED, 600, 0, State.RESOLVED, None),
    (Lifecycle(State.RESOLVED, W, 0, 0, 50), ON_C, 600, 0, State.FIRING, State.FIRING),
    (Lifecycle(State.RESOLVED, W, 0, 0, 50), ON_W, 600, 60, State.PENDING, State.PENDING),
]


@pytest.mark.parametrize(("cur", "verdict", "now", "for_s", "state", "to"), STEPS)
def test_step(  # noqa: PLR0917 - one parameter per table column
    cur: Lifecycle, verdict: Verdict, now: float, for_s: float, state: State, to: State | None
) -> None:
    nxt, tr = step(cur, verdict, now, for_s)
    assert nxt.state is state
    assert (tr.to_state if tr else None) == to
    if tr is not None:
        assert tr.from_state is cur.state


def test_new_episode_resets_ack_snooze_and_tier() -> None:
    old = Lifecycle(State.RESOLVED, W, 0, 0, 10, acked=True, snoozed_until=99, escalation_tier=2)
    nxt, _ = step(old, ON_W, 20, 0)
    assert (nxt.acked, nxt.snoozed_until, nxt.escalation_tier, nxt.firing_since) == (False, None, 0, 20)


PENDING = Lifecycle(State.PENDING, W, active_since=0)
FIRING = Lifecycle(State.FIRING, W, 0, 0)
ACKED = replace(FIRING, acked=True)
RESOLVED = Lifecycle(State.RESOLVED, W, 0, 0, 50)
NOW = 100.0


def _resolve(cur: Lifecycle) -> tuple[Lifecycle, Step | None]:
    return resolve(cur, NOW, "  replaced the disk ")


def _snooze(cur: Lifecycle) -> tuple[Lifecycle, Step | None]:
    return snooze(cur, NOW + 1800, NOW)


def _comment(cur: Lifecycle) -> tuple[Lifecycle, Step | None]:
    return comment(cur, "called the customer")


Action = Callable[[Lifecycle], tuple[Lifecycle, "Step | None"]]

ACTIONS: list[tuple[str, Action, Lifecycle, Lifecycle | None, str | None]] = [
    # (name, action, current, expected next or None when refused, the step's reason or None)
    ("ack pending", acknowledge, PENDING, replace(PENDING, acked=True), "acknowledged"),
    ("ack firing", acknowledge, FIRING, ACKED, "acknowledged"),
    ("ack twice", acknowledge, ACKED, ACKED, None),
    ("ack resolved", acknowledge, RESOLVED, None, None),
    ("ack inactive", acknowledge, Lifecycle(), None, None),
    ("unack", unacknowledge, ACKED, FIRING, "acknowledgement withdrawn"),
    ("unack unacked", unacknowledge, FIRING, FIRING, None),
    ("unack resolved", unacknowledge, replace(RESOLVED, acked=True), None, None),
    ("snooze", _snooze, FIRING, replace(FIRING, snoozed_until=NOW + 1800), "snoozed for 30 min"),
    ("snooze resolved", _snooze, RESOLVED, None, None),
    (
        "resolve firing",
        _resolve,
        ACKED,
        replace(ACKED, state=State.RESOLVED, resolved_at=NOW),
        "resolved by hand: replaced the disk",
    ),
    (
        "resolve pending",
        _resolve,
        PENDING,
        replace(PENDING, state=State.RESOLVED, resolved_at=NOW),
        "resolved by hand: replaced the disk",
    ),
    ("resolve resolved", _resolve, RESOLVED, None, None),
    ("comment firing", _comment, FIRING, FIRING, "comment: called the customer"),
    ("comment resolved", _comment, RESOLVED, RESOLVED, "comment: called the customer"),
]


@pytest.mark.parametrize(("name", "action", "cur", "nxt", "reason"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_actions(
    name: str, action: Action, cur: Lifecycle, nxt: Lifecycle | None, reason: str | None
) -> None:
    if nxt is None:
        with pytest.raises(ActionRefused, match="only a pending or firing alert"):
            action(cur)
        return
    got, st = action(cur)
    assert got == nxt
    assert (st.reason if st else None) == reason
    if st is not None:
        assert (st.from_state, st.to_state) == (cur.state, nxt.state)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: snooze(FIRING, NOW, NOW), "future"),
        (lambda: resolve(FIRING, NOW, "   "), "comment: required"),
        (lambda: comment(FIRING, ""), "comment: required"),
        (lambda: comment(FIRING, "x" * 2001), "at most 2000"),
    ],
)
def test_actions_refuse_bad_input(call: Callable[[], object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        call()


ESCALATIONS = [
    (Lifecycle(State.FIRING, W, 0, 0), 59, 60, 2, None),
    (Lifecycle(State.FIRING, W, 0, 0), 60, 60, 2, 1),
    (Lifecycle(State.FIRING, W, 0, 0), 1000, 60, 2, 2),
    (Lifecycle(State.FIRING, W, 0, 0, escalation_tier=1), 70, 60, 2, None),
    (Lifecycle(State.FIRING, W, 0, 0, acked=True), 1000, 60, 2, None),
    (Lifecycle(State.FIRING, W, 0, 0), 1000, 0, 2, None),
    (Lifecycle(State.RESOLVED, W, 0, 0), 1000, 60, 2, None),
]


@pytest.mark.parametrize(("cur", "now", "after", "max_tier", "tier"), ESCALATIONS)
def test_due_escalation(cur: Lifecycle, now: float, after: float, max_tier: int, tier: int | None) -> None:
    assert due_escalation(cur, now, after, max_tier) == tier


ANNOUNCEMENTS = [
    (State.FIRING, W, "", "", False, Announcement.FIRING),
    (State.FIRING, W, "", "", True, None),
    (State.FIRING, W, "firing", "warning", False, None),
    (State.FIRING, C, "firing", "warning", False, Announcement.FIRING),
    (State.FIRING, W, "firing", "critical", False, None),
    (State.FIRING, W, "resolved", "warning", False, Announcement.FIRING),
    (State.RESOLVED, W, "firing", "warning", False, Announcement.RESOLVED),
    (State.RESOLVED, W, "firing", "warning", True, None),
    (State.RESOLVED, W, "", "", False, None),
    (State.RESOLVED, W, "resolved", "warning", False, None),
    (State.INACTIVE, W, "firing", "warning", False, Announcement.RESOLVED),
    (State.PENDING, W, "", "", False, None),
]


@pytest.mark.parametrize(("state", "sev", "nstate", "nsev", "suppressed", "expected"), ANNOUNCEMENTS)
def test_announcement(  # noqa: PLR0917 - one parameter per table column
    state: State, sev: Severity, nstate: str, nsev: str, suppressed: bool, expected: Announcement | None
) -> None:
    assert announcement(state, sev, nstate, nsev, suppressed) == expected
