"""The rule form in real Chromium under the strict CSP: a supervisor builds a CPU rule with
the metric picker (fed by the series the collector holds), sees how many series the label
filter matches, is refused an unknown metric with a suggestion while everything typed stays,
saves the corrected rule, and is asked before a rule is deleted."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, serve, signed_in_page
from web.conftest import PASSWORDS, Seed

from collector.alerting.models import AlertRule
from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


def _series(tsdb: TimeSeriesDB, sid: int, device_id: int, labels: dict[str, str]) -> None:
    tsdb.cursor().execute(
        "INSERT INTO series (id, device_id, name, labels, unit, monotonic) "
        "VALUES (?, ?, ?, ?, 'percent', false)",
        [sid, device_id, "cpu.percent", json.dumps(labels, sort_keys=True)],
    )


def test_rule_from_the_form_with_the_metric_picker(
    live_server: str, seed: Seed, store: Store, tsdb: TimeSeriesDB
) -> None:
    from playwright.sync_api import Dialog, expect, sync_playwright

    for sid, cpu in enumerate(("total", "0", "1"), start=1):
        _series(tsdb, sid, seed.device_a, {"cpu": cpu})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server, "super", PASSWORDS["super"])
        page.goto(f"{live_server}/alerting/rules")
        form = page.locator("#rule-form")
        assert page.locator("#metric-names option[value='cpu.percent']").count() == 1
        assert "3 series" in (page.locator("#metric-names option[value='cpu.percent']").text_content() or "")
        expect(form.locator("textarea[name=params]")).to_be_hidden()  # threshold: fields, no JSON
        form.locator("input[name=name]").fill("CPU hog at Acme")
        form.locator("input[name=metric]").fill("cpu.percent")
        form.locator("input[name=labels]").fill("cpu=total")
        form.locator("input[name=labels]").dispatch_event("change")
        expect(page.locator("#rule-preview")).to_contain_text("1 series match")
        form.locator("input[name=metric]").fill("cpu.percnt")
        form.locator("input[name=warning]").fill("90")
        form.locator("input[name=critical]").fill("98")
        form.locator("input[name=for]").fill("5m")
        form.locator("select[name=customer_id]").select_option(str(seed.customer_a))
        form.locator("button[type=submit]").click()
        expect(page.locator(".flash-error")).to_contain_text("Did you mean cpu.percent?")
        form = page.locator("#rule-form")
        for field, value in (
            ("name", "CPU hog at Acme"),
            ("metric", "cpu.percnt"),
            ("labels", "cpu=total"),
            ("warning", "90"),
            ("critical", "98"),
            ("for", "5m"),
        ):
            expect(form.locator(f"input[name={field}]")).to_have_value(value)
        expect(form.locator("select[name=customer_id]")).to_have_value(str(seed.customer_a))
        form.locator("input[name=metric]").fill("cpu.percent")
        form.locator("button[type=submit]").click()
        expect(page.locator(".flash")).to_contain_text("Rule “CPU hog at Acme” saved")
        row = page.locator("table.rules tr", has_text="CPU hog at Acme")
        expect(row).to_contain_text("Acme Dental")

        answers: list[str] = []

        def answer(dialog: Dialog) -> None:
            answers.append(dialog.message)
            (dialog.dismiss if len(answers) == 1 else dialog.accept)()

        page.on("dialog", answer)
        row.locator("button:has-text('Delete')").click()
        expect(row).to_be_visible()  # dismissed: still there
        row.locator("button:has-text('Delete')").click()
        expect(page.locator(".flash")).to_contain_text("Rule deleted")
        assert answers and "CPU hog at Acme" in answers[0]
        assert page.evaluate("window.__cspViolations") == []
        browser.close()
    with store.session() as s:
        assert s.scalars(select(AlertRule).where(AlertRule.name == "CPU hog at Acme")).first() is None
