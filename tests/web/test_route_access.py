"""One capability model on every route: each endpoint of the real app's ``url_map`` declares
a capability or "public", and the declaration is what the app enforces at runtime.

The routes are read from an app built by ``create_app`` when the module is collected, so
a new route is checked without anyone adding it to a list.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from collector.store.db import Store
from collector.store.models import Role
from collector.tsdb.db import TimeSeriesDB
from collector.web import create_app
from collector.web.permissions import (
    PUBLIC,
    ROLE_CAPABILITIES,
    Access,
    Capability,
    access_of,
    public,
    require,
)

from .conftest import PASSWORDS, SECRET_KEY, Seed, seed_store

EXPECTED_PUBLIC = {
    "auth.login",
    "auth.logout",
    "two_factor.verify",
    "health.healthz",
    "static",
    "acceptance.answer",
}


def _route_table() -> list[tuple[str, str, str, Access | None]]:
    """(endpoint, rule, method, declared access) for every route of a real app."""
    store, tsdb = Store("sqlite://"), TimeSeriesDB(":memory:")
    try:
        app = create_app(store, tsdb, secret_key=SECRET_KEY)
        return [
            (rule.endpoint, rule.rule, method, access_of(app.view_functions[rule.endpoint]))
            for rule in app.url_map.iter_rules()
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        ]
    finally:
        tsdb.close()
        store.dispose()


ROUTES = _route_table()
GUARDED = [
    pytest.param(endpoint, method, access, id=f"{method} {rule}")
    for endpoint, rule, method, access in ROUTES
    if access is not PUBLIC  # an undeclared route (None) is checked too, and fails
]


def url_params(seed: Seed) -> dict[str, Any]:
    return {
        "customer_id": seed.customer_a,
        "device_id": seed.device_a,
        "user_id": seed.tech,
        "token_id": seed.token_a,
        **dict.fromkeys(("alert_id", "rule_id", "window_id", "contact_id"), 1),  # alerting
        "number": 1,  # a ticket
        "attachment_id": 1,
        "override_id": 1,
        "session_id": 1,  # a sign-in session
        "restriction_id": 1,  # a hidden customer (restrict access)
        "block_id": 1,  # a blocked category (restrict access)
        "token": "not-a-signed-link",  # the acceptance link (public)
        "article_id": 1,  # a knowledge-base article (shipped)
        "version": 1,
        "function_id": "fn-1",  # a function of device_a (resolve, manage)
    }


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory, password_hashes: dict[str, str]
) -> Iterator[tuple[Flask, Seed]]:
    """One app for the module (the requests here change nothing that another checks).

    CSRF is off so that a POST reaches the capability check; CSRF has its own tests.
    """
    tmp: Path = tmp_path_factory.mktemp("routes")
    store = Store(f"sqlite:///{tmp / 'eus.sqlite3'}")
    store.migrate()
    tsdb = TimeSeriesDB(tmp / "metrics.duckdb")
    seed = seed_store(store, password_hashes)
    app = create_app(
        store, tsdb, secret_key=SECRET_KEY, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    yield app, seed
    tsdb.close()
    store.dispose()


def _url(app: Flask, seed: Seed, endpoint: str) -> str:
    params = url_params(seed)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    unknown = rule.arguments - params.keys()
    assert not unknown, f"{rule.rule}: add a value for {unknown} to url_params()"
    with app.test_request_context():
        return url_for(endpoint, **{k: params[k] for k in rule.arguments})


def _technician_with(
    app: Flask, monkeypatch: pytest.MonkeyPatch, capabilities: frozenset[Capability]
) -> FlaskClient:
    """A client signed in as ``tech`` (granted customer A), whose role now grants ``capabilities``."""
    client = app.test_client()
    response = client.post("/login", data={"username": "tech", "password": PASSWORDS["tech"]})
    assert response.status_code == 302, "login failed"
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.TECHNICIAN, capabilities)
    return client


def test_every_route_declares_a_capability_or_public() -> None:
    undeclared = [
        f"{method} {rule} ({endpoint})" for endpoint, rule, method, access in ROUTES if access is None
    ]
    assert not undeclared, "routes without @require(...) or @public: " + ", ".join(undeclared)
    assert {"static", "auth.login", "dashboard.index", "alerting.alerts"} <= {e for e, *_ in ROUTES}


def test_public_routes_are_exactly_login_logout_health_static_and_the_acceptance_link() -> None:
    assert {endpoint for endpoint, _, _, access in ROUTES if access is PUBLIC} == EXPECTED_PUBLIC


def test_a_view_declares_one_thing_only() -> None:
    def view() -> str:
        return ""

    with pytest.raises(TypeError, match="declares"):
        require(Capability.VIEW_DASHBOARD)(public(view))
    with pytest.raises(TypeError, match="declares"):
        public(require(Capability.VIEW_DASHBOARD)(view))
    with pytest.raises(TypeError, match="declares"):
        require(Capability.VIEW_AUDIT)(require(Capability.VIEW_DASHBOARD)(view))


@pytest.mark.parametrize(("endpoint", "method", "capability"), GUARDED)
def test_without_a_session_every_guarded_route_redirects_to_login(
    shared: tuple[Flask, Seed], endpoint: str, method: str, capability: Capability | None
) -> None:
    app, seed = shared
    url = _url(app, seed, endpoint)
    response = app.test_client().open(url, method=method)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [url]


@pytest.mark.parametrize(("endpoint", "method", "capability"), GUARDED)
def test_a_user_lacking_the_routes_capability_gets_403(
    shared: tuple[Flask, Seed],
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
    method: str,
    capability: Capability | None,
) -> None:
    """The technician (granted customer A, whose objects the URL names) with every
    capability but the route's own: refused, before the view reads anything."""
    app, seed = shared
    client = _technician_with(app, monkeypatch, frozenset(Capability) - {capability})
    assert client.open(_url(app, seed, endpoint), method=method).status_code == 403


