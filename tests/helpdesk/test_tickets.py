"""The ticket service on a real SQLite store: numbers, history, rules on save, pauses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from collector.helpdesk import tickets
from collector.helpdesk.calendar import parse_calendar
from collector.helpdesk.lifecycle import Action, Status, TransitionRefused
from collector.helpdesk.models import Ticket, TicketEntry, TicketRule
from collector.helpdesk.sla import SlaState, clock
from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, User

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    s.migrate()
    with s.session() as session:
        session.add(Customer(name="Acme"))
        session.add(User(username="alice", password_hash="-", role="technician"))
    yield s
    s.dispose()


def _new(title: str = "Printer jammed", **kw: object) -> tickets.NewTicket:
    return tickets.NewTicket(customer_id=1, title=title, **kw)  # type: ignore[arg-type]


def test_numbers_count_up_and_are_never_reused(store: Store) -> None:
    with store.session() as s:
        a = tickets.open_ticket(s, _new(), "user:alice", NOW)
        b = tickets.open_ticket(s, _new("second"), "user:alice", NOW)
        assert (a.number, b.number) == (1, 2)
    with store.session() as s:
        s.delete(s.get(Ticket, 2))  # even if a ticket row vanished, its number stays used
    with store.session() as s:
        assert tickets.open_ticket(s, _new("third"), "user:alice", NOW).number == 3
        assert s.scalars(select(AuditEntry.target).where(AuditEntry.action == "ticket.open")).all() == [
            "EUS-000001",
            "EUS-000002",
            "EUS-000003",
        ]


@pytest.mark.parametrize(
    ("new", "error"),
    [
        (_new(""), "needs a title"),
        (_new(priority=7), "P1 to P4"),
        (_new(source="fax"), "source must be one of"),
        (_new("x" * 301), "longer than 300"),
    ],
)
def test_bad_tickets_are_refused_in_words(store: Store, new: tickets.NewTicket, error: str) -> None:
    with store.session() as s, pytest.raises(tickets.TicketError, match=error):
        tickets.open_ticket(s, new, "user:alice", NOW)


def test_rules_on_save_apply_and_every_evaluation_is_in_the_history(store: Store) -> None:
    with store.session() as s:
        s.add(
            TicketRule(
                name="mail is P3",
                position=1,
                conditions=json.dumps({"sources": ["email"]}),
                actions=json.dumps({"set_priority": 3, "add_note": "triage within the day"}),
            )
        )
        s.add(
            TicketRule(
                name="P1 to the lead",
                position=2,
                conditions=json.dumps({"priorities": [1]}),
                actions=json.dumps({"assign_to": 1}),
            )
        )
    with store.session() as s:
        t = tickets.open_ticket(s, _new(priority=1, source="email"), "mail:ann@acme.example", NOW)
        assert (t.priority, t.assignee_id) == (3, None)
        history = [
            (e.kind, e.body)
            for e in s.scalars(
                select(TicketEntry).where(TicketEntry.ticket_id == t.id).order_by(TicketEntry.id)
            )
        ]
    assert history == [
        ("opened", ""),
        ("rule", "mail is P3: matched (priority P1 → P3; note added)"),
        ("rule", "P1 to the lead: did not match (priority 3 is not one of 1)"),
        ("note", "triage within the day"),
    ]


def test_waiting_on_the_customer_pauses_the_sla_and_reject_reopens(store: Store) -> None:
    calendar = parse_calendar("24x7")
    with store.session() as s:
        t = tickets.open_ticket(s, _new(priority=1), "user:alice", NOW)
        tickets.transition(s, t, Action.ACKNOWLEDGE, "user:alice", NOW + timedelta(minutes=5))
        tickets.transition(
            s, t, Action.WAIT, "user:alice", NOW + timedelta(minutes=10), comment="asked for the model"
        )
        tickets.transition(s, t, Action.RESUME, "contact:3", NOW + timedelta(minutes=70))
        tickets.transition(s, t, Action.RESOLVE, "user:alice", NOW + timedelta(minutes=80))
        with pytest.raises(TransitionRefused, match="a resolved ticket cannot be acknowledged"):
            tickets.transition(s, t, Action.ACKNOWLEDGE, "user:alice", NOW + timedelta(minutes=81))
        tickets.transition(
            s, t, Action.REJECT, "contact:3", NOW + timedelta(minutes=100), comment="still jammed"
        )
        assert t.status == Status.REOPENED.value and t.resolutions == 1 and t.resolved_at is None
        assert t.first_response_at == NOW + timedelta(minutes=5)
        paused = tickets.pauses(s, t)
    assert paused == [
        (NOW + timedelta(minutes=10), NOW + timedelta(minutes=70)),
        (NOW + timedelta(minutes=80), NOW + timedelta(minutes=100)),
    ]
    # 120 minutes since opening, 80 of them paused: 40 used of a 60-minute resolution target.
    c = clock(calendar, NOW, timedelta(hours=1), NOW + timedelta(minutes=120), pauses=paused)
    assert (c.state, c.used) == (SlaState.RUNNING, timedelta(minutes=40))


def test_time_entries_are_bounded_and_recorded(store: Store) -> None:
    with store.session() as s:
        t = tickets.open_ticket(s, _new(), "user:alice", NOW)
        tickets.log_time(
            s, t, user_id=1, actor="user:alice", minutes=30, started_at=NOW, note="replaced the roller"
        )
        with pytest.raises(tickets.TicketError, match="between 1 and 1440"):
            tickets.log_time(s, t, user_id=1, actor="user:alice", minutes=0, started_at=NOW)
        assert [e.body for e in s.scalars(select(TicketEntry).where(TicketEntry.kind == "time"))] == [
            "30 min billable: replaced the roller"
        ]
