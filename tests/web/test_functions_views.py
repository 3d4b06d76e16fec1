"""Function pages: state, message and last change; history; central functions added and
removed (audited, CSRF-protected, pushed to the agent); tenant scope."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from collector_functions.live import RecordingStream
from collector_functions.results import add_result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.functions.models import FunctionSpecRow
from collector.store.db import Store
from collector.store.models import AuditEntry, Role
from collector.tsdb.db import TimeSeriesDB

from .agent_stream import connect
from .conftest import PASSWORDS, LoginFn, Seed, csrf_token, set_role


@pytest.fixture
def results(tsdb: TimeSeriesDB, seed: Seed) -> datetime:
    now = datetime.now(UTC).replace(tzinfo=None)
    for minutes, status, message in [
        (30, 1, "connected in 2 ms"),
        (20, 3, "connection refused"),
        (10, 3, "connection refused"),
    ]:
        add_result(
            tsdb,
            seed.device_a,
            "tcp:postgres",
            status,
            now - timedelta(minutes=minutes),
            name="Postgres",
            message=message,
        )
    add_result(
        tsdb,
        seed.device_a,
        "http:portal",
        1,
        now - timedelta(minutes=5),
        kind="http",
        name="Portal",
        message="HTTP 200 in 0.05 s",
    )
    add_result(
        tsdb, seed.device_b, "tcp:secret", 1, now - timedelta(minutes=5), name="Bravo secret", message="bravo"
    )
    return now - timedelta(minutes=20)


@pytest.fixture
def stream(app: Flask, seed: Seed, store: Store) -> RecordingStream:
    return connect(app, store, seed.device_a)


def test_function_states_and_history(
    client: FlaskClient, login: LoginFn, seed: Seed, results: datetime
) -> None:
    login("tech", PASSWORDS["tech"])
    page = client.get(f"/devices/{seed.device_a}/functions").get_data(as_text=True)
    states = page[page.index('id="states"') : page.index('id="central"')]
    assert states.index("Postgres") < states.index("Portal")  # worst first
    assert "CRITICAL" in states and "connection refused" in states
    assert "OK" in states and "HTTP 200 in 0.05 s" in states
    assert results.strftime("%Y-%m-%d %H:%M:%S UTC") in states  # the last change: critical since then
    assert "Bravo secret" not in page

    history = client.get(f"/devices/{seed.device_a}/functions/history?id=tcp:postgres").get_data(as_text=True)
    assert history.count("connection refused") == 2
    assert "connected in 2 ms" in history
    changes = client.get(f"/devices/{seed.device_a}/functions/history?id=tcp:postgres&changes=1").get_data(
        as_text=True
    )
    assert changes.count("connection refused") == 1
    assert client.get(f"/devices/{seed.device_a}/functions/history").status_code == 400

    api = client.get(f"/api/devices/{seed.device_a}/functions").get_json()
    assert [(f["id"], f["status"]) for f in api["functions"]] == [
        ("tcp:postgres", "critical"),
        ("http:portal", "ok"),
    ]
    assert api["functions"][0]["since_exact"] is True


def test_other_tenants_functions_are_404(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store, results: datetime
) -> None:
    set_role(store, seed.tech, Role.SUPERVISOR)  # may configure devices, of customer A only
    login("tech", PASSWORDS["tech"])
    for path in [
        f"/devices/{seed.device_b}/functions",
        f"/devices/{seed.device_b}/functions/history?id=tcp:secret",
        f"/api/devices/{seed.device_b}/functions",
    ]:
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, f"/devices/{seed.device_a}/functions")
    form = {"csrf_token": token, "kind": "tcp", "name": "x", "params": "host=a\nport=1"}
    assert client.post(f"/devices/{seed.device_b}/functions", data=form).status_code == 404
    assert (
        client.post(
            f"/devices/{seed.device_b}/functions/remove", data={"csrf_token": token, "spec": "1"}
        ).status_code
        == 404
    )


@pytest.mark.usefixtures("results")
def test_add_and_remove_central_function(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store, stream: RecordingStream
) -> None:
    set_role(store, seed.tech, Role.SUPERVISOR)  # configuring devices is for supervisors
    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, f"/devices/{seed.device_a}/functions")
    form = {
        "csrf_token": token,
        "kind": "http",
        "name": "Intranet",
        "interval": "30",
        "params": "url=https://intranet.example/health\nexpect_status=200",
    }
    without_csrf = {k: v for k, v in form.items() if k != "csrf_token"}
    assert client.post(f"/devices/{seed.device_a}/functions", data=without_csrf).status_code == 400
    assert stream.sent == []

    response = client.post(f"/devices/{seed.device_a}/functions", data=form)
    assert response.status_code == 302
    [pushed] = stream.sent
    [spec] = pushed.config.functions
    assert (spec.id, spec.kind, spec.interval_s, spec.params["url"]) == (
        "http:intranet",
        "http",
        30.0,
        "https://intranet.example/health",
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Function Intranet (http:intranet) added; sent to the agent." in page
    central = page[page.index('id="central"') : page.index('id="add"')]
    assert "http:intranet" in central and "no result yet" in central

    # Bad input: a specific error, the form as entered, nothing stored or pushed.
    bad = client.post(
        f"/devices/{seed.device_a}/functions",
        data={**form, "name": "Second", "interval": "2", "params": "url=x"},
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "interval must be between 5 and 86400 seconds" in text
    assert 'value="Second"' in text
    dup = client.post(f"/devices/{seed.device_a}/functions", data=form)
    assert "already has a function with id &#39;http:intranet&#39;" in dup.get_data(as_text=True)
    assert len(stream.sent) == 1

    with store.session() as s:
        row = s.scalars(select(FunctionSpecRow)).one()
        assert (row.device_id, row.customer_id, row.created_by) == (
            seed.device_a,
            seed.customer_a,
            "user:tech",
        )
        row_id = row.id
    assert (
        client.post(
            f"/devices/{seed.device_a}/functions/remove", data={"csrf_token": token, "spec": "999"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/devices/{seed.device_a}/functions/remove", data={"csrf_token": token, "spec": "x"}
        ).status_code
        == 404
    )
    response = client.post(
        f"/devices/{seed.device_a}/functions/remove", data={"csrf_token": token, "spec": str(row_id)}
    )
    assert response.status_code == 302
    assert list(stream.sent[-1].config.functions) == []  # the pushed set is now empty
    with store.session() as s:
        assert s.scalars(select(FunctionSpecRow)).all() == []
        audit = s.scalars(
            select(AuditEntry).where(AuditEntry.action.like("function.%")).order_by(AuditEntry.id)
        ).all()
    assert [(a.action, a.actor, a.customer_id) for a in audit] == [
        ("function.add", "user:tech", seed.customer_a),
        ("function.remove", "user:tech", seed.customer_a),
    ]
    assert "intranet.example" not in audit[0].detail  # parameter values stay out of the log
    assert json.loads(audit[0].detail)["params"] == ["expect_status", "url"]


@pytest.mark.usefixtures("results")
def test_a_technician_sees_functions_but_may_not_change_them(
    client: FlaskClient, login: LoginFn, seed: Seed, store: Store, stream: RecordingStream
) -> None:
    login("super", PASSWORDS["super"])
    token = csrf_token(client, f"/devices/{seed.device_a}/functions")
    form = {"csrf_token": token, "kind": "tcp", "name": "Postgres", "params": "host=db\nport=5432"}
    assert client.post(f"/devices/{seed.device_a}/functions", data=form).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login("tech", PASSWORDS["tech"])
    page = client.get(f"/devices/{seed.device_a}/functions").get_data(as_text=True)
    assert "tcp:postgres" in page
    assert 'id="add"' not in page and "Remove</button>" not in page
    token = csrf_token(client, "/alerting/me")
    with store.session() as s:
        spec_id = s.scalars(select(FunctionSpecRow.id)).one()
    assert (
        client.post(f"/devices/{seed.device_a}/functions", data={**form, "csrf_token": token}).status_code
        == 403
    )
    removal = {"csrf_token": token, "spec": str(spec_id)}
    assert client.post(f"/devices/{seed.device_a}/functions/remove", data=removal).status_code == 403
    assert len(stream.sent) == 1
    with store.session() as s:
        assert len(s.scalars(select(FunctionSpecRow)).all()) == 1
