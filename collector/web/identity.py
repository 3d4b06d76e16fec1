"""Who is asking: the logged-in user, found through a server-side session on every request.

The signed cookie holds only a random session id and a fingerprint of the user's password
hash; the session row (:mod:`collector.signin.sessions`) decides whether it is still
usable (not revoked, not idle, not too old). The user row is read again on every request,
so deactivating a user or changing their password ends their existing sessions at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, request, session
from sqlalchemy import select

from collector.customers.access import restrictions_for
from collector.signin.sessions import Lifetimes, find_session, revoke_session, start_session
from collector.store.models import Role, User, UserCustomer
from collector.web.resources import store

SESSION_ID = "sid"
SESSION_FINGERPRINT = "fp"


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """A detached snapshot of the logged-in user, safe to keep for the whole request."""

    id: int
    username: str
    role: Role
    all_customers: bool
    customer_ids: frozenset[int]
    session_id: int = 0  # the server-side session row, for "this session" on the sessions page
    # Set by administrators on "Restrict access" (collector.customers.access): customers hidden
    # from this user or their role, and sensitive categories their role never receives.
    hidden_customer_ids: frozenset[int] = frozenset()
    blocked_categories: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        """How this user appears in the audit log."""
        return f"user:{self.username}"


def fingerprint(password_hash: str) -> str:
    """A short digest of the password hash: changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def session_lifetimes() -> Lifetimes:
    """The idle timeout and absolute lifetime the app is configured with."""
    return Lifetimes(
        idle=timedelta(seconds=float(current_app.config["SESSION_IDLE_TIMEOUT_S"])),
        absolute=timedelta(seconds=float(current_app.config["SESSION_MAX_AGE_S"])),
    )


def login_user(user: User, address: str) -> None:
    """Start a fresh server-side session for ``user``; anything from before login is discarded."""
    session.clear()  # session fixation: nothing set before authentication survives it
    session.permanent = True
    with store().session() as s:
        raw = start_session(
            s,
            user.id,
            address=address,
            user_agent=request.headers.get("User-Agent", ""),
            limits=session_lifetimes(),
        )
    session[SESSION_ID] = raw
    session[SESSION_FINGERPRINT] = fingerprint(user.password_hash)


def logout_user() -> None:
    """End the session on the server too: a copy of the cookie is worthless afterwards."""
    raw = session.get(SESSION_ID)
    if isinstance(raw, str):
        with store().session() as s:
            revoke_session(s, raw, "logout")
    session.clear()


def load_current_user() -> None:
    """``before_request``: put the session's user (or None) in ``g.user``."""
    g.user = None
    if request.endpoint == "static":
        return  # public, and not worth a database read
    raw = session.get(SESSION_ID)
    if not isinstance(raw, str):
        return
    with store().session() as s:
        row = find_session(s, raw, limits=session_lifetimes())
        user = s.get(User, row.user_id) if row is not None else None
        if (
            row is None
            or user is None
            or not user.active
            or session.get(SESSION_FINGERPRINT) != fingerprint(user.password_hash)
        ):
            session.clear()
            return
        granted = frozenset(
            s.scalars(select(UserCustomer.customer_id).where(UserCustomer.user_id == user.id))
        )
        limits = restrictions_for(s, user.id, user.role)
        if user.all_customers and limits.hidden_customer_ids:
            granted = limits.all_customer_ids  # every customer but the hidden ones (permissions)
        g.user = CurrentUser(
            id=user.id,
            username=user.username,
            role=Role(user.role),
            all_customers=user.all_customers,
            customer_ids=granted,
            session_id=row.id,
            hidden_customer_ids=limits.hidden_customer_ids,
            blocked_categories=limits.blocked_categories,
        )


def optional_user() -> CurrentUser | None:
    user: CurrentUser | None = g.get("user")
    return user


def current_user() -> CurrentUser:
    """The logged-in user; the login guard guarantees one outside public endpoints."""
    user = optional_user()
    if user is None:
        raise RuntimeError("current_user() called on a public endpoint")
    return user
