"""Enrolment tokens and agent enrolment: the decisions, apart from the RPC plumbing.

A token is bound to one customer, stored only as its SHA-256 (tokens are 192 random
bits, so a fast hash is enough), limited in uses and lifetime. Every attempt, refused
or not, is recorded for the Installation Trouble-Shooter.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from collector.pki import CertificateAuthority, CSRError
from collector.store.db import audit
from collector.store.models import Customer, Device, EnrollmentAttempt, EnrollmentToken
from eus.values import parse_duration

TOKEN_PREFIX = "eus_"  # noqa: S105 - a public marker, not a secret


class EnrollmentRefused(Exception):
    """Enrolment was refused; ``reason`` is a stable code, ``str(exc)`` the message for the agent."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Enrolled:
    agent_id: str
    device_id: int
    customer: str
    certificate_pem: bytes


@dataclass(frozen=True)
class HostInfo:
    hostname: str = ""
    os: str = ""
    os_version: str = ""
    kernel: str = ""
    arch: str = ""


def parse_ttl(text: str) -> timedelta:
    """A token's lifetime: ``90``, ``45m``, ``24h``, ``7d``, ``2w``, ``1d12h`` (``eus.values``).

    ValueError naming the value when it is no duration or not positive.
    """
    seconds = parse_duration(text)
    if seconds <= 0:
        raise ValueError(f"a token's lifetime must be more than 0, not {text!r} (use e.g. 30m, 24h, 7d)")
    return timedelta(seconds=seconds)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def create_token(
    session: Session,
    customer_name: str,
    *,
    uses: int | None,
    ttl: timedelta,
    actor: str,
    now: datetime | None = None,
) -> tuple[str, EnrollmentToken]:
    """Create a token for an existing customer; returns the plaintext (shown once) and the row."""
    customer = session.scalars(select(Customer).where(Customer.name == customer_name)).one_or_none()
    if customer is None:
        raise LookupError(f"no customer named {customer_name!r}")
    if uses is not None and uses < 1:
        raise ValueError("--uses must be at least 1")
    now = now or datetime.now(UTC)
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    row = EnrollmentToken(
        customer_id=customer.id,
        token_hash=hash_token(token),
        prefix=token[:10],
        max_uses=uses,
        uses=0,
        expires_at=now + ttl,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "token.create",
        f"token:{row.prefix}",
        customer_id=customer.id,
        uses=uses,
        expires_at=row.expires_at.isoformat(),
    )
    return token, row


def enroll(
    session: Session,
    ca: CertificateAuthority,
    *,
    token: str,
    csr_pem: bytes,
    host: HostInfo,
    agent_version: str,
    peer: str,
    cert_days: int,
    now: datetime | None = None,
) -> Enrolled:
    """Check the token, consume one use, register the device and sign its certificate.

    Raises :class:`EnrollmentRefused`. The caller commits the session; on refusal the
    caller records the attempt with :func:`record_attempt` in a fresh transaction.
    """
    now = now or datetime.now(UTC)
    row = session.scalars(
        select(EnrollmentToken).where(EnrollmentToken.token_hash == hash_token(token))
    ).one_or_none()
    if row is None:
        raise EnrollmentRefused("unknown-token", "unknown enrolment token")
    if row.revoked_at is not None:
        raise EnrollmentRefused("revoked-token", "enrolment token was revoked")
    expires = row.expires_at
    if expires <= now:
        raise EnrollmentRefused("expired-token", f"enrolment token expired at {expires:%Y-%m-%d %H:%M} UTC")
    # Consume a use atomically: two agents racing for the last use cannot both win.
    consumed = session.execute(
        update(EnrollmentToken)
        .where(EnrollmentToken.id == row.id)
        .where((EnrollmentToken.max_uses.is_(None)) | (EnrollmentToken.uses < EnrollmentToken.max_uses))
        .values(uses=EnrollmentToken.uses + 1)
    )
    if getattr(consumed, "rowcount", 0) != 1:
        raise EnrollmentRefused(
            "used-token",
            "enrolment token already used" if row.max_uses == 1 else "enrolment token has no uses left",
        )
    customer = session.get(Customer, row.customer_id)
    assert customer is not None
    agent_id = str(uuid.uuid4())
    try:
        cert = ca.issue_agent_certificate(csr_pem, agent_id, cert_days)
    except CSRError as exc:
        raise EnrollmentRefused("bad-csr", str(exc)) from exc
    device = Device(
        customer_id=customer.id,
        agent_id=agent_id,
        hostname=host.hostname[:255],
        os=host.os[:100],
        os_version=host.os_version[:200],
        kernel=host.kernel[:200],
        arch=host.arch[:50],
        agent_version=agent_version[:50],
        cert_serial=cert.serial_hex,
        cert_not_after=cert.not_after,
        last_address=peer[:100],
    )
    session.add(device)
    session.flush()
    session.add(
        EnrollmentAttempt(
            peer=peer[:100],
            token_prefix=row.prefix,
            customer_id=customer.id,
            hostname=host.hostname[:255],
            agent_version=agent_version[:50],
            ok=True,
            message=f"enrolled as {agent_id}",
        )
    )
    audit(
        session,
        f"agent:{agent_id}",
        "agent.enroll",
        f"device:{device.id}",
        customer_id=customer.id,
        address=peer,
        hostname=host.hostname,
        token=row.prefix,
    )
    return Enrolled(agent_id, device.id, customer.name, cert.pem)


def record_attempt(
    session: Session, *, token: str, peer: str, host: HostInfo, version: str, message: str
) -> None:
    """Record a refused attempt (never the token itself, only its public prefix)."""
    row = session.scalars(
        select(EnrollmentToken).where(EnrollmentToken.token_hash == hash_token(token))
    ).one_or_none()
    session.add(
        EnrollmentAttempt(
            peer=peer[:100],
            token_prefix=row.prefix if row else "",
            customer_id=row.customer_id if row else None,
            hostname=host.hostname[:255],
            agent_version=version[:50],
            ok=False,
            message=message,
        )
    )
