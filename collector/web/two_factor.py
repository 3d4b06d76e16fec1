"""The second factor in the dashboard: the sign-in step, setting it up, and the requirement.

``verify`` is the second step of signing in (public: the user has no session yet, only the
pending marker of :mod:`collector.web.signin_flow`). ``setup`` shows a QR code and the
secret, and a code from the app confirms it; the recovery codes are shown once, then.
When an administrator requires a second factor, :func:`require_enrollment` sends users
without one to ``setup`` before anything else.
"""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as BaseResponse

from collector.signin import second_factor
from collector.store.db import audit
from collector.store.models import User
from collector.web.auditing import record, remote_address
from collector.web.identity import current_user, login_user, optional_user
from collector.web.permissions import Capability, public, require
from collector.web.resources import resources, store
from collector.web.security import safe_next
from collector.web.signin_flow import count_failure, pending_matches, pending_user_id, throttled_message

bp = Blueprint("two_factor", __name__)

# What a user who must still set up a second factor may reach.
ENROLLMENT_ENDPOINTS = frozenset(
    {"two_factor.setup", "two_factor.confirm", "auth.logout", "auth.login", "static", "health.healthz"}
)


@bp.route("/login/second-factor", methods=["GET", "POST"])
@public  # it accepts only the pending marker a right password left in the session
def verify() -> ResponseReturnValue:
    next_url = safe_next(request.values.get("next"))
    user_id = pending_user_id()
    if user_id is None:
        flash("Sign in again.", "error")
        return redirect(url_for("auth.login", next=next_url))
    if request.method == "GET":
        return render_template("two_factor_verify.html", next_url=next_url or "")

    res = resources()
    address = remote_address()
    used: str | None = None
    with res.store.session() as s:
        user = s.get(User, user_id)
        if user is None or not user.active or not pending_matches(user):
            flash("Sign in again.", "error")
            return redirect(url_for("auth.login"))
        actor = f"user:{user.username}"
        wait = res.login_throttle.retry_after(address, user.username)
        if wait > 0:
            audit(s, actor, "login.failure", actor, address=address, reason="throttled")
        else:
            used = second_factor.verify(s, user.id, request.form.get("code", ""))
            if used is None:
                audit(s, actor, "login.failure", actor, address=address, reason="bad-second-factor")
            else:
                audit(s, actor, "login.success", actor, address=address, factor=used)
    if wait > 0:
        flash(throttled_message(wait), "error")
        return render_template("two_factor_verify.html", next_url=next_url or ""), 429
    if used is None:
        count_failure(address, user.username)
        flash("That code is not valid.", "error")
        return render_template("two_factor_verify.html", next_url=next_url or ""), 200
    res.login_throttle.record_success(address, user.username)
    login_user(user, address)
    if used == "recovery-code":
        flash("You signed in with a recovery code: it cannot be used again.", "info")
    return redirect(next_url or url_for("dashboard.index"))


def _setup_page(status: int = 200) -> ResponseReturnValue:
    me = current_user()
    with store().session() as s:
        enabled = second_factor.confirmed_credential(s, me.id) is not None
        required = second_factor.totp_required(s)
        remaining = second_factor.remaining_recovery_codes(s, me.id) if enabled else 0
        secret = "" if enabled else second_factor.pending_secret(s, me.id)
    uri = second_factor.provisioning_uri(secret, me.username) if secret else ""
    return (
        render_template(
            "two_factor_setup.html",
            enabled=enabled,
            required=required,
            remaining=remaining,
            secret=secret,
            qr=second_factor.qr_svg(uri) if uri else "",
        ),
        status,
    )


@bp.get("/account/two-factor")
@require(Capability.MANAGE_OWN_ACCOUNT)
def setup() -> ResponseReturnValue:
    return _setup_page()


@bp.post("/account/two-factor")
@require(Capability.MANAGE_OWN_ACCOUNT)
def confirm() -> ResponseReturnValue:
    me = current_user()
    with store().session() as s:
        codes = second_factor.confirm(s, me.id, request.form.get("code", ""))
        if codes is not None:
            record(s, "user.2fa-enable", me.actor)
    if codes is None:
        flash("That code is not valid: check the time on your phone and try the next one.", "error")
        return _setup_page(400)
    return render_template("two_factor_codes.html", codes=codes)


@bp.post("/account/two-factor/disable")
@require(Capability.MANAGE_OWN_ACCOUNT)
def disable() -> ResponseReturnValue:
    me = current_user()
    with store().session() as s:
        if second_factor.totp_required(s):
            flash("An administrator requires two-factor authentication for everyone.", "error")
            return redirect(url_for("two_factor.setup"))
        if second_factor.verify(s, me.id, request.form.get("code", "")) is None:
            flash("That code is not valid.", "error")
            return redirect(url_for("two_factor.setup"))
        second_factor.remove(s, me.id)
        record(s, "user.2fa-disable", me.actor)
    flash("Two-factor authentication is off.", "info")
    return redirect(url_for("two_factor.setup"))


def require_enrollment() -> BaseResponse | None:
    """``before_request``: while a second factor is required, users without one set it up first."""
    user = optional_user()
    if user is None or request.endpoint in ENROLLMENT_ENDPOINTS:
        return None
    with store().session() as s:
        missing = second_factor.totp_required(s) and second_factor.confirmed_credential(s, user.id) is None
    if not missing:
        return None
    flash("An administrator requires two-factor authentication: set it up to continue.", "info")
    return redirect(url_for("two_factor.setup"))


def init_app(app: Flask) -> None:
    """Register the enrollment guard; it must run after the login guard."""
    app.before_request(require_enrollment)
