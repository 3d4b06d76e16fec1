"""What the engine does as time passes (scheduler job ``alerting_tick``, once a second):
pending alerts whose for-duration passed fire, event-like alerts past their hold resolve,
acknowledgements and snoozes made on the dashboard are picked up, suppressions that lifted
(a maintenance window ending, a snooze running out, an instance back online) are caught up
with at most one message per alert, and unacknowledged alerts escalate tier by tier."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select

from collector.alerting import routing
from collector.alerting.domain import State
from collector.alerting.models import Alert
from collector.alerting.records import CHANNEL_FAILING, AlertRec, ts
from collector.alerting.rules import RULE_KINDS
from collector.alerting.state import Step, Verdict, announcement, due_escalation, step

SETTLED_AFTER_S = 3600.0

if TYPE_CHECKING:
    from collector.alerting.engine import AlertEngine


def tick(engine: AlertEngine) -> None:
    """Scheduler job: pending alerts whose for-duration passed fire, event-like alerts
    past their hold resolve, suppressions that lifted are caught up, escalation."""
    with engine.lock:
        now = engine.clock()
        engine.refresh()
        sync_actions(engine)
        for rec in list(engine.alerts()):
            life = rec.life
            for_s = float(getattr(rec.rule.params, "for_s", 0.0))
            if life.state is State.PENDING:
                nxt, st = step(life, Verdict(True, life.severity, rec.summary), now, for_s)
                if st is not None:
                    engine.commit(rec, nxt, st, verdict=None, now=now, source_at=None)
                    continue
            event_like = rec.rule.kind == CHANNEL_FAILING or (
                rec.rule.kind in RULE_KINDS and RULE_KINDS[rec.rule.kind].event_like
            )
            hold = float(getattr(rec.rule.params, "hold_s", 3600.0))
            expired = life.firing_since is not None and now - life.firing_since >= hold
            if event_like and life.state is State.FIRING and expired:
                nxt, st = step(life, Verdict(False, life.severity, "expired"), now, for_s)
                if st is not None:
                    engine.commit(rec, nxt, st, verdict=None, now=now, source_at=None)
                    continue
            catch_up(engine, rec, now)
            escalate(engine, rec, now)
            if settled(rec, now):
                engine.forget(rec.fingerprint)


def settled(rec: AlertRec, now: float) -> bool:
    """Resolved (or never fired) for a while and owing nobody a message: memory can let go."""
    if rec.life.state not in (State.RESOLVED, State.INACTIVE) or rec.notified_state == State.FIRING.value:
        return False
    return now - (rec.life.resolved_at or 0.0) >= SETTLED_AFTER_S


def catch_up(engine: AlertEngine, rec: AlertRec, now: float) -> None:
    """Announce what a lifted suppression held back (at most one message per alert)."""
    if rec.last_step_id == 0:
        return
    suppressed = engine.suppression(rec, now)
    if (
        announcement(
            rec.life.state, rec.life.severity, rec.notified_state, rec.notified_severity, bool(suppressed)
        )
        is None
    ):
        return
    with engine.store.session() as s:
        row = s.get(Alert, rec.id)
        if row is None:
            return
        added = engine.announce(
            s, rec, row, transition_id=rec.last_step_id, suppressed=False, now=now, source_at=None, tier=0
        )
    if added:
        engine.wake()


def escalate(engine: AlertEngine, rec: AlertRec, now: float) -> None:
    tier = due_escalation(rec.life, now, rec.rule.escalate_after_s, engine.settings.max_tier)
    if tier is None:
        return
    rec.life = replace(rec.life, escalation_tier=tier)
    with engine.store.session() as s:
        row = s.get(Alert, rec.id)
        if row is None:
            return
        row.escalation_tier = tier
        st = Step(
            State.FIRING,
            State.FIRING,
            rec.life.severity,
            f"escalated to tier {tier} ({routing.TIER_ROLES[tier]})",
        )
        tr = engine.record_transition(s, rec, st, now, None)
        engine.announce(
            s,
            rec,
            row,
            transition_id=tr.id,
            suppressed=bool(tr.suppressed),
            now=now,
            source_at=None,
            tier=tier,
            escalation=True,
        )
    engine.wake()


def sync_actions(engine: AlertEngine) -> None:
    """Pick up acknowledgements and snoozes made on the dashboard."""
    active = [r for r in engine.alerts() if r.life.state in (State.PENDING, State.FIRING) and r.id]
    if not active:
        return
    with engine.store.session() as s:
        rows = s.execute(
            select(Alert.id, Alert.acked_at, Alert.snoozed_until).where(Alert.id.in_([r.id for r in active]))
        ).all()
    by_id = {i: (acked, snoozed) for i, acked, snoozed in rows}
    for r in active:
        acked, snoozed = by_id.get(r.id, (None, None))
        r.life = replace(r.life, acked=acked is not None, snoozed_until=ts(snoozed))
