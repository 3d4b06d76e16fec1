"""Bulk "assign functions" on the fleet's device list: one spec, filled in once, added to every
ticked device the user may see (audited per device, pushed to the live agent), a device that
already has that id skipped and named, another customer's device untouched, and a refused spec
shown again as typed with the reason. In Chromium too, as a supervisor clicks it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from collector_functions.live import RecordingStream
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, serve, signed_in_page

from collector.functions.models import FunctionSpecRow
from collector.store.db import Store
from collector.store.models import AuditEntry, Device, Role

from .agent_stream import connect
from .conftest import PASSWORDS, LoginFn, Seed, csrf_token, set_role

ARTIFACTS = Path("/tmp/eus-artifacts")
SPEC = {"kind": "tcp", "name": "Database port", "interval": "30", "params": "host=127.0.0.1\nport=5432"}


@pytest.fixture
def stream(app: Flask, seed: Seed, store: Store) -> RecordingStream:
    """Device A's agent connected; the others are not."""
    return connect(app, store, seed.device_a)


@pytest.fixture
def second(store: Store, seed: Seed) -> int:
    """A second device of customer A that already has a function with the spec's id."""
    with store.session() as s:
        dev = Device(customer_id=seed.customer_a, agent_id="agent-a-0002", hostname="acme-ws07")
        s.add(dev)
        s.flush()
        s.add(
            FunctionSpecRow(
                customer_id=seed.customer_a,
                device_id=dev.id,
                spec_id="tcp:database-port",
                kind="tcp",
                name="Old DB check",
                params={"host": "db", "port": "5432"},
                created_by="user:super",
            )
        )
        return dev.id


def specs(store: Store) -> list[tuple[int, str, str]]:
    with store.session() as s:
        rows = s.scalars(select(FunctionSpecRow).order_by(FunctionSpecRow.device_id))
        return [(r.device_id, r.spec_id, r.name) for r in rows]


def test_one_spec_reaches_every_ticked_device_one_may_see(  # noqa: PLR0917 - fixtures
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, stream: RecordingStream, second: int
) -> None:
    set_role(store, seed.tech, Role.SUPERVISOR)  # configuring devices; customer A only
    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, "/")
    ticked = {"device_id": [str(seed.device_a), str(second), str(seed.device_b)], "csrf_token": token}
    form = client.get("/").get_data(as_text=True)
    assert 'id="assign-functions"' in form
    page = client.post("/fleet/functions/new", data=ticked).get_data(as_text=True)
    assert "acme-fs01" in page and "acme-ws07" in page and "bravo-dc01" not in page

    refused = client.post("/fleet/functions", data={**ticked, **SPEC, "params": "host=127.0.0.1"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "kind tcp needs the parameter(s): port" in text
    assert 'value="Database port"' in text and "host=127.0.0.1</textarea>" in text  # kept as typed
    assert 'value="30"' in text and f'value="{second}"' in text
    assert stream.sent == []

    done = client.post("/fleet/functions", data={**ticked, **SPEC}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "added to 1 device(s); sent to 1 connected agent(s)" in text
    taken = "this device already has a function with id &#39;tcp:database-port&#39;"
    assert f"acme-ws07: not added — {taken}" in text
    assert specs(store) == [
        (seed.device_a, "tcp:database-port", "Database port"),
        (second, "tcp:database-port", "Old DB check"),  # left as it was
    ]
    [pushed] = stream.sent
    assert [(f.id, f.kind) for f in pushed.config.functions] == [("tcp:database-port", "tcp")]
    with store.session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "function.add")).all()
        assert [(a.actor, a.target, a.customer_id) for a in audit] == [
            ("user:tech", f"device:{seed.device_a}", seed.customer_a)
        ]


def test_a_technician_cannot_assign_functions(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, "/")
    assert 'id="assign-functions"' not in client.get("/").get_data(as_text=True)
    data = {"device_id": str(seed.device_a), "csrf_token": token, **SPEC}
    assert client.post("/fleet/functions", data=data).status_code == 403
    assert specs(store) == []


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


@pytest.mark.browser
def test_a_supervisor_ticks_devices_and_assigns_a_service_check(
    live_server: str, store: Store, seed: Seed, second: int
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make test installs Debian's chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            page = signed_in_page(browser, live_server, "super", PASSWORDS["super"])
            page.goto(f"{live_server}/")
            for dev in (seed.device_a, second):
                page.locator(f"tr[data-device='{dev}'] input[type=checkbox]").check()
            page.locator("#assign-functions").click()
            page.wait_for_url(f"{live_server}/fleet/functions/new")
            assert page.locator("#assign-devices li").count() == 2
            page.select_option("select[name=kind]", "systemd")
            page.fill("input[name=name]", "nginx")
            page.get_by_role("button", name="Assign to 2 devices").click()  # no unit: refused
            refused = page.locator(".flash-error")
            refused.wait_for()
            assert "kind systemd needs the parameter(s): unit" in refused.inner_text()
            assert page.input_value("input[name=name]") == "nginx"
            page.fill("textarea[name=params]", "unit=nginx.service")
            page.screenshot(path=str(ARTIFACTS / "fleet-assign-function.png"), full_page=True)
            page.get_by_role("button", name="Assign to 2 devices").click()
            page.wait_for_url(lambda url: "/fleet/" not in url)
            assert "added to 2 device(s)" in page.locator(".flash-info").inner_text()
            page.goto(f"{live_server}/devices/{second}/functions")
            assert "nginx.service" in page.inner_text("#central")
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()
    added = {(d, i) for d, i, _ in specs(store)}
    assert {(seed.device_a, "systemd:nginx"), (second, "systemd:nginx")} <= added
