"""Acknowledge, un-acknowledge, snooze, resolve and comment: the dashboard's forms and its JSON
API go through the same engine methods, scoped, CSRF-protected and audited; and an
acknowledgement made while the engine is evaluating the alert is never undone by it."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from web.conftest import PASSWORDS, LoginFn, Seed, csrf_token
from werkzeug.test import TestResponse

from collector.alerting.domain import Severity, State
from collector.alerting.engine import AlertEngine
from collector.alerting.models import Alert, AlertRule, AlertTransition
from collector.alerting.records import AlertRec
from collector.alerting.rules.scope import RuleDef
from collector.alerting.state import Lifecycle, Verdict
from collector.store.db import Store
from collector.store.models import AuditEntry

WAIT_S = 10.0  # a bound, never a pause: every wait below ends as soon as its event is set
HOT = Verdict(True, Severity.CRITICAL, "disk.percent = 97 > 95", 97.0)


def _rule(store: Store, engine: AlertEngine, customer_id: int, **params: Any) -> RuleDef:
    with store.session() as s:
        row = AlertRule(
            name="Disk full",
            family="disk",
            kind="threshold",
            customer_id=customer_id,
            params=json.dumps({"metric": "disk.percent", "critical": 95, **params}),
        )
        s.add(row)
        s.flush()
        rule_id = row.id
    engine.invalidate()
    rule = engine.rules.by_id(rule_id)
    assert rule is not None
    return rule


def _firing(store: Store, engine: AlertEngine, customer_id: int, device_id: int) -> AlertRec:
    """An alert the engine raised itself, firing now."""
    rec = engine.observe(_rule(store, engine, customer_id), engine.device(device_id), "", HOT)
    assert rec is not None and rec.life.state is State.FIRING
    return rec


def _life(engine: AlertEngine, rec: AlertRec) -> Lifecycle:
    """The engine's own copy of the alert's lifecycle now."""
    current = engine.alert(rec.fingerprint)
    assert current is not None
    return current.life


def _api(client: FlaskClient, token: str, alert_id: int, action: str, **body: Any) -> TestResponse:
    return client.post(f"/api/alerts/{alert_id}/{action}", json=body, headers={"X-CSRFToken": token})


def _audit(store: Store, alert_id: int) -> list[tuple[str, str]]:
    with store.session() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.target == f"alert:{alert_id}").order_by(AuditEntry.id)
        )
        return [(e.action, e.actor) for e in rows]


def _timeline(store: Store, alert_id: int) -> list[tuple[str, str, str]]:
    with store.session() as s:
        rows = s.scalars(
            select(AlertTransition).where(AlertTransition.alert_id == alert_id).order_by(AlertTransition.id)
        )
        return [(t.to_state, t.reason, t.actor) for t in rows]


def test_api_and_forms_act_through_the_engine(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store, engine: AlertEngine
) -> None:
    rec = _firing(store, engine, seed.customer_a, seed.device_a)
    mine, theirs = rec.id, _firing(store, engine, seed.customer_b, seed.device_b).id
    assert client.post(f"/api/alerts/{mine}/acknowledge", json={}).status_code == 302  # no session
    assert login("tech", PASSWORDS["tech"]).status_code == 302
    assert client.post(f"/api/alerts/{mine}/acknowledge", json={}).status_code == 400  # no CSRF token
    token = csrf_token(client, "/alerts")

    r = _api(client, token, mine, "acknowledge")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json == {
        "alert": mine,
        "changed": True,
        "reason": "acknowledged",
        "state": "firing",
        "severity": "critical",
        "acknowledged": True,
        "snoozed_until": None,
    }
    assert _life(engine, rec).acked  # the engine's own copy, not a row it polls
    assert _api(client, token, mine, "acknowledge").json["changed"] is False  # type: ignore[index]
    assert _api(client, token, mine, "unacknowledge").json["acknowledged"] is False  # type: ignore[index]
    assert not _life(engine, rec).acked

    r = client.post(f"/alerts/{mine}/ack", data={"csrf_token": token})  # the form: same method
    assert r.status_code == 302 and _life(engine, rec).acked
    assert client.get(f"/alerts/{mine}").status_code == 200

    assert _api(client, token, mine, "snooze", minutes="abc").status_code == 400
    r = _api(client, token, mine, "snooze", minutes=30)
    assert r.status_code == 200 and r.json is not None and r.json["reason"] == "snoozed for 30 min"
    assert _life(engine, rec).snoozed_until == pytest.approx(engine.clock() + 1800, abs=5)

    assert _api(client, token, mine, "comment", comment="  ").status_code == 400
    assert _api(client, token, mine, "comment", comment="called Acme, disk ordered").status_code == 200
    r = client.post(f"/alerts/{mine}/comment", data={"csrf_token": token, "comment": "on site at 9"})
    assert r.status_code == 302

    assert _api(client, token, mine, "resolve").status_code == 400  # a hand resolution says why
    r = client.post(f"/alerts/{mine}/resolve", data={"csrf_token": token, "comment": "disk replaced"})
    assert r.status_code == 302 and _life(engine, rec).state is State.RESOLVED
    r = _api(client, token, mine, "acknowledge")
    assert r.status_code == 409 and "pending or firing" in r.get_data(as_text=True)

    for action in ("acknowledge", "snooze", "resolve", "comment"):  # another customer's alert
        assert _api(client, token, theirs, action, minutes=5, comment="x").status_code == 404
    assert (
        client.post(f"/alerts/{theirs}/resolve", data={"csrf_token": token, "comment": "x"}).status_code
        == 404
    )
    assert _api(client, token, mine, "delete").status_code == 404
    assert _api(client, token, 999_999, "comment", comment="x").status_code == 404

    tech = "user:tech"
    assert _audit(store, mine) == [
        ("alert.ack", tech),
        ("alert.unack", tech),
        ("alert.ack", tech),
        ("alert.snooze", tech),
        ("alert.comment", tech),
        ("alert.comment", tech),
        ("alert.resolve", tech),
    ]
    assert _timeline(store, mine)[1:] == [
        ("firing", "acknowledged", tech),
        ("firing", "acknowledgement withdrawn", tech),
        ("firing", "acknowledged", tech),
        ("firing", "snoozed for 30 min", tech),
        ("firing", "comment: called Acme, disk ordered", tech),
        ("firing", "comment: on site at 9", tech),
        ("resolved", "resolved by hand: disk replaced", tech),
    ]
    assert _audit(store, theirs) == [] and len(_timeline(store, theirs)) == 1
    with store.session() as s:
        row = s.get(Alert, mine)
        assert row is not None and row.state == "resolved" and row.acked_by == tech


def test_views_need_the_engine(client: FlaskClient, login: LoginFn, seed: Seed, store: Store) -> None:
    """A dashboard built without an engine refuses to change alerts rather than write them itself."""
    from flask import current_app

    from collector.web import alerting_views

    with client.application.app_context():
        current_app.extensions.pop(alerting_views.EXTENSION_KEY)
    assert login("tech", PASSWORDS["tech"]).status_code == 302
    token = csrf_token(client, "/alerts")
    assert _api(client, token, 1, "acknowledge").status_code == 503


class ObservedLock:
    """The engine's re-entrant lock, reporting when another thread has to wait for it."""

    def __init__(self, contended: threading.Event) -> None:
        self._lock = threading.RLock()
        self._contended = contended

    def __enter__(self) -> bool:
        if not self._lock.acquire(blocking=False):
            self._contended.set()
            self._lock.acquire()
        return True

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


