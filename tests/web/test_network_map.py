"""The Network page's map: a gateway, the SNMP devices it polls and the LLDP link between two
of them, from the gateway really polling snmpsim's recordings of two neighbouring switches
(HPE ProCurve and Cisco Nexus 5000); what it reported is stored as the collector stores it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from agent_snmp.conftest import snmpsim  # noqa: F401 - provides the ``snmpsim`` fixture
from agent_snmp.harness import Harness, v2c
from agent_snmp.peers import Snmpsim
from flask import Flask
from flask.testing import FlaskClient
from support.browser import CHROMIUM, CHROMIUM_ARGS, serve, signed_in_page

from collector.snmp.network import SNMP_KINDS
from collector.store.db import Store
from collector.store.models import Device, StreamState
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token
from .snmp_seed import (
    DuckSeed,
    Snmp,
    snmp_fixture,  # noqa: F401 - provides the ``snmp`` fixture
)

ARTIFACTS = Path("/tmp/eus-artifacts")
SWITCHES = {"ProCurve": "hpe-procurve", "Nexus": "cisco-n5000"}


def _add(client: FlaskClient, seed: Seed, name: str, host: str) -> int:
    page = f"/customers/{seed.customer_a}/snmp/new"
    form = {
        "name": name,
        "host": host,
        "gateway_device_id": str(seed.device_a),
        "site_id": str(seed.site_a),
        "version": "3",
        "user": "monuser",
        "auth_protocol": "SHA-256",
        "auth_key": "auth-key-4f1c9",
        "priv_protocol": "AES-256",
        "priv_key": "priv-key-8d2e7",
        "csrf_token": csrf_token(client, page),
    }
    response = client.post(page, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/snmp/(\d+)$", response.headers["Location"])
    assert match is not None
    return int(match.group(1))


@pytest.fixture
def polled_network(  # noqa: PLR0917 - fixtures
    client: FlaskClient,
    login: LoginFn,
    store: Store,
    tsdb: TimeSeriesDB,
    seed: Seed,
    snmp: Snmp,
    snmpsim: Snmpsim,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> dict[str, int]:
    login("super", PASSWORDS["super"])
    ids = {name: _add(client, seed, name, f"10.0.0.{n}") for n, name in enumerate(SWITCHES, 2)}
    targets = [
        v2c(f"snmp-{ids[name]}", snmpsim.port, community, interval_s=3600, timeout_s=5)
        for name, community in SWITCHES.items()
    ]
    h = Harness(tmp_path / "gateway", {"targets": targets}).start()
    try:
        for device_id in ids.values():
            h.wait_polls(f"snmp-{device_id}:reachability", 1, 120)
        h.stop()
        duck = DuckSeed(tsdb.cursor())
        for device_id in ids.values():
            subject = f"snmp-{device_id}"
            for kind in SNMP_KINDS:
                for key, attrs in h.items(subject, kind).items():
                    duck.item(seed.device_a, subject, kind, key, **attrs)
            for result in h.functions(f"{subject}:reachability")[-1:]:
                duck.function(
                    seed.device_a,
                    subject,
                    result.id,
                    kind=result.kind,
                    status=result.status,
                    message=result.message,
                )
    finally:
        h.close()
    with store.session() as s:
        s.get_one(Device, seed.device_a).stream_state = StreamState.ONLINE.value
    return ids


def test_the_map_draws_the_gateway_its_devices_and_the_lldp_link(
    client: FlaskClient, polled_network: dict[str, int], seed: Seed
) -> None:
    page = client.get(f"/customers/{seed.customer_a}/network/map").get_data(as_text=True)
    found = re.findall(r'<g class="node node-(\w+) status-\w+" data-node="([^"]+)"', page)
    roles = {node: role for role, node in found}
    assert roles[f"agent-{seed.device_a}"] == "gateway"
    assert roles[f"net-{polled_network['ProCurve']}"] == "snmp"
    assert roles[f"net-{polled_network['Nexus']}"] == "snmp"
    statuses = dict(re.findall(r'status-(\w+)" data-node="(net-\d+)"', page))
    assert set(statuses) == {"ok"}, "both switches answered the gateway"
    assert page.count('class="edge edge-polls"') == 2
    procurve, nexus = f"net-{polled_network['ProCurve']}", f"net-{polled_network['Nexus']}"
    lldp = {
        frozenset(ends.split()) for ends in re.findall(r'<g class="edge edge-lldp" data-ends="([^"]+)"', page)
    }
    assert frozenset({procurve, nexus}) in lldp, "the cable between the two switches is drawn"
    assert len(lldp) > 1, "their other neighbours are drawn too, as unmonitored nodes"
    assert "acme-fs01" in page and "ProCurve" in page and "Nexus" in page


@pytest.mark.browser
def test_the_map_in_chromium(app: Flask, polled_network: dict[str, int], seed: Seed) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(app) as url, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = signed_in_page(browser, url, "super", PASSWORDS["super"])
            page.goto(f"{url}/customers/{seed.customer_a}/network")
            page.click("text=Show as a map")
            page.wait_for_selector("#network-map .edge-lldp")
            assert page.locator("#network-map .node-snmp").count() == 2
            page.screenshot(path=str(ARTIFACTS / "network-map.png"), full_page=True)
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()
