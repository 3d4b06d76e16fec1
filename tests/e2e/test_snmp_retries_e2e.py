"""The retries a technician sets are the retries the gateway makes (issue #9), end to end: a
real collector, a real enrolled gateway agent, the dashboard over HTTP, and two UDP sockets
this test owns that never answer (devices that are down).

One device is saved with ``retries = 0``, the other with ``retries = 2``. The collector pushes
both down the stream; the gateway polls each every 2 s and each poll times out. Every poll
ends in one reachability verdict, stored by the collector; every request sent is one
datagram on the test's socket. So the device with 0 retries gets exactly one datagram per
poll — 0 is "ask once", not "not set, use the default of 1" — and the one with 2 retries
three, which shows the count would catch a retry. The device page says "0 retries", the edit
form holds 0, and the gateway's own verdict says "after 1 tries".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from agent_snmp.peers import CountingBlackHole
from support.dashboard import Dashboard, technician_and_gateway
from support.procs import CollectorProc
from support.tsdb import query
from support.waits import wait_for

PASSWORD = "tech-password-snmp-3"


def device_form(gateway_id: int, name: str, port: int, retries: str) -> dict[str, str]:
    return {
        "name": name,
        "host": "127.0.0.1",
        "port": str(port),
        "gateway_device_id": str(gateway_id),
        "version": "2c",
        "legacy": "on",
        "community": "public",
        "interval_s": "2",
        "timeout_s": "0.5",
        "retries": retries,
    }


def polls(data: Path, gateway_id: int, device_id: int) -> list[str]:
    """The gateway's reachability verdicts about one device, oldest first: one per poll."""
    subject = f"snmp-{device_id}"
    rows = query(
        data,
        "SELECT message FROM function_results WHERE device_id = ? AND subject = ? AND function_id = ? "
        "ORDER BY ts",
        [gateway_id, subject, f"{subject}:reachability"],
    )
    return [str(r[0]) for r in rows]


@pytest.mark.slow
def test_a_device_saved_with_zero_retries_is_asked_once_per_poll(
    tmp_path: Path, collector: CollectorProc
) -> None:
    data = collector.data_dir
    gateway, _ = technician_and_gateway(collector, tmp_path / "gateway", PASSWORD)
    zero, two = CountingBlackHole(), CountingBlackHole()
    web = Dashboard(collector)
    web.login("tech", PASSWORD)
    try:
        customer_id = web.first_id("/", r'href="/customers/(\d+)"')
        wait_for(lambda: 'href="/devices/' in web.page("/"), 60, "the gateway to enroll")
        gateway_id = web.first_id("/", r'href="/devices/(\d+)"')
        once = web.add_device(customer_id, device_form(gateway_id, "Down, no retries", zero.port, "0"))
        thrice = web.add_device(customer_id, device_form(gateway_id, "Down, two retries", two.port, "2"))

        assert "0 retries" in web.page(f"/snmp/{once}")
        assert re.search(r'name="retries" value="0"', web.page(f"/snmp/{once}/edit"))
        wait_for(lambda: zero.count >= 4 and two.count >= 7, 120, "a few polls of both devices", 0.5)
        assert gateway.stop() == 0, gateway.log_tail()  # flushes the last verdicts
    finally:
        zero.close()
        two.close()
        if gateway.alive:
            gateway.stop()
        assert collector.stop() == 0, collector.log_tail()

    asked_once, asked_thrice = polls(data, gateway_id, once), polls(data, gateway_id, thrice)
    assert len(asked_once) >= 3 and len(asked_thrice) >= 2
    # A poll still waiting when the gateway stopped sent its datagrams but left no verdict.
    assert len(asked_once) <= zero.count <= len(asked_once) + 1, (zero.count, asked_once)
    assert 3 * len(asked_thrice) <= two.count <= 3 * len(asked_thrice) + 3, (two.count, asked_thrice)
    assert all("after 1 tries" in m for m in asked_once), asked_once
    assert all("after 3 tries" in m for m in asked_thrice), asked_thrice
