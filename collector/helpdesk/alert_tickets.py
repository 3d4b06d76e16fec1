"""Alerts open tickets: one per alert, in the transaction that records the alert's step.

The alert engine calls :meth:`AlertTickets.__call__` (its transition hook) inside the
transaction that writes each lifecycle step, so a ticket is opened or noted exactly when the
step commits — never for a step that rolled back, never twice for one. Which alerts open
tickets is the rule's ``ticket_priority`` (:func:`ticket_priority`); a re-fire adds a note to
the alert's open ticket, a resolution notes it and, if configured, resolves it. A ticket that
was closed lets go of its alert, so the alert's next episode opens a fresh one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting.domain import Severity, State
from collector.alerting.models import Alert
from collector.alerting.rules.scope import RuleDef
from collector.alerting.state import Step
from collector.helpdesk import lifecycle, tickets
from collector.helpdesk.lifecycle import Action, Status
from collector.helpdesk.models import Ticket

DEFAULT_PRIORITY = 2
ACTOR = "alert"


def ticket_priority(rule_priority: int | None, severity: Severity) -> int | None:
    """The priority of the ticket an alert opens, or None for none. Pure.

    ``rule_priority`` None is the default (critical alerts open a P2 ticket, others none),
    0 means never, 1..4 means every firing alert of the rule, at that priority."""
    if rule_priority is None:
        return DEFAULT_PRIORITY if severity is Severity.CRITICAL else None
    return rule_priority if 1 <= rule_priority <= 4 else None


@dataclass(frozen=True, slots=True)
class AlertTickets:
    """The helpdesk's transition hook for the alert engine."""

    resolve_with_alert: bool = False

    def __call__(self, session: Session, alert: Alert, rule: RuleDef, step: Step, now: float) -> None:
        at = datetime.fromtimestamp(now, UTC)
        ticket = session.scalars(select(Ticket).where(Ticket.alert_id == alert.id)).first()
        if ticket is not None and Status(ticket.status) is Status.CLOSED:
            ticket.alert_id = None  # kept with its history; the next episode gets its own ticket
            session.flush()
            ticket = None
        fired = step.to_state is State.FIRING and step.from_state is not State.FIRING
        if fired:
            self._fired(session, alert, rule, step, at=at, ticket=ticket)
        elif step.to_state is State.RESOLVED and ticket is not None:
            tickets.add_message(session, ticket, ACTOR, f"Alert resolved: {step.reason}", at, public=False)
            if self.resolve_with_alert and Status(ticket.status) in lifecycle.OPEN:
                tickets.transition(session, ticket, Action.RESOLVE, ACTOR, at, comment="the alert resolved")

    @staticmethod
    def _fired(
        session: Session, alert: Alert, rule: RuleDef, step: Step, *, at: datetime, ticket: Ticket | None
    ) -> None:
        line = f"Alert firing ({step.severity.value}): {alert.summary or rule.name}"
        if ticket is not None:
            tickets.add_message(session, ticket, ACTOR, f"Fired again. {line}", at, public=False)
            return
        priority = ticket_priority(rule.ticket_priority, step.severity)
        if priority is None or alert.customer_id is None:
            return  # not wanted by the rule, or a system alert of no customer
        title = f"{rule.name}: {alert.subject}" if alert.subject else rule.name
        tickets.open_ticket(
            session,
            tickets.NewTicket(
                customer_id=alert.customer_id,
                title=title[: tickets.MAX_TITLE],
                priority=priority,
                body=line,
                source="alert",
                category=alert.kind,
                device_id=alert.device_id,
                alert_id=alert.id,
            ),
            ACTOR,
            at,
        )
