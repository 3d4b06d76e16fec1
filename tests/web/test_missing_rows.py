"""Rows that belong to no customer (users, articles, access rules), looked up by number in the
address: one that does not exist answers 404, one that does is found (``get_or_404``)."""

from __future__ import annotations

from flask.testing import FlaskClient

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token

MISSING = 999_999
ROUTES = [
    ("GET", "/admin/users/{id}"),
    ("POST", "/admin/users/{id}"),
    ("POST", "/admin/customers/{id}/sites"),
    ("POST", "/admin/security/users/{id}/reset-2fa"),
    ("POST", "/admin/security/users/{id}/sign-out"),
    ("GET", "/kb/{id}"),
    ("GET", "/kb/{id}/edit"),
    ("POST", "/kb/{id}"),
    ("POST", "/admin/access/hidden/{id}/remove"),
    ("POST", "/admin/access/blocks/{id}/remove"),
]


def test_a_missing_row_is_404_on_every_route_that_looks_one_up(
    client: FlaskClient, login: LoginFn, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/users")
    for method, path in ROUTES:
        url = path.format(id=MISSING)
        resp = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        assert resp.status_code == 404, (method, url)


def test_an_existing_row_is_found(client: FlaskClient, login: LoginFn, seed: Seed) -> None:
    login("admin", PASSWORDS["admin"])
    page = client.get(f"/admin/users/{seed.tech}")
    assert page.status_code == 200
    assert "tech" in page.get_data(as_text=True)
    token = csrf_token(client, "/admin/customers")
    resp = client.post(
        f"/admin/customers/{seed.customer_b}/sites", data={"name": "Warehouse 2", "csrf_token": token}
    )
    assert resp.status_code == 302
    assert "Warehouse 2" in client.get("/admin/customers").get_data(as_text=True)
