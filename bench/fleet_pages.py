"""The pages a technician opens, timed over HTTP against a real ``eus-collector`` process that
holds the fleet's database (its own scheduler, compaction and roll-up jobs running as usual).

The technician signs in through the login form (CSRF and all) and then opens, each
``queries`` times on devices and customers picked at random (the same seed every run): the
fleet overview ``/``, a customer screen, a device page, each device chart at 1 h / 24 h /
7 d / 30 d (``/api/devices/<id>/series?panel=…&range=…``), the device page with all its charts
at each range (the page, then every panel's JSON in one request, as the browser asks), the
alerts page, the software search, the global search, the Resolve page, the Resolve flow (the
page, then its form posted with every step done, ending on Manage) and the Function Log of a
customer with a faulty function. Every page is fetched whole and must answer 200.

The baseline, measured in the same run on the same server and session: ``/healthz`` (a
constant answer through the same WSGI server, Flask app, session and authorisation chain).
"""

from __future__ import annotations

import contextlib
import functools
import json
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from bench.fleet_data import percentiles
from bench.fleet_live import PACE_S, LiveAgents
from bench.fleet_seed import USERNAME, Seeded, hostname
from bench.procs import base_env, enroll_flood_env, free_port
from collector.dashboards.loader import load as load_dashboards
from collector.dashboards.model import View

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ARTICLE_VERSION = re.compile(r'name="article_version" value="(\d+)"')
STEP = re.compile(r'name="(state_\d+)"')
TICKET = re.compile(r'name="ticket"[^>]*value="([^"]*)"')
CHART_RANGES = ("1h", "24h", "7d", "30d")


class CollectorProcess:
    """``python -m collector`` on a data directory, on free loopback ports."""

    def __init__(
        self, data_dir: Path, memory_mb: int, threads: int, extra_env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        self.web_port = free_port()
        self.stream_port = free_port()
        self.enroll_port = free_port()
        self.env = (
            base_env()
            | {
                "EUS_DATA_DIR": str(data_dir),
                "EUS_LISTEN_HOST": "127.0.0.1",
                "EUS_STREAM_PORT": str(self.stream_port),
                "EUS_ENROLL_PORT": str(self.enroll_port),
                "EUS_WEB_HOST": "127.0.0.1",
                "EUS_WEB_PORT": str(self.web_port),
                "EUS_DUCKDB_MEMORY_LIMIT_MB": str(memory_mb),
                "EUS_DUCKDB_THREADS": str(threads),
            }
            | (extra_env or {})
        )
        self.log_path = data_dir.parent / "collector.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start_s = 0.0

    def __enter__(self) -> CollectorProcess:
        endpoints = self.data_dir / "run" / "endpoints.json"
        endpoints.unlink(missing_ok=True)
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "collector"], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        while time.monotonic() - started < 600:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the collector exited ({self.proc.returncode}); see {self.log_path}")
            try:
                if json.loads(endpoints.read_text())["pid"] == self.proc.pid:
                    self.start_s = time.monotonic() - started
                    return self
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)  # polling a file the collector writes when ready; no event to wait on
        raise RuntimeError(f"the collector did not start in 600 s; see {self.log_path}")

    def rss_mb(self, key: str = "VmRSS") -> float:
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/status") as fh:
            return next(int(line.split()[1]) / 1024 for line in fh if line.startswith(f"{key}:"))

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=120)


