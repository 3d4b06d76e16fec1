"""In Chromium, as a technician would: the fleet overview lists the worst customer first; "/"
reaches the search from the keyboard, j/k walk the list and Enter opens the degraded customer;
its screen shows the four levels and the failing function, which opens its history.
Screenshots of each step are kept under /tmp/eus-artifacts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from support.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, serve, signed_in_page

from collector.customers.rollup import Rollups
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, Seed
from .customer_seed import deliver

pytestmark = pytest.mark.browser
ARTIFACTS = Path("/tmp/eus-artifacts")
M = timedelta(minutes=1)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


def test_from_the_fleet_overview_to_a_degraded_customers_failing_function(
    live_server: str, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make test installs Debian's chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    rollups = Rollups(store)
    deliver(
        tsdb,
        rollups,
        seed.device_a,
        [("http:portal", "http", 1, "HTTP 200", 30 * M), ("tcp:db", "tcp", 1, "connected", 2 * M)],
    )
    deliver(tsdb, rollups, seed.device_a, [("http:portal", "http", 3, "HTTP 500 from the portal", M)])
    rollups.refresh()  # Bravo too: its only instance is offline

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            page = signed_in_page(browser, live_server, "super", PASSWORDS["super"])
            page.set_viewport_size({"width": 1280, "height": 1000})
            page.goto(f"{live_server}/")
            rows = page.locator("table.fleet-customers tbody tr")
            assert rows.nth(0).get_attribute("data-status") == "down"  # Bravo: every instance offline
            assert rows.nth(1).get_attribute("data-status") == "degraded"
            assert "1 function failing" in rows.nth(1).inner_text()
            page.screenshot(path=str(ARTIFACTS / "customer-1-fleet.png"), full_page=True)

            page.keyboard.press("/")
            assert page.evaluate("document.activeElement.id") == "global-search"
            page.keyboard.press("Escape")
            page.keyboard.press("j")
            page.keyboard.press("j")
            assert rows.nth(1).get_attribute("aria-current") == "true"
            page.keyboard.press("Enter")
            page.wait_for_url(f"{live_server}/customers/{seed.customer_a}")
            assert page.locator("h1 .service-status").get_attribute("data-status") == "degraded"
            for level in ("service", "instance", "function", "contacts"):
                assert page.locator(f"#level-{level}").is_visible(), level
            failing = page.locator("#level-function tr.health-row-3")
            assert failing.count() == 1
            assert "HTTP 500 from the portal" in failing.inner_text()
            assert failing.locator("[data-slot=resolve]").count() == 1
            page.screenshot(path=str(ARTIFACTS / "customer-2-screen.png"), full_page=True)

            failing.get_by_role("link", name="http:portal").click()
            page.wait_for_url(lambda url: "/functions/history" in url)
            assert "HTTP 500 from the portal" in page.inner_text("main")
            page.screenshot(path=str(ARTIFACTS / "customer-3-function.png"), full_page=True)
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()
