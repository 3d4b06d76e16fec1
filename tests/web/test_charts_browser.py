"""Charts as a technician uses them, in real Chromium: 7 days of CPU read from the rollups with
the spike kept in its band, dragged to zoom in; ?range= honoured; every panel kind drawn; the
chart refreshing itself; distinct unit-scaled ticks and 24-hour times in the user's zone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from support.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, serve, signed_in_page

from collector.store.db import Store
from collector.store.models import User
from collector.tsdb import compaction
from collector.tsdb.db import TimeSeriesDB

from .conftest import PASSWORDS, LoginFn, Seed
from .tsdb_seed import add_samples, add_series, aligned_now

CPU, MEMORY, PROCESSES, RX = 1, 2, 3, 4
SPIKE_AGO = timedelta(days=3, hours=5)
SCREENSHOT = Path("/tmp/eus-charts-7d.png")


def seed_week(tsdb: TimeSeriesDB, device_id: int) -> datetime:
    """7 days of one-minute CPU (10-30 %) with one 100 % minute, compacted into blocks and
    rollups as the collector does; returns the spike's time."""
    cur = tsdb.cursor()
    now = aligned_now(60)
    n = 7 * 1440
    stamps = [now - timedelta(minutes=n - 1 - i) for i in range(n)]
    rng = np.random.default_rng(12)
    values = np.round(10 + 20 * rng.random(n), 1)
    spike = now - SPIKE_AGO
    values[stamps.index(spike)] = 100.0
    add_series(tsdb.cursor(), CPU, device_id, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_samples(cur, CPU, list(zip(stamps, values.tolist(), strict=True)))
    compaction.compact(cur, now - timedelta(minutes=30))
    return spike


def _browser(sync_api: Any) -> Any:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: run make test (it installs Debian's chromium)")
    return sync_api.sync_playwright()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


def _figure(page: Any, key: str) -> dict[str, str]:
    got: dict[str, str] = page.evaluate(
        """key => Object.fromEntries([...document.getElementById("chart-" + key).attributes]
            .map(a => [a.name, a.value]))""",
        key,
    )
    return got


def test_seven_days_read_from_rollups_keep_the_spike_in_the_band(
    client: FlaskClient, login: LoginFn, tsdb: TimeSeriesDB, seed: Seed
) -> None:
    spike = seed_week(tsdb, seed.device_a)
    raw_left = tsdb.cursor().execute("SELECT count(*) FROM samples").fetchall()[0][0]
    assert raw_left <= 45  # the last 30-45 minutes only: the week lives in blocks and rollups
    login("tech", PASSWORDS["tech"])
    body = client.get(f"/api/devices/{seed.device_a}/series?panel=cpu&range=7d").get_json()
    assert (body["range"], body["step"], body["end"] - body["start"]) == ("7d", 1800, 7 * 86400)
    [line] = body["series"]
    assert max(line["high"]) == 100.0  # the one 100 % minute survives 30-min buckets
    assert max(line["v"]) < 40.0  # which their means average away
    at = line["high"].index(100.0)
    assert line["t"][at] <= spike.timestamp() < line["t"][at] + 1800
    assert all(lo <= v <= hi for lo, v, hi in zip(line["low"], line["v"], line["high"], strict=True))


@pytest.mark.browser
def test_seven_days_of_cpu_shown_and_zoomed_in(live_server: str, tsdb: TimeSeriesDB, seed: Seed) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    spike = seed_week(tsdb, seed.device_a)
    with _browser(sync_api) as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            page = signed_in_page(browser, live_server, "tech", PASSWORDS["tech"])
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{live_server}/devices/{seed.device_a}?range=7d")
            page.wait_for_selector("#chart-cpu[data-rendered=true] .u-over")
            week = _figure(page, "cpu")
            assert (week["data-range"], week["data-step"], week["data-bands"]) == ("7d", "1800", "1")
            assert int(week["data-end"]) - int(week["data-start"]) == 7 * 86400
            assert page.locator(".range-switch a[data-range='7d']").get_attribute("aria-current") == "page"
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            # Drag across the middle half of the chart, around the spike's day.
            page.locator("#chart-cpu .u-over").scroll_into_view_if_needed()
            over = page.locator("#chart-cpu .u-over").bounding_box()
            assert over is not None
            y = over["y"] + over["height"] / 2
            page.mouse.move(over["x"] + over["width"] * 0.25, y)
            page.mouse.down()
            page.mouse.move(over["x"] + over["width"] * 0.5, y, steps=8)
            page.mouse.move(over["x"] + over["width"] * 0.75, y, steps=8)
            page.mouse.up()
            page.wait_for_selector("#chart-cpu[data-range=custom][data-rendered=true]")
            zoomed = _figure(page, "cpu")
            start, end = int(zoomed["data-start"]), int(zoomed["data-end"])
            week_start, week_end = int(week["data-start"]), int(week["data-end"])
            assert week_start < start < end < week_end
            assert 2 * 86400 < end - start < 5 * 86400  # about half of the week
            assert int(zoomed["data-step"]) < 1800  # finer buckets: really zoomed, not redrawn
            assert re.search(r"[?&]from=\d+&to=\d+", page.url)
            assert start <= spike.timestamp() < end
            scale = page.evaluate("document.getElementById('chart-cpu').eusPlot.scales.x")
            assert (scale["min"], scale["max"]) == (start, end)  # the axis follows the zoom
            assert page.locator("[data-zoom-note]").is_visible()

            # The zoomed address opens the same window; a named range goes back.
            page.reload()
            page.wait_for_selector("#chart-cpu[data-range=custom][data-rendered=true]")
            assert int(_figure(page, "cpu")["data-start"]) == start
            page.click(".range-switch a[data-range='24h']")
            page.wait_for_selector("#chart-cpu[data-range='24h']")
            assert page.url.endswith("?range=24h")
            assert errors == []
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()


def seed_panels(tsdb: TimeSeriesDB, device_id: int) -> datetime:
    cur = tsdb.cursor()
    now = aligned_now(10)
    stamps = [now - timedelta(seconds=10 * i) for i in range(89, -1, -1)]
    add_series(cur, CPU, device_id, "cpu.percent", {"cpu": "total"}, unit="percent")
    add_samples(cur, CPU, [(t, 20.0 + i % 7) for i, t in enumerate(stamps)])
    add_series(cur, MEMORY, device_id, "memory.percent", unit="percent")
    add_samples(cur, MEMORY, [(t, 60.0) for t in stamps])
    add_series(cur, PROCESSES, device_id, "host.processes", unit="count")
    add_samples(cur, PROCESSES, [(t, 212.0) for t in stamps])
    # A link barely used: 0.2 to 0.8 bytes a second, the case whose ticks once all read "1 B/s".
    add_series(cur, RX, device_id, "net.rx_bytes", {"iface": "eth0"}, unit="bytes", monotonic=True)
    total, counter = 0.0, []
    for i, t in enumerate(stamps):
        total += 10 * (0.2 + 0.6 * (i % 4) / 3)
        counter.append((t, total))
    add_samples(cur, RX, counter)
    return now


@pytest.mark.browser
def test_every_panel_kind_ticks_and_times_in_the_users_zone_and_live_refresh(
    live_server: str, tsdb: TimeSeriesDB, store: Store, seed: Seed
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    now = seed_panels(tsdb, seed.device_a)
    with store.session() as s:
        s.scalars(select(User).where(User.username == "tech")).one().time_zone = "America/New_York"
    with _browser(sync_api) as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            page = signed_in_page(browser, live_server, "tech", PASSWORDS["tech"])
            asked: list[str] = []
            page.on("request", lambda r: asked.append(r.url) if "/api/" in r.url else None)
            page.goto(f"{live_server}/devices/{seed.device_a}")
            for key in ("cpu", "memory", "processes", "net"):
                page.wait_for_selector(f"#chart-{key}[data-rendered=true]")
            # every panel of the page in one request, not one a panel
            opening = asked[0]
            assert f"/api/devices/{seed.device_a}/panels?" in opening and opening.count("panel=") == 9, asked
            assert not any("/series?" in url for url in asked), asked
            # line, area and stat, each as its file says
            assert _figure(page, "cpu")["data-kind"] == "line"
            assert page.evaluate("document.getElementById('chart-cpu').eusPlot.series[1].fill") is None
            assert _figure(page, "memory")["data-kind"] == "area"
            assert page.evaluate("!!document.getElementById('chart-memory').eusPlot.series[1].fill")
            assert _figure(page, "processes")["data-kind"] == "stat"
            assert page.locator("#chart-processes .stat-value").inner_text() == "212"
            assert page.locator("#chart-cpu canvas").count() == 1
            assert page.locator("#chart-memory canvas").count() == 1

            # y ticks: one scale per axis, distinct, as many decimals as their distance needs
            ticks: list[str] = page.evaluate("document.getElementById('chart-net').eusPlot.axes[1]._values")
            assert len(ticks) >= 3 and len(set(ticks)) == len(ticks), ticks
            assert all(t.endswith(" B/s") for t in ticks), ticks
            assert page.evaluate("EusFormat.valueTicks('bytes/s', [0, 512, 1024, 1536])") == [
                "0.0 KiB/s",
                "0.5 KiB/s",
                "1.0 KiB/s",
                "1.5 KiB/s",
            ]
            assert page.evaluate("EusFormat.valueTicks('bits/s', [0, 2.5e6, 5e6])") == [
                "0.0 Mbit/s",
                "2.5 Mbit/s",
                "5.0 Mbit/s",
            ]

            # x ticks: 24-hour, in the user's zone (New York), not the browser's or UTC
            x = page.evaluate(
                "(() => { const a = document.getElementById('chart-cpu').eusPlot.axes[0];"
                " return [a._splits, a._values]; })()"
            )
            splits, labels = x
            assert labels and all(re.match(r"^\d\d:\d\d", label) for label in labels), labels
            new_york = ZoneInfo("America/New_York")
            first = datetime.fromtimestamp(splits[0], UTC).astimezone(new_york)
            assert labels[0].startswith(first.strftime("%H:%M"))
            assert 'data-time-zone="America/New_York"' in page.content()

            # live: a new sample appears without reloading the page
            loads = int(_figure(page, "cpu")["data-loads"])
            later = now + timedelta(seconds=10)  # the next bucket
            add_samples(tsdb.cursor(), CPU, [(later, 97.0)])
            page.wait_for_function(
                "([n, t]) => { const f = document.getElementById('chart-cpu');"
                " return +f.dataset.loads > n && +f.dataset.lastT >= t; }",
                arg=[loads, int(later.timestamp())],
                timeout=45_000,
            )

            # a custom range, typed in the user's zone
            start = (now - timedelta(hours=2)).replace(second=0)
            local = start.astimezone(new_york).strftime("%Y-%m-%dT%H:%M")
            later_local = (start + timedelta(hours=1)).astimezone(new_york).strftime("%Y-%m-%dT%H:%M")
            page.click("#charts .custom-range summary")
            page.fill("#charts input[name=from]", later_local)
            page.fill("#charts input[name=to]", local)
            page.click("#charts form[data-custom-range] button")
            assert page.locator("[data-custom-error]").inner_text() == (
                "The end must be at least a minute after the start."
            )
            page.fill("#charts input[name=from]", local)
            page.fill("#charts input[name=to]", later_local)
            page.click("#charts form[data-custom-range] button")
            page.wait_for_selector("#chart-cpu[data-range=custom]")
            custom = _figure(page, "cpu")
            assert (int(custom["data-start"]), int(custom["data-end"])) == (
                int(start.timestamp()),
                int(start.timestamp()) + 3600,
            )
            assert page.locator("[data-custom-error]").is_hidden()
            assert page.evaluate("window.__cspViolations") == []
        finally:
            browser.close()
