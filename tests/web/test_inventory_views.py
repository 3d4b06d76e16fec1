"""Inventory pages: hardware, software search, change history, "Collect inventory now",
the JSON API and the fleet-wide software search; all tenant-scoped."""

from __future__ import annotations

import json
import re

import pytest
from collector_functions.live import RecordingStream
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.rpc.agent_config import AgentConfigs
from collector.rpc.live import LiveStreams
from collector.store.db import Store
from collector.store.models import AuditEntry
from collector.tsdb.db import TimeSeriesDB
from collector.tsdb.inventory.store import write_reports
from collector.web import functions_views, inventory_views
from eus.v1 import eus_pb2

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token

T0 = 1_790_000_000_000


class Batch:
    def __init__(self, device_id: int, seq: int, *reports: eus_pb2.InventoryReport) -> None:
        self.device_id, self.epoch, self.seq, self.inventory = device_id, 1, seq, list(reports)


def pkg(name: str, version: str) -> eus_pb2.InventoryItem:
    return eus_pb2.InventoryItem(
        kind="package", key=name, attrs={"version": version, "source": "dpkg", "arch": "amd64"}
    )


def seed_inventory(tsdb: TimeSeriesDB, seed: Seed) -> None:
    host = [
        eus_pb2.InventoryItem(kind="system", key="system", attrs={"vendor": "ACME", "serial": "SYS-A1"}),
        eus_pb2.InventoryItem(kind="disk", key="sda", attrs={"model": "SafeDisk 2000", "serial": "D1"}),
        pkg("openssl", "3.0.11-1~deb12u2"),
        pkg("bash", "5.2.15-2+b2"),
        pkg("curl", "7.88.1-10+deb12u5"),
    ]
    cur = tsdb.cursor()
    cur.execute("BEGIN TRANSACTION")
    write_reports(
        cur,
        [
            Batch(seed.device_a, 1, eus_pb2.InventoryReport(full=True, ts_ms=T0, upserts=host)),
            Batch(
                seed.device_b,
                1,
                eus_pb2.InventoryReport(full=True, ts_ms=T0, upserts=[pkg("openssl", "1.1.1w")]),
            ),
            Batch(
                seed.device_a,
                2,
                eus_pb2.InventoryReport(
                    ts_ms=T0 + 60_000,
                    upserts=[pkg("jq", "1.6-2.1")],
                    removals=[eus_pb2.InventoryKey(kind="package", key="curl")],
                ),
            ),
        ],
    )
    cur.execute("COMMIT")


def test_device_inventory_page(client: FlaskClient, login: LoginFn, seed: Seed, tsdb: TimeSeriesDB) -> None:
    seed_inventory(tsdb, seed)
    login("tech", PASSWORDS["tech"])
    device_page = client.get(f"/devices/{seed.device_a}").get_data(as_text=True)
    assert f"/devices/{seed.device_a}/inventory" in device_page
    assert f"/devices/{seed.device_a}/functions" in device_page

    page = client.get(f"/devices/{seed.device_a}/inventory").get_data(as_text=True)
    for text in ["SafeDisk 2000", "SYS-A1", "openssl", "3.0.11-1~deb12u2", "jq", "Collect inventory now"]:
        assert text in page, text
    changes = page[page.index('id="changes"') :]
    assert "installed" in changes and "jq" in changes
    assert "removed" in changes and "curl" in changes

    searched = client.get(f"/devices/{seed.device_a}/inventory?q=SSL").get_data(as_text=True)
    software = searched[searched.index('id="software"') : searched.index('id="changes"')]
    assert "openssl" in software
    assert "bash" not in software
    assert "1 of 3 packages" in software
    none = client.get(f"/devices/{seed.device_a}/inventory?q=nothing-like-this").get_data(as_text=True)
    assert "No package matches" in none


def test_other_tenants_device_is_404_everywhere(
    client: FlaskClient, login: LoginFn, seed: Seed, tsdb: TimeSeriesDB
) -> None:
    seed_inventory(tsdb, seed)
    login("tech", PASSWORDS["tech"])
    for path in [
        f"/devices/{seed.device_b}/inventory",
        f"/api/devices/{seed.device_b}/inventory",
        f"/api/devices/{seed.device_b}/inventory/changes",
        "/devices/424242/inventory",
    ]:
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, f"/devices/{seed.device_a}/inventory")
    assert (
        client.post(f"/devices/{seed.device_b}/inventory/collect", data={"csrf_token": token}).status_code
        == 404
    )


