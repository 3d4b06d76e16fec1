"""The SNMP pages in real Chromium under the strict CSP: a supervisor finds them from the
navigation, adds a device through the form (a v2c attempt is refused until "legacy" is
ticked), and reads its page, the Network view and the traps list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, RECORD_CSP_VIOLATIONS, TIMEOUT_MS, serve

from collector.snmp.models import NetworkDevice
from collector.store.db import Store
from collector.store.models import Role
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, Seed, set_role
from .snmp_seed import (
    OK,
    WARNING,
    DuckSeed,
    Snmp,
    snmp_fixture,  # noqa: F401 - provides the ``snmp`` fixture
)

SCREENSHOT = Path("/tmp/eus-snmp-device-page.png")

pytestmark = pytest.mark.browser


@pytest.fixture
def served(app: Flask, snmp: Snmp) -> Iterator[str]:
    """The app (with the SNMP views wired) served by waitress on a free loopback port."""
    with serve(app) as url:
        yield url


def test_a_supervisor_adds_an_snmp_device_in_chromium(
    served: str, store: Store, tsdb: TimeSeriesDB, seed: Seed, snmp: Snmp
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    set_role(store, seed.tech, Role.SUPERVISOR)  # configuring devices is for supervisors
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: run make test (it installs Debian's chromium)")
    problems: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1400})
            context.set_default_timeout(TIMEOUT_MS)
            context.add_init_script(RECORD_CSP_VIOLATIONS)
            page = context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))

            page.goto(f"{served}/login")
            page.fill("input[name=username]", "tech")
            page.fill("input[name=password]", PASSWORDS["tech"])
            page.click("button[type=submit]")
            page.click("text=Network devices")
            page.click("text=Add a device")
            page.fill("input[name=name]", "Lobby printer")
            page.fill("input[name=host]", "10.0.0.40")
            page.select_option("select[name=gateway_device_id]", str(seed.device_a))
            page.select_option("select[name=version]", "2c")
            page.fill("input[name=community]", "printer-community")
            page.click("form.snmp-device button[type=submit]")
            assert "SNMPv2c sends the community in clear text" in page.inner_text("ul.errors")
            assert page.input_value("input[name=name]") == "Lobby printer"  # what was typed stays
            page.fill("input[name=community]", "printer-community")
            page.check("input[name=legacy]")
            page.click("form.snmp-device button[type=submit]")
            page.wait_for_selector("h1 .badge.finding")

            with store.session() as s:
                device = s.scalars(select(NetworkDevice)).one()
            target = device.target_id
            assert snmp.gateway_a.targets()[0].community == "printer-community"
            duck = DuckSeed(tsdb.cursor())
            gw = seed.device_a
            duck.function(
                gw, target, f"{target}:reachability", kind="snmp", status=OK, message="polled in 0.02 s"
            )
            duck.function(gw, target, f"{target}:supply:1", kind="snmp.supply", status=WARNING,
                          message="Black Toner: 12% left (warning below 15%)")  # fmt: skip
            duck.series(gw, target, "snmp.printer.supply_percent", [(0, 12)], index="1", descr="Black Toner")
            page.reload()
            assert page.inner_text("#supplies .badge.health-warning") == "warning"
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            page.click("text=Network view")
            page.wait_for_selector("table.structure")
            page.click("text=Traps")
            page.wait_for_selector("table.traps")
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()
    # The one refused form answered 400, which Chromium reports; nothing else went wrong.
    assert problems == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