@pytest.mark.parametrize(("endpoint", "method", "capability"), GUARDED)
def test_with_every_capability_no_route_answers_403(
    shared: tuple[Flask, Seed],
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
    method: str,
    capability: Capability | None,
) -> None:
    """No view checks a role behind its capability's back: a technician with every
    capability is refused nothing on the customer they see (forms may still be invalid)."""
    app, seed = shared
    client = _technician_with(app, monkeypatch, frozenset(Capability))
    response = client.open(_url(app, seed, endpoint), method=method)
    assert response.status_code != 403
    assert response.status_code < 500 or response.status_code == 503  # 503: no SNMP gateway in tests


def test_the_role_table() -> None:
    """What each role may do: technicians look, handle alerts and work tickets; supervisors
    also configure devices, edit alerting, run the helpdesk's settings, enroll and read the
    audit; administrators also manage users and customers and edit global rules."""
    c = Capability
    technician = {
        c.VIEW_DASHBOARD,
        c.HANDLE_ALERTS,
        c.COMMAND_AGENTS,
        c.NAME_DEVICES,
        c.EDIT_OWN_CHANNELS,
        c.MANAGE_OWN_ACCOUNT,
        c.WORK_TICKETS,
    }
    supervisor = technician | {
        c.VIEW_AUDIT,
        c.ENROLL_DEVICES,
        c.CONFIGURE_DEVICES,
        c.EDIT_ALERTING,
        c.MANAGE_HELPDESK,
        c.EDIT_KNOWLEDGE_BASE,
    }
    administrator = supervisor | {c.MANAGE_USERS, c.MANAGE_CUSTOMERS, c.EDIT_GLOBAL_RULES}
    assert dict(ROLE_CAPABILITIES) == {
        Role.TECHNICIAN: technician,
        Role.SUPERVISOR: supervisor,
        Role.ADMINISTRATOR: administrator,
    }
    assert administrator == set(Capability)  # nothing declared that no role has
