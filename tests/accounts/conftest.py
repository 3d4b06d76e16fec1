"""A real SQLite store at the newest schema, with two customers, and the audit rows it holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from collector.store.db import Store, actor_auditor
from collector.store.models import AuditEntry, Customer

AUDIT = actor_auditor("cli:ops")


@dataclass(frozen=True)
class World:
    store: Store
    acme: int
    bravo: int

    def audit_rows(self) -> list[tuple[str, str, int | None, dict[str, Any]]]:
        """(action, target, customer, detail) of every audit row, oldest first."""
        with self.store.session() as s:
            rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            return [(r.action, r.target, r.customer_id, json.loads(r.detail or "{}")) for r in rows]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    store.migrate()
    with store.session() as s:
        acme, bravo = Customer(name="Acme"), Customer(name="Bravo")
        s.add_all([acme, bravo])
        s.flush()
        ids = acme.id, bravo.id
    yield World(store, *ids)
    store.dispose()
