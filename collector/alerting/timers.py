"""What time alone decides about an alert (the engine's ``tick`` asks these). Pure."""

from __future__ import annotations

from collector.alerting.domain import State
from collector.alerting.records import CHANNEL_FAILING, AlertRec
from collector.alerting.rules import RULE_KINDS

SETTLED_AFTER_S = 3600.0


def event_like(kind: str) -> bool:
    """Kinds that fire on an event and resolve themselves after their hold."""
    return kind == CHANNEL_FAILING or (kind in RULE_KINDS and RULE_KINDS[kind].event_like)


def hold_expired(rec: AlertRec, now: float) -> bool:
    """An event-like alert that has been firing for its rule's ``hold_s``."""
    life = rec.life
    return (
        event_like(rec.rule.kind)
        and life.state is State.FIRING
        and life.firing_since is not None
        and now - life.firing_since >= rec.rule.params.hold_s
    )


def settled(rec: AlertRec, now: float) -> bool:
    """Resolved (or never fired) for a while and owing nobody a message: memory can let go."""
    if rec.life.state not in (State.RESOLVED, State.INACTIVE) or rec.notified_state == State.FIRING.value:
        return False
    return now - (rec.life.resolved_at or 0.0) >= SETTLED_AFTER_S
