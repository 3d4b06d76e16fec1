"""The relational schema. Every object belongs to exactly one customer.

Changing a model means adding an Alembic revision under ``migrations/versions``;
``tests/test_store_migrations.py`` fails when the models and migrations disagree.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from collector.store.utc import UtcDateTime


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp in the store is UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base for all relational models."""


class Role(enum.StrEnum):
    """User levels, lowest first. Capabilities per role live in ``collector.web.permissions``."""

    TECHNICIAN = "technician"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"


class StreamState(enum.StrEnum):
    """An instance's connection state as the collector last saw it."""

    NEVER = "never"  # enrolled, never streamed
    ONLINE = "online"
    OFFLINE_CLEAN = "offline-clean"  # goodbye received before the stream closed
    OFFLINE_UNEXPECTED = "offline-unexpected"  # stream dropped without goodbye: crash or network


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sites: Mapped[list[Site]] = relationship(back_populates="customer", cascade="all, delete-orphan")
    devices: Mapped[list[Device]] = relationship(back_populates="customer")


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("customer_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    customer: Mapped[Customer] = relationship(back_populates="sites")


class Device(Base):
    """An instance: one enrolled agent (EUS level 2)."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), nullable=True)
    agent_id: Mapped[str] = mapped_column(String(64), unique=True)  # the certificate's CN
    hostname: Mapped[str] = mapped_column(String(255), default="")
    os: Mapped[str] = mapped_column(String(100), default="")
    os_version: Mapped[str] = mapped_column(String(200), default="")
    kernel: Mapped[str] = mapped_column(String(200), default="")
    arch: Mapped[str] = mapped_column(String(50), default="")
    agent_version: Mapped[str] = mapped_column(String(50), default="")
    cert_serial: Mapped[str] = mapped_column(String(64), default="")  # hex
    cert_not_after: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_address: Mapped[str] = mapped_column(String(100), default="")
    stream_state: Mapped[str] = mapped_column(String(32), default=StreamState.NEVER.value)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    alias: Mapped[str] = mapped_column(String(100), default="")  # the technicians' name for it
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # hidden, history kept
    customer: Mapped[Customer] = relationship(back_populates="devices")


class EnrollmentToken(Base):
    """A token that enrolls agents into one customer. Only its SHA-256 is stored."""

    __tablename__ = "enrollment_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, for logs and listings
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: unlimited
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class EnrollmentAttempt(Base):
    """Every enrollment attempt and its outcome (feeds the Installation Trouble-Shooter)."""

    __tablename__ = "enrollment_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    peer: Mapped[str] = mapped_column(String(100))
    token_prefix: Mapped[str] = mapped_column(String(12), default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    agent_version: Mapped[str] = mapped_column(String(50), default="")
    ok: Mapped[bool] = mapped_column(Boolean)
    message: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    role: Mapped[str] = mapped_column(String(32), default=Role.TECHNICIAN.value)
    all_customers: Mapped[bool] = mapped_column(Boolean, default=False)  # else only granted ones
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # An IANA name (Europe/Berlin): the dashboard's times read in it (collector/web/time_zone.py).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    grants: Mapped[list[UserCustomer]] = relationship(cascade="all, delete-orphan")


class UserCustomer(Base):
    """A grant: the user may see this customer."""

    __tablename__ = "user_customers"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)


class AuditEntry(Base):
    """One row per action that changes something, and per login attempt."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))  # "user:alice", "cli", "agent:<id>", "system"
    action: Mapped[str] = mapped_column(String(100), index=True)  # e.g. "login.success", "token.create"
    target: Mapped[str] = mapped_column(String(200), default="")
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    address: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(Text, default="")  # JSON; never secrets
