"""Admin → Storage & retention in real Chromium under the strict CSP: an administrator finds it
in the navigation and reads each table's use and each tier's age with its setting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from support.browser import CHROMIUM, CHROMIUM_ARGS, serve, signed_in_page

from collector.config import load
from collector.web import storage_views

from .conftest import PASSWORDS

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    storage_views.init_app(app, load(env={}, overrides={"retention_rollup_5m_days": 90}))
    with serve(app) as url:
        yield url


def test_an_administrator_reads_storage_and_retention_from_the_navigation(live_server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server, "admin", PASSWORDS["admin"])
        page.click("nav a:has-text('Storage & retention')")
        expect(page.locator("h1")).to_have_text("Storage & retention")
        rollups = page.locator("#storage-tables tr[data-table=rollup_blocks]")
        expect(rollups).to_contain_text("5-min rollups: 90 days")
        expect(rollups).to_contain_text("EUS_RETENTION_ROLLUP_5M_DAYS")
        expect(page.locator("#storage-logs tr[data-table=audit_log]")).to_contain_text("365 days")
        assert page.evaluate("window.__cspViolations") == []
        browser.close()
