"""The sliding-window rate limit (pure rule and keeper) and the enrollment record's bound."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
from sqlalchemy import select

from collector.enrollment import peer_address, prune_attempts
from collector.ratelimit import RateLimiter, decide
from collector.store.db import Store
from collector.store.models import EnrollmentAttempt


@pytest.mark.parametrize(
    ("stamps", "now", "allowed", "left"),
    [
        ([], 100.0, True, []),
        ([95.0, 96.0], 100.0, False, [95.0, 96.0]),
        ([40.0, 96.0], 100.0, True, [96.0]),  # 40 fell out of the 60 s window
        ([40.0, 41.0], 101.0, True, []),
        ([42.0, 43.0], 101.0, False, [42.0, 43.0]),
    ],
)
def test_decide(stamps: list[float], now: float, allowed: bool, left: list[float]) -> None:
    window = deque(stamps)
    assert decide(window, now, limit=2, window_s=60.0) is allowed
    assert list(window) == left


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_limiter_refuses_then_allows_again_and_flags_the_first_refusal() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 60.0, clock=clock)
    assert [limiter.attempt("a").allowed for _ in range(2)] == [True, True]
    first, second = limiter.attempt("a"), limiter.attempt("a")
    assert (first.allowed, first.first_refusal) == (False, True)
    assert (second.allowed, second.first_refusal) == (False, False)
    assert limiter.attempt("b").allowed
    clock.now = 60.0
    assert limiter.attempt("a").allowed


def test_limiter_keys_are_bounded() -> None:
    limiter = RateLimiter(1, 60.0, clock=Clock(), max_keys=50)
    for i in range(500):
        limiter.attempt(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._stamps) <= 50


@pytest.mark.parametrize(
    ("peer", "address"),
    [
        ("ipv4:10.0.0.5:51234", "10.0.0.5"),
        ("ipv6:[::1]:51234", "::1"),
        ("ipv6:[2001:db8::7]:1", "2001:db8::7"),
        ("unix:/tmp/sock", "unix:/tmp/sock"),
    ],
)
def test_peer_address(peer: str, address: str) -> None:
    assert peer_address(peer) == address


def test_prune_attempts_keeps_the_newest(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    with store.session() as s:
        s.add_all(EnrollmentAttempt(peer=f"p{i}", ok=False, message=str(i)) for i in range(30))
    with store.session() as s:
        prune_attempts(s, 7)
    with store.session() as s:
        kept = [int(m) for m in s.scalars(select(EnrollmentAttempt.message).order_by(EnrollmentAttempt.id))]
    assert kept == list(range(23, 30))
    store.dispose()
