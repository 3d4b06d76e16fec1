"""The service level in the Function Log: each change of a customer's rolled-up status (OK /
degraded / down), recorded by the roll-up when it happens, is an entry with its time and
reason, filterable by status and in the CSV export; another customer's are not. In Chromium
too: filter to "degraded", read the entry, download the CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, serve, signed_in_page

from collector.customers.models import StatusChange
from collector.customers.rollup import Rollups
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed
from .customer_seed import deliver

ARTIFACTS = Path("/tmp/eus-artifacts")
M = timedelta(minutes=1)
OK, CRITICAL = 1, 3


def degrade_and_recover(store: Store, tsdb: TimeSeriesDB, seed: Seed) -> None:
    """Customer A: OK, then degraded (the portal fails), then OK again; customer B: down."""
    rollups = Rollups(store)
    portal, db = ("http:portal", "http"), ("tcp:db", "tcp")
    deliver(tsdb, rollups, seed.device_a, [(*portal, OK, "HTTP 200", 30 * M), (*db, OK, "connected", 30 * M)])
    deliver(tsdb, rollups, seed.device_a, [(*portal, CRITICAL, "HTTP 500 from the portal", 20 * M)])
    deliver(tsdb, rollups, seed.device_a, [(*portal, OK, "HTTP 200", 10 * M)])
    deliver(tsdb, rollups, seed.device_b, [("tcp:wms", "tcp", CRITICAL, "refused", 5 * M)])


def test_service_status_changes_are_log_entries_and_csv_rows(
    client: FlaskClient, login: LoginFn, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    degrade_and_recover(store, tsdb, seed)
    with store.session() as s:
        changes = [(c.customer_id, c.previous, c.status) for c in s.scalars(select(StatusChange))]
    assert changes == [
        (seed.customer_a, "ok", "degraded"),  # the first roll-up was OK: not a change
        (seed.customer_a, "degraded", "ok"),
        (seed.customer_b, "", "down"),
    ]
    login("tech", PASSWORDS["tech"])
    base = f"/customers/{seed.customer_a}/function-log"
    page = client.get(base).get_data(as_text=True)
    assert page.count("<td>service</td>") == 2 and "1 function failing" in page
    degraded = client.get(f"{base}?status=degraded").get_data(as_text=True)
    assert degraded.count("<td>service</td>") == 1 and degraded.count("<td>change</td>") == 0
    on_device = client.get(f"{base}?device={seed.device_a}").get_data(as_text=True)
    assert "<td>service</td>" not in on_device  # the service is the customer's, not a device's

    rows = list(csv.reader(io.StringIO(client.get(f"{base}.csv").get_data(as_text=True))))
    service = [r for r in rows[1:] if r[2] == "service"]
    assert [(r[1], r[5], r[6], r[7]) for r in service] == [
        ("", "degraded", "ok", "all functions OK"),
        ("", "ok", "degraded", "1 function failing"),
    ]
    assert all(r[0].endswith("Z") for r in service)
    assert "refused" not in "".join(map(str, rows)) and "down" not in [r[6] for r in rows]  # B's


@pytest.mark.browser
def test_a_technician_filters_the_log_to_degraded_and_exports_it(
    app: Flask, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make test installs Debian's chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    degrade_and_recover(store, tsdb, seed)
    with serve(app) as live_server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            page = signed_in_page(browser, live_server, "tech", PASSWORDS["tech"])
            page.goto(f"{live_server}/customers/{seed.customer_a}")
            page.click("text=Function Log")
            page.select_option("#log-filter select[name=status]", "degraded")
            page.click("#log-filter button[type=submit]")
            page.wait_for_url(lambda url: "status=degraded" in url)
            rows = page.locator("#function-log tbody tr")
            assert rows.count() == 1
            assert "1 function failing" in rows.nth(0).inner_text()
            page.screenshot(path=str(ARTIFACTS / "function-log-service.png"), full_page=True)
            with page.expect_download() as got:
                page.click("#function-log-csv")
            exported = list(csv.reader(io.StringIO(Path(got.value.path()).read_text())))
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()
    assert [(r[2], r[5], r[6]) for r in exported[1:]] == [("service", "ok", "degraded")]