class Technician:
    """A signed-in dashboard session; every page must answer 200."""

    def __init__(self, port: int, password: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        page = self.get("/login")
        match = CSRF.search(page)
        assert match, "no CSRF token on /login"
        resp = self.http.post(
            self.base + "/login",
            data={"username": USERNAME, "password": password, "csrf_token": match.group(1)},
            timeout=60,
        )
        if resp.status_code != 200 or "/login" in resp.url:
            raise RuntimeError(f"sign-in failed: HTTP {resp.status_code} {resp.url}")

    def get(self, path: str) -> str:
        resp = self.http.get(self.base + path, timeout=300)
        if resp.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {resp.status_code} {resp.text[:300]!r}")
        return resp.text

    def post(self, path: str, data: dict[str, str]) -> str:
        """A form posted as the browser does (redirects followed); the page it ends on."""
        resp = self.http.post(self.base + path, data=data, timeout=300)
        if resp.status_code != 200:
            raise RuntimeError(f"POST {path}: HTTP {resp.status_code} {resp.text[:300]!r}")
        return resp.text

    def opener(self, path: str) -> Callable[[], object]:
        return lambda: self.get(path)


def resolve_run(path: str) -> Callable[[Technician], object]:
    """The Resolve flow: the page, then its form posted with every step done and the fault not
    resolved (the run goes on the Support Log and the ticket, and Manage opens)."""

    def call(t: Technician) -> None:
        page = t.get(path)
        csrf, version = CSRF.search(page), ARTICLE_VERSION.search(page)
        if csrf is None or version is None:
            raise RuntimeError(f"GET {path}: no Resolve form (no article for the fault?)")
        form = {"csrf_token": csrf.group(1), "article_version": version.group(1), "outcome": "unresolved"}
        form |= dict.fromkeys(STEP.findall(page), "done")
        form["notes"] = "bench: every step done"
        ticket = TICKET.search(page)
        if ticket is not None and ticket.group(1):
            form["ticket"] = ticket.group(1)
        else:
            form["open_ticket"] = "on"
        t.post(path, form)

    return call


def page_paths(seeded: Seeded, queries: int) -> dict[str, list[Callable[[Technician], object]]]:
    """Each measure's calls, ``queries`` of them, on random customers and devices."""
    rng = random.Random(11)
    panels = [p.key for p in load_dashboards(None).panels(View.DEVICE)]

    def device() -> int:
        return rng.choice(seeded.devices)

    def get(path: str) -> Callable[[Technician], object]:
        return lambda t: t.get(path)

    def device_with_charts(dev: int, rng_key: str) -> Callable[[Technician], object]:
        def call(t: Technician) -> None:
            t.get(f"/devices/{dev}")
            t.get(f"/api/devices/{dev}/panels?{'&'.join(f'panel={p}' for p in panels)}&range={rng_key}")

        return call

    n = range(queries)
    out: dict[str, list[Callable[[Technician], object]]] = {
        "baseline: /healthz": [get("/healthz") for _ in n],
        "fleet overview /": [get("/") for _ in n],
        "customer screen": [get(f"/customers/{rng.choice(seeded.customers)}") for _ in n],
        "device page (HTML)": [get(f"/devices/{device()}") for _ in n],
    }
    for key in CHART_RANGES:
        out[f"device chart {key} (one panel's JSON)"] = [
            get(f"/api/devices/{device()}/series?panel={rng.choice(panels)}&range={key}") for _ in n
        ]
    for key in CHART_RANGES:
        out[f"device page + all {len(panels)} charts at {key}"] = [
            device_with_charts(device(), key) for _ in range(max(3, queries // 3))
        ]
    package, below = seeded.package or "openssl", seeded.version or "1"
    faulty = seeded.faulty or [(seeded.customers[0], seeded.devices[0], "tcp-https")]
    out |= {
        "alerts page": [get("/alerts") for _ in n],
        f"software search ({package})": [get(f"/software?name={package}") for _ in n],
        f"software search ({package} below {below})": [
            get(f"/software?name={package}&below={quote(below)}") for _ in n
        ],
        "global search (a hostname)": [get(f"/search?q={hostname(device())}") for _ in n],
        "global search (a ticket number)": [
            get(f"/search?q={rng.choice(seeded.tickets) if seeded.tickets else 1}") for _ in n
        ],
        "Resolve page of a faulty function": [
            get(f"/customers/{c}/functions/{f}/resolve?device={d}")
            for c, d, f in (rng.choice(faulty) for _ in n)
        ],
        "Resolve run (the page, its form posted, Manage)": [
            resolve_run(f"/customers/{c}/functions/{f}/resolve?device={d}")
            for c, d, f in (rng.choice(faulty) for _ in range(max(3, queries // 3)))
        ],
        "Function Log of a customer": [
            get(f"/customers/{c}/function-log") for c, _, _ in (rng.choice(faulty) for _ in n)
        ],
    }
    return out


def measure(
    data_dir: Path,
    seeded: Seeded,
    *,
    queries: int,
    memory_mb: int,
    threads: int,
    log: Callable[[str], None],
    live_agents: int = 0,
) -> dict[str, Any]:
    """Start the collector on ``data_dir``, sign in, time every page; p50/p95 in ms each, with
    the ratio to the baseline's p50/p95; the collector's start time and RSS. With
    ``live_agents``, that many agents stream at the real pace the whole time
    (``bench.fleet_live``): the collector ingests, compacts and serves at once."""
    env = enroll_flood_env(live_agents) if live_agents else None
    with CollectorProcess(data_dir, memory_mb, threads, env) as collector:
        log(f"collector up in {collector.start_s:.1f} s, RSS {collector.rss_mb():.0f} MB")
        started_rss = collector.rss_mb()
        live = (
            LiveAgents(data_dir, collector.enroll_port, collector.stream_port, live_agents)
            if live_agents
            else contextlib.nullcontext()
        )
        with live:
            if live_agents:
                log(f"{live_agents} agents enrolled and streaming every {PACE_S:.0f} s; timing pages")
            tech = Technician(collector.web_port, seeded.password)
            pages: dict[str, Any] = {}
            for name, calls in page_paths(seeded, queries).items():
                pages[name] = percentiles([functools.partial(call, tech) for call in calls])
                log(f"{name}: {pages[name]['p50_ms']:.1f} / {pages[name]['p95_ms']:.1f} ms")
        base = pages["baseline: /healthz"]
        for p in pages.values():
            p["x_p50"] = p["p50_ms"] / base["p50_ms"]
            p["x_p95"] = p["p95_ms"] / base["p95_ms"]
        out = {
            "start_s": collector.start_s,
            "started_rss_mb": started_rss,
            "rss_mb": collector.rss_mb(),
            "peak_rss_mb": collector.rss_mb("VmHWM"),
            "pages": pages,
        }
        if isinstance(live, LiveAgents):
            out["live"] = live.summary
            log(f"live agents: {live.summary}")
        return out
