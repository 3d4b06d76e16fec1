"""A real DuckDB file (with ``function_results``, migration 10) and a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.store.db import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    st.migrate()
    yield st
    st.dispose()
