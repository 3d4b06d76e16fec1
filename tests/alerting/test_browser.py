"""The alerting pages in real Chromium under the strict CSP: a supervisor adds a contact
through the form, presses the test button, and reads the outcomes that the real worker
got from aiosmtpd (delivered) and the SMS emulator (refused); then acknowledges an alert."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from support.browser import CHROMIUM, CHROMIUM_ARGS, serve, signed_in_page
from support.sms_emulator import SmsEmulator
from web.conftest import PASSWORDS, Seed

from alerting.conftest import sms_sender, smtp_sender
from alerting.smtp_server import SmtpServer
from collector.alerting.models import Alert
from collector.notify.worker import NotifyWorker
from collector.store.db import Store

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


def test_contact_test_button_and_acknowledge_in_chromium(
    live_server: str, seed: Seed, store: Store, smtp: SmtpServer, sms: SmsEmulator
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with store.session() as s:
        alert = Alert(
            fingerprint="disk|d1|",
            kind="threshold",
            customer_id=seed.customer_a,
            device_id=seed.device_a,
            severity="critical",
            state="firing",
            summary="disk.percent = 97 > 95",
        )
        s.add(alert)
        s.flush()
        alert_id = alert.id
    sms.fail_always(400, 21211, "The 'To' number is not a valid phone number.")
    worker = NotifyWorker(store, {"email": smtp_sender(smtp), "sms_http": sms_sender(sms)}, poll_s=0.1)
    worker.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = signed_in_page(browser, live_server, "super", PASSWORDS["super"])
            page.goto(f"{live_server}/alerting/contacts")
            form = page.locator("form[action$='/alerting/contacts']")
            form.locator("select[name=customer_id]").select_option(str(seed.customer_a))
            form.locator("input[name=name]").fill("Ann Example")
            form.locator("input[name=email]").fill("ann@acme.example")
            form.locator("input[name=mobile]").fill("+4915100000001")
            form.locator("button[type=submit]").click()
            expect(page.locator(".flash")).to_contain_text("Contact Ann Example saved")
            page.click("table a:has-text('Ann Example')")
            page.click("#test-contact")
            expect(page.locator(".flash")).to_contain_text("Test queued on 2 channel(s)")
            for _ in range(50):  # the worker sends within a fraction of a second
                page.reload()
                if (
                    page.locator(".message-log .msg-state-delivered").count()
                    and page.locator(".message-log .msg-state-failed").count()
                ):
                    break
                page.wait_for_timeout(200)
            expect(page.locator(".message-log")).to_contain_text("21211")
            assert page.locator(".message-log .msg-state-delivered").count() == 1
            assert page.locator(".message-log .msg-state-failed").count() == 1
            page.goto(f"{live_server}/alerts")
            page.click(f"form[action$='/alerts/{alert_id}/ack'] button")
            expect(page.locator(".flash")).to_contain_text(f"Alert {alert_id}: acknowledged")
            assert page.evaluate("window.__cspViolations") == []
            browser.close()
    finally:
        worker.stop()
    assert len(smtp.mails) == 1 and smtp.mails[0].to == ["ann@acme.example"]
    with store.session() as s:
        acked = s.get(Alert, alert_id)
        assert acked is not None and acked.acked_by == "user:super"
