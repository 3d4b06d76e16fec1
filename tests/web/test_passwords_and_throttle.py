"""argon2id helpers and the failed-login throttle per account and address (with a fake clock)."""

from __future__ import annotations

from argon2 import PasswordHasher

from collector.passwords import hash_password, needs_rehash, verify_password
from collector.web.throttle import KeyKind, LoginThrottle


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


def test_account_lockout_grows_and_ends_and_success_clears_it() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    for i in range(4):
        assert throttle.record_failure(f"10.0.0.{i}", "Alice") == []  # from four addresses
    started = throttle.record_failure("10.0.0.9", "alice")
    assert [(lock.kind, lock.key, lock.seconds_left) for lock in started] == [
        (KeyKind.ACCOUNT, "alice", 30.0)
    ]
    assert throttle.retry_after("10.0.0.77", "ALICE") == 30.0  # the account, from anywhere
    assert throttle.retry_after("10.0.0.77", "bob") == 0
    clock.now += 30
    assert throttle.retry_after("10.0.0.77", "alice") == 0
    assert throttle.record_failure("10.0.0.9", "alice")[0].seconds_left == 60.0  # doubled
    clock.now += 60
    throttle.record_success("10.0.0.9", "alice")
    assert throttle.record_failure("10.0.0.9", "alice") == []  # counting starts again


def test_made_up_names_lock_only_themselves_and_their_address() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    for i in range(25):
        throttle.record_failure("203.0.113.5", f"made-up-{i}")
    assert throttle.retry_after("203.0.113.5", "admin") > 0  # the guessing address waits
    assert throttle.retry_after("10.0.0.2", "admin") == 0  # the real admin elsewhere does not
    kinds = {(lock.kind, lock.key) for lock in throttle.lockouts()}
    assert (KeyKind.ADDRESS, "203.0.113.5") in kinds
    assert not any(key == "admin" for _kind, key in kinds)
    assert throttle.unlock(KeyKind.ADDRESS, "203.0.113.5")
    assert throttle.retry_after("203.0.113.5", "admin") == 0
    assert not throttle.unlock(KeyKind.ADDRESS, "203.0.113.5")


def test_throttle_memory_is_bounded() -> None:
    throttle = LoginThrottle(clock=FakeClock(), max_keys=100)
    for i in range(1000):
        throttle.record_failure(f"10.0.{i // 256}.{i % 256}", f"x{i}")
    assert len(throttle._records) <= 100
