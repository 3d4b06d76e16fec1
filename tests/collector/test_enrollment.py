"""Enrollment decisions on a real SQLite store and a real CA (no RPC)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from support.certs import csr_pem, new_key

from collector.enrollment import (
    EnrollmentRefused,
    HostInfo,
    create_token,
    enroll,
    hash_token,
    parse_ttl,
)
from collector.pki import CertificateAuthority
from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, Device, EnrollmentAttempt, EnrollmentToken


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 's.db'}")
    s.migrate()
    with s.session() as sess:
        sess.add(Customer(name="Acme"))
    yield s
    s.dispose()


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority(tmp_path / "pki", ("localhost", "127.0.0.1"))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("45m", 2700),
        ("24h", 86400),
        ("7d", 604800),
        ("2w", 1209600),
        ("1d12h", 129600),
        ("1.5h", 5400),
    ],
)
def test_token_lifetimes(text: str, seconds: int) -> None:
    assert parse_ttl(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "not a duration"),
        ("0h", "more than 0"),
        ("-1h", "not a duration"),
        ("3y", "not a duration"),
        ("h", "not a duration"),
    ],
)
def test_bad_token_lifetimes(bad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_ttl(bad)


def _enroll(store: Store, ca: CertificateAuthority, token: str, now: datetime | None = None) -> str:
    with store.session() as s:
        return enroll(
            s,
            ca,
            token=token,
            csr_pem=csr_pem(new_key(), cn="attacker-chosen"),
            host=HostInfo(hostname="pc-1"),
            agent_version="1",
            peer="ipv4:127.0.0.1:5",
            cert_days=30,
            now=now,
        ).agent_id


def test_token_is_stored_hashed_and_single_use(store: Store, ca: CertificateAuthority) -> None:
    with store.session() as s:
        token, _ = create_token(s, "Acme", uses=1, ttl=timedelta(hours=1), actor="test")
    with store.session() as s:
        row = s.query(EnrollmentToken).one()
        assert row.token_hash == hash_token(token) and token not in row.token_hash
    agent_id = _enroll(store, ca, token)
    with pytest.raises(EnrollmentRefused, match="already used"):
        _enroll(store, ca, token)
    with store.session() as s:
        dev = s.query(Device).one()
        assert dev.agent_id == agent_id and dev.customer.name == "Acme"
        assert s.query(EnrollmentAttempt).filter_by(ok=True).count() == 1
        actions = {a.action for a in s.query(AuditEntry)}
        assert {"token.create", "agent.enroll"} <= actions
        details = " ".join(a.detail for a in s.query(AuditEntry))
        assert token not in details  # secrets never reach the audit log


def test_certificate_names_the_assigned_agent_not_the_csr(store: Store, ca: CertificateAuthority) -> None:
    with store.session() as s:
        token, _ = create_token(s, "Acme", uses=None, ttl=timedelta(hours=1), actor="test")
    with store.session() as s:
        result = enroll(
            s,
            ca,
            token=token,
            csr_pem=csr_pem(new_key(), cn="evil"),
            host=HostInfo(),
            agent_version="1",
            peer="p",
            cert_days=30,
        )
    cert = x509.load_pem_x509_certificate(result.certificate_pem)
    assert cert.subject.rfc4514_string() == f"CN={result.agent_id}"


def test_expired_and_limited_tokens(store: Store, ca: CertificateAuthority) -> None:
    now = datetime.now(UTC)
    with store.session() as s:
        token, _ = create_token(s, "Acme", uses=2, ttl=timedelta(minutes=10), actor="test", now=now)
    _enroll(store, ca, token, now=now)
    _enroll(store, ca, token, now=now)
    with pytest.raises(EnrollmentRefused, match="no uses left"):
        _enroll(store, ca, token, now=now)
    with store.session() as s:
        token2, _ = create_token(s, "Acme", uses=None, ttl=timedelta(minutes=10), actor="test", now=now)
    with pytest.raises(EnrollmentRefused, match="expired"):
        _enroll(store, ca, token2, now=now + timedelta(minutes=11))


def test_token_for_unknown_customer(store: Store) -> None:
    with store.session() as s, pytest.raises(LookupError, match="no customer named"):
        create_token(s, "Nobody", uses=1, ttl=timedelta(hours=1), actor="test")
