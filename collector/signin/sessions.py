"""Server-side dashboard sessions: the browser holds a random id, the store decides.

The cookie carries only a 256-bit random session id (inside Flask's signed cookie); the
store keeps its SHA-256, so a leaked database does not hand out live sessions. A session
ends when it is revoked (logout, "sign out everywhere", deactivation, password change),
when it sits idle too long, or when it reaches its absolute lifetime — whichever first.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from collector.signin.models import WebSession

# last_seen is written at most this often per session: a write per request would make
# every page view a SQLite write for a precision nobody needs.
TOUCH_EVERY = timedelta(seconds=30)
# Ended sessions are kept this long after their lifetime for the user's sessions page, then deleted.
KEEP_ENDED = timedelta(days=7)


class SessionState(enum.StrEnum):
    """Why a session is (not) usable."""

    VALID = "valid"
    REVOKED = "revoked"
    IDLE = "idle"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Lifetimes:
    """The idle timeout and the absolute lifetime of a session."""

    idle: timedelta
    absolute: timedelta


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone-aware columns; every stamp is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def session_state(
    *, created: datetime, last_seen: datetime, revoked_at: datetime | None, now: datetime, limits: Lifetimes
) -> SessionState:
    """Whether a session with these stamps may be used at ``now``."""
    if revoked_at is not None:
        return SessionState.REVOKED
    if now - _aware(created) >= limits.absolute:
        return SessionState.EXPIRED
    if now - _aware(last_seen) >= limits.idle:
        return SessionState.IDLE
    return SessionState.VALID


def hash_session_id(raw: str) -> str:
    """The stored form of a session id (ids are 256 random bits: a fast hash suffices)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(
    s: Session, user_id: int, *, address: str, user_agent: str, limits: Lifetimes, now: datetime | None = None
) -> str:
    """Create a session for ``user_id``; returns the raw id for the cookie (never stored)."""
    now = now or datetime.now(UTC)
    raw = secrets.token_urlsafe(32)
    s.add(
        WebSession(
            id_hash=hash_session_id(raw),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            address=address[:100],
            user_agent=user_agent[:300],
        )
    )
    # Keep the table bounded: sessions that ended long ago are of no use to anyone.
    s.execute(delete(WebSession).where(WebSession.created_at < now - limits.absolute - KEEP_ENDED))
    return raw


def find_session(
    s: Session, raw: str, *, limits: Lifetimes, now: datetime | None = None
) -> WebSession | None:
    """The usable session with this raw id, its last use stamped; None if it has ended."""
    now = now or datetime.now(UTC)
    row = s.scalar(select(WebSession).where(WebSession.id_hash == hash_session_id(raw)))
    if row is None:
        return None
    state = session_state(
        created=row.created_at, last_seen=row.last_seen_at, revoked_at=row.revoked_at, now=now, limits=limits
    )
    if state is not SessionState.VALID:
        if row.revoked_at is None:
            row.revoked_at, row.revoked_reason = now, state.value
        return None
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
    return row


def revoke_session(s: Session, raw: str, reason: str, now: datetime | None = None) -> None:
    """End the session with this raw id (logout)."""
    s.execute(
        update(WebSession)
        .where(WebSession.id_hash == hash_session_id(raw), WebSession.revoked_at.is_(None))
        .values(revoked_at=now or datetime.now(UTC), revoked_reason=reason)
    )


def revoke_user_sessions(
    s: Session, user_id: int, reason: str, *, keep_id: int | None = None, now: datetime | None = None
) -> int:
    """End every live session of ``user_id`` except ``keep_id``; returns how many ended."""
    stmt = update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    if keep_id is not None:
        stmt = stmt.where(WebSession.id != keep_id)
    result = s.execute(stmt.values(revoked_at=now or datetime.now(UTC), revoked_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_by_id(s: Session, user_id: int, session_id: int, reason: str, now: datetime | None = None) -> bool:
    """End one of ``user_id``'s own sessions by its row id; False if it is not theirs or not live."""
    result = s.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now or datetime.now(UTC), revoked_reason=reason)
    )
    return bool(getattr(result, "rowcount", 0))


def live_sessions(
    s: Session, user_id: int, *, limits: Lifetimes, now: datetime | None = None
) -> Sequence[WebSession]:
    """The user's sessions that are still usable, newest first."""
    now = now or datetime.now(UTC)
    rows = s.scalars(
        select(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .where(WebSession.created_at > now - limits.absolute)
        .order_by(WebSession.last_seen_at.desc())
    ).all()
    return [
        row
        for row in rows
        if session_state(
            created=row.created_at, last_seen=row.last_seen_at, revoked_at=None, now=now, limits=limits
        )
        is SessionState.VALID
    ]
