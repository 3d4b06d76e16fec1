"""Against snmpsim serving recordings of real devices: discovery picks the right profiles,
and what the gateway spools equals what the recording holds."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from agent.snmp.discovery import probe_root
from agent.snmp.oids import Oid, PollData, Value, within
from agent.snmp.profiles import PROFILES, entity, interfaces, lldp
from agent.snmp.profiles.base import mac, text
from agent.snmp.profiles.system import sys_object_id
from agent_snmp import snmprec
from agent_snmp.conftest import COUNTING_RATE, RECORDINGS
from agent_snmp.harness import Harness, latest, target, v2c
from agent_snmp.peers import Snmpsim
from collector.snmp.links import Neighbour, Node, links, node_ports, norm_mac, norm_name
from collector.snmp.rates import Reading, rate
from eus.v1 import eus_pb2

SLOW = 600  # one poll is enough: the next is ten minutes away


def expected_profiles(records: dict[Oid, Value]) -> set[str]:
    """What discovery should find: the profiles whose probe subtree the recording fills."""
    found = {"system"}
    names = sorted(records)
    for name, profile in PROFILES.items():
        for probe in profile.probes:
            root = probe_root(probe)
            if any(within(o, root) for o in names):
                found.add(name)
        if any(sys_object_id(PollData(records))[: len(p)] == p for p in profile.sys_object_ids):
            found.add(name)
    return found


@pytest.fixture(scope="module")
def polled(snmpsim: Snmpsim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Harness]]:
    """Every recording polled once over v2c, through a real spool."""
    h = Harness(
        tmp_path_factory.mktemp("gateway"),
        {
            "targets": [
                v2c(f"snmp-{name}", snmpsim.port, name, interval_s=SLOW, timeout_s=5) for name in RECORDINGS
            ]
        },
    ).start()
    try:
        for name in RECORDINGS:
            h.wait_polls(f"snmp-{name}:reachability", 1, 120)
        h.stop()
        yield {"h": h}
    finally:
        h.close()


def test_discovery_picks_the_profiles_each_device_supports(
    polled: dict[str, Harness], snmpsim: Snmpsim
) -> None:
    h = polled["h"]
    chosen = {}
    for name, path in RECORDINGS.items():
        (reach,) = h.functions(f"snmp-{name}:reachability")
        assert reach.status == eus_pb2.HEALTH_OK, reach.message
        assert reach.message.endswith("(legacy SNMPv2c: insecure)")
        system = h.items(f"snmp-{name}", "snmp_system")["system"]
        chosen[name] = set(system["profiles"].split(","))
        # how the gateway really polls it, never a secret (issue #10.3)
        poll = {k: v for k, v in system.items() if k.startswith("poll_")}
        assert poll == {"poll_host": "127.0.0.1", "poll_port": str(snmpsim.port), "poll_version": "2c",
                        "poll_legacy": "1", "poll_interval_s": f"{SLOW:g}", "poll_timeout_s": "5",
                        "poll_retries": "1"}, name  # fmt: skip
        assert name not in str(poll)  # the community (the recording's name) is not among them
        assert chosen[name] == expected_profiles(snmprec.load(path)), name
    # What an MSP would expect of each device, spelled out:
    assert {"interfaces", "entity", "lldp"} <= chosen["cisco-c3560"]
    assert {"interfaces", "entity", "lldp"} <= chosen["hpe-procurve"]
    assert {"interfaces", "lldp"} <= chosen["juniper-mx960"]
    assert {"interfaces", "entity"} <= chosen["aruba-7210"]
    assert "ups" in chosen["eaton-93e-80"]
    assert "ups" in chosen["apc-smart-ups"]
    assert "ups" not in chosen["apc-7902b"]  # a rack PDU, not a UPS
    assert "printer" in chosen["printer"]
    assert not {"printer", "ups"} & chosen["cisco-c3560"]
    assert h.items("snmp-cisco-c3560", "snmp_system")["system"]["vendor"] == "Cisco"
    assert h.items("snmp-juniper-mx960", "snmp_system")["system"]["vendor"] == "Juniper Networks"


@pytest.mark.parametrize("name", ["cisco-c3560", "juniper-mx960", "aruba-7210", "hpe-procurve"])
def test_interface_names_and_counters_equal_the_recording(polled: dict[str, Harness], name: str) -> None:
    h = polled["h"]
    records = snmprec.load(RECORDINGS[name])
    names = snmprec.column(records, interfaces.IF_NAME)
    hc_in = snmprec.column(records, interfaces.IF_HC_IN_OCTETS)
    hc_out = snmprec.column(records, interfaces.IF_HC_OUT_OCTETS)
    points = h.points(f"snmp-{name}")
    stored_in = {
        dict(k)["ifIndex"]: (p.value, dict(k)["ifName"])
        for k, p in latest(points, "snmp.if.in_octets").items()
    }
    stored_out = {dict(k)["ifIndex"]: p.value for k, p in latest(points, "snmp.if.out_octets").items()}
    assert hc_in, "the recording has 64-bit counters"
    for index, value in hc_in.items():
        assert stored_in[str(index[0])] == (
            snmprec.num(value),
            text(names[index]) or stored_in[str(index[0])][1],
        )
    for index, value in hc_out.items():
        assert stored_out[str(index[0])] == snmprec.num(value)
    items = h.items(f"snmp-{name}", "interface")
    phys = snmprec.column(records, interfaces.IF_PHYS_ADDRESS)
    for index, value in phys.items():
        assert items[str(index[0])].get("mac", "") == mac(value)


@pytest.mark.parametrize("name", ["cisco-c3560", "hpe-procurve", "aruba-7210"])
def test_entity_serials_equal_the_recording(polled: dict[str, Harness], name: str) -> None:
    records = snmprec.load(RECORDINGS[name])
    serials = {str(k[0]): text(v) for k, v in snmprec.column(records, entity.ENT_SERIAL).items() if text(v)}
    items = polled["h"].items(f"snmp-{name}", "entity")
    assert serials
    assert {k: items[k]["serial"] for k in serials} == serials


def test_ups_values_equal_the_recordings(polled: dict[str, Harness]) -> None:
    h = polled["h"]
    eaton = latest(h.points("snmp-eaton-93e-80"), "snmp.ups.battery_charge_percent")
    assert [p.value for p in eaton.values()] == [100.0]  # upsEstimatedChargeRemaining.0 = 100
    apc = latest(h.points("snmp-apc-smart-ups"), "snmp.ups.battery_charge_percent")
    assert [p.value for p in apc.values()] == [87.0]  # upsAdvBatteryCapacity.0 = 87
    (ups,) = h.functions("snmp-apc-smart-ups:ups")
    assert (ups.status, ups.message) == (
        eus_pb2.HEALTH_WARNING,
        "battery needs replacing: battery 87%, 42 min left",
    )
    (eaton_ups,) = h.functions("snmp-eaton-93e-80:ups")
    assert eaton_ups.status == eus_pb2.HEALTH_OK


def test_a_printer_supply_at_12_percent_is_a_warning(polled: dict[str, Harness]) -> None:
    h = polled["h"]
    percents = {
        dict(k)["descr"]: p.value
        for k, p in latest(h.points("snmp-printer"), "snmp.printer.supply_percent").items()
    }
    assert percents == {
        "Black Cartridge HP 415A W2030A": 12.0,
        "Cyan Cartridge HP 415A W2031A": 60.0,
        "Magenta Cartridge HP 415A W2033A": 4.0,
    }
    full = latest(h.points("snmp-printer"), "snmp.printer.receptacle_percent")
    assert {dict(k)["descr"]: p.value for k, p in full.items()} == {"Toner Collection Unit HP 3WT90A": 90.0}
    (black,) = h.functions("snmp-printer:supply:1")
    assert black.status == eus_pb2.HEALTH_WARNING
    assert black.message == "Black Cartridge HP 415A W2030A: 12% left (warning below 15%)"
    assert dict(black.metrics) == {"percent": 12.0}
    assert black.subject == "snmp-printer" and black.kind == "snmp.supply"
    (magenta,) = h.functions("snmp-printer:supply:3")
    assert magenta.status == eus_pb2.HEALTH_CRITICAL
    (yellow,) = h.functions("snmp-printer:supply:4")  # level -3: some remaining, not a number
    assert (yellow.status, yellow.message) == (
        eus_pb2.HEALTH_OK,
        "Yellow Cartridge HP 415A W2032A: some remaining",
    )
    (waste,) = h.functions("snmp-printer:supply:6")  # a receptacle 90 % full
    assert waste.status == eus_pb2.HEALTH_WARNING and waste.message.endswith("90% full (warning at 80%)")
    levels = latest(h.points("snmp-printer"), "snmp.printer.supply_level")
    assert levels and all(p.value >= 0 for p in levels.values())


def test_lldp_neighbours_become_links_between_the_two_polled_switches(polled: dict[str, Harness]) -> None:
    """The HPE ProCurve and the Cisco Nexus recordings were taken from neighbouring switches:
    the collector's own matcher, fed with what the gateway reported, links them."""
    h = polled["h"]
    nodes, neighbours = [], []
    for name in ("hpe-procurve", "cisco-n5000", "cisco-c3560"):
        subject = f"snmp-{name}"
        system = h.items(subject, "snmp_system")["system"]
        ifs = list(h.items(subject, "interface").items())
        macs = {m for m in (norm_mac(a.get("mac", "")) for _, a in ifs) if m}
        nodes.append(
            Node(
                subject,
                "snmp",
                name,
                names=frozenset(norm_name(system.get("sysName", ""))),
                macs=frozenset(macs),
                ports=node_ports(ifs),
            )
        )
        neighbours += [Neighbour(subject, k, a) for k, a in h.items(subject, "lldp_neighbor").items()]
    recorded = snmprec.column(snmprec.load(RECORDINGS["hpe-procurve"]), lldp.REM_CHASSIS_ID)
    assert len([n for n in neighbours if n.node_id == "snmp-hpe-procurve"]) == len(recorded) == 5
    found = links(nodes, neighbours)
    between = [link for link in found if {link.a, link.b} == {"snmp-hpe-procurve", "snmp-cisco-n5000"}]
    assert between, found
    assert any(link.both_sides for link in between)
    assert all(link.matched_by == "chassis id" for link in between)


