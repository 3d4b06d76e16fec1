"""Enrollment tokens from the customer page: create one (shown once) and revoke one.

Tokens are made by :func:`collector.enrollment.create_token`, the same code the admin
CLI uses, so the format, hashing and the ``token.create`` audit row are identical.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.enrollment import create_token, enroll_command, parse_ttl, revoke_token, token_status
from collector.store.models import EnrollmentToken
from collector.web.auditing import record
from collector.web.identity import current_user
from collector.web.permissions import Capability, get_customer_or_404, get_owned_or_404, require
from collector.web.resources import store

bp = Blueprint("enrollment", __name__)

MAX_USES = 10_000


def tokens_of(session: Session, customer_id: int, limit: int = 20) -> list[tuple[EnrollmentToken, str]]:
    """The customer's newest tokens with their status, for the customer page."""
    stmt = (
        select(EnrollmentToken)
        .where(EnrollmentToken.customer_id == customer_id)
        .order_by(EnrollmentToken.id.desc())
        .limit(limit)
    )
    now = datetime.now(UTC)
    return [(row, token_status(row, now)) for row in session.scalars(stmt).all()]


@bp.post("/customers/<int:customer_id>/tokens")
@require(Capability.ENROLL_DEVICES)
def create(customer_id: int) -> ResponseReturnValue:
    raw_uses = request.form.get("uses", "").strip()
    raw_ttl = request.form.get("ttl", "24h").strip()
    try:
        uses = int(raw_uses) if raw_uses else None
        if uses is not None and not 1 <= uses <= MAX_USES:
            raise ValueError(f"uses: 1 to {MAX_USES}, or empty for unlimited")
        ttl = parse_ttl(raw_ttl[:20])
    except ValueError as exc:
        flash(f"Token not created: {str(exc)[:120]}", "error")
        return redirect(url_for("dashboard.customer", customer_id=customer_id))
    with store().session() as s:
        cust = get_customer_or_404(s, customer_id)
        token, row = create_token(s, cust.name, uses=uses, ttl=ttl, actor=current_user().actor)
    # Rendered straight away, never redirected through the session: the plaintext exists
    # only in this one no-store response.
    address, pin = current_app.config["ENROLL_ADDRESS"], current_app.config["CA_FINGERPRINT"]
    command = enroll_command(token, address, pin) if address and pin else ""
    return render_template("token_created.html", customer=cust, token=token, row=row, command=command)


@bp.post("/tokens/<int:token_id>/revoke")
@require(Capability.ENROLL_DEVICES)
def revoke(token_id: int) -> ResponseReturnValue:
    with store().session() as s:
        row = get_owned_or_404(s, EnrollmentToken, token_id)
        revoke_token(s, row, record)
    flash(f"Token {row.prefix}… revoked.", "info")
    return redirect(url_for("dashboard.customer", customer_id=row.customer_id))