class HookedClock:
    """The engine's clock; once armed, its next call from ``thread`` (the moment an evaluation
    starts) announces itself and waits until the acknowledgement has made progress."""

    def __init__(self, t: float) -> None:
        self.t = t
        self.thread: threading.Thread | None = None
        self.evaluating = threading.Event()
        self.ack_progressed = threading.Event()

    def __call__(self) -> float:
        if self.thread is threading.current_thread() and not self.evaluating.is_set():
            self.evaluating.set()
            assert self.ack_progressed.wait(WAIT_S), "the acknowledgement neither finished nor waited"
        return self.t


def test_an_acknowledgement_during_evaluation_is_never_undone(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine is moving a pending alert to firing when a technician acknowledges it. On
    the engine's side the acknowledgement either waits for the evaluation (and applies to its
    result) or, were it written behind the engine's back, would be overwritten by the
    engine's older copy."""
    from collector.web import alerting_views

    clock = HookedClock(1_795_000_000.0)
    engine = AlertEngine(store, clock=clock)
    monkeypatch.setattr(engine, "lock", ObservedLock(clock.ack_progressed))
    alerting_views.init_app(client.application, engine)
    rule = _rule(store, engine, seed.customer_a, for_s=60)
    dev = engine.device(seed.device_a)
    rec = engine.observe(rule, dev, "", HOT)
    assert rec is not None and rec.life.state is State.PENDING
    assert login("tech", PASSWORDS["tech"]).status_code == 302
    token = csrf_token(client, "/alerts")
    clock.t += 61

    errors: list[BaseException] = []

    def evaluate() -> None:
        try:
            engine.observe(rule, dev, "", HOT)  # for_s has passed: pending -> firing
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    def acknowledge() -> None:
        try:
            r = client.post(f"/alerts/{rec.id}/ack", data={"csrf_token": token})
            assert r.status_code == 302, r.status_code
        except BaseException as exc:
            errors.append(exc)
        finally:
            clock.ack_progressed.set()

    evaluation = threading.Thread(target=evaluate, name="evaluation")
    clock.thread = evaluation
    evaluation.start()
    assert clock.evaluating.wait(WAIT_S)
    ack = threading.Thread(target=acknowledge, name="acknowledgement")
    ack.start()
    evaluation.join(WAIT_S)
    ack.join(WAIT_S)
    assert not evaluation.is_alive() and not ack.is_alive() and errors == []

    assert _life(engine, rec).state is State.FIRING and _life(engine, rec).acked
    with store.session() as s:
        row = s.get(Alert, rec.id)
        assert row is not None and row.state == "firing"
        assert row.acked_at is not None and row.acked_by == "user:tech"
    engine.tick()  # and time passing does not undo it either
    assert _life(engine, rec).acked
