"""One target's poll over time: a full inventory first, then only changes; a restart seen
in sysUpTime leads to a new discovery; a device without the system group stores nothing."""

from __future__ import annotations

import asyncio

from agent.snmp.oids import Oid, Value, oid
from agent.snmp.poller import PollReport, TargetPoller
from agent.snmp.settings import check_target
from agent.snmp.status import Status
from agent_snmp import snmprec
from agent_snmp.fake_device import FakeSession
from agent_snmp.peers import FIXTURES
from eus.v1 import eus_pb2

UPTIME = oid("1.3.6.1.2.1.1.3.0")
IF_DESCR_1 = oid("1.3.6.1.2.1.2.2.1.2.1")


def poller(records: dict[Oid, Value]) -> tuple[TargetPoller, FakeSession]:
    spec = check_target(
        eus_pb2.SnmpTarget(id="snmp-9", host="192.0.2.1", version="2c", legacy=True, community="c")
    )
    session = FakeSession(records)
    return TargetPoller(spec, session, max_repetitions=25, slow_refresh_s=0), session


def poll(p: TargetPoller) -> PollReport:
    return asyncio.run(p.poll())


def test_inventory_is_full_first_then_changes_only_and_a_restart_means_rediscovery() -> None:
    records = snmprec.load(FIXTURES / "printer-color-laser.snmprec")
    p, device = poller(records)

    first = poll(p)
    assert first.status is Status.OK, first.message
    (full,) = first.inventory
    assert full.full and {i.kind for i in full.upserts} == {"snmp_system", "interface", "printer"}
    system = next(i for i in full.upserts if i.kind == "snmp_system")
    assert system.attrs["profiles"] == "system,interfaces,printer"
    assert {f.id for f in first.functions} >= {"snmp-9:reachability", "snmp-9:supply:1"}
    assert all(f.ts_ms == first.started_ms for f in first.functions)

    assert poll(p).inventory == []  # nothing changed

    device.records[IF_DESCR_1] = b"HP JETDIRECT 2900nw"
    (diff,) = poll(p).inventory
    assert not diff.full
    assert [(i.kind, i.key, i.attrs["descr"]) for i in diff.upserts] == [
        ("interface", "1", "HP JETDIRECT 2900nw")
    ]

    device.records[UPTIME] = 500  # 5 s: the printer restarted
    restarted = poll(p)
    assert restarted.status is Status.OK
    assert "the device restarted since the last poll" in restarted.message
    (again,) = poll(p).inventory  # rediscovered: a full report again
    assert again.full


def test_a_device_without_the_system_group_stores_nothing_and_says_why() -> None:
    records = {
        k: v
        for k, v in snmprec.load(FIXTURES / "printer-color-laser.snmprec").items()
        if k[:7] != oid("1.3.6.1.2.1.1")
    }
    p, _ = poller(records)
    report = poll(p)
    assert report.status is Status.NO_SUCH
    assert report.message.startswith("no such object: the system group")
    assert report.message.endswith("(legacy SNMPv2c: insecure)")
    assert report.samples == [] and report.inventory == []
    (reach,) = report.functions
    assert reach.status == eus_pb2.HEALTH_CRITICAL
