"""A real DuckDB file with the ``function_results`` table, and a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB

from .results import ensure_function_results


@pytest.fixture
def tsdb(tmp_path: Path) -> Iterator[TimeSeriesDB]:
    db = TimeSeriesDB(tmp_path / "metrics.duckdb")
    ensure_function_results(db)
    yield db
    db.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    st.migrate()
    yield st
    st.dispose()
