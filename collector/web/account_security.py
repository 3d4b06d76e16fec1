"""A user's own sessions: where they are signed in, ending one, and "sign out everywhere"."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from collector.signin import second_factor
from collector.signin.sessions import live_sessions, revoke_by_id, revoke_user_sessions
from collector.web.auditing import record
from collector.web.identity import current_user, logout_user, session_lifetimes
from collector.web.permissions import Capability, require
from collector.web.resources import store

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/security")
@require(Capability.MANAGE_OWN_ACCOUNT)
def security() -> ResponseReturnValue:
    me = current_user()
    with store().session() as s:
        sessions = live_sessions(s, me.id, limits=session_lifetimes())
        enabled = second_factor.confirmed_credential(s, me.id) is not None
    return render_template(
        "account_security.html", sessions=sessions, current_id=me.session_id, totp_enabled=enabled
    )


@bp.post("/sessions/<int:session_id>/revoke")
@require(Capability.MANAGE_OWN_ACCOUNT)
def revoke(session_id: int) -> ResponseReturnValue:
    me = current_user()
    with store().session() as s:
        ended = revoke_by_id(s, me.id, session_id, "signed-out-remotely")
        if ended:
            record(s, "session.revoke", me.actor, session_id=session_id)
    if not ended:
        flash("That session has already ended.", "info")
        return redirect(url_for("account.security"))
    if session_id == me.session_id:
        logout_user()
        return redirect(url_for("auth.login"))
    flash("That session is signed out.", "info")
    return redirect(url_for("account.security"))


@bp.post("/sign-out-everywhere")
@require(Capability.MANAGE_OWN_ACCOUNT)
def sign_out_everywhere() -> ResponseReturnValue:
    me = current_user()
    with store().session() as s:
        ended = revoke_user_sessions(s, me.id, "signed-out-everywhere")
        record(s, "session.revoke-all", me.actor, sessions=ended)
    logout_user()
    flash("Signed out everywhere.", "info")
    return redirect(url_for("auth.login"))
