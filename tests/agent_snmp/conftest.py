"""Real SNMP peers for the gateway tests: snmpd per module, one snmpsim for the session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_snmp.harness import Harness
from agent_snmp.peers import FIXTURES, Snmpd, Snmpsim, recording

# The recordings the session's snmpsim serves: community (v2c) / context (v3) -> file.
RECORDINGS = {
    "cisco-c3560": recording("network", "switch", "cisco-c3560.snmprec.bz2"),
    "cisco-n5000": recording("network", "switch", "cisco-n5000.snmprec.bz2"),
    "hpe-procurve": recording("network", "switch", "hpe-procurve-516733-b21.snmprec.bz2"),
    "juniper-mx960": recording("network", "router", "juniper-mx960-13-3r9-13.snmprec.bz2"),
    "aruba-7210": recording("network", "wifi", "aruba-7210.snmprec.bz2"),
    "apc-7902b": recording("UPS", "apc-7902b.snmprec"),
    "eaton-93e-80": recording("UPS", "eaton-93e-80.snmprec.bz2"),
    "apc-smart-ups": FIXTURES / "apc-smart-ups.snmprec",
    "printer": FIXTURES / "printer-color-laser.snmprec",
}
# Port 10101 of the Cisco switch counts up at a known rate (snmpsim's numeric variation).
COUNTING_OID = "1.3.6.1.2.1.31.1.1.1.6.10101"
COUNTING_RATE = 125_000  # bytes per second: 1 Mbit/s


@pytest.fixture(scope="session")
def snmpsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snmpsim]:
    sim = Snmpsim(tmp_path_factory.mktemp("snmpsim"))
    for name, path in RECORDINGS.items():
        sim.add_recording(path, name)
    sim.add_recording(
        RECORDINGS["cisco-c3560"],
        "cisco-c3560-counting",
        replace={COUNTING_OID: f"70:numeric|rate={COUNTING_RATE},initial=1000000000"},
    )
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="module")
def snmpd() -> Iterator[Snmpd]:
    daemon = Snmpd().start()
    try:
        yield daemon
    finally:
        daemon.cleanup()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    """Make started gateways (extension + real spool); all are closed after the test."""
    made: list[Harness] = []

    def make(settings: dict[str, Any]) -> Harness:
        workdir = tmp_path / f"gateway{len(made)}"
        workdir.mkdir()
        made.append(Harness(workdir, settings).start())
        return made[-1]

    yield make
    for h in made:
        h.close()
