"""The helpdesk's settings on the dashboard (supervisors and administrators): business
calendars, SLA policies with their targets per priority, the on-call rota and the rules that
run when a ticket is saved. Every form keeps what was typed when it refuses a value, durations
take the one grammar (``30m``, ``4h``, ``2d``), and every change is audited."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.helpdesk.calendar import CalendarError, parse_calendar
from collector.helpdesk.models import Calendar, Rota, RotaOverride, SlaPolicy, SlaTarget, TicketRule
from collector.store.models import Customer, User
from collector.web.auditing import record
from collector.web.permissions import Capability, require
from collector.web.resources import store
from eus.values import checkbox, parse_duration

bp = Blueprint("helpdesk_settings", __name__)

PRIORITIES = (1, 2, 3, 4)
SOURCES = ("alert", "email", "technician", "portal")


class Refused(ValueError):
    """A value the form cannot take; the message names the field."""


def _minutes(form: dict[str, str], key: str, label: str) -> int:
    try:
        seconds = parse_duration(form.get(key, ""))
    except ValueError:
        raise Refused(f"{label}: a duration like 30m, 4h or 2d") from None
    if seconds < 60:
        raise Refused(f"{label}: at least one minute")
    return round(seconds / 60)


def _page(
    s: Session, forms: dict[str, dict[str, str]], error: str = "", status: int = 200
) -> ResponseReturnValue:
    calendars = s.scalars(select(Calendar).order_by(Calendar.name)).all()
    policies = s.scalars(select(SlaPolicy).order_by(SlaPolicy.name)).all()
    targets: dict[int, dict[int, SlaTarget]] = {}
    for t in s.scalars(select(SlaTarget)):
        targets.setdefault(t.policy_id, {})[t.priority] = t
    return (
        render_template(
            "helpdesk_settings.html",
            calendars=calendars,
            policies=policies,
            targets=targets,
            rota=s.scalars(select(Rota).order_by(Rota.id)).first(),
            overrides=s.scalars(select(RotaOverride).order_by(RotaOverride.start)).all(),
            rules=s.scalars(select(TicketRule).order_by(TicketRule.position, TicketRule.id)).all(),
            customers=s.scalars(select(Customer).order_by(Customer.name)).all(),
            users=s.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all(),
            forms=forms,
            error=error,
            priorities=PRIORITIES,
            sources=SOURCES,
            json=json,
        ),
        status,
    )


@bp.get("/helpdesk/settings")
@require(Capability.MANAGE_HELPDESK)
def settings() -> ResponseReturnValue:
    with store().session() as s:
        return _page(s, {})


def _refused(which: str, exc: Exception) -> ResponseReturnValue:
    typed = dict(request.form)
    typed["members"] = ",".join(request.form.getlist("members"))  # a multiple choice, kept whole
    with store().session() as s:
        return _page(s, {which: typed}, str(exc), 400)


@bp.post("/helpdesk/calendars")
@require(Capability.MANAGE_HELPDESK)
def save_calendar() -> ResponseReturnValue:
    form = dict(request.form)
    name = form.get("name", "").strip()[:100]
    holidays = [d for d in form.get("holidays", "").replace("\n", ",").split(",") if d.strip()]
    try:
        if not name:
            raise Refused("name: required")
        parse_calendar(form.get("hours", ""), form.get("tz", "UTC").strip(), holidays)
    except (Refused, CalendarError) as exc:
        return _refused("calendar", exc)
    with store().session() as s:
        row = s.scalars(select(Calendar).where(Calendar.name == name)).first() or Calendar(name=name)
        row.hours, row.tz = form["hours"].strip(), form.get("tz", "UTC").strip()
        row.holidays = ",".join(d.strip() for d in holidays)
        s.add(row)
        record(s, "helpdesk.calendar.save", f"calendar:{name}", hours=row.hours, tz=row.tz)
    flash(f"Calendar {name} saved.", "info")
    return redirect(url_for("helpdesk_settings.settings"))


@bp.post("/helpdesk/policies")
@require(Capability.MANAGE_HELPDESK)
def save_policy() -> ResponseReturnValue:
    form = dict(request.form)
    name = form.get("name", "").strip()[:100]
    try:
        if not name:
            raise Refused("name: required")
        customer_id = int(form["customer_id"]) if form.get("customer_id", "").isdigit() else None
        calendar_id = int(form["calendar_id"]) if form.get("calendar_id", "").isdigit() else None
        if calendar_id is None:
            raise Refused("calendar: choose one (add a calendar first)")
        warn = int(form.get("warn_percent", "75")) if form.get("warn_percent", "75").isdigit() else -1
        if not 1 <= warn <= 99:
            raise Refused("warn at: a percentage from 1 to 99")
        wanted = {
            p: (
                _minutes(form, f"response_{p}", f"P{p} response"),
                _minutes(form, f"resolution_{p}", f"P{p} resolution"),
            )
            for p in PRIORITIES
        }
        for p, (response, resolution) in wanted.items():
            if resolution < response:
                raise Refused(f"P{p}: the resolution target cannot be shorter than the response target")
    except Refused as exc:
        return _refused("policy", exc)
    with store().session() as s:
        row = s.scalars(select(SlaPolicy).where(SlaPolicy.name == name)).first() or SlaPolicy(name=name)
        same_scope = (
            SlaPolicy.customer_id.is_(None) if customer_id is None else SlaPolicy.customer_id == customer_id
        )
        clash = s.scalars(select(SlaPolicy).where(same_scope)).first()
        if clash is not None and clash is not row:
            who = "the default policy" if customer_id is None else "that customer's policy"
            return _page(s, {"policy": form}, f"{clash.name} is {who} already: edit it instead", 400)
        row.customer_id, row.calendar_id, row.warn_percent = customer_id, calendar_id, warn
        s.add(row)
        s.flush()
        for p, (response, resolution) in wanted.items():
            target = s.get(SlaTarget, (row.id, p)) or SlaTarget(policy_id=row.id, priority=p)
            target.response_minutes, target.resolution_minutes = response, resolution
            s.add(target)
        record(s, "helpdesk.policy.save", f"sla_policy:{name}", customer_id=customer_id, targets=wanted)
    flash(f"SLA policy {name} saved.", "info")
    return redirect(url_for("helpdesk_settings.settings"))


def _handover(form: dict[str, str]) -> datetime:
    try:
        zone = ZoneInfo(form.get("tz", "") or "UTC")
    except (KeyError, ValueError):
        raise Refused(f"time zone: {form.get('tz', '')!r} is not a time zone like Europe/Budapest") from None
    try:
        return datetime.fromisoformat(form.get("handover", "")).replace(tzinfo=zone)
    except ValueError:
        raise Refused("handover: a date and time like 2026-12-07T09:00") from None


@bp.post("/helpdesk/rota")
@require(Capability.MANAGE_HELPDESK)
def save_rota() -> ResponseReturnValue:
    form = dict(request.form)
    members = [m for m in request.form.getlist("members") if m.isdigit()]
    try:
        if not members:
            raise Refused("members: choose at least one person, in turn order")
        handover = _handover(form)
        period = _minutes(form, "period", "rotation period")
        ack = _minutes(form, "ack_timeout", "backup after")
    except Refused as exc:
        return _refused("rota", exc)
    with store().session() as s:
        row = s.scalars(select(Rota).order_by(Rota.id)).first() or Rota(name="on-call")
        row.members = ",".join(members)
        row.handover = handover
        row.period_days = max(1, round(period / (24 * 60)))
        row.ack_timeout_minutes = ack
        s.add(row)
        record(s, "helpdesk.rota.save", "rota", members=members, period_days=row.period_days)
    flash("On-call rota saved.", "info")
    return redirect(url_for("helpdesk_settings.settings"))


@bp.post("/helpdesk/rota/overrides")
@require(Capability.MANAGE_HELPDESK)
def add_override() -> ResponseReturnValue:
    form = dict(request.form)
    try:
        start = _handover({"tz": form.get("tz", ""), "handover": form.get("start", "")})
        end = _handover({"tz": form.get("tz", ""), "handover": form.get("end", "")})
        if end <= start:
            raise Refused("the override must end after it starts")
        responsible = int(form["responsible_id"]) if form.get("responsible_id", "").isdigit() else None
        backup = int(form["backup_id"]) if form.get("backup_id", "").isdigit() else None
        if responsible is None and backup is None:
            raise Refused("choose who takes over: the responsible person, the backup or both")
    except Refused as exc:
        return _refused("override", exc)
    with store().session() as s:
        rota = s.scalars(select(Rota).order_by(Rota.id)).first()
        if rota is None:
            return _page(s, {"override": form}, "save the rota first", 400)
        row = RotaOverride(
            rota_id=rota.id, start=start, end=end, responsible_id=responsible, backup_id=backup
        )
        s.add(row)
        s.flush()
        record(s, "helpdesk.rota.override", f"rota_override:{row.id}", start=start, end=end)
    flash("Override added.", "info")
    return redirect(url_for("helpdesk_settings.settings"))


@bp.post("/helpdesk/rota/overrides/<int:override_id>/delete")
@require(Capability.MANAGE_HELPDESK)
def delete_override(override_id: int) -> ResponseReturnValue:
    with store().session() as s:
        row = s.get(RotaOverride, override_id)
        if row is not None:
            record(s, "helpdesk.rota.override_delete", f"rota_override:{row.id}")
            s.delete(row)
    return redirect(url_for("helpdesk_settings.settings"))


def _rule_parts(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    conditions: dict[str, Any] = {"events": request.form.getlist("events") or ["created"]}
    priorities = [int(p) for p in request.form.getlist("priorities") if p.isdigit()]
    if priorities:
        conditions["priorities"] = priorities
    customers = [int(c) for c in request.form.getlist("customer_ids") if c.isdigit()]
    if customers:
        conditions["customer_ids"] = customers
    sources = [x for x in request.form.getlist("sources") if x in SOURCES]
    if sources:
        conditions["sources"] = sources
    if form.get("category", "").strip():
        conditions["categories"] = [form["category"].strip()[:100]]
    actions: dict[str, Any] = {}
    if form.get("set_priority", "").isdigit():
        actions["set_priority"] = int(form["set_priority"])
    if form.get("assign_to", "").isdigit():
        actions["assign_to"] = int(form["assign_to"])
    notify = [a.strip() for a in form.get("notify", "").split(",") if a.strip()]
    if any("@" not in a for a in notify):
        raise Refused("notify: email addresses, separated by commas")
    if notify:
        actions["notify"] = notify
    if form.get("add_note", "").strip():
        actions["add_note"] = form["add_note"].strip()[:2000]
    if not actions:
        raise Refused("actions: choose at least one thing the rule does")
    return conditions, actions


@bp.post("/helpdesk/rules")
@require(Capability.MANAGE_HELPDESK)
def save_rule() -> ResponseReturnValue:
    form = dict(request.form)
    name = form.get("name", "").strip()[:200]
    try:
        if not name:
            raise Refused("name: required")
        conditions, actions = _rule_parts(form)
    except Refused as exc:
        return _refused("rule", exc)
    with store().session() as s:
        position = len(s.scalars(select(TicketRule.id)).all()) + 1
        row = TicketRule(
            name=name,
            position=position,
            stop=checkbox(form.get("stop")),
            conditions=json.dumps(conditions, sort_keys=True),
            actions=json.dumps(actions, sort_keys=True),
        )
        s.add(row)
        s.flush()
        record(
            s,
            "helpdesk.rule.create",
            f"ticket_rule:{row.id}",
            name=name,
            conditions=conditions,
            actions=actions,
        )
    flash(f"Rule {name} saved.", "info")
    return redirect(url_for("helpdesk_settings.settings"))


@bp.post("/helpdesk/rules/<int:rule_id>/delete")
@require(Capability.MANAGE_HELPDESK)
def delete_rule(rule_id: int) -> ResponseReturnValue:
    with store().session() as s:
        row = s.get(TicketRule, rule_id)
        if row is not None:
            record(s, "helpdesk.rule.delete", f"ticket_rule:{row.id}", name=row.name)
            s.delete(row)
    return redirect(url_for("helpdesk_settings.settings"))
