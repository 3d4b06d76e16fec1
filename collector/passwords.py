"""Password hashing for dashboard users: argon2id through argon2-cffi.

Used by the web login and by the admin CLI. Only hashes are ever stored; nothing here
logs or returns a password.
"""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults follow RFC 9106's second recommended option (argon2id, t=3,
# m=64 MiB, p=4). One hasher is enough: it holds parameters only and is thread-safe.
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A valid hash, verified when the username is unknown so that a failed login takes
    as long whether or not the user exists. Made on first use, not at import."""
    result: str = _HASHER.hash(secrets.token_urlsafe(16))
    return result


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` in PHC string format (salt included)."""
    if not password:
        raise ValueError("empty password")
    result: str = _HASHER.hash(password)
    return result


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for a mismatch or a bad hash."""
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker or different parameters than today's."""
    try:
        return bool(_HASHER.check_needs_rehash(password_hash))
    except InvalidHashError:
        return True


def burn_verify_time(password: str) -> None:
    """Spend as long as one verification, for unknown users (timing parity)."""
    verify_password(_dummy_hash(), password)
