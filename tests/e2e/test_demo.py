"""`make demo` brings up the whole system; a user logs in and sees this machine's metrics."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from support.procs import REPO, base_env
from support.waits import wait_for


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "login form has no CSRF token"
    return m.group(1)


@pytest.mark.slow
def test_make_demo_shows_this_machine_within_30s(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    out_path = tmp_path / "demo.out"
    with out_path.open("wb") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "demo", f"DEMO_DATA={data}"],
            cwd=REPO,
            env=base_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    try:

        def banner() -> bool:
            assert make.poll() is None, out_path.read_text()
            return "Press Ctrl-C to stop." in out_path.read_text()

        wait_for(banner, 300, "the demo banner")  # includes first-time set-up
        started = time.monotonic()  # the system is up: its metrics must show within 30 s
        text = out_path.read_text()
        url = re.search(r"dashboard: (http://\S+)", text)
        password = re.search(r"password:\s+(\S+)", text)
        assert url and password, text
        base = url.group(1).rstrip("/")

        http = requests.Session()
        page = http.get(f"{base}/login", timeout=10)
        resp = http.post(
            f"{base}/login",
            data={
                "username": "admin",
                "password": password.group(1),
                "csrf_token": _csrf(page.text),
                "next": "",
            },
            timeout=10,
        )
        assert resp.status_code == 200, resp.text[:500]
        assert "/login" not in resp.url

        home = http.get(f"{base}/", timeout=10).text
        hostname = os.uname().nodename
        assert hostname in home, "this machine is not listed on the dashboard"
        device = re.search(r'href="/devices/(\d+)"', home)
        assert device, home[:2000]

        series: list[dict[str, object]] = []

        def has_cpu() -> bool:
            nonlocal series
            r = http.get(
                f"{base}/api/devices/{device.group(1)}/series",
                params={"metric": "cpu", "range": "1h"},
                timeout=10,
            )
            assert r.status_code == 200, r.text
            series = [s for s in r.json()["series"] if s["v"]]
            return bool(series)

        wait_for(has_cpu, 30 - (time.monotonic() - started), "CPU samples of this machine", interval=1)
        values = [v for s in series for v in s["v"]]  # type: ignore[attr-defined]
        assert all(0 <= float(v) <= 100 for v in values if v is not None)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGINT)  # Ctrl-C
            make.wait(60)
    collector_run = data / "collector" / "run" / "endpoints.json"
    wait_for(lambda: not collector_run.exists(), 30, "the collector to stop cleanly")
    wait_for(
        lambda: "stopped (SIGTERM)" in (data / "logs" / "agent.log").read_text(),
        30,
        "the agent to stop cleanly",
    )
