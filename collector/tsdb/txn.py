"""One DuckDB transaction on a cursor, and moving numpy columns in and out of DuckDB."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

_names = itertools.count()
EPOCH = datetime(1970, 1, 1)


@contextmanager
def transaction(cur: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN … COMMIT, or ROLLBACK when the body raises (a killed process rolls back by itself)."""
    cur.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    cur.execute("COMMIT")


def naive(t: datetime) -> datetime:
    """DuckDB ``TIMESTAMP`` columns hold naive UTC; bind datetimes the same way."""
    if t.tzinfo is not None:
        return t.astimezone(UTC).replace(tzinfo=None)
    return t


def us(t: datetime) -> int:
    """Microseconds since the epoch of a (naive UTC or aware) datetime."""
    return (naive(t) - EPOCH) // timedelta(microseconds=1)


def at(t_us: int) -> datetime:
    """The naive UTC datetime of ``t_us`` microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=int(t_us))


def insert(cur: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, columns: Sequence[object]) -> None:
    """Append the columns (in ``schema`` order) to ``table`` as one Arrow insert."""
    data = pa.table([pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)
    if data.num_rows == 0:
        return
    name = f"_insert_{next(_names)}"
    cur.register(name, data)
    try:
        cur.execute(f"INSERT INTO {table} SELECT * FROM {name}")  # noqa: S608 - our own names
    finally:
        cur.unregister(name)
