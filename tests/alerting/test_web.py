"""The alerting pages: scoped, CSRF-protected, audited; the test button's outcomes land in
the contact's message log (sent by the real worker to aiosmtpd and the SMS emulator)."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy import select
from support.sms_emulator import SmsEmulator
from web.conftest import PASSWORDS, LoginFn, Seed, csrf_token, set_role

from alerting.conftest import sms_sender, smtp_sender
from alerting.smtp_server import SmtpServer
from collector.alerting.models import Alert, AlertRule, AlertTransition, Contact
from collector.notify.models import Message
from collector.notify.worker import NotifyWorker
from collector.store.db import Store
from collector.store.models import AuditEntry, Device, Role


def _as(login: LoginFn, who: str) -> None:
    assert login(who, PASSWORDS[who]).status_code == 302


def _alert(store: Store, customer_id: int, device_id: int, summary: str) -> int:
    with store.session() as s:
        a = Alert(
            fingerprint=f"x|d{device_id}|{summary}",
            kind="threshold",
            customer_id=customer_id,
            device_id=device_id,
            severity="critical",
            state="firing",
            summary=summary,
        )
        s.add(a)
        s.flush()
        return a.id


def test_pages_need_a_session(client: FlaskClient) -> None:
    for path in ("/alerts", "/alerting/rules", "/alerting/maintenance", "/alerting/contacts", "/alerting/me"):
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path


def test_alerts_are_scoped_filtered_and_acknowledged(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    mine = _alert(store, seed.customer_a, seed.device_a, "acme disk full")
    theirs = _alert(store, seed.customer_b, seed.device_b, "bravo disk full")
    _as(login, "tech")
    page = client.get("/alerts").get_data(as_text=True)
    assert "acme disk full" in page and "bravo disk full" not in page
    assert client.get(f"/alerts/{theirs}").status_code == 404
    assert "acme disk full" not in client.get("/alerts?severity=warning").get_data(as_text=True)
    assert "acme disk full" in client.get("/alerts?state=firing&severity=critical").get_data(as_text=True)
    assert client.post(f"/alerts/{mine}/ack").status_code == 400  # no CSRF token
    token = csrf_token(client, "/alerts")
    assert client.post(f"/alerts/{theirs}/ack", data={"csrf_token": token}).status_code == 404
    r = client.post(f"/alerts/{mine}/ack", data={"csrf_token": token})
    assert r.status_code == 302
    r = client.post(f"/alerts/{mine}/snooze", data={"csrf_token": token, "minutes": "abc"})
    assert r.status_code == 302
    r = client.post(f"/alerts/{mine}/snooze", data={"csrf_token": token, "minutes": "30"})
    with store.session() as s:
        a = s.get(Alert, mine)
        assert a is not None and a.acked_by == "user:tech" and a.snoozed_until is not None
        reasons = [
            t.reason for t in s.scalars(select(AlertTransition).where(AlertTransition.alert_id == mine))
        ]
        actions = [
            e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.target == f"alert:{mine}"))
        ]
    assert reasons == ["acknowledged", "snoozed for 30 min"]
    assert actions == ["alert.ack", "alert.snooze"]


def test_rules_need_a_supervisor_and_valid_params(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    _as(login, "tech")
    token = csrf_token(client, "/alerting/rules")
    form = {
        "csrf_token": token,
        "name": "Disk",
        "kind": "threshold",
        "customer_id": str(seed.customer_a),
        "metric": "disk.percent",
        "warning": "90",
    }
    assert client.post("/alerting/rules", data=form).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    _as(login, "super")
    token = csrf_token(client, "/alerting/rules")
    bad = {**form, "csrf_token": token, "warning": "high"}
    page = client.post("/alerting/rules", data=bad, follow_redirects=True).get_data(as_text=True)
    assert "warning: not a number" in page and 'value="high"' in page  # refused, kept as typed
    page = client.post("/alerting/rules", data={**bad, "warning": "90", "for": "5 minutes"}).get_data(
        as_text=True
    )
    assert "for: " in page and 'value="5 minutes"' in page
    glob = {**form, "csrf_token": token, "customer_id": ""}
    assert client.post("/alerting/rules", data=glob).status_code == 403  # global rules: administrators
    wrong_site = {
        **form,
        "csrf_token": token,
        "customer_id": str(seed.customer_b),
        "site_id": str(seed.site_a),
    }
    page = client.post("/alerting/rules", data=wrong_site, follow_redirects=True).get_data(as_text=True)
    assert "not a site of that customer" in page
    client.post("/alerting/rules", data={**form, "csrf_token": token})
    with store.session() as s:
        (rule,) = s.scalars(select(AlertRule)).all()
        assert rule.customer_id == seed.customer_a and json.loads(rule.params)["warning"] == 90
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "alert_rule.create")) is not None


def test_maintenance_window_validation(client: FlaskClient, login: LoginFn, seed: Seed, store: Store) -> None:
    _as(login, "tech")
    token = csrf_token(client, "/alerting/maintenance")
    form = {
        "csrf_token": token,
        "customer_id": str(seed.customer_a),
        "starts_at": "2026-12-01T22:00",
        "ends_at": "2026-12-01T21:00",
        "recurrence": "none",
    }
    page = client.post("/alerting/maintenance", data=form, follow_redirects=True).get_data(as_text=True)
    assert "must end after it starts" in page
    other = {**form, "customer_id": str(seed.customer_b), "ends_at": "2026-12-02T02:00"}
    assert client.post("/alerting/maintenance", data=other).status_code == 404
    client.post("/alerting/maintenance", data={**form, "ends_at": "2026-12-02T02:00", "recurrence": "weekly"})
    page = client.get("/alerting/maintenance").get_data(as_text=True)
    assert "weekly" in page and "2026-12-01 22:00" in page


def test_contact_test_button_records_a_delivered_and_a_failed_test(  # noqa: PLR0917 - fixtures
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store, smtp: SmtpServer, sms: SmsEmulator
) -> None:
    _as(login, "super")
    token = csrf_token(client, "/alerting/contacts")
    bad = {"csrf_token": token, "customer_id": str(seed.customer_a), "name": "Ann", "mobile": "0151 12345"}
    page = client.post("/alerting/contacts", data=bad, follow_redirects=True).get_data(as_text=True)
    assert "mobile: international format" in page
    form = {**bad, "email": "ann@acme.example", "mobile": "+4915100000001", "min_severity": "critical"}
    client.post("/alerting/contacts", data=form)
    with store.session() as s:
        contact = s.scalar(select(Contact))
        assert contact is not None and contact.min_severity == "critical"
    sms.fail_always(400, 21610, "Attempt to send to unsubscribed recipient")
    assert client.post(f"/alerting/contacts/{contact.id}/test", data={"csrf_token": token}).status_code == 302
    worker = NotifyWorker(store, {"email": smtp_sender(smtp), "sms_http": sms_sender(sms)})
    assert worker.run_once() == 2
    with store.session() as s:
        states = {m.channel: (m.state, m.attempts) for m in s.scalars(select(Message))}
    assert states == {"email": ("delivered", 1), "sms_http": ("failed", 1)}
    assert len(smtp.mails) == 1 and smtp.mails[0].subject == "[EUS TEST] Test message"
    page = client.get(f"/alerting/contacts/{contact.id}").get_data(as_text=True)
    assert "delivered" in page and "failed" in page and "21610" in page
    client.post("/logout", data={"csrf_token": token})
    _as(login, "tech")  # granted customer A: may see and test, not delete
    assert client.get(f"/alerting/contacts/{contact.id}").status_code == 200
    token = csrf_token(client, "/alerting/contacts")
    assert (
        client.post(f"/alerting/contacts/{contact.id}/delete", data={"csrf_token": token}).status_code == 403
    )


def test_my_channels(client: FlaskClient, login: LoginFn, seed: Seed, store: Store) -> None:
    from collector.alerting.models import UserChannel

    _as(login, "tech")
    token = csrf_token(client, "/alerting/me")
    client.post("/alerting/me", data={"csrf_token": token, "email": "tech@msp.example", "enabled": "1"})
    with store.session() as s:
        ch = s.get(UserChannel, seed.tech)
        assert ch is not None and ch.email == "tech@msp.example" and ch.enabled


def test_contact_opt_in_to_chosen_rules(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    with store.session() as s:
        mine = AlertRule(name="Backups", family="backup", kind="data_gap", customer_id=seed.customer_a)
        theirs = AlertRule(name="Other", family="other", kind="data_gap", customer_id=seed.customer_b)
        contact = Contact(customer_id=seed.customer_a, name="Ann", email="ann@acme.example")
        s.add_all([mine, theirs, contact])
        s.flush()
        ids = (mine.id, theirs.id, contact.id)
    _as(login, "super")
    token = csrf_token(client, f"/alerting/contacts/{ids[2]}")
    form = {
        "csrf_token": token,
        "name": "Ann",
        "email": "ann@acme.example",
        "min_severity": "critical",
        "hours": "business",
        "active": "1",
    }
    assert (
        client.post(f"/alerting/contacts/{ids[2]}/edit", data={**form, "opt_in": [str(ids[1])]}).status_code
        == 404
    )
    client.post(f"/alerting/contacts/{ids[2]}/edit", data={**form, "opt_in": [str(ids[0])]})
    with store.session() as s:
        c = s.get(Contact, ids[2])
        assert c is not None
        assert (c.all_rules, json.loads(c.opt_in_rules), c.hours, c.min_severity) == (
            False,
            [ids[0]],
            "business",
            "critical",
        )


def test_rule_edit_keeps_scope_and_is_audited(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    with store.session() as s:
        rule = AlertRule(
            name="Disk",
            family="disk",
            kind="threshold",
            customer_id=seed.customer_b,
            params=json.dumps({"metric": "disk.percent", "warning": 90}),
        )
        s.add(rule)
        s.flush()
        rule_id = rule.id
    _as(login, "tech")
    assert client.get(f"/alerting/rules/{rule_id}").status_code == 403  # technicians do not edit rules
    set_role(store, seed.tech, Role.SUPERVISOR)  # may edit rules, of customer A only
    assert client.get(f"/alerting/rules/{rule_id}").status_code == 404  # customer B is not theirs
    token = csrf_token(client, "/alerting/rules")
    client.post("/logout", data={"csrf_token": token})
    _as(login, "super")
    token = csrf_token(client, f"/alerting/rules/{rule_id}")
    form = {
        "csrf_token": token,
        "name": "Disk nearly full",
        "metric": "disk.percent",
        "critical": "97",
        "severity": "critical",
        "customer_id": str(seed.customer_a),
    }
    assert client.post(f"/alerting/rules/{rule_id}", data=form).status_code == 302
    with store.session() as s:
        r = s.get(AlertRule, rule_id)
        assert r is not None and r.name == "Disk nearly full" and r.customer_id == seed.customer_b
        assert json.loads(r.params) == {
            "metric": "disk.percent",
            "critical": 97,
            "for_s": 0,
            "labels": {},
            "op": ">",
        }
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "alert_rule.update")) is not None


def test_retiring_a_device_from_its_page_resolves_its_open_alerts(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    offline = _alert(store, seed.customer_a, seed.device_a, "agent offline")
    elsewhere = _alert(store, seed.customer_b, seed.device_b, "bravo agent offline")
    _as(login, "super")
    token = csrf_token(client, f"/devices/{seed.device_a}")
    r = client.post(
        f"/devices/{seed.device_a}/retire", data={"csrf_token": token, "retire": "1"}, follow_redirects=True
    )
    assert "1 open alert(s) of the device resolved" in r.get_data(as_text=True)
    with store.session() as s:
        assert s.get_one(Alert, offline).state == "resolved"
        assert s.get_one(Alert, elsewhere).state == "firing"
        actions = [(e.action, e.target) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert ("device.retire", f"device:{seed.device_a}") in actions
    assert ("alert.resolve", f"alert:{offline}") in actions


def test_a_refused_contact_form_keeps_everything_typed(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    _as(login, "super")
    token = csrf_token(client, "/alerting/contacts")
    typed = {
        "csrf_token": token,
        "customer_id": str(seed.customer_b),
        "name": "Ann Example",
        "email": "ann@bravo.example",
        "mobile": "0151 12345",
        "sms_gateway_domain": "txt.carrier.example",
        "min_severity": "critical",
        "hours": "business",
    }
    refused = client.post("/alerting/contacts", data=typed)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Contact not saved: mobile: international format" in page
    for value in ("Ann Example", "ann@bravo.example", "0151 12345", "txt.carrier.example"):
        assert f'value="{value}"' in page, value
    assert f'<option value="{seed.customer_b}" selected>' in page
    assert "<option selected>critical</option>" in page and '<option value="business" selected>' in page
    assert 'name="all_rules" value="1" checked' not in page  # unticked stays unticked

    client.post("/alerting/contacts", data={**typed, "mobile": "+4915100000001"})
    with store.session() as s:
        contact = s.scalars(select(Contact)).one()
        rule = AlertRule(name="Disk", family="disk", kind="threshold", notify_contacts=True)
        s.add(rule)
        s.flush()
        contact_id, rule_id = contact.id, rule.id
    edit = {**typed, "name": "Ann Renamed", "email": "not-an-address", "opt_in": str(rule_id)}
    edit.pop("customer_id")
    refused = client.post(f"/alerting/contacts/{contact_id}/edit", data=edit)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Contact not saved: " in page
    assert 'value="Ann Renamed"' in page and 'value="not-an-address"' in page
    assert f'name="opt_in" value="{rule_id}" checked' in page
    assert 'name="active" value="1" checked' not in page  # as sent: unticked
    with store.session() as s:
        assert s.get_one(Contact, contact_id).name == "Ann Example"  # nothing saved


def test_alert_pages_name_the_device_by_its_alias(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    alert_id = _alert(store, seed.customer_a, seed.device_a, "disk nearly full")
    with store.session() as s:
        s.get_one(Device, seed.device_a).alias = "Reception PC"
    _as(login, "tech")
    listed = client.get("/alerts").get_data(as_text=True)
    detail = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "Reception PC" in listed and "acme-fs01" not in listed
    assert "Reception PC" in detail and "acme-fs01" not in detail
