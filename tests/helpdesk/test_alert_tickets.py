"""Alerts open tickets through the engine's transition hook, in the step's own transaction: one
ticket per alert, a re-fire adds to it, a resolution notes it; rules choose whether and at which
priority (critical alerts by default)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collector.alerting.domain import Severity, State
from collector.alerting.engine import AlertEngine
from collector.alerting.models import AlertRule
from collector.alerting.rules.scope import RuleDef
from collector.alerting.state import Verdict
from collector.helpdesk import tickets
from collector.helpdesk.alert_tickets import AlertTickets, ticket_priority
from collector.helpdesk.lifecycle import Action, Status
from collector.helpdesk.models import Ticket, TicketEntry
from collector.store.db import Store
from collector.store.models import Customer, Device

HOT = Verdict(True, Severity.CRITICAL, "disk.percent = 97 > 95", 97.0)
WARM = Verdict(True, Severity.WARNING, "disk.percent = 91 > 90", 91.0)
COOL = Verdict(False, Severity.WARNING, "disk.percent = 40", 40.0)


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    s.migrate()
    with s.session() as session:
        session.add(Customer(name="Acme"))
        session.flush()
        session.add(Device(customer_id=1, agent_id="a-1", hostname="acme-fs01"))
    yield s
    s.dispose()


def engine_for(store: Store, resolve_with_alert: bool = False) -> AlertEngine:
    return AlertEngine(store, clock=Clock(), hooks=(AlertTickets(resolve_with_alert=resolve_with_alert),))


def rule(store: Store, engine: AlertEngine, ticket_priority: int | None = None) -> RuleDef:
    with store.session() as s:
        row = AlertRule(
            name="Disk full",
            family="disk",
            kind="threshold",
            customer_id=1,
            params=json.dumps({"metric": "disk.percent", "warning": 90, "critical": 95}),
            ticket_priority=ticket_priority,
        )
        s.add(row)
        s.flush()
        rule_id = row.id
    engine.invalidate()
    found = engine.rules.by_id(rule_id)
    assert found is not None
    return found


def count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Ticket)) or 0)


def test_a_firing_alert_opens_one_ticket_a_refire_adds_to_it_and_resolution_notes_it(store: Store) -> None:
    engine = engine_for(store)
    r = rule(store, engine)
    rec = engine.observe(r, engine.device(1), "/var", HOT)
    assert rec is not None and rec.life.state is State.FIRING
    engine.observe(r, engine.device(1), "/var", HOT)
    assert count(store) == 1
    engine.observe(r, engine.device(1), "/var", COOL)
    engine.observe(r, engine.device(1), "/var", HOT)
    assert count(store) == 1
    with store.session() as s:
        t = s.scalars(select(Ticket)).one()
        assert (t.priority, t.source, t.alert_id, t.device_id) == (2, "alert", rec.id, 1)
        assert t.title == "Disk full: /var"
        notes = [e.body for e in s.scalars(select(TicketEntry).where(TicketEntry.ticket_id == t.id))]
    assert any(n.startswith("Alert resolved") for n in notes)
    assert any(n.startswith("Fired again.") for n in notes)


@pytest.mark.parametrize(
    ("rule_priority", "verdict", "expected"), [(None, WARM, None), (4, WARM, 4), (0, HOT, None), (1, HOT, 1)]
)
def test_the_rule_says_whether_and_at_which_priority(
    store: Store, rule_priority: int | None, verdict: Verdict, expected: int | None
) -> None:
    engine = engine_for(store)
    r = rule(store, engine, rule_priority)
    engine.observe(r, engine.device(1), "/", verdict)
    with store.session() as s:
        found = [t.priority for t in s.scalars(select(Ticket))]
    assert found == ([] if expected is None else [expected])


def test_resolving_the_alert_resolves_the_ticket_when_configured_and_a_closed_ticket_lets_go(
    store: Store,
) -> None:
    engine = engine_for(store, resolve_with_alert=True)
    r = rule(store, engine)
    engine.observe(r, engine.device(1), "/", HOT)
    engine.observe(r, engine.device(1), "/", COOL)
    with store.session() as s:
        t = s.scalars(select(Ticket)).one()
        assert t.status == Status.RESOLVED.value
        tickets.transition(s, t, Action.ACCEPT, "contact:1", t.updated_at)
    engine.observe(r, engine.device(1), "/", HOT)  # the next episode: a fresh ticket
    assert count(store) == 2


@pytest.mark.parametrize(
    ("rule_priority", "severity", "expected"),
    [
        (None, Severity.CRITICAL, 2),
        (None, Severity.WARNING, None),
        (None, Severity.INFO, None),
        (0, Severity.CRITICAL, None),
        (3, Severity.WARNING, 3),
        (9, Severity.CRITICAL, None),
    ],
)
def test_ticket_priority(rule_priority: int | None, severity: Severity, expected: int | None) -> None:
    assert ticket_priority(rule_priority, severity) == expected
