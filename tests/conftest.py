"""Shared fixtures. Process and certificate helpers live in ``tests/support``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.procs import CollectorProc, eus


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
