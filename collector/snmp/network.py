"""The Network view of one customer: agents, the SNMP devices each gateway polls, and the
links between devices that LLDP neighbours reveal.

Nodes are built from what is stored — SNMP devices with their ``snmp_system`` and
``interface`` inventory, agents with their hostname, address and ``nic`` inventory — and
handed to the pure matcher in :mod:`collector.snmp.links`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from collector.snmp.links import Link, Neighbour, Node, links, node_ports, norm_address, norm_mac, norm_name
from collector.snmp.models import NetworkDevice
from collector.store.models import Device
from collector.tsdb.snmp import readings
from collector.tsdb.storage import Storage

SNMP_KINDS = ("snmp_system", "interface", "lldp_local", "lldp_neighbor")


def snmp_node_id(device: NetworkDevice) -> str:
    return f"net-{device.id}"


def agent_node_id(device: Device) -> str:
    return f"agent-{device.id}"


@dataclass(frozen=True)
class NetworkView:
    nodes: dict[str, Node]
    agents: list[Device]
    polled_by: dict[int, list[NetworkDevice]]  # gateway agent id -> its SNMP devices
    links: list[Link]

    def label(self, node_id: str) -> str:
        node = self.nodes.get(node_id)
        return node.label if node else node_id


def _addresses(raw: str) -> set[str]:
    found = (norm_address(part) for part in raw.replace(";", ",").replace(" ", ",").split(","))
    return {a for a in found if a}


def _snmp_node(device: NetworkDevice, items: list[readings.InventoryRow]) -> Node:
    system = next((i.attrs for i in items if i.kind == "snmp_system"), {})
    interfaces = [(i.key, i.attrs) for i in items if i.kind == "interface"]
    macs = {m for m in (norm_mac(a.get("mac", "")) for _, a in interfaces) if m}
    names = norm_name(system.get("sysName", "")) | norm_name(device.name)
    for lldp in (i.attrs for i in items if i.kind == "lldp_local"):  # how its neighbours see it
        names |= norm_name(lldp.get("sys_name", ""))
        chassis = lldp.get("chassis_id", "")
        mac = norm_mac(chassis)
        if mac:
            macs.add(mac)
        elif chassis.strip():
            names.add(chassis.strip().lower())
    address = norm_address(device.host)
    return Node(
        snmp_node_id(device),
        "snmp",
        device.name,
        names=frozenset(names),
        addresses=frozenset({address} if address else set()),
        macs=frozenset(macs),
        ports=node_ports(interfaces),
    )


def _agent_node(agent: Device, nics: list[readings.InventoryRow]) -> Node:
    addresses = _addresses(agent.last_address)
    macs: set[str] = set()
    ports: dict[str, str] = {}
    for nic in nics:
        addresses |= _addresses(nic.attrs.get("addresses", ""))
        mac = norm_mac(nic.attrs.get("mac", ""))
        if mac:
            macs.add(mac)
            ports[mac] = nic.key
        ports[nic.key.lower()] = nic.key
    return Node(
        agent_node_id(agent),
        "agent",
        agent.hostname or agent.agent_id,
        names=frozenset(norm_name(agent.hostname)),
        addresses=frozenset(addresses),
        macs=frozenset(macs),
        ports=ports,
    )


def network_view(storage: Storage, agents: Sequence[Device], devices: Sequence[NetworkDevice]) -> NetworkView:
    """Everything the Network page shows for one customer's agents and SNMP devices."""
    by_subject = {(d.gateway_device_id, d.target_id): d for d in devices if d.target_id}
    gateway_ids = {d.gateway_device_id for d in devices}
    items: dict[int, list[readings.InventoryRow]] = defaultdict(list)
    neighbours: list[Neighbour] = []
    for row in storage.snmp_inventory(gateway_ids, SNMP_KINDS):
        device = by_subject.get((row.device_id, row.subject))
        if device is None:
            continue
        if row.kind == "lldp_neighbor":
            neighbours.append(Neighbour(snmp_node_id(device), row.key, row.attrs))
        else:
            items[device.id].append(row)
    nics: dict[int, list[readings.InventoryRow]] = defaultdict(list)
    for row in storage.host_inventory([a.id for a in agents], "nic"):
        nics[row.device_id].append(row)
    nodes = [_snmp_node(d, items[d.id]) for d in devices] + [_agent_node(a, nics[a.id]) for a in agents]
    polled_by: dict[int, list[NetworkDevice]] = defaultdict(list)
    for d in sorted(devices, key=lambda x: x.name.lower()):
        polled_by[d.gateway_device_id].append(d)
    return NetworkView(
        nodes={n.id: n for n in nodes},
        agents=sorted(agents, key=lambda a: (a.hostname or a.agent_id).lower()),
        polled_by=dict(polled_by),
        links=links(nodes, neighbours),
    )
