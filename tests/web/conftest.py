"""Fixtures for the dashboard: a real SQLite store and a real DuckDB file per test.

``seed`` creates two customers (A with a site and a device, B with a device) and four
users: an administrator, a supervisor who sees every customer, a technician granted only
customer A, and an inactive technician.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from collector.enrollment import create_token
from collector.passwords import hash_password
from collector.store.db import Store
from collector.store.models import Customer, Device, Role, Site, StreamState, User, UserCustomer
from collector.tsdb.db import TimeSeriesDB
from collector.web import create_app

SECRET_KEY = "test-secret-key-not-for-production"
PASSWORDS = {
    "admin": "admin-password-1",
    "super": "super-password-1",
    "tech": "tech-password-1",
    "gone": "gone-password-1",
}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

LoginFn = Callable[[str, str], TestResponse]


@dataclass(frozen=True)
class Seed:
    customer_a: int
    customer_b: int
    site_a: int
    device_a: int
    device_b: int
    admin: int
    supervisor: int
    tech: int
    inactive: int
    token_a: int
    token_b: int


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    """argon2id is deliberately slow: hash each test password once per session."""
    return {name: hash_password(pw) for name, pw in PASSWORDS.items()}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(f"sqlite:///{tmp_path / 'eus.sqlite3'}")
    st.migrate()
    yield st
    st.dispose()


@pytest.fixture
def seed(store: Store, password_hashes: dict[str, str]) -> Seed:
    return seed_store(store, password_hashes)


def seed_store(store: Store, password_hashes: dict[str, str]) -> Seed:
    """Fill ``store`` with the customers, devices, users and tokens of :class:`Seed`."""
    now = datetime.now(UTC)
    with store.session() as s:
        a = Customer(name="Acme Dental")
        b = Customer(name="Bravo Logistics")
        s.add_all([a, b])
        s.flush()
        site = Site(customer_id=a.id, name="Main office")
        s.add(site)
        s.flush()
        dev_a = Device(
            customer_id=a.id,
            site_id=site.id,
            agent_id="agent-a-0001",
            hostname="acme-fs01",
            os="Linux",
            os_version="Debian 12",
            kernel="6.1.0-27-amd64",
            arch="x86_64",
            agent_version="0.1.0",
            cert_not_after=now + timedelta(days=300),
            last_seen=now - timedelta(seconds=5),
            last_address="10.0.0.17",
            stream_state=StreamState.ONLINE.value,
        )
        dev_b = Device(
            customer_id=b.id,
            agent_id="agent-b-0001",
            hostname="bravo-dc01",
            os="Windows",
            os_version="Server 2022",
            agent_version="0.1.0",
            last_seen=now - timedelta(hours=3),
            stream_state=StreamState.OFFLINE_UNEXPECTED.value,
        )
        s.add_all([dev_a, dev_b])
        admin = User(
            username="admin",
            password_hash=password_hashes["admin"],
            role=Role.ADMINISTRATOR.value,
            all_customers=True,
        )
        sup = User(
            username="super",
            password_hash=password_hashes["super"],
            role=Role.SUPERVISOR.value,
            all_customers=True,
        )
        tech = User(username="tech", password_hash=password_hashes["tech"], role=Role.TECHNICIAN.value)
        gone = User(
            username="gone", password_hash=password_hashes["gone"], role=Role.TECHNICIAN.value, active=False
        )
        s.add_all([admin, sup, tech, gone])
        s.flush()
        s.add_all(
            [UserCustomer(user_id=tech.id, customer_id=a.id), UserCustomer(user_id=gone.id, customer_id=a.id)]
        )
        s.flush()
        _, token_a = create_token(s, a.name, uses=1, ttl=timedelta(days=1), actor="cli")
        _, token_b = create_token(s, b.name, uses=None, ttl=timedelta(days=1), actor="cli")
        return Seed(
            a.id,
            b.id,
            site.id,
            dev_a.id,
            dev_b.id,
            admin.id,
            sup.id,
            tech.id,
            gone.id,
            token_a.id,
            token_b.id,
        )


@pytest.fixture
def app(store: Store, tsdb: TimeSeriesDB, seed: Seed) -> Flask:
    return create_app(store, tsdb, secret_key=SECRET_KEY, test_config={"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def set_role(store: Store, user_id: int, role: Role) -> None:
    """Give a seeded user another role; their customer grants stay (e.g. ``tech`` as a
    supervisor of customer A only)."""
    with store.session() as s:
        s.get_one(User, user_id).role = role.value


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token from a form on ``path`` (it is bound to the client's session)."""
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match is not None, f"no csrf_token on {path}"
    return match.group(1)


@pytest.fixture
def login(client: FlaskClient) -> LoginFn:
    """``login(username, password)`` submits the login form like a browser does."""

    def do_login(username: str, password: str) -> TestResponse:
        token = csrf_token(client)
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    return do_login
