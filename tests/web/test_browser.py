"""The device page in real Chromium: uPlot draws every chart under the strict CSP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from support.browser import CHROMIUM, CHROMIUM_ARGS, RECORD_CSP_VIOLATIONS, TIMEOUT_MS, serve

from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, Seed
from .tsdb_seed import add_samples, add_series, aligned_now

SCREENSHOT = Path("/tmp/eus-device-page.png")
INDEX_SCREENSHOT = Path("/tmp/eus-index-page.png")


pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by waitress on a free loopback port, in a thread."""
    with serve(app) as url:
        yield url


def seed_metrics(tsdb: TimeSeriesDB, device_id: int) -> None:
    """An hour of plausible 10-second samples for every chart on the device page."""
    cur = tsdb.cursor()
    now = aligned_now(10)
    stamps = [now - timedelta(seconds=10 * i) for i in range(359, -1, -1)]

    def wave(i: int, base: float, amp: float) -> float:
        return base + amp * ((i * 7) % 23) / 23

    add_series(cur, 1, device_id, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_samples(cur, 1, [(t, wave(i, 15, 40)) for i, t in enumerate(stamps)])
    add_series(cur, 2, device_id, "memory.percent", unit="percent")
    add_samples(cur, 2, [(t, 55 + i / 36) for i, t in enumerate(stamps)])
    for sid, mount, used in ((3, "/", 62.0), (4, "/var", 31.0)):
        add_series(cur, sid, device_id, "disk.percent", {"mount": mount}, unit="percent")
        add_samples(cur, sid, [(t, used + i / 360) for i, t in enumerate(stamps)])
    counters = (
        (5, "net.rx_bytes", {"iface": "eth0"}, 250_000),
        (6, "net.tx_bytes", {"iface": "eth0"}, 40_000),
        (7, "diskio.read_bytes", {"disk": "sda"}, 2_000_000),
        (8, "diskio.write_bytes", {"disk": "sda"}, 700_000),
    )
    for sid, name, labels, rate in counters:
        add_series(cur, sid, device_id, name, labels, unit="bytes", monotonic=True)
        total = 0.0
        samples = []
        for i, t in enumerate(stamps):
            total += rate * 10 * (0.5 + ((i * 5) % 11) / 11)
            samples.append((t, total))
        add_samples(cur, sid, samples)


def test_device_page_renders_charts_in_chromium(live_server: str, tsdb: TimeSeriesDB, seed: Seed) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: run make test (it installs Debian's chromium)")
    seed_metrics(tsdb, seed.device_a)
    now = aligned_now(10)
    tsdb.cursor().execute(  # a loss the agent reported: shaded on every chart
        "INSERT INTO gaps VALUES (?, 1, 5, 9, 50, ?, ?, 'spool max_bytes exceeded', ?)",
        [
            seed.device_a,
            (now - timedelta(minutes=30)).replace(tzinfo=None),
            (now - timedelta(minutes=20)).replace(tzinfo=None),
            now.replace(tzinfo=None),
        ],
    )

    console_errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1400})
            context.set_default_timeout(TIMEOUT_MS)
            context.add_init_script(RECORD_CSP_VIOLATIONS)
            page = context.new_page()
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            page.on(
                "response",
                lambda r: console_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )

            page.goto(f"{live_server}/devices/{seed.device_a}")
            assert "/login" in page.url  # sent to sign in first
            page.fill("input[name=username]", "tech")
            page.fill("input[name=password]", PASSWORDS["tech"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/devices/{seed.device_a}")

            for metric in ("cpu", "memory", "disk", "net", "diskio"):
                page.wait_for_selector(f"#chart-{metric}[data-rendered=true] .plot canvas", state="attached")
                assert page.locator(f"#chart-{metric} .plot canvas").count() >= 1, metric
            assert page.locator(".chart[data-error]").count() == 0
            assert page.locator(".chart[data-gaps='1'][data-empty=false]").count() == 5
            assert page.locator("#data-gaps tbody tr").count() == 1
            assert page.locator("#chart-disk .u-legend .u-series").count() == 3  # x + two mounts
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            page.click(".range-switch a[data-range='24h']")
            page.wait_for_url("**range=24h")
            page.wait_for_selector("#chart-cpu[data-range='24h'] .plot canvas", state="attached")

            assert page.evaluate("window.__cspViolations") == []

            page.click("a.brand")
            page.wait_for_selector("table.devices")
            page.screenshot(path=str(INDEX_SCREENSHOT), full_page=True)
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()
    assert console_errors == []
