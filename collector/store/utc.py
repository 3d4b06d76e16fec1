"""Timestamps in the relational store: always UTC, always handed back timezone-aware.

SQLite has no time zone type: SQLAlchemy writes a ``DateTime(timezone=True)`` as the
datetime's fields and reads it back naive, so every reader had to patch ``tzinfo`` on.
:class:`UtcDateTime` does it once, in the column type: a value is converted to UTC before it
is written (so an aware value in another zone cannot be stored with its local fields) and
comes back aware in UTC. The stored text is the one ``DateTime`` wrote, so existing databases
and migrations are unchanged; on PostgreSQL it is a plain ``timestamptz``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that stores UTC and returns aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)
