"""Weekly timesheets: every minute logged on tickets, per customer and technician, as a page
and as CSV (the seed's "timesheet on a weekly basis, confirmed by the customer"). Scoped to
the customers the user may see; the CSV carries exactly the page's numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.helpdesk.models import TimeEntry
from collector.helpdesk.timesheet import Entry, monday_of, to_csv, week_bounds, weekly
from collector.store.models import Customer, User
from collector.web.identity import current_user
from collector.web.permissions import Capability, require, scope_to_customers
from collector.web.resources import store

bp = Blueprint("timesheets", __name__)

TIMEZONE = "UTC"


def _week(raw: str) -> date:
    try:
        return monday_of(date.fromisoformat(raw))
    except ValueError:
        return monday_of(datetime.now(UTC).date())


@bp.get("/timesheets")
@require(Capability.VIEW_DASHBOARD)
def timesheet() -> ResponseReturnValue:
    user = current_user()
    week = _week(request.args.get("week", ""))
    customer = request.args.get("customer", "")
    technician = request.args.get("user", "")
    start, end = week_bounds(week, TIMEZONE)
    stmt = scope_to_customers(select(TimeEntry), TimeEntry.customer_id, user)
    stmt = stmt.where(TimeEntry.started_at >= start, TimeEntry.started_at < end)
    if customer.isdigit():
        stmt = stmt.where(TimeEntry.customer_id == int(customer))
    if technician.isdigit():
        stmt = stmt.where(TimeEntry.user_id == int(technician))
    with store().session() as s:
        entries = [
            Entry(e.ticket_id, e.customer_id, e.user_id, e.started_at, e.minutes, e.billable)
            for e in s.scalars(stmt)
        ]
        customers = s.scalars(
            scope_to_customers(select(Customer), Customer.id, user).order_by(Customer.name)
        ).all()
        users = s.scalars(select(User).order_by(User.username)).all()
    sheet = weekly(entries, week, TIMEZONE)
    names = {c.id: c.name for c in customers}
    people = {u.id: u.username for u in users}
    if request.args.get("format") == "csv":
        return Response(
            to_csv(sheet, names, people),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename=timesheet-{week.isoformat()}.csv"},
        )
    return render_template(
        "timesheet.html",
        sheet=sheet,
        week=week,
        days=[week + timedelta(days=d) for d in range(7)],
        previous=(week - timedelta(days=7)).isoformat(),
        following=(week + timedelta(days=7)).isoformat(),
        customers=customers,
        users=users,
        names=names,
        people=people,
        filters={"customer": customer, "user": technician},
    )
