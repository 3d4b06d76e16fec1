"""The alert lifecycle as a pure state machine: inactive -> pending -> firing -> resolved.

Nothing here touches a database or a clock: callers pass ``now`` (seconds since the epoch)
and get the next :class:`Lifecycle` plus the :class:`Step` to record, or None when nothing
changed. The technicians' actions (:func:`acknowledge`, :func:`unacknowledge`,
:func:`snooze`, :func:`resolve`, :func:`comment`) are transitions too, refused with
:class:`ActionRefused` where the state does not allow them. :func:`announcement` decides
what, if anything, recipients must be told; it compares the alert's state with what was
last announced, so a suppressed period (a maintenance window, an inhibition, a snooze) ends
with at most one catch-up message and nothing at all for an alert whose whole life fell
inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from collector.alerting.domain import Announcement, Severity, State


@dataclass(frozen=True, slots=True)
class Verdict:
    """A rule's judgement of one target now: the condition holds (with a severity) or not."""

    active: bool
    severity: Severity = Severity.WARNING
    summary: str = ""
    value: float | None = None


CLEARED = Verdict(active=False)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    state: State = State.INACTIVE
    severity: Severity = Severity.WARNING
    active_since: float | None = None  # when the condition started to hold (pending since)
    firing_since: float | None = None
    resolved_at: float | None = None
    acked: bool = False
    snoozed_until: float | None = None
    escalation_tier: int = 0


@dataclass(frozen=True, slots=True)
class Step:
    """A transition to record."""

    from_state: State
    to_state: State
    severity: Severity
    reason: str


def step(cur: Lifecycle, verdict: Verdict, now: float, for_s: float) -> tuple[Lifecycle, Step | None]:
    """Advance ``cur`` by one observation. ``for_s``: how long the condition must hold."""
    s = cur.state
    if verdict.active:
        if s in (State.INACTIVE, State.RESOLVED):
            fresh = Lifecycle(severity=verdict.severity, active_since=now)  # a new episode
            if for_s <= 0:
                nxt = replace(fresh, state=State.FIRING, firing_since=now)
                return nxt, Step(s, State.FIRING, verdict.severity, verdict.summary)
            nxt = replace(fresh, state=State.PENDING)
            return nxt, Step(s, State.PENDING, verdict.severity, verdict.summary)
        if s is State.PENDING:
            since = cur.active_since if cur.active_since is not None else now
            if now - since >= for_s:
                nxt = replace(cur, state=State.FIRING, firing_since=now, severity=verdict.severity)
                return nxt, Step(s, State.FIRING, verdict.severity, verdict.summary)
            return replace(cur, severity=verdict.severity), None
        # firing: only a change of severity is news
        if verdict.severity != cur.severity:
            nxt = replace(cur, severity=verdict.severity, escalation_tier=0, acked=False)
            return nxt, Step(
                s, State.FIRING, verdict.severity, f"severity {verdict.severity}: {verdict.summary}"
            )
        return cur, None
    if s is State.PENDING:
        return replace(cur, state=State.INACTIVE, active_since=None), Step(
            s, State.INACTIVE, cur.severity, verdict.summary or "condition cleared before its for-duration"
        )
    if s is State.FIRING:
        nxt = replace(cur, state=State.RESOLVED, resolved_at=now)
        return nxt, Step(s, State.RESOLVED, cur.severity, verdict.summary or "condition cleared")
    return cur, None


OPEN = (State.PENDING, State.FIRING)
COMMENT_MAX = 2000


class ActionRefused(ValueError):
    """A technician's action that the alert's state does not allow; the message says why."""


class InvalidInput(ActionRefused):
    """An action given unusable input (an empty comment, a snooze ending in the past)."""


def _open(cur: Lifecycle, what: str) -> None:
    if cur.state not in OPEN:
        raise ActionRefused(f"only a pending or firing alert can be {what} (this one is {cur.state})")


def _text(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"{what}: required")
    if len(cleaned) > COMMENT_MAX:
        raise InvalidInput(f"{what}: at most {COMMENT_MAX} characters")
    return cleaned


def acknowledge(cur: Lifecycle) -> tuple[Lifecycle, Step | None]:
    """Acknowledge a pending or firing alert: escalation stops; notifications of it go on.
    Acknowledging twice changes nothing."""
    _open(cur, "acknowledged")
    if cur.acked:
        return cur, None
    return replace(cur, acked=True), Step(cur.state, cur.state, cur.severity, "acknowledged")


def unacknowledge(cur: Lifecycle) -> tuple[Lifecycle, Step | None]:
    """Withdraw an acknowledgement: the alert is nobody's again and escalation resumes."""
    _open(cur, "un-acknowledged")
    if not cur.acked:
        return cur, None
    return replace(cur, acked=False), Step(cur.state, cur.state, cur.severity, "acknowledgement withdrawn")


def snooze(cur: Lifecycle, until: float, now: float) -> tuple[Lifecycle, Step | None]:
    """Silence notifications of a pending or firing alert until ``until`` (a later time); the
    state goes on."""
    if until <= now:
        raise InvalidInput("a snooze must end in the future")
    _open(cur, "snoozed")
    reason = f"snoozed for {(until - now) / 60:g} min"
    return replace(cur, snoozed_until=until), Step(cur.state, cur.state, cur.severity, reason)


def resolve(cur: Lifecycle, now: float, comment: str) -> tuple[Lifecycle, Step]:
    """Close a pending or firing alert by hand, saying why. Should the condition still hold,
    the next observation starts a new episode."""
    why = _text(comment, "comment")
    _open(cur, "resolved by hand")
    nxt = replace(cur, state=State.RESOLVED, resolved_at=now)
    return nxt, Step(cur.state, State.RESOLVED, cur.severity, f"resolved by hand: {why}")


def comment(cur: Lifecycle, text: str) -> tuple[Lifecycle, Step]:
    """A note on the alert's timeline, in any state; the lifecycle does not change."""
    return cur, Step(cur.state, cur.state, cur.severity, f"comment: {_text(text, 'comment')}")


def due_escalation(cur: Lifecycle, now: float, after_s: float, max_tier: int) -> int | None:
    """The tier an unacknowledged firing alert should now have reached, if higher than its own.

    Tier ``k`` is due ``k * after_s`` after the alert started firing.
    """
    if cur.state is not State.FIRING or cur.acked or after_s <= 0 or cur.firing_since is None:
        return None
    tier = min(max_tier, int((now - cur.firing_since) // after_s))
    return tier if tier > cur.escalation_tier else None


def announcement(
    state: State, severity: Severity, notified_state: str, notified_severity: str, suppressed: bool
) -> Announcement | None:
    """What to tell recipients now, given what they were last told; None while suppressed.

    A firing alert is announced once (again only when its severity rises); a resolution is
    announced only for an alert whose firing was announced.
    """
    if suppressed:
        return None
    if state is State.FIRING:
        if notified_state != Announcement.FIRING.value:
            return Announcement.FIRING
        if notified_severity and Severity(notified_severity).rank < severity.rank:
            return Announcement.FIRING
        return None
    if state in (State.RESOLVED, State.INACTIVE) and notified_state == Announcement.FIRING.value:
        return Announcement.RESOLVED
    return None
