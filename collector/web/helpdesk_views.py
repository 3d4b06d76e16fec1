"""The helpdesk on the dashboard: the ticket queue with SLA countdowns, a ticket's page (thread,
reply or note, lifecycle actions, assignment, time log) and a new ticket.

Every change goes through :mod:`collector.helpdesk.tickets` (one code path for the dashboard,
the mail poller and the alert hook). Tickets are scoped to the customers the user may see: a
ticket of another customer is a 404, like its customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.helpdesk import lifecycle, mail_out, tickets, watch
from collector.helpdesk.acceptance import Claim, make_token
from collector.helpdesk.lifecycle import Action, Status
from collector.helpdesk.models import Ticket, TicketAttachment, TicketEntry, TicketWatcher, TimeEntry
from collector.helpdesk.numbers import format_number
from collector.helpdesk.sla import SlaClock
from collector.store.models import Customer, Device, User
from collector.web.identity import CurrentUser, current_user
from collector.web.permissions import Capability, get_customer_or_404, require, scope_to_customers
from collector.web.resources import store

bp = Blueprint("helpdesk", __name__)

QUEUE_LIMIT = 500
ACTION_LABELS = {
    Action.ACKNOWLEDGE: "Acknowledge",
    Action.START: "Start work",
    Action.WAIT: "Wait on customer",
    Action.RESUME: "Resume",
    Action.RESOLVE: "Resolve",
}
STAFF_ACTIONS = tuple(ACTION_LABELS)


def now() -> datetime:
    return datetime.now(UTC)


def _ticket_or_404(s: Session, number: int, user: CurrentUser) -> Ticket:
    ticket = tickets.by_number(s, number)
    if ticket is None:
        abort(404)
    get_customer_or_404(s, ticket.customer_id, user)
    return ticket


@dataclass(frozen=True, slots=True)
class Row:
    ticket: Ticket
    customer: str
    assignee: str
    response: SlaClock | None
    resolution: SlaClock | None


def _rows(s: Session, found: list[Ticket], at: datetime) -> list[Row]:
    customers = {c.id: c.name for c in s.scalars(select(Customer))}
    users = {u.id: u.username for u in s.scalars(select(User))}
    policies: dict[int, watch.Policy | None] = {}
    paused = tickets.pauses_of(s, (t.id for t in found))
    rows = []
    for t in found:
        if t.customer_id not in policies:
            policies[t.customer_id] = watch.policy_for(s, t.customer_id)
        policy = policies[t.customer_id]
        pair = (
            watch.clocks(t, policy, at, paused.get(t.id, []))
            if policy is not None and t.status != Status.CLOSED.value
            else None
        )
        rows.append(
            Row(
                t,
                customers.get(t.customer_id, "?"),
                users.get(t.assignee_id, "") if t.assignee_id else "",
                pair[0] if pair else None,
                pair[1] if pair else None,
            )
        )
    return rows


def _due_key(row: Row) -> tuple[int, datetime]:
    clocks = [c for c in (row.response, row.resolution) if c is not None and c.due is not None]
    due = min((c.due for c in clocks if c.due is not None), default=datetime.max.replace(tzinfo=UTC))
    return (row.ticket.priority, due)


@bp.get("/tickets")
@require(Capability.VIEW_DASHBOARD)
def queue() -> ResponseReturnValue:
    user = current_user()
    f = {k: request.args.get(k, "") for k in ("status", "customer", "priority", "mine")}
    stmt = scope_to_customers(select(Ticket), Ticket.customer_id, user)
    if f["status"] == "all":
        pass
    elif f["status"] in {s.value for s in Status}:
        stmt = stmt.where(Ticket.status == f["status"])
    else:
        stmt = stmt.where(Ticket.status.in_([s.value for s in lifecycle.OPEN] + [Status.RESOLVED.value]))
    if f["customer"].isdigit():
        stmt = stmt.where(Ticket.customer_id == int(f["customer"]))
    if f["priority"] in {"1", "2", "3", "4"}:
        stmt = stmt.where(Ticket.priority == int(f["priority"]))
    if f["mine"]:
        stmt = stmt.where(Ticket.assignee_id == user.id)
    at = now()
    with store().session() as s:
        found = list(s.scalars(stmt.order_by(Ticket.id.desc()).limit(QUEUE_LIMIT)))
        rows = sorted(_rows(s, found, at), key=_due_key)
        customers = s.scalars(
            scope_to_customers(select(Customer), Customer.id, user).order_by(Customer.name)
        ).all()
    return render_template(
        "tickets_queue.html",
        rows=rows,
        filters=f,
        customers=customers,
        statuses=[s.value for s in Status],
        now=at,
    )


def _form_values() -> dict[str, str]:
    keys = ("customer_id", "title", "priority", "body", "device_id", "category")
    return {k: request.form.get(k, "").strip() for k in keys}


def _new_form(values: dict[str, str], error: str = "") -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        customers = s.scalars(
            scope_to_customers(select(Customer), Customer.id, user).order_by(Customer.name)
        ).all()
        devices = s.scalars(
            scope_to_customers(select(Device), Device.customer_id, user).order_by(Device.hostname)
        ).all()
    status = 400 if error else 200
    return render_template(
        "ticket_new.html", values=values, customers=customers, devices=devices, error=error
    ), status


@bp.get("/tickets/new")
@require(Capability.WORK_TICKETS)
def new_ticket() -> ResponseReturnValue:
    return _new_form({"priority": "3", "customer_id": request.args.get("customer", "")})


@bp.post("/tickets")
@require(Capability.WORK_TICKETS)
def create_ticket() -> ResponseReturnValue:
    user = current_user()
    values = _form_values()
    if not values["customer_id"].isdigit():
        return _new_form(values, "Choose the customer the ticket is for.")
    if values["priority"] not in {"1", "2", "3", "4"}:
        return _new_form(values, "Choose a priority from P1 (most urgent) to P4.")
    device_id = int(values["device_id"]) if values["device_id"].isdigit() else None
    try:
        with store().session() as s:
            customer = get_customer_or_404(s, int(values["customer_id"]), user)
            if device_id is not None:
                device = s.get(Device, device_id)
                if device is None or device.customer_id != customer.id:
                    return _new_form(values, "That device does not belong to the chosen customer.")
            ticket = tickets.open_ticket(
                s,
                tickets.NewTicket(
                    customer_id=customer.id,
                    title=values["title"],
                    priority=int(values["priority"]),
                    body=values["body"],
                    category=values["category"],
                    device_id=device_id,
                ),
                user.actor,
                now(),
            )
            number = ticket.number
    except tickets.TicketError as exc:
        return _new_form(values, str(exc))
    flash(f"Ticket {format_number(number)} opened.", "ok")
    return redirect(url_for("helpdesk.ticket", number=number))


@bp.get("/tickets/<int:number>")
@require(Capability.VIEW_DASHBOARD)
def ticket(number: int) -> ResponseReturnValue:
    user = current_user()
    at = now()
    with store().session() as s:
        t = _ticket_or_404(s, number, user)
        (row,) = _rows(s, [t], at)
        entries = s.scalars(
            select(TicketEntry).where(TicketEntry.ticket_id == t.id).order_by(TicketEntry.id)
        ).all()
        attachments = s.scalars(
            select(TicketAttachment).where(TicketAttachment.entry_id.in_([e.id for e in entries]))
        ).all()
        times = s.scalars(
            select(TimeEntry).where(TimeEntry.ticket_id == t.id).order_by(TimeEntry.started_at)
        ).all()
        staff = s.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
        watching = set(s.scalars(select(TicketWatcher.user_id).where(TicketWatcher.ticket_id == t.id)))
        device = s.get(Device, t.device_id) if t.device_id else None
    by_entry: dict[int, list[TicketAttachment]] = {}
    for a in attachments:
        by_entry.setdefault(a.entry_id, []).append(a)
    actions = [
        (a.value, ACTION_LABELS[a]) for a in lifecycle.available(Status(t.status)) if a in STAFF_ACTIONS
    ]
    return render_template(
        "ticket_detail.html",
        row=row,
        t=t,
        number=format_number(t.number),
        entries=entries,
        attachments=by_entry,
        times=times,
        total_minutes=sum(x.minutes for x in times),
        staff=staff,
        users={u.id: u.username for u in staff},
        device=device,
        actions=actions,
        watching=watching,
        now=at,
    )


def _acceptance_mail(s: Session, t: Ticket, at: datetime) -> None:
    """Ask the requester to accept or reject the resolution: a signed link, no login."""
    address = mail_out.requester(s, t)
    if not address:
        return
    token = make_token(
        current_app.config["SECRET_KEY"].encode(), Claim(t.id, t.requester_contact_id or 0, t.resolutions)
    )
    link = url_for("acceptance.answer", token=token, _external=True)
    body = (
        f"We have resolved {format_number(t.number)}: {t.title}.\n\n"
        f"Please tell us whether the problem is solved: {link}\n"
        f"(the link works for {current_app.config['HELPDESK_ACCEPTANCE_DAYS']} days; "
        "without an answer the ticket closes then)."
    )
    mail_out.queue(
        s,
        t,
        event=f"resolved:{t.resolutions}",
        addresses=mail_out.recipients(t, address),
        contact_id=t.requester_contact_id,
        body=body,
        now=at,
    )


@bp.post("/tickets/<int:number>/action")
@require(Capability.WORK_TICKETS)
def act(number: int) -> ResponseReturnValue:
    user = current_user()
    try:
        action = Action(request.form.get("action", ""))
    except ValueError:
        abort(400)
    if action not in STAFF_ACTIONS:
        abort(400)
    comment = request.form.get("comment", "").strip()[:2000]
    at = now()
    try:
        with store().session() as s:
            t = _ticket_or_404(s, number, user)
            tickets.transition(s, t, action, user.actor, at, comment=comment)
            if action is Action.RESOLVE:
                _acceptance_mail(s, t, at)
    except lifecycle.TransitionRefused as exc:
        flash(str(exc).capitalize() + ".", "error")
    return redirect(url_for("helpdesk.ticket", number=number))


@bp.post("/tickets/<int:number>/reply")
@require(Capability.WORK_TICKETS)
def reply(number: int) -> ResponseReturnValue:
    user = current_user()
    body = request.form.get("body", "").strip()
    public = request.form.get("visibility") == "public"
    files = [
        (f.filename or "attachment", f.mimetype or "application/octet-stream", f.read())
        for f in request.files.getlist("attachments")
        if f.filename
    ]
    at = now()
    try:
        with store().session() as s:
            t = _ticket_or_404(s, number, user)
            entry = tickets.add_message(s, t, user.actor, body, at, public=public, attachments=files)
            watchers = mail_out.watcher_addresses(s, t)
            if public:
                to = mail_out.recipients(t, mail_out.requester(s, t))
                to += [a for a in watchers if a not in to]
            else:
                to = watchers  # internal notes reach the watching staff only
            if to:
                mail_out.queue(
                    s,
                    t,
                    event=f"reply:{entry.id}",
                    addresses=to,
                    contact_id=t.requester_contact_id,
                    body=body,
                    now=at,
                )
    except tickets.TicketError as exc:
        flash(str(exc).capitalize() + ".", "error")
    return redirect(url_for("helpdesk.ticket", number=number))


@bp.post("/tickets/<int:number>/time")
@require(Capability.WORK_TICKETS)
def log_time(number: int) -> ResponseReturnValue:
    user = current_user()
    raw = request.form.get("minutes", "").strip()
    if not raw.isdigit():
        flash(f"Minutes must be a whole number, not {raw!r}.", "error")
        return redirect(url_for("helpdesk.ticket", number=number))
    try:
        with store().session() as s:
            t = _ticket_or_404(s, number, user)
            tickets.log_time(
                s,
                t,
                user_id=user.id,
                actor=user.actor,
                minutes=int(raw),
                started_at=now(),
                billable=request.form.get("billable") == "1",
                note=request.form.get("note", "").strip()[:500],
            )
    except tickets.TicketError as exc:
        flash(str(exc).capitalize() + ".", "error")
    return redirect(url_for("helpdesk.ticket", number=number))


@bp.post("/tickets/<int:number>/assign")
@require(Capability.WORK_TICKETS)
def assign(number: int) -> ResponseReturnValue:
    user = current_user()
    raw = request.form.get("assignee_id", "")
    with store().session() as s:
        t = _ticket_or_404(s, number, user)
        assignee = s.get(User, int(raw)) if raw.isdigit() else None
        if raw and (assignee is None or not assignee.active):
            abort(400)
        tickets.assign(s, t, assignee, user.actor, now())
    return redirect(url_for("helpdesk.ticket", number=number))


@bp.post("/tickets/<int:number>/people")
@require(Capability.WORK_TICKETS)
def people(number: int) -> ResponseReturnValue:
    user = current_user()
    notify_also = [a.strip() for a in request.form.get("notify_also", "").split(",") if a.strip()]
    watchers = [int(w) for w in request.form.getlist("watchers") if w.isdigit()]
    try:
        with store().session() as s:
            t = _ticket_or_404(s, number, user)
            known = set(s.scalars(select(User.id).where(User.id.in_(watchers), User.active.is_(True))))
            tickets.set_people(
                s, t, notify_also=notify_also, watchers=sorted(known), actor=user.actor, now=now()
            )
    except tickets.TicketError as exc:
        flash(str(exc).capitalize() + ".", "error")
    return redirect(url_for("helpdesk.ticket", number=number))


@bp.get("/tickets/<int:number>/attachments/<int:attachment_id>")
@require(Capability.VIEW_DASHBOARD)
def attachment(number: int, attachment_id: int) -> ResponseReturnValue:
    with store().session() as s:
        t = _ticket_or_404(s, number, current_user())
        row = s.get(TicketAttachment, attachment_id)
        entry = s.get(TicketEntry, row.entry_id) if row is not None else None
        if row is None or entry is None or entry.ticket_id != t.id:
            abort(404)
        data, name = row.data, row.filename
    # Always a download, never rendered here: an attachment is whatever a sender mailed.
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
