"""Administrators' sign-in security: require a second factor, lift lockouts, reset a user's
second factor, sign a user out everywhere. Every change is audited."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.signin import second_factor
from collector.signin.models import TotpCredential
from collector.signin.sessions import revoke_user_sessions
from collector.store.models import User
from collector.web.auditing import record
from collector.web.identity import current_user
from collector.web.permissions import Capability, get_or_404, require
from collector.web.resources import resources, store
from collector.web.throttle import KeyKind
from eus.values import checkbox

bp = Blueprint("admin_security", __name__, url_prefix="/admin/security")


@bp.get("")
@require(Capability.MANAGE_USERS)
def overview() -> ResponseReturnValue:
    with store().session() as s:
        users = s.scalars(select(User).order_by(User.username)).all()
        confirmed = set(
            s.scalars(select(TotpCredential.user_id).where(TotpCredential.confirmed_at.is_not(None))).all()
        )
        required = second_factor.totp_required(s)
    return render_template(
        "admin_security.html",
        users=users,
        with_totp=confirmed,
        required=required,
        lockouts=resources().login_throttle.lockouts(),
    )


@bp.post("/require-2fa")
@require(Capability.MANAGE_USERS)
def require_2fa() -> ResponseReturnValue:
    wanted = checkbox(request.form.get("require_totp"))
    with store().session() as s:
        if second_factor.set_totp_required(s, wanted, current_user().actor):
            record(s, "settings.require-2fa", "signin", required=wanted)
    flash("A second factor is required for everyone." if wanted else "A second factor is optional.", "info")
    return redirect(url_for("admin_security.overview"))


@bp.post("/unlock")
@require(Capability.MANAGE_USERS)
def unlock() -> ResponseReturnValue:
    try:
        kind = KeyKind(request.form.get("kind", ""))
    except ValueError:
        abort(400)
    key = request.form.get("key", "")[:200]
    if resources().login_throttle.unlock(kind, key):
        with store().session() as s:
            record(s, "login.unlock", f"{kind.value}:{key}")
        flash(f"Unlocked {kind.value} {key}.", "info")
    else:
        flash(f"{kind.value} {key} was not locked.", "info")
    return redirect(url_for("admin_security.overview"))


@bp.post("/users/<int:user_id>/reset-2fa")
@require(Capability.MANAGE_USERS)
def reset_2fa(user_id: int) -> ResponseReturnValue:
    with store().session() as s:
        user = get_or_404(s, User, user_id)
        if second_factor.remove(s, user.id):
            # Whoever holds the old factor's sessions should prove themselves again.
            revoke_user_sessions(s, user.id, "2fa-reset")
            record(s, "user.2fa-reset", f"user:{user.username}")
        name = user.username
    flash(f"Two-factor authentication of {name} was reset: they set it up again.", "info")
    return redirect(url_for("admin_security.overview"))


@bp.post("/users/<int:user_id>/sign-out")
@require(Capability.MANAGE_USERS)
def sign_out_user(user_id: int) -> ResponseReturnValue:
    with store().session() as s:
        user = get_or_404(s, User, user_id)
        ended = revoke_user_sessions(s, user.id, "signed-out-by-administrator")
        record(s, "session.revoke-all", f"user:{user.username}", sessions=ended)
        name = user.username
    flash(f"{name} is signed out everywhere ({ended} session(s)).", "info")
    return redirect(url_for("admin_security.overview"))
