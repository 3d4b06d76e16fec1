"""Login lockout decisions, pure: how long a key (an account or an address) must wait.

Each key gets a few free failures, then a lockout that doubles with every further
failure up to a ceiling, and forgets everything after a quiet spell. Accounts get short
lockouts, so guessing cannot keep a real user out for long, and the right password (and
second factor) works as soon as one ends; addresses get fewer chances per account but a
longer ceiling, because one address sweeping many names is what an attacker looks like.
Made-up user names only ever lock themselves and the address they came from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """When a key is locked and for how long."""

    free_failures: int  # failures allowed before the first lockout
    base_lockout_s: float  # the first lockout; each further failure doubles it
    max_lockout_s: float
    forget_after_s: float  # no failure for this long: the count starts again


ACCOUNT_POLICY = LockoutPolicy(
    free_failures=5, base_lockout_s=30.0, max_lockout_s=900.0, forget_after_s=3600.0
)
ADDRESS_POLICY = LockoutPolicy(
    free_failures=20, base_lockout_s=60.0, max_lockout_s=3600.0, forget_after_s=3600.0
)


@dataclass(frozen=True, slots=True)
class FailureRecord:
    """What is remembered about one key."""

    failures: int
    last_failure: float
    locked_until: float  # 0 when not locked


def lockout_seconds(failures: int, policy: LockoutPolicy) -> float:
    """The lockout that the ``failures``-th failure in a row starts (0: none yet)."""
    if failures < policy.free_failures:
        return 0.0
    doublings = min(failures - policy.free_failures, 32)  # bounded exponent; the cap wins long before
    return float(min(policy.base_lockout_s * 2**doublings, policy.max_lockout_s))


def after_failure(record: FailureRecord | None, now: float, policy: LockoutPolicy) -> FailureRecord:
    """The record once one more failure happened at ``now``."""
    fresh = record is None or now - record.last_failure > policy.forget_after_s
    failures = 1 if fresh or record is None else record.failures + 1
    lockout = lockout_seconds(failures, policy)
    return FailureRecord(failures=failures, last_failure=now, locked_until=now + lockout if lockout else 0.0)


def retry_after(record: FailureRecord | None, now: float) -> float:
    """Seconds until the key may try again; 0 when it may try now."""
    if record is None:
        return 0.0
    return max(0.0, record.locked_until - now)


def is_stale(record: FailureRecord, now: float, policy: LockoutPolicy) -> bool:
    """True when the record no longer matters and can be dropped."""
    return retry_after(record, now) == 0 and now - record.last_failure > policy.forget_after_s
