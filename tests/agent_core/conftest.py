"""Fixtures for the agent core: a test CA, a spool, a fake collector on a real gRPC port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.series import SeriesRegistry
from agent.spool import Spool
from agent_core.fake_collector import FakeCollector, StreamServer
from agent_core.pki import TestCA


@pytest.fixture(scope="session")
def ca() -> TestCA:
    return TestCA.create()


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    s = Spool(tmp_path / "spool.sqlite3")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def registry(spool: Spool) -> SeriesRegistry:
    return SeriesRegistry(spool)


@pytest.fixture
def fake() -> FakeCollector:
    return FakeCollector()


@pytest.fixture
def server(ca: TestCA, fake: FakeCollector) -> Iterator[StreamServer]:
    with StreamServer(ca, fake) as srv:
        yield srv
