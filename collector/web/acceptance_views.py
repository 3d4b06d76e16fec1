"""The customer's answer to a resolved ticket: a public page behind a signed, expiring link
(no login), with Accept and Reject (with a reason). Accept closes the ticket; reject reopens
it with the SLA running again. A tampered, expired or already-answered link gets a clear page.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue

from collector.helpdesk import tickets
from collector.helpdesk.acceptance import AcceptanceLinkError, Claim, read_token
from collector.helpdesk.lifecycle import Action, Status
from collector.helpdesk.models import Ticket
from collector.helpdesk.numbers import format_number
from collector.web.permissions import public
from collector.web.resources import store

bp = Blueprint("acceptance", __name__)

MAX_REASON = 2000


def _claim(token: str) -> Claim:
    secret = current_app.config["SECRET_KEY"].encode()
    days = int(current_app.config["HELPDESK_ACCEPTANCE_DAYS"])
    return read_token(secret, token, max_age_s=days * 86_400)


def _page(title: str, message: str, status: int, **extra: object) -> ResponseReturnValue:
    return render_template("acceptance.html", title=title, message=message, **extra), status


@bp.route("/accept/<token>", methods=["GET", "POST"])
@public  # the signed, expiring link is the credential: customers have no login here
def answer(token: str) -> ResponseReturnValue:
    try:
        claim = _claim(token)
    except AcceptanceLinkError as exc:
        return _page("This link cannot be used", str(exc), 410 if exc.reason == "expired" else 400)
    with store().session() as s:
        ticket = s.get(Ticket, claim.ticket_id)
        if ticket is None:
            return _page("This link cannot be used", "The ticket it was made for no longer exists.", 404)
        number = format_number(ticket.number)
        if Status(ticket.status) is not Status.RESOLVED or ticket.resolutions != claim.resolution:
            return _page(
                f"{number} has been answered already",
                f"{number} is {ticket.status.replace('-', ' ')} now: "
                "this link was for an earlier resolution.",
                409,
            )
        if request.method == "GET":
            return _page(f"Is {number} solved?", ticket.title, 200, token=token, number=number)
        decision = request.form.get("decision", "")
        reason = request.form.get("reason", "").strip()[:MAX_REASON]
        actor = f"contact:{claim.contact_id}" if claim.contact_id else "customer"
        now = datetime.now(UTC)
        if decision == "accept":
            tickets.transition(s, ticket, Action.ACCEPT, actor, now, comment="accepted by the customer")
            return _page(f"Thank you: {number} is closed", ticket.title, 200)
        if decision == "reject":
            if not reason:
                return _page(
                    f"Is {number} solved?",
                    ticket.title,
                    400,
                    token=token,
                    number=number,
                    error="Please tell us what is still wrong, so we can continue.",
                )
            tickets.transition(s, ticket, Action.REJECT, actor, now, comment=reason)
            return _page(f"{number} is open again", "We will continue and get back to you.", 200)
    return _page("This link cannot be used", "Choose Accept or Reject.", 400, token=token)
