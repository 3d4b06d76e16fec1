"""Server-side sessions, per-account and per-address throttling behind a trusted proxy,
administrators' unlock, and the second factor, through the Flask test client on a real store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from collector.signin.models import RecoveryCode, TotpCredential, WebSession
from collector.store.db import Store
from collector.store.models import AuditEntry
from collector.tsdb.db import TimeSeriesDB
from collector.web import create_app

from .conftest import PASSWORDS, SECRET_KEY, LoginFn, Seed, csrf_token

PROXY = "127.0.0.1"  # the Flask test client's peer address


def audit_rows(store: Store, action: str) -> list[AuditEntry]:
    with store.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def post(client: FlaskClient, path: str, data: dict[str, str], form_page: str = "/") -> TestResponse:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, form_page)})


def test_a_cookie_copied_before_logout_opens_nothing_afterwards(
    client: FlaskClient, login: LoginFn, store: Store
) -> None:
    login("admin", PASSWORDS["admin"])
    copied = client.get_cookie("eus_session")
    assert copied is not None
    assert post(client, "/logout", {}).status_code == 302
    client.set_cookie("eus_session", copied.value)
    for path in ("/", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with store.session() as s:
        assert s.scalars(select(WebSession.revoked_reason)).all() == ["logout"]


def test_sign_out_everywhere_ends_other_browsers(app: Flask, login: LoginFn, client: FlaskClient) -> None:
    other = app.test_client()
    token = csrf_token(other)
    other.post("/login", data={"username": "tech", "password": PASSWORDS["tech"], "csrf_token": token})
    assert other.get("/").status_code == 200
    login("tech", PASSWORDS["tech"])
    page = client.get("/account/security").get_data(as_text=True)
    assert page.count('/revoke"') == 2 and "(this session)" in page
    response = post(client, "/account/sign-out-everywhere", {}, "/account/security")
    assert response.headers["Location"] == "/login"
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 302


def test_deactivation_and_password_change_revoke_sessions_on_the_server(
    app: Flask, client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    tech = app.test_client()
    tech.post(
        "/login", data={"username": "tech", "password": PASSWORDS["tech"], "csrf_token": csrf_token(tech)}
    )
    assert tech.get("/").status_code == 200
    login("admin", PASSWORDS["admin"])
    form = {"role": "technician", "active": "1", "customers": str(seed.customer_a), "password": "pw-12345678"}
    assert post(client, f"/admin/users/{seed.tech}", form, f"/admin/users/{seed.tech}").status_code == 302
    with store.session() as s:
        reasons = s.scalars(select(WebSession.revoked_reason).where(WebSession.user_id == seed.tech)).all()
    assert reasons == ["password-changed"]
    assert tech.get("/").status_code == 302


def test_idle_and_absolute_limits_end_a_session(client: FlaskClient, login: LoginFn, store: Store) -> None:
    login("tech", PASSWORDS["tech"])
    assert client.get("/").status_code == 200
    long_ago = datetime.now(UTC) - timedelta(minutes=31)
    with store.session() as s:
        s.execute(update(WebSession).values(last_seen_at=long_ago))
    assert client.get("/").status_code == 302
    with store.session() as s:
        assert s.scalars(select(WebSession.revoked_reason)).all() == ["idle"]

    login("tech", PASSWORDS["tech"])
    with store.session() as s:
        s.execute(
            update(WebSession)
            .where(WebSession.revoked_at.is_(None))
            .values(created_at=datetime.now(UTC) - timedelta(hours=12, seconds=1))
        )
    assert client.get("/").status_code == 302


@pytest.fixture
def proxied_app(store: Store, tsdb: TimeSeriesDB, seed: Seed) -> Flask:
    return create_app(
        store, tsdb, secret_key=SECRET_KEY, test_config={"TESTING": True, "TRUSTED_PROXIES": (PROXY,)}
    )


def login_from(client: FlaskClient, address: str, username: str, password: str) -> TestResponse:
    headers = {"X-Forwarded-For": address}
    page = client.get("/login", headers=headers).get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, headers=headers
    )


def test_made_up_names_behind_the_proxy_do_not_lock_out_the_administrator(
    proxied_app: Flask, store: Store
) -> None:
    attacker, admin = proxied_app.test_client(), proxied_app.test_client()
    for i in range(25):
        login_from(attacker, "203.0.113.66", f"nobody{i}", "guess")
    held = login_from(attacker, "203.0.113.66", "admin", PASSWORDS["admin"])
    assert held.status_code == 429  # the guessing address itself waits
    response = login_from(admin, "198.51.100.10", "admin", PASSWORDS["admin"])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    success = audit_rows(store, "login.success")[-1]
    assert success.address == "198.51.100.10"  # the client, not the proxy
    lockouts = audit_rows(store, "login.lockout")
    assert [row.target for row in lockouts][:1] == ["address:203.0.113.66"]
    assert all("admin" not in row.target for row in lockouts)


def test_an_account_lockout_is_short_audited_and_an_administrator_can_lift_it(
    proxied_app: Flask, store: Store
) -> None:
    guesser, tech, admin = (proxied_app.test_client() for _ in range(3))
    for i in range(5):
        login_from(guesser, f"203.0.113.{i}", "tech", "wrong")  # spread over addresses
    assert login_from(tech, "198.51.100.20", "tech", PASSWORDS["tech"]).status_code == 429
    (lockout,) = audit_rows(store, "login.lockout")
    assert lockout.target == "account:tech"
    assert json.loads(lockout.detail)["seconds"] == 30

    assert login_from(admin, "198.51.100.30", "admin", PASSWORDS["admin"]).status_code == 302
    page = admin.get("/admin/security").get_data(as_text=True)
    assert "account" in page and ">tech<" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = admin.post(
        "/admin/security/unlock", data={"kind": "account", "key": "tech", "csrf_token": token}
    )
    assert response.status_code == 302
    (unlock,) = audit_rows(store, "login.unlock")
    assert unlock.actor == "user:admin" and unlock.target == "account:tech"
    assert login_from(tech, "198.51.100.20", "tech", PASSWORDS["tech"]).status_code == 302


def test_technicians_cannot_reach_the_security_administration(client: FlaskClient, login: LoginFn) -> None:
    login("tech", PASSWORDS["tech"])
    assert client.get("/admin/security").status_code == 403
    assert post(client, "/admin/security/unlock", {"kind": "account", "key": "x"}).status_code == 403


def enable_totp(client: FlaskClient, store: Store, user_id: int) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page
    secret = page.split('id="totp-secret">')[1].split("<")[0]
    code = pyotp.TOTP(secret).now()
    done = post(client, "/account/two-factor", {"code": code}, "/account/two-factor").get_data(as_text=True)
    codes = [part.split("</code>")[0] for part in done.split("<li><code>")[1:]]
    assert len(codes) == 10
    return secret, codes


def next_code(secret: str) -> str:
    """A code for the next time step: one the confirmation did not already spend."""
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))


def test_second_factor_is_asked_for_and_recovery_codes_work_once(
    app: Flask, client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("tech", PASSWORDS["tech"])
    secret, codes = enable_totp(client, store, seed.tech)
    with store.session() as s:
        hashes = s.scalars(select(RecoveryCode.code_hash)).all()
        assert all(h.startswith("$argon2id$") for h in hashes)
        assert s.get_one(TotpCredential, seed.tech).confirmed_at is not None
    post(client, "/logout", {})

    response = login("tech", PASSWORDS["tech"])
    assert response.headers["Location"].startswith("/login/second-factor")
    assert client.get("/").status_code == 302  # the password alone opens nothing
    with store.session() as s:
        step = s.get_one(TotpCredential, seed.tech).last_step
    for wrong in ("000000", pyotp.TOTP(secret).at(datetime.now(UTC) - timedelta(seconds=30))):
        bad = post(client, "/login/second-factor", {"code": wrong}, "/login/second-factor")
        assert bad.status_code == 200 and "not valid" in bad.get_data(as_text=True)  # wrong, or spent
    good = post(client, "/login/second-factor", {"code": next_code(secret)}, "/login/second-factor")
    assert good.status_code == 302 and client.get("/").status_code == 200
    with store.session() as s:
        assert s.get_one(TotpCredential, seed.tech).last_step > step
    post(client, "/logout", {})

    for attempt in range(2):
        login("tech", PASSWORDS["tech"])
        used = post(client, "/login/second-factor", {"code": codes[0]}, "/login/second-factor")
        assert (used.status_code == 302) is (attempt == 0)
        post(client, "/logout", {}) if attempt == 0 else None
    reasons = [json.loads(r.detail or "{}").get("factor") for r in audit_rows(store, "login.success")]
    assert reasons[-2:] == ["totp", "recovery-code"]


def test_required_second_factor_sends_users_to_set_it_up(
    app: Flask, client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    post(client, "/admin/security/require-2fa", {"require_totp": "1"}, "/admin/users")
    assert [r.action for r in audit_rows(store, "settings.require-2fa")] == ["settings.require-2fa"]
    tech = app.test_client()
    token = csrf_token(tech)
    tech.post("/login", data={"username": "tech", "password": PASSWORDS["tech"], "csrf_token": token})
    response = tech.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    enable_totp(tech, store, seed.tech)
    assert tech.get("/").status_code == 200


def test_the_second_factor_step_needs_a_fresh_right_password(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    response = client.get("/login/second-factor")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    login("tech", PASSWORDS["tech"])
    secret, _codes = enable_totp(client, store, seed.tech)
    post(client, "/logout", {})
    login("tech", PASSWORDS["tech"])
    with client.session_transaction() as sess:
        sess["pending_at"] = sess["pending_at"] - 301  # five minutes and a second ago
    late = post(client, "/login/second-factor", {"code": next_code(secret)}, "/login")
    assert late.status_code == 302 and late.headers["Location"].startswith("/login")
    assert client.get("/").status_code == 302


def test_deactivation_revokes_the_users_sessions(
    app: Flask, client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    sup = app.test_client()
    token = csrf_token(sup)
    sup.post("/login", data={"username": "super", "password": PASSWORDS["super"], "csrf_token": token})
    assert sup.get("/").status_code == 200
    login("admin", PASSWORDS["admin"])
    form = {"role": "supervisor", "all_customers": "1"}  # "active" left unticked
    path = f"/admin/users/{seed.supervisor}"
    assert post(client, path, form, path).status_code == 302
    with store.session() as s:
        mine = WebSession.user_id == seed.supervisor
        reasons = s.scalars(select(WebSession.revoked_reason).where(mine)).all()
    assert reasons == ["deactivated"]
    assert sup.get("/").status_code == 302


def test_settings_reach_the_app_from_the_collector_configuration(
    store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    from collector.config import load
    from collector.web.auditing import TRUSTED_PROXIES_KEY
    from collector.web.settings import from_config

    env = {
        "EUS_WEB_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16",
        "EUS_WEB_SESSION_IDLE_MINUTES": "5",
        "EUS_WEB_SESSION_MAX_HOURS": "2",
        "EUS_HELPDESK_ACCEPTANCE_DAYS": "3",
    }
    app = create_app(store, tsdb, secret_key=SECRET_KEY, settings=from_config(load(env=env)))
    assert [str(n) for n in app.extensions[TRUSTED_PROXIES_KEY]] == ["10.0.0.1/32", "10.1.0.0/16"]
    assert app.config["SESSION_IDLE_TIMEOUT_S"] == 300
    assert app.permanent_session_lifetime == timedelta(hours=2)
    assert app.config["HELPDESK_ACCEPTANCE_DAYS"] == 3  # the acceptance link's lifetime
    bad = load(env={"EUS_WEB_TRUSTED_PROXIES": "proxy.example"})
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6"):
        create_app(store, tsdb, secret_key=SECRET_KEY, settings=from_config(bad))
