"""The device page's open alerts and "in maintenance now", over a real SQLite store: which
windows cover the device (table-driven) and what the page shows a technician."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.alerting.models import Alert, MaintenanceWindow
from collector.store.db import Store
from collector.store.models import AuditEntry, Device
from collector.web.device_status import active_maintenance, open_alerts

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token

NOW = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def window(seed: Seed, **kw: Any) -> MaintenanceWindow:
    values: dict[str, Any] = {
        "customer_id": seed.customer_a,
        "starts_at": NOW - HOUR,
        "ends_at": NOW + HOUR,
        "reason": "patch night",
    }
    values.update(
        {
            k: getattr(seed, v)
            if isinstance(v, str) and v.startswith(("device_", "site_", "customer_"))
            else v
            for k, v in kw.items()
        }
    )
    return MaintenanceWindow(**values)


CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("customer-wide, running", {}, True),
    ("its site", {"site_id": "site_a"}, True),
    ("this device", {"device_id": "device_a"}, True),
    ("one of its functions", {"device_id": "device_a", "function_id": "backup"}, True),
    ("another device", {"device_id": "device_b", "customer_id": "customer_b"}, False),
    ("another customer", {"customer_id": "customer_b"}, False),
    ("ended", {"starts_at": NOW - 3 * HOUR, "ends_at": NOW - HOUR}, False),
    ("not yet", {"starts_at": NOW + HOUR, "ends_at": NOW + 2 * HOUR}, False),
    (
        "daily, on now",
        {"starts_at": NOW - 3 * DAY - HOUR, "ends_at": NOW - 3 * DAY + HOUR, "recurrence": "daily"},
        True,
    ),
    (
        "daily, off now",
        {"starts_at": NOW - 3 * DAY - 5 * HOUR, "ends_at": NOW - 3 * DAY - 4 * HOUR, "recurrence": "daily"},
        False,
    ),
    (
        "weekly, past until",
        {
            "starts_at": NOW - 14 * DAY - HOUR,
            "ends_at": NOW - 14 * DAY + HOUR,
            "recurrence": "weekly",
            "until": NOW - 10 * DAY,
        },
        False,
    ),
    (
        "1st Tuesday monthly, Berlin time, on now",  # NOW is Tuesday 1 December, 23:30 in Berlin
        {
            "starts_at": datetime(2026, 11, 3, 21, tzinfo=UTC),  # 22:00 CET
            "ends_at": datetime(2026, 11, 4, 1, tzinfo=UTC),
            "recurrence": "monthly-nth",
            "rule": "FREQ=MONTHLY;BYDAY=+1TU",
            "timezone": "Europe/Berlin",
        },
        True,
    ),
    (
        "2nd Tuesday monthly, off now",
        {
            "starts_at": datetime(2026, 11, 10, 21, tzinfo=UTC),
            "ends_at": datetime(2026, 11, 11, 1, tzinfo=UTC),
            "recurrence": "monthly-nth",
            "rule": "FREQ=MONTHLY;BYDAY=+2TU",
            "timezone": "Europe/Berlin",
        },
        False,
    ),
]


@pytest.mark.parametrize(("name", "kw", "active"), CASES, ids=[c[0] for c in CASES])
def test_active_maintenance(store: Store, seed: Seed, name: str, kw: dict[str, Any], active: bool) -> None:
    with store.session() as s:
        s.add(window(seed, **kw))
    with store.session() as s:
        found = active_maintenance(s, s.get_one(Device, seed.device_a), NOW)
        assert bool(found) is active, name
        if found:
            assert found[0].starts <= NOW < found[0].ends


def test_open_alerts_are_the_devices_pending_and_firing(store: Store, seed: Seed) -> None:
    with store.session() as s:
        for n, (device, state) in enumerate(
            [
                (seed.device_a, "pending"),
                (seed.device_a, "firing"),
                (seed.device_a, "resolved"),
                (seed.device_b, "firing"),
            ]
        ):
            s.add(Alert(fingerprint=f"f{n}", kind="threshold", customer_id=seed.customer_a, device_id=device,
                        state=state, summary=f"{state} {n}"))  # fmt: skip
    with store.session() as s:
        assert [a.summary for a in open_alerts(s, seed.device_a)] == ["firing 1", "pending 0"]


def test_device_page_shows_open_alerts_and_maintenance(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    now = datetime.now(UTC)
    with store.session() as s:
        s.add(Alert(fingerprint="a", kind="threshold", customer_id=seed.customer_a, device_id=seed.device_a,
                    state="firing", severity="critical", summary="disk.percent = 97 > 95"))  # fmt: skip
        s.add(Alert(fingerprint="b", kind="threshold", customer_id=seed.customer_b, device_id=seed.device_b,
                    state="firing", summary="not this device"))  # fmt: skip
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    assert "disk.percent = 97 &gt; 95" in page and "not this device" not in page
    assert 'id="in-maintenance"' not in page

    with store.session() as s:
        s.add(MaintenanceWindow(customer_id=seed.customer_a, device_id=seed.device_a, starts_at=now - HOUR,
                                ends_at=now + 2 * HOUR, reason="kernel update"))  # fmt: skip
    page = client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    assert 'id="in-maintenance"' in page and "kernel update" in page


def test_maintenance_from_now_on_the_device_page(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    token = csrf_token(client, f"/devices/{seed.device_a}")
    assert 'id="maintenance-now"' in page and 'id="in-maintenance"' not in page
    before = datetime.now(UTC)
    form = {"hours": "2", "reason": "patch night", "csrf_token": token}
    resp = client.post(f"/devices/{seed.device_a}/maintenance/now", data=form, follow_redirects=True)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert 'id="in-maintenance"' in page and "patch night" in page
    assert (
        client.post(f"/devices/{seed.device_a}/maintenance/now", data={**form, "hours": "3"}).status_code
        == 400
    )
    assert client.post(f"/devices/{seed.device_b}/maintenance/now", data=form).status_code == 404
    with store.session() as s:
        (w,) = s.scalars(select(MaintenanceWindow)).all()
        assert w.device_id == seed.device_a and w.created_by == "user:tech"
        assert before <= w.starts_at and w.ends_at - w.starts_at == 2 * HOUR
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "maintenance.create")).all()
        assert [(a.target, a.customer_id) for a in audited] == [(f"maintenance:{w.id}", seed.customer_a)]


def test_device_page_shows_maintenance_of_the_coming_week(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    now = datetime.now(UTC)
    with store.session() as s:
        s.add(MaintenanceWindow(customer_id=seed.customer_a, site_id=seed.site_a, starts_at=now + 2 * DAY,
                                ends_at=now + 2 * DAY + HOUR, reason="switch firmware"))  # fmt: skip
        s.add(MaintenanceWindow(customer_id=seed.customer_a, starts_at=now + 9 * DAY,
                                ends_at=now + 9 * DAY + HOUR, reason="too far ahead"))  # fmt: skip
        s.add(MaintenanceWindow(customer_id=seed.customer_b, starts_at=now + DAY,
                                ends_at=now + DAY + HOUR, reason="another customer"))  # fmt: skip
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    assert 'id="maintenance-next"' in page and "switch firmware" in page and "its site" in page
    assert "too far ahead" not in page and "another customer" not in page
    assert 'id="in-maintenance"' not in page
