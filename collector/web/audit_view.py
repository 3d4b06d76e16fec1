"""The audit log viewer (supervisors and administrators).

Rows are scoped like everything else: a user sees rows about customers they may see.
Rows about no customer (logins, user administration) are shown to administrators only.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, select

from collector.store.models import AuditEntry, Customer
from collector.web.identity import CurrentUser, current_user
from collector.web.permissions import Capability, can, require, scope_to_customers
from collector.web.resources import store

bp = Blueprint("audit", __name__)

PAGE_SIZE = 100


def _int_arg(name: str, default: int) -> int:
    try:
        return max(1, int(request.args.get(name, default)))
    except ValueError:
        return default


def audit_query(user: CurrentUser, action: str, actor: str) -> Select[AuditEntry]:
    """The audit rows ``user`` may see, newest first, filtered by action prefix and actor.

    The page and its CSV export both read through this, so they show the same rows.
    """
    stmt = select(AuditEntry)
    sees_global = can(user, Capability.MANAGE_USERS)
    if not sees_global:
        stmt = stmt.where(AuditEntry.customer_id.is_not(None))
    stmt = scope_to_customers(stmt, AuditEntry.customer_id, user, with_global=sees_global)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(AuditEntry.actor.contains(actor, autoescape=True))
    return stmt.order_by(AuditEntry.id.desc())


@bp.get("/audit")
@require(Capability.VIEW_AUDIT)
def audit_log() -> ResponseReturnValue:
    user = current_user()
    page = _int_arg("page", 1)
    action = request.args.get("action", "").strip()[:100]
    actor = request.args.get("actor", "").strip()[:100]

    stmt = audit_query(user, action, actor)
    stmt = stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)

    with store().session() as s:
        entries = list(s.scalars(stmt).all())
        names: dict[int, str] = dict(s.execute(select(Customer.id, Customer.name)).all())
    has_more = len(entries) > PAGE_SIZE
    return render_template(
        "audit.html",
        entries=entries[:PAGE_SIZE],
        customer_names=names,
        page=page,
        has_more=has_more,
        action=action,
        actor=actor,
    )
