"""One unreachable device (a black-hole port) and one very slow device (snmpsim answering
after seconds) must not delay the other devices' polls beyond their interval."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent_snmp.harness import Harness, v2c
from agent_snmp.peers import FIXTURES, BlackHole, Snmpsim
from eus.v1 import eus_pb2

INTERVAL = 2.0
MARGIN = 1.2  # scheduling slack on a loaded 2-core machine; a blocked slot costs seconds
SLOW_WAIT_MS = 2500  # every request of the slow device takes this long (> INTERVAL)


@pytest.fixture
def slow_device(tmp_path: Path) -> Iterator[Snmpsim]:
    """Its own snmpsim (the delay module blocks the whole simulator while it waits)."""
    sim = Snmpsim(tmp_path / "slow")
    sim.add_recording(
        FIXTURES / "printer-color-laser.snmprec",
        "slow",
        replace={"1.3.6.1.2.1.1.3.0": f"67:delay|value=8640000,wait={SLOW_WAIT_MS}"},
    )
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def test_bad_devices_do_not_delay_the_others(
    snmpsim: Snmpsim, slow_device: Snmpsim, gateway: Callable[..., Harness]
) -> None:
    hole = BlackHole()
    good = ["printer", "apc-smart-ups", "eaton-93e-80", "cisco-c3560"]
    try:
        h = gateway(
            {
                "max_concurrency": 2,
                "targets": [
                    v2c("snmp-hole", hole.port, "public", interval_s=INTERVAL, timeout_s=1),
                    v2c("snmp-slow", slow_device.port, "slow", interval_s=INTERVAL, timeout_s=4),
                    *(v2c(f"snmp-{name}", snmpsim.port, name, interval_s=INTERVAL) for name in good),
                ],
            }
        )
        for name in good:
            h.wait_polls(f"snmp-{name}:reachability", 8, 90)
        h.stop()
    finally:
        hole.close()

    for name in good:
        polls = h.functions(f"snmp-{name}:reachability")
        assert all(p.status == eus_pb2.HEALTH_OK for p in polls), [p.message for p in polls]
        starts = [p.ts_ms / 1000 for p in polls][1:]  # the first poll includes discovery
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert max(gaps) <= INTERVAL + MARGIN, f"{name}: poll gaps {[round(g, 2) for g in gaps]}"
    holes = h.functions("snmp-hole:reachability")
    assert holes and all(p.message.startswith("timeout: no response from 127.0.0.1") for p in holes)
    slow = h.functions("snmp-slow:reachability")
    assert slow and slow[-1].status == eus_pb2.HEALTH_OK, [p.message for p in slow]
    assert min(p.duration_s for p in slow) > INTERVAL  # it really was slower than its interval
