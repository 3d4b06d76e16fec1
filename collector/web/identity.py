"""Who is asking: the logged-in user, loaded from the session cookie on every request.

The session (a signed cookie) holds only the user id and a fingerprint of the user's
password hash. The user row is read again on every request, so deactivating a user or
changing their password ends their existing sessions at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import g, request, session
from sqlalchemy import select

from collector.store.models import Role, User, UserCustomer
from collector.web.resources import store

SESSION_USER_ID = "uid"
SESSION_FINGERPRINT = "fp"


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """A detached snapshot of the logged-in user, safe to keep for the whole request."""

    id: int
    username: str
    role: Role
    all_customers: bool
    customer_ids: frozenset[int]

    @property
    def actor(self) -> str:
        """How this user appears in the audit log."""
        return f"user:{self.username}"


def fingerprint(password_hash: str) -> str:
    """A short digest of the password hash: changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def login_user(user: User) -> None:
    """Start a fresh session for ``user``; anything from before login is discarded."""
    session.clear()  # session fixation: nothing set before authentication survives it
    session.permanent = True
    session[SESSION_USER_ID] = user.id
    session[SESSION_FINGERPRINT] = fingerprint(user.password_hash)


def logout_user() -> None:
    session.clear()


def load_current_user() -> None:
    """``before_request``: put the session's user (or None) in ``g.user``."""
    g.user = None
    if request.endpoint == "static":
        return  # public, and not worth a database read
    user_id = session.get(SESSION_USER_ID)
    if not isinstance(user_id, int):
        return
    with store().session() as s:
        user = s.get(User, user_id)
        if (
            user is None
            or not user.active
            or session.get(SESSION_FINGERPRINT) != fingerprint(user.password_hash)
        ):
            session.clear()
            return
        granted = s.scalars(select(UserCustomer.customer_id).where(UserCustomer.user_id == user.id)).all()
        g.user = CurrentUser(
            id=user.id,
            username=user.username,
            role=Role(user.role),
            all_customers=user.all_customers,
            customer_ids=frozenset(granted),
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