def test_v3_with_a_context_polls_the_same_values(snmpsim: Snmpsim, gateway: Callable[..., Harness]) -> None:
    h = gateway(
        {
            "targets": [
                target(
                    "snmp-v3",
                    snmpsim.port,
                    user=snmpsim.V3_USER,
                    auth_protocol="SHA",
                    auth_key=snmpsim.V3_AUTH_KEY,
                    priv_protocol="AES",
                    priv_key=snmpsim.V3_PRIV_KEY,
                    context="eaton-93e-80",
                    interval_s=SLOW,
                )
            ]
        },
    )
    (reach,) = h.wait_polls("snmp-v3:reachability", 1, 60)
    assert reach.status == eus_pb2.HEALTH_OK, reach.message
    assert not reach.message.endswith("insecure)")
    assert h.items("snmp-v3", "snmp_system")["system"]["sysName"] == "DUMSYS-23"


def test_counters_walked_twice_give_the_rate_the_device_counts_at(
    snmpsim: Snmpsim, gateway: Callable[..., Harness]
) -> None:
    h = gateway({"targets": [v2c("snmp-count", snmpsim.port, "cisco-c3560-counting", interval_s=2)]})
    h.wait_polls("snmp-count:reachability", 4, 60)
    h.stop()
    series = sorted(
        (
            p
            for p in h.points("snmp-count")
            if p.name == "snmp.if.in_octets" and p.labels["ifIndex"] == "10101"
        ),
        key=lambda p: p.ts_ms,
    )
    uptime = {p.ts_ms: p.value for p in h.points("snmp-count") if p.name == "snmp.sys.uptime_s"}
    assert len(series) >= 4 and series[0].labels["ifName"] == "Gi0/1" and series[0].monotonic
    readings = [Reading(p.ts_ms / 1000, p.value, uptime.get(p.ts_ms)) for p in series]
    overall = rate(readings[0], readings[-1], bits=64)
    assert overall is not None
    assert overall == pytest.approx(COUNTING_RATE, rel=0.15)
    for prev, cur in itertools.pairwise(readings):
        step = rate(prev, cur, bits=64)
        assert step is not None and step == pytest.approx(COUNTING_RATE, rel=0.5)
    # A port that does not count has a rate of 0, not a gap.
    still = sorted(
        (p for p in h.points("snmp-count") if p.name == "snmp.if.in_octets" and p.labels["ifIndex"] == "1"),
        key=lambda p: p.ts_ms,
    )
    assert (
        rate(Reading(still[0].ts_ms / 1000, still[0].value), Reading(still[-1].ts_ms / 1000, still[-1].value))
        == 0.0
    )
