"""Steps of signing in shared by the password page and the second-factor page.

Between a right password and a right second factor the browser holds only a short-lived
*pending* marker in its signed cookie, never a session: nothing but the second-factor page
accepts it, and it expires after :data:`PENDING_FOR_S`.
"""

from __future__ import annotations

import math
import time

from flask import session

from collector.store.db import audit
from collector.store.models import User
from collector.web.identity import fingerprint
from collector.web.resources import resources

PENDING_USER = "pending_uid"
PENDING_FINGERPRINT = "pending_fp"
PENDING_SINCE = "pending_at"
PENDING_FOR_S = 300.0


def begin_second_factor(user: User) -> None:
    """Remember that ``user`` gave the right password; the second factor comes next."""
    session.clear()
    session[PENDING_USER] = user.id
    session[PENDING_FINGERPRINT] = fingerprint(user.password_hash)
    session[PENDING_SINCE] = time.time()


def pending_user_id() -> int | None:
    """The user waiting for their second factor, if the marker is fresh."""
    user_id, since = session.get(PENDING_USER), session.get(PENDING_SINCE)
    if not isinstance(user_id, int) or not isinstance(since, float | int):
        return None
    if not 0 <= time.time() - since <= PENDING_FOR_S:
        return None
    return user_id


def pending_matches(user: User) -> bool:
    """The password has not changed since the first step."""
    return session.get(PENDING_FINGERPRINT) == fingerprint(user.password_hash)


def throttled_message(wait_s: float) -> str:
    """What the user reads while held back."""
    return f"Too many failed attempts. Try again in {math.ceil(wait_s / 60)} min."


def count_failure(address: str, username: str) -> None:
    """Count a failed attempt for the account and the address, and audit any lockout it starts."""
    res = resources()
    started = res.login_throttle.record_failure(address, username)
    if not started:
        return
    with res.store.session() as s:
        for lock in started:
            audit(
                s,
                "system",
                "login.lockout",
                f"{lock.kind.value}:{lock.key}",
                address=address,
                failures=lock.failures,
                seconds=round(lock.seconds_left),
            )
