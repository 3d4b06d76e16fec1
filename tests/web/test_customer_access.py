"""Restrict access: a customer hidden from a user or a role is a 404 everywhere for them (its
screen, its exports, its chart data), like one never granted; a role blocked from process lists
never receives them, in HTML or JSON; every change is audited, and a refused form keeps what
was typed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.customers.models import CustomerRestriction
from collector.customers.rollup import Rollups
from collector.store.db import Store
from collector.store.models import AuditEntry
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token
from .customer_seed import deliver

M = timedelta(minutes=1)
SECRET_PROCESS = "process:payroll-sync"
SECRET_MESSAGE = "payroll-sync running: /opt/payroll/bin/sync --vault"


def _customer_paths(seed: Seed, customer_id: int, device_id: int) -> list[str]:
    return [
        f"/customers/{customer_id}",
        f"/api/customers/{customer_id}/functions",
        f"/devices/{device_id}",
        f"/devices/{device_id}/export.csv?range=1h",
        f"/devices/{device_id}/export.parquet?range=1h",
        f"/api/devices/{device_id}/series?metric=cpu&range=1h",
    ]


def _logout(client: FlaskClient) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_a_technician_without_access_gets_404_for_screen_exports_and_chart_data(
    client: FlaskClient, login: LoginFn, seed: Seed
) -> None:
    login("tech", PASSWORDS["tech"])
    for path in _customer_paths(seed, seed.customer_b, seed.device_b):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/customers/{seed.customer_a}").status_code == 200


def _hide(client: FlaskClient, customer_id: int, who: str) -> None:
    token = csrf_token(client, "/admin/access")
    resp = client.post(
        "/admin/access/hidden", data={"customer_id": str(customer_id), "who": who, "csrf_token": token}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


@pytest.mark.parametrize("who", ["role:technician", "user:{tech}"])
def test_a_hidden_customer_is_404_for_those_it_is_hidden_from(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, who: str
) -> None:
    login("admin", PASSWORDS["admin"])
    _hide(client, seed.customer_a, who.format(tech=seed.tech))
    _logout(client)

    login("tech", PASSWORDS["tech"])
    for path in _customer_paths(seed, seed.customer_a, seed.device_a):
        assert client.get(path).status_code == 404, path
    assert "Acme" not in client.get("/").get_data(as_text=True)
    assert client.get("/search?q=acme&format=json").get_json()["hits"] == []
    _logout(client)

    login("super", PASSWORDS["super"])  # a supervisor of every customer: not hidden from them
    for path in _customer_paths(seed, seed.customer_a, seed.device_a):
        assert client.get(path).status_code == 200, path
    with store.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "access.hide")).all()
        assert [(r.actor, r.customer_id) for r in rows] == [("user:admin", seed.customer_a)]


def test_hiding_from_a_user_of_every_customer_leaves_them_the_others(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    _hide(client, seed.customer_b, f"user:{seed.supervisor}")
    _logout(client)
    login("super", PASSWORDS["super"])
    for path in _customer_paths(seed, seed.customer_b, seed.device_b):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/customers/{seed.customer_a}").status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert "Acme Dental" in page and "Bravo Logistics" not in page
    _logout(client)

    login("admin", PASSWORDS["admin"])
    with store.session() as s:
        rid = s.scalars(select(CustomerRestriction.id)).one()
    token = csrf_token(client, "/admin/access")
    client.post(f"/admin/access/hidden/{rid}/remove", data={"csrf_token": token})
    _logout(client)
    login("super", PASSWORDS["super"])
    assert client.get(f"/customers/{seed.customer_b}").status_code == 200
    with store.session() as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("access.%"))).all() == [
            "access.hide",
            "access.unhide",
        ]


def test_a_role_blocked_from_process_lists_never_receives_them(
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    deliver(
        tsdb,
        Rollups(store),
        seed.device_a,
        [(SECRET_PROCESS, "process", 3, SECRET_MESSAGE, M), ("http:portal", "http", 1, "HTTP 200", M)],
    )
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/access")
    resp = client.post(
        "/admin/access/blocks", data={"role": "technician", "category": "process-lists", "csrf_token": token}
    )
    assert resp.status_code == 302
    pages = [
        f"/customers/{seed.customer_a}",
        f"/api/customers/{seed.customer_a}/functions",
        f"/devices/{seed.device_a}/functions",
        f"/api/devices/{seed.device_a}/functions",
    ]
    for path in pages:  # the administrator still sees it
        assert SECRET_PROCESS in client.get(path).get_data(as_text=True), path
    _logout(client)

    login("tech", PASSWORDS["tech"])
    for path in pages:
        resp = client.get(path)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200, path
        assert SECRET_PROCESS not in body and "/opt/payroll" not in body, path
        assert "http:portal" in body, path  # the rest is there
    history = f"/devices/{seed.device_a}/functions/history?id={SECRET_PROCESS}"
    assert client.get(history).status_code == 404
    with store.session() as s:
        assert s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "access.block")).one() == (
            '{"category": "process-lists"}'
        )


def test_a_role_blocked_from_software_inventory_cannot_search_or_export_it(
    client: FlaskClient, login: LoginFn, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/access")
    client.post(
        "/admin/access/blocks",
        data={"role": "technician", "category": "software-inventory", "csrf_token": token},
    )
    assert client.get("/software?name=openssl").status_code == 200
    _logout(client)
    login("tech", PASSWORDS["tech"])
    assert client.get("/software?name=openssl").status_code == 404
    assert client.get("/software/export.csv?name=openssl").status_code == 404
    assert client.get(f"/devices/{seed.device_a}/inventory/export.csv").status_code == 404
    assert client.get(f"/devices/{seed.device_a}/inventory").status_code == 200  # hardware stays


def test_a_refused_form_says_why_and_keeps_what_was_chosen(
    client: FlaskClient, login: LoginFn, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/access")
    resp = client.post(
        "/admin/access/hidden", data={"customer_id": str(seed.customer_a), "who": "", "csrf_token": token}
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Hide from: choose a user or a role." in page
    assert f'<option value="{seed.customer_a}" selected>' in page
    resp = client.post(
        "/admin/access/blocks", data={"role": "technician", "category": "videos", "csrf_token": token}
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "category: one of process-lists, software-inventory, remote-access" in page
    assert '<option value="technician" selected>' in page
    resp = client.post(
        "/admin/access/hidden",
        data={"customer_id": str(seed.customer_a), "who": f"user:{seed.admin}", "csrf_token": token},
    )
    assert "you cannot hide a customer from yourself" in resp.get_data(as_text=True)
    _logout(client)
    login("super", PASSWORDS["super"])
    assert client.get("/admin/access").status_code == 403  # administrators only


def test_a_role_blocked_from_remote_access_details_sees_no_addresses(
    client: FlaskClient, login: LoginFn, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/access")
    client.post(
        "/admin/access/blocks", data={"role": "technician", "category": "remote-access", "csrf_token": token}
    )
    assert "10.0.0.17" in client.get(f"/customers/{seed.customer_a}").get_data(as_text=True)
    _logout(client)
    login("tech", PASSWORDS["tech"])
    for path in (f"/customers/{seed.customer_a}", f"/devices/{seed.device_a}", "/?col=address&col=os"):
        body = client.get(path).get_data(as_text=True)
        assert "10.0.0.17" not in body, path
    fleet = client.get("/?col=address").get_data(as_text=True)
    assert ">Address<" not in fleet and 'value="address"' not in fleet  # not a column to choose
    assert client.get("/search?q=10.0.0&format=json").get_json()["hits"] == []
    assert (
        "acme-fs01"
        not in client.get("/?q=10.0.0.17").get_data(as_text=True).split("fleet-devices kb-list")[1]
    )
