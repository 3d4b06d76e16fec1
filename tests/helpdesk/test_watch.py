"""SLA warnings and breaches, on-call pages and acceptance expiry on a controllable clock, with a
real store: each notification is queued exactly once however often the job runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.alerting.models import UserChannel
from collector.helpdesk import tickets, watch
from collector.helpdesk.lifecycle import Action, Status
from collector.helpdesk.models import Calendar, Rota, SlaPolicy, SlaTarget, Ticket
from collector.notify.models import Message
from collector.store.db import Store
from collector.store.models import Customer, User

FRIDAY_1755 = datetime(2026, 12, 4, 17, 55, tzinfo=UTC)


def add_office_sla(session: Session) -> None:
    """The default policy: office hours (UTC), P1 answered in 60 and solved in 240 minutes."""
    session.add(Calendar(name="office", hours="mon-fri 09:00-18:00", tz="UTC"))
    session.flush()
    session.add(SlaPolicy(name="standard", calendar_id=1, warn_percent=75))
    session.flush()
    session.add(SlaTarget(policy_id=1, priority=1, response_minutes=60, resolution_minutes=240))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    s.migrate()
    with s.session() as session:
        session.add(Customer(name="Acme"))
        for name, role in (("sue", "supervisor"), ("tom", "technician"), ("tina", "technician")):
            user = User(username=name, password_hash="-", role=role, all_customers=True)
            session.add(user)
            session.flush()
            session.add(UserChannel(user_id=user.id, email=f"{name}@msp.test"))
        add_office_sla(session)
        session.add(
            Rota(
                name="nights",
                members="2,3",
                handover=datetime(2026, 12, 7, tzinfo=UTC),
                ack_timeout_minutes=15,
            )
        )
    yield s
    s.dispose()


def run_at(store: Store, now: datetime) -> int:
    with store.session() as s:
        return watch.run(s, now)


def messages(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        return [(m.address, m.subject) for m in s.scalars(select(Message).order_by(Message.id))]


def open_p1(store: Store, at: datetime) -> None:
    with store.session() as s:
        tickets.open_ticket(
            s, tickets.NewTicket(customer_id=1, title="Server down", priority=1), "user:sue", at
        )


def test_a_breach_warning_and_a_breach_each_reach_the_supervisor_once(store: Store) -> None:
    open_p1(store, FRIDAY_1755)  # inside business hours: no page
    for minutes in (1, 3, 5):  # Friday evening, the weekend: nothing due yet
        run_at(store, FRIDAY_1755 + timedelta(minutes=minutes))
    run_at(store, datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    assert messages(store) == []
    for at in (datetime(2026, 12, 7, 9, 40, tzinfo=UTC), datetime(2026, 12, 7, 9, 41, tzinfo=UTC)):
        run_at(store, at)  # 45 of 60 minutes used: the warning, once
    assert messages(store) == [("sue@msp.test", "[EUS-000001] SLA response at 75 %: Server down")]
    for at in (datetime(2026, 12, 7, 9, 55, tzinfo=UTC), datetime(2026, 12, 7, 10, 30, tzinfo=UTC)):
        run_at(store, at)  # the response target passes at Monday 09:55: the breach, once
    assert messages(store)[1:] == [("sue@msp.test", "[EUS-000001] SLA response breached: Server down")]


def test_at_two_in_the_morning_a_p1_pages_the_responsible_then_the_backup(store: Store) -> None:
    tuesday_2am = datetime(
        2026, 12, 8, 2, 0, tzinfo=UTC
    )  # tom's week: the rota hands over to him on Monday 7 December
    open_p1(store, tuesday_2am)
    run_at(store, tuesday_2am + timedelta(minutes=1))
    run_at(store, tuesday_2am + timedelta(minutes=10))
    assert messages(store) == [("tom@msp.test", "[EUS-000001] on call (responsible): P1 Server down")]
    run_at(store, tuesday_2am + timedelta(minutes=15))  # unacknowledged for 15 minutes
    run_at(store, tuesday_2am + timedelta(minutes=20))
    assert messages(store)[1:] == [("tina@msp.test", "[EUS-000001] on call (backup): P1 Server down")]


def test_an_acknowledged_page_does_not_reach_the_backup(store: Store) -> None:
    tuesday_2am = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    open_p1(store, tuesday_2am)
    run_at(store, tuesday_2am)
    with store.session() as s:
        t = s.scalars(select(Ticket)).one()
        tickets.transition(s, t, Action.ACKNOWLEDGE, "user:tom", tuesday_2am + timedelta(minutes=5))
    run_at(store, tuesday_2am + timedelta(minutes=30))
    assert [a for a, _ in messages(store)] == ["tom@msp.test"]


def test_a_resolved_ticket_nobody_answers_closes_after_the_acceptance_period(store: Store) -> None:
    open_p1(store, FRIDAY_1755)
    with store.session() as s:
        t = s.scalars(select(Ticket)).one()
        tickets.transition(s, t, Action.RESOLVE, "user:sue", FRIDAY_1755 + timedelta(minutes=1))
    run_at(store, FRIDAY_1755 + timedelta(days=6))
    with store.session() as s:
        assert s.scalars(select(Ticket)).one().status == Status.RESOLVED.value
    run_at(store, FRIDAY_1755 + timedelta(days=7, minutes=1))
    with store.session() as s:
        assert s.scalars(select(Ticket)).one().status == Status.CLOSED.value
