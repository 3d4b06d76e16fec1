"""Shared fixtures. Process and certificate helpers live in ``tests/support``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from support.procs import CollectorProc, eus

from collector.tsdb.db import TimeSeriesDB


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[CollectorProc]:
    """A running collector with an administrator and a customer "Acme"."""
    data = tmp_path / "collector"
    eus(data, "init", "--admin", "admin")
    eus(data, "customer", "create", "Acme")
    proc = CollectorProc(data).start()
    try:
        yield proc
    finally:
        if proc.alive:
            proc.stop()


@pytest.fixture
def tsdb(tmp_path: Path) -> Iterator[TimeSeriesDB]:
    """A fresh time-series database file (every migration applied), closed after the test."""
    db = TimeSeriesDB(tmp_path / "metrics.duckdb")
    yield db
    db.close()


@pytest.fixture
def cur(tsdb: TimeSeriesDB) -> duckdb.DuckDBPyConnection:
    """A cursor on :func:`tsdb`."""
    return tsdb.cursor()
