"""A customer's Support Log on the dashboard: the activities of this and earlier support
sessions — tickets opened, replies, notes, status changes, time logged, Resolve runs
(:mod:`collector.kb.runs`) and every audited action on the customer — grouped by who did them
in one sitting (:mod:`collector.helpdesk.support_log`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.helpdesk.models import Ticket, TicketEntry
from collector.helpdesk.support_log import Activity, sessions
from collector.kb.models import ResolveRun
from collector.kb.runs import runs_since
from collector.store.models import AuditEntry
from collector.web.identity import current_user
from collector.web.permissions import Capability, get_customer_or_404, require
from collector.web.resources import store

bp = Blueprint("support_log", __name__)

RANGES = {"7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}
LIMIT = 5000


def _run_text(run: ResolveRun) -> str:
    marks = ", ".join(f"{n}. {step.get('state', '?')}" for n, step in enumerate(run.steps, 1))
    return (
        f"Resolve {run.function_id} with “{run.article_title}” (v{run.article_version}): "
        f"{run.outcome} — steps {marks}" + (f" — {run.notes}" if run.notes else "")
    )


@bp.get("/customers/<int:customer_id>/support-log")
@require(Capability.VIEW_DASHBOARD)
def support_log(customer_id: int) -> ResponseReturnValue:
    span = request.args.get("range", "30d")
    since = datetime.now(UTC) - RANGES.get(span, RANGES["30d"])
    with store().session() as s:
        customer = get_customer_or_404(s, customer_id, current_user())
        rows = s.execute(
            select(TicketEntry, Ticket.number)
            .join(Ticket, Ticket.id == TicketEntry.ticket_id)
            .where(Ticket.customer_id == customer.id, TicketEntry.at >= since)
            .order_by(TicketEntry.at.desc())
            .limit(LIMIT)
        ).all()
        activities = [Activity(e.at, e.author, e.kind, e.body, number) for e, number in rows]
        audit = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.customer_id == customer.id, AuditEntry.at >= since)
            .where(AuditEntry.action.not_like("ticket.%"))  # already shown as ticket entries
            .where(AuditEntry.action != "kb.resolve")  # shown as the run itself, below
            .order_by(AuditEntry.at.desc())
            .limit(LIMIT)
        ).all()
        activities += [Activity(a.at, a.actor, a.action, a.target) for a in audit]
        activities += [
            Activity(r.at, r.actor, "resolve", _run_text(r), r.ticket_number)
            for r in runs_since(s, customer.id, since, LIMIT)
        ]
        name = customer.name
    return render_template(
        "support_log.html",
        customer_id=customer_id,
        customer_name=name,
        sessions=sessions(activities),
        span=span,
    )
