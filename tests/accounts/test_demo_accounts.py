"""``make demo`` prepares its customer and administrator through the accounts service: run
twice, it keeps one of each and gives the administrator a fresh password."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from collector.demo import ADMIN, DEMO_CUSTOMER, prepare
from collector.passwords import verify_password
from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, User


def test_prepare_twice_keeps_one_customer_and_one_administrator(tmp_path: Path) -> None:
    first, _ = prepare(tmp_path)
    second, _ = prepare(tmp_path)
    assert first != second
    store = Store(f"sqlite:///{tmp_path / 'collector' / 'eus.sqlite3'}")
    try:
        with store.session() as s:
            assert s.scalars(select(Customer.name)).all() == [DEMO_CUSTOMER]
            (admin,) = s.scalars(select(User)).all()
            assert (admin.username, admin.role, admin.all_customers) == (ADMIN, "administrator", True)
            assert verify_password(admin.password_hash, second)
            rows = s.scalars(
                select(AuditEntry).where(AuditEntry.actor == "demo").order_by(AuditEntry.id)
            ).all()
            assert [(r.action, r.target) for r in rows] == [
                ("customer.create", "customer:1"),
                ("user.create", f"user:{ADMIN}"),
                ("token.create", rows[2].target),
                ("user.update", f"user:{ADMIN}"),
                ("token.create", rows[4].target),
            ]
    finally:
        store.dispose()
