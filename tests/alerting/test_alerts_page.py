"""The alerts list and an alert's page: the rule's name with the reading as title, snoozed
alerts marked, links to the rule and the evidence, acknowledge with a comment, bulk
acknowledge (scoped: another customer's alert is skipped), and the firing count in the
navigation, counted over the alerts the user may see."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from web.conftest import PASSWORDS, LoginFn, Seed, csrf_token

from collector.alerting.models import Alert, AlertRule, AlertTransition
from collector.store.db import Store
from collector.store.models import AuditEntry, utcnow


def _as(login: LoginFn, who: str) -> None:
    assert login(who, PASSWORDS[who]).status_code == 302


def _rule(store: Store, name: str, kind: str = "threshold") -> int:
    with store.session() as s:
        r = AlertRule(name=name, family=name, kind=kind, params="{}")
        s.add(r)
        s.flush()
        return r.id


def _alert(store: Store, customer_id: int, device_id: int, summary: str, **kw: object) -> int:
    with store.session() as s:
        a = Alert(
            fingerprint=f"x|d{device_id}|{summary}",
            kind=kw.pop("kind", "threshold"),
            customer_id=customer_id,
            device_id=device_id,
            severity=kw.pop("severity", "critical"),
            state=kw.pop("state", "firing"),
            summary=summary,
            **kw,
        )
        s.add(a)
        s.flush()
        return a.id


def _nav_count(page: str) -> int:
    found = re.search(r'id="nav-firing"[^>]*>(\d+)<', page)
    assert found is not None
    return int(found.group(1))


def test_title_snooze_links_and_firing_count(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    cpu = _rule(store, "CPU busy")
    fn = _rule(store, "Function not OK", "function_status")
    hot = _alert(store, seed.customer_a, seed.device_a, "cpu.percent = 99.5 > 98", rule_id=cpu, value=99.5)
    quiet = _alert(
        store,
        seed.customer_a,
        seed.device_a,
        "http:intranet critical",
        rule_id=fn,
        kind="function_status",
        severity="warning",
        snoozed_until=utcnow() + timedelta(hours=1),
    )
    _alert(store, seed.customer_b, seed.device_b, "bravo disk full")  # not the technician's
    _as(login, "tech")
    page = client.get("/alerts").get_data(as_text=True)
    assert "CPU busy: 99.5" in page and "bravo disk full" not in page
    assert _nav_count(page) == 2  # the other customer's firing alert is not counted
    assert re.search(r"alert-snoozed[^>]*>.*?badge snoozed", page, re.S)
    detail = client.get(f"/alerts/{hot}").get_data(as_text=True)
    assert "CPU busy: 99.5" in detail and f"/alerting/rules/{cpu}" in detail
    assert f"/devices/{seed.device_a}" in detail and "Charts of" in detail
    detail = client.get(f"/alerts/{quiet}").get_data(as_text=True)
    assert f"/devices/{seed.device_a}/functions/history" in detail and "badge snoozed" in detail


def test_acknowledge_with_a_comment_and_in_bulk(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    one = _alert(store, seed.customer_a, seed.device_a, "one")
    two = _alert(store, seed.customer_a, seed.device_a, "two")
    three = _alert(store, seed.customer_a, seed.device_a, "three")
    theirs = _alert(store, seed.customer_b, seed.device_b, "theirs")
    _as(login, "tech")
    token = csrf_token(client, "/alerts")
    r = client.post(f"/alerts/{one}/ack", data={"csrf_token": token, "comment": "on it, disk ordered"})
    assert r.status_code == 302
    r = client.post(
        "/alerts/ack",
        data={"csrf_token": token, "alert_id": [str(two), str(three), str(theirs)]},
        follow_redirects=True,
    )
    assert "2 alert(s) acknowledged, 1 could not be." in r.get_data(as_text=True)
    with store.session() as s:
        acked = {a.id: a.acked_by for a in s.scalars(select(Alert))}
        notes = [t.reason for t in s.scalars(select(AlertTransition).where(AlertTransition.alert_id == one))]
        audited = {e.target for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.ack"))}
    assert acked[one] == acked[two] == acked[three] == "user:tech" and acked[theirs] == ""
    assert notes[0] == "acknowledged" and len(notes) == 2 and "on it, disk ordered" in notes[1]
    assert audited == {f"alert:{one}", f"alert:{two}", f"alert:{three}"}
    assert client.post("/alerts/ack", data={"alert_id": str(one)}).status_code == 400  # no CSRF token
