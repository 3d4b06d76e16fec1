"""Small, typed form readers. CSRF is checked before any view runs (``CSRFProtect``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from werkzeug.datastructures import MultiDict

from collector.store.models import Role

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_NAME = 200


class FormError(ValueError):
    """A submitted value that cannot be accepted; the message is shown to the user."""


def username(form: MultiDict[str, str]) -> str:
    value = form.get("username", "").strip()
    if not USERNAME_RE.fullmatch(value):
        raise FormError(
            "Username: 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit."
        )
    return value


def password(form: MultiDict[str, str], *, required: bool) -> str | None:
    value = form.get("password", "")
    if not value and not required:
        return None
    if len(value) < MIN_PASSWORD:
        raise FormError(f"Password: at least {MIN_PASSWORD} characters.")
    if len(value) > MAX_PASSWORD:
        raise FormError(f"Password: at most {MAX_PASSWORD} characters.")
    return value


def role(form: MultiDict[str, str]) -> Role:
    try:
        return Role(form.get("role", ""))
    except ValueError:
        raise FormError("Role: choose one of " + ", ".join(r.value for r in Role) + ".") from None


def ids(form: MultiDict[str, str], name: str, allowed: Iterable[int]) -> set[int]:
    """Integer ids from repeated fields, each of which must be in ``allowed``."""
    allowed_set = set(allowed)
    chosen: set[int] = set()
    for raw in form.getlist(name):
        try:
            value = int(raw)
        except ValueError:
            raise FormError(f"{name}: not an id: {raw[:20]!r}.") from None
        if value not in allowed_set:
            raise FormError(f"{name}: unknown id {value}.")
        chosen.add(value)
    return chosen


def name(form: MultiDict[str, str], field: str = "name") -> str:
    value = " ".join(form.get(field, "").split())
    if not value or len(value) > MAX_NAME:
        raise FormError(f"Name: 1 to {MAX_NAME} characters.")
    return value
