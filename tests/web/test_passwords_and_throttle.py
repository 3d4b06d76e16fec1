"""argon2id helpers and the failed-login throttle (with a fake clock)."""

from __future__ import annotations

from argon2 import PasswordHasher

from collector.passwords import hash_password, needs_rehash, verify_password
from collector.web.throttle import ADDRESS_FACTOR, LoginThrottle


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "Correct horse battery staple")
    assert not verify_password("not-a-hash", "anything")
    assert hash_password("same") != hash_password("same")  # salted


def test_needs_rehash() -> None:
    assert not needs_rehash(hash_password("pw"))
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    assert needs_rehash(weak)
    assert verify_password(weak, "pw")
    assert needs_rehash("garbage")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_blocks_after_max_failures_and_forgets_after_window() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(max_failures=3, window_s=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("10.0.0.1", "alice") == 0
        throttle.record_failure("10.0.0.1", "Alice")
        clock.now += 1
    assert throttle.retry_after("10.0.0.1", "alice") == 57.0
    assert throttle.retry_after("10.0.0.2", "alice") == 0  # another address
    assert throttle.retry_after("10.0.0.1", "bob") == 0  # another user
    clock.now += 57
    assert throttle.retry_after("10.0.0.1", "alice") == 0


def test_throttle_success_clears_the_user_and_address_limit_holds() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(max_failures=2, window_s=60, clock=clock)
    throttle.record_failure("10.0.0.1", "alice")
    throttle.record_success("10.0.0.1", "alice")
    throttle.record_failure("10.0.0.1", "alice")
    assert throttle.retry_after("10.0.0.1", "alice") == 0
    for i in range(2 * ADDRESS_FACTOR):
        throttle.record_failure("10.0.0.9", f"user{i}")
    assert throttle.retry_after("10.0.0.9", "someone-new") > 0


def test_throttle_memory_is_bounded() -> None:
    throttle = LoginThrottle(max_failures=2, window_s=60, clock=FakeClock(), max_keys=100)
    for i in range(1000):
        throttle.record_failure(f"10.0.{i // 256}.{i % 256}", "x")
    assert len(throttle._failures) <= 100
