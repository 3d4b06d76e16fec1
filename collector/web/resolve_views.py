"""Resolve: a faulty function's knowledge-base article as numbered steps. The technician marks
each step done, failed or skipped, with a note, and says whether the fault is resolved; the run
is stored (the customer's Support Log lists it), noted on the linked ticket (or a new one) and
audited as ``kb.resolve``. An unresolved run leads on to Manage (:mod:`manage_views`).

``GET/POST /customers/<customer>/functions/<function>/resolve?device=<id>[&subject=…]``
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from collector.helpdesk.models import Ticket
from collector.helpdesk.numbers import format_number
from collector.helpdesk.tickets import by_number
from collector.kb import articles, runs
from collector.kb.faults import function_fault_kinds
from collector.kb.models import Article
from collector.kb.runs import FaultyFunction, Outcome, StepResult, StepState
from collector.store.models import Customer
from collector.web.auditing import remote_address
from collector.web.customer_functions import CustomerFunction, locate
from collector.web.identity import current_user
from collector.web.permissions import Capability, can, require
from collector.web.resources import store
from eus.values import checkbox

bp = Blueprint("resolve", __name__)

MAX_NOTE = 2000
MAX_NOTES = 10_000


def _faults(fn: CustomerFunction) -> list[str]:
    health = fn.state.status.label if fn.state is not None else "unknown"
    return function_fault_kinds(fn.kind, health)


def parse_marks(form: Mapping[str, str], steps: Sequence[str]) -> tuple[list[StepResult], list[str]]:
    """Pure: each step's state and note from the form, and a line per step left unmarked."""
    marks: list[StepResult] = []
    errors: list[str] = []
    for n, text in enumerate(steps, 1):
        raw = form.get(f"state_{n}", "")
        note = form.get(f"note_{n}", "").strip()[:MAX_NOTE]
        try:
            state = StepState(raw)
        except ValueError:
            errors.append(f"step {n}: mark it done, failed or skipped")
            continue
        marks.append(StepResult(text, state, note))
    return marks, errors


Context = tuple[Article | None, str, Ticket | None]  # the article, the fault kind it matched, the ticket


def _page(
    fn: CustomerFunction,
    context: Context,
    values: Mapping[str, str],
    errors: Sequence[str] = (),
    status: int = 200,
) -> ResponseReturnValue:
    article, fault, ticket = context
    page = render_template(
        "resolve.html",
        fn=fn,
        article=article,
        fault=fault,
        faults=_faults(fn),
        ticket=ticket,
        values=values,
        errors=errors,
        can_edit_kb=can(current_user(), Capability.EDIT_KNOWLEDGE_BASE),
    )
    return page, status


def _context(s: Session, fn: CustomerFunction) -> Context:
    found = articles.for_fault(s, _faults(fn))
    article, fault = found if found is not None else (None, _faults(fn)[-1])
    ticket = runs.linked_ticket(s, _fault(fn, fault))
    return article, fault, ticket


def _fault(fn: CustomerFunction, fault: str) -> FaultyFunction:
    return FaultyFunction(fn.customer.id, fn.device.id, fn.subject, fn.function_id, fn.name, fault)


@bp.get("/customers/<int:customer_id>/functions/<function_id>/resolve")
@require(Capability.VIEW_DASHBOARD)
def resolve(customer_id: int, function_id: str) -> ResponseReturnValue:
    with store().session() as s:
        fn = locate(s, customer_id, function_id)
        context = _context(s, fn)
        ticket = context[2]
        values = {
            "ticket": format_number(ticket.number) if ticket else "",
            "open_ticket": "" if ticket else "on",
        }
        return _page(fn, context, values)


def _ticket_number(text: str) -> int | None:
    digits = text.strip().upper().removeprefix("EUS-")
    return int(digits) if digits.isdigit() else None


class CheckedRun(NamedTuple):
    marks: list[StepResult]
    claimed: Outcome
    ticket: Ticket | None
    errors: list[str]


def check_run(s: Session, values: Mapping[str, str], article: Article, customer: Customer) -> CheckedRun:
    """The marks, the outcome claimed and the ticket named on a Resolve form, and a line per
    problem (a step unmarked, the article changed meanwhile, no outcome, another's ticket)."""
    marks, errors = parse_marks(values, article.steps)
    if values.get("article_version") != str(article.version):
        errors.insert(
            0, f"the article changed to version {article.version} while you worked: check the steps again"
        )
    try:
        claimed = Outcome(values.get("outcome", ""))
    except ValueError:
        errors.append("outcome: say whether the fault is resolved")
        claimed = Outcome.UNRESOLVED
    ticket: Ticket | None = None
    wanted = values.get("ticket", "").strip()
    if wanted:
        number = _ticket_number(wanted)
        ticket = by_number(s, number) if number is not None else None
        if ticket is None or ticket.customer_id != customer.id:
            errors.append(f"ticket: {wanted[:20]!r} is not a ticket of {customer.name}")
    return CheckedRun(marks, claimed, ticket, errors)


def form_values() -> dict[str, str]:
    """The Resolve form as posted (everything typed, to show again when refused)."""
    return {k: v[:MAX_NOTES] for k, v in request.form.items() if k != "csrf_token"}


def done_message(outcome: str, ticket_number: int | None) -> str:
    where = f" and noted on {format_number(ticket_number)}" if ticket_number else ""
    if outcome == Outcome.RESOLVED:
        return f"Resolved: the run is on the Support Log{where}."
    return f"Not resolved: the run is on the Support Log{where}."


@bp.post("/customers/<int:customer_id>/functions/<function_id>/resolve")
@require(Capability.WORK_TICKETS)
def record_run(customer_id: int, function_id: str) -> ResponseReturnValue:
    values = form_values()
    user = current_user()
    with store().session() as s:
        fn = locate(s, customer_id, function_id)
        context = _context(s, fn)
        article, fault, _ = context
        if article is None:
            return _page(fn, context, values, ["there is no article for this fault to run"], 400)
        marks, claimed, ticket, errors = check_run(s, values, article, fn.customer)
        if errors:
            return _page(fn, context, values, errors, 400)
        run = runs.record(
            s,
            _fault(fn, fault),
            article,
            steps=marks,
            claimed=claimed,
            notes=values.get("notes", "").strip(),
            actor=user.actor,
            address=remote_address(),
            ticket=ticket,
            open_ticket=checkbox(values.get("open_ticket")),
        )
        outcome, number = run.outcome, run.ticket_number
    if outcome == Outcome.RESOLVED:
        flash(done_message(outcome, number), "info")
        return redirect(url_for("support_log.support_log", customer_id=customer_id))
    flash(done_message(outcome, number) + " Manage the function below.", "info")
    return redirect(url_for("manage.manage", customer_id=customer_id, function_id=function_id, **fn.query))
