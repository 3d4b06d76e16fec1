"""Roles (403) and the administration pages, each change audited."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.passwords import verify_password
from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, Site, User

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token


def actions(store: Store) -> list[tuple[str, str, int | None]]:
    with store.session() as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(~AuditEntry.action.startswith("login."), AuditEntry.actor != "cli")  # cli: the seed
            .order_by(AuditEntry.id)
        )
        return [(r.action, r.target, r.customer_id) for r in rows]


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("tech", {"/admin/users": 403, "/admin/customers": 403, "/audit": 403}),
        ("super", {"/admin/users": 403, "/admin/customers": 403, "/audit": 200}),
        ("admin", {"/admin/users": 200, "/admin/customers": 200, "/audit": 200}),
    ],
)
def test_role_checks(
    client: FlaskClient, login: LoginFn, seed: Seed, username: str, expected: dict[str, int]
) -> None:
    login(username, PASSWORDS[username])
    for path, status in expected.items():
        assert client.get(path).status_code == status, path
    assert client.get(f"/admin/users/{seed.tech}").status_code == expected["/admin/users"]


def test_technician_cannot_post_to_admin(client: FlaskClient, login: LoginFn) -> None:
    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, "/")
    response = client.post("/admin/customers", data={"name": "Evil", "csrf_token": token})
    assert response.status_code == 403


def test_navigation_follows_the_role(client: FlaskClient, login: LoginFn) -> None:
    login("tech", PASSWORDS["tech"])
    page = client.get("/").get_data(as_text=True)
    assert "/admin/users" not in page
    assert "/audit" not in page


def test_admin_creates_a_user_who_sees_only_granted_customers(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/users")
    response = client.post(
        "/admin/users",
        data={
            "username": "bob",
            "password": "bobs-long-password",
            "role": "technician",
            "customers": [str(seed.customer_b)],
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    with store.session() as s:
        bob = s.scalars(select(User).where(User.username == "bob")).one()
        assert bob.password_hash.startswith("$argon2id$")
        assert verify_password(bob.password_hash, "bobs-long-password")
        assert [g.customer_id for g in bob.grants] == [seed.customer_b]
    assert actions(store) == [
        ("user.create", "user:bob", None),
        ("grant.add", "user:bob", seed.customer_b),
    ]
    with store.session() as s:
        detail = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "user.create")).one()
    assert json.loads(detail) == {
        "all_customers": False,
        "customers": [seed.customer_b],
        "role": "technician",
    }
    assert "bobs-long-password" not in detail

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("bob", "bobs-long-password")
    assert client.get(f"/customers/{seed.customer_b}").status_code == 200
    assert client.get(f"/customers/{seed.customer_a}").status_code == 404


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"username": "admin", "password": "long-enough-1", "role": "technician"}, "already exists"),
        ({"username": "x y", "password": "long-enough-1", "role": "technician"}, "Username"),
        ({"username": "carol", "password": "short", "role": "technician"}, "Password"),
        ({"username": "carol", "password": "long-enough-1", "role": "emperor"}, "Role"),
        (
            {"username": "carol", "password": "long-enough-1", "role": "technician", "customers": "999"},
            "unknown id",
        ),
    ],
)
def test_user_form_validation(
    client: FlaskClient, login: LoginFn, store: Store, form: dict[str, str], message: str
) -> None:
    login("admin", PASSWORDS["admin"])
    response = client.post("/admin/users", data={**form, "csrf_token": csrf_token(client, "/admin/users")})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert actions(store) == []


def test_admin_updates_role_grants_active_and_password(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, f"/admin/users/{seed.tech}")
    response = client.post(
        f"/admin/users/{seed.tech}",
        data={
            "role": "supervisor",
            "active": "1",
            "customers": [str(seed.customer_b)],
            "password": "a-brand-new-password",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    with store.session() as s:
        tech = s.get_one(User, seed.tech)
        assert tech.role == "supervisor"
        assert [g.customer_id for g in tech.grants] == [seed.customer_b]
        assert verify_password(tech.password_hash, "a-brand-new-password")
    assert actions(store) == [
        ("user.update", "user:tech", None),
        ("grant.add", "user:tech", seed.customer_b),
        ("grant.remove", "user:tech", seed.customer_a),
    ]
    with store.session() as s:
        detail = json.loads(
            s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "user.update")).one()
        )
    assert detail == {"changes": {"role": ["technician", "supervisor"]}, "password_changed": True}


def test_admin_cannot_lock_themselves_out(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, f"/admin/users/{seed.admin}")
    response = client.post(
        f"/admin/users/{seed.admin}", data={"role": "technician", "active": "1", "csrf_token": token}
    )
    assert response.status_code == 400
    with store.session() as s:
        assert s.get_one(User, seed.admin).role == "administrator"


def test_admin_creates_customers_and_sites(client: FlaskClient, login: LoginFn, store: Store) -> None:
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/customers")
    assert (
        client.post("/admin/customers", data={"name": "  Charlie   Cafe ", "csrf_token": token}).status_code
        == 302
    )
    duplicate = client.post("/admin/customers", data={"name": "charlie cafe", "csrf_token": token})
    assert duplicate.status_code == 400
    with store.session() as s:
        charlie = s.scalars(select(Customer).where(Customer.name == "Charlie Cafe")).one()
    site = client.post(f"/admin/customers/{charlie.id}/sites", data={"name": "Kitchen", "csrf_token": token})
    assert site.status_code == 302
    assert (
        client.post("/admin/customers/999/sites", data={"name": "X", "csrf_token": token}).status_code == 404
    )
    with store.session() as s:
        assert s.scalars(select(Site.name).where(Site.customer_id == charlie.id)).all() == ["Kitchen"]
    with store.session() as s:
        kitchen = s.scalars(select(Site.id).where(Site.customer_id == charlie.id)).one()
    assert actions(store) == [  # by number: customers and sites can be renamed
        ("customer.create", f"customer:{charlie.id}", charlie.id),
        ("site.create", f"site:{kitchen}", charlie.id),
    ]


def test_audit_log_is_scoped(client: FlaskClient, login: LoginFn, store: Store, seed: Seed) -> None:
    from collector.store.db import audit

    with store.session() as s:
        audit(s, "cli", "token.create", "token:abc", customer_id=seed.customer_a)
        audit(s, "cli", "token.create", "token:xyz", customer_id=seed.customer_b)
    login("admin", PASSWORDS["admin"])
    page = client.get("/audit").get_data(as_text=True)
    assert "token:abc" in page
    assert "token:xyz" in page
    assert "login.success" in page  # customer-less rows are for administrators
    filtered = client.get("/audit?action=token&actor=cli").get_data(as_text=True)
    assert "login.success" not in filtered
    assert "token:abc" in filtered
    assert client.get("/audit?page=abc").status_code == 200


def test_audit_log_for_a_limited_supervisor(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    from collector.store.db import audit

    with store.session() as s:
        audit(s, "cli", "token.create", "token:abc", customer_id=seed.customer_a)
        audit(s, "cli", "token.create", "token:xyz", customer_id=seed.customer_b)
        sup = s.get_one(User, seed.supervisor)
        sup.all_customers = False
        from collector.store.models import UserCustomer

        s.add(UserCustomer(user_id=sup.id, customer_id=seed.customer_a))
    login("super", PASSWORDS["super"])
    page = client.get("/audit").get_data(as_text=True)
    assert "token:abc" in page
    assert "token:xyz" not in page
    assert "login.success" not in page
