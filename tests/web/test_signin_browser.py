"""Signing in, in real Chromium: a session ends on the server at logout, a locked-out account
is lifted by an administrator, and the second factor is set up and asked for (pyotp computes
the codes, as a phone would)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from support.browser import CHROMIUM, CHROMIUM_ARGS, RECORD_CSP_VIOLATIONS, TIMEOUT_MS, serve

from .conftest import PASSWORDS

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


@contextmanager
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: run make test (it installs Debian's chromium)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any) -> Any:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    return context.new_page()


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_a_cookie_copied_before_logout_leads_to_the_login_page(live_server: str) -> None:
    with chromium() as browser:
        page = new_page(browser)
        sign_in(page, live_server, "admin", PASSWORDS["admin"])
        page.wait_for_url(f"{live_server}/")
        copied = page.context.cookies()
        assert [c["name"] for c in copied] == ["eus_session"]
        page.click("header button:has-text('Sign out')")
        page.wait_for_url(f"{live_server}/login")

        thief = new_page(browser)
        thief.context.add_cookies(copied)
        for path in ("/", "/admin/users"):
            thief.goto(f"{live_server}{path}")
            assert thief.url.startswith(f"{live_server}/login"), path
            assert thief.locator("h1").inner_text() == "Sign in"
        assert page.evaluate("window.__cspViolations") == []


def test_an_administrator_lifts_an_account_lockout(live_server: str) -> None:
    with chromium() as browser:
        tech = new_page(browser)
        for _ in range(5):
            sign_in(tech, live_server, "tech", "not-the-password")
            tech.wait_for_selector(".flash-error")
        sign_in(tech, live_server, "tech", PASSWORDS["tech"])
        assert "Too many failed attempts" in tech.locator(".flash-error").inner_text()

        admin = new_page(browser)
        sign_in(admin, live_server, "admin", PASSWORDS["admin"])
        admin.wait_for_url(f"{live_server}/")
        admin.click("nav a:has-text('Sign-in security')")
        row = admin.locator("#lockouts tr", has_text="tech")
        assert "account" in row.inner_text()
        row.locator("button:has-text('Unlock')").click()
        admin.wait_for_selector(".flash-info:has-text('Unlocked account tech')")
        assert admin.locator("#lockouts").inner_text().count("Nobody is locked out") == 1

        sign_in(tech, live_server, "tech", PASSWORDS["tech"])
        tech.wait_for_url(f"{live_server}/")
        assert admin.evaluate("window.__cspViolations") == []


def test_second_factor_set_up_and_asked_for_in_chromium(live_server: str) -> None:
    with chromium() as browser:
        page = new_page(browser)
        sign_in(page, live_server, "tech", PASSWORDS["tech"])
        page.wait_for_url(f"{live_server}/")
        page.click("header .whoami a")
        page.click("a:has-text('Manage')")
        page.wait_for_selector(".qr svg")
        secret = page.locator("#totp-secret").inner_text()
        totp = pyotp.TOTP(secret)
        page.fill("input[name=code]", totp.now())
        page.click("main button:has-text('Turn on')")
        codes = page.locator("#recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        assert page.evaluate("window.__cspViolations") == []
        page.click("header button:has-text('Sign out')")
        page.wait_for_url(f"{live_server}/login")

        sign_in(page, live_server, "tech", PASSWORDS["tech"])
        page.wait_for_url(f"{live_server}/login/second-factor")
        page.fill("input[name=code]", "123456" if totp.now() != "123456" else "654321")
        page.click("main button[type=submit]")
        assert "not valid" in page.locator(".flash-error").inner_text()
        # The code of the next step: the one used to turn it on cannot be used again.
        page.fill("input[name=code]", totp.at(datetime.now(UTC) + timedelta(seconds=30)))
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.click("header button:has-text('Sign out')")
        page.wait_for_url(f"{live_server}/login")

        sign_in(page, live_server, "tech", PASSWORDS["tech"])
        page.wait_for_url(f"{live_server}/login/second-factor")
        page.fill("input[name=code]", codes[0])
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        assert "recovery code" in page.locator(".flash-info").inner_text()
        assert page.evaluate("window.__cspViolations") == []
