"""Failed-login throttling per account and per client address, kept in memory.

The decisions are :mod:`collector.signin.lockout`; this keeps the records, bounded, behind
a lock (waitress serves requests on threads). The collector is a single process, so
memory is the right place; a restart forgets, which only ever helps a legitimate user.
Addresses are the real client's (see :mod:`collector.signin.client_address`), so users
behind one trusted reverse proxy do not share a counter.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from collector.signin.lockout import (
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    FailureRecord,
    LockoutPolicy,
    after_failure,
    is_stale,
    retry_after,
)


class KeyKind(enum.StrEnum):
    """What a throttle key names."""

    ACCOUNT = "account"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Lockout:
    """A key that is locked now, and for how much longer."""

    kind: KeyKind
    key: str
    failures: int
    seconds_left: float


class LoginThrottle:
    """Per-account and per-address failure records with growing lockouts."""

    def __init__(
        self,
        *,
        account_policy: LockoutPolicy = ACCOUNT_POLICY,
        address_policy: LockoutPolicy = ADDRESS_POLICY,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self._policies = {KeyKind.ACCOUNT: account_policy, KeyKind.ADDRESS: address_policy}
        self._clock = clock
        self._max_keys = max_keys
        self._records: dict[tuple[KeyKind, str], FailureRecord] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(address: str, username: str) -> tuple[tuple[KeyKind, str], ...]:
        return ((KeyKind.ACCOUNT, username.lower()), (KeyKind.ADDRESS, address))

    def retry_after(self, address: str, username: str) -> float:
        """Seconds until an attempt for ``username`` from ``address`` is allowed; 0 = now."""
        now = self._clock()
        with self._lock:
            return max(retry_after(self._records.get(key), now) for key in self._keys(address, username))

    def record_failure(self, address: str, username: str) -> list[Lockout]:
        """Count a failure; returns the lockouts this failure started (to audit them)."""
        now = self._clock()
        started: list[Lockout] = []
        with self._lock:
            if len(self._records) >= self._max_keys:
                self._shrink(now)
            for key in self._keys(address, username):
                record = after_failure(self._records.get(key), now, self._policies[key[0]])
                self._records[key] = record
                if record.locked_until:
                    started.append(Lockout(key[0], key[1], record.failures, record.locked_until - now))
        return started

    def record_success(self, address: str, username: str) -> None:
        """The right password (and second factor) clears the account's failures."""
        with self._lock:
            self._records.pop((KeyKind.ACCOUNT, username.lower()), None)

    def lockouts(self) -> list[Lockout]:
        """Every key locked now, longest wait first (for the administrators' page)."""
        now = self._clock()
        with self._lock:
            locked = [
                Lockout(kind, key, rec.failures, retry_after(rec, now))
                for (kind, key), rec in self._records.items()
                if retry_after(rec, now) > 0
            ]
        return sorted(locked, key=lambda lock: (-lock.seconds_left, lock.kind, lock.key))

    def unlock(self, kind: KeyKind, key: str) -> bool:
        """Forget a key's failures (an administrator's decision); False if nothing was held."""
        normalized = key.lower() if kind is KeyKind.ACCOUNT else key
        with self._lock:
            return self._records.pop((kind, normalized), None) is not None

    def _shrink(self, now: float) -> None:
        """Bounded memory under a spray of names or addresses: drop what no longer matters,
        then the stalest half. Called with the lock held."""
        for key in [k for k, rec in self._records.items() if is_stale(rec, now, self._policies[k[0]])]:
            del self._records[key]
        if len(self._records) >= self._max_keys:
            by_age = sorted(self._records, key=lambda k: self._records[k].last_failure)
            for key in by_age[: self._max_keys // 2]:
                del self._records[key]
