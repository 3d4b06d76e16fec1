"""A real SQLite store with two customers, each with a gateway agent, and a secret box."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from collector.snmp.secrets import SecretBox
from collector.store.db import Auditor, Store, actor_auditor
from collector.store.models import Customer, Device, Site


@dataclass(frozen=True)
class World:
    customer_a: int
    customer_b: int
    site_a: int
    gateway_a: int
    gateway_b: int


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    st.migrate()
    yield st
    st.dispose()


@pytest.fixture
def box(tmp_path: Path) -> SecretBox:
    return SecretBox.open(tmp_path / "data")


@pytest.fixture
def world(store: Store) -> World:
    with store.session() as s:
        a, b = Customer(name="Acme"), Customer(name="Bravo")
        s.add_all([a, b])
        s.flush()
        site = Site(customer_id=a.id, name="HQ")
        gw_a = Device(customer_id=a.id, agent_id="gw-a", hostname="acme-gw")
        gw_b = Device(customer_id=b.id, agent_id="gw-b", hostname="bravo-gw")
        s.add_all([site, gw_a, gw_b])
        s.flush()
        return World(a.id, b.id, site.id, gw_a.id, gw_b.id)


def auditor(actor: str = "user:tech") -> Auditor:
    return actor_auditor(actor)
