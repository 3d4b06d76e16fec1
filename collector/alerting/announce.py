"""What an alert transition owes its recipients: route it (who, which channel, which
escalation tier) and write the outbox rows in the caller's transaction, grouped so that
alerts arriving together leave as one message per recipient."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from collector.alerting import grouping, inhibit, routing
from collector.alerting.domain import Announcement
from collector.alerting.models import Alert
from collector.alerting.records import CHANNEL_FAILING, AlertRec, EngineSettings, dt
from collector.alerting.state import announcement
from collector.notify import outbox


def announce(
    s: Session,
    rec: AlertRec,
    row: Alert,
    *,
    transition_id: int,
    suppressed: bool,
    now: float,
    source_at: float | None,
    tier: int,
    escalation: bool = False,
    directory: routing.Directory,
    settings: EngineSettings,
) -> int:
    """Enqueue what recipients must be told about ``rec``'s latest transition (in the
    caller's transaction); returns the outbox rows added."""
    if escalation:
        what: Announcement | None = None if suppressed else Announcement.ESCALATED
    else:
        what = announcement(
            rec.life.state, rec.life.severity, rec.notified_state, rec.notified_severity, suppressed
        )
    if what is None:
        return 0
    facts = routing.AlertFacts(
        rec.customer_id, rec.life.severity, rec.rule.id or None, rec.rule.notify_contacts, tier
    )
    people = routing.recipients(facts, directory, now)
    if rec.rule.kind == CHANNEL_FAILING:
        people = routing.failover(people, rec.subject)
    wait = settings.offline_group_wait_s if rec.rule.kind == inhibit.OFFLINE_KIND else settings.group_wait_s
    gt = grouping.GroupTarget(
        rec.customer_id,
        rec.device.site_id if rec.device else None,
        rec.device.id if rec.device else None,
        rec.rule.kind,
        rec.rule.family,
    )
    added = outbox.enqueue(
        s,
        transition_id=transition_id,
        alert_id=rec.id,
        customer_id=rec.customer_id,
        recipients=people,
        announcement=what.value,
        group_key=grouping.group_key(gt, what),
        title=title(rec),
        line=line(rec),
        due_at=dt(now + wait) or datetime.now(UTC),
        source_at=dt(source_at),
    )
    if not escalation:
        state = Announcement.FIRING if what is Announcement.FIRING else Announcement.RESOLVED
        rec.notified_state, rec.notified_severity = state.value, rec.life.severity.value
        row.notified_state, row.notified_severity = rec.notified_state, rec.notified_severity
    return added


def title(rec: AlertRec) -> str:
    """The group's name in a subject line: rule and place."""
    if rec.device is None:
        return rec.rule.name
    place = rec.device.customer + (f" / {rec.device.site}" if rec.device.site else "")
    return f"{rec.rule.name} - {place}"


def line(rec: AlertRec) -> str:
    """This alert's line in a (grouped) message."""
    who = rec.device.name if rec.device else "EUS"
    return f"{rec.life.severity.value.upper()} {who}: {rec.summary}"[:500]
