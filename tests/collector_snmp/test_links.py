"""LLDP neighbours become links between known devices (data from the snmpsim recordings
cisco-n5000 and hpe-procurve-516733-b21, which are cabled to each other)."""

from __future__ import annotations

import pytest

from collector.snmp.links import (
    Link,
    Neighbour,
    Node,
    links,
    match,
    node_ports,
    norm_address,
    norm_mac,
    norm_name,
)

NEXUS = Node(
    "snmp-1",
    "snmp",
    "Nexus 5548",
    names=frozenset(norm_name("DUMSYS-52")),
    addresses=frozenset({"10.40.1.20"}),
    macs=frozenset({"8c604f19163a", "8c604f19167c"}),
    ports=node_ports(
        [
            ("436281344", {"name": "Ethernet1/19", "descr": "Ethernet1/19", "mac": "8c:60:4f:19:16:3a"}),
            ("436285440", {"name": "Ethernet1/20", "descr": "Ethernet1/20", "mac": "8c:60:4f:19:16:3b"}),
        ]
    ),
)
PROCURVE = Node(
    "snmp-2",
    "snmp",
    "ProCurve 6120XG",
    names=frozenset(norm_name("DUMSYS-64")),
    addresses=frozenset({"10.40.1.19"}),
    macs=frozenset({"ac162d927d21", "ac162d927d2f"}),
    ports=node_ports(
        [
            ("17", {"name": "17", "descr": "17", "mac": "ac162d927d2f"}),
            ("76", {"name": "VLAN1", "mac": "ac162d927d21"}),
            ("125", {"name": "VLAN2", "mac": "ac162d927d21"}),
        ]
    ),
)
AGENT = Node("agent-7", "agent", "fileserver", names=frozenset(norm_name("fs01.acme.lan") | {"fs01-chassis"}),
             addresses=frozenset({"10.40.1.50"}), macs=frozenset({"525400aabbcc"}))  # fmt: skip

FROM_NEXUS = Neighbour(  # lldpRemTable of the Nexus, entry 436281344.0
    "snmp-1",
    "436281344.0",
    {"local_port": "Ethernet1/19", "chassis_id": "ac162d927d21", "chassis_id_subtype": "4", "port_id": "17",
     "port_id_subtype": "7", "port_desc": "17", "sys_name": "ProCurve 6120XG Blade Switch",
     "mgmt_address": ""},
)  # fmt: skip
FROM_PROCURVE = Neighbour(  # lldpRemTable of the ProCurve, entry 17.1
    "snmp-2",
    "17.1",
    {"local_port": "17", "chassis_id": "8c:60:4f:19:16:3a", "chassis_id_subtype": "4", "port_id": "Eth1/19",
     "port_id_subtype": "7", "port_desc": "Ethernet1/19", "sys_name": "NWPU-CA-5548-01",
     "mgmt_address": "10.40.1.19"},
)  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("38:91:D5:FB:74:2C", "3891d5fb742c"),
        ("3891.d5fb.742c", "3891d5fb742c"),
        ("0x3891d5fb742c", "3891d5fb742c"),
        ("38-91-d5-fb-74-2c", "3891d5fb742c"),
        ("00:00:00:00:00:00", None),
        ("NWPU-CA-5548-01(SSI183706KP)", None),
        ("", None),
    ],
)
def test_norm_mac(raw: str, expected: str | None) -> None:
    assert norm_mac(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.1.123.2", "10.1.123.2"),
        ("10.1.123.2/24", "10.1.123.2"),
        ("10.0.0.17:51234", "10.0.0.17"),
        ("[fe80::1]:7443", "fe80::1"),
        ("fe80::1", "fe80::1"),
        ("switch", None),
        ("", None),
    ],
)
def test_norm_address(raw: str, expected: str | None) -> None:
    assert norm_address(raw) == expected


def test_norm_name_keeps_the_short_form() -> None:
    assert norm_name(" SW1.Acme.LAN. ") == {"sw1.acme.lan", "sw1"}
    assert norm_name("") == set()


def test_a_shared_mac_names_no_port() -> None:
    assert "ac162d927d21" not in PROCURVE.ports
    assert PROCURVE.ports["ac162d927d2f"] == "17"
    assert NEXUS.ports["ethernet1/19"] == "Ethernet1/19"


@pytest.mark.parametrize(
    ("attrs", "expected", "how"),
    [
        ({"chassis_id": "ac:16:2d:92:7d:21"}, "snmp-2", "chassis id"),
        ({"chassis_id": "x", "mgmt_address": "10.40.1.50"}, "agent-7", "management address"),
        ({"sys_name": "FS01.acme.lan"}, "agent-7", "system name"),
        ({"sys_name": "fs01"}, "agent-7", "system name"),  # short name
        ({"sys_name": "dumsys-52"}, "snmp-1", "system name"),
        ({"chassis_id": "8c604f19163a", "sys_name": "fs01"}, "snmp-1", "chassis id"),  # MAC beats name
        ({"chassis_id": "112233445566", "sys_name": "elsewhere"}, None, ""),
        ({"chassis_id": "FS01-Chassis", "chassis_id_subtype": "local"}, "agent-7", "chassis id"),
    ],
)
def test_match_order(attrs: dict[str, str], expected: str | None, how: str) -> None:
    node, matched_by = match(Neighbour("snmp-5", "1.1", attrs), [NEXUS, PROCURVE, AGENT])
    assert (node.id if node else None, matched_by) == (expected, how)


def test_a_device_does_not_match_itself() -> None:
    node, _ = match(Neighbour("snmp-2", "1.1", {"chassis_id": "ac162d927d21"}), [PROCURVE])
    assert node is None


def test_the_cable_between_nexus_and_procurve_is_one_link_seen_from_both_sides() -> None:
    result = links([NEXUS, PROCURVE, AGENT], [FROM_NEXUS, FROM_PROCURVE])
    assert result == [Link("snmp-1", "Ethernet1/19", "snmp-2", "17", "ProCurve 6120XG", "chassis id", True)]


def test_one_side_only_and_unknown_neighbours() -> None:
    unknown = Neighbour("snmp-2", "17.2", {"local_port": "17", "chassis_id": "NWPU-CA-5548-01(SSI183706KP)",
                                           "chassis_id_subtype": "7", "port_id": "Ethernet1/19"})  # fmt: skip
    result = links([NEXUS, PROCURVE], [FROM_NEXUS, unknown, Neighbour("snmp-9", "1.1", {})])
    assert result == [
        Link("snmp-1", "Ethernet1/19", "snmp-2", "17", "ProCurve 6120XG", "chassis id", False),
        Link("snmp-2", "17", "", "Ethernet1/19", "NWPU-CA-5548-01(SSI183706KP)", ""),
    ]


def test_local_port_falls_back_to_the_key() -> None:
    nb = Neighbour("snmp-1", "436281344.0", {"chassis_id": "ac162d927d21", "port_id": "ac162d927d2f"})
    (link,) = links([NEXUS, PROCURVE], [nb])
    assert (link.a_port, link.b_port) == ("Ethernet1/19", "17")  # the ifIndex and a MAC port id resolve
