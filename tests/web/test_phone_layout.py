"""Phone-sized screens in real Chromium at 390 px: the menu collapses, "Sign out" stays in
the header, and the alerts list, an alert, the device list and a device page never scroll
sideways; a technician acknowledges an alert, notes why, and resolves it from the phone. The
fleet overview, the customer screen and Resolve fit the phone too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from support.browser import CHROMIUM, CHROMIUM_ARGS, RECORD_CSP_VIOLATIONS, TIMEOUT_MS, serve

from collector.alerting.engine import AlertEngine
from collector.alerting.models import Alert
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB
from collector.web import alerting_views, create_app

from .conftest import PASSWORDS, SECRET_KEY, Seed
from .kb_seed import FUNCTION_ID, seed_faulty_function
from .test_browser import seed_metrics

pytestmark = pytest.mark.browser

ARTIFACTS = Path("/tmp/eus-artifacts")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_server(store: Store, tsdb: TimeSeriesDB, seed: Seed) -> Iterator[str]:
    """The dashboard with the alert engine wired, as the collector runs it."""
    app: Flask = create_app(store, tsdb, secret_key=SECRET_KEY, test_config={"TESTING": True})
    alerting_views.init_app(app, AlertEngine(store))
    with serve(app) as url:
        yield url


def assert_fits(page: Any, name: str) -> None:
    """No horizontal scroll: the document is no wider than the 390 px viewport."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width} px wide"
    header = page.locator("header.topbar").bounding_box()
    sign_out = page.locator("header.topbar button:has-text('Sign out')").bounding_box()
    assert header is not None and sign_out is not None
    assert sign_out["x"] + sign_out["width"] <= PHONE["width"], f"{name}: Sign out outside the screen"
    assert (
        header["y"] <= sign_out["y"] and sign_out["y"] + sign_out["height"] <= header["y"] + header["height"]
    )
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)


def test_phone_pages_fit_and_an_alert_is_handled(
    live_server: str, seed: Seed, store: Store, tsdb: TimeSeriesDB
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: run make test (it installs Debian's chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    seed_metrics(tsdb, seed.device_a)
    seed_faulty_function(store, tsdb, seed)
    with store.session() as s:
        alert = Alert(
            fingerprint="disk|a|/var/lib/a-rather-long-mount-point-name",
            kind="threshold",
            customer_id=seed.customer_a,
            device_id=seed.device_a,
            severity="critical",
            state="firing",
            subject="/var/lib/a-rather-long-mount-point-name",
            summary="disk.percent = 97.4 > 95 on /var/lib/a-rather-long-mount-point-name",
        )
        s.add(alert)
        s.flush()
        alert_id = alert.id

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            context = browser.new_context(
                viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.add_init_script(RECORD_CSP_VIOLATIONS)
            page = context.new_page()
            page.goto(f"{live_server}/login")
            page.fill("input[name=username]", "tech")
            page.fill("input[name=password]", PASSWORDS["tech"])
            page.click("button[type=submit]")
            page.wait_for_selector("table.devices")

            # The menu is collapsed until asked for, then every link is reachable.
            alerts_link = page.locator("header nav a:has-text('Alerts')")
            assert not alerts_link.is_visible()
            assert_fits(page, "device-list")
            page.click("label.nav-toggle-label")
            assert alerts_link.is_visible()
            assert_fits(page, "menu-open")
            alerts_link.click()
            page.wait_for_selector("table.alerts")
            assert_fits(page, "alerts-list")

            page.click(f"form[action$='/alerts/{alert_id}/ack'] button")
            page.wait_for_selector(f".flash:has-text('Alert {alert_id}: acknowledged')")
            page.goto(f"{live_server}/alerts/{alert_id}")
            note = page.locator(f"form[action$='/alerts/{alert_id}/comment']")
            note.locator("input[name=comment]").fill("Looking at it: log rotation stuck")
            note.locator("button").click()
            page.wait_for_selector("text=Looking at it: log rotation stuck")
            assert_fits(page, "alert-acknowledged")
            resolve = page.locator(f"form[action$='/alerts/{alert_id}/resolve']")
            resolve.locator("input[name=comment]").fill("Rotated the logs, 41 % used")
            resolve.locator("button").click()
            page.wait_for_selector(".flash")
            assert_fits(page, "alert-resolved")

            page.goto(f"{live_server}/devices/{seed.device_a}")
            page.wait_for_selector("#chart-cpu[data-rendered=true] .plot canvas", state="attached")
            assert_fits(page, "device")

            page.goto(f"{live_server}/")
            page.wait_for_selector("table.devices")
            assert_fits(page, "fleet-overview")
            page.goto(f"{live_server}/customers/{seed.customer_a}")
            page.wait_for_selector("h1:has-text('Acme')")
            assert_fits(page, "customer-screen")
            page.goto(f"{live_server}/customers/{seed.customer_a}/functions/{FUNCTION_ID}/resolve")
            page.wait_for_selector(".resolve-step")
            assert_fits(page, "resolve")
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()

    with store.session() as s:
        done = s.get(Alert, alert_id)
        assert done is not None
        assert done.acked_by == "user:tech" and done.state == "resolved"
