"""A supervisor walks Resolve in Chromium from the customer page: the Function Log's faulty
function, the shipped "Service stopped" article step by step (one step fails), on to Manage;
exports the function's history as CSV and Parquet (read back: the same rows), removes the
function after typing its id; the run is on the Support Log and on the ticket, the removal
in the audit log. Screenshots are kept in /tmp/eus-artifacts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from flask import Flask
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, serve, signed_in_page

from collector.functions.models import FunctionSpecRow
from collector.helpdesk.models import TicketEntry
from collector.kb.models import ResolveRun
from collector.store.db import Store
from collector.store.models import AuditEntry
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, Seed
from .kb_seed import FUNCTION_ID, seed_faulty_function

pytestmark = pytest.mark.browser
ARTIFACTS = Path("/tmp/eus-artifacts")


def test_resolve_to_the_end_then_manage_export_and_remove(
    app: Flask, store: Store, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make test installs Debian's chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    stored = seed_faulty_function(store, tsdb, seed)

    with serve(app) as live_server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = signed_in_page(browser, live_server, "super", PASSWORDS["super"])
            page.goto(f"{live_server}/customers/{seed.customer_a}")
            page.click("text=Function Log")
            page.wait_for_selector("#faulty-functions >> text=nginx")
            page.screenshot(path=str(ARTIFACTS / "function-log.png"), full_page=True)
            page.click("#faulty-functions >> text=Resolve")
            page.wait_for_selector("h2:has-text('Service stopped')")
            steps = page.locator(".resolve-step")
            assert steps.count() == 6
            assert page.input_value("input[name=ticket]") == "EUS-000001"  # the linked ticket
            for n in range(1, 7):
                state = {4: "failed", 5: "skipped", 6: "skipped"}.get(n, "done")
                page.check(f"input[name=state_{n}][value={state}]")
            page.fill("input[name=note_4]", "unit is masked; unmask needs the customer's change approval")
            page.fill("textarea[name=notes]", "called Ann at Acme")
            page.check("input[name=outcome][value=unresolved]")
            page.screenshot(path=str(ARTIFACTS / "resolve-steps.png"), full_page=True)
            page.click("#resolve-form button[type=submit]")

            page.wait_for_selector("h1:has-text('Manage: nginx')")
            page.wait_for_selector("text=Not resolved: the run is on the Support Log and noted on EUS-000001")
            assert page.locator("#status-chart line.change").count() == 2  # first result, ok → critical
            page.screenshot(path=str(ARTIFACTS / "manage.png"), full_page=True)
            with page.expect_download() as got_csv:
                page.click("#export-csv")
            with page.expect_download() as got_parquet:
                page.click("#export-parquet")
            csv_rows = list(csv.reader(io.StringIO(Path(got_csv.value.path()).read_text())))
            table = pq.read_table(got_parquet.value.path())

            page.fill("#remove-form input[name=confirm]", FUNCTION_ID)
            page.click("#remove-form button[type=submit]")
            page.wait_for_selector("text=Function nginx (svc-nginx) removed")

            page.goto(f"{live_server}/customers/{seed.customer_a}/support-log")
            page.wait_for_selector("text=Resolve svc-nginx with “Service stopped” (v1): unresolved")
            page.wait_for_selector(".entry-function\\.remove")
            page.screenshot(path=str(ARTIFACTS / "support-log-resolve.png"), full_page=True)
            page.goto(f"{live_server}/tickets/1")
            page.wait_for_selector(".body:has-text('4. [failed] Start it')")
            page.screenshot(path=str(ARTIFACTS / "ticket-resolve-note.png"), full_page=True)
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()

    assert csv_rows[0] == ["ts", "status", "message", "duration_s", "metrics"]
    assert len(csv_rows) - 1 == table.num_rows == stored
    from_parquet = [
        [ts.isoformat().replace("+00:00", "Z"), status, message, repr(duration), metrics]
        for ts, status, message, duration, metrics in zip(
            *(c.to_pylist() for c in table.columns), strict=True
        )
    ]
    assert csv_rows[1:] == from_parquet
    assert [r[1] for r in csv_rows[1:]] == ["ok", "ok", "critical", "critical", "critical"]
    with store.session() as s:
        run = s.scalars(select(ResolveRun)).one()
        assert (run.outcome, run.ticket_number, run.actor) == ("unresolved", 1, "user:super")
        assert [step["state"] for step in run.steps] == ["done"] * 3 + ["failed", "skipped", "skipped"]
        assert s.scalars(select(FunctionSpecRow)).all() == []
        removal = s.scalars(select(AuditEntry).where(AuditEntry.action == "function.remove")).one()
        assert (removal.actor, removal.customer_id) == ("user:super", seed.customer_a)
        assert FUNCTION_ID in removal.detail
        note = s.scalars(select(TicketEntry).where(TicketEntry.kind == "note")).one()
        assert "Resolve run with “Service stopped” (version 1): unresolved" in note.body
        exports = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "export.function")).all()
        assert len(exports) == 2
