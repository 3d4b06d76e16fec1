"""Deny by default, CSRF on every form, and hardening headers on every response."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from collector.web.security import PUBLIC_ENDPOINTS

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token


def url_params(seed: Seed) -> dict[str, Any]:
    return {
        "customer_id": seed.customer_a,
        "device_id": seed.device_a,
        "user_id": seed.tech,
        "token_id": seed.token_a,
        "session_id": 1,
        **dict.fromkeys(("alert_id", "rule_id", "window_id", "contact_id"), 1),  # alerting
    }


def test_public_endpoints_are_exactly_login_static_and_health() -> None:
    # The second-factor step is public: it accepts only the pending marker of a right password.
    assert frozenset({"auth.login", "two_factor.verify", "static", "health.healthz"}) == PUBLIC_ENDPOINTS


def test_every_route_redirects_to_login_without_a_session(
    app: Flask, client: FlaskClient, seed: Seed
) -> None:
    params = url_params(seed)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        unknown = rule.arguments - params.keys()
        assert not unknown, f"{rule.rule}: add a value for {unknown} to url_params()"
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: params[k] for k in rule.arguments})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, f"{method} {url}"
            location = urlsplit(response.headers["Location"])
            assert location.path == "/login", f"{method} {url}"
            assert parse_qs(location.query)["next"] == [url]
            checked += 1
    assert checked >= 10


def test_unknown_urls_also_redirect_without_a_session(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_public_endpoints_answer_without_a_session(client: FlaskClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_data(as_text=True) == "ok"
    assert client.get("/login").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/vendor/uplot/uPlot.iife.min.js").status_code == 200


def test_post_without_csrf_token_is_rejected(client: FlaskClient, login: LoginFn) -> None:
    no_token = client.post("/login", data={"username": "tech", "password": PASSWORDS["tech"]})
    assert no_token.status_code == 400
    assert "CSRF" in no_token.get_data(as_text=True)

    login("admin", PASSWORDS["admin"])
    for path, data in [
        ("/admin/customers", {"name": "Sneaky Corp"}),
        ("/admin/users", {"username": "mallory", "password": "long-enough-pw", "role": "administrator"}),
        ("/logout", {}),
    ]:
        assert client.post(path, data=data).status_code == 400, path
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400, path
    assert "Sneaky Corp" not in client.get("/admin/customers").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/app.css", "/no-such-page"])
def test_security_headers_without_a_session(client: FlaskClient, path: str) -> None:
    assert_security_headers(client.get(path).headers)


def test_security_headers_and_no_store_on_authenticated_pages(
    client: FlaskClient, login: LoginFn, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    for path in [
        "/",
        f"/devices/{seed.device_a}",
        f"/api/devices/{seed.device_a}/series?metric=cpu&range=1h",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response.headers)
        assert response.headers["Cache-Control"] == "no-store"
    not_found = client.get("/devices/999999")
    assert not_found.status_code == 404
    assert_security_headers(not_found.headers)


def assert_security_headers(headers: object) -> None:
    from werkzeug.datastructures import Headers

    assert isinstance(headers, Headers)
    csp = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]


def test_templates_carry_no_inline_script_or_style(client: FlaskClient, login: LoginFn, seed: Seed) -> None:
    login("admin", PASSWORDS["admin"])
    for path in ["/", f"/customers/{seed.customer_a}", f"/devices/{seed.device_a}", "/admin/users", "/audit"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html
        assert "style=" not in html
        assert " on" + "click=" not in html
        for tag in html.split("<script")[1:]:
            assert tag.lstrip().startswith("src="), path


def test_csrf_token_is_tied_to_the_session(client: FlaskClient, app: Flask) -> None:
    token = csrf_token(client)
    other = app.test_client()
    response = other.post(
        "/login", data={"username": "tech", "password": PASSWORDS["tech"], "csrf_token": token}
    )
    assert response.status_code == 400
