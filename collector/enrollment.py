"""Enrollment tokens and agent enrollment: the decisions, apart from the RPC plumbing.

A token is bound to one customer, stored only as its SHA-256 (tokens are 192 random
bits, so a fast hash is enough), limited in uses and lifetime. Every attempt, refused
or not, is recorded for the Installation Trouble-Shooter; the record is bounded
(:func:`prune_attempts`), and the servicer rate-limits attempts per address and per token
before any of this runs.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from collector.pki import CertificateAuthority, CSRError
from collector.store.db import Auditor, audit
from collector.store.models import Customer, Device, EnrollmentAttempt, EnrollmentToken
from eus.values import parse_duration

TOKEN_PREFIX = "eus_"  # noqa: S105 - a public marker, not a secret


class EnrollmentRefused(Exception):
    """Enrollment was refused; ``reason`` is a stable code, ``str(exc)`` the message for the agent."""

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
        raise EnrollmentRefused("unknown-token", "unknown enrollment token")
    if row.revoked_at is not None:
        raise EnrollmentRefused("revoked-token", "enrollment token was revoked")
    expires = row.expires_at
    if expires <= now:
        raise EnrollmentRefused("expired-token", f"enrollment token expired at {expires:%Y-%m-%d %H:%M} UTC")
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
            "enrollment token already used" if row.max_uses == 1 else "enrollment token has no uses left",
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


def token_status(row: EnrollmentToken, now: datetime) -> str:
    """ "active", "revoked", "expired" or "used up"."""
    if row.revoked_at is not None:
        return "revoked"
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= now:
        return "expired"
    if row.max_uses is not None and row.uses >= row.max_uses:
        return "used up"
    return "active"


def find_token(session: Session, ident: str) -> EnrollmentToken:
    """The token named by its number, its prefix (as listings show it) or the whole token."""
    ident = ident.strip()
    cond = [EnrollmentToken.prefix == ident, EnrollmentToken.token_hash == hash_token(ident)]
    if ident.isdigit():
        cond.append(EnrollmentToken.id == int(ident))
    found = session.scalars(select(EnrollmentToken).where(or_(*cond))).all()
    if len(found) != 1:
        what = "tokens start" if found else "token starts"
        raise LookupError(f"{len(found) or 'no'} {what} with {ident[:10]!r}: give the token's number")
    return found[0]


def revoke_token(session: Session, row: EnrollmentToken, audit: Auditor) -> bool:
    """Refuse every later use of ``row``; False when it was revoked already."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    audit(session, "token.revoke", f"token:{row.prefix}", customer_id=row.customer_id)
    return True


def prune_attempts(session: Session, keep: int) -> None:
    """Keep only the newest ``keep`` attempt records, so a flood cannot grow the table."""
    cutoff = session.scalar(
        select(EnrollmentAttempt.id).order_by(EnrollmentAttempt.id.desc()).offset(keep).limit(1)
    )
    if cutoff is not None:
        session.execute(delete(EnrollmentAttempt).where(EnrollmentAttempt.id <= cutoff))


def peer_address(peer: str) -> str:
    """The address in a gRPC peer string: ``ipv4:10.0.0.5:51234`` -> ``10.0.0.5``,
    ``ipv6:[::1]:51234`` -> ``::1``; anything else is returned as is."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv6" and rest.startswith("["):
        return rest[1:].partition("]")[0]
    if kind == "ipv4":
        return rest.rpartition(":")[0]
    return peer


def enroll_command(token: str, address: str, ca_fingerprint: str) -> str:
    """The command that enrolls an agent, ready to run on Linux as printed: the token travels
    through a pipe from the shell's own ``printf`` (never in a process's argv)."""
    return (
        f"printf '%s' '{token}' | eus-agent enroll --collector {address} "
        f"--token-file - --ca-fingerprint {ca_fingerprint}"
    )