def test_api_inventory_and_changes(
    client: FlaskClient, login: LoginFn, seed: Seed, tsdb: TimeSeriesDB
) -> None:
    seed_inventory(tsdb, seed)
    login("tech", PASSWORDS["tech"])
    data = client.get(f"/api/devices/{seed.device_a}/inventory").get_json()
    assert {i["key"] for i in data["items"]} == {"system", "sda", "openssl", "bash", "jq"}
    assert data["subjects"][0]["subject"] == ""
    assert data["subjects"][0]["items"] == 5
    changes = client.get(f"/api/devices/{seed.device_a}/inventory/changes").get_json()["changes"]
    assert sorted((c["key"], c["change"]) for c in changes) == [("curl", "removed"), ("jq", "installed")]
    later = client.get(
        f"/api/devices/{seed.device_a}/inventory/changes?since=2030-01-01T00:00:00Z"
    ).get_json()
    assert later["changes"] == []
    bad = client.get(f"/api/devices/{seed.device_a}/inventory/changes?since=yesterday")
    assert bad.status_code == 400
    assert "not an ISO 8601 time" in bad.get_json()["message"]


def test_collect_now_sends_the_command_and_is_audited(
    app: Flask, client: FlaskClient, login: LoginFn, seed: Seed, store: Store
) -> None:
    live = LiveStreams()
    stream = RecordingStream(seed.device_a)
    live.register(stream)
    functions_views.init_app(app, AgentConfigs(live))
    login("tech", PASSWORDS["tech"])
    token = csrf_token(client, f"/devices/{seed.device_a}/inventory")
    assert client.post(f"/devices/{seed.device_a}/inventory/collect").status_code == 400  # CSRF
    assert stream.sent == []

    response = client.post(f"/devices/{seed.device_a}/inventory/collect", data={"csrf_token": token})
    assert response.status_code == 302
    [message] = stream.sent
    assert message.command.kind == "inventory.collect"
    assert message.command.expires_ms > 0
    assert "Inventory requested" in client.get(response.headers["Location"]).get_data(as_text=True)

    live.unregister(stream)  # the agent went away: nothing is sent, and the page says so
    response = client.post(f"/devices/{seed.device_a}/inventory/collect", data={"csrf_token": token})
    assert "not connected" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(stream.sent) == 1
    with store.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "inventory.collect")).all()
    assert [(r.actor, r.target, r.customer_id) for r in rows] == [
        ("user:tech", f"device:{seed.device_a}", seed.customer_a)
    ] * 2
    assert [json.loads(r.detail)["delivered"] for r in rows] == [True, False]
    assert json.loads(rows[0].detail)["command_id"] == message.command.id


def test_fleet_software_search_is_scoped(
    client: FlaskClient, login: LoginFn, seed: Seed, tsdb: TimeSeriesDB
) -> None:
    seed_inventory(tsdb, seed)
    login("tech", PASSWORDS["tech"])
    assert 'href="/software"' in client.get("/").get_data(as_text=True)
    page = client.get("/software?name=openssl&below=3.0.15").get_data(as_text=True)
    assert "acme-fs01" in page and "3.0.11-1~deb12u2" in page
    assert "bravo-dc01" not in page and "1.1.1w" not in page  # customer B is not the technician's
    assert "acme-fs01" not in client.get("/software?name=openssl&below=3.0.11").get_data(as_text=True)
    bad = client.get("/software?name=openssl&below=3%200")
    assert bad.status_code == 400
    assert "not a Debian version" in bad.get_data(as_text=True)
    assert "found" not in client.get("/software").get_data(as_text=True)

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("super", PASSWORDS["super"])
    page = client.get("/software?name=open*&below=3.0.15").get_data(as_text=True)
    assert "acme-fs01" in page and "bravo-dc01" in page
    assert "2 found below 3.0.15" in page


def test_a_fleet_wide_search_counts_each_version_and_lists_the_first_devices(
    client: FlaskClient, login: LoginFn, seed: Seed, tsdb: TimeSeriesDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_inventory(tsdb, seed)
    cur = tsdb.cursor()
    cur.execute("BEGIN TRANSACTION")
    write_reports(
        cur,
        [
            Batch(
                seed.device_b,
                3,
                eus_pb2.InventoryReport(
                    full=False, ts_ms=T0 + 9, upserts=[pkg("openssl", "3.0.11-1~deb12u2")]
                ),
            )
        ],
    )
    cur.execute("COMMIT")
    login("super", PASSWORDS["super"])
    page = client.get("/software?name=openssl").get_data(as_text=True)
    versions = page[page.index('class="software-versions"') : page.index('class="software-search"')]
    assert re.findall(
        r"<td>(\S+)</td><td><code>([^<]+)</code></td><td>dpkg</td><td class=\"num\">(\d+)</td>", versions
    ) == [
        ("openssl", "3.0.11-1~deb12u2", "2"),
    ]
    assert "Showing the first" not in page

    monkeypatch.setattr(inventory_views, "SOFTWARE_ROWS_SHOWN", 1)
    page = client.get("/software?name=openssl").get_data(as_text=True)
    assert "2 found" in page and "Showing the first 1 of 2" in page
    listed = page[page.index('class="software-search"') :]
    assert listed.count("<tr>") - 1 == 1  # the header row, then one device
