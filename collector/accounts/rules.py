"""What a user name, a password, a role and a customer or site name may be (pure).

Names are unique ignoring case (``Alice`` and ``alice`` would be one person to whoever
reads the audit log or a list), and compared after collapsing white space, as they are
stored. The messages are the ones both front ends show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from collector.accounts.errors import InvalidValue
from collector.store.models import Role

USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_NAME = 200


def username(raw: str) -> str:
    """A user name as stored: 1 to 64 letters, digits, ``.``, ``_``, ``@`` or ``-``."""
    value = raw.strip()
    if not USERNAME_RE.fullmatch(value):
        raise InvalidValue(
            "Username: 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit."
        )
    return value


def password(raw: str) -> str:
    """A password as given (never trimmed: spaces may be part of it)."""
    if len(raw) < MIN_PASSWORD:
        raise InvalidValue(f"Password: at least {MIN_PASSWORD} characters.")
    if len(raw) > MAX_PASSWORD:
        raise InvalidValue(f"Password: at most {MAX_PASSWORD} characters.")
    return raw


def role(raw: str) -> Role:
    try:
        return Role(raw.strip())
    except ValueError:
        raise InvalidValue("Role: choose one of " + ", ".join(r.value for r in Role) + ".") from None


def name(raw: str) -> str:
    """A customer or site name as stored: white space collapsed, 1 to 200 characters."""
    value = " ".join(raw.split())
    if not value or len(value) > MAX_NAME:
        raise InvalidValue(f"Name: 1 to {MAX_NAME} characters.")
    return value


def same_name(a: str, b: str) -> bool:
    """Whether two names are one name to a reader: equal ignoring case and spacing."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def taken_by(candidate: str, existing: Iterable[str]) -> str | None:
    """The existing name that ``candidate`` would duplicate, as it is spelled, else None."""
    return next((other for other in existing if same_name(candidate, other)), None)
