"""Acceptance: a fresh install, no rule written by hand. An administrator adds the customer's
contact and makes the default "CPU busy" rule quick to trip in its edit form (a test cannot
wait 5 minutes at 90 %): a lower level and a shorter "for", the rule otherwise as installed.
A CPU hog on the enrolled machine then raises the default CPU alert and the contact receives
it by email through the real SMTP server (aiosmtpd, STARTTLS + AUTH) — real collector and
agent processes, real Chromium."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alerting.smtp_server import SmtpServer
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, signed_in_page
from support.procs import AgentProc, CollectorProc, eus
from support.waits import wait_for

from collector.alerting.defaults import DEFAULT_RULES
from collector.alerting.models import Alert, AlertRule
from collector.store.db import Store

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PASSWORD = "admin-password-12"
CONTACT = "office@acme.example"
FAST_AGENT = {
    "EUS_AGENT_COLLECTOR_CPU_INTERVAL_S": "0.5",
    "EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.2",
    "EUS_AGENT_TRANSPORT_BACKOFF_MAX_S": "1",
}


@pytest.fixture
def cpu_hog() -> Iterator[None]:
    """One busy process per core, as a runaway program would be."""
    import os

    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        yield
    finally:
        for h in hogs:
            h.kill()
            h.wait()


def test_default_cpu_rule_emails_the_customer_contact(tmp_path: Path, cpu_hog: None) -> None:
    from playwright.sync_api import expect, sync_playwright

    smtp = SmtpServer(tmp_path).start()
    data = tmp_path / "collector"
    eus(data, "init", "--admin", "root")
    eus(data, "customer", "create", "Acme")
    eus(
        data,
        "user",
        "create",
        "ada",
        "--role",
        "administrator",
        "--all-customers",
        "--password-stdin",
        stdin=PASSWORD,
    )
    collector = CollectorProc(
        data,
        {
            "EUS_ALERT_DEFAULT_RULES": "true",  # a fresh install's setting
            **smtp.collector_env(),
        },
    )
    store = Store(f"sqlite:///{data / 'eus.sqlite3'}")
    agent: AgentProc | None = None
    try:
        collector.start()
        base = f"http://127.0.0.1:{collector.web_port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = signed_in_page(browser, base, "ada", PASSWORD)
            page.goto(f"{base}/alerting/contacts")
            new = page.locator("form[action$='/alerting/contacts']")
            new.locator("select[name=customer_id]").select_option(label="Acme")
            new.locator("input[name=name]").fill("Office manager")
            new.locator("input[name=email]").fill(CONTACT)
            new.locator("select[name=min_severity]").select_option("warning")
            new.locator("button[type=submit]").click()
            expect(page.locator(".flash-info")).to_contain_text("Office manager saved")

            page.goto(f"{base}/alerting/rules")
            row = page.locator("table.rules tr", has_text="CPU busy")
            expect(row).to_contain_text("global")
            row.locator("a:has-text('Edit')").click()
            expect(page.locator("input[name=metric]")).to_have_value("cpu.percent")
            expect(page.locator("input[name=labels]")).to_have_value("cpu=total")
            page.fill("input[name=warning]", "20")
            page.fill("input[name=for]", "3s")
            page.click("button:has-text('Save rule')")
            # The clear level (80) is above the new level: refused, with everything typed kept.
            expect(page.locator(".flash-error")).to_contain_text("warning_clear")
            expect(page.locator("input[name=warning]")).to_have_value("20")
            expect(page.locator("input[name=for]")).to_have_value("3s")
            page.fill("input[name=warning_clear]", "15")
            page.click("button:has-text('Save rule')")
            expect(page.locator(".flash-info")).to_contain_text("Rule “CPU busy” saved")
            assert page.evaluate("window.__cspViolations") == []
            browser.close()

        token = eus(data, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
        agent = AgentProc(tmp_path / "pc1", "pc1", FAST_AGENT)
        agent.enroll(collector, token)
        agent.start()
        wait_for(
            lambda: any(CONTACT in m.to and "CPU busy" in m.subject for m in smtp.mails),
            120,
            "the CPU alert's email to the customer's contact",
        )
        with store.session() as s:
            rules = list(s.scalars(select(AlertRule)))
            cpu = next(r for r in rules if r.family == "default.cpu")
            alert = s.scalars(select(Alert).where(Alert.rule_id == cpu.id)).first()
        assert len(rules) == len(DEFAULT_RULES)  # no rule written by hand
        assert cpu.customer_id is None and cpu.notify_contacts
        assert (
            json.loads(cpu.params)["labels"] == {"cpu": "total"} and json.loads(cpu.params)["critical"] == 98
        )
        assert alert is not None
        # The mail says the reading that raised it. (Not ``alert.value``: that is the newest
        # verdict's, and the alert may already have cleared on a later reading.)
        mail = next(m for m in smtp.mails if CONTACT in m.to and "CPU busy" in m.subject)  # the first
        said = re.search(r"cpu\.percent = ([0-9.]+)", f"{mail.subject}\n{mail.body}")
        assert said is not None and float(said.group(1)) > 20, mail.body
    finally:
        if agent is not None and agent.alive:
            agent.stop()
        if collector.alive:
            collector.stop()
        store.dispose()
        smtp.stop()
