"""Recording a Resolve run: the steps as marked, on the customer's Support Log (its own row,
audited) and as an internal note on the linked ticket, in the caller's transaction.

The linked ticket is the newest one not closed of the same customer, device and function;
the technician may name another ticket of the customer, or have one opened for the function.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.helpdesk import tickets
from collector.helpdesk.lifecycle import Status
from collector.helpdesk.models import Ticket
from collector.helpdesk.numbers import format_number
from collector.kb.models import Article, ResolveRun
from collector.store.db import audit


class StepState(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class Outcome(enum.StrEnum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True)
class StepResult:
    text: str
    state: StepState
    note: str = ""


@dataclass(frozen=True, slots=True)
class FaultyFunction:
    """What a run is about: a faulty function, or an alert (``function_id`` ``alert:<id>``,
    its device if it has one)."""

    customer_id: int
    device_id: int | None
    subject: str
    function_id: str
    name: str
    fault_kind: str


def outcome_of(steps: Sequence[StepResult], claimed: Outcome) -> Outcome:
    """Pure: a run with a failed step, or a step not done, cannot be called resolved."""
    if claimed is Outcome.RESOLVED and all(s.state is StepState.DONE for s in steps):
        return Outcome.RESOLVED
    return Outcome.UNRESOLVED


def linked_ticket(session: Session, fault: FaultyFunction) -> Ticket | None:
    """The newest ticket, not closed, of this customer, device and function."""
    stmt = (
        select(Ticket)
        .where(
            Ticket.customer_id == fault.customer_id,
            Ticket.device_id == fault.device_id,
            Ticket.function_id == fault.function_id,
            Ticket.status != Status.CLOSED.value,
        )
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def ticket_text(title: str, version: int, outcome: Outcome, steps: Sequence[StepResult], notes: str) -> str:
    """Pure: the run as the ticket's note reads it."""
    lines = [f"Resolve run with “{title}” (version {version}): {outcome.value}"]
    for n, step in enumerate(steps, 1):
        lines.append(f"{n}. [{step.state.value}] {step.text}" + (f" — {step.note}" if step.note else ""))
    if notes:
        lines.append(f"Notes: {notes}")
    return "\n".join(lines)


def record(
    session: Session,
    fault: FaultyFunction,
    article: Article,
    *,
    steps: Sequence[StepResult],
    claimed: Outcome,
    notes: str,
    actor: str,
    address: str = "",
    ticket: Ticket | None = None,
    open_ticket: bool = False,
) -> ResolveRun:
    """Store the run, note it on ``ticket`` (or a new one when ``open_ticket``), audit it."""
    now = datetime.now(UTC)
    outcome = outcome_of(steps, claimed)
    text = ticket_text(article.title, article.version, outcome, steps, notes)
    if ticket is None and open_ticket:
        new = tickets.NewTicket(
            customer_id=fault.customer_id,
            title=f"{fault.name}: {fault.fault_kind}"[: tickets.MAX_TITLE],
            device_id=fault.device_id,
            function_id=fault.function_id,
        )
        ticket = tickets.open_ticket(session, new, actor, now)
    if ticket is not None:
        tickets.add_message(session, ticket, actor, text, now, public=False)
    run = ResolveRun(
        customer_id=fault.customer_id,
        device_id=fault.device_id,
        subject=fault.subject,
        function_id=fault.function_id,
        fault_kind=fault.fault_kind,
        article_id=article.id,
        article_version=article.version,
        article_title=article.title,
        actor=actor,
        at=now,
        outcome=outcome.value,
        steps=[{"text": s.text, "state": s.state.value, "note": s.note} for s in steps],
        notes=notes,
        ticket_number=ticket.number if ticket is not None else None,
    )
    session.add(run)
    session.flush()
    audit(
        session,
        actor,
        "kb.resolve",
        f"device:{fault.device_id}" if fault.device_id is not None else f"customer:{fault.customer_id}",
        customer_id=fault.customer_id,
        address=address,
        function=fault.function_id,
        article=article.id,
        outcome=outcome.value,
        ticket=format_number(ticket.number) if ticket is not None else "",
    )
    return run


def runs_since(session: Session, customer_id: int, since: datetime, limit: int) -> list[ResolveRun]:
    stmt = (
        select(ResolveRun)
        .where(ResolveRun.customer_id == customer_id, ResolveRun.at >= since)
        .order_by(ResolveRun.at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
