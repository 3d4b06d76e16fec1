"""Small, typed form readers. CSRF is checked before any view runs (``CSRFProtect``).

What an account field may hold is :mod:`collector.accounts.rules`, shared with the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

Row = TypeVar("Row")


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


def add_row(session: Session, model: type[Row], data: Any, **extra: Any) -> Row:
    """Add the row that a validated form's fields (a slotted dataclass, plus ``extra``) make,
    flushed so that the audit line which follows can name its id."""
    row = model(**{name: getattr(data, name) for name in data.__slots__}, **extra)
    session.add(row)
    session.flush()
    return row
