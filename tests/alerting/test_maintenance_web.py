"""Maintenance windows on the dashboard: a patch night built from form fields (no rule text),
a refused form that keeps what was typed, editing (scoped, audited) and "active now"."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from web.conftest import PASSWORDS, LoginFn, Seed, csrf_token

from collector.alerting.models import MaintenanceWindow
from collector.store.db import Store
from collector.store.models import AuditEntry

PATCH_NIGHT = {
    "timezone": "Europe/Berlin",
    "starts_at": "2026-12-08T22:00",  # the 2nd Tuesday of December 2026
    "ends_at": "2026-12-09T02:00",
    "recurrence": "monthly-nth",
    "nth": "2",
    "weekday": "TU",
    "reason": "patch night",
}


def _form(client: FlaskClient, seed: Seed, **over: str) -> dict[str, str]:
    token = csrf_token(client, "/alerting/maintenance")
    return {"csrf_token": token, "customer_id": str(seed.customer_a), **PATCH_NIGHT, **over}


def test_patch_night_from_form_fields(client: FlaskClient, login: LoginFn, seed: Seed, store: Store) -> None:
    login("tech", PASSWORDS["tech"])
    form = _form(client, seed, device_id=str(seed.device_a), weekday="")
    refused = client.post("/alerting/maintenance", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "weekday: choose Monday to Sunday" in page
    assert 'value="2026-12-08T22:00"' in page and 'value="patch night"' in page  # kept as typed
    assert 'value="Europe/Berlin"' in page and '<option value="monthly-nth" selected>' in page
    assert '<option value="2" selected>' in page

    resp = client.post("/alerting/maintenance", data={**form, "weekday": "TU"}, follow_redirects=True)
    assert resp.status_code == 200
    assert "2nd Tuesday monthly (Europe/Berlin)" in resp.get_data(as_text=True)
    with store.session() as s:
        (w,) = s.scalars(select(MaintenanceWindow)).all()
        assert (w.rule, w.timezone, w.recurrence) == (
            "FREQ=MONTHLY;BYDAY=+2TU",
            "Europe/Berlin",
            "monthly-nth",
        )
        assert w.starts_at == datetime(2026, 12, 8, 21, tzinfo=UTC)  # 22:00 CET
        assert w.ends_at - w.starts_at == timedelta(hours=4)
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "maintenance.create"))
        assert entry is not None and json.loads(entry.detail)["rule"] == "FREQ=MONTHLY;BYDAY=+2TU"


def test_edit_a_window_is_scoped_and_audited(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    with store.session() as s:
        night = {
            "starts_at": datetime(2026, 12, 8, 21, tzinfo=UTC),
            "ends_at": datetime(2026, 12, 9, 1, tzinfo=UTC),
        }
        mine = MaintenanceWindow(
            customer_id=seed.customer_a,
            recurrence="monthly-nth",
            rule="FREQ=MONTHLY;BYDAY=+2TU",
            timezone="Europe/Berlin",
            reason="patch night",
            **night,
        )
        theirs = MaintenanceWindow(customer_id=seed.customer_b, **night)
        s.add_all([mine, theirs])
        s.flush()
        mine_id, theirs_id = mine.id, theirs.id
    login("tech", PASSWORDS["tech"])
    assert client.get(f"/alerting/maintenance/{theirs_id}/edit").status_code == 404
    page = client.get(f"/alerting/maintenance/{mine_id}/edit").get_data(as_text=True)
    # The stored window comes back as the form's fields, in its own time zone.
    assert 'value="2026-12-08T22:00"' in page and 'value="2026-12-09T02:00"' in page
    assert '<option value="TU" selected>' in page and "Edit window" in page
    form = _form(client, seed, ends_at="2026-12-09T03:00", nth="-1", weekday="FR")
    assert client.post(f"/alerting/maintenance/{theirs_id}", data=form).status_code == 404
    bad = client.post(f"/alerting/maintenance/{mine_id}", data={**form, "timezone": "Berlin"})
    assert bad.status_code == 400 and "time zone: unknown &#39;Berlin&#39;" in bad.get_data(as_text=True)
    assert 'value="2026-12-09T03:00"' in bad.get_data(as_text=True)
    done = client.post(f"/alerting/maintenance/{mine_id}", data=form, follow_redirects=True)
    assert "last Friday monthly (Europe/Berlin)" in done.get_data(as_text=True)
    with store.session() as s:
        w = s.get_one(MaintenanceWindow, mine_id)
        assert w.rule == "FREQ=MONTHLY;BYDAY=-1FR" and w.ends_at == datetime(2026, 12, 9, 2, tzinfo=UTC)
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "maintenance.update"))
        assert entry is not None and entry.target == f"maintenance:{mine_id}"
        changed = json.loads(entry.detail)["changed"]
        assert set(changed) == {"ends_at", "rule"}
        assert changed["rule"] == {"from": "FREQ=MONTHLY;BYDAY=+2TU", "to": "FREQ=MONTHLY;BYDAY=-1FR"}


def test_active_now_badge(client: FlaskClient, login: LoginFn, seed: Seed, store: Store) -> None:
    now = datetime.now(UTC)
    with store.session() as s:
        three_days_ago = now - timedelta(days=3)
        s.add(
            MaintenanceWindow(
                customer_id=seed.customer_a,
                device_id=seed.device_a,
                starts_at=three_days_ago - timedelta(hours=1),
                ends_at=three_days_ago + timedelta(hours=1),
                recurrence="daily",
                rule="FREQ=DAILY",
                reason="nightly backup",
            )
        )
        s.add(MaintenanceWindow(customer_id=seed.customer_a, starts_at=now + timedelta(hours=5),
                                ends_at=now + timedelta(hours=6), reason="later"))  # fmt: skip
    login("tech", PASSWORDS["tech"])
    page = client.get("/alerting/maintenance").get_data(as_text=True)
    rows = {
        ("nightly backup" in r, "later" in r): r
        for r in re.findall(r'<tr id="window-\d+">(.*?)</tr>', page, re.S)
    }
    assert "active now" in rows[True, False]
    assert "active now" not in rows[False, True] and "next " in rows[False, True]
    device = client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    assert 'id="in-maintenance"' in device and "nightly backup" in device and "<td>daily</td>" in device
