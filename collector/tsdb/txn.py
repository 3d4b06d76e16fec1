"""One DuckDB transaction on a cursor, and moving numpy columns in and out of DuckDB."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb
import pyarrow as pa

# Time conversions live in collector.tsdb.timestamps; re-exported for the tsdb modules here.
from collector.tsdb.timestamps import EPOCH, at, us
from collector.tsdb.timestamps import naive_utc as naive

__all__ = ["EPOCH", "at", "insert", "naive", "transaction", "us"]

_names = itertools.count()


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
