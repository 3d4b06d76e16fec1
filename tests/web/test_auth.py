"""Login, logout, sessions and the audit rows they leave."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.store.db import Store
from collector.store.models import AuditEntry, User
from collector.tsdb.db import TimeSeriesDB
from collector.web import create_app

from .conftest import PASSWORDS, SECRET_KEY, LoginFn, Seed, csrf_token


def audit_rows(store: Store, action_prefix: str = "") -> list[AuditEntry]:
    with store.session() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(AuditEntry.action.startswith(action_prefix)).order_by(AuditEntry.id)
            ).all()
        )


def test_login_success_is_audited_and_lands_on_the_dashboard(
    client: FlaskClient, login: LoginFn, store: Store
) -> None:
    response = login("tech", PASSWORDS["tech"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200

    rows = audit_rows(store, "login.")
    assert [(r.action, r.actor, r.address) for r in rows] == [("login.success", "user:tech", "127.0.0.1")]


def test_login_failures_are_audited_without_the_password(
    client: FlaskClient, login: LoginFn, store: Store
) -> None:
    bad = login("tech", "wrong-password-123")
    assert bad.status_code == 200
    assert "Invalid username or password." in bad.get_data(as_text=True)
    login("nobody", "another-secret-456")
    login("gone", PASSWORDS["gone"])  # right password, inactive user

    rows = audit_rows(store, "login.")
    assert [(r.action, r.actor, json.loads(r.detail)["reason"]) for r in rows] == [
        ("login.failure", "user:tech", "bad-password"),
        ("login.failure", "user:nobody", "unknown-user"),
        ("login.failure", "user:gone", "inactive"),
    ]
    assert all(r.address == "127.0.0.1" for r in rows)
    everything = " ".join(f"{r.actor} {r.target} {r.detail}" for r in audit_rows(store))
    for secret in ("wrong-password-123", "another-secret-456", PASSWORDS["gone"]):
        assert secret not in everything
    assert client.get("/").status_code == 302  # still not logged in


def test_login_redirects_to_a_safe_next_only(app: Flask, client: FlaskClient, seed: Seed) -> None:
    target = f"/customers/{seed.customer_a}"
    first = client.get(target)
    assert first.status_code == 302
    assert first.headers["Location"] == f"/login?next=/customers/{seed.customer_a}"

    for next_url, expected in [(target, target), ("//evil.example/x", "/"), ("https://evil.example/", "/")]:
        fresh = app.test_client()
        token = csrf_token(fresh)
        response = fresh.post(
            "/login",
            data={"username": "tech", "password": PASSWORDS["tech"], "csrf_token": token, "next": next_url},
        )
        assert response.headers["Location"] == expected


def test_login_clears_the_session_against_fixation(client: FlaskClient, login: LoginFn) -> None:
    with client.session_transaction() as sess:
        sess["planted"] = "by-an-attacker"
    login("tech", PASSWORDS["tech"])
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert isinstance(sess["sid"], str) and len(sess["sid"]) >= 43  # a random id, not the user's
        assert "uid" not in sess


def test_session_cookie_flags(app: Flask, login: LoginFn, client: FlaskClient) -> None:
    login("tech", PASSWORDS["tech"])
    cookie = client.get_cookie("eus_session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure  # plain HTTP unless the operator says otherwise


def test_session_cookie_secure_is_configurable(store: Store, tsdb: TimeSeriesDB, seed: Seed) -> None:
    app = create_app(store, tsdb, secret_key=SECRET_KEY, test_config={"SESSION_COOKIE_SECURE": True})
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    assert "Secure" in page.headers["Set-Cookie"]
    assert "HttpOnly" in page.headers["Set-Cookie"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_create_app_refuses_a_missing_secret_key(store: Store, tsdb: TimeSeriesDB) -> None:
    import pytest

    with pytest.raises(ValueError, match="secret_key"):
        create_app(store, tsdb, secret_key="")


def test_logout_is_post_only_and_ends_the_session(client: FlaskClient, login: LoginFn, store: Store) -> None:
    login("tech", PASSWORDS["tech"])
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert [r.action for r in audit_rows(store, "logout")] == ["logout"]


def test_deactivating_or_changing_the_password_ends_sessions(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("tech", PASSWORDS["tech"])
    assert client.get("/").status_code == 200
    with store.session() as s:
        s.get_one(User, seed.tech).password_hash = "$argon2id$v=19$m=65536,t=3,p=4$changed"
    assert client.get("/").status_code == 302

    login("super", PASSWORDS["super"])
    assert client.get("/").status_code == 200
    with store.session() as s:
        s.get_one(User, seed.supervisor).active = False
    assert client.get("/").status_code == 302


def test_repeated_failures_are_throttled(client: FlaskClient, login: LoginFn, store: Store) -> None:
    for _ in range(5):
        assert login("tech", "not-the-password").status_code == 200
    throttled = login("tech", PASSWORDS["tech"])  # even the right password waits
    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.get_data(as_text=True)
    reasons = [json.loads(r.detail)["reason"] for r in audit_rows(store, "login.failure")]
    assert reasons == ["bad-password"] * 5 + ["throttled"]
    # Another user from the same address is not yet held back.
    assert login("super", PASSWORDS["super"]).status_code == 302


def test_a_request_that_leaves_the_session_alone_sends_no_cookie(
    client: FlaskClient, login: LoginFn, seed: Seed
) -> None:
    """A background fetch (a rule form's preview, a live list) must not put back an older cookie
    after a form's POST has set a newer one with its flash message."""
    login("tech", PASSWORDS["tech"])
    client.get("/")  # the session's CSRF token is made here, once
    background = client.get(f"/api/devices/{seed.device_a}/series?panel=cpu&range=1h")
    assert background.status_code == 200
    assert "Set-Cookie" not in background.headers
    token = csrf_token(client, "/alerting/rules")
    changed = client.post("/logout", data={"csrf_token": token})
    assert "Set-Cookie" in changed.headers  # a change to the session still reaches the browser
