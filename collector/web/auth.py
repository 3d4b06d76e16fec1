"""Login and logout. Every attempt, good or bad, leaves an audit row; passwords never do.

A user with a second factor is sent on to ``two_factor.verify`` after the right password;
the throttle counts failures per account and per client address.
"""

from __future__ import annotations

import unicodedata

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector.passwords import burn_verify_time, hash_password, needs_rehash, verify_password
from collector.signin.second_factor import confirmed_credential
from collector.store.db import audit
from collector.store.models import User
from collector.web.auditing import remote_address
from collector.web.identity import login_user, logout_user, optional_user
from collector.web.permissions import public
from collector.web.resources import resources
from collector.web.security import safe_next
from collector.web.signin_flow import begin_second_factor, count_failure, throttled_message

bp = Blueprint("auth", __name__)

MAX_USERNAME = 64
MAX_PASSWORD = 1024  # argon2 would hash more, but nobody types that; bounds the work


def _clean_username(raw: str) -> str:
    """The username as typed, trimmed and stripped of control characters (for the log)."""
    text = "".join(ch for ch in raw.strip() if unicodedata.category(ch)[0] != "C")
    return text[:MAX_USERNAME]


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if optional_user() is not None:
            return redirect(next_url or url_for("dashboard.index"))
        return render_template("login.html", next_url=next_url or "", username="")

    username = _clean_username(request.form.get("username", ""))
    password = request.form.get("password", "")[:MAX_PASSWORD]
    address = remote_address()
    res = resources()
    actor = f"user:{username}"

    wait = res.login_throttle.retry_after(address, username)
    if wait > 0:
        with res.store.session() as s:
            audit(s, actor, "login.failure", actor, address=address, reason="throttled")
        flash(throttled_message(wait), "error")
        return render_template("login.html", next_url=next_url or "", username=username), 429

    reason = ""
    second_factor = False
    with res.store.session() as s:
        user = s.scalar(select(User).where(User.username == username)) if username else None
        if user is None:
            burn_verify_time(password)
            reason = "unknown-user"
        elif not password or not verify_password(user.password_hash, password):
            reason = "bad-password"
        elif not user.active:
            reason = "inactive"
        elif needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        if reason:
            audit(s, actor, "login.failure", actor, address=address, reason=reason)
        elif user is not None and confirmed_credential(s, user.id) is not None:
            second_factor = True
            audit(s, actor, "login.password-ok", actor, address=address)
        else:
            audit(s, actor, "login.success", actor, address=address)

    if reason or user is None:
        count_failure(address, username)
        flash("Invalid username or password.", "error")
        return render_template("login.html", next_url=next_url or "", username=username), 200

    if second_factor:
        # The account's failures are cleared only once the second factor is right too.
        begin_second_factor(user)
        return redirect(url_for("two_factor.verify", next=next_url or None))
    res.login_throttle.record_success(address, username)
    login_user(user, address)
    return redirect(next_url or url_for("dashboard.index"))


@bp.post("/logout")
@public  # ending one's own session needs no right, and without a session it does nothing
def logout() -> ResponseReturnValue:
    user = optional_user()
    if user is not None:
        with resources().store.session() as s:
            audit(s, user.actor, "logout", user.actor, address=remote_address())
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))
