"""Timestamps for DuckDB: ``TIMESTAMP`` columns hold naive UTC, so every bound value is one.

The collector's code works in aware UTC datetimes; these turn them (or epoch seconds) into
what DuckDB compares against, in one place.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1)  # naive UTC on purpose: what DuckDB TIMESTAMP holds


def naive_utc(value: datetime) -> datetime:
    """``value`` as naive UTC; a naive value is taken to be UTC already."""
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def naive_from_epoch(seconds: float) -> datetime:
    """Epoch seconds as naive UTC, to the microsecond (no float detour through the local zone)."""
    return EPOCH + timedelta(microseconds=round(seconds * 1_000_000))


def us(value: datetime) -> int:
    """Microseconds since the epoch of a (naive UTC or aware) datetime."""
    return (naive_utc(value) - EPOCH) // timedelta(microseconds=1)


def at(t_us: int) -> datetime:
    """The naive UTC datetime of ``t_us`` microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=int(t_us))
