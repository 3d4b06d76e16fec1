"""Tables for signing in: server-side sessions, TOTP credentials, recovery codes, settings.

Migration ``0501_sessions``. Nothing here stores a secret a browser sends in plain form:
session ids and recovery codes are kept as hashes. The TOTP secret must be readable to
verify codes, so it is stored as is (the same trust as the store file itself).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from collector.store.models import Base, utcnow
from collector.store.utc import UtcDateTime


class WebSession(Base):
    """One signed-in browser. The cookie carries the random id; only its SHA-256 is here."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    address: Mapped[str] = mapped_column(String(100), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_reason: Mapped[str] = mapped_column(String(50), default="")


class TotpCredential(Base):
    """A user's TOTP secret; it counts only once confirmed with a code from the app."""

    __tablename__ = "totp_credentials"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))  # base32
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The last time step a code was accepted for: a code is usable once (RFC 6238 §5.2).
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCode(Base):
    """A one-time recovery code, argon2id-hashed; ``used_at`` set when it is spent."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SigninSettings(Base):
    """Settings administrators change from the dashboard (one row, id 1)."""

    __tablename__ = "signin_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
