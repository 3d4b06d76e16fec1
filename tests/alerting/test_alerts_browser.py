"""The alerts list in real Chromium under the strict CSP: critical and warning badges have
different colours, a new firing alert appears (and the navigation's count moves) without a
reload, and "select all" plus "Acknowledge selected" acknowledges every ticked alert."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from support.browser import CHROMIUM, CHROMIUM_ARGS, serve, signed_in_page
from web.conftest import PASSWORDS, Seed

from collector.alerting.models import Alert
from collector.store.db import Store

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    app.config["EUS_ALERTS_REFRESH_S"] = 1
    with serve(app) as url:
        yield url


def _alert(store: Store, seed: Seed, summary: str, severity: str) -> int:
    with store.session() as s:
        a = Alert(
            fingerprint=f"t|{summary}",
            kind="threshold",
            customer_id=seed.customer_a,
            device_id=seed.device_a,
            severity=severity,
            state="firing",
            summary=summary,
        )
        s.add(a)
        s.flush()
        return a.id


def test_colours_refresh_and_bulk_acknowledge(live_server: str, seed: Seed, store: Store) -> None:
    from playwright.sync_api import expect, sync_playwright

    first = _alert(store, seed, "disk.percent = 97 > 95", "critical")
    second = _alert(store, seed, "memory.percent = 92 > 90", "warning")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server, "tech", PASSWORDS["tech"])
        page.goto(f"{live_server}/alerts")
        colour = "el => getComputedStyle(el).backgroundColor"
        critical = page.locator("#alerts-table .badge.sev-critical").first.evaluate(colour)
        warning = page.locator("#alerts-table .badge.sev-warning").first.evaluate(colour)
        assert critical != warning, (critical, warning)
        expect(page.locator("#nav-firing")).to_have_text("2")
        third = _alert(store, seed, "cpu.percent = 99 > 98", "critical")
        expect(page.locator("#alerts-table")).to_contain_text("cpu.percent = 99 > 98")
        expect(page.locator("#nav-firing")).to_have_text("3")
        page.check("#alerts-all")
        page.click("#bulk-ack button[type=submit]")
        expect(page.locator(".flash")).to_contain_text("3 alert(s) acknowledged")
        assert page.evaluate("window.__cspViolations") == []
        browser.close()
    with store.session() as s:
        assert {s.get(Alert, i).acked_by for i in (first, second, third)} == {"user:tech"}  # type: ignore[union-attr]
