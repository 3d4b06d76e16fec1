"""Editing a maintenance window in real Chromium under the strict CSP: a technician turns a
one-off window into the monthly patch night with the pickers (no rule text), is refused a
missing weekday with everything typed kept, saves, and sees it repeat and run now."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, serve, signed_in_page
from web.conftest import PASSWORDS, Seed

from collector.alerting.models import MaintenanceWindow
from collector.store.db import Store
from collector.store.models import AuditEntry

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


def test_edit_a_window_into_a_patch_night(live_server: str, seed: Seed, store: Store) -> None:
    from playwright.sync_api import expect, sync_playwright

    with store.session() as s:
        row = MaintenanceWindow(customer_id=seed.customer_a, device_id=seed.device_a,
                                starts_at=datetime(2026, 1, 13, 21, tzinfo=UTC),
                                ends_at=datetime(2026, 1, 13, 23, tzinfo=UTC), reason="once")  # fmt: skip
        s.add(row)
        s.flush()
        window_id = row.id
    # The patch night on this n-th weekday of the month began ten minutes ago (UTC).
    began = datetime.now(UTC) - timedelta(minutes=10)
    first = began - timedelta(weeks=8)
    nth = (began.day - 1) // 7 + 1
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[began.weekday()]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server, "tech", PASSWORDS["tech"])
        page.goto(f"{live_server}/alerting/maintenance")
        row_el = page.locator(f"#window-{window_id}")
        expect(row_el).to_contain_text("once")
        expect(row_el).not_to_contain_text("active now")
        row_el.get_by_role("link", name="Edit").click()
        form = page.locator("#window-form form")
        expect(page.locator("#window-form h2")).to_have_text(f"Edit window {window_id}")
        expect(form.locator("input[name=starts_at]")).to_have_value("2026-01-13T21:00")
        expect(form.locator("select[name=device_id]")).to_have_value(str(seed.device_a))
        form.locator("input[name=starts_at]").fill(first.strftime("%Y-%m-%dT%H:%M"))
        form.locator("input[name=ends_at]").fill((first + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
        form.locator("select[name=recurrence]").select_option("monthly-nth")
        form.locator("select[name=nth]").select_option(str(nth) if nth < 5 else "-1")
        form.locator("input[name=reason]").fill("patch night")
        form.get_by_role("button", name="Save changes").click()
        expect(page.locator("#window-error")).to_contain_text("weekday: choose Monday to Sunday")
        form = page.locator("#window-form form")
        expect(form.locator("input[name=reason]")).to_have_value("patch night")
        expect(form.locator("select[name=recurrence]")).to_have_value("monthly-nth")
        expect(form.locator("select[name=device_id]")).to_have_value(str(seed.device_a))
        form.locator("select[name=weekday]").select_option(weekday)
        form.get_by_role("button", name="Save changes").click()
        expect(page.locator(".flash-info")).to_contain_text("Maintenance window changed")
        row_el = page.locator(f"#window-{window_id}")
        expect(row_el).to_contain_text("patch night")
        expect(row_el.locator(".repeats")).to_contain_text("monthly")
        expect(row_el.locator(".active-now")).to_have_text("active now")
        page.goto(f"{live_server}/devices/{seed.device_a}")
        expect(page.locator("#in-maintenance")).to_be_visible()
        expect(page.locator("#maintenance")).to_contain_text("patch night")
        assert page.evaluate("window.__cspViolations || []") == []
        browser.close()
    with store.session() as s:
        w = s.get_one(MaintenanceWindow, window_id)
        assert w.rule.startswith("FREQ=MONTHLY;BYDAY=") and w.rule.endswith(weekday)
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "maintenance.update")) is not None
