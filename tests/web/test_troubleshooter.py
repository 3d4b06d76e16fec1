"""The Installation Trouble-Shooter shows, with their fixes, an enrollment the real collector
refused because the token had expired, and the report of a real ``eus-agent doctor`` run
against a port nothing listens on. Screenshots are kept in /tmp/eus-artifacts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, serve, signed_in_page
from support.procs import AgentProc, CollectorProc, eus, run_script
from support.waits import free_port

from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, EnrollmentToken, Role, User
from collector.troubleshooting.models import DoctorReport
from collector.tsdb.db import TimeSeriesDB
from collector.web import create_app

from .conftest import PASSWORDS, SECRET_KEY

pytestmark = pytest.mark.browser
ARTIFACTS = Path("/tmp/eus-artifacts")


def test_an_expired_token_and_an_unreachable_port_are_explained(
    tmp_path: Path, password_hashes: dict[str, str]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    data = tmp_path / "collector"
    eus(data, "init", "--admin", "admin")
    eus(data, "customer", "create", "Acme")
    token = eus(data, "token", "create", "--customer", "Acme", "--ttl", "1h").stdout.strip().splitlines()[-1]
    store = Store(f"sqlite:///{data / 'eus.sqlite3'}")
    with store.session() as s:  # the token's hour has passed
        row = s.scalars(select(EnrollmentToken)).one()
        row.expires_at = datetime.now(UTC) - timedelta(minutes=5)
        customer_id = s.scalars(select(Customer.id)).one()
        s.add(User(username="tech", password_hash=password_hashes["tech"], role=Role.TECHNICIAN.value,
                   all_customers=True))  # fmt: skip

    collector = CollectorProc(data).start()
    try:
        agent = AgentProc(tmp_path / "agent", "pc-1")
        agent.state_dir.mkdir(parents=True)
        refused = run_script(
            "eus-agent", "enroll", "--collector", f"127.0.0.1:{collector.enroll_port}",
            "--token-file", "-", "--ca-fingerprint", collector.ca_fingerprint,
            env=agent.env, stdin=token,
        )  # fmt: skip
    finally:
        collector.stop()
    assert refused.returncode == 2
    assert "expired" in refused.stderr

    closed = free_port()  # nothing listens here
    unreachable = run_script(
        "eus-agent", "enroll", "--collector", f"127.0.0.1:{closed}", "--token-file", "-",
        "--ca-fingerprint", "ab" * 32, env=agent.env, stdin=token,
    )  # fmt: skip
    assert unreachable.returncode == 2
    assert (
        unreachable.stderr.count("\n") == 1
        and f"eus-agent doctor --collector 127.0.0.1:{closed}" in unreachable.stderr
    )
    doctor = run_script("eus-agent", "doctor", "--collector", f"127.0.0.1:{closed}", env=agent.env)
    assert doctor.returncode == 1
    report = json.loads(doctor.stdout)
    assert {
        "check": "tcp",
        "target": f"127.0.0.1:{closed}",
        "ok": False,
        "detail": "Connection refused",
    } in report["checks"]

    tsdb = TimeSeriesDB(data / "metrics.duckdb")
    app = create_app(store, tsdb, secret_key=SECRET_KEY, test_config={"TESTING": True})
    try:
        with serve(app) as url, sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = signed_in_page(browser, url, "tech", PASSWORDS["tech"])
                page.goto(f"{url}/customers/{customer_id}")
                page.click("text=Installation Trouble-Shooter")
                attempt = page.locator("#enrollment-attempts tr.finding")
                attempt.first.wait_for()
                assert "token had expired" in attempt.first.locator(".problem").inner_text()
                assert "Create a new token" in attempt.first.locator(".fix").inner_text()
                page.fill("#doctor-form textarea[name=report]", "this is not a report")
                page.click("#doctor-form button")
                page.wait_for_selector("text=Report not added: no JSON object found")
                page.fill("#doctor-form textarea[name=report]", doctor.stdout)
                page.click("#doctor-form button")
                page.wait_for_selector("text=Doctor report added: 1 problem(s) found.")
                problem = page.locator("#doctor-reports tr.finding .problem").first.inner_text()
                assert f"cannot reach the collector's port 127.0.0.1:{closed}: connection refused" in problem
                fix = page.locator("#doctor-reports tr.finding .fix").first.inner_text()
                assert "enroll_port (7444)" in fix
                page.screenshot(path=str(ARTIFACTS / "troubleshooter.png"), full_page=True)
                assert page.evaluate("window.__cspViolations") == []
            finally:
                browser.close()
        with store.session() as s:
            assert s.scalars(select(DoctorReport.hostname)).all() == [report["hostname"]]
            audit = s.scalars(
                select(AuditEntry).where(AuditEntry.action == "troubleshooter.doctor_report")
            ).one()
            assert (audit.actor, audit.customer_id) == ("user:tech", customer_id)
    finally:
        tsdb.close()
        store.dispose()
