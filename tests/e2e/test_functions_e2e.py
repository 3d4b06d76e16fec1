"""Central functions end to end: a supervisor adds a function to a device in the dashboard,
the collector pushes it down the real agent's stream, the agent checks it, and the
function's state, message and last change show on the device's functions page; removing
it stops it. A real collector, a real enrolled agent, a real TCP listener to check.
"""

from __future__ import annotations

import re
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from support.procs import AgentProc, CollectorProc, eus
from support.waits import wait_for

pytestmark = pytest.mark.slow

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "functions-e2e-" + secrets.token_hex(8)


@pytest.fixture
def listener() -> Iterator[int]:
    """A real TCP port that accepts connections (the kernel completes the handshake)."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        yield int(srv.getsockname()[1])


def csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, html[:500]
    return match.group(1)


def test_a_central_function_is_pushed_checked_shown_and_removed(
    tmp_path: Path, collector: CollectorProc, listener: int
) -> None:
    data = collector.data_dir
    eus(
        data,
        "user",
        "create",
        "tech",
        "--role",
        "supervisor",  # of Acme only: adding central functions is for supervisors
        "--customer",
        "Acme",
        "--password-stdin",
        stdin=PASSWORD,
    )
    token = eus(data, "token", "create", "--customer", "Acme", "--uses", "1").stdout.strip()
    agent = AgentProc(tmp_path / "agent", "agent", {"EUS_AGENT_BATCH_FLUSH_INTERVAL_S": "0.5"})
    agent.enroll(collector, token)
    agent.start()
    base = f"http://127.0.0.1:{collector.web_port}"
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30)
    http.post(
        f"{base}/login",
        data={"username": "tech", "password": PASSWORD, "csrf_token": csrf(page.text)},
        timeout=30,
    )
    try:
        home = http.get(f"{base}/", timeout=30).text
        match = re.search(r'href="/devices/(\d+)"', home)
        assert match, home[:2000]
        device_id = int(match.group(1))

        def states() -> list[dict[str, Any]]:
            resp = http.get(f"{base}/api/devices/{device_id}/functions", timeout=30)
            assert resp.status_code == 200, resp.text[:500]
            return [f for f in resp.json()["functions"] if f["id"] == "tcp:listener"]

        def connected() -> bool:
            resp = http.get(f"{base}/devices/{device_id}", timeout=30)
            return "state-online" in resp.text

        wait_for(connected, 60, "the agent's stream", interval=0.5)

        # Add the function in the dashboard, as a supervisor would.
        form_page = http.get(f"{base}/devices/{device_id}/functions", timeout=30)
        resp = http.post(
            f"{base}/devices/{device_id}/functions",
            data={
                "csrf_token": csrf(form_page.text),
                "kind": "tcp",
                "name": "Listener",
                "interval": "5",
                "params": f"host=127.0.0.1\nport={listener}",
            },
            timeout=30,
        )
        assert resp.status_code == 200, resp.text[:500]
        assert "Function Listener (tcp:listener) added; sent to the agent." in resp.text

        wait_for(lambda: bool(states()), 90, "the pushed function's first result", interval=1)
        [state] = states()
        assert (state["status"], state["kind"], state["name"]) == ("ok", "tcp", "Listener")
        assert state["message"], state
        shown = http.get(f"{base}/devices/{device_id}/functions", timeout=30).text
        assert "Listener" in shown and state["message"] in shown

        # The customer roll-up followed the results as they were committed (bus, not per request):
        # the customer screen's Function level lists the check and the fleet rolls the customer up.
        owner = re.search(r'href="/customers/(\d+)"', home)
        assert owner, home[:3000]
        customer_id = owner.group(1)

        def on_customer_screen() -> bool:
            screen = http.get(f"{base}/customers/{customer_id}", timeout=30).text
            return "tcp:listener" in screen.split('id="level-function"', 1)[1].split("</section>", 1)[0]

        wait_for(on_customer_screen, 30, "the function on the customer screen", interval=0.5)
        fleet = http.get(f"{base}/", timeout=30).text
        assert f'data-customer="{customer_id}" data-status="ok"' in fleet, fleet[:3000]

        # Remove it: the agent is told, and its results stop.
        spec_row = re.search(r'name="spec" value="(\d+)"', shown)
        assert spec_row, shown[:3000]
        resp = http.post(
            f"{base}/devices/{device_id}/functions/remove",
            data={"csrf_token": csrf(shown), "spec": spec_row.group(1)},
            timeout=30,
        )
        assert "removed; sent to the agent" in resp.text
        assert "tcp:listener" not in resp.text[resp.text.index('id="central"') :]
        assert agent.alive, agent.log_tail()
    finally:
        assert agent.stop() == 0, agent.log_tail()
        assert collector.stop() == 0, collector.log_tail()
    assert "1 pushed function(s)" in agent.log_path.read_text()
    assert "0 pushed function(s)" in agent.log_path.read_text()
