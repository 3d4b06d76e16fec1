"""Small, typed form readers. CSRF is checked before any view runs (``CSRFProtect``).

What an account field may hold is :mod:`collector.accounts.rules`, shared with the CLI."""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.datastructures import MultiDict


class FormError(ValueError):
    """A submitted value that cannot be accepted; the message is shown to the user."""


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
