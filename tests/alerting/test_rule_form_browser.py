"""The rule form in real Chromium under the strict CSP: a supervisor builds a CPU rule with
the metric picker (fed by the series the collector holds), sees how many series the label
filter matches, is refused an unknown metric with a suggestion while everything typed stays,
saves the corrected rule, and is asked before a rule is deleted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

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


def _series(tsdb: TimeSeriesDB, sid: int, device_id: int, labels: dict[str, str], value: float = 0.0) -> None:
    cur = tsdb.cursor()
    cur.execute(
        "INSERT INTO series (id, device_id, name, labels, unit, monotonic) "
        "VALUES (?, ?, ?, ?, 'percent', false)",
        [sid, device_id, "cpu.percent", json.dumps(labels, sort_keys=True)],
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    cur.execute("INSERT INTO samples VALUES (?, ?, ?)", [sid, now - timedelta(seconds=30), value])


def test_rule_from_the_form_with_the_metric_picker(
    live_server: str, seed: Seed, store: Store, tsdb: TimeSeriesDB
) -> None:
    from playwright.sync_api import Dialog, expect, sync_playwright

    for sid, cpu in enumerate(("total", "0", "1"), start=1):
        _series(tsdb, sid, seed.device_a, {"cpu": cpu}, 42.5 + sid)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server, "super", PASSWORDS["super"])
        page.goto(f"{live_server}/alerting/rules")
        form = page.locator("#rule-form")
        assert page.locator("#metric-names option[value='cpu.percent']").count() == 1
        assert "3 series" in (page.locator("#metric-names option[value='cpu.percent']").text_content() or "")
        assert form.locator("textarea[name=params]").count() == 0  # no JSON anywhere: a form per kind
        expect(form.locator("fieldset[data-kind=threshold]")).to_be_visible()
        expect(form.locator("fieldset[data-kind=forecast]")).to_be_hidden()
        form.locator("input[name=name]").fill("CPU hog at Acme")
        form.locator("input[name=metric]").fill("cpu.percent")
        form.locator("input[name=labels]").fill("cpu=total")
        form.locator("input[name=labels]").dispatch_event("change")
        expect(page.locator("#rule-preview")).to_contain_text("1 series match")
        expect(page.locator("#rule-preview")).to_contain_text("= 43.5 percent")  # its newest value
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


def test_every_kind_has_a_form_and_a_refused_one_keeps_what_was_typed(
    live_server: str, seed: Seed, store: Store
) -> None:
    """A forecast rule from its fields (durations typed like 2d), refused for a bad duration
    with everything kept, then saved; its edit form shows fields, not JSON."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = signed_in_page(browser, live_server, "super", PASSWORDS["super"])
        page.goto(f"{live_server}/alerting/rules")
        form = page.locator("#rule-form")
        kinds = form.locator("#rule-kind option").evaluate_all("els => els.map(e => e.value)")
        for kind in kinds:  # each kind shows its own fields and only those
            form.locator("#rule-kind").select_option(kind)
            expect(form.locator(f"fieldset[data-kind={kind}]")).to_be_visible()
            assert form.locator("fieldset.kind-fields:visible").count() == 1
        form.locator("#rule-kind").select_option("forecast")
        typed = {
            "name": "Data disk full soon",
            "forecast.metric": "disk.percent",
            "forecast.labels": "mount=/data",
            "forecast.horizon": "2 days",
        }
        for field, value in typed.items():
            form.locator(f"input[name='{field}']").fill(value)
        form.locator("select[name=customer_id]").select_option(str(seed.customer_a))
        form.locator("button[type=submit]").click()
        expect(page.locator(".flash-error")).to_contain_text("horizon:")
        form = page.locator("#rule-form")
        expect(form.locator("#rule-kind")).to_have_value("forecast")
        expect(form.locator("fieldset[data-kind=forecast]")).to_be_visible()
        for field, value in typed.items():  # everything typed is still there
            expect(form.locator(f"input[name='{field}']")).to_have_value(value)
        form.locator("input[name='forecast.horizon']").fill("2d")
        form.locator("button[type=submit]").click()
        expect(page.locator(".flash")).to_contain_text("Rule “Data disk full soon” saved")
        row = page.locator("table.rules tr", has_text="Data disk full soon")
        expect(row).to_contain_text("horizon 2d")
        row.locator("a:has-text('Edit')").click()
        expect(page.locator("input[name='forecast.horizon']")).to_have_value("2d")
        expect(page.locator("input[name='forecast.labels']")).to_have_value("mount=/data")
        assert page.locator("textarea").count() == 0
        assert page.evaluate("window.__cspViolations") == []
        browser.close()
    with store.session() as s:
        saved = s.scalars(select(AlertRule).where(AlertRule.name == "Data disk full soon")).one()
    assert json.loads(saved.params)["horizon_s"] == 2 * 86400
    assert json.loads(saved.params)["labels"] == {"mount": "/data"}
