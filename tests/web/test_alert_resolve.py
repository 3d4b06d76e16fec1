"""Resolve from an alert: the alert page offers "Resolve" when an article is linked to the
alert's rule kind (the shipped "Disk full" covers ``rule:threshold:disk.percent``), the run is
the same Resolve flow (refused with everything typed kept, then recorded on the Support Log and
on the alert's ticket, audited), and another customer's alert is 404. In Chromium too."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from support.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, serve, signed_in_page

from collector.alerting.domain import Severity
from collector.alerting.engine import AlertEngine
from collector.alerting.models import AlertRule
from collector.alerting.records import AlertRec
from collector.helpdesk import tickets
from collector.helpdesk.models import TicketEntry
from collector.kb.models import Article, ResolveRun
from collector.store.db import Store
from collector.store.models import AuditEntry
from collector.tsdb.db import TimeSeriesDB
from collector.web import alerting_views, create_app

from .conftest import PASSWORDS, SECRET_KEY, LoginFn, Seed, csrf_token
from .customer_seed import fire

ARTIFACTS = Path("/tmp/eus-artifacts")


@pytest.fixture
def engine(store: Store) -> AlertEngine:
    return AlertEngine(store)


@pytest.fixture
def app(store: Store, tsdb: TimeSeriesDB, seed: Seed, engine: AlertEngine) -> Flask:
    app = create_app(store, tsdb, secret_key=SECRET_KEY, test_config={"TESTING": True})
    alerting_views.init_app(app, engine)
    return app


def disk_alert_with_ticket(store: Store, engine: AlertEngine, seed: Seed) -> AlertRec:
    """A critical disk alert on customer A's device, and the ticket opened for it (EUS-000001)."""
    rec = fire(store, engine, seed.customer_a, seed.device_a, Severity.CRITICAL)
    with store.session() as s:
        new = tickets.NewTicket(customer_id=seed.customer_a, title="Disk full", alert_id=rec.id)
        tickets.open_ticket(s, new, "system", datetime.now(UTC))
    return rec


def steps_of(store: Store, title: str) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(Article).where(Article.title == title)).one().steps)


def test_an_alert_with_an_article_is_resolved_on_the_support_log_and_its_ticket(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, engine: AlertEngine
) -> None:
    rec = disk_alert_with_ticket(store, engine, seed)
    steps = steps_of(store, "Disk full")
    login("tech", PASSWORDS["tech"])
    detail = client.get(f"/alerts/{rec.id}").get_data(as_text=True)
    assert 'id="alert-resolve"' in detail and "Resolve: Disk full" in detail
    page = client.get(f"/alerts/{rec.id}/kb-resolve").get_data(as_text=True)
    assert page.count('class="resolve-step"') == len(steps)
    assert 'value="EUS-000001"' in page and "rule:threshold:disk.percent" in page
    assert 'name="open_ticket"' not in page  # an alert's run goes on its own ticket, if any

    token = csrf_token(client, f"/alerts/{rec.id}/kb-resolve")
    form = {"csrf_token": token, "article_version": "1", "ticket": "EUS-000001", "notes": "freed 20 GB"}
    marks = {f"state_{n}": "done" for n in range(1, len(steps) + 1)}
    refused = client.post(
        f"/alerts/{rec.id}/kb-resolve", data={**form, "state_1": "done", "outcome": "resolved"}
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "step 2: mark it done, failed or skipped" in text
    assert "freed 20 GB</textarea>" in text  # kept as typed

    done = client.post(
        f"/alerts/{rec.id}/kb-resolve", data={**form, **marks, "outcome": "resolved"}, follow_redirects=True
    )
    assert "Resolved: the run is on the Support Log and noted on EUS-000001." in done.get_data(as_text=True)
    with store.session() as s:
        run = s.scalars(select(ResolveRun)).one()
        assert (run.customer_id, run.device_id, run.function_id) == (
            seed.customer_a,
            seed.device_a,
            f"alert:{rec.id}",
        )
        assert (run.fault_kind, run.outcome, run.ticket_number) == (
            "rule:threshold:disk.percent",
            "resolved",
            1,
        )
        note = s.scalars(select(TicketEntry).where(TicketEntry.kind == "note")).one()
        assert (
            "Resolve run with “Disk full” (version 1): resolved" in note.body and "freed 20 GB" in note.body
        )
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "kb.resolve")).one()
        assert (audit.actor, audit.customer_id) == ("user:tech", seed.customer_a)
    log = client.get(f"/customers/{seed.customer_a}/support-log").get_data(as_text=True)
    assert "“Disk full” (v1): resolved" in log


def test_no_article_no_resolve_and_another_customers_alert_is_404(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed, engine: AlertEngine
) -> None:
    rec = fire(store, engine, seed.customer_a, seed.device_a, Severity.WARNING)
    theirs = fire(store, engine, seed.customer_b, seed.device_b, Severity.WARNING)
    with store.session() as s:  # a threshold on a metric no article covers
        s.execute(update(AlertRule).values(params=json.dumps({"metric": "cpu.percent", "critical": 95})))
    login("tech", PASSWORDS["tech"])
    assert 'id="alert-resolve"' not in client.get(f"/alerts/{rec.id}").get_data(as_text=True)
    assert "No knowledge-base article covers" in client.get(f"/alerts/{rec.id}/kb-resolve").get_data(
        as_text=True
    )
    token = csrf_token(client, f"/alerts/{rec.id}/kb-resolve")
    assert client.get(f"/alerts/{theirs.id}/kb-resolve").status_code == 404
    assert client.post(f"/alerts/{theirs.id}/kb-resolve", data={"csrf_token": token}).status_code == 404
    with store.session() as s:
        assert s.scalars(select(ResolveRun)).all() == []


@pytest.mark.browser
def test_a_technician_resolves_an_alert_from_its_page(
    app: Flask, store: Store, seed: Seed, engine: AlertEngine
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make test installs Debian's chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    rec = disk_alert_with_ticket(store, engine, seed)
    steps = steps_of(store, "Disk full")
    with serve(app) as live_server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            page = signed_in_page(browser, live_server, "tech", PASSWORDS["tech"])
            page.goto(f"{live_server}/alerts/{rec.id}")
            page.click("#alert-resolve")
            page.wait_for_selector("h2:has-text('Disk full')")
            assert page.input_value("input[name=ticket]") == "EUS-000001"
            for n in range(1, len(steps) + 1):
                page.check(f"input[name=state_{n}][value={'failed' if n == 2 else 'done'}]")
            page.fill("input[name=note_2]", "the share is locked by the backup")
            page.check("input[name=outcome][value=resolved]")
            page.screenshot(path=str(ARTIFACTS / "alert-resolve.png"), full_page=True)
            page.click("#resolve-form button[type=submit]")
            page.wait_for_selector(
                "text=Not resolved: the run is on the Support Log and noted on EUS-000001."
            )
            assert page.url.endswith(f"/alerts/{rec.id}")
            page.goto(f"{live_server}/tickets/1")
            page.wait_for_selector(".body:has-text('[failed]')")
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()
    with store.session() as s:
        run = s.scalars(select(ResolveRun)).one()
        assert run.outcome == "unresolved"  # a failed step: not resolved, whatever was claimed
        assert run.steps[1] == {
            "text": steps[1],
            "state": "failed",
            "note": "the share is locked by the backup",
        }
