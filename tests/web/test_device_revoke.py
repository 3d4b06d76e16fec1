"""Revoking an agent from its device page: supervisors only, confirmed by typing the host
name, audited, and shown as revoked afterwards."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from collector.store.db import Store
from collector.store.models import AuditEntry, Device

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token


def test_revoke_from_the_device_page(client: FlaskClient, login: LoginFn, store: Store, seed: Seed) -> None:
    login("super", PASSWORDS["super"])
    url = f"/devices/{seed.device_a}"
    assert 'id="revoke"' in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)

    wrong = client.post(
        f"{url}/revoke", data={"confirm": "bravo-dc01", "csrf_token": token}, follow_redirects=True
    )
    assert "type the device" in wrong.get_data(as_text=True)
    with store.session() as s:
        assert s.get_one(Device, seed.device_a).revoked_at is None

    done = client.post(
        f"{url}/revoke", data={"confirm": "acme-fs01", "csrf_token": token}, follow_redirects=True
    )
    page = done.get_data(as_text=True)
    assert "Agent revoked" in page and 'class="badge revoked"' in page and 'id="revoke"' not in page
    with store.session() as s:
        assert s.get_one(Device, seed.device_a).revoked_at is not None
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "agent.revoke")).all()
        assert [(a.actor, a.target) for a in audited] == [("user:super", f"device:{seed.device_a}")]


def test_technicians_cannot_revoke(client: FlaskClient, login: LoginFn, store: Store, seed: Seed) -> None:
    login("tech", PASSWORDS["tech"])
    url = f"/devices/{seed.device_a}"
    assert 'id="revoke"' not in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    assert client.post(f"{url}/revoke", data={"confirm": "acme-fs01", "csrf_token": token}).status_code == 403
    with store.session() as s:
        assert s.get_one(Device, seed.device_a).revoked_at is None
