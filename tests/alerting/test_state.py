"""The alert lifecycle, table-driven."""

from __future__ import annotations

import pytest

from collector.alerting.domain import Announcement, Severity, State
from collector.alerting.state import (
    CLEARED,
    Lifecycle,
    Verdict,
    acknowledge,
    announcement,
    due_escalation,
    snooze,
    step,
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


def test_acknowledge_and_snooze() -> None:
    firing = Lifecycle(State.FIRING, W, 0, 0)
    acked, tr = acknowledge(firing)
    assert acked.acked and tr is not None and tr.reason == "acknowledged"
    assert acknowledge(acked) == (acked, None)
    assert acknowledge(Lifecycle()) == (Lifecycle(), None)
    snoozed, tr = snooze(firing, 100, 10)
    assert snoozed.snoozed_until == 100 and tr is not None
    with pytest.raises(ValueError, match="future"):
        snooze(firing, 5, 10)


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
