"""Real Chromium for dashboard tests: launch arguments, CSP-violation recording, a live server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from collector.web.serving import WebServer

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out, which this closed
# network refuses; --no-sandbox because tests run as root here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000

# Runs before any page script (Playwright injects it outside the page's CSP) and records
# every CSP violation, so a blocked inline script or style cannot pass unnoticed.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app served as the collector serves it (waitress on a thread), on a free loopback
    port; yields its base URL."""
    server = WebServer(app, host="127.0.0.1", port=0, threads=4)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        assert server.stop(), "the web server did not stop"


def signed_in_page(browser: Any, base_url: str, username: str, password: str) -> Any:
    """A new page of ``browser`` (strict timeouts, CSP violations recorded) whose user has signed
    in through the login form, as a person would."""
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page
