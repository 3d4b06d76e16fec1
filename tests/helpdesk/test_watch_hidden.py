"""SLA warnings, breaches and on-call pages never reach a user a ticket's customer is hidden
from ("Restrict access"), by name or by role; everyone else still gets them. Real store, the
real lookup the composition root injects, a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from collector.alerting.models import UserChannel
from collector.app import Collector
from collector.config import load
from collector.customers.access import hidden_map
from collector.customers.models import CustomerRestriction
from collector.helpdesk import tickets, watch
from collector.helpdesk.models import Rota, TicketEntry
from collector.notify.models import Message
from collector.store.db import Store
from collector.store.models import Customer, User
from helpdesk.test_watch import add_office_sla

PEOPLE = (("sue", "supervisor"), ("sam", "supervisor"), ("tom", "technician"), ("tina", "technician"))
MONDAY_0910 = datetime(2026, 12, 7, 9, 10, tzinfo=UTC)
TUESDAY_2AM = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # tom's week on call, tina his backup


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    s.migrate()
    with s.session() as session:
        session.add_all([Customer(name="Acme"), Customer(name="Globex")])
        ids = {}
        for name, role in PEOPLE:
            user = User(username=name, password_hash="-", role=role, all_customers=True)
            session.add(user)
            session.flush()
            session.add(UserChannel(user_id=user.id, email=f"{name}@msp.test"))
            ids[name] = user.id
        add_office_sla(session)
        session.add(
            Rota(
                name="nights",
                members=f"{ids['tom']},{ids['tina']}",
                handover=datetime(2026, 12, 7, tzinfo=UTC),
                ack_timeout_minutes=15,
            )
        )
    yield s
    s.dispose()


def hide(store: Store, customer: str, *, user: str | None = None, role: str | None = None) -> None:
    with store.session() as s:
        cid = s.scalars(select(Customer.id).where(Customer.name == customer)).one()
        uid = s.scalars(select(User.id).where(User.username == user)).one() if user else None
        s.add(CustomerRestriction(customer_id=cid, user_id=uid, role=role, created_by="user:admin"))


def open_p1(store: Store, customer: str, at: datetime) -> None:
    with store.session() as s:
        cid = s.scalars(select(Customer.id).where(Customer.name == customer)).one()
        tickets.open_ticket(
            s, tickets.NewTicket(customer_id=cid, title=f"{customer} down", priority=1), "user:sam", at
        )


def run_at(store: Store, now: datetime) -> int:
    with store.session() as s:
        return watch.run(s, now, hidden=hidden_map)


def received(store: Store, name: str) -> list[str]:
    with store.session() as s:
        return list(
            s.scalars(
                select(Message.subject).where(Message.address == f"{name}@msp.test").order_by(Message.id)
            )
        )


def test_a_supervisor_hidden_from_a_customer_gets_no_sla_warning_or_breach_about_it(store: Store) -> None:
    hide(store, "Acme", user="sue")
    open_p1(store, "Acme", MONDAY_0910)
    open_p1(store, "Globex", MONDAY_0910)
    run_at(store, MONDAY_0910 + timedelta(minutes=46))  # 75 % of the hour: the warnings
    run_at(store, MONDAY_0910 + timedelta(minutes=61))  # the breaches
    assert received(store, "sue") == [
        "[EUS-000002] SLA response at 77 %: Globex down",
        "[EUS-000002] SLA response breached: Globex down",
    ]
    assert received(store, "sam") == [
        "[EUS-000001] SLA response at 77 %: Acme down",
        "[EUS-000002] SLA response at 77 %: Globex down",
        "[EUS-000001] SLA response breached: Acme down",
        "[EUS-000002] SLA response breached: Globex down",
    ]


def test_a_customer_hidden_from_the_supervisor_role_warns_only_the_administrators_and_nobody_else(
    store: Store,
) -> None:
    hide(store, "Acme", role="supervisor")
    open_p1(store, "Acme", MONDAY_0910)
    assert run_at(store, MONDAY_0910 + timedelta(minutes=61)) == 0  # no administrator here
    assert received(store, "sue") == [] and received(store, "sam") == []


def test_the_on_call_technician_hidden_from_a_customer_is_not_paged_about_it(store: Store) -> None:
    hide(store, "Acme", user="tom")
    open_p1(store, "Acme", TUESDAY_2AM)
    open_p1(store, "Globex", TUESDAY_2AM)
    run_at(store, TUESDAY_2AM + timedelta(minutes=1))
    assert received(store, "tom") == ["[EUS-000002] on call (responsible): P1 Globex down"]
    run_at(store, TUESDAY_2AM + timedelta(minutes=16))  # unacknowledged: the backup, for both
    assert received(store, "tina") == [
        "[EUS-000001] on call (backup): P1 Acme down",
        "[EUS-000002] on call (backup): P1 Globex down",
    ]
    assert received(store, "tom") == ["[EUS-000002] on call (responsible): P1 Globex down"]
    with store.session() as s:
        notes = [m.body for m in s.scalars(select(TicketEntry).where(TicketEntry.ticket_id == 1))]
    assert any(n.endswith("(responsible) not paged: the customer is hidden from them") for n in notes), notes
    assert not any("paged user" in n and "(responsible)" in n for n in notes), notes


def test_the_collector_wires_the_restrictions_into_the_helpdesk_watch(tmp_path: Path) -> None:
    collector = Collector(load(env={}, overrides={"data_dir": tmp_path}))
    try:
        assert collector.helpdesk.hidden_customers is hidden_map
    finally:
        collector.tsdb.close()
        collector.store.dispose()
