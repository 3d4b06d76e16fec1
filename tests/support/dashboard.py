"""The technician's browser as plain HTTP against a real collector's dashboard (CSRF included)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import requests

from support.procs import AgentProc, CollectorProc, eus

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Dashboard:
    """A logged-in session on a running collector's dashboard."""

    def __init__(self, collector: CollectorProc) -> None:
        self.base = f"http://127.0.0.1:{collector.web_port}"
        self.http = requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=30)

    def page(self, path: str) -> str:
        """The page's HTML; fails unless it answers 200."""
        resp = self.get(path)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:500])
        return resp.text

    def submit(self, form_page: str, action: str, data: dict[str, str]) -> requests.Response:
        match = CSRF.search(self.page(form_page))
        assert match, form_page
        return self.http.post(self.base + action, data={**data, "csrf_token": match.group(1)}, timeout=30)

    def login(self, username: str, password: str) -> None:
        resp = self.submit("/login", "/login", {"username": username, "password": password})
        assert resp.status_code == 200 and "/login" not in resp.url, resp.text[:500]

    def first_id(self, path: str, pattern: str) -> int:
        match = re.search(pattern, self.page(path))
        assert match, (path, pattern)
        return int(match.group(1))

    def add_device(self, customer_id: int, form: dict[str, str]) -> int:
        path = f"/customers/{customer_id}/snmp/new"
        resp = self.submit(path, path, form)
        match = re.search(r"/snmp/(\d+)$", resp.url)
        assert resp.status_code == 200 and match, resp.text[:2000]
        return int(match.group(1))


def technician_and_gateway(
    collector: CollectorProc, state_dir: Path, password: str, env: Mapping[str, str] | None = None
) -> tuple[AgentProc, str]:
    """Customer Acme's technician ``tech`` (with ``password``) and a gateway agent enrolled for
    Acme and started (batches flushed every 0.5 s); returns the agent and its agent id."""
    # a supervisor of Acme only: configuring devices is for supervisors and administrators
    tech = ["user", "create", "tech", "--role", "supervisor", "--customer", "Acme", "--password-stdin"]
    eus(collector.data_dir, *tech, stdin=password)
    token = eus(collector.data_dir, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
    gateway = AgentProc(state_dir, "gateway", {"EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.5", **(env or {})})
    agent_id = gateway.enroll(collector, token)
    gateway.start()
    return gateway, agent_id
