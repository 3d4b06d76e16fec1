"""The pure decisions of signing in, table-driven: lockouts, sessions, client address, TOTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from collector.signin.client_address import Network, client_address, parse_networks
from collector.signin.lockout import (
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    FailureRecord,
    LockoutPolicy,
    after_failure,
    lockout_seconds,
    retry_after,
)
from collector.signin.second_factor import accepted_step, normalize_code
from collector.signin.sessions import Lifetimes, SessionState, session_state

POLICY = LockoutPolicy(free_failures=3, base_lockout_s=10.0, max_lockout_s=60.0, forget_after_s=100.0)


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (1, 0), (2, 0), (3, 10), (4, 20), (5, 40), (6, 60), (50, 60), (10**6, 60)],
)
def test_lockout_grows_to_a_ceiling(failures: int, seconds: float) -> None:
    assert lockout_seconds(failures, POLICY) == seconds


@pytest.mark.parametrize(
    ("before", "now", "after"),
    [
        (None, 0.0, FailureRecord(1, 0.0, 0.0)),
        (FailureRecord(2, 0.0, 0.0), 5.0, FailureRecord(3, 5.0, 15.0)),
        (FailureRecord(3, 5.0, 15.0), 20.0, FailureRecord(4, 20.0, 40.0)),
        # A quiet spell longer than forget_after_s: the count starts again.
        (FailureRecord(6, 0.0, 60.0), 161.0, FailureRecord(1, 161.0, 0.0)),
    ],
)
def test_after_failure(before: FailureRecord | None, now: float, after: FailureRecord) -> None:
    assert after_failure(before, now, POLICY) == after


@pytest.mark.parametrize(
    ("record", "now", "wait"),
    [(None, 5.0, 0.0), (FailureRecord(3, 5.0, 15.0), 5.0, 10.0), (FailureRecord(3, 5.0, 15.0), 15.0, 0.0)],
)
def test_retry_after(record: FailureRecord | None, now: float, wait: float) -> None:
    assert retry_after(record, now) == wait


def test_accounts_lock_sooner_and_shorter_than_addresses() -> None:
    assert ACCOUNT_POLICY.max_lockout_s <= 900  # guessing cannot keep a real user out for long
    assert ADDRESS_POLICY.max_lockout_s > ACCOUNT_POLICY.max_lockout_s
    assert ADDRESS_POLICY.free_failures > ACCOUNT_POLICY.free_failures  # an address holds several users


T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NAIVE_T0 = T0.replace(tzinfo=None)
H11 = timedelta(hours=11)
LIMITS = Lifetimes(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


@pytest.mark.parametrize(
    ("created", "last_seen", "revoked", "now", "state"),
    [
        (T0, T0, None, T0 + timedelta(minutes=29), SessionState.VALID),
        (T0, T0, None, T0 + timedelta(minutes=30), SessionState.IDLE),
        (T0, T0 + H11 + timedelta(minutes=50), None, T0 + H11 + timedelta(minutes=59), SessionState.VALID),
        (T0, T0 + H11 + timedelta(minutes=59), None, T0 + timedelta(hours=12), SessionState.EXPIRED),
        (T0, T0, T0, T0 + timedelta(seconds=1), SessionState.REVOKED),
        # SQLite hands back naive datetimes: they are UTC.
        (NAIVE_T0, NAIVE_T0, None, T0 + timedelta(minutes=1), SessionState.VALID),
    ],
)
def test_session_state(
    created: datetime, last_seen: datetime, revoked: datetime | None, now: datetime, state: SessionState
) -> None:
    got = session_state(created=created, last_seen=last_seen, revoked_at=revoked, now=now, limits=LIMITS)
    assert got is state


PROXIES = parse_networks(["10.0.0.1", "192.168.50.0/24"])


@pytest.mark.parametrize(
    ("peer", "xff", "trusted", "client"),
    [
        ("203.0.113.9", None, PROXIES, "203.0.113.9"),
        ("203.0.113.9", "1.2.3.4", PROXIES, "203.0.113.9"),  # untrusted peer: header ignored
        ("10.0.0.1", "198.51.100.7", PROXIES, "198.51.100.7"),
        ("10.0.0.1", "1.2.3.4, 198.51.100.7", PROXIES, "198.51.100.7"),  # the client forged the first
        ("10.0.0.1", "198.51.100.7, 192.168.50.3", PROXIES, "198.51.100.7"),  # two of our proxies
        ("10.0.0.1", "192.168.50.4, 192.168.50.3", PROXIES, "192.168.50.4"),
        ("10.0.0.1", "not-an-ip", PROXIES, "10.0.0.1"),
        ("10.0.0.1", "", PROXIES, "10.0.0.1"),
        ("10.0.0.1", "198.51.100.7", (), "10.0.0.1"),  # no trusted proxies configured
        ("::1", "2001:db8::5", parse_networks(["::1"]), "2001:db8::5"),
    ],
)
def test_client_address(peer: str, xff: str | None, trusted: tuple[Network, ...], client: str) -> None:
    assert client_address(peer, xff, trusted) == client


def test_bad_trusted_proxy_is_an_error() -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6"):
        parse_networks(["10.0.0.300"])


SECRET = pyotp.random_base32(32)


@pytest.mark.parametrize(
    ("offset_steps", "last_step_delta", "accepted"),
    [(0, -1, True), (-1, -2, True), (1, -1, True), (-2, -3, False), (2, -1, False), (0, 0, False)],
)
def test_totp_window_and_replay(offset_steps: int, last_step_delta: int, accepted: bool) -> None:
    totp = pyotp.TOTP(SECRET)
    now = T0
    current = totp.timecode(now)
    code = totp.generate_otp(current + offset_steps)
    # last_step_delta relative to the code's own step: 0 means the code was already used.
    last = current + offset_steps + last_step_delta
    step = accepted_step(SECRET, code, last, now)
    assert (step is not None) is accepted
    if accepted:
        assert step == current + offset_steps


@pytest.mark.parametrize(("typed", "clean"), [(" 123 456 ", "123456"), ("ABCDE-fghjk", "abcdefghjk")])
def test_normalize_code(typed: str, clean: str) -> None:
    assert normalize_code(typed) == clean
