"""A technician works a ticket from the queue in Chromium — replies, logs 30 minutes,
resolves — and the customer accepts from the link the resolution mail carries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, RECORD_CSP_VIOLATIONS, TIMEOUT_MS, serve

from collector.alerting.models import Contact
from collector.helpdesk import tickets
from collector.helpdesk.models import Ticket, TimeEntry
from collector.notify.models import Message
from collector.store.db import Store

from .conftest import PASSWORDS, Seed

pytestmark = pytest.mark.browser
ARTIFACTS = Path("/tmp/eus-artifacts")


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


def test_a_technician_works_a_ticket_and_the_customer_accepts(
    live_server: str, store: Store, seed: Seed
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make test installs Debian's chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    with store.session() as s:
        contact = Contact(customer_id=seed.customer_a, name="Ann", email="ann@acme.example")
        s.add(contact)
        s.flush()
        new = tickets.NewTicket(
            customer_id=seed.customer_a, title="Printer jammed", priority=2, requester_contact_id=contact.id
        )
        tickets.open_ticket(s, new, "mail:ann@acme.example", datetime.now(UTC))

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            tech = browser.new_context(viewport={"width": 1280, "height": 1000})
            tech.set_default_timeout(TIMEOUT_MS)
            tech.add_init_script(RECORD_CSP_VIOLATIONS)
            page = tech.new_page()
            page.goto(f"{live_server}/tickets")
            page.fill("input[name=username]", "tech")
            page.fill("input[name=password]", PASSWORDS["tech"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/tickets")
            page.click("text=EUS-000001")
            page.wait_for_url(f"{live_server}/tickets/1")

            page.fill("textarea[name=body]", "I have cleared the paper path; please try again.")
            page.select_option("select[name=visibility]", "public")
            page.click("form[action$='/reply'] button")
            page.wait_for_selector("text=I have cleared the paper path")
            page.fill("input[name=minutes]", "30")
            page.fill("input[name=note]", "on site")
            page.click("form[action$='/time'] button")
            page.wait_for_selector("#time-total:has-text('30 min')")
            page.click("form[action$='/action'] button:has-text('Resolve')")
            page.wait_for_selector("#ticket-status:has-text('resolved')")
            page.screenshot(path=str(ARTIFACTS / "ticket-resolved.png"), full_page=True)
            assert page.evaluate("window.__cspViolations") == []

            with store.session() as s:
                bodies = [m.body for m in s.scalars(select(Message).where(Message.kind == "ticket"))]
            link = next(m.group(1) for b in bodies if (m := re.search(r"https?://\S+(/accept/\S+)", b)))

            customer = browser.new_context(viewport={"width": 390, "height": 800})
            customer.set_default_timeout(TIMEOUT_MS)
            answer = customer.new_page()
            answer.goto(f"{live_server}{link}")  # no login: the signed link is the credential
            answer.click("button[value=accept]")
            answer.wait_for_selector("h1:has-text('EUS-000001 is closed')")
            answer.screenshot(path=str(ARTIFACTS / "ticket-accepted.png"), full_page=True)
        finally:
            browser.close()
    with store.session() as s:
        assert s.scalars(select(Ticket)).one().status == "closed"
        assert [e.minutes for e in s.scalars(select(TimeEntry))] == [30]
        to_ann = s.scalars(select(Message).where(Message.address == "ann@acme.example")).all()
        assert [m.subject for m in to_ann] == ["[EUS-000001] Printer jammed"] * 2  # the reply and the link
