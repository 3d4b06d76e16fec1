"""Resolve from an alert: an alert whose rule kind a knowledge-base article is linked to
(``rule:<kind>``, or ``rule:threshold:<metric>`` first) offers that article's steps, run the
same way as a faulty function's Resolve (:mod:`resolve_views`): recorded on the customer's
Support Log, noted on the alert's ticket (or one the technician names) and audited as
``kb.resolve``. Alerts the user may not see, and alerts of no customer, are 404.

``GET/POST /alerts/<alert>/kb-resolve``
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting.models import Alert, AlertRule
from collector.helpdesk.models import Ticket
from collector.helpdesk.numbers import format_number
from collector.kb import articles, runs
from collector.kb.faults import rule_fault_kinds
from collector.kb.models import Article
from collector.kb.runs import FaultyFunction
from collector.store.models import Customer, Device
from collector.web.auditing import remote_address
from collector.web.identity import current_user
from collector.web.permissions import Capability, can, get_owned_or_404, require
from collector.web.resolve_views import check_run, done_message, form_values
from collector.web.resources import store

bp = Blueprint("alert_resolve", __name__)


def fault_kinds(alert: Alert, rule: AlertRule | None) -> list[str]:
    """The alert's fault kinds, most specific first (a threshold rule's metric narrows it)."""
    metric = ""
    if rule is not None:
        try:
            params = json.loads(rule.params or "{}")
        except ValueError:
            params = {}
        metric = str(params.get("metric", "")) if isinstance(params, dict) else ""
    return rule_fault_kinds(alert.kind, metric)


def article_for(s: Session, alert: Alert, rule: AlertRule | None) -> Article | None:
    """The article a technician can run for this alert, if one is linked to its rule kind."""
    if alert.customer_id is None:
        return None
    found = articles.for_fault(s, fault_kinds(alert, rule))
    return found[0] if found is not None else None


def _alert_ticket(s: Session, alert: Alert) -> Ticket | None:
    return s.scalars(select(Ticket).where(Ticket.alert_id == alert.id)).first()


def _load(s: Session, alert_id: int) -> tuple[Alert, AlertRule | None, Customer]:
    alert = get_owned_or_404(s, Alert, alert_id, current_user())
    if alert.customer_id is None:
        abort(404, description="this alert belongs to no customer: there is no Support Log to record on")
    customer = s.get(Customer, alert.customer_id)
    if customer is None:
        abort(404)
    rule = s.get(AlertRule, alert.rule_id) if alert.rule_id is not None else None
    return alert, rule, customer


def _page(  # noqa: PLR0917 (the page's parts)
    s: Session,
    alert: Alert,
    rule: AlertRule | None,
    customer: Customer,
    values: Mapping[str, str],
    errors: Sequence[str] = (),
    status: int = 200,
) -> ResponseReturnValue:
    kinds = fault_kinds(alert, rule)
    found = articles.for_fault(s, kinds)
    page = render_template(
        "alert_resolve.html",
        alert=alert,
        rule=rule,
        customer=customer,
        device=s.get(Device, alert.device_id) if alert.device_id is not None else None,
        ticket=_alert_ticket(s, alert),
        article=found[0] if found else None,
        fault=found[1] if found else kinds[-1],
        faults=kinds,
        values=values,
        errors=errors,
        action=url_for("alert_resolve.record_run", alert_id=alert.id),
        offer_open_ticket=False,
        can_edit_kb=can(current_user(), Capability.EDIT_KNOWLEDGE_BASE),
    )
    return page, status


@bp.get("/alerts/<int:alert_id>/kb-resolve")
@require(Capability.VIEW_DASHBOARD)
def resolve(alert_id: int) -> ResponseReturnValue:
    with store().session() as s:
        alert, rule, customer = _load(s, alert_id)
        ticket = _alert_ticket(s, alert)
        return _page(s, alert, rule, customer, {"ticket": format_number(ticket.number) if ticket else ""})


@bp.post("/alerts/<int:alert_id>/kb-resolve")
@require(Capability.WORK_TICKETS)
def record_run(alert_id: int) -> ResponseReturnValue:
    values = form_values()
    with store().session() as s:
        alert, rule, customer = _load(s, alert_id)
        found = articles.for_fault(s, fault_kinds(alert, rule))
        if found is None:
            return _page(s, alert, rule, customer, values, ["there is no article for this alert to run"], 400)
        article, fault = found
        marks, claimed, ticket, errors = check_run(s, values, article, customer)
        if errors:
            return _page(s, alert, rule, customer, values, errors, 400)
        name = rule.name if rule is not None else alert.summary or alert.kind
        run = runs.record(
            s,
            FaultyFunction(
                customer.id, alert.device_id, alert.subject[:200], f"alert:{alert.id}", name, fault
            ),
            article,
            steps=marks,
            claimed=claimed,
            notes=values.get("notes", "").strip(),
            actor=current_user().actor,
            address=remote_address(),
            ticket=ticket,
        )
        message = done_message(run.outcome, run.ticket_number)
    flash(message, "info")
    return redirect(url_for("alerting.alert_detail", alert_id=alert_id))
